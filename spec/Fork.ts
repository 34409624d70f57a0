/**
 * TypeScript mirror of `spec/tla/Fork.tla`: a child gets a copy of its parent's atom table,
 * private atoms re-pointed at new atoms with the same value and stamp, shared atoms still shared.
 * Same variables, actions and invariants as the TLA+ module; pure functions over immutable
 * states. Process ids are `1..NumProcs` (arrays over processes are indexed `p - 1`; sets of
 * processes are bitmasks, bit `p - 1`).
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import {
  choiceConstant, expectConstantNames, intConstant, ModelConstantsError, setAt, tlaIntFn, tlaIntSet, tlaRangeFn,
  type TlaJson,
} from './MirrorSupport.js';

/** The seeded bugs `Fork.tla` knows (`"none"` in normal models). */
export const FORK_BUGS = ['none', 'fork-shares-private'] as const;
/** A seeded bug of `Fork.tla`. */
export type ForkBug = (typeof FORK_BUGS)[number];

/** The constants of a Fork model (the cfg's `CONSTANTS`). */
export interface ForkConstants {
  /** Process ids are `1..NumProcs`; only 1 is live at the start. */
  readonly NumProcs: number;
  /** Shared atoms process 1 holds at the start. */
  readonly NumShared: number;
  /** Bound on refs ever issued. */
  readonly MaxRefs: number;
  /** Bound on atoms ever created. */
  readonly MaxAtoms: number;
  /** Values are `0..MaxVal`. */
  readonly MaxVal: number;
  /** Bound on successful writes per atom. */
  readonly MaxStamp: number;
  /** The seeded bug. */
  readonly Bug: ForkBug;
}

/** A state of `Fork.tla`. */
export interface ForkState {
  /** `live`, as a bitmask over process ids (bit `p - 1`). */
  readonly live: number;
  /** `table[p-1][r]`: the atom under ref r in p's table, or -1 when r is not in it. */
  readonly table: readonly (readonly number[])[];
  /** The global ref counter. */
  readonly nextRef: number;
  /** Atoms `0..nextAtom-1` exist. */
  readonly nextAtom: number;
  /** `val[a]`. */
  readonly val: readonly number[];
  /** `stamp[a]`. */
  readonly stamp: readonly number[];
  /** `creator[a]` (0 before creation). */
  readonly creator: readonly number[];
  /** `shared[a]`. */
  readonly shared: readonly boolean[];
  /** `writers[a]`, as bitmasks over process ids (auxiliary). */
  readonly writers: readonly number[];
}

const MODULE = 'Fork';

/**
 * Reads and checks a Fork model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function forkConstants(c: ModelConstants): ForkConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'NumShared', 'MaxRefs', 'MaxAtoms', 'MaxVal', 'MaxStamp', 'Bug']);
  const MaxRefs = intConstant(MODULE, c, 'MaxRefs', 1, 8);
  const MaxAtoms = intConstant(MODULE, c, 'MaxAtoms', 1, 12);
  const NumShared = intConstant(MODULE, c, 'NumShared', 0, MaxRefs);
  if (NumShared > MaxAtoms) throw new ModelConstantsError(MODULE, 'NumShared must be <= MaxAtoms');
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 8),
    NumShared,
    MaxRefs,
    MaxAtoms,
    MaxVal: intConstant(MODULE, c, 'MaxVal', 0, 8),
    MaxStamp: intConstant(MODULE, c, 'MaxStamp', 0, 8),
    Bug: choiceConstant(MODULE, c, 'Bug', FORK_BUGS),
  };
}

const bit = (p: number): number => 1 << (p - 1);

/** `Init`: process 1 is live and holds NumShared shared atoms (atom i under ref i). */
export function forkInit(c: ForkConstants): ForkState {
  const atoms = Array.from({ length: c.MaxAtoms }, (_, a) => a);
  return {
    live: bit(1),
    table: Array.from({ length: c.NumProcs }, (_, i) => Array.from({ length: c.MaxRefs }, (_, r) => (i === 0 && r < c.NumShared ? r : -1))),
    nextRef: c.NumShared,
    nextAtom: c.NumShared,
    val: atoms.map(() => 0),
    stamp: atoms.map(() => 0),
    creator: atoms.map((a) => (a < c.NumShared ? 1 : 0)),
    shared: atoms.map((a) => a < c.NumShared),
    writers: atoms.map(() => 0),
  };
}

