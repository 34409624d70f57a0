/**
 * TypeScript mirror of `spec/tla/Capabilities.tla`: a process reaches only the atoms in its own
 * table; only an atom's creator may share it. Same variables, actions and invariants as the TLA+
 * module; pure functions over immutable states. Processes are `1..NumProcs` (arrays over
 * processes are indexed `p - 1`; sets of processes are bitmasks, bit `p - 1`).
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import {
  choiceConstant, expectConstantNames, intConstant, setAt, tlaIntFn, tlaIntSet, tlaRangeFn, tlaRecord, type TlaJson,
} from './MirrorSupport.js';

/** The seeded bugs `Capabilities.tla` knows (`"none"` in normal models). */
export const CAPABILITIES_BUGS = ['none', 'share-by-non-creator', 'deref-any-ref'] as const;
/** A seeded bug of `Capabilities.tla`. */
export type CapabilitiesBug = (typeof CAPABILITIES_BUGS)[number];

/** The constants of a Capabilities model (the cfg's `CONSTANTS`). */
export interface CapabilitiesConstants {
  /** Processes are `1..NumProcs`, all live. */
  readonly NumProcs: number;
  /** Bound on refs ever issued. */
  readonly MaxRefs: number;
  /** Bound on atoms ever created. */
  readonly MaxAtoms: number;
  /** The seeded bug. */
  readonly Bug: CapabilitiesBug;
}

/** A process's last access (`lastAccess[p]`); `ref === MaxRefs` and `atom === MaxAtoms` before any. */
export interface LastAccess {
  /** The ref used. */
  readonly ref: number;
  /** The atom reached. */
  readonly atom: number;
}

/** A state of `Capabilities.tla`. */
export interface CapabilitiesState {
  /** `table[p-1][r]`: the atom under ref r in p's table, or -1 when r is not in it. */
  readonly table: readonly (readonly number[])[];
  /** The global ref counter. */
  readonly nextRef: number;
  /** Atoms `0..nextAtom-1` exist. */
  readonly nextAtom: number;
  /** `creator[a]` (0 before creation). */
  readonly creator: readonly number[];
  /** `shared[a]` (monotonic). */
  readonly shared: readonly boolean[];
  /** `sharers[a]`, bitmasks over processes (auxiliary). */
  readonly sharers: readonly number[];
  /** `lastAccess[p-1]` (auxiliary). */
  readonly lastAccess: readonly LastAccess[];
}

const MODULE = 'Capabilities';

/**
 * Reads and checks a Capabilities model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function capabilitiesConstants(c: ModelConstants): CapabilitiesConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'MaxRefs', 'MaxAtoms', 'Bug']);
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 8),
    MaxRefs: intConstant(MODULE, c, 'MaxRefs', 1, 8),
    MaxAtoms: intConstant(MODULE, c, 'MaxAtoms', 1, 8),
    Bug: choiceConstant(MODULE, c, 'Bug', CAPABILITIES_BUGS),
  };
}

const bit = (p: number): number => 1 << (p - 1);

/** `Init`: no atoms, empty tables. */
export function capabilitiesInit(c: CapabilitiesConstants): CapabilitiesState {
  const atoms = Array.from({ length: c.MaxAtoms }, () => 0);
  const procs = Array.from({ length: c.NumProcs }, () => 0);
  return {
    table: procs.map(() => Array.from({ length: c.MaxRefs }, () => -1)),
    nextRef: 0,
    nextAtom: 0,
    creator: atoms.map(() => 0),
    shared: atoms.map(() => false),
    sharers: atoms.map(() => 0),
    lastAccess: procs.map(() => ({ ref: c.MaxRefs, atom: c.MaxAtoms })),
  };
}

/**
 * `atom`: p creates an atom under a fresh ref; p is its creator.
 * @see Capabilities.tla NewAtom
 */
