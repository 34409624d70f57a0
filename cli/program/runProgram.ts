/**
 * Running a system-language program file on a kernel: what `immutos run` and the examples test
 * share. Reads EDN text or the binary AST (by its magic bytes), loads it into process 0, runs
 * every process with a deterministic scheduler, and renders each process's output and the
 * final result.
 * @module
 */
import { MAGIC, decodeAll } from '../../spec/Binary.js';
import type { KernelOptions, Outcome, Pid } from '../../spec/Kernel.js';
import { createReferenceKernel, listScheduler, seededScheduler, type ReferenceKernel } from '../../reference/index.js';

/** The kernels that can run programs from the CLI (programs need the richer loader/scheduler API). */
export const PROGRAM_KERNELS: readonly string[] = ['reference'];

/** Options of one program run. */
export interface RunOptions {
  /** Kernel name; only `reference` for now. */
  readonly kernel?: string;
  /** Scheduler seed (default 0). */
  readonly seed?: number;
  /** Explicit schedule: pids to run in order (then the seeded scheduler takes over). */
  readonly schedule?: readonly Pid[];
  /** Kernel options (quotas, debug, mutants). */
  readonly kernelOptions?: KernelOptions;
}

/** What one process did. */
export interface ProcessReport {
  /** Its pid. */
  readonly pid: Pid;
  /** Whether it is still alive (did not `exit`). */
  readonly alive: boolean;
  /** What it printed (and its watches recorded). */
  readonly output: readonly string[];
  /** How its program ended (null: it had no program, or never finished). */
  readonly result: Outcome | null;
}

/** The result of running a program. */
export interface RunReport {
  /** The kernel used. */
  readonly kernel: string;
  /** The seed used. */
  readonly seed: number;
  /** Every process, ascending by pid. */
  readonly processes: readonly ProcessReport[];
  /** The outcome of process 0's program. */
  readonly result: Outcome;
  /** Scheduler quanta run. */
  readonly quanta: number;
  /** Garbage collections run (never visible to programs; reported for the curious). */
  readonly collections: number;
}

/** An unknown kernel was asked for. */
export class UnknownProgramKernel extends Error {
  /** Creates the error for `name`. */
  constructor(readonly kernel: string) {
    super(`kernel '${kernel}' cannot run programs; only ${PROGRAM_KERNELS.map((k) => `'${k}'`).join(', ')} can for now`);
    this.name = 'UnknownProgramKernel';
  }
}

/** Whether `bytes` start with the binary AST's magic bytes. */
export function isBinary(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** Builds the kernel named `name` for running programs. */
export function programKernel(name: string, options: KernelOptions = {}): ReferenceKernel {
  if (name !== 'reference') throw new UnknownProgramKernel(name);
  return createReferenceKernel(options);
}

/**
 * Runs a program (file contents) to completion. Throws `bad-input` (a KernelError) when the
 * program cannot be read; a program that fails is reported in the result, not thrown.
 */
export function runProgram(source: Uint8Array | string, options: RunOptions = {}): RunReport {
  const kernelName = options.kernel ?? 'reference';
  const seed = options.seed ?? 0;
  const k = programKernel(kernelName, options.kernelOptions);
  if (typeof source !== 'string' && isBinary(source)) k.loadValues(0, decodeAll(source));
  else k.load(0, typeof source === 'string' ? source : new TextDecoder().decode(source));
  const quanta = k.runAll(options.schedule !== undefined ? listScheduler(options.schedule, seededScheduler(seed)) : seededScheduler(seed));
  const results = new Map(k.results().map((r) => [r.pid, r.outcome]));
  const processes = k.processList().map((p) => ({ pid: p.pid, alive: p.alive, output: p.output, result: results.get(p.pid) ?? null }));
  const result = results.get(0) ?? { ok: false as const, error: 'program-error' as const, message: 'process 0 did not finish' };
  return { kernel: kernelName, seed, processes, result, quanta, collections: k.gcCount };
}

/**
 * Renders a report as text: each process's output (prefixed `[pid] ` when there is more than one
 * process), failures of other processes, then `=> result` for process 0 when it succeeded.
 */
export function renderReport(r: RunReport): string {
  const many = r.processes.length > 1;
  const lines: string[] = [];
  for (const p of r.processes) {
    const prefix = many ? `[${p.pid}] ` : '';
    for (const line of p.output) lines.push(prefix + line);
    if (p.pid !== 0 && p.result !== null && !p.result.ok) lines.push(`${prefix}error: ${p.result.error}: ${p.result.message}`);
  }
  if (r.result.ok) lines.push(`=> ${r.result.value}`);
  return lines.map((l) => l + '\n').join('');
}

/** The one-line message for a failed process 0: kind, message (with the form's position). */
export function failureMessage(r: RunReport): string | null {
  return r.result.ok ? null : `uncaught ${r.result.error} in process 0: ${r.result.message}`;
}
