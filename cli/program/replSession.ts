/**
 * The REPL's session logic, apart from the terminal: {@link ReplSession} evaluates inputs on one
 * kernel (any kernel that runs programs, spec/Kernel.ts `ProgramHost`), and {@link ReplHost}
 * keeps that session in a child process so that an evaluation can be interrupted without losing
 * the session (docs/adr/0027-repl-interrupt.md).
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { decodeAll } from '../../spec/codec/Binary.js';
import { KernelError } from '../../spec/Errors.js';
import type { ProgramHost, Quotas } from '../../spec/Kernel.js';
import { seededScheduler } from '../../reference/index.js';
import type { DurableStore } from '../../spec/Store.js';
import { definitionsIn, openDatabase, recordDefinitions, recordedDefinitions } from './definitions.js';
import { isBinary, programKernel } from './runProgram.js';
import { programText } from './parallelProgram.js';
import { DEFAULT_QUOTAS } from '../../spec/Kernel.js';
import { ParallelRunError, ParallelSession, type JitConfig } from '../../optimized/parallel/ParallelRuntime.js';
import { parseWorkersKernel, workersJit } from '../../harness/engines/registry.js';

/** The REPL's help text (`:help`). */
export const HELP = `Enter system-language forms (EDN). Input continues until brackets balance.
  (def x 1)  (defn f [n] (* n 2))  (f 21)  (def a (atom 0))  (swap! a inc)
Commands:
  :help          this text
  :load FILE     evaluate a program file (EDN text or binary AST) in this session
  :reset         start over on a fresh kernel of the same name (definitions are lost, unless --db keeps them)
  :kernel NAME   switch to a fresh kernel NAME, e.g. optimized+tier:0 (definitions are lost)
  :procs         processes, alive or not
  :atoms         every live process's atoms (value and stamp)
  :gc            run a collection
  :quit          leave (or Ctrl-D, or Ctrl-C twice at an empty prompt)
Ctrl-C while an input runs interrupts it: the session is as it was before that input.`;

/** One input to evaluate: program text, or the contents of a file (`:load`). */
export type ReplInput = { readonly text: string } | { readonly file: string; readonly bytes: Uint8Array };

/** What the REPL's child process is started with. */
export interface ReplWorkerData {
  /** The kernel name (any name the engine registry resolves). */
  readonly kernel: string;
  /** Quotas for the kernel. */
  readonly quotas: Partial<Quotas>;
  /** Inputs evaluated before, replayed (their output not shown) to rebuild the session. */
  readonly replay: readonly ReplInput[];
  /** Kernel modules to register before building the kernel (`--kernel-module`, absolute paths). */
  readonly kernelModules?: readonly string[];
  /** The database directory (`--db`): the kernel gets the durable store opened there. */
  readonly db?: string;
}

/** A session on a fresh kernel built from `data` (its store opened when `data.db` names one). */
export async function newSession(data: ReplWorkerData): Promise<ReplSession> {
  const store = data.db === undefined ? null : await openDatabase(data.db);
  const kernel = await programKernel(data.kernel, { quotas: data.quotas, ...(data.kernelModules !== undefined ? { kernelModules: data.kernelModules } : {}), ...(store !== null ? { store } : {}) });
  return new ReplSession(kernel, store);
}

/** What the REPL's child process answers. */
export type ReplWorkerReply =
  /** The kernel is built and the replay done. */
  | { readonly type: 'ready' }
  /** The kernel cannot be built (one line). */
  | { readonly type: 'failed'; readonly message: string }
  /** The text to print for input `id`. */
  | { readonly type: 'output'; readonly id: number; readonly text: string };

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

