/**
 * Running a program in the optimized kernel's parallel mode (`immutos run --workers N`,
 * `optimized+workers:N`): its processes on worker threads over one shared heap
 * (optimized/parallel/, docs/adr/0040), rendered as `immutos run` renders a run.
 * @module
 */
import { decodeAll } from '../../spec/codec/Binary.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { DEFAULT_QUOTAS, type Quotas } from '../../spec/Kernel.js';
import { runParallel, type ParallelOptions, type ParallelReport } from '../../optimized/parallel/ParallelRuntime.js';
import { declaredQuotas, isBinary } from './runProgram.js';

/** Options of {@link runParallelProgram}. */
export interface ParallelProgramOptions extends Omit<ParallelOptions, 'fuel' | 'stackDepth' | 'heapCells' | 'callbackFuel' | 'outputChars'> {
  /** Quotas given by the caller (over those the file declares, over the defaults). */
  readonly quotas?: Partial<Quotas>;
}

/** The program's EDN text (a binary AST is decoded and printed form by form). */
export function programText(source: Uint8Array | string): string {
  if (typeof source === 'string') return source;
  if (isBinary(source)) return decodeAll(source).map(printEdn).join('\n');
  return new TextDecoder().decode(source);
}

/** Runs one program file in the parallel mode, under the quotas it declares and the caller's. */
export async function runParallelProgram(source: Uint8Array | string, options: ParallelProgramOptions = {}): Promise<ParallelReport> {
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...declaredQuotas(source), ...(options.quotas ?? {}) };
  return runParallel(programText(source), { ...options, fuel: quotas.fuel, stackDepth: quotas.stackDepth, heapCells: quotas.heapCells, callbackFuel: quotas.callbackFuel, outputChars: quotas.treeOutputChars });
}

/** The run as `immutos run` prints it: each process's output (`[pid] ` when several), errors of other processes, `=> result`. */
export function renderParallelReport(r: ParallelReport): string {
  const many = r.processes.length > 1;
  const lines: string[] = [];
  for (const p of r.processes) {
    const prefix = many ? `[${p.pid}] ` : '';
    for (const line of p.output) lines.push(prefix + line);
    if (p.pid !== 0 && !p.result.ok) lines.push(`${prefix}error: ${p.result.error}: ${p.result.message}`);
  }
  if (r.result.ok) lines.push(`=> ${r.result.value}`);
  return lines.map((l) => l + '\n').join('');
}

/** The one-line message for a failed process 0, or null. */
export function parallelFailure(r: ParallelReport): string | null {
  return r.result.ok ? null : `uncaught ${r.result.error} in process 0: ${r.result.message}`;
}
