/**
 * The TS engine of `immutos check`: an explicit-state, breadth-first model checker over a
 * {@link SpecInstance} (a TS mirror of a TLA+ module). It deduplicates states by 64-bit
 * fingerprints of their canonical key, checks every invariant on every distinct state, and
 * rebuilds a shortest counterexample from parent pointers by replaying the recorded actions.
 * @module
 */
import type { SpecInstance } from '../../spec/SpecModule.js';
import { FingerprintSet, fp, hashString, hashWords } from './fingerprint.js';

/** Progress of a running exploration. */
export interface ExploreProgress {
  /** Distinct states found so far. */
  readonly distinctStates: number;
  /** Successor states generated so far (with duplicates). */
  readonly statesGenerated: number;
  /** Current BFS depth. */
  readonly depth: number;
  /** Seconds since the start. */
  readonly seconds: number;
}

/** Options of {@link explore}. */
export interface ExploreOptions {
  /** Stop with a `max-states` outcome past this many distinct states (default 50,000,000). */
  readonly maxStates?: number;
  /** A state without successors is an error (TLC's deadlock check). Default false. */
  readonly checkDeadlock?: boolean;
  /** Called about every `progressEveryMs` (default 1000) during the search. */
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Progress period in milliseconds. */
  readonly progressEveryMs?: number;
  /** Restrict the invariants checked to these names (default: all of the instance's). */
  readonly invariants?: readonly string[];
}

/** One state of a counterexample: the action that led to it (`Init` for the first) and the state. */
export interface TraceStep<S> {
  /** Action name (`Init` for an initial state). */
  readonly action: string;
  /** The state. */
  readonly state: S;
}

/** How an exploration ended. */
export type ExploreOutcome<S> =
  | { readonly kind: 'pass' }
  | { readonly kind: 'violation'; readonly invariant: string; readonly trace: readonly TraceStep<S>[] }
  | { readonly kind: 'deadlock'; readonly trace: readonly TraceStep<S>[] }
  | { readonly kind: 'max-states'; readonly limit: number }
  | { readonly kind: 'error'; readonly message: string; readonly trace: readonly TraceStep<S>[] };

/** Result of {@link explore}. */
export interface ExploreResult<S> {
  /** How it ended. */
  readonly outcome: ExploreOutcome<S>;
  /** Distinct states found (on a violation: found up to that point). */
  readonly distinctStates: number;
  /** Successor states generated, with duplicates. */
  readonly statesGenerated: number;
  /** Depth of the deepest BFS level reached (initial states are depth 1, as in TLC). */
  readonly depth: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** Distinct states per second. */
  readonly statesPerSecond: number;
}

const KEY_WORDS = 4096;

/**
 * Explores every state reachable from `init` by the instance's actions, breadth first.
 * Invariant violations, deadlocks (when enabled) and exceptions thrown by the mirror end the
 * search with a shortest trace; the distinct-state count of a passing run equals TLC's for the
 * same model when the mirror is faithful.
 */
