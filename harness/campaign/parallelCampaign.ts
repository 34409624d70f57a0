/**
 * The differential fuzzer's parallel engine (`optimized+workers:N`): random programs whose
 * processes hammer a few shared atoms with composite values (vectors and maps, so every store
 * publishes a value with a handle), run on real worker threads with their atom histories
 * recorded, judged by linearizability per atom (harness/oracles/parallelHistory.ts) and by the
 * result: no process fails, and the final count of each counter atom is exact (no lost update).
 * The shared heap is small and collected back to back, with its invariant checked after each
 * collection ({@link CAMPAIGN_GC}), so every case runs across collections of the shared heap.
 * A failing case is shrunk (fewer processes, fewer operations) while it still fails; it is
 * reported with its seed, its minimized program and replay commands for both.
 * @module
 */
import { createRng } from '../../spec/Random.js';
import { ParallelRunError, runParallel, type JitConfig, type ParallelGcOptions } from '../../optimized/parallel/ParallelRuntime.js';
import { PARALLEL_MUTANTS } from '../../optimized/parallel/mutants.js';
import { judgeParallelHistory } from '../oracles/parallelHistory.js';
import { parseWorkersKernel, tierModifier, workersJit } from '../engines/registry.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { seededScheduler } from '../../reference/schedulers.js';

/** One generated case: a program and what its result must be whatever the schedule. */
export interface ParallelCase {
  /** The seed it was generated from. */
  readonly seed: number;
  /** The program (EDN text). */
  readonly source: string;
  /** Process 0's result, which every schedule gives (the counters' final values). */
  readonly expected: string;
  /** The part of the generated case kept (absent: all of it). */
  readonly keep?: ParallelKeep;
}

/** One generated atom operation of a process. */
interface ParallelOp {
  /** What it does (see {@link parallelCase}). */
  readonly kind: number;
  /** Which atom. */
  readonly atom: number;
  /** A number it puts in the values it writes. */
  readonly x: number;
}

/**
 * Which part of a generated case to keep: for each kept process (by its index in the generated
 * case), the indexes of the operations kept. Written as text `0:0.3.5/2:1` (process 0 keeps
 * operations 0, 3 and 5; process 2 keeps operation 1); `2:` keeps process 2 with no operation.
 */
export type ParallelKeep = readonly (readonly [process: number, ops: readonly number[]])[];

/** The text form of a {@link ParallelKeep} (what `IMMUTOS_PARALLEL_KEEP` holds). */
export function keepText(keep: ParallelKeep): string {
  return keep.map(([p, ops]) => `${p}:${ops.join('.')}`).join('/');
}

/** Reads the text form of a {@link ParallelKeep}; throws a RangeError naming what is wrong. */
export function parseKeep(text: string): ParallelKeep {
  return text.split('/').filter((x) => x !== '').map((part) => {
    const m = /^(\d+):((?:\d+(?:\.\d+)*)?)$/.exec(part);
    if (m === null) throw new RangeError(`bad part '${part}' of a kept subset (expected PROCESS:OP.OP…, parts separated by /)`);
    return [Number(m[1]), m[2] === '' ? [] : m[2]!.split('.').map(Number)] as const;
  });
}

/** How a case's atoms are watched and validated (chosen per case). */
interface ParallelSetup {
  /** Atoms. */
  readonly atoms: number;
  /** Process 0 installs a validator on every atom (it runs as process 0 on every writer's worker). */
  readonly validators: boolean;
  /** Process 0 adds a watch to every atom that counts its stores in a watch-counter atom of its own. */
  readonly watches: boolean;
}

/** The operations of the case of `seed`: 2–4 processes, 1–3 atoms, 5–30 operations each. */
function generate(seed: number): ParallelSetup & { readonly procs: readonly (readonly ParallelOp[])[] } {
  const rng = createRng(seed);
  const procs = 2 + rng.int(3);
  const atoms = 1 + rng.int(3);
  const out: ParallelOp[][] = [];
  for (let p = 0; p < procs; p++) {
    const ops: ParallelOp[] = [];
    const n = 5 + rng.int(26);
    for (let i = 0; i < n; i++) {
      const atom = rng.int(atoms);
      const x = rng.int(100);
      ops.push({ atom, x, kind: rng.int(OP_KINDS) });
    }
    out.push(ops);
  }
  const validators = rng.int(2) === 1;
  const watches = rng.int(2) === 1;
  return { atoms, validators, watches, procs: out };
}

