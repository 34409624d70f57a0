/**
 * TypeScript mirror of `spec/tla/Atoms.tla`: per-process atom tables, `Deref`, stamped `CAS`,
 * `Reset`, `Swap` split into `SwapRead` → `SwapCommit` (retrying on a stale stamp), validators.
 * Same variables, actions and invariants as the TLA+ module; pure functions over immutable
 * states. Processes are numbered `1..NumProcs` as in the TLA+ (arrays are indexed `p - 1`).
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import {
  choiceConstant, expectConstantNames, intConstant, setAt, tlaIntFn, tlaRangeFn, tlaRecord, tlaSeq,
  type TlaJson,
} from './MirrorSupport.js';

/** The seeded bugs `Atoms.tla` knows (`"none"` in normal models). */
export const ATOMS_BUGS = ['none', 'cas-ignores-stamp', 'reset-keeps-stamp'] as const;
/** A seeded bug of `Atoms.tla`. */
export type AtomsBug = (typeof ATOMS_BUGS)[number];

/** The constants of an Atoms model (the cfg's `CONSTANTS`). */
export interface AtomsConstants {
  /** Processes are `1..NumProcs`. */
  readonly NumProcs: number;
  /** Atoms that exist at the start, under the same ref in every table, shared. */
  readonly NumShared: number;
  /** Bound on atoms (and refs) ever created. */
  readonly MaxAtoms: number;
  /** Values are `0..MaxVal`. */
  readonly MaxVal: number;
  /** The validator accepts exactly `0..ValidMax`. */
  readonly ValidMax: number;
  /** Bound on successful writes per atom. */
  readonly MaxStamp: number;
  /** The seeded bug. */
  readonly Bug: AtomsBug;
}

/** A process's control state: idle, or inside a swap (`commit` after reading, `retry` after a failed commit). */
export type AtomsPc = 'idle' | 'commit' | 'retry';

/** One entry of an atom's history (`hist[a][i]`). */
export interface HistEntry {
  /** The value written. */
  readonly val: number;
  /** The atom's stamp after this write. */
  readonly stamp: number;
  /** The stamp the writer presented (for a reset or creation: the stamp at that moment). */
  readonly seen: number;
}

/** A process's last read (`reg[p]`); `ref === NoRef` (= MaxAtoms) before any read. */
export interface AtomsReg {
  /** The ref read. */
  readonly ref: number;
  /** The value read. */
  readonly val: number;
  /** The stamp read. */
  readonly stamp: number;
}

/** A state of `Atoms.tla`. Arrays over atoms are indexed by atom id, arrays over processes by `p - 1`. */
export interface AtomsState {
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
  /** `shared[a]` (monotonic). */
  readonly shared: readonly boolean[];
  /** `hist[a]`: every state of atom a, creation first (auxiliary). */
  readonly hist: readonly (readonly HistEntry[])[];
  /** `pc[p-1]`. */
  readonly pc: readonly AtomsPc[];
  /** `reg[p-1]`. */
  readonly reg: readonly AtomsReg[];
}

const MODULE = 'Atoms';

/**
 * Reads and checks an Atoms model's constants (the same ranges as the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function atomsConstants(c: ModelConstants): AtomsConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'NumShared', 'MaxAtoms', 'MaxVal', 'ValidMax', 'MaxStamp', 'Bug']);
  const MaxAtoms = intConstant(MODULE, c, 'MaxAtoms', 1, 8);
  const MaxVal = intConstant(MODULE, c, 'MaxVal', 0, 8);
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 8),
    NumShared: intConstant(MODULE, c, 'NumShared', 1, MaxAtoms),
    MaxAtoms,
    MaxVal,
    ValidMax: intConstant(MODULE, c, 'ValidMax', 0, MaxVal),
    MaxStamp: intConstant(MODULE, c, 'MaxStamp', 0, 8),
    Bug: choiceConstant(MODULE, c, 'Bug', ATOMS_BUGS),
  };
}

/** The validator (`Valid(v)`). */
export function valid(c: AtomsConstants, v: number): boolean {
  return v <= c.ValidMax;
}

/** The function every swap applies to the value it read (`F(v)`). */
export function swapFn(c: AtomsConstants, v: number): number {
  return (v + 1) % (c.MaxVal + 1);
}

