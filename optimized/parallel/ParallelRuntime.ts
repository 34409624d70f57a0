/**
 * The optimized kernel's parallel mode (`optimized+workers:N`, `immutos run --workers N`): the
 * coordinator. It creates the {@link SharedHeap}, starts N worker threads (optimized/parallel/
 * worker.ts), places process 0 and every spawned process on a worker (round robin), and gathers
 * each process's output, result and atom history. Processes on different workers run at the same
 * time; they share values through the shared heap (published once, read in place or
 * materialized once per worker) and atoms through one CAS word each. A worker that dies ends its
 * processes with the typed error `worker-died`; the other processes continue (a parent joining
 * such a child gets a catchable `program-error`). See docs/adr/0040.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GcBug, GcState, H, ProcStatus, SharedHeap, type MutatorPauses, type SharedHeapSizes } from './sharedHeap.js';
import type { AtomEvent, CollectorBoot, FromCollector, OutputLine, ProcessResult, ToCoordinator, ToWorker, WorkerBoot, WorkerJitStats } from './protocol.js';
import type { JitConfig } from '../kernel/jitHost.js';
import { emitPlans, tier2Available } from '../jit/tier2/index.js';
import { DEFAULT_QUOTAS } from '../../spec/Kernel.js';

export type { AtomEvent, ProcessResult, WorkerJitStats } from './protocol.js';
export type { MutatorPauses } from './sharedHeap.js';
export type { JitConfig } from '../kernel/jitHost.js';

/** The shared heap's collector in a parallel run (docs/adr/0042). */
export interface ParallelGcOptions {
  /** Run the collector (default true); off, a run that publishes more than the heap holds fails with `SharedHeapExhausted`. */
  readonly enabled?: boolean;
  /** Collect back to back, not only when space runs short (default false). */
  readonly force?: boolean;
  /** Milliseconds between forced collections (default 1). */
  readonly intervalMs?: number;
  /** Checked mode: poison freed space and check the heap invariant after each collection (default false). */
  readonly check?: boolean;
  /** `concurrent` (default), or `stop-the-world`: every worker stopped for the whole collection (the peer of the bench). */
  readonly mode?: 'concurrent' | 'stop-the-world';
}

/**
 * The collector options an environment asks for: `IMMUTOS_PARALLEL_GC` is a comma-separated list
 * of `off`, `force`, `check`, `stw` (e.g. `force,check`: every parallel run collects back to back
 * and checks the heap invariant after each collection). Unknown words are a RangeError.
 */
export function gcOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ParallelGcOptions {
  const words = (env.IMMUTOS_PARALLEL_GC ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const x of words) if (!['off', 'force', 'check', 'stw'].includes(x)) throw new RangeError(`IMMUTOS_PARALLEL_GC: unknown word '${x}' (expected off, force, check, stw)`);
  return { enabled: !words.includes('off'), force: words.includes('force'), check: words.includes('check'), mode: words.includes('stw') ? 'stop-the-world' : 'concurrent' };
}

/** What the collector did in a parallel run. */
export interface ParallelGcReport {
  /** Whether it ran. */
  readonly enabled: boolean;
  /** Its mode. */
  readonly mode: 'concurrent' | 'stop-the-world';
  /** Collections completed. */
  readonly cycles: number;
  /** Cells copied to the new space (live data evacuated). */
  readonly movedCells: number;
  /** Words copied to the new space. */
  readonly movedWords: number;
  /** Handles freed (and reusable). */
  readonly freedHandles: number;
  /** Handles taken back from workers that died holding them (taken for a cell, not stored). */
  readonly orphansTaken: number;
  /** Milliseconds the collector spent copying. */
  readonly copyMs: number;
  /** Milliseconds of whole collections (first handshake to free), mutators running meanwhile unless stop-the-world. */
  readonly collectMs: number;
  /** Heap-invariant failures found after collections (checked mode; empty when none). */
  readonly invariantErrors: readonly string[];
  /** Each worker's pauses for the collector. */
  readonly pauses: readonly MutatorPauses[];
}

/** The compiled collector thread module, found as {@link workerModule} finds the worker. */
export function collectorModule(): string {
  return join(dirname(workerModule()), 'collectorThread.js');
}

/** A running collector thread, and what it reported. */
interface RunningCollector {
  readonly gc: ParallelGcOptions;
  readonly thread: Worker | null;
  readonly invariantErrors: string[];
  /** Resolves once the thread runs (at once when there is none). */
  readonly ready: Promise<void>;
}