/** Kinds of generated operation (see {@link parallelCase}). */
const OP_KINDS = 10;

/**
 * Generates the case of `seed` (2–4 processes, 1–3 atoms, 5–30 operations each), or the part of
 * it that `keep` names (what shrinking makes: fewer processes, fewer operations). Operations:
 * `swap!` of a counter, `swap!` storing a composite value, `deref`, a stamped commit loop
 * (`deref-stamp` then `%commit!`, retried), reading a field in place, `swap!` storing a vector of
 * up to 99 items, `hold!`/`held` of a register, a `compare-and-set!` retry loop, a `def` of the
 * process's own global `vP` to its next count followed by a `swap!` that records that count in
 * the atom, and a check that, having read another process's recorded count, that process's global (read by
 * a compiled function) is at least that: another worker's `def` is seen by compiled code once a
 * later write of that worker is. Some cases give every atom a validator and a watch owned by
 * process 0, so they run as process 0 on the workers of the writers; the watch counts the stores
 * it sees, and each count must end equal to its atom's.
 * @throws RangeError when `keep` names a process or operation the case does not have.
 */
export function parallelCase(seed: number, keep?: ParallelKeep): ParallelCase {
  const g = generate(seed);
  const chosen = keep ?? g.procs.map((ops, p) => [p, ops.map((_, i) => i)] as const);
  const atoms = g.atoms;
  const bodies: string[] = [];
  const counts = new Array<number>(atoms).fill(0);
  for (const [p, kept] of chosen) {
    const all = g.procs[p];
    if (all === undefined) throw new RangeError(`the case of seed ${seed} has no process ${p}`);
    const ops: string[] = [];
    let defs = 0;
    for (const i of kept) {
      const op = all[i];
      if (op === undefined) throw new RangeError(`process ${p} of the case of seed ${seed} has no operation ${i}`);
      const a = op.atom;
      const x = op.x;
      switch (op.kind) {
        case 0: ops.push(`(swap! a${a} (fn [m] (update m :n inc)))`); counts[a]!++; break;
        case 1: ops.push(`(swap! a${a} (fn [m] (assoc (update m :n inc) :last [${p} ${x} {:k ${x}}])))`); counts[a]!++; break;
        case 2: ops.push(`(deref a${a})`); break;
        case 3: ops.push(`(loop [] (let [rs (deref-stamp a${a}) m (first rs)] (if (%commit! a${a} (second rs) (assoc (update m :n inc) :tag "p${p}")) m (recur))))`); counts[a]!++; break;
        case 4: ops.push(`(get (deref a${a}) :last)`); break;
        case 5: ops.push(`(swap! a${a} (fn [m] (assoc (update m :n inc) :items (vec (range ${x})))))`); counts[a]!++; break;
        case 6: ops.push(`(do (hold! ${x % 4} [${p} ${x} (get (deref a${a}) :n)]) (held ${x % 4}))`); break;
        case 8: defs++; ops.push(`(do (def v${p} ${defs}) (swap! a${a} (fn [m] (assoc (update m :n inc) :d${p} ${defs}))))`); counts[a]!++; break;
        case 9: { const q = (p + 1 + (x % Math.max(1, g.procs.length - 1))) % g.procs.length; ops.push(`(let [seen (get (deref a${a}) :d${q} 0)] (if (< (readv${q}) seen) (throw [:stale-def ${q} seen]) seen))`); break; }
        default: ops.push(`(loop [] (let [m (deref a${a})] (if (compare-and-set! a${a} m (assoc (update m :n inc) :cas ${x})) m (recur))))`); counts[a]!++; break;
      }
    }
    const params = Array.from({ length: atoms }, (_, i) => `a${i}`).join(' ');
    // Each process first reads every process's global through its compiled reader (so that a
    // stale cached global would show at a later check).
    const warm = g.procs.map((_, q) => `(readv${q})`).join(' ');
    bodies.push(`(defn proc${p} [${params}] ${warm}\n  ${ops.join('\n  ')} :ok)`);
  }
  const names = Array.from({ length: atoms }, (_, i) => `a${i}`);
  const watched = names.map((a) => `w${a}`);
  const source = [
    ...names.map((a) => `(def ${a} (atom {:n 0 :last nil}))`),
    ...g.procs.map((_, p) => `(def v${p} 0)\n(defn readv${p} [] v${p})`),
    ...(g.validators ? names.map((a) => `(set-validator! ${a} (fn [m] (and (map? m) (<= 0 (get m :n)))))`) : []),
    ...(g.watches ? names.map((a, i) => `(def ${watched[i]} (atom 0))\n(add-watch ${a} :count (fn [k r old new] (swap! ${watched[i]} inc)))`) : []),
    ...bodies,
    `(def ps [${chosen.map(([p]) => `(spawn proc${p} ${names.join(' ')})`).join(' ')}])`,
    '(run! join ps)',
    `[${names.map((a) => `(get (deref ${a}) :n)`).join(' ')}${g.watches ? ` ${watched.map((w) => `(deref ${w})`).join(' ')}` : ''}]`,
  ].join('\n');
  return { seed, source, expected: `[${[...counts, ...(g.watches ? counts : [])].join(' ')}]`, ...(keep !== undefined ? { keep } : {}) };
}

