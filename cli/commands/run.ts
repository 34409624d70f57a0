/**
 * `immutos run FILE [--kernel reference] [--seed S] [--schedule P,P,…] [--json]
 * [--quota-heap N] [--quota-fuel N] [--quota-stack N]`: runs a system-language program (EDN
 * text, or the binary AST recognised by its magic bytes), prints each process's output and the
 * final result; exit 1 on an uncaught error in process 0. Quotas: the defaults, then what the
 * file declares in its leading comment (`;; immutos run --quota-fuel N …`), then the flags.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../errors.js';
import { REFERENCE_MUTANTS } from '../../reference/index.js';
import { UnknownProgramKernel, failureMessage, quotaValue, renderReport, runProgram } from '../program/runProgram.js';
import type { Quotas } from '../../spec/Kernel.js';

/** Flags of `immutos run`. */
interface RunFlags {
  readonly kernel: string;
  readonly seed: string;
  readonly schedule?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly mutant?: string[];
  readonly quotaHeap?: string;
  readonly quotaFuel?: string;
  readonly quotaStack?: string;
}

function nat(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${text}'`);
  return n;
}

/** Registers `immutos run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run a system-language program (EDN text or binary AST) and print each process\'s output and the result')
    .argument('<file>', 'program file (.edn text, or binary AST)')
    .option('--kernel <name>', 'kernel to run on (only "reference" can run programs for now)', 'reference')
    .option('--seed <n>', 'scheduler seed', '0')
    .option('--schedule <pids>', 'explicit schedule: comma-separated pids, one per quantum (then the seeded scheduler)')
    .option('--json', 'print one JSON object instead of text')
    .option('--debug', 'check the heap invariants after every collection')
    .option('--quota-heap <cells>', 'live heap cells per process (default 1000000, or what the file declares)')
    .option('--quota-fuel <steps>', 'evaluation steps per process (default 10000000, or what the file declares)')
    .option('--quota-stack <depth>', 'call depth per process (default 10000, or what the file declares)')
    .option('--mutant <name...>', `inject seeded bugs (${REFERENCE_MUTANTS.map((m) => m.name).join(', ')})`)
    .action((file: string, flags: RunFlags) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const seed = nat(flags.seed, '--seed');
      const schedule = flags.schedule === undefined ? undefined : flags.schedule.split(',').filter((s) => s.trim() !== '').map((s) => nat(s.trim(), '--schedule'));
      const quotas: { -readonly [K in keyof Quotas]?: number } = {};
      try {
        if (flags.quotaHeap !== undefined) quotas.heapCells = quotaValue(flags.quotaHeap, '--quota-heap');
        if (flags.quotaFuel !== undefined) quotas.fuel = quotaValue(flags.quotaFuel, '--quota-fuel');
        if (flags.quotaStack !== undefined) quotas.stackDepth = quotaValue(flags.quotaStack, '--quota-stack');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      let report;
      try {
        report = runProgram(bytes, { kernel: flags.kernel, seed, schedule, kernelOptions: { debug: flags.debug ?? false, mutants: flags.mutant ?? [], quotas } });
      } catch (e) {
        if (e instanceof UnknownProgramKernel) throw new UsageError(e.message);
        if (e instanceof RangeError && /unknown mutant/.test(e.message)) throw new UsageError(e.message);
        throw e; // bad-input (unreadable program) → exit 2 in cli/main.ts
      }
      if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(renderReport(report));
      const failure = failureMessage(report);
      if (failure !== null) throw new CheckFailed(failure);
    });
}