export function newAtom(c: CapabilitiesConstants, s: CapabilitiesState, p: number): CapabilitiesState | undefined {
  if (s.nextRef >= c.MaxRefs || s.nextAtom >= c.MaxAtoms) return undefined;
  return {
    ...s,
    table: setAt(s.table, p - 1, setAt(s.table[p - 1]!, s.nextRef, s.nextAtom)),
    creator: setAt(s.creator, s.nextAtom, p),
    nextRef: s.nextRef + 1,
    nextAtom: s.nextAtom + 1,
  };
}

/**
 * `share`: p shares the atom under its ref `r` with `q`. Only the creator may (the seeded bug
 * `share-by-non-creator` lets any holder); q gets a fresh ref unless it already holds the atom.
 * A refused share changes nothing, so it is no step (`undefined`).
 * @see Capabilities.tla Share
 */
export function share(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number, q: number): CapabilitiesState | undefined {
  if (q === p) return undefined;
  const a = s.table[p - 1]![r] ?? -1;
  if (a < 0 || !(s.creator[a] === p || c.Bug === 'share-by-non-creator')) return undefined;
  let { table, nextRef } = s;
  if (!s.table[q - 1]!.includes(a)) {
    if (nextRef >= c.MaxRefs) return undefined;
    table = setAt(table, q - 1, setAt(table[q - 1]!, nextRef, a));
    nextRef += 1;
  }
  return { ...s, table, nextRef, shared: setAt(s.shared, a, true), sharers: setAt(s.sharers, a, s.sharers[a]! | bit(p)) };
}

/**
 * A `deref` or write by p through the issued ref `r`: allowed only through p's own table (a ref
 * outside it is capability-denied and changes nothing; the seeded bug `deref-any-ref` resolves it
 * through whichever table holds it). Returns every successor.
 * @see Capabilities.tla Access
 */
export function access(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number): CapabilitiesState[] {
  if (r >= s.nextRef) return [];
  const mine = s.table[p - 1]![r]!;
  const to = (atom: number): CapabilitiesState => ({ ...s, lastAccess: setAt(s.lastAccess, p - 1, { ref: r, atom }) });
  if (mine >= 0) return [to(mine)];
  if (c.Bug !== 'deref-any-ref') return [];
  const out: CapabilitiesState[] = [];
  for (let q = 1; q <= c.NumProcs; q++) {
    const a = s.table[q - 1]![r]!;
    if (a >= 0) out.push(to(a));
  }
  return out;
}

/** `TypeOK`. */
export function typeOK(c: CapabilitiesConstants, s: CapabilitiesState): boolean {
  const inRange = (x: number, hi: number): boolean => Number.isInteger(x) && x >= 0 && x <= hi;
  const allProcs = (1 << c.NumProcs) - 1;
  if (!inRange(s.nextRef, c.MaxRefs) || !inRange(s.nextAtom, c.MaxAtoms) || s.table.length !== c.NumProcs) return false;
  for (const t of s.table) {
    if (t.length !== c.MaxRefs) return false;
    for (let r = 0; r < t.length; r++) if (t[r]! >= 0 && (r >= s.nextRef || t[r]! >= s.nextAtom)) return false;
  }
  for (let a = 0; a < c.MaxAtoms; a++) {
    if (!inRange(s.creator[a]!, c.NumProcs) || typeof s.shared[a] !== 'boolean' || (s.sharers[a]! & ~allProcs) !== 0) return false;
  }
  return s.lastAccess.length === c.NumProcs && s.lastAccess.every((l) => inRange(l.ref, c.MaxRefs) && inRange(l.atom, c.MaxAtoms));
}

/** `CapabilityIsolation`: every process's last access went through its own table. */
export function capabilityIsolation(c: CapabilitiesConstants, s: CapabilitiesState): boolean {
  return s.lastAccess.every((l, i) => l.ref === c.MaxRefs || (s.table[i]![l.ref] !== -1 && s.table[i]![l.ref] === l.atom));
}