/** The whole of the case of `seed`, as a {@link ParallelKeep}. */
export function fullKeep(seed: number): ParallelKeep {
  return generate(seed).procs.map((ops, p) => [p, ops.map((_, i) => i)] as const);
}

/** The verdict on one case. */
export interface ParallelCaseVerdict {
  /** The case's seed. */
  readonly seed: number;
  /** Linearizable, no failed process, exact counts. */
  readonly ok: boolean;
  /** Why not (null when ok). */
  readonly reason: string | null;
  /** Atom operations judged. */
  readonly operations: number;
  /** Collections of the shared heap during the run. */
  readonly collections: number;
}

/**
 * How the engine runs the shared heap's collector: collecting back to back on a small heap, with
 * the heap invariant checked after each collection, so that every case runs across collections.
 */
export const CAMPAIGN_GC: ParallelGcOptions = { force: true, intervalMs: 0.5, check: true };
/** The engine's shared-heap sizes: small, so that a case also fills it and its allocators stall. */
export const CAMPAIGN_HEAP = { cellWords: 1 << 14, handles: 1 << 14, atoms: 1 << 10, processes: 1 << 8 } as const;

/**
 * Runs and judges one case on the parallel engine `engine`; the collector runs
 * as {@link CAMPAIGN_GC} says. A run that does not end, or after which the heap invariant fails,
 * is a failing verdict.
 */
export async function runParallelCase(c: ParallelCase, engine: ParallelEngine): Promise<ParallelCaseVerdict> {
  let r;
  try {
    r = await runParallel(c.source, { workers: engine.workers, record: true, mutants: engine.mutants, timeoutMs: 60_000, gc: CAMPAIGN_GC, sizes: CAMPAIGN_HEAP, jit: engine.jit });
  } catch (e) {
    if (!(e instanceof ParallelRunError)) throw e;
    return { seed: c.seed, ok: false, reason: e.message, operations: 0, collections: 0 };
  }
  const collections = r.gc.cycles;
  const failed = r.processes.find((p) => !p.result.ok);
  if (failed !== undefined && !failed.result.ok) return { seed: c.seed, ok: false, reason: `process ${failed.pid} failed: ${failed.result.error}: ${failed.result.message}`, operations: 0, collections };
  if (!r.result.ok || r.result.value !== c.expected) return { seed: c.seed, ok: false, reason: `result ${JSON.stringify(r.result)}, expected ${c.expected} (a lost update)`, operations: 0, collections };
  const v = judgeParallelHistory(r);
  return { seed: c.seed, ok: v.ok, reason: v.failure === null ? null : `#atom ${v.failure.atom}: ${v.failure.reason}`, operations: v.operations, collections };
}

/**
 * The case on the reference kernel (one interleaving, from the case's seed): what process 0 ends with,
 * which must be the case's expected result, since it does not depend on the schedule.
 */
