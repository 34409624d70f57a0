/**
 * `immutos repl [--kernel NAME] [--workers [N]] [--db PATH] [--quota-… N]`: an interactive session on any
 * kernel that runs programs (default `reference`; any name the engine registry resolves, e.g.
 * `optimized`, `optimized+tier:0`, `optimized+hw:tso`), or on the optimized kernel's parallel
 * mode (`--workers N`, `optimized+workers:N`: processes on worker threads, docs/adr/0040). Each input (which may span several lines until its
 * brackets balance) is loaded into process 0 and every process runs until none can; new output
 * is printed, then `=> result`. Definitions persist (they live in the kernel's namespace atom),
 * so redefining a function hot-deploys it. Ctrl-C while an input runs interrupts it and keeps the
 * session as it was before that input; Ctrl-C twice at an empty prompt, Ctrl-D or `:quit` leave.
 * Commands: `:help`, `:load FILE`, `:reset`, `:kernel NAME`, `:procs`, `:atoms`, `:gc`, `:quit`.
 * History is kept in memory and in `~/.immutos_history`.
 * @module
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as readline from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Quotas } from '../../spec/Kernel.js';
import { QUOTA_FLAGS, programKernelNames, quotasFromFlags } from '../program/runProgram.js';
import { ReplHost, openBrackets, type ReplInput } from '../program/replSession.js';

export { ReplSession, openBrackets } from '../program/replSession.js';

/** The kernels `--kernel` help lists (this module loads only when `repl` is the command). */
const KERNEL_NAMES = await programKernelNames();

/** What the REPL prints when Ctrl-C stops a running input. */
export const INTERRUPTED = 'interrupted (the session is as it was before this input)';

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').reverse().slice(0, 500);
  } catch {
    return [];
  }
}