/** `Init`: NumShared shared atoms (created by process 1, value 0, stamp 0) under refs `0..NumShared-1` in every table. */
export function atomsInit(c: AtomsConstants): AtomsState {
  const ids = Array.from({ length: c.MaxAtoms }, (_, a) => a);
  const procs = Array.from({ length: c.NumProcs }, () => 0);
  return {
    table: procs.map(() => ids.map((r) => (r < c.NumShared ? r : -1))),
    nextRef: c.NumShared,
    nextAtom: c.NumShared,
    val: ids.map(() => 0),
    stamp: ids.map(() => 0),
    creator: ids.map((a) => (a < c.NumShared ? 1 : 0)),
    shared: ids.map((a) => a < c.NumShared),
    hist: ids.map((a) => (a < c.NumShared ? [{ val: 0, stamp: 0, seen: 0 }] : [])),
    pc: procs.map(() => 'idle' as const),
    reg: procs.map(() => ({ ref: c.MaxAtoms, val: 0, stamp: 0 })),
  };
}

/** `Write(a, v, seen, ns)`: the shared part of every successful write (not an action). */
function write(s: AtomsState, a: number, v: number, seen: number, ns: number): Pick<AtomsState, 'val' | 'stamp' | 'hist'> {
  return {
    val: setAt(s.val, a, v),
    stamp: setAt(s.stamp, a, ns),
    hist: setAt(s.hist, a, [...s.hist[a]!, { val: v, stamp: ns, seen }]),
  };
}

/** `CanWrite(a)`: the model's write budget. */
function canWrite(c: AtomsConstants, s: AtomsState, a: number): boolean {
  return s.hist[a]!.length <= c.MaxStamp;
}

/** `StampMatches(a, st)`: the CAS stamp check, skipped by the seeded bug `cas-ignores-stamp`. */
function stampMatches(c: AtomsConstants, s: AtomsState, a: number, st: number): boolean {
  return s.stamp[a] === st || c.Bug === 'cas-ignores-stamp';
}

/** The atom under ref r in p's table, or -1. */
function lookup(s: AtomsState, p: number, r: number): number {
  return s.table[p - 1]![r] ?? -1;
}

/**
 * `atom`: p creates a private atom holding a valid `v` under a fresh ref; `undefined` when disabled.
 * @see Atoms.tla NewAtom
 */
export function newAtom(c: AtomsConstants, s: AtomsState, p: number, v: number): AtomsState | undefined {
  if (s.pc[p - 1] !== 'idle' || s.nextAtom >= c.MaxAtoms || s.nextRef >= c.MaxAtoms || !valid(c, v)) return undefined;
  const a = s.nextAtom;
  return {
    ...s,
    table: setAt(s.table, p - 1, setAt(s.table[p - 1]!, s.nextRef, a)),
    val: setAt(s.val, a, v),
    creator: setAt(s.creator, a, p),
    hist: setAt(s.hist, a, [{ val: v, stamp: 0, seen: 0 }]),
    nextRef: s.nextRef + 1,
    nextAtom: s.nextAtom + 1,
  };
}

/**
 * `deref`: p reads the value and stamp of the atom under ref `r` into its register.
 * @see Atoms.tla Deref
 */
export function deref(_c: AtomsConstants, s: AtomsState, p: number, r: number): AtomsState | undefined {
  const a = lookup(s, p, r);
  if (s.pc[p - 1] !== 'idle' || a < 0) return undefined;
  return { ...s, reg: setAt(s.reg, p - 1, { ref: r, val: s.val[a]!, stamp: s.stamp[a]! }) };
}

/**
 * `cas`: p writes `v` to the atom it last read iff the atom's stamp still equals the stamp read
 * and `v` is valid. Only successes are steps (a failing CAS changes nothing).
 * @see Atoms.tla CAS
 */
export function cas(c: AtomsConstants, s: AtomsState, p: number, v: number): AtomsState | undefined {
  const reg = s.reg[p - 1]!;
  if (s.pc[p - 1] !== 'idle' || reg.ref === c.MaxAtoms || !valid(c, v)) return undefined;
  const a = lookup(s, p, reg.ref);
  if (!stampMatches(c, s, a, reg.stamp) || !canWrite(c, s, a)) return undefined;
  return { ...s, ...write(s, a, v, reg.stamp, s.stamp[a]! + 1) };
}

/**
 * `reset!`: p writes a valid `v` to the atom under ref `r`, whatever its stamp (the seeded bug
 * `reset-keeps-stamp` leaves the stamp unchanged).
 * @see Atoms.tla Reset
 */
export function reset(c: AtomsConstants, s: AtomsState, p: number, r: number, v: number): AtomsState | undefined {
  const a = lookup(s, p, r);
  if (s.pc[p - 1] !== 'idle' || a < 0 || !valid(c, v) || !canWrite(c, s, a)) return undefined;
  const st = s.stamp[a]!;
  return { ...s, ...write(s, a, v, st, c.Bug === 'reset-keeps-stamp' ? st : st + 1) };
}