export function referenceVerdict(c: ParallelCase): ParallelCaseVerdict {
  const k = new ReferenceKernel();
  k.load(0, c.source);
  k.runAll(seededScheduler(c.seed));
  const r = k.results().find((x) => x.pid === 0)?.outcome ?? null;
  const got = r === null ? 'process 0 did not finish' : r.ok ? r.value : `${r.error}: ${r.message}`;
  if (r !== null && r.ok && got === c.expected) return { seed: c.seed, ok: true, reason: null, operations: 0, collections: 0 };
  return { seed: c.seed, ok: false, reason: `on the reference kernel the case ends with ${got}, expected ${c.expected}`, operations: 0, collections: 0 };
}

/** Processes and operations of a case. */
export interface ParallelCaseSize {
  /** Processes (besides process 0). */
  readonly processes: number;
  /** Atom operations over all of them. */
  readonly operations: number;
}

/** The size of a kept subset. */
export function keepSize(keep: ParallelKeep): ParallelCaseSize {
  return { processes: keep.length, operations: keep.reduce((n, [, ops]) => n + ops.length, 0) };
}

/** A failing case made smaller while it still fails. */
export interface ShrunkParallelCase {
  /** The minimized case (its `keep` names the part of the seed's case kept). */
  readonly case: ParallelCase;
  /** Its verdict on the last run that failed. */
  readonly verdict: ParallelCaseVerdict;
  /** The size of the case as generated. */
  readonly from: ParallelCaseSize;
  /** The size of the minimized case. */
  readonly to: ParallelCaseSize;
  /** Runs spent shrinking. */
  readonly runs: number;
  /**
   * The cases shrinking kept, from the case as generated to the minimized one (each failed
   * within `tries` runs when it was kept): where {@link confirmFailure} looks for a smaller case
   * that fails again.
   */
  readonly kept: readonly ParallelKeep[];
}

/** Options of {@link shrinkParallelCase}. */
export interface ShrinkOptions {
  /**
   * Runs of a smaller candidate before it counts as passing (default 3): a failure under real
   * parallelism depends on the interleaving, so one passing run does not show the bug is gone.
   */
  readonly tries?: number;
  /** Runs spent at most (default 60). */
  readonly budget?: number;
  /** How the minimized case is confirmed to fail again (see {@link confirmFailure}). */
  readonly confirm?: ConfirmOptions;
}

/**
 * Shrinks the failing case of `seed`: drops whole processes, then runs of operations (halves
 * down to single ones), keeping each smaller candidate that still fails within `tries` runs,
 * until no candidate fails or the budget is spent. `failed` is the verdict that showed the case
 * fails. The minimized case is reproduced by `parallelCase(seed, keep)`.
 */
export async function shrinkParallelCase(seed: number, failed: ParallelCaseVerdict, engine: ParallelEngine, options: ShrinkOptions = {}): Promise<ShrunkParallelCase> {
  const tries = options.tries ?? 3;
  const budget = options.budget ?? 60;
  const start = fullKeep(seed);
  let keep: ParallelKeep = start;
  const kept: ParallelKeep[] = [start];
  let verdict = failed;
  let runs = 0;
  const stillFails = async (cand: ParallelKeep): Promise<boolean> => {
    for (let t = 0; t < tries && runs < budget; t++) {
      runs++;
      const v = await runParallelCase(parallelCase(seed, cand), engine);
      if (!v.ok) {
        verdict = v;
        return true;
      }
    }
    return false;
  };
  let changed = true;
  while (changed && runs < budget) {
    changed = false;
    // Fewer processes.
    for (let i = 0; i < keep.length && keep.length > 1 && runs < budget; i++) {
      const cand = keep.filter((_, j) => j !== i);
      if (await stillFails(cand)) {
        keep = cand;
        kept.push(cand);
        changed = true;
        i--;
      }
    }
    // Fewer operations: runs of half a process's operations, then smaller runs, down to one.
    for (let pi = 0; pi < keep.length && runs < budget; pi++) {
      for (let chunk = Math.max(1, keep[pi]![1].length >> 1); chunk >= 1 && runs < budget; chunk >>= 1) {
        for (let at = 0; at < keep[pi]![1].length && runs < budget; ) {
          const ops = keep[pi]![1];
          const cand = keep.map((e, j) => (j === pi ? ([e[0], [...ops.slice(0, at), ...ops.slice(at + chunk)]] as const) : e));
          if (await stillFails(cand)) {
            keep = cand;
            kept.push(cand);
            changed = true;
          } else at += chunk;
        }
      }
    }
  }
  return { case: parallelCase(seed, keep), verdict, from: keepSize(start), to: keepSize(keep), runs, kept };
}

