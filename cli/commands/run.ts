/**
 * `immutos run FILE [--kernel reference] [--seed S] [--schedule P,P,…] [--json]`: runs a
 * system-language program (EDN text, or the binary AST recognised by its magic bytes), prints
 * each process's output and the final result; exit 1 on an uncaught error in process 0.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../errors.js';
import { REFERENCE_MUTANTS } from '../../reference/index.js';
import { UnknownProgramKernel, failureMessage, renderReport, runProgram } from '../program/runProgram.js';

/** Flags of `immutos run`. */
interface RunFlags {
  readonly kernel: string;
  readonly seed: string;
  readonly schedule?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly mutant?: string[];
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
      let report;
      try {
        report = runProgram(bytes, { kernel: flags.kernel, seed, schedule, kernelOptions: { debug: flags.debug ?? false, mutants: flags.mutant ?? [] } });
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