/** Registers `immutos repl`. */
export function register(program: Command): void {
  const cmd = program
    .command('repl')
    .description('interactive system-language session on any kernel that runs programs (:help for commands)')
    .option('--kernel <name>', `kernel: ${KERNEL_NAMES.join(', ')} (add +tier:0|1|2 to optimized, +mutant:NAME to inject a seeded bug)`, 'reference');
  for (const flag of Object.keys(QUOTA_FLAGS)) cmd.option(`${flag} <n>`, `the quota of \`immutos run ${flag}\``);
  cmd.option('--workers [n]', 'parallel mode of the optimized kernel: processes on n worker threads over one shared heap (default n: the number of cores); same as --kernel optimized+workers:n');
  cmd.option('--kernel-module <path...>', 'register a kernel of your own (a module exporting createKernel) so that --kernel can name it');
  cmd.option('--db <path>', 'keep durable atoms and definitions in the database at PATH (created if missing); reopening continues where it was');
  cmd.action(async (flags: { readonly kernel: string; readonly kernelModule?: readonly string[]; readonly workers?: string | boolean; readonly db?: string; readonly [quota: string]: unknown }) => {
    let kernel = flags.kernel;
    if (flags.workers !== undefined) {
      if (kernel !== 'reference' && kernel !== 'optimized') throw new UsageError(`--workers is a mode of the optimized kernel, not of ${kernel}`);
      if (flags.db !== undefined) throw new UsageError('--db is not available in the parallel mode (--workers): durable atoms run on one kernel');
      kernel = typeof flags.workers === 'string' ? `optimized+workers:${flags.workers}` : 'optimized+workers';
    }
    let quotas: Partial<Quotas>;
    try {
      quotas = quotasFromFlags(flags);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    let host: ReplHost;
    try {
      host = await ReplHost.start(kernel, quotas, (flags.kernelModule ?? []).map((m) => moduleArg(m)), flags.db === undefined ? undefined : resolve(flags.db));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    await session(host);
  });
}

/** Runs the interactive session on `host` until the user leaves. */
async function session(host: ReplHost): Promise<void> {
  const historyFile = join(homedir(), '.immutos_history');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, history: loadHistory(historyFile), historySize: 500, prompt: 'immutos> ' });
  const say = (text: string): void => void process.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  say(`ImmutOS REPL on kernel '${host.kernel}'${host.db !== undefined ? ` with the database ${host.db}` : ''} — :help for help, :quit or Ctrl-D to leave`);
  const lines: string[] = [];
  let buffer = '';
  let closed = false;
  let quitting = false;
  let pumping = false;
  let ctrlCAtPrompt = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const prompt = (): void => {
    rl.setPrompt(buffer === '' ? 'immutos> ' : '....> ');
    if (!closed) rl.prompt();
  };

  /** One complete input: a command or forms. */
  const handle = async (input: string): Promise<void> => {
    const cmd = input.trim();
    const [word, ...rest] = cmd.split(/\s+/);
    const arg = rest.join(' ');
    if (word === ':quit' || word === ':q') {
      quitting = true;
      return;
    }
    if (word === ':reset' || word === ':kernel') {
      const name = word === ':reset' ? host.kernel : arg;
      if (name === '') return say('usage: :kernel NAME (e.g. :kernel optimized+tier:0)');
      try {
        await host.switchKernel(name);
        say(`a fresh kernel '${name}': definitions made before are lost`);
      } catch (e) {
        say(`error: ${(e as Error).message} (still on '${host.kernel}')`);
      }
      return;
    }
    let what: ReplInput = { text: input };
    if (word === ':load') {
      if (arg === '') return say('usage: :load FILE');
      try {
        what = { file: arg, bytes: readFileSync(arg) };
      } catch (e) {
        return say(`error: cannot read ${arg}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const answer = await host.eval(what);
    say(answer.interrupted ? INTERRUPTED : answer.text);
  };

  /** Evaluates queued lines one at a time (lines typed during an evaluation wait their turn). */
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    while (lines.length > 0 && !quitting) {
      const line = lines.shift()!;
      if (buffer === '' && line.trim() === '') {
        prompt();
        continue;
      }
      buffer += (buffer === '' ? '' : '\n') + line;
      if (openBrackets(buffer) > 0) {
        prompt();
        continue;
      }
      const input = buffer;
      buffer = '';
      try {
        appendFileSync(join(homedir(), '.immutos_history'), input.replace(/\n/g, ' ') + '\n');
      } catch {
        // history is best-effort
      }
      await handle(input);
      prompt();
    }
    pumping = false;
    if (quitting || (closed && lines.length === 0)) end();
  };

  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    process.off('SIGINT', onInterrupt);
    rl.close();
    void host.close().then(finish);
  };

  /** Ctrl-C: stop a running input; clear a half-typed one; at an empty prompt, twice to quit. */
  const onInterrupt = (): void => {
    if (host.busy) {
      ctrlCAtPrompt = false;
      void host.interrupt();
      return;
    }
    if (buffer !== '' || rl.line !== '') {
      buffer = '';
      ctrlCAtPrompt = false;
      rl.write(null, { ctrl: true, name: 'u' });
      say('');
      prompt();
      return;
    }
    if (ctrlCAtPrompt) {
      say('');
      quitting = true;
      end();
      return;
    }
    ctrlCAtPrompt = true;
    say('\n(press Ctrl-C again or Ctrl-D to leave)');
    prompt();
  };

  rl.on('SIGINT', onInterrupt); // Ctrl-C typed on a terminal
  process.on('SIGINT', onInterrupt); // a signal (kill -INT, or Ctrl-C when stdin is not a terminal)
  rl.on('line', (line) => {
    ctrlCAtPrompt = false;
    lines.push(line);
    void pump();
  });
  rl.on('close', () => {
    closed = true;
    void pump();
  });
  prompt();
  await done;
}

/** A `--kernel-module` argument as the kernel process needs it: a file path made absolute, a package name as it is. */
function moduleArg(m: string): string {
  return m.startsWith('.') || m.includes('/') || m.includes('\\') ? resolve(m) : m;
}