/**
 * `swap!`, first half: p reads the atom under ref `r` (a new swap when idle, or the same ref
 * again after a failed commit) and moves to `commit`.
 * @see Atoms.tla SwapRead
 */
export function swapRead(_c: AtomsConstants, s: AtomsState, p: number, r: number): AtomsState | undefined {
  const pc = s.pc[p - 1];
  const a = lookup(s, p, r);
  const ok = (pc === 'idle' && a >= 0) || (pc === 'retry' && r === s.reg[p - 1]!.ref);
  if (!ok) return undefined;
  return { ...s, reg: setAt(s.reg, p - 1, { ref: r, val: s.val[a]!, stamp: s.stamp[a]! }), pc: setAt(s.pc, p - 1, 'commit') };
}

/**
 * `swap!`, second half: CAS of `F(value read)` with the stamp read. A validator rejection ends the
 * swap without writing; a stale stamp sends p back to {@link swapRead} (`retry`).
 * @see Atoms.tla SwapCommit
 */
export function swapCommit(c: AtomsConstants, s: AtomsState, p: number): AtomsState | undefined {
  if (s.pc[p - 1] !== 'commit') return undefined;
  const reg = s.reg[p - 1]!;
  const a = lookup(s, p, reg.ref);
  const nv = swapFn(c, reg.val);
  if (!valid(c, nv)) return { ...s, pc: setAt(s.pc, p - 1, 'idle') };
  if (stampMatches(c, s, a, reg.stamp)) {
    if (!canWrite(c, s, a)) return undefined;
    return { ...s, ...write(s, a, nv, reg.stamp, s.stamp[a]! + 1), pc: setAt(s.pc, p - 1, 'idle') };
  }
  return { ...s, pc: setAt(s.pc, p - 1, 'retry') };
}

/** `TypeOK`. */
export function typeOK(c: AtomsConstants, s: AtomsState): boolean {
  const inRange = (x: number, hi: number): boolean => Number.isInteger(x) && x >= 0 && x <= hi;
  if (!inRange(s.nextRef, c.MaxAtoms) || !inRange(s.nextAtom, c.MaxAtoms)) return false;
  if (s.table.length !== c.NumProcs || s.pc.length !== c.NumProcs || s.reg.length !== c.NumProcs) return false;
  for (const t of s.table) {
    if (t.length !== c.MaxAtoms) return false;
    for (let r = 0; r < c.MaxAtoms; r++) {
      const a = t[r]!;
      if (a >= 0 && (r >= s.nextRef || a >= s.nextAtom)) return false;
    }
  }
  for (let a = 0; a < c.MaxAtoms; a++) {
    if (!inRange(s.val[a]!, c.MaxVal) || !inRange(s.stamp[a]!, c.MaxStamp) || !inRange(s.creator[a]!, c.NumProcs)) return false;
    if (typeof s.shared[a] !== 'boolean') return false;
    const h = s.hist[a]!;
    if (h.length > c.MaxStamp + 1) return false;
    if (!h.every((e) => inRange(e.val, c.MaxVal) && inRange(e.stamp, c.MaxStamp) && inRange(e.seen, c.MaxStamp))) return false;
  }
  return s.pc.every((x) => x === 'idle' || x === 'commit' || x === 'retry')
    && s.reg.every((g) => inRange(g.ref, c.MaxAtoms) && inRange(g.val, c.MaxVal) && inRange(g.stamp, c.MaxStamp));
}

/** `StaleStampNeverWrites`: every write after creation presented the stamp the atom had just before it. */
export function staleStampNeverWrites(s: AtomsState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    const h = s.hist[a]!;
    for (let i = 1; i < h.length; i++) if (h[i]!.seen !== h[i - 1]!.stamp) return false;
  }
  return true;
}

/** `StampGrowsByOne`: the stamp starts at 0 and each successful write adds exactly one. */
export function stampGrowsByOne(s: AtomsState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    const h = s.hist[a]!;
    for (let i = 0; i < h.length; i++) if (h[i]!.stamp !== i) return false;
  }
  return true;
}

/**
 * `Linearizable`: each atom's current value and stamp are the last entry of its one history, and
 * every read a process holds is a state from that history.
 */
export function linearizable(c: AtomsConstants, s: AtomsState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    const h = s.hist[a]!;
    const last = h[h.length - 1];
    if (last === undefined || s.val[a] !== last.val || s.stamp[a] !== last.stamp) return false;
  }
  for (let p = 1; p <= c.NumProcs; p++) {
    const g = s.reg[p - 1]!;
    if (g.ref === c.MaxAtoms) continue;
    const a = lookup(s, p, g.ref);
    if (!(s.hist[a] ?? []).some((e) => e.val === g.val && e.stamp === g.stamp)) return false;
  }
  return true;
}