/** How often a case failed when it was run again. */
export interface Reproduction {
  /** Runs made. */
  readonly runs: number;
  /** Runs that failed. */
  readonly failures: number;
}

/** Options of {@link confirmFailure}. */
export interface ConfirmOptions {
  /** Runs of one candidate at most (default 40). */
  readonly runs?: number;
  /** Failures after which a candidate's rate counts as measured (default 3). */
  readonly failures?: number;
  /** Runs over all candidates at most (default 160). */
  readonly budget?: number;
}

/** The candidate {@link confirmFailure} chose. */
export interface ConfirmedFailure<V> {
  /** Its index in the candidates. */
  readonly index: number;
  /** How often it failed when run again. */
  readonly reproduction: Reproduction;
  /** Its last failing verdict. */
  readonly verdict: V;
}

/** What {@link confirmFailure} found. */
export interface ConfirmResult<V> {
  /** The smallest candidate that failed again (null: none did). */
  readonly chosen: ConfirmedFailure<V> | null;
  /** Runs made over all candidates. */
  readonly runs: number;
}

/**
 * Checks that a minimized failure fails again before its replay command is printed: a failure
 * under real parallelism depends on the interleaving, and shrinking keeps a case that failed once
 * within a few runs, which a lucky interleaving can do. `candidates` run from the largest (the
 * case as generated) to the smallest; from the smallest up, each is run anew (`run` → its failing
 * verdict, or null when it passed) up to `runs` times, stopping at `failures` failures, and the
 * first that fails at least once is chosen, with its measured rate; none, when no candidate fails
 * again within the budget.
 */
export async function confirmFailure<K, V>(candidates: readonly K[], run: (candidate: K) => Promise<V | null>, options: ConfirmOptions = {}): Promise<ConfirmResult<V>> {
  const perCandidate = options.runs ?? 40;
  const enough = options.failures ?? 3;
  const total = options.budget ?? 160;
  let budget = total;
  for (let index = candidates.length - 1; index >= 0 && budget > 0; index--) {
    let runs = 0;
    let failures = 0;
    let verdict: V | null = null;
    while (runs < perCandidate && failures < enough && budget > 0) {
      runs++;
      budget--;
      const v = await run(candidates[index]!);
      if (v !== null) {
        failures++;
        verdict = v;
      }
    }
    if (verdict !== null) return { chosen: { index, reproduction: { runs, failures }, verdict }, runs: total - budget };
  }
  return { chosen: null, runs: total - budget };
}

/** Replays that try a case at most this many times (see {@link replayRepeat}). */
export const MAX_REPLAY_REPEAT = 5000;

/**
 * The runs a replay command asks for, given how often the case failed when run again: enough
 * that a replay misses the failure about once in a thousand at half the measured rate (a margin
 * for a rate measured on few runs), never fewer than {@link REPLAY_REPEAT}, at most
 * {@link MAX_REPLAY_REPEAT}. A replay stops at the first failure, so a high count costs only when
 * the failure is rare.
 */
export function replayRepeat(r: Reproduction): number {
  if (r.failures <= 0) return MAX_REPLAY_REPEAT;
  return Math.min(MAX_REPLAY_REPEAT, Math.max(REPLAY_REPEAT, Math.ceil((2 * Math.log(1000) * r.runs) / r.failures)));
}

export { PARALLEL_MUTANTS, type ParallelMutant } from '../../optimized/parallel/mutants.js';

/** A parallel engine as a kernel name selects it. */
export interface ParallelEngine {
  /** Worker threads. */
  readonly workers: number;
  /** Seeded bugs. */
  readonly mutants: readonly string[];
  /** The `+tier:` of the name (absent: the highest tier available here). */
  readonly tier?: string;
  /** The JIT of every worker (the registry's {@link workersJit} of the name). */
  readonly jit: JitConfig;
}

/**
 * Reads a kernel name of the parallel engine, `optimized+workers:N[+tier:T]` (read by the
 * registry's {@link parseWorkersKernel}; no N: 2 workers) with any `+mutant:NAME` → its workers,
 * JIT and seeded bugs; undefined for any other kernel name.
 * @throws EngineUnavailableError for a bad worker count or tier; RangeError for an unknown seeded bug.
 */