const isLive = (s: ForkState, p: number): boolean => (s.live & bit(p)) !== 0;

/**
 * `atom`: live process p creates a private atom holding `v` under a fresh ref.
 * @see Fork.tla NewAtom
 */
export function newAtom(c: ForkConstants, s: ForkState, p: number, v: number): ForkState | undefined {
  if (!isLive(s, p) || s.nextRef >= c.MaxRefs || s.nextAtom >= c.MaxAtoms) return undefined;
  const a = s.nextAtom;
  return {
    ...s,
    table: setAt(s.table, p - 1, setAt(s.table[p - 1]!, s.nextRef, a)),
    val: setAt(s.val, a, v),
    creator: setAt(s.creator, a, p),
    nextRef: s.nextRef + 1,
    nextAtom: a + 1,
  };
}

/**
 * A successful write of `v` by p to the atom under ref `r` (stamp + 1; p joins the writers of a
 * private atom).
 * @see Fork.tla Write
 */
export function write(c: ForkConstants, s: ForkState, p: number, r: number, v: number): ForkState | undefined {
  if (!isLive(s, p)) return undefined;
  const a = s.table[p - 1]![r] ?? -1;
  if (a < 0 || s.stamp[a]! >= c.MaxStamp) return undefined;
  return {
    ...s,
    val: setAt(s.val, a, v),
    stamp: setAt(s.stamp, a, s.stamp[a]! + 1),
    writers: s.shared[a] ? s.writers : setAt(s.writers, a, s.writers[a]! | bit(p)),
  };
}

/**
 * `fork`: live p forks into the lowest free process id. Private atoms are re-pointed at new atoms
 * (numbered in ref order) with the same value and stamp, created by the child; shared atoms stay
 * shared. The seeded bug `fork-shares-private` gives the child the parent's table as it is.
 * @see Fork.tla Fork
 */
export function fork(c: ForkConstants, s: ForkState, p: number): ForkState | undefined {
  if (!isLive(s, p)) return undefined;
  let child = 0;
  for (let q = 1; q <= c.NumProcs; q++) if (!isLive(s, q)) { child = q; break; }
  if (child === 0) return undefined;
  const parent = s.table[p - 1]!;
  const live = s.live | bit(child);
  if (c.Bug === 'fork-shares-private') return { ...s, live, table: setAt(s.table, child - 1, parent) };
  let n = 0;
  for (const a of parent) if (a >= 0 && !s.shared[a]) n++;
  if (s.nextAtom + n > c.MaxAtoms) return undefined;
  const val = s.val.slice();
  const stamp = s.stamp.slice();
  const creator = s.creator.slice();
  let next = s.nextAtom;
  const childTable = parent.map((a) => {
    if (a < 0 || s.shared[a]) return a;
    const b = next++;
    val[b] = s.val[a]!;
    stamp[b] = s.stamp[a]!;
    creator[b] = child;
    return b;
  });
  return { ...s, live, table: setAt(s.table, child - 1, childTable), nextAtom: next, val, stamp, creator };
}

/** The live processes that reach atom `a` (`Holders(a)`), as a bitmask. */
export function holders(c: ForkConstants, s: ForkState, a: number): number {
  let m = 0;
  for (let q = 1; q <= c.NumProcs; q++) if (isLive(s, q) && s.table[q - 1]!.includes(a)) m |= bit(q);
  return m;
}

/** `TypeOK`. */
export function typeOK(c: ForkConstants, s: ForkState): boolean {
  const inRange = (x: number, hi: number): boolean => Number.isInteger(x) && x >= 0 && x <= hi;
  const allProcs = (1 << c.NumProcs) - 1;
  if ((s.live & ~allProcs) !== 0 || !inRange(s.nextRef, c.MaxRefs) || !inRange(s.nextAtom, c.MaxAtoms)) return false;
  if (s.table.length !== c.NumProcs) return false;
  for (const t of s.table) {
    if (t.length !== c.MaxRefs) return false;
    for (let r = 0; r < t.length; r++) if (t[r]! >= 0 && (r >= s.nextRef || t[r]! >= s.nextAtom)) return false;
  }
  for (let a = 0; a < c.MaxAtoms; a++) {
    if (!inRange(s.val[a]!, c.MaxVal) || !inRange(s.stamp[a]!, c.MaxStamp) || !inRange(s.creator[a]!, c.NumProcs)) return false;
    if (typeof s.shared[a] !== 'boolean' || (s.writers[a]! & ~allProcs) !== 0) return false;
  }
  return true;
}

