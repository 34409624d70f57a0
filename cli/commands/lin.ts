/**
 * `immutos lin FILE`: checks a concurrent history for linearizability against a sequential model
 * (a built-in one or a module given by path). Reads our JSON history format, Jepsen's EDN
 * histories and Jepsen's text logs. Exit codes: 0 linearizable, 1 not linearizable, 2 bad usage or
 * bad input, 3 not decided within the limits (no violation found). A history that is not
 * linearizable is drawn as an HTML timeline next to the file (or where `--html` says).
 * @module
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';

/** Exit code when the checker could not decide within its limits. */
export const EXIT_UNDECIDED = 3;

interface LinOptions {
  model?: string;
  html?: string;
  picture: boolean;
  json?: boolean;
  timeout: string;
  all?: boolean;
  initial?: string;
}

/** Registers `immutos lin`. */
export function register(program: Command): void {
  program
    .command('lin')
    .description('check a concurrent history (our JSON, Jepsen EDN or Jepsen log) for linearizability; exit 0 linearizable, 1 not, 2 bad input, 3 undecided')
    .argument('<file>', 'the history file')
    .option('-m, --model <model>', 'register, cas-register, kv, atom, or the path of a module exporting a model (default: what the file names or its operations suggest)')
    .option('--html <out>', 'write the picture of the history here, whatever the verdict')
    .option('--no-picture', 'do not write the picture of a history that is not linearizable')
    .option('--json', 'print the result as JSON')
    .option('--timeout <seconds>', 'give up (exit 3) after this many seconds', '60')
    .option('--all', 'decide every key, also after a violation is found')
    .option('--initial <edn>', "the atom model's initial value (default: the file's, else nil)")
    .action(async (file: string, opts: LinOptions) => {
      const timeout = Number(opts.timeout);
      if (!(timeout > 0)) throw new UsageError(`--timeout takes a positive number of seconds, got ${opts.timeout}`);
      const { readHistory } = await import('../../harness/lin/formats.js');
      const { builtinModel, MODEL_NAMES } = await import('../../harness/lin/models.js');
      const { checkHistory } = await import('../../harness/lin/checker.js');
      const { renderHtml } = await import('../../harness/lin/html.js');
      const { printEdn } = await import('../../spec/codec/Edn.js');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const builtin = opts.model === undefined || (MODEL_NAMES as readonly string[]).includes(opts.model);
      const history = readHistory(text, builtin ? { ...(opts.model !== undefined ? { model: opts.model } : {}) } : { model: 'custom' });
      const model = builtin ? builtinModel(history.model, opts.initial ?? history.initial) : await loadModel(opts.model!);
      const result = checkHistory(model, history.ops, { timeoutMs: timeout * 1000, allPartitions: opts.all === true });
      const keyText = (k: unknown): string => (k === undefined ? '(one object)' : typeof k === 'object' && k !== null && 'kind' in k ? printEdn(k as never) : typeof k === 'string' ? JSON.stringify(k) : String(k));
      let picture: string | undefined;
      if (opts.html !== undefined || (result.verdict === 'violation' && opts.picture)) {
        picture = opts.html ?? join(dirname(file), `${basename(file).replace(/\.[^.]*$/, '')}.lin.html`);
        writeFileSync(picture, renderHtml(model, history.ops, result, { title: basename(file), keyText }));
      }
      const out = (line: string): void => void process.stdout.write(line + '\n');
      const name = builtin ? history.model : resolve(opts.model!);
      if (opts.json === true) {
        out(
          JSON.stringify(
            {
              file,
              format: history.format,
              model: name,
              verdict: result.verdict,
              ...(result.reason !== undefined ? { reason: result.reason } : {}),
              operations: history.ops.length,
              steps: result.steps,
              elapsedMs: result.elapsedMs,
              ...(picture !== undefined ? { picture } : {}),
              partitions: result.partitions.map((p) => ({ ...p, key: p.key === undefined ? null : keyText(p.key) })),
            },
            null,
            2,
          ),
        );
      } else {
        const bad = result.partitions.filter((p) => p.verdict === 'violation');
        const open = result.partitions.filter((p) => p.verdict === 'unknown' && p.reason !== 'not-searched');
        const summary = `${history.ops.length} operations, ${result.partitions.length} ${result.partitions.length === 1 ? 'partition' : 'partitions'}, model ${name}, ${result.steps} steps, ${result.elapsedMs} ms`;
        if (result.verdict === 'ok') out(`linearizable: ${summary}`);
        else if (result.verdict === 'violation') out(`not linearizable: ${summary}`);
        else out(`not decided (${result.reason === 'time' ? `timeout ${timeout} s` : result.reason === 'memory' ? 'memory limit' : 'step limit'}): ${summary}`);
        for (const p of bad) {
          const op = history.ops[p.stuck!]!;
          const desc = model.describeOperation?.(op.input, op.output) ?? '';
          out(`  key ${keyText(p.key)}: not linearizable; the longest partial linearization places ${p.linearization.length} of ${p.ops.length} operations and cannot place operation ${p.stuck} (client ${String(op.client)}${desc !== '' ? `: ${desc}` : ''})`);
        }
        for (const p of open) out(`  key ${keyText(p.key)}: not decided (${p.reason}) after ${p.steps} steps, ${p.ops.length} operations`);
        const skipped = result.partitions.filter((p) => p.reason === 'not-searched').length;
        if (skipped > 0) out(`  ${skipped} other ${skipped === 1 ? 'partition' : 'partitions'} not searched after the violation (--all searches them)`);
        if (picture !== undefined) out(`picture: ${picture}`);
      }
      if (result.verdict === 'violation') process.exitCode = 1;
      else if (result.verdict === 'unknown') process.exitCode = EXIT_UNDECIDED;
    });
}

/** Loads a model module: its default export or its `model` export, a model or a function making one. */
async function loadModel(path: string): Promise<import('../../harness/lin/checker.js').Model<unknown, unknown, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load model module ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  let m = mod['default'] ?? mod['model'];
  if (typeof m === 'function') m = (m as () => unknown)();
  const model = m as { init?: unknown; step?: unknown };
  if (typeof model !== 'object' || model === null || typeof model.init !== 'function' || typeof model.step !== 'function') throw new UsageError(`model module ${path} exports no model (an object with init and step, as default or as "model")`);
  return model as import('../../harness/lin/checker.js').Model<unknown, unknown, unknown>;
}