export function parseParallelKernel(name: string): ParallelEngine | undefined {
  const [base = '', ...mutants] = name.trim().split('+mutant:');
  const workers = parseWorkersKernel(base);
  if (workers === undefined) return undefined;
  for (const mu of mutants) {
    if (!PARALLEL_MUTANTS.some((k) => k.name === mu)) throw new RangeError(`the parallel mode has no mutant '${mu}' (known: ${PARALLEL_MUTANTS.map((k) => k.name).join(', ')})`);
  }
  const tier = tierModifier(base);
  return { workers: workers ?? 2, mutants, ...(tier !== undefined ? { tier } : {}), jit: workersJit(base) };
}

/** The kernel name of a parallel engine (what {@link parseParallelKernel} reads back). */
export function parallelKernelName(engine: Omit<ParallelEngine, 'jit'>): string {
  return `optimized+workers:${engine.workers}${engine.tier !== undefined ? `+tier:${engine.tier}` : ''}${engine.mutants.map((m) => `+mutant:${m}`).join('')}`;
}

/** The parallel engine on `workers` workers with the seeded bugs `mutants`, at the JIT tier `tier` (absent: the highest available here). */
export function parallelEngine(workers = 2, mutants: readonly string[] = [], tier?: string): ParallelEngine {
  return parseParallelKernel(parallelKernelName({ workers, mutants, ...(tier !== undefined ? { tier } : {}) }))!;
}

/**
 * Runs of the case a replay command asks for at least: a failure under real parallelism depends
 * on the interleaving, so a replay tries it several times (stopping at the first failure); a
 * minimized case asks for more when it failed rarely when run again ({@link replayRepeat}).
 */
export const REPLAY_REPEAT = 200;

/** The command that replays a case (the kept part, when `keep` is given) on `engine`, trying it up to `repeat` times. */
export function replayCommand(seed: number, engine: ParallelEngine, keep?: ParallelKeep, repeat = REPLAY_REPEAT): string {
  return `npx immutos fuzz --kernels ${parallelKernelName(engine)} --seed ${seed} --runs 1 --repeat ${repeat}${keep !== undefined ? ` --keep ${keepText(keep)}` : ''}`;
}

/** What a campaign found. */
export interface ParallelCampaignReport {
  /** Cases run. */
  readonly cases: number;
  /** Runs of those cases (each case runs `repeat` times while it passes). */
  readonly runs: number;
  /** Atom operations judged. */
  readonly operations: number;
  /** Seconds the campaign took. */
  readonly seconds: number;
  /** Collections of the shared heap over the cases run. */
  readonly collections: number;
  /**
   * The first failing case (null: none), and its minimized form when it was shrunk and found to
   * fail again (`reproduction`: how often it failed when run anew; its replay asks for enough runs;
   * `passedOver`: smaller cases shrinking kept that did not fail again).
   * `unconfirmed`: shrinking ran but no case it kept, the generated one included, failed again
   * within the confirmation's runs (the replay of the case as generated then asks for the most runs).
   */
  readonly failure: (ParallelCaseVerdict & { readonly replay: string; readonly shrunk: (ShrunkParallelCase & { readonly replay: string; readonly reproduction: Reproduction; readonly passedOver: number }) | null; readonly unconfirmed?: { readonly runs: number } }) | null;
}

/** Where a campaign is, for a progress display. */
export interface ParallelProgress {
  /** Cases finished. */
  readonly cases: number;
  /** Atom operations judged so far. */
  readonly operations: number;
  /** Seconds since the campaign started. */
  readonly seconds: number;
}

/** Options of {@link parallelCampaign}. */
export interface ParallelCampaignOptions {
  /** Run only this part of each case (a replay of a minimized case); nothing is shrunk then. */
  readonly keep?: ParallelKeep;
  /** Shrink the first failing case (default true), with these options. */
  readonly shrink?: boolean | ShrinkOptions;
  /** Stop starting cases after this many seconds (the case count is then an upper bound). */
  readonly seconds?: number;
  /** Runs of each case (default 1): a stress campaign runs each case under several interleavings. */
  readonly repeat?: number;
  /** Called after each case. */
  readonly onProgress?: (p: ParallelProgress) => void;
}