/**
 * A seeded collector bug outside the fuzz catalogue (the campaign kills no worker, so it cannot
 * reach it; `tests/parallel/parallelGcOrphans.test.ts` does, with {@link ParallelOptions.crashWhileTakingOf}):
 * the collector never takes back the handles of workers that died holding them.
 */
export const KEEPS_ORPHANS = 'parallel-gc-keeps-orphans';

/** Sets the seeded collector bugs and starts the collector's thread (unless the collector is off). */
function startCollector(heap: SharedHeap, workers: number, gc: ParallelGcOptions, mutants: readonly string[]): RunningCollector {
  const w = heap.words;
  Atomics.store(w, H.gcBugs, (mutants.includes('parallel-gc-no-handshake') ? GcBug.noHandshake : 0) | (mutants.includes('parallel-gc-missed-root') ? GcBug.missedRoot : 0) | (mutants.includes(KEEPS_ORPHANS) ? GcBug.keepsOrphans : 0));
  const invariantErrors: string[] = [];
  if (gc.enabled === false) return { gc, thread: null, invariantErrors, ready: Promise.resolve() };
  Atomics.store(w, H.gcState, GcState.on);
  const boot: CollectorBoot = { buffer: heap.buffer, workers, force: gc.force ?? false, intervalMs: gc.intervalMs ?? 1, check: gc.check ?? false, mode: gc.mode ?? 'concurrent' };
  const thread = new Worker(collectorModule(), { workerData: boot });
  const ready = new Promise<void>((resolve) => {
    thread.on('message', (m: FromCollector) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'invariant') invariantErrors.push(...m.errors);
    });
    thread.on('error', (e) => {
      invariantErrors.push(`the collector failed: ${e.message}`);
      resolve();
    });
  });
  return { gc, thread, invariantErrors, ready };
}

/** Parallel runs and collections so far in this process (for test suites that force collection). */
const totals = { runs: 0, collections: 0 };

/** How many parallel runs this process has made so far, and how many collections they ran. */
export function gcTotals(): { readonly runs: number; readonly collections: number } {
  return { ...totals };
}

/** Stops the collector's thread and reports what it did. */
function stopCollector(heap: SharedHeap, c: RunningCollector, workers: number): ParallelGcReport {
  const w = heap.words;
  Atomics.store(w, H.gcStop, 1);
  Atomics.notify(w, H.gcStop);
  Atomics.notify(w, H.gcRequest);
  if (c.thread !== null) void c.thread.terminate();
  if (Atomics.load(w, H.gcState) === GcState.on) Atomics.store(w, H.gcState, GcState.off);
  totals.runs++;
  totals.collections += Atomics.load(w, H.gcCycles);
  return {
    enabled: c.thread !== null,
    mode: c.gc.mode ?? 'concurrent',
    cycles: Atomics.load(w, H.gcCycles),
    movedCells: Atomics.load(w, H.gcMovedCells),
    movedWords: Atomics.load(w, H.gcMovedWords),
    freedHandles: Atomics.load(w, H.gcFreedHandles),
    orphansTaken: Atomics.load(w, H.gcOrphans),
    copyMs: Atomics.load(w, H.gcCopyMicros) / 1000,
    collectMs: Atomics.load(w, H.gcCycleMicros) / 1000,
    invariantErrors: [...c.invariantErrors],
    pauses: heap.pauses(workers),
  };
}