/** One REPL session over a kernel: evaluates inputs and the session commands. */
export class ReplSession {
  private readonly seen = new Map<number, number>();
  private readonly scheduler = seededScheduler(0);
  /**
   * Creates a session on `kernel`. With `store` (the kernel's durable store), the definitions it
   * records are evaluated first (their output not shown), and each input's definitions are
   * recorded in it once the input succeeds.
   */
  constructor(
    readonly kernel: ProgramHost,
    private readonly store: DurableStore | null = null,
  ) {
    if (store === null) return;
    for (const text of recordedDefinitions(store)) this.run(() => this.kernel.load(0, text));
  }

  /** Records the definitions of `text`, when there is a store and the input succeeded. */
  private record(text: string): void {
    if (this.store === null) return;
    const r = this.kernel.results().find((x) => x.pid === 0)?.outcome;
    if (r?.ok === true) recordDefinitions(this.store, definitionsIn(text));
  }

  /** Evaluates one complete input (forms, or `:help`, `:procs`, `:atoms`, `:gc`); returns the text to print. */
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
      this.kernel.apply({ op: 'gc' });
      return `collected (${this.kernel.gcCount} collections so far)\n`;
    }
    if (cmd.startsWith(':')) return `unknown command ${cmd.split(/\s/)[0]} (try :help)\n`;
    const out = this.run(() => this.kernel.load(0, input));
    this.record(input);
    return out;
  }

  /** Evaluates an input: text as {@link eval} does, a file's contents as a program in process 0. */
  evaluate(input: ReplInput): string {
    if ('text' in input) return this.eval(input.text);
    const bytes = input.bytes;
    const binary = isBinary(bytes);
    const out = this.run(() => (binary ? this.kernel.loadValues(0, decodeAll(bytes)) : this.kernel.load(0, new TextDecoder().decode(bytes))));
    if (!binary) this.record(new TextDecoder().decode(bytes));
    return out;
  }

  /** Loads with `load`, runs every process, and renders new output and process 0's result. */
  private run(load: () => void): string {
    try {
      load();
    } catch (e) {
      if (e instanceof KernelError) return `error: ${e.kind}: ${e.message}\n`;
      throw e;
    }
    this.kernel.runAll(this.scheduler);
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

/**
 * A REPL session on the optimized kernel's parallel mode (`immutos repl --workers N`,
 * `optimized+workers:N`): inputs run as process 0 of one {@link ParallelSession}, whose workers
 * and shared heap persist across inputs; each answer is what every process printed meanwhile
 * (`[pid] ` when the session has several processes) and process 0's result.
 */
export class ParallelReplSession {
  /** Creates the session over a started parallel session. */
  constructor(readonly session: ParallelSession) {}

  /** Starts a parallel session of `workers` workers under `quotas` (over the defaults), its workers running the JIT tiers `jit`. */
  static async start(workers: number | null, quotas: Partial<Quotas>, jit: JitConfig = {}): Promise<ParallelReplSession> {
    const q: Quotas = { ...DEFAULT_QUOTAS, ...quotas };
    return new ParallelReplSession(await ParallelSession.start({ ...(workers !== null ? { workers } : {}), jit, fuel: q.fuel, stackDepth: q.stackDepth, heapCells: q.heapCells, callbackFuel: q.callbackFuel, outputChars: q.treeOutputChars }));
  }

  /** Evaluates one input (forms, a file's contents, or `:help`, `:procs`, `:atoms`, `:gc`); resolves with the text to print. */
  async evaluate(input: ReplInput): Promise<string> {
    const text = 'text' in input ? input.text : programText(input.bytes);
    if ('text' in input) {
      const cmd = text.trim();
      if (cmd === ':help') return HELP + '\n';
      if (cmd === ':procs') return this.pids.map((pid) => `process ${pid}\n`).join('');
      if (cmd === ':atoms') return 'the parallel mode does not list atoms (their tables live in the shared heap): deref them\n';
      if (cmd === ':gc') return 'the parallel mode has no collector on its shared heap (docs/adr/0040)\n';
      if (cmd.startsWith(':')) return `unknown command ${cmd.split(/\s/)[0]} (try :help)\n`;
    }
    let r;
    try {
      r = await this.session.eval(text);
    } catch (e) {
      if (e instanceof ParallelRunError) return `error: ${e.message}\n`;
      throw e;
    }
    this.pids = [...r.processes];
    const many = r.processes.length > 1;
    let out = '';
    for (const { pid, lines } of r.output) for (const line of lines) out += (many ? `[${pid}] ` : '') + line + '\n';
    return out + (r.result.ok ? `=> ${r.result.value}\n` : `error: ${r.result.error}: ${r.result.message}\n`);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await this.session.close();
  }

  private pids: number[] = [0];
}

/** What evaluates the REPL's inputs: a session on one kernel, or on the parallel mode. */
export type EvalSession = { evaluate(input: ReplInput): string | Promise<string> };

/**
 * Starts the session for `data`: on the parallel mode when the kernel is `optimized+workers[:N]`
 * (the worker count given, or the cores), else on the kernel the registry builds.
 */
export async function startSession(data: ReplWorkerData): Promise<EvalSession> {
  const workers = parseWorkersKernel(data.kernel);
  if (workers !== undefined) return ParallelReplSession.start(workers, data.quotas, workersJit(data.kernel));
  return newSession(data);
}

/** The compiled child-process module beside this one, or null when running from source. */
function compiledWorker(): string | null {
  const path = fileURLToPath(new URL('./replWorker.js', import.meta.url));
  return import.meta.url.endsWith('.js') && existsSync(path) ? path : null;
}

/** What {@link ReplHost.eval} resolves to. */
export type ReplAnswer = { readonly interrupted: false; readonly text: string } | { readonly interrupted: true };

/** A session whose kernel lives in a child process (in-process when there is no compiled module). */
interface Backend {
  eval(input: ReplInput): Promise<string>;
  /** Stops the evaluation in progress (if any) and the backend. */
  stop(): Promise<void>;
}

/** Starts a backend on `data`; rejects with a one-line Error when the kernel cannot be built. */
async function startBackend(data: ReplWorkerData): Promise<Backend> {
  const path = compiledWorker();
  if (path === null) {
    // From source (tests): no interrupt, same session semantics.
    const session = await startSession(data);
    for (const input of data.replay) await session.evaluate(input);
    return { eval: async (input) => session.evaluate(input), stop: async () => { if (session instanceof ParallelReplSession) await session.close(); } };
  }
  // A process group of its own: a Ctrl-C signal sent to the terminal's group reaches only the REPL.
  const child = fork(path, [], { serialization: 'advanced', detached: true, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const pending = new Map<number, (text: string) => void>();
  let nextId = 0;
  let gone = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    pending.clear();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`the REPL's kernel process failed: ${String(e.message).split('\n')[0]}`)));
    child.once('exit', (code, signal) => reject(new Error(`the REPL's kernel process ended (${signal ?? `exit ${code}`}) before it was ready`)));
    child.once('message', (m: ReplWorkerReply) => (m.type === 'ready' ? resolve() : reject(new Error(m.type === 'failed' ? m.message : "the REPL's kernel process did not start"))));
    child.send({ start: data });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  child.on('message', (m: ReplWorkerReply) => {
    if (m.type !== 'output') return;
    pending.get(m.id)?.(m.text);
    pending.delete(m.id);
  });
  child.on('exit', (code, signal) => {
    gone = `the kernel process ended (${signal ?? `exit ${code}`}); :reset starts a fresh one`;
    for (const done of pending.values()) done(`error: ${gone}\n`);
    pending.clear();
  });
  return {
    eval: (input) =>
      new Promise<string>((resolve) => {
        if (gone !== '') return resolve(`error: ${gone}\n`);
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ id, input });
      }),
    stop,
  };
}