/**
 * `ForkIsolation`: every live process that reaches a private atom is the one process that wrote
 * it, so a write to a private atom is never seen by another process (parent or child).
 */
export function forkIsolation(c: ForkConstants, s: ForkState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    if (s.shared[a]) continue;
    const w = s.writers[a]!;
    if (w === 0) continue;
    const h = holders(c, s, a);
    // every writer equals every holder: at most one process in w ∪ h, unless h is empty
    if (h !== 0 && ((w | h) & ((w | h) - 1)) !== 0) return false;
  }
  return true;
}

/** Writes the canonical integer encoding of `s` into `out`; returns the number of words. */
export function forkKeyInto(s: ForkState, out: Int32Array): number {
  let n = 0;
  out[n++] = s.live | (s.nextRef << 8) | (s.nextAtom << 16);
  for (const t of s.table) for (let r = 0; r < t.length; r++) out[n++] = t[r]!;
  for (let a = 0; a < s.val.length; a++) {
    out[n++] = s.val[a]! | (s.stamp[a]! << 4) | (s.creator[a]! << 8) | ((s.shared[a] ? 1 : 0) << 12) | (s.writers[a]! << 13);
  }
  return n;
}

const procSet = (mask: number): TlaJson => {
  const out: number[] = [];
  for (let p = 1; mask >> (p - 1) !== 0; p++) if ((mask >> (p - 1)) & 1) out.push(p);
  return tlaIntSet(out);
};

/** `toTla`: the state in tla-checker's JSON form (variables in sorted order). */
export function forkToTla(s: ForkState): Record<string, TlaJson> {
  return {
    creator: tlaRangeFn(0, s.creator),
    live: procSet(s.live),
    nextAtom: s.nextAtom,
    nextRef: s.nextRef,
    shared: tlaRangeFn(0, s.shared),
    stamp: tlaRangeFn(0, s.stamp),
    table: tlaRangeFn(1, s.table.map((t) => tlaIntFn(t.flatMap((a, r) => (a >= 0 ? [[r, a] as const] : []))))),
    val: tlaRangeFn(0, s.val),
    writers: tlaRangeFn(0, s.writers.map(procSet)),
  };
}

/** Builds the Fork state machine for one model's constants. */
export function instantiateFork(constants: ModelConstants): SpecInstance<ForkState> {
  const c = forkConstants(constants);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const refs = Array.from({ length: c.MaxRefs }, (_, r) => r);
  const vals = Array.from({ length: c.MaxVal + 1 }, (_, v) => v);
  const action = (name: string, gen: (s: ForkState, push: (t: ForkState | undefined) => void) => void): SpecAction<ForkState> => ({
    name,
    next: (s) => {
      const out: ForkState[] = [];
      gen(s, (t) => { if (t !== undefined) out.push(t); });
      return out;
    },
  });
  const buf = new Int32Array(4096);
  return {
    init: () => [forkInit(c)],
    actions: [
      action('NewAtom', (s, push) => { for (const p of procs) for (const v of vals) push(newAtom(c, s, p, v)); }),
      action('Write', (s, push) => { for (const p of procs) for (const r of refs) for (const v of vals) push(write(c, s, p, r, v)); }),
      action('Fork', (s, push) => { for (const p of procs) push(fork(c, s, p)); }),
    ],
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      ForkIsolation: (s) => forkIsolation(c, s),
    },
    key: (s) => buf.subarray(0, forkKeyInto(s, buf)).join(','),
    keyInto: forkKeyInto,
    toTla: forkToTla,
  };
}

/** The Fork mirror (`spec/tla/Fork.tla`). */
export const specModule: SpecModule<ForkState> = { name: MODULE, instantiate: instantiateFork };