/** Options of a parallel run. */
export interface ParallelOptions {
  /** Worker threads (default: the number of cores). */
  readonly workers?: number;
  /** Fuel per process (default 10^7). */
  readonly fuel?: number;
  /** Call depth per process (default 10^4). */
  readonly stackDepth?: number;
  /** Heap quota per process: cells its program may hold, and the largest value a built-in may build (default 10^7). */
  readonly heapCells?: number;
  /** Steps a validator or watch may take for another process's write, charged to its owner (default 10^5). */
  readonly callbackFuel?: number;
  /** Characters of output one process may print (each line its length plus one; default `DEFAULT_QUOTAS.treeOutputChars`): a `println` or `prn` over it is `out-of-memory`. */
  readonly outputChars?: number;
  /** Record every atom operation with call/return times (default false). */
  readonly record?: boolean;
  /** Shared-heap sizes. */
  readonly sizes?: SharedHeapSizes;
  /** Give up after this many milliseconds (default 60 000): a {@link ParallelRunError}. */
  readonly timeoutMs?: number;
  /** Seeded bugs. */
  readonly mutants?: readonly string[];
  /** Fault injection: the worker holding process `pid` dies as soon as it is placed there. */
  readonly crashWorkerOf?: number;
  /**
   * Fault injection: the worker holding process `pid` dies in the middle of making a cell, with
   * a handle taken and not stored (the first cell it makes once the process is placed there).
   */
  readonly crashWhileTakingOf?: number;
  /** Each worker's JavaScript heap, in MiB (default: Node's); a worker that runs out ends its processes with `worker-died`. */
  readonly workerHeapMb?: number;
  /** The shared heap's collector (default: on, concurrent; the environment's `IMMUTOS_PARALLEL_GC` otherwise, see {@link gcOptionsFromEnv}). */
  readonly gc?: ParallelGcOptions;
  /** The JIT tiers of every worker (default: as the optimized kernel's, tier 1); tier-2 modules are emitted on the coordinator's thread (docs/adr/0045). */
  readonly jit?: JitConfig;
}

/** What one process of a parallel run did. */
export interface ParallelProcess {
  /** Its pid. */
  readonly pid: number;
  /** The worker it ran on. */
  readonly worker: number;
  /** What it printed. */
  readonly output: readonly string[];
  /** How it ended. */
  readonly result: ProcessResult;
  /** Its atom operations (when recorded). */
  readonly history: readonly AtomEvent[];
}

/** The result of a parallel run. */
export interface ParallelReport {
  /** Worker threads used. */
  readonly workers: number;
  /** Every process, by pid. */
  readonly processes: readonly ParallelProcess[];
  /** Process 0's result. */
  readonly result: ProcessResult;
  /** Wall-clock milliseconds from the start of process 0 to the end of the last process. */
  readonly wallMs: number;
  /** Cells published into the shared heap and values materialized by workers. */
  readonly heap: { readonly published: number; readonly materialized: number; readonly cellWords: number };
  /** What the shared heap's collector did. */
  readonly gc: ParallelGcReport;
  /** What the workers' JIT compiled and ran, summed over the workers. */
  readonly jit: WorkerJitStats;
}

/** The parallel mode cannot run (no compiled worker, a bad option, or the run timed out). */
export class ParallelRunError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ParallelRunError';
  }
}

/** A worker's resource limits from {@link ParallelOptions.workerHeapMb}. */
function workerLimits(options: ParallelOptions): { resourceLimits?: { maxOldGenerationSizeMb: number } } {
  const mb = options.workerHeapMb;
  if (mb === undefined) return {};
  if (!Number.isFinite(mb) || mb < 8) throw new ParallelRunError(`workerHeapMb must be at least 8, got ${mb}`);
  return { resourceLimits: { maxOldGenerationSizeMb: mb } };
}

/** Refuses a JIT tier that cannot run here: tier 2 needs LLVM on this (the coordinator's) thread. */
function checkJit(jit: JitConfig | undefined): void {
  if (jit?.tier !== 2) return;
  const t2 = tier2Available();
  if (!t2.ok) throw new ParallelRunError(`JIT tier 2 is not available here: ${t2.reason ?? 'unknown reason'}`);
}

/**
 * Emits the tier-2 module a worker asked for, on this thread: LLVM (`llvm-bindings`) may run on
 * one thread of a process, so the workers send their plans here and instantiate what comes back
 * (docs/adr/0045). A failure is answered too, and the worker's code stays in tier 1.
 */
function serveTier2(w: Worker, m: Extract<ToCoordinator, { type: 'tier2' }>): void {
  const answer = (reply: ToWorker): void => {
    try {
      w.postMessage(reply);
    } catch {
      // the worker has ended meanwhile
    }
  };
  emitPlans([m.plan], m.opts).then(
    (emitted) => answer({ type: 'tier2-code', id: m.id, emitted }),
    (e: unknown) => answer({ type: 'tier2-code', id: m.id, emitted: null, error: e instanceof Error ? e.message : String(e) }),
  );
}

/** The compiled worker module: beside this file (dist/), else under the repository's dist/. */
export function workerModule(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'worker.js');
  if (existsSync(beside)) return beside;
  const fromSource = join(here, '..', '..', 'dist', 'optimized', 'parallel', 'worker.js');
  if (existsSync(fromSource)) return fromSource;
  throw new ParallelRunError('the parallel mode needs its compiled worker (dist/optimized/parallel/worker.js): run `npm run build` first');
}