/**
 * The REPL's session as the terminal front-end drives it: evaluates inputs on a kernel kept in a
 * child process, can interrupt a running evaluation ({@link interrupt}) without losing what
 * earlier inputs defined, and can start over on a fresh kernel ({@link switchKernel}).
 * Interrupting ends that process, starts a new one and replays, without output, every input that finished: the
 * kernels are deterministic, so the session is rebuilt exactly as it was before the interrupted
 * input (docs/adr/0027-repl-interrupt.md).
 */
export class ReplHost {
  private backend: Backend | null = null;
  private readonly history: ReplInput[] = [];
  private running: { readonly cancel: () => void } | null = null;
  private name: string;
  /** Settles once the session rebuilt after an interrupt is ready (or failed: {@link restartError}). */
  private restarting: Promise<void> = Promise.resolve();
  private restartError = '';

  private constructor(
    kernel: string,
    /** The quotas every kernel of this session gets. */
    readonly quotas: Partial<Quotas>,
    /** Kernel modules registered in every kernel process of this session. */
    readonly kernelModules: readonly string[],
    /** The database directory (`--db`), or undefined for a session that keeps nothing. */
    readonly db: string | undefined,
  ) {
    this.name = kernel;
  }

  /** What a kernel process of this session starts with, replaying `replay`. */
  private data(kernel: string, replay: readonly ReplInput[]): ReplWorkerData {
    return { kernel, quotas: this.quotas, replay, kernelModules: this.kernelModules, ...(this.db !== undefined ? { db: this.db } : {}) };
  }

