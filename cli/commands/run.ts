/**
 * `immutos run FILE... [--kernel NAME] [--db PATH] [--mutant M...] [--seed S] [--schedule P,P,…] [--json]
 * [--quota-… N]`: runs system-language programs (EDN text, or the binary AST recognised by its
 * magic bytes), prints each process's output and the final result; exit 1 on an uncaught error in
 * process 0. The first file runs in process 0; each further file in a process of its own tree
 * (its own process, fuel and heap bounds). Quotas: the defaults, then what the first file
 * declares in its leading comment (`;; immutos run --quota-fuel N …`), then the flags. The kernel
 * is any name the engine registry resolves whose kernel can run programs (`reference`,
 * `optimized`, `optimized+tier:0`, `optimized+hw:tso`, `reference+mutant:NAME`, …).
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../errors.js';
import { DEFAULT_QUOTAS, type Quotas } from '../../spec/Kernel.js';
import { QUOTA_FLAGS, UnknownProgramKernel, failureMessage, programKernelNames, quotasFromFlags, renderReport, runPrograms } from '../program/runProgram.js';

/** The kernels `--kernel` help lists (this module loads only when `run` is the command). */
const KERNEL_NAMES = await programKernelNames();

/** The `--kernel` help text: the names, and the modifiers accepted on top of them. */
export const KERNEL_HELP = `kernel to run on: ${KERNEL_NAMES.join(', ')} (add +tier:0|1|2 to optimized, +mutant:NAME to inject a seeded bug)`;

/** Flags of `immutos run` (quota flags by their camel-cased names). */
interface RunFlags {
  readonly kernel: string;
  readonly seed: string;
  readonly schedule?: string;
  readonly json?: boolean;
  readonly db?: string;
  readonly debug?: boolean;
  readonly mutant?: string[];
  readonly kernelModule?: string[];
  readonly workers?: string | boolean;
  readonly sharedHeap?: string;
  readonly workerHeap?: string;
  readonly gc?: boolean;
  readonly [quota: string]: unknown;
}

/** What each quota flag bounds, for `--help`. */
const QUOTA_HELP: Readonly<Record<keyof Quotas, string>> = {
  heapCells: 'live heap cells per process',
  fuel: 'evaluation steps per process per run (fork splits what is left with the child)',
  stackDepth: 'call depth per process',
  callbackFuel: "steps a validator or watch may take for another process's write (charged to its owner)",
  treeProcesses: 'live processes per process tree (one more spawn/fork: process-limit)',
  treeFuel: 'steps per run summed over a process tree',
  treeHeapCells: 'live heap cells summed over a process tree',
  maxProcesses: 'live processes in the whole kernel',
  totalHeapCells: 'live heap cells in the whole kernel',
  treeOutputChars: 'characters of output (println, prn, watch notices) a process tree holds, each line counting one more',
};

function nat(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${text}'`);
  return n;
}


