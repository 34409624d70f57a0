/**
 * The registry of CLI commands: one module per command, each exporting `register(program)`.
 * To add a command, create `cli/commands/<name>.ts` and add it to this list (one line).
 * @module
 */
import type { Command } from 'commander';
import { register as start } from './start.js';
import { register as fuzz } from './fuzz.js';
import { register as replay } from './replay.js';
import { register as check } from './check.js';
import { register as run } from './run.js';
import { register as repl } from './repl.js';
import { register as encode } from './encode.js';
import { register as decode } from './decode.js';
import { register as bench } from './bench.js';

/** Every command's registration function. */
export const commands: readonly ((program: Command) => void)[] = [start, fuzz, replay, check, run, repl, encode, decode, bench];