  /**
   * Starts a session on a fresh kernel `kernel` (which may name a kernel module of
   * `kernelModules`; `optimized+workers:N` is the parallel mode, a {@link ParallelReplSession});
   * rejects with a one-line Error when it cannot.
   */
  static async start(kernel: string, quotas: Partial<Quotas> = {}, kernelModules: readonly string[] = [], db?: string): Promise<ReplHost> {
    const host = new ReplHost(kernel, quotas, kernelModules, db);
    host.backend = await startBackend(host.data(kernel, []));
    return host;
  }

  /** The kernel's name. */
  get kernel(): string {
    return this.name;
  }

  /** Whether an evaluation is running. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Evaluates `input`; resolves with the text to print, or `interrupted` when {@link interrupt} stopped it. */
  async eval(input: ReplInput): Promise<ReplAnswer> {
    await this.restarting;
    const backend = this.backend;
    if (backend === null) return { interrupted: false, text: `error: the session could not be rebuilt after the interrupt: ${this.restartError} (try :reset)\n` };
    const answer = await new Promise<ReplAnswer>((resolve) => {
      this.running = { cancel: () => resolve({ interrupted: true }) };
      backend.eval(input).then((text) => resolve({ interrupted: false, text }));
    });
    this.running = null;
    if (!answer.interrupted) this.history.push(input);
    return answer;
  }

  /**
   * Interrupts the running evaluation (if any) and rebuilds the session as it was before it;
   * resolves once the session is ready again. The interrupted {@link eval} resolves `interrupted`.
   */
  async interrupt(): Promise<void> {
    if (this.running === null) return;
    this.running.cancel();
    this.running = null;
    const old = this.backend;
    this.backend = null;
    this.restarting = (async () => {
      await old?.stop();
      try {
        // With a database, the new kernel process rebuilds from it (durable atoms, recorded
        // definitions): replaying inputs would write durable atoms a second time.
        this.backend = await startBackend(this.data(this.name, this.db !== undefined ? [] : this.history));
      } catch (e) {
        this.restartError = (e as Error).message;
      }
    })();
    await this.restarting;
  }

  /**
   * Starts over on a fresh kernel `kernel` (definitions are lost). When it cannot be built,
   * rejects with a one-line Error and the session stays as it was.
   */
  async switchKernel(kernel: string): Promise<void> {
    await this.restarting;
    const next = await startBackend(this.data(kernel, []));
    await this.backend?.stop();
    this.backend = next;
    this.name = kernel;
    this.history.length = 0;
  }

  /** Ends the session (stops the kernel's process). */
  async close(): Promise<void> {
    await this.backend?.stop();
    this.backend = null;
  }
}