/** Registers `immutos run`. */
export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description("run system-language programs (EDN text or binary AST) and print each process's output and the result; each further file runs in a process tree of its own")
    .argument('<files...>', 'program files (.edn text, or binary AST); the first runs in process 0')
    .option('--kernel <name>', KERNEL_HELP, 'reference')
    .option('--seed <n>', 'scheduler seed', '0')
    .option('--schedule <pids>', 'explicit schedule: comma-separated pids, one per quantum (then the seeded scheduler)')
    .option('--json', 'print one JSON object instead of text')
    .option('--db <path>', 'keep durable atoms and definitions in the database at PATH (created if missing); definitions recorded there are evaluated first')
    .option('--debug', 'check the heap invariants after every collection')
    .option('--mutant <name...>', "inject seeded bugs of the kernel's catalogue (same as adding +mutant:NAME to the kernel name)")
    .option('--workers [n]', 'parallel mode of the optimized kernel: processes on n worker threads over one shared heap (default n: the number of cores; one program file)')
    .option('--shared-heap <words>', "parallel mode: words for cells in each of the two halves of the shared heap (default 8388608)")
    .option('--worker-heap <mb>', "parallel mode: each worker's JavaScript heap in MiB (default: Node's); a worker that runs out ends its processes with worker-died")
    .option('--no-gc', "parallel mode: run without the shared heap's collector (a run that publishes more than the heap holds then fails with SharedHeapExhausted)")
    .option('--kernel-module <path...>', 'register a kernel of your own (a module exporting createKernel; it must implement ProgramHost of spec/Kernel.ts) so that --kernel can name it');
  for (const [flag, quota] of Object.entries(QUOTA_FLAGS)) {
    cmd.option(`${flag} <n>`, `${QUOTA_HELP[quota]} (default ${DEFAULT_QUOTAS[quota]}, or what the first file declares)`);
  }
  cmd.action(async (files: string[], flags: RunFlags) => {
    const sources = files.map((file) => {
      try {
        return readFileSync(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
    });
    const seed = nat(flags.seed, '--seed');
    const schedule = flags.schedule === undefined ? undefined : flags.schedule.split(',').filter((s) => s.trim() !== '').map((s) => nat(s.trim(), '--schedule'));
    let quotas: Partial<Quotas>;
    try {
      quotas = quotasFromFlags(flags);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { parseWorkersKernel, workersJit, EngineUnavailableError } = await import('../../harness/engines/registry.js');
    let workersKernel: number | null | undefined;
    try {
      workersKernel = parseWorkersKernel(flags.kernel);
    } catch (e) {
      if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
      throw e;
    }
    if (flags.workers !== undefined || workersKernel !== undefined) {
      // `--workers` on the default kernel, `optimized` or `optimized+tier:T`: the optimized kernel's parallel mode.
      const onOptimized = flags.kernel === 'reference' || workersKernel !== undefined || /^optimized(\+tier:[^+]*)?$/.test(flags.kernel);
      const { runParallelProgram, renderParallelReport, parallelFailure } = await import('../program/parallelProgram.js');
      const { defaultWorkers, gcOptionsFromEnv, ParallelRunError } = await import('../../optimized/parallel/ParallelRuntime.js');
      if (sources.length !== 1) throw new UsageError('--workers runs one program file');
      if (flags.db !== undefined) throw new UsageError('--db is not available in the parallel mode (--workers): it has no durable atoms');
      if (!onOptimized) throw new UsageError(`--workers is a mode of the optimized kernel (optimized, optimized+tier:T), not of ${flags.kernel}`);
      const n = typeof flags.workers === 'string' ? nat(flags.workers, '--workers') : workersKernel ?? defaultWorkers();
      if (n < 1) throw new UsageError('--workers must be at least 1');
      let pr;
      try {
        const sizes = flags.sharedHeap !== undefined ? { cellWords: nat(flags.sharedHeap, '--shared-heap') } : undefined;
        const workerHeapMb = flags.workerHeap !== undefined ? nat(flags.workerHeap, '--worker-heap') : undefined;
        if (workerHeapMb !== undefined && workerHeapMb < 8) throw new UsageError(`--worker-heap must be at least 8 (MiB), got ${workerHeapMb}`);
        const jit = workersJit(flags.kernel === 'reference' ? 'optimized' : flags.kernel);
        pr = await runParallelProgram(sources[0]!, { workers: n, quotas, jit, mutants: flags.mutant ?? [], ...(sizes !== undefined ? { sizes } : {}), ...(workerHeapMb !== undefined ? { workerHeapMb } : {}), gc: { ...gcOptionsFromEnv(), ...(flags.gc === false ? { enabled: false } : {}), ...(flags.debug === true ? { check: true } : {}) } });
      } catch (e) {
        if (e instanceof ParallelRunError || e instanceof EngineUnavailableError) throw new UsageError(e.message);
        throw e;
      }
      if (flags.json) process.stdout.write(JSON.stringify(pr, null, 2) + '\n');
      else process.stdout.write(renderParallelReport(pr));
      const failed = parallelFailure(pr);
      if (failed !== null) throw new CheckFailed(failed);
      return;
    }
    let store;
    if (flags.db !== undefined) {
      const { openDatabase, DatabaseUnavailable } = await import('../program/definitions.js');
      try {
        store = await openDatabase(flags.db);
      } catch (e) {
        if (e instanceof DatabaseUnavailable) throw new UsageError(e.message);
        throw e;
      }
    }
    let report;
    try {
      report = await runPrograms(sources, { kernel: flags.kernel, seed, schedule, kernelOptions: { debug: flags.debug ?? false, mutants: flags.mutant ?? [], quotas, ...(store !== undefined ? { store } : {}) }, kernelModules: flags.kernelModule ?? [] });
    } catch (e) {
      if (e instanceof UnknownProgramKernel) throw new UsageError(e.message);
      if (e instanceof RangeError && /unknown mutant/.test(e.message)) throw new UsageError(e.message.split('\n')[0]!);
      throw e; // bad-input (unreadable program) → exit 2 in cli/main.ts
    } finally {
      await store?.close();
    }
    if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else process.stdout.write(renderReport(report));
    const failure = failureMessage(report);
    if (failure !== null) throw new CheckFailed(failure);
  });
}