/** The default number of workers: the machine's cores. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs a program (EDN text) in process 0 with its processes spread over worker threads, and
 * resolves when every process has ended.
 * @throws ParallelRunError on bad options, a missing compiled worker, or a timeout.
 */
export async function runParallel(source: string, options: ParallelOptions = {}): Promise<ParallelReport> {
  const n = options.workers ?? defaultWorkers();
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) throw new ParallelRunError(`workers must be an integer in 1..256, got ${n}`);
  checkJit(options.jit);
  const limits = workerLimits(options);
  const path = workerModule();
  const heap = SharedHeap.create({ ...options.sizes, workers: n });
  const gc = options.gc ?? gcOptionsFromEnv();
  // The collector's thread starts with the workers; process 0 starts when all of them run.
  const collector = startCollector(heap, n, gc, options.mutants ?? []);
  // Atom 0 is the program namespace (a map symbol → value), shared by every process.
  heap.newAtom(0);
  const boot: Omit<WorkerBoot, 'index'> = {
    buffer: heap.buffer,
    source,
    fuel: options.fuel ?? 10_000_000,
    stackDepth: options.stackDepth ?? 10_000,
    heapCells: options.heapCells ?? 10_000_000,
    callbackFuel: options.callbackFuel ?? 100_000,
    outputChars: options.outputChars ?? DEFAULT_QUOTAS.treeOutputChars,
    record: options.record ?? false,
    mutants: options.mutants ?? [],
    jit: options.jit ?? {},
  };
  const workers: Worker[] = [];
  const alive: boolean[] = [];
  const placed = new Map<number, number>(); // pid → worker
  const ended = new Map<number, ParallelProcess>();
  // Every line printed for a process, by it or by its validators and watches on any worker.
  const lines = new Map<number, OutputLine[]>();
  const addLines = (pid: number, out: readonly OutputLine[]): void => {
    const l = lines.get(pid);
    if (l === undefined) lines.set(pid, [...out]);
    else l.push(...out);
  };
  let spawned = 0;
  let next = 0;
  let t0 = 0;
  const jitOf: WorkerJitStats[] = [];
  return await new Promise<ParallelReport>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finishWith(new ParallelRunError(`the parallel run did not end within ${options.timeoutMs ?? 60_000} ms (${spawned - ended.size} process(es) still running)`)), options.timeoutMs ?? 60_000);
    const finishWith = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const w of workers) void w.terminate();
      const gcReport = stopCollector(heap, collector, n);
      if (err !== null) return reject(err);
      // Checked mode: a run after which the heap invariant failed is an error, whatever it printed.
      if (gcReport.invariantErrors.length > 0) return reject(new ParallelRunError(`the shared heap's invariant failed after a collection: ${gcReport.invariantErrors.slice(0, 3).join('; ')}`));
      const output = (pid: number): string[] => [...(lines.get(pid) ?? [])].sort((a, b) => a.t - b.t).map((l) => l.line);
      const processes = [...ended.values()].sort((a, b) => a.pid - b.pid).map((p) => ({ ...p, output: output(p.pid) }));
      const jit = { compiled: 0, tier2Compiled: 0, tier2Calls: 0 };
      for (const j of jitOf) {
        if (j === undefined) continue; // a worker that died before it reported
        jit.compiled += j.compiled;
        jit.tier2Compiled += j.tier2Compiled;
        jit.tier2Calls += j.tier2Calls;
      }
      resolve({ workers: n, processes, result: processes[0]!.result, wallMs: performance.now() - t0, heap: heap.counters(), gc: gcReport, jit });
    };
    const record = (p: ParallelProcess): void => {
      ended.set(p.pid, p);
      if (ended.size === spawned) finishWith(null);
    };
    const place = (pid: number, word: number, worker: number): void => {
      spawned++;
      placed.set(pid, worker);
      if (!alive[worker]) return died(worker, 'the worker had already died');
      workers[worker]!.postMessage({ type: 'start', pid, word, ...(options.crashWorkerOf === pid ? { crash: true } : {}), ...(options.crashWhileTakingOf === pid ? { crashInCell: true } : {}) } satisfies ToWorker);
    };
    const died = (worker: number, why: string): void => {
      alive[worker] = false;
      heap.parkWorker(worker); // it holds nothing any more: the collector no longer waits for it
      for (const [pid, w] of placed) {
        if (w !== worker || ended.has(pid) || heap.status(pid) !== ProcStatus.running) continue;
        const message = `process ${pid} ended: worker ${worker} died (${why})`;
        // No value is published by this thread (it is not a mutator of the collector's handshakes):
        // a joiner of `pid` sees `worker-died` from the status and an empty result word.
        heap.finish(pid, ProcStatus.failed, 0);
        record({ pid, worker, output: [], result: { ok: false, error: 'worker-died', message }, history: [] });
      }
    };
    let ready = 0;
    for (let i = 0; i < n; i++) {
      const w = new Worker(path, { workerData: { ...boot, index: i } satisfies WorkerBoot, ...limits });
      workers.push(w);
      alive.push(true);
      w.on('message', (m: ToCoordinator) => {
        if (m.type === 'ready') {
          if (++ready === n) {
            void collector.ready.then(() => {
              t0 = performance.now();
              place(heap.newPid(), 0, 0);
            });
          }
        } else if (m.type === 'spawn') {
          place(m.pid, m.word, n === 1 ? 0 : (next++ % n));
        } else if (m.type === 'forked') {
          spawned++;
          placed.set(m.pid, i);
        } else if (m.type === 'output') {
          addLines(m.pid, m.output);
        } else if (m.type === 'tier2') {
          serveTier2(w, m);
        } else {
          addLines(m.pid, m.output);
          jitOf[i] = m.jit; // cumulative: the worker's latest
          record({ pid: m.pid, worker: i, output: [], result: m.result, history: m.history });
        }
      });
      w.on('error', (e) => (ready < n ? finishWith(new ParallelRunError(`a worker failed to start: ${e.message}`)) : died(i, `${e.name}: ${e.message}`)));
      w.on('exit', (code) => { if (!settled && alive[i]) died(i, `exit code ${code}`); });
    }
  });
}

