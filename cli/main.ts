#!/usr/bin/env node
/**
 * The `immutos` command line. Each command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; `cli/commands/index.ts` lists them in a light table. This file loads only
 * the module of the command being run (the others appear in the top-level help from the table)
 * and maps errors to exit codes: 0 ok, 1 a check failed, 2 bad usage or bad input (one line, no
 * stack trace).
 * @module
 */
import { Command, CommanderError } from 'commander';
import { commands, findCommand } from './commands/index.js';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UsageError, CheckFailed } from './errors.js';

/**
 * The name of the command `argv` runs (for `help NAME`, NAME), or undefined when it names no
 * known command (top-level `--help`, `--version`, nothing, or an unknown name).
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  // The program's own options (-V, --version, -h, --help) take no value, so the first operand names the command.
  const operands = argv.filter((a) => !a.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return name !== undefined && findCommand(name) !== undefined ? name : undefined;
}

/**
 * Builds the program for `argv`: the command `argv` runs is registered from its module, every
 * other command appears as a light entry (name and description, enough for the top-level help).
 * With no `argv`, every command is loaded.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('immutos')
    .description('ImmutOS: an operating system in which every value is immutable — spec, kernels, checks.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`immutos: ${str.split('\n')[0]!.replace(/^error: /, '')} (see --help)\n`) });
  const wanted = argv === undefined ? undefined : commandNamed(argv);
  const load = commands.filter((c) => argv === undefined || c.name === wanted);
  const modules = new Map(await Promise.all(load.map(async (c) => [c.name, await c.load()] as const)));
  const light = new Map<Command, string>();
  for (const c of commands) {
    const m = modules.get(c.name);
    if (m !== undefined) m.register(program);
    else light.set(program.command(c.name).description(c.description), c.term);
  }
  const term = program.createHelp().subcommandTerm.bind(program.createHelp());
  program.configureHelp({ subcommandTerm: (cmd) => light.get(cmd) ?? term(cmd) });
  return program;
}

/** Runs the CLI with `argv` and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