/** `OnlyCreatorShares`: only an atom's creator has ever shared it; shared iff its creator shared it. */
export function onlyCreatorShares(s: CapabilitiesState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    const w = s.sharers[a]!;
    const cr = s.creator[a]! > 0 ? bit(s.creator[a]!) : 0;
    if ((w & ~cr) !== 0 || s.shared[a] !== (w !== 0)) return false;
  }
  return true;
}

/** Writes the canonical integer encoding of `s` into `out`; returns the number of words. */
export function capabilitiesKeyInto(s: CapabilitiesState, out: Int32Array): number {
  let n = 0;
  out[n++] = s.nextRef | (s.nextAtom << 8);
  for (let p = 0; p < s.table.length; p++) {
    const t = s.table[p]!;
    for (let r = 0; r < t.length; r++) out[n++] = t[r]!;
    const l = s.lastAccess[p]!;
    out[n++] = l.ref | (l.atom << 8);
  }
  for (let a = 0; a < s.creator.length; a++) out[n++] = s.creator[a]! | ((s.shared[a] ? 1 : 0) << 8) | (s.sharers[a]! << 9);
  return n;
}

const procSet = (mask: number): TlaJson => {
  const out: number[] = [];
  for (let p = 1; mask >> (p - 1) !== 0; p++) if ((mask >> (p - 1)) & 1) out.push(p);
  return tlaIntSet(out);
};

/** `toTla`: the state in tla-checker's JSON form (variables in sorted order). */
export function capabilitiesToTla(s: CapabilitiesState): Record<string, TlaJson> {
  return {
    creator: tlaRangeFn(0, s.creator),
    lastAccess: tlaRangeFn(1, s.lastAccess.map((l) => tlaRecord({ ref: l.ref, atom: l.atom }))),
    nextAtom: s.nextAtom,
    nextRef: s.nextRef,
    shared: tlaRangeFn(0, s.shared),
    sharers: tlaRangeFn(0, s.sharers.map(procSet)),
    table: tlaRangeFn(1, s.table.map((t) => tlaIntFn(t.flatMap((a, r) => (a >= 0 ? [[r, a] as const] : []))))),
  };
}

/** Builds the Capabilities state machine for one model's constants. */
export function instantiateCapabilities(constants: ModelConstants): SpecInstance<CapabilitiesState> {
  const c = capabilitiesConstants(constants);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const refs = Array.from({ length: c.MaxRefs }, (_, r) => r);
  const action = (name: string, gen: (s: CapabilitiesState, out: CapabilitiesState[]) => void): SpecAction<CapabilitiesState> => ({
    name,
    next: (s) => {
      const out: CapabilitiesState[] = [];
      gen(s, out);
      return out;
    },
  });
  const buf = new Int32Array(4096);
  return {
    init: () => [capabilitiesInit(c)],
    actions: [
      action('NewAtom', (s, out) => { for (const p of procs) { const t = newAtom(c, s, p); if (t) out.push(t); } }),
      action('Share', (s, out) => {
        for (const p of procs) for (const r of refs) for (const q of procs) { const t = share(c, s, p, r, q); if (t) out.push(t); }
      }),
      action('Access', (s, out) => { for (const p of procs) for (const r of refs) out.push(...access(c, s, p, r)); }),
    ],
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      CapabilityIsolation: (s) => capabilityIsolation(c, s),
      OnlyCreatorShares: onlyCreatorShares,
    },
    key: (s) => buf.subarray(0, capabilitiesKeyInto(s, buf)).join(','),
    keyInto: capabilitiesKeyInto,
    toTla: capabilitiesToTla,
  };
}

/** The Capabilities mirror (`spec/tla/Capabilities.tla`). */
export const specModule: SpecModule<CapabilitiesState> = { name: MODULE, instantiate: instantiateCapabilities };