/** What one input of a {@link ParallelSession} did. */
export interface ParallelEvalReport {
  /** The lines each process printed during this input (processes that printed nothing are absent), by pid. */
  readonly output: readonly { readonly pid: number; readonly lines: readonly string[] }[];
  /** How process 0's run of the input ended. */
  readonly result: ProcessResult;
  /** Every pid the session has had so far. */
  readonly processes: readonly number[];
}

/**
 * A parallel session (what `immutos repl --workers N` evaluates in): the workers and the shared
 * heap stay alive across inputs, so definitions (the namespace atom), atoms, registers and
 * processes persist. Each input is compiled on every worker in the same order (so lambda ids
 * agree) and run as process 0 on worker 0; {@link eval} resolves once every process placed so
 * far has ended.
 */
export class ParallelSession {
  private readonly workers: Worker[] = [];
  private readonly alive: boolean[] = [];
  private readonly placed = new Map<number, number>();
  private readonly running = new Set<number>();
  private lines = new Map<number, OutputLine[]>();
  private result: ProcessResult | null = null;
  private waiting: (() => void) | null = null;
  private next = 0;
  private closed = false;

  private collector: RunningCollector | null = null;

  private constructor(private readonly heap: SharedHeap, private readonly n: number) {}

  /**
   * Starts the session's workers (options as {@link runParallel}'s; `timeoutMs` bounds each input).
   * @throws ParallelRunError on bad options, a missing compiled worker, or a worker that cannot start.
   */
  static async start(options: ParallelOptions = {}): Promise<ParallelSession> {
    const n = options.workers ?? defaultWorkers();
    if (!Number.isSafeInteger(n) || n < 1 || n > 256) throw new ParallelRunError(`workers must be an integer in 1..256, got ${n}`);
    checkJit(options.jit);
    const limits = workerLimits(options);
  checkJit(options.jit);
    const path = workerModule();
    const heap = SharedHeap.create({ ...options.sizes, workers: n });
    heap.newAtom(0);
    if (heap.newPid() !== 0) throw new ParallelRunError('process 0 could not be created');
    const boot: Omit<WorkerBoot, 'index'> = {
      buffer: heap.buffer,
      source: '',
      fuel: options.fuel ?? 10_000_000,
      stackDepth: options.stackDepth ?? 10_000,
      heapCells: options.heapCells ?? 10_000_000,
      callbackFuel: options.callbackFuel ?? 100_000,
      outputChars: options.outputChars ?? DEFAULT_QUOTAS.treeOutputChars,
      record: false,
      mutants: options.mutants ?? [],
      jit: options.jit ?? {},
    };
    const s = new ParallelSession(heap, n);
    s.collector = startCollector(heap, n, options.gc ?? gcOptionsFromEnv(), options.mutants ?? []);
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      for (let i = 0; i < n; i++) {
        const w = new Worker(path, { workerData: { ...boot, index: i } satisfies WorkerBoot, ...limits });
        s.workers.push(w);
        s.alive.push(true);
        w.on('message', (m: ToCoordinator) => {
          if (m.type === 'ready') {
            if (++ready === n) void s.collector!.ready.then(resolve);
          } else s.onMessage(i, m);
        });
        w.on('error', (e) => (ready < n ? reject(new ParallelRunError(`a worker failed to start: ${e.message}`)) : s.died(i, `${e.name}: ${e.message}`)));
        w.on('exit', (code) => { if (!s.closed && s.alive[i]) s.died(i, `exit code ${code}`); });
      }
    }).catch(async (e: unknown) => {
      await s.close();
      throw e;
    });
    return s;
  }

  private onMessage(worker: number, m: ToCoordinator): void {
    if (m.type === 'spawn') {
      const w = this.n === 1 ? 0 : this.next++ % this.n;
      this.placed.set(m.pid, w);
      this.running.add(m.pid);
      if (!this.alive[w]) return this.died(w, 'the worker had already died');
      this.workers[w]!.postMessage({ type: 'start', pid: m.pid, word: m.word } satisfies ToWorker);
    } else if (m.type === 'forked') {
      this.placed.set(m.pid, worker);
      this.running.add(m.pid);
    } else if (m.type === 'output') {
      this.add(m.pid, m.output);
    } else if (m.type === 'tier2') {
      serveTier2(this.workers[worker]!, m);
    } else if (m.type === 'exit') {
      this.add(m.pid, m.output);
      if (m.pid === 0) this.result = m.result;
      this.ended(m.pid);
    }
  }

  private add(pid: number, out: readonly OutputLine[]): void {
    const l = this.lines.get(pid);
    if (l === undefined) this.lines.set(pid, [...out]);
    else l.push(...out);
  }

  private ended(pid: number): void {
    this.running.delete(pid);
    if (this.running.size === 0 && this.waiting !== null) this.waiting();
  }

  private died(worker: number, why: string): void {
    this.alive[worker] = false;
    this.heap.parkWorker(worker);
    for (const [pid, w] of this.placed) {
      if (w !== worker || !this.running.has(pid)) continue;
      const message = `process ${pid} ended: worker ${worker} died (${why})`;
      this.heap.finish(pid, ProcStatus.failed, 0);
      if (pid === 0) this.result = { ok: false, error: 'worker-died', message };
      this.ended(pid);
    }
  }

  /**
   * Evaluates one input (EDN text) as process 0 and resolves when every process has ended, with
   * what each printed meanwhile and process 0's result.
   * @throws ParallelRunError when the session is closed, worker 0 has died, or `timeoutMs` passes.
   */
  async eval(source: string, timeoutMs = 600_000): Promise<ParallelEvalReport> {
    if (this.closed) throw new ParallelRunError('the parallel session is closed');
    if (!this.alive[0]) throw new ParallelRunError('worker 0, which runs process 0, has died; start a new session');
    this.lines = new Map();
    this.result = null;
    this.heap.restart(0);
    this.placed.set(0, 0);
    this.running.add(0);
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ParallelRunError(`the input did not end within ${timeoutMs} ms (${this.running.size} process(es) still running)`)), timeoutMs);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.workers.forEach((w, i) => { if (this.alive[i]) w.postMessage({ type: 'load', source, run: i === 0 } satisfies ToWorker); });
    await done.finally(() => (this.waiting = null));
    const output = [...this.lines].sort((a, b) => a[0] - b[0]).map(([pid, l]) => ({ pid, lines: [...l].sort((x, y) => x.t - y.t).map((x) => x.line) }));
    return { output, result: this.result ?? { ok: false, error: 'program-error', message: 'process 0 gave no result' }, processes: [...this.placed.keys()].sort((a, b) => a - b) };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.collector !== null) stopCollector(this.heap, this.collector, this.n);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
