/**
 * `immutos repl`: an interactive session on the reference kernel. Each input (which may span
 * several lines until its brackets balance) is loaded into process 0 and every process runs
 * until none can; new output is printed, then `=> result`. Definitions persist (they live in the
 * kernel's namespace atom), so redefining a function hot-deploys it. `:help`, `:quit`,
 * `:procs`, `:atoms`, `:gc`. History is kept in memory and in `~/.immutos_history`.
 * @module
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as readline from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { KernelError } from '../../spec/Errors.js';
import { createReferenceKernel, seededScheduler, type ReferenceKernel } from '../../reference/index.js';
import { UnknownProgramKernel } from '../program/runProgram.js';

const HELP = `Enter system-language forms (EDN). Input continues until brackets balance.
  (def x 1)  (defn f [n] (* n 2))  (f 21)  (def a (atom 0))  (swap! a inc)
Commands:
  :help    this text
  :procs   processes, alive or not
  :atoms   every live process's atoms (value and stamp)
  :gc      run a collection
  :quit    leave (or Ctrl-D)`;

/**
 * How many brackets `text` leaves open (strings, characters and comments skipped); negative
 * when it closes more than it opens.
 */
export function openBrackets(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '\\') {
      i++; // a character literal such as \( or \"
    } else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return depth + 1; // an unterminated string keeps the input open
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return depth;
}

/** One REPL session over a kernel (separate from readline, so it can be tested). */
export class ReplSession {
  private readonly seen = new Map<number, number>();
  private readonly seed = seededScheduler(0);
  /** Creates a session on `kernel`. */
  constructor(readonly kernel: ReferenceKernel) {}

  /** Evaluates one complete input; returns the text to print. */
  eval(input: string): string {
    const cmd = input.trim();
    if (cmd === ':help') return HELP + '\n';
    if (cmd === ':procs') return this.kernel.processList().map((p) => `process ${p.pid}${p.alive ? '' : ' (exited)'}\n`).join('');
    if (cmd === ':atoms')
      return this.kernel
        .observe()
        .processes.flatMap((p) => p.atoms.map((a) => `process ${p.pid} #atom ${a.ref} = ${a.value} (stamp ${a.stamp})\n`))
        .join('');
    if (cmd === ':gc') {
      this.kernel.collect();
      return `collected (${this.kernel.heap.size} cells live)\n`;
    }
    if (cmd.startsWith(':')) return `unknown command ${cmd} (try :help)\n`;
    try {
      this.kernel.load(0, input);
    } catch (e) {
      if (e instanceof KernelError) return `error: ${e.kind}: ${e.message}\n`;
      throw e;
    }
    this.kernel.runAll(this.seed);
    let out = '';
    const procs = this.kernel.processList();
    for (const p of procs) {
      const from = this.seen.get(p.pid) ?? 0;
      for (const line of p.output.slice(from)) out += (procs.length > 1 ? `[${p.pid}] ` : '') + line + '\n';
      this.seen.set(p.pid, p.output.length);
    }
    const r = this.kernel.results().find((x) => x.pid === 0)?.outcome;
    if (r === undefined || r === null) return out;
    return out + (r.ok ? `=> ${r.value}\n` : `error: ${r.error}: ${r.message}\n`);
  }
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').reverse().slice(0, 500);
  } catch {
    return [];
  }
}

/** Registers `immutos repl`. */
export function register(program: Command): void {
  program
    .command('repl')
    .description('interactive system-language session on the reference kernel (:help for commands)')
    .option('--kernel <name>', 'kernel (only "reference" for now)', 'reference')
    .action(async (flags: { kernel: string }) => {
      let kernel: ReferenceKernel;
      try {
        if (flags.kernel !== 'reference') throw new UnknownProgramKernel(flags.kernel, `kernel '${flags.kernel}' cannot run the REPL here (only 'reference')`);
        kernel = createReferenceKernel();
      } catch (e) {
        if (e instanceof UnknownProgramKernel) throw new UsageError(e.message);
        throw e;
      }
      const session = new ReplSession(kernel);
      const historyFile = join(homedir(), '.immutos_history');
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, history: loadHistory(historyFile), historySize: 500, prompt: 'immutos> ' });
      process.stdout.write('ImmutOS reference kernel REPL — :help for help, :quit to leave\n');
      let buffer = '';
      rl.prompt();
      for await (const line of rl) {
        if (buffer === '' && (line.trim() === ':quit' || line.trim() === ':q')) break;
        buffer += (buffer === '' ? '' : '\n') + line;
        if (buffer.trim() === '') {
          buffer = '';
          rl.prompt();
          continue;
        }
        if (openBrackets(buffer) > 0) {
          rl.setPrompt('....> ');
          rl.prompt();
          continue;
        }
        try {
          appendFileSync(historyFile, buffer.replace(/\n/g, ' ') + '\n');
        } catch {
          // history is best-effort
        }
        process.stdout.write(session.eval(buffer));
        buffer = '';
        rl.setPrompt('immutos> ');
        rl.prompt();
      }
      rl.close();
    });
}
