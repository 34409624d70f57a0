/**
 * Running system-language program files on a kernel: what `immutos run` and the examples test
 * share. The kernel is any the engine registry builds (harness/engines/registry.ts) that
 * implements the program extension of spec/Kernel.ts (`ProgramHost`). Reads EDN text or the binary AST (by its magic bytes), loads the first file into
 * process 0 and every further file into a process of its own tree (started by the `spawn`
 * operation, so each file has its own quotas: docs/adr/0024-authority-and-resource-accounting.md),
 * runs every process with a deterministic scheduler, and renders each process's output and the
 * final result.
 * @module
 */
import { MAGIC, decodeAll } from '../../spec/codec/Binary.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import { missingProgramMembers, type KernelOptions, type Outcome, type Pid, type ProgramHost, type Quotas } from '../../spec/Kernel.js';
import { listScheduler, seededScheduler } from '../../reference/index.js';
import { definitionsIn, recordDefinitions, replayDefinitions } from './definitions.js';
import { EngineUnavailableError, availableKernels, build, mutantKernelName, KernelModuleError, registerKernelModule } from '../../harness/engines/registry.js';

/** What running a program needs of a kernel: the program extension of spec/Kernel.ts. */
export type ProgramKernel = ProgramHost;

/** Options of one program run. */
export interface RunOptions {
  /**
   * Kernel name as the engine registry knows it (default `reference`): `optimized`,
   * `optimized+tier:0`, `optimized+hw:tso`, `reference+mutant:swap-no-retry`, a registered kernel
   * module, … The kernel must implement the program extension (spec/Kernel.ts `ProgramHost`).
   */
  readonly kernel?: string;
  /** Scheduler seed (default 0). */
  readonly seed?: number;
  /** Explicit schedule: pids to run in order (then the seeded scheduler takes over). */
  readonly schedule?: readonly Pid[];
  /**
   * Kernel options (quotas, debug, mutants, store); each mutant is added to the name as
   * `+mutant:<name>`. With a store, the definitions it records are replayed first, and the
   * first file's definitions are recorded when it succeeds (cli/program/definitions.ts).
   */
  readonly kernelOptions?: KernelOptions;
  /** Kernel modules to register first (`--kernel-module`), so that {@link kernel} may name one. */
  readonly kernelModules?: readonly string[];
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
  /** The kernel used (its full name, mutants included). */
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
  /** The quotas in force: defaults, then those the file declares, then the caller's. */
  readonly quotas: Quotas;
}

/** The quota flags of `immutos run` (also accepted in a program's leading comment), by quota. */
export const QUOTA_FLAGS: Readonly<Record<string, keyof Quotas>> = Object.freeze({
  '--quota-heap': 'heapCells',
  '--quota-fuel': 'fuel',
  '--quota-stack': 'stackDepth',
  '--quota-callback-fuel': 'callbackFuel',
  '--quota-tree-processes': 'treeProcesses',
  '--quota-tree-fuel': 'treeFuel',
  '--quota-tree-heap': 'treeHeapCells',
  '--quota-processes': 'maxProcesses',
  '--quota-total-heap': 'totalHeapCells',
  '--quota-tree-output': 'treeOutputChars',
});