const PC_CODE: Readonly<Record<AtomsPc, number>> = { idle: 0, commit: 1, retry: 2 };

/** Writes the canonical integer encoding of `s` into `out`; returns the number of words. */
export function atomsKeyInto(s: AtomsState, out: Int32Array): number {
  let n = 0;
  out[n++] = s.nextRef | (s.nextAtom << 8);
  for (let p = 0; p < s.pc.length; p++) {
    const t = s.table[p]!;
    for (let r = 0; r < t.length; r++) out[n++] = t[r]!;
    const g = s.reg[p]!;
    out[n++] = PC_CODE[s.pc[p]!] | (g.ref << 4) | (g.val << 12) | (g.stamp << 20);
  }
  for (let a = 0; a < s.val.length; a++) {
    const h = s.hist[a]!;
    out[n++] = s.val[a]! | (s.stamp[a]! << 8) | (s.creator[a]! << 16) | ((s.shared[a] ? 1 : 0) << 24) | (h.length << 25);
    for (let i = 0; i < h.length; i++) { const e = h[i]!; out[n++] = e.val | (e.stamp << 8) | (e.seen << 16); }
  }
  return n;
}

/** `toTla`: the state in tla-checker's JSON form (variables in sorted order). */
export function atomsToTla(s: AtomsState): Record<string, TlaJson> {
  const perAtom = <T>(xs: readonly T[], f: (x: T) => TlaJson): TlaJson => tlaRangeFn(0, xs.map(f));
  return {
    creator: perAtom(s.creator, (x) => x),
    hist: perAtom(s.hist, (h) => tlaSeq(h.map((e) => tlaRecord({ val: e.val, stamp: e.stamp, seen: e.seen })))),
    nextAtom: s.nextAtom,
    nextRef: s.nextRef,
    pc: tlaRangeFn(1, s.pc),
    reg: tlaRangeFn(1, s.reg.map((g) => tlaRecord({ ref: g.ref, val: g.val, stamp: g.stamp }))),
    shared: perAtom(s.shared, (x) => x),
    stamp: perAtom(s.stamp, (x) => x),
    table: tlaRangeFn(1, s.table.map((t) => tlaIntFn(t.flatMap((a, r) => (a >= 0 ? [[r, a] as const] : []))))),
    val: perAtom(s.val, (x) => x),
  };
}

/** Builds the Atoms state machine for one model's constants. */
export function instantiateAtoms(constants: ModelConstants): SpecInstance<AtomsState> {
  const c = atomsConstants(constants);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const refs = Array.from({ length: c.MaxAtoms }, (_, r) => r);
  const vals = Array.from({ length: c.MaxVal + 1 }, (_, v) => v);
  const action = (name: string, gen: (s: AtomsState, push: (t: AtomsState | undefined) => void) => void): SpecAction<AtomsState> => ({
    name,
    next: (s) => {
      const out: AtomsState[] = [];
      gen(s, (t) => { if (t !== undefined) out.push(t); });
      return out;
    },
  });
  const actions: SpecAction<AtomsState>[] = [
    action('NewAtom', (s, push) => { for (const p of procs) for (const v of vals) push(newAtom(c, s, p, v)); }),
    action('Deref', (s, push) => { for (const p of procs) for (const r of refs) push(deref(c, s, p, r)); }),
    action('CAS', (s, push) => { for (const p of procs) for (const v of vals) push(cas(c, s, p, v)); }),
    action('Reset', (s, push) => { for (const p of procs) for (const r of refs) for (const v of vals) push(reset(c, s, p, r, v)); }),
    action('SwapRead', (s, push) => { for (const p of procs) for (const r of refs) push(swapRead(c, s, p, r)); }),
    action('SwapCommit', (s, push) => { for (const p of procs) push(swapCommit(c, s, p)); }),
  ];
  const buf = new Int32Array(4096);
  return {
    init: () => [atomsInit(c)],
    actions,
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      StaleStampNeverWrites: staleStampNeverWrites,
      StampGrowsByOne: stampGrowsByOne,
      Linearizable: (s) => linearizable(c, s),
    },
    key: (s) => buf.subarray(0, atomsKeyInto(s, buf)).join(','),
    keyInto: atomsKeyInto,
    toTla: atomsToTla,
  };
}

/** The Atoms mirror (`spec/tla/Atoms.tla`). */
export const specModule: SpecModule<AtomsState> = { name: MODULE, instantiate: instantiateAtoms };
