/**
 * The registry of CLI commands: a light table (name, help term, one-line description) and, for
 * each command, a lazy import of its module `cli/commands/<name>.ts`, which exports
 * `register(program)`. The CLI loads only the module of the command it runs, so a light command
 * (`--version`, `--help`, `encode`, `decode`) never loads the kernels, the model checker or
 * fast-check (docs/adr/0028-lazy-command-loading.md).
 *
 * To add a command, create `cli/commands/<name>.ts` and add one line to {@link commands}; the
 * test beside this file checks that each line matches what its module registers.
 * @module
 */
import type { Command } from 'commander';

/** A command module: registers its command (and only it) on the program. */
export interface CommandModule {
  /** Adds the command, its arguments, options and action to `program`. */
  readonly register: (program: Command) => void;
}

/** One command in the light table. */
export interface CommandEntry {
  /** The command's name, as typed after `immutos`. */
  readonly name: string;
  /** How the top-level help shows the command: its name, `[options]` when it has any, its arguments. */
  readonly term: string;
  /** The one-line description the top-level help shows. */
  readonly description: string;
  /** Loads the command's module. */
  readonly load: () => Promise<CommandModule>;
}

/** Every command, in the order the top-level help lists them (one line each). */
export const commands: readonly CommandEntry[] = [
  { name: 'start', term: 'start [options]', description: 'run the main job: model checking, then a short differential fuzz campaign', load: () => import('./start.js') },
  { name: 'fuzz', term: 'fuzz [options]', description: 'differential fuzzing of the kernels against each other and the spec (see docs/fuzzing.md)', load: () => import('./fuzz.js') },
  { name: 'replay', term: 'replay [options] <file>', description: "re-run one saved fuzz case and print every kernel's outcome step by step", load: () => import('./replay.js') },
  { name: 'check', term: 'check [options] [models...]', description: 'model-check the TLA+ modules and their TS mirrors against spec/tla/manifest.json', load: () => import('./check.js') },
  { name: 'run', term: 'run [options] <files...>', description: "run system-language programs (EDN text or binary AST) and print each process's output and the result; each further file runs in a process tree of its own", load: () => import('./run.js') },
  { name: 'repl', term: 'repl [options]', description: 'interactive system-language session on any kernel that runs programs (:help for commands)', load: () => import('./repl.js') },
  { name: 'encode', term: 'encode [options] [file]', description: 'encode EDN text (all its top-level forms) as one ImmutOS binary blob', load: () => import('./encode.js') },
  { name: 'decode', term: 'decode [options] [file]', description: 'decode an ImmutOS binary blob and print each value as canonical EDN, one per line', load: () => import('./decode.js') },
  { name: 'lin', term: 'lin [options] <file>', description: 'check a concurrent history (our JSON, Jepsen EDN or Jepsen log) for linearizability; exit 0 linearizable, 1 not, 2 bad input, 3 undecided', load: () => import('./lin.js') },
  { name: 'store', term: 'store', description: 'durable-store tools: `store crash` kills a writing process again and again and checks that no acknowledged write is lost', load: () => import('./store.js') },
  { name: 'bench', term: 'bench [options] [suite...]', description: 'run benchmark suites (all when none is named); `--list` shows them', load: () => import('./bench.js') },
];

/** The table entry named `name`, or undefined. */
export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((c) => c.name === name);
}
