/**
 * The differential fuzzer's parallel engine (`optimized+workers:N`): random programs whose
 * processes hammer a few shared atoms with composite values (vectors and maps, so every store
 * publishes a value with a handle), run on real worker threads with their atom histories
 * recorded, judged by linearizability per atom (harness/oracles/parallelHistory.ts) and by the
 * result: no process fails, and the final count of each counter atom is exact (no lost update).
 * Every failing case names its seed and a replay command.
 * @module
 */
import { createRng } from '../../spec/Random.js';
import { runParallel } from '../../optimized/parallel/ParallelRuntime.js';
import { judgeParallelHistory } from '../oracles/parallelHistory.js';

/** One generated case: a program and what its result must be whatever the schedule. */
export interface ParallelCase {
  /** The seed it was generated from. */
  readonly seed: number;
  /** The program (EDN text). */
  readonly source: string;
  /** Process 0's result, which every schedule gives (the counters' final values). */
  readonly expected: string;
}

/** Generates the case of `seed`: 2–4 processes, 1–3 atoms, 5–30 operations each. */
export function parallelCase(seed: number): ParallelCase {
  const rng = createRng(seed);
  const procs = 2 + rng.int(3);
  const atoms = 1 + rng.int(3);
  const bodies: string[] = [];
  const counts = new Array<number>(atoms).fill(0);
  for (let p = 0; p < procs; p++) {
    const ops: string[] = [];
    const n = 5 + rng.int(26);
    for (let i = 0; i < n; i++) {
      const a = rng.int(atoms);
      const x = rng.int(100);
      switch (rng.int(5)) {
        case 0: ops.push(`(swap! a${a} (fn [m] (update m :n inc)))`); counts[a]!++; break;
        case 1: ops.push(`(swap! a${a} (fn [m] (assoc (update m :n inc) :last [${p} ${x} {:k ${x}}])))`); counts[a]!++; break;
        case 2: ops.push(`(deref a${a})`); break;
        case 3: ops.push(`(loop [] (let [rs (deref-stamp a${a}) m (first rs)] (if (%commit! a${a} (second rs) (assoc (update m :n inc) :tag "p${p}")) m (recur))))`); counts[a]!++; break;
        default: ops.push(`(get (deref a${a}) :last)`); break;
      }
    }
    const params = Array.from({ length: atoms }, (_, i) => `a${i}`).join(' ');
    bodies.push(`(defn proc${p} [${params}] ${ops.join('\n  ')} :ok)`);
  }
  const names = Array.from({ length: atoms }, (_, i) => `a${i}`);
  const source = [
    ...names.map((a) => `(def ${a} (atom {:n 0 :last nil}))`),
    ...bodies,
    `(def ps [${Array.from({ length: procs }, (_, p) => `(spawn proc${p} ${names.join(' ')})`).join(' ')}])`,
    '(run! join ps)',
    `[${names.map((a) => `(get (deref ${a}) :n)`).join(' ')}]`,
  ].join('\n');
  return { seed, source, expected: `[${counts.join(' ')}]` };
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
}

/** Runs and judges one case on `workers` workers, with the given seeded bugs. */
export async function runParallelCase(c: ParallelCase, workers: number, mutants: readonly string[] = []): Promise<ParallelCaseVerdict> {
  const r = await runParallel(c.source, { workers, record: true, mutants, timeoutMs: 60_000 });
  const failed = r.processes.find((p) => !p.result.ok);
  if (failed !== undefined && !failed.result.ok) return { seed: c.seed, ok: false, reason: `process ${failed.pid} failed: ${failed.result.error}: ${failed.result.message}`, operations: 0 };
  if (!r.result.ok || r.result.value !== c.expected) return { seed: c.seed, ok: false, reason: `result ${JSON.stringify(r.result)}, expected ${c.expected} (a lost update)`, operations: 0 };
  const v = judgeParallelHistory(r);
  return { seed: c.seed, ok: v.ok, reason: v.failure === null ? null : `#atom ${v.failure.atom}: ${v.failure.reason}`, operations: v.operations };
}

/** What a campaign found. */
export interface ParallelCampaignReport {
  /** Cases run. */
  readonly cases: number;
  /** Atom operations judged. */
  readonly operations: number;
  /** The first failing case (null: none). */
  readonly failure: (ParallelCaseVerdict & { readonly replay: string }) | null;
}

/** Runs `cases` cases from `seed` on; stops at the first failure, which names its replay command. */
export async function parallelCampaign(seed: number, cases: number, workers = 2, mutants: readonly string[] = []): Promise<ParallelCampaignReport> {
  let operations = 0;
  for (let i = 0; i < cases; i++) {
    const v = await runParallelCase(parallelCase(seed + i), workers, mutants);
    operations += v.operations;
    if (!v.ok) {
      const replay = `IMMUTOS_PARALLEL_SEED=${seed + i} IMMUTOS_PARALLEL_CASES=1${mutants.length > 0 ? ` IMMUTOS_PARALLEL_MUTANTS=${mutants.join(',')}` : ''} npx vitest run tests/parallel/parallelFuzz.test.ts`;
      return { cases: i + 1, operations, failure: { ...v, replay } };
    }
  }
  return { cases, operations, failure: null };
}