/**
 * Runs `cases` cases from `seed` on `engine` (or fewer, when `seconds` runs out), each `repeat` times;
 * stops at the first failure, which it shrinks (fewer processes, fewer operations, while it
 * still fails) and reports with its seed and replay commands for the case as generated and as
 * minimized.
 */
export async function parallelCampaign(seed: number, cases: number, engine: ParallelEngine = parallelEngine(), options: ParallelCampaignOptions = {}): Promise<ParallelCampaignReport> {
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const repeat = Math.max(1, options.repeat ?? 1);
  let operations = 0;
  let runs = 0;
  let collections = 0;
  let done = 0;
  for (let i = 0; i < cases && (options.seconds === undefined || elapsed() < options.seconds); i++) {
    const c = parallelCase(seed + i, options.keep);
    // The oracle first: the result does not depend on the schedule, so the reference must give it.
    const ref = referenceVerdict(c);
    if (!ref.ok) return { cases: i + 1, runs, operations, collections, seconds: elapsed(), failure: { ...ref, replay: replayCommand(seed + i, engine, options.keep), shrunk: null } };
    for (let r = 0; r < repeat; r++) {
      const v = await runParallelCase(c, engine);
      runs++;
      operations += v.operations;
      collections += v.collections;
      if (!v.ok) {
        let replay = replayCommand(seed + i, engine, options.keep);
        const shrinkOptions = options.shrink ?? true;
        let shrunk = null;
        let unconfirmed: { readonly runs: number } | undefined;
        if (shrinkOptions !== false && options.keep === undefined) {
          const s = await shrinkParallelCase(seed + i, v, engine, shrinkOptions === true ? {} : shrinkOptions);
          // The replay printed is of a case seen to fail again, with runs enough for its rate.
          const runAnew = async (keep: ParallelKeep): Promise<ParallelCaseVerdict | null> => {
            const again = await runParallelCase(parallelCase(seed + i, keep), engine);
            return again.ok ? null : again;
          };
          const confirmed = await confirmFailure(s.kept, runAnew, shrinkOptions === true ? {} : (shrinkOptions.confirm ?? {}));
          const c = confirmed.chosen;
          if (c === null) {
            unconfirmed = { runs: confirmed.runs };
            replay = replayCommand(seed + i, engine, undefined, MAX_REPLAY_REPEAT);
          } else {
            const keep = s.kept[c.index]!;
            shrunk = { ...s, case: parallelCase(seed + i, keep), verdict: c.verdict, to: keepSize(keep), reproduction: c.reproduction, passedOver: s.kept.length - 1 - c.index, replay: replayCommand(seed + i, engine, keep, replayRepeat(c.reproduction)) };
          }
        }
        return { cases: i + 1, runs, operations, collections, seconds: elapsed(), failure: { ...v, replay, shrunk, ...(unconfirmed !== undefined ? { unconfirmed } : {}) } };
      }
    }
    done = i + 1;
    options.onProgress?.({ cases: done, operations, seconds: elapsed() });
  }
  return { cases: done, runs, operations, collections, seconds: elapsed(), failure: null };
}

/** A campaign's failure as text: seed, reason, replay, and the minimized case with its program and replay. */
export function formatParallelFailure(f: NonNullable<ParallelCampaignReport['failure']>): string {
  const lines = [`parallel fuzz failure at seed ${f.seed}: ${f.reason}`, `replay: ${f.replay}`];
  if (f.unconfirmed !== undefined) {
    lines.push(`not minimized: no case kept while shrinking (tried from the smallest up) failed again in ${f.unconfirmed.runs} more runs (the failure needs a rare interleaving); the replay tries the case as generated up to ${MAX_REPLAY_REPEAT} times`);
  }
  if (f.shrunk !== null) {
    const s = f.shrunk;
    const r = s.reproduction;
    lines.push(
      `minimized (${s.runs} runs): ${s.from.processes} processes, ${s.from.operations} operations -> ${s.to.processes} processes, ${s.to.operations} operations`,
      `minimized failure: ${s.verdict.reason}`,
      `the minimized case failed again in ${r.failures} of ${r.runs} runs${s.passedOver > 0 ? ` (${s.passedOver} smaller case${s.passedOver === 1 ? '' : 's'} kept while shrinking did not fail again: passed over)` : ''}`,
      `replay the minimized case: ${s.replay}`,
      'minimized program:',
      s.case.source,
    );
  }
  return lines.join('\n');
}
