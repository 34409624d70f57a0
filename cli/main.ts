#!/usr/bin/env node
/**
 * The `immutos` command line. Each command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; this file only wires them together and maps errors to exit codes:
 * 0 ok, 1 a check failed, 2 bad usage or bad input (one line, no stack trace).
 * @module
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UsageError, CheckFailed } from './errors.js';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('immutos')
    .description('ImmutOS: an operating system in which every value is immutable — spec, kernels, checks.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`immutos: ${str.split('\n')[0]!.replace(/^error: /, '')} (see --help)\n`) });
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI with `argv` and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`immutos: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CheckFailed) {
      process.stderr.write(`immutos: ${e.message}\n`);
      return 1;
    }
    const kind = (e as { kind?: unknown }).kind;
    if (kind === 'bad-input') {
      process.stderr.write(`immutos: bad input: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`immutos: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

// Run when executed as the `immutos` bin (directly or through an npm symlink), not when imported.
const invokedAs = process.argv[1] === undefined ? '' : pathToFileURL(realpathSync(process.argv[1])).href;
if (import.meta.url === invokedAs) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`immutos: internal error: ${String(e)}\n`);
      process.exit(70);
    },
  );
}