export function explore<S>(inst: SpecInstance<S>, opts: ExploreOptions = {}): ExploreResult<S> {
  const t0 = performance.now();
  const maxStates = opts.maxStates ?? 50_000_000;
  const every = opts.progressEveryMs ?? 1000;
  const invNames = opts.invariants ?? Object.keys(inst.invariants);
  for (const n of invNames) if (!(n in inst.invariants)) throw new Error(`the mirror has no invariant named ${n} (it has: ${Object.keys(inst.invariants).join(', ')})`);
  const invs = invNames.map((n) => inst.invariants[n]!);
  const actions = inst.actions;
  if (actions.length > 32767) throw new Error('too many actions');
  const constraint = inst.constraint;
  const words = new Int32Array(KEY_WORDS);
  const keyInto = inst.keyInto;
  const key = inst.key;
  const fingerprint = keyInto
    ? (s: S): void => {
      const n = keyInto(s, words);
      if (!(n >= 0 && n <= KEY_WORDS)) throw new Error(`keyInto returned ${n} (must be 0..${KEY_WORDS})`);
      hashWords(words, n);
    }
    : (s: S): void => hashString(key(s));
  const seen = new FingerprintSet(1 << 16);
  let generated = 0;
  let depth = 0;
  let nextReport = t0 + every;

  const finish = (outcome: ExploreOutcome<S>): ExploreResult<S> => {
    const seconds = (performance.now() - t0) / 1000;
    return { outcome, distinctStates: seen.size, statesGenerated: generated, depth, seconds, statesPerSecond: seconds > 0 ? seen.size / seconds : 0 };
  };
  const traceTo = (id: number): TraceStep<S>[] => rebuildTrace(inst, seen, id, fingerprint);
  const check = (s: S, id: number): ExploreOutcome<S> | null => {
    for (let k = 0; k < invs.length; k++) {
      let ok: boolean;
      try {
        ok = invs[k]!(s);
      } catch (e) {
        return { kind: 'error', message: `invariant ${invNames[k]} threw: ${(e as Error).message}`, trace: traceTo(id) };
      }
      if (!ok) return { kind: 'violation', invariant: invNames[k]!, trace: traceTo(id) };
    }
    return null;
  };

  let level: S[] = [];
  let levelIds: number[] = [];
  for (const s of inst.init()) {
    generated++;
    fingerprint(s);
    const id = seen.add(fp.hi, fp.lo, -1, -1);
    if (id < 0) continue;
    const bad = check(s, id);
    if (bad) { depth = 1; return finish(bad); }
    level.push(s);
    levelIds.push(id);
  }
  while (level.length > 0) {
    depth++;
    let next: S[] = [];
    let nextIds: number[] = [];
    for (let q = 0; q < level.length; q++) {
      const s = level[q]!;
      const pid = levelIds[q]!;
      if (constraint !== undefined && !constraint(s)) continue;
      let successors = 0;
      for (let a = 0; a < actions.length; a++) {
        let it: Iterable<S>;
        try {
          it = actions[a]!.next(s);
          for (const t of it) {
            successors++;
            generated++;
            fingerprint(t);
            const id = seen.add(fp.hi, fp.lo, pid, a);
            if (id < 0) continue;
            const bad = check(t, id);
            if (bad) { depth++; return finish(bad); }
            if (seen.size > maxStates) return finish({ kind: 'max-states', limit: maxStates });
            next.push(t);
            nextIds.push(id);
          }
        } catch (e) {
          return finish({ kind: 'error', message: `action ${actions[a]!.name} threw: ${(e as Error).message}`, trace: traceTo(pid) });
        }
      }
      if (successors === 0 && opts.checkDeadlock) return finish({ kind: 'deadlock', trace: traceTo(pid) });
      if (opts.onProgress !== undefined && (q & 1023) === 0) {
        const now = performance.now();
        if (now >= nextReport) {
          nextReport = now + every;
          opts.onProgress({ distinctStates: seen.size, statesGenerated: generated, depth, seconds: (now - t0) / 1000 });
        }
      }
    }
    level = next;
    levelIds = nextIds;
    next = [];
    nextIds = [];
  }
  return finish({ kind: 'pass' });
}

/** Rebuilds the path to state `id` by replaying, from an initial state, the recorded action at each step. */
function rebuildTrace<S>(inst: SpecInstance<S>, seen: FingerprintSet, id: number, fingerprint: (s: S) => void): TraceStep<S>[] {
  const ids: number[] = [];
  for (let k = id; k >= 0; k = seen.parent[k]!) ids.push(k);
  ids.reverse();
  const matches = (s: S, k: number): boolean => {
    fingerprint(s);
    return fp.hi === seen.idHi[k] && fp.lo === seen.idLo[k];
  };
  const steps: TraceStep<S>[] = [];
  let cur: S | undefined;
  for (const s of inst.init()) if (matches(s, ids[0]!)) { cur = s; break; }
  if (cur === undefined) throw new Error('trace rebuild failed: initial state not found (is key() deterministic?)');
  steps.push({ action: 'Init', state: cur });
  for (let j = 1; j < ids.length; j++) {
    const act = inst.actions[seen.action[ids[j]!]!]!;
    let found: S | undefined;
    for (const t of act.next(cur)) if (matches(t, ids[j]!)) { found = t; break; }
    if (found === undefined) throw new Error(`trace rebuild failed at step ${j} (${act.name}): is the mirror deterministic?`);
    steps.push({ action: act.name, state: found });
    cur = found;
  }
  return steps;
}