/** A quota's value from its text: a positive integer. Throws a RangeError naming `flag` otherwise. */
export function quotaValue(text: string, flag: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

/**
 * The quotas given as `--quota-…` flags, read from commander's parsed options (each flag under
 * its camel-cased name). Throws RangeError on a value that is not a positive integer.
 */
export function quotasFromFlags(flags: Readonly<Record<string, unknown>>): Partial<Quotas> {
  const quotas: { -readonly [K in keyof Quotas]?: number } = {};
  for (const [flag, quota] of Object.entries(QUOTA_FLAGS)) {
    const text = flags[flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (typeof text === 'string') quotas[quota] = quotaValue(text, flag);
  }
  return quotas;
}

/**
 * The quotas a program file declares in its leading comment, on a line of the form
 * `;; immutos run --quota-heap N --quota-fuel N --quota-stack N` (any subset, any order).
 * The leading comment is every line before the first one that is neither blank nor a `;`
 * comment. Binary programs declare none. Throws `bad-input` for a malformed declaration.
 */
export function declaredQuotas(source: Uint8Array | string): Partial<Quotas> {
  if (typeof source !== 'string' && isBinary(source)) return {};
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  const quotas: { -readonly [K in keyof Quotas]?: number } = {};
  for (const [i, line] of text.split('\n').entries()) {
    const t = line.trim();
    if (t === '') continue;
    if (!t.startsWith(';')) break;
    const m = /^;+\s*immutos run\b(.*)$/.exec(t);
    if (m === null) continue;
    const words = m[1]!.trim().split(/\s+/).filter((w) => w !== '');
    const bad = (why: string): never => {
      throw new KernelError('bad-input', `line ${i + 1}: ${why} (a program may declare only ${Object.keys(QUOTA_FLAGS).join(', ')}, each followed by a positive integer)`);
    };
    for (let w = 0; w < words.length; w += 2) {
      const quota = QUOTA_FLAGS[words[w]!];
      if (quota === undefined) bad(`'${words[w]}' cannot be declared in a program`);
      const value = words[w + 1];
      if (value === undefined) bad(`${words[w]} needs a value`);
      try {
        quotas[quota!] = quotaValue(value!, words[w]!);
      } catch (e) {
        bad((e as Error).message);
      }
    }
  }
  return quotas;
}

/**
 * A kernel that cannot run programs was asked for: the registry does not know it, cannot build
 * it here, or it does not implement the program extension (spec/Kernel.ts `ProgramHost`).
 * The message is one line.
 */
export class UnknownProgramKernel extends Error {
  /** Creates the error for the kernel `kernel` with a one-line `message`. */
  constructor(
    /** The kernel name as asked for. */
    readonly kernel: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnknownProgramKernel';
  }
}

/** Whether `bytes` start with the binary AST's magic bytes. */
export function isBinary(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The kernel name for `name` with `mutants` injected (`+mutant:<name>` each, as the registry
 * reads them).
 */
export function programKernelName(name: string, mutants: readonly string[] = []): string {
  return mutants.reduce((n, m) => mutantKernelName(n, m), name);
}

/**
 * Builds a fresh kernel named `name` (any name the engine registry resolves, see
 * harness/engines/registry.ts) for running programs, with `options.mutants` added to the name.
 * @throws UnknownProgramKernel when the name is unknown or unavailable, or the kernel does not
 * implement the program extension (the message names what is missing).
 */
export async function programKernel(name: string, options: KernelOptions & { readonly kernelModules?: readonly string[] } = {}): Promise<ProgramHost> {
  const full = programKernelName(name, options.mutants ?? []);
  let kernel;
  try {
    for (const path of options.kernelModules ?? []) await registerKernelModule(path);
    const handle = await build(full);
    kernel = handle.build({ ...(options.quotas !== undefined ? { quotas: options.quotas } : {}), ...(options.debug !== undefined ? { debug: options.debug } : {}), ...(options.store !== undefined ? { store: options.store } : {}) });
  } catch (e) {
    if (e instanceof EngineUnavailableError || e instanceof KernelModuleError) throw new UnknownProgramKernel(full, e.message.split('\n')[0]!);
    throw e;
  }
  const missing = missingProgramMembers(kernel);
  if (missing.length > 0) throw new UnknownProgramKernel(full, `kernel '${full}' cannot run programs: it does not implement ${missing.join('/')} (spec/Kernel.ts ProgramHost)`);
  return kernel as ProgramHost;
}

/**
 * The kernel names available here whose engines have a language (they load and run programs),
 * in the registry's order: what `--kernel` help lists. Modifiers (`+tier:N`, `+mutant:NAME`)
 * are accepted on top of these.
 */
export async function programKernelNames(): Promise<string[]> {
  const names: string[] = [];
  for (const name of await availableKernels()) {
    const handle = await build(name);
    if (handle.supports.has('load') && handle.supports.has('run')) names.push(name);
  }
  return names;
}

/**
 * Runs a program (file contents) to completion, under the quotas the file declares (see
 * {@link declaredQuotas}) overridden by `options.kernelOptions.quotas`. Throws `bad-input` (a
 * KernelError) when the program cannot be read; a program that fails is reported in the
 * result, not thrown.
 */
export async function runProgram(source: Uint8Array | string, options: RunOptions = {}): Promise<RunReport> {
  return runPrograms([source], options);
}

/**
 * Runs several program files at once: the first in process 0, each further one in a new process
 * started by the `spawn` operation, the root of a tree of its own (its own process, fuel and heap
 * bounds). Quotas: what the first file declares, overridden by `options.kernelOptions.quotas`.
 * @throws UnknownProgramKernel for a kernel that cannot run programs (see {@link programKernel}).
 */
export async function runPrograms(sources: readonly (Uint8Array | string)[], options: RunOptions = {}): Promise<RunReport> {
  if (sources.length === 0) throw new KernelError('bad-input', 'no program to run');
  const kernelName = options.kernel ?? 'reference';
  const seed = options.seed ?? 0;
  const quotas = { ...declaredQuotas(sources[0]!), ...options.kernelOptions?.quotas };
  const k = await programKernel(kernelName, { ...options.kernelOptions, quotas, ...(options.kernelModules !== undefined ? { kernelModules: options.kernelModules } : {}) });
  const store = options.kernelOptions?.store;
  // Definitions recorded by earlier sessions come first; their output is not this run's.
  const skip = store === undefined ? 0 : (replayDefinitions(k, store), k.processList()[0]?.output.length ?? 0);
  sources.forEach((source, i) => {
    let pid = 0;
    if (i > 0) {
      const spawned = k.apply({ op: 'spawn', pid: 0 });
      if (!spawned.ok) throw new KernelError('bad-input', `cannot start a process for program ${i + 1}: ${spawned.error}: ${spawned.message}`);
      pid = Number(spawned.value);
    }
    if (typeof source !== 'string' && isBinary(source)) k.loadValues(pid, decodeAll(source));
    else k.load(pid, typeof source === 'string' ? source : new TextDecoder().decode(source));
  });
  const quanta = k.runAll(options.schedule !== undefined ? listScheduler(options.schedule, seededScheduler(seed)) : seededScheduler(seed));
  const results = new Map(k.results().map((r) => [r.pid, r.outcome]));
  const processes = k.processList().map((p) => ({ pid: p.pid, alive: p.alive, output: p.pid === 0 ? p.output.slice(skip) : p.output, result: results.get(p.pid) ?? null }));
  const result = results.get(0) ?? { ok: false as const, error: 'program-error' as const, message: 'process 0 did not finish' };
  if (store !== undefined && result.ok) recordDefinitions(store, definitionsIn(sourceText(sources[0]!)));
  return { kernel: programKernelName(kernelName, options.kernelOptions?.mutants ?? []), seed, processes, result, quanta, collections: k.gcCount, quotas: k.quotas };
}

/** A program file's text (a binary AST printed form by form). */
function sourceText(source: Uint8Array | string): string {
  if (typeof source === 'string') return source;
  return isBinary(source) ? decodeAll(source).map((f) => printEdn(f)).join('\n') : new TextDecoder().decode(source);
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
