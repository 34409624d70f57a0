/**
 * TypeScript mirror of `spec/tla/Publication.tla`: processes on workers with private values,
 * publication into one shared heap (a one-way copy, once) before a value becomes reachable by
 * another process, an atom as a CAS on one word (value and stamp together), and a collector that
 * moves a published value by copy + handle swap + handshake while readers run. Same variables,
 * actions and invariants as the TLA+ module; pure functions over immutable states. Processes are
 * `1..NumProcs`, values `1..NumVals`, addresses `1..NumAddrs` (arrays are indexed `x - 1`; sets
 * of values or processes are bitmasks, bit `x - 1`).
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import { choiceConstant, expectConstantNames, intConstant, setAt, tlaIntSet, tlaRecord, tlaSeq, type TlaJson } from './MirrorSupport.js';

/** The seeded bugs `Publication.tla` knows (`"none"` in normal models). */
export const PUBLICATION_BUGS = ['none', 'publish-after-store', 'no-handshake', 'store-not-cas'] as const;
/** A seeded bug of `Publication.tla`. */
export type PublicationBug = (typeof PUBLICATION_BUGS)[number];

/** The constants of a Publication model (the cfg's `CONSTANTS`). */
export interface PublicationConstants {
  /** Processes are `1..NumProcs`, each on its own worker. */
  readonly NumProcs: number;
  /** Values are `1..NumVals`. */
  readonly NumVals: number;
  /** Shared-heap addresses are `1..NumAddrs`. */
  readonly NumAddrs: number;
  /** Bound on successful atom stores. */
  readonly MaxStamp: number;
  /** The seeded bug. */
  readonly Bug: PublicationBug;
}

/** The atom's one word: value (0: none) and stamp together. */
export interface AtomWord {
  /** The value the atom holds, or 0. */
  readonly val: number;
  /** The number of successful stores the word records. */
  readonly stamp: number;
}

/** Collector move steps (`ev.st`). */
export type MoveStep = 'none' | 'copy' | 'swap' | 'hs';

/** A state of `Publication.tla`. */
export interface PublicationState {
  /** `owner[v-1]`: the process that made value v (0: not made yet). */
  readonly owner: readonly number[];
  /** `pubd[v-1]`: value v has been published. */
  readonly pubd: readonly boolean[];
  /** `ht[v-1]`: shared-heap address of v's current copy (0: none). */
  readonly ht: readonly number[];
  /** `mem[a-1]`: the value whose intact copy is at address a (0: free). */
  readonly mem: readonly number[];
  /** The atom's word. */
  readonly atom: AtomWord;
  /** `snap[p-1]`: the word p last read from the atom. */
  readonly snap: readonly AtomWord[];
  /** `held[p-1]`: the values p can reach, as a bitmask over values. */
  readonly held: readonly number[];
  /** `rd[p-1]`: p's read in flight (`v = 0`: none). */
  readonly rd: readonly { readonly v: number; readonly a: number }[];
  /** The collector's move in progress. */
  readonly ev: { readonly st: MoveStep; readonly v: number; readonly from: number; readonly to: number };
  /** Processes yet to acknowledge the handshake, as a bitmask. */
  readonly ack: number;
  /** Ghost: successful atom stores. */
  readonly stores: number;
}

const MODULE = 'Publication';
const NO_READ = { v: 0, a: 0 } as const;
const NO_EVAC = { st: 'none', v: 0, from: 0, to: 0 } as const;
const EMPTY_WORD: AtomWord = { val: 0, stamp: 0 };
const bit = (x: number): number => 1 << (x - 1);
const has = (mask: number, x: number): boolean => (mask & bit(x)) !== 0;

/**
 * Reads and checks a Publication model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function publicationConstants(c: ModelConstants): PublicationConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'NumVals', 'NumAddrs', 'MaxStamp', 'Bug']);
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 4),
    NumVals: intConstant(MODULE, c, 'NumVals', 1, 4),
    NumAddrs: intConstant(MODULE, c, 'NumAddrs', 1, 6),
    MaxStamp: intConstant(MODULE, c, 'MaxStamp', 0, 4),
    Bug: choiceConstant(MODULE, c, 'Bug', PUBLICATION_BUGS),
  };
}

/** `Init`: nothing made, the heap empty, the atom empty, the collector idle. */
export function publicationInit(c: PublicationConstants): PublicationState {
  const procs = Array.from({ length: c.NumProcs }, () => 0);
  return {
    owner: Array.from({ length: c.NumVals }, () => 0),
    pubd: Array.from({ length: c.NumVals }, () => false),
    ht: Array.from({ length: c.NumVals }, () => 0),
    mem: Array.from({ length: c.NumAddrs }, () => 0),
    atom: EMPTY_WORD,
    snap: procs.map(() => EMPTY_WORD),
    held: procs,
    rd: procs.map(() => NO_READ),
    ev: NO_EVAC,
    ack: 0,
    stores: 0,
  };
}

/** The lowest free address not reserved by a move (`Min(FreeAddrs)`), or 0. */
function minFree(s: PublicationState): number {
  for (let x = 1; x <= s.mem.length; x++) if (s.mem[x - 1] === 0 && (s.ev.st === 'none' || x !== s.ev.to)) return x;
  return 0;
}

const shareable = (c: PublicationConstants, s: PublicationState, v: number): boolean => s.pubd[v - 1]! || c.Bug === 'publish-after-store';

/**
 * p makes a new value (the lowest unmade one) in its worker's private space.
 * @see Publication.tla Alloc
 */
export function alloc(s: PublicationState, p: number): PublicationState | undefined {
  const v = s.owner.indexOf(0) + 1;
  if (v === 0) return undefined;
  return { ...s, owner: setAt(s.owner, v - 1, p), held: setAt(s.held, p - 1, s.held[p - 1]! | bit(v)) };
}

/**
 * p publishes its private value v: one copy into the shared heap, once.
 * @see Publication.tla Publish
 */
export function publish(s: PublicationState, p: number, v: number): PublicationState | undefined {
  if (!has(s.held[p - 1]!, v) || s.owner[v - 1] !== p || s.pubd[v - 1]) return undefined;
  const x = minFree(s);
  if (x === 0) return undefined;
  return { ...s, mem: setAt(s.mem, x - 1, v), ht: setAt(s.ht, v - 1, x), pubd: setAt(s.pubd, v - 1, true) };
}

/**
 * p reads the atom's word (one atomic load) and reaches the value in it.
 * @see Publication.tla ReadAtom
 */
export function readAtom(s: PublicationState, p: number): PublicationState {
  const reach = s.atom.val === 0 ? 0 : bit(s.atom.val);
  return { ...s, snap: setAt(s.snap, p - 1, s.atom), held: setAt(s.held, p - 1, s.held[p - 1]! | reach) };
}

/**
 * p stores v into the atom: a CAS of the whole word against the word p last read.
 * @see Publication.tla Store
 */
export function store(c: PublicationConstants, s: PublicationState, p: number, v: number): PublicationState | undefined {
  if (!has(s.held[p - 1]!, v) || !shareable(c, s, v)) return undefined;
  const w = s.snap[p - 1]!;
  const same = s.atom.val === w.val && s.atom.stamp === w.stamp;
  if (!same && c.Bug !== 'store-not-cas') return undefined;
  if (w.stamp >= c.MaxStamp || s.stores >= c.MaxStamp) return undefined;
  return { ...s, atom: { val: v, stamp: w.stamp + 1 }, stores: s.stores + 1 };
}

/**
 * p hands v to q (a spawn or fork argument, or a join result).
 * @see Publication.tla Send
 */
export function send(c: PublicationConstants, s: PublicationState, p: number, q: number, v: number): PublicationState | undefined {
  if (p === q || !has(s.held[p - 1]!, v) || has(s.held[q - 1]!, v) || !shareable(c, s, v)) return undefined;
  return { ...s, held: setAt(s.held, q - 1, s.held[q - 1]! | bit(v)) };
}

/**
 * p starts reading a value in the shared heap: it resolves the handle.
 * @see Publication.tla ReadBegin
 */
export function readBegin(s: PublicationState, p: number, v: number): PublicationState | undefined {
  if (s.rd[p - 1]!.v !== 0 || !has(s.held[p - 1]!, v) || (!s.pubd[v - 1] && s.owner[v - 1] === p)) return undefined;
  return { ...s, rd: setAt(s.rd, p - 1, { v, a: s.ht[v - 1]! }) };
}

/**
 * p finishes its read.
 * @see Publication.tla ReadEnd
 */
export function readEnd(s: PublicationState, p: number): PublicationState | undefined {
  if (s.rd[p - 1]!.v === 0) return undefined;
  return { ...s, rd: setAt(s.rd, p - 1, NO_READ) };
}

/**
 * p acknowledges the collector's handshake at a point with no read in flight.
 * @see Publication.tla Ack
 */
export function ackStep(s: PublicationState, p: number): PublicationState | undefined {
  if (!has(s.ack, p) || s.rd[p - 1]!.v !== 0) return undefined;
  return { ...s, ack: s.ack & ~bit(p) };
}

/**
 * The collector begins moving published value v to the lowest free address.
 * @see Publication.tla MoveBegin
 */
export function moveBegin(s: PublicationState, v: number): PublicationState | undefined {
  if (s.ev.st !== 'none' || !s.pubd[v - 1]) return undefined;
  const x = minFree(s);
  if (x === 0) return undefined;
  return { ...s, ev: { st: 'copy', v, from: s.ht[v - 1]!, to: x } };
}

/**
 * The collector copies the value to its new address.
 * @see Publication.tla Copy
 */
export function copy(s: PublicationState): PublicationState | undefined {
  if (s.ev.st !== 'copy') return undefined;
  return { ...s, mem: setAt(s.mem, s.ev.to - 1, s.mem[s.ev.from - 1]!), ev: { ...s.ev, st: 'swap' } };
}

/**
 * The collector swaps the handle to the new copy and requests the handshake.
 * @see Publication.tla Swap
 */
export function swap(c: PublicationConstants, s: PublicationState): PublicationState | undefined {
  if (s.ev.st !== 'swap') return undefined;
  return { ...s, ht: setAt(s.ht, s.ev.v - 1, s.ev.to), ev: { ...s.ev, st: 'hs' }, ack: (1 << c.NumProcs) - 1 };
}

/**
 * The collector frees the old copy once every process has acknowledged the handshake.
 * @see Publication.tla FreeOld
 */
export function freeOld(c: PublicationConstants, s: PublicationState): PublicationState | undefined {
  if (s.ev.st !== 'hs' || (s.ack !== 0 && c.Bug !== 'no-handshake')) return undefined;
  return { ...s, mem: setAt(s.mem, s.ev.from - 1, 0), ev: NO_EVAC, ack: 0 };
}

/** `NeverReadsUnpublished`: a process reaches another process's value only once it is published. */
export function neverReadsUnpublished(s: PublicationState): boolean {
  for (let p = 1; p <= s.held.length; p++) {
    for (let v = 1; v <= s.owner.length; v++) if (has(s.held[p - 1]!, v) && s.owner[v - 1] !== p && !s.pubd[v - 1]) return false;
  }
  return true;
}

/** `ReadsIntact`: a read in flight reads an intact copy of its value. */
export function readsIntact(s: PublicationState): boolean {
  for (const r of s.rd) if (r.v !== 0 && (r.a === 0 || s.mem[r.a - 1] !== r.v)) return false;
  return true;
}

/** `HandleCurrent`: every published value's handle resolves to an intact copy. */
export function handleCurrent(s: PublicationState): boolean {
  for (let v = 1; v <= s.pubd.length; v++) if (s.pubd[v - 1] && (s.ht[v - 1] === 0 || s.mem[s.ht[v - 1]! - 1] !== v)) return false;
  return true;
}

/** `StampExact`: the atom's stamp counts its successful stores exactly. */
export function stampExact(s: PublicationState): boolean {
  return s.atom.stamp === s.stores;
}

/** `TypeOK`. */
export function typeOK(c: PublicationConstants, s: PublicationState): boolean {
  const inR = (x: number, hi: number): boolean => Number.isInteger(x) && x >= 0 && x <= hi;
  const word = (w: AtomWord): boolean => inR(w.val, c.NumVals) && inR(w.stamp, c.MaxStamp);
  const pmask = (1 << c.NumProcs) - 1;
  const vmask = (1 << c.NumVals) - 1;
  return s.owner.every((o) => inR(o, c.NumProcs)) && s.ht.every((a) => inR(a, c.NumAddrs)) && s.mem.every((v) => inR(v, c.NumVals))
    && word(s.atom) && s.snap.every(word) && s.held.every((h) => (h & ~vmask) === 0)
    && s.rd.every((r) => inR(r.v, c.NumVals) && inR(r.a, c.NumAddrs))
    && inR(s.ev.v, c.NumVals) && inR(s.ev.from, c.NumAddrs) && inR(s.ev.to, c.NumAddrs)
    && (s.ack & ~pmask) === 0 && inR(s.stores, c.MaxStamp);
}

const setOf = (mask: number): TlaJson => {
  const out: number[] = [];
  for (let x = 1; mask >> (x - 1) !== 0; x++) if ((mask >> (x - 1)) & 1) out.push(x);
  return tlaIntSet(out);
};
const wordTla = (w: AtomWord): TlaJson => tlaRecord({ val: w.val, stamp: w.stamp });

/** `toTla`: the state in tla-checker's JSON form. */
export function publicationToTla(s: PublicationState): Record<string, TlaJson> {
  return {
    ack: setOf(s.ack),
    atom: wordTla(s.atom),
    ev: tlaRecord({ st: s.ev.st, v: s.ev.v, from: s.ev.from, to: s.ev.to }),
    held: tlaSeq(s.held.map(setOf)),
    ht: tlaSeq(s.ht),
    mem: tlaSeq(s.mem),
    owner: tlaSeq(s.owner),
    pubd: tlaSeq(s.pubd),
    rd: tlaSeq(s.rd.map((r) => tlaRecord({ v: r.v, a: r.a }))),
    snap: tlaSeq(s.snap.map(wordTla)),
    stores: s.stores,
  };
}

const EV_CODE: Readonly<Record<MoveStep, number>> = { none: 0, copy: 1, swap: 2, hs: 3 };

/** Writes the canonical integer encoding of `s` into `out`; returns the number of words. */
export function publicationKeyInto(s: PublicationState, out: Int32Array): number {
  let n = 0;
  for (let v = 0; v < s.owner.length; v++) out[n++] = s.owner[v]! | ((s.pubd[v] ? 1 : 0) << 4) | (s.ht[v]! << 5);
  for (const m of s.mem) out[n++] = m;
  out[n++] = s.atom.val | (s.atom.stamp << 4) | (s.stores << 8) | (s.ack << 12);
  for (let p = 0; p < s.held.length; p++) {
    out[n++] = s.snap[p]!.val | (s.snap[p]!.stamp << 4) | (s.held[p]! << 8) | (s.rd[p]!.v << 16) | (s.rd[p]!.a << 20);
  }
  out[n++] = EV_CODE[s.ev.st] | (s.ev.v << 4) | (s.ev.from << 8) | (s.ev.to << 12);
  return n;
}

/** Builds the Publication state machine for one model's constants. */
export function instantiatePublication(constants: ModelConstants): SpecInstance<PublicationState> {
  const c = publicationConstants(constants);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const vals = Array.from({ length: c.NumVals }, (_, i) => i + 1);
  const action = (name: string, gen: (s: PublicationState, push: (t: PublicationState | undefined) => void) => void): SpecAction<PublicationState> => ({
    name,
    next: (s) => {
      const out: PublicationState[] = [];
      gen(s, (t) => { if (t !== undefined) out.push(t); });
      return out;
    },
  });
  const buf = new Int32Array(4096);
  return {
    init: () => [publicationInit(c)],
    actions: [
      action('Alloc', (s, push) => { for (const p of procs) push(alloc(s, p)); }),
      action('Publish', (s, push) => { for (const p of procs) for (const v of vals) push(publish(s, p, v)); }),
      action('ReadAtom', (s, push) => { for (const p of procs) push(readAtom(s, p)); }),
      action('Store', (s, push) => { for (const p of procs) for (const v of vals) push(store(c, s, p, v)); }),
      action('Send', (s, push) => { for (const p of procs) for (const q of procs) for (const v of vals) push(send(c, s, p, q, v)); }),
      action('ReadBegin', (s, push) => { for (const p of procs) for (const v of vals) push(readBegin(s, p, v)); }),
      action('ReadEnd', (s, push) => { for (const p of procs) push(readEnd(s, p)); }),
      action('Ack', (s, push) => { for (const p of procs) push(ackStep(s, p)); }),
      action('MoveBegin', (s, push) => { for (const v of vals) push(moveBegin(s, v)); }),
      action('Copy', (s, push) => push(copy(s))),
      action('Swap', (s, push) => push(swap(c, s))),
      action('FreeOld', (s, push) => push(freeOld(c, s))),
    ],
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      NeverReadsUnpublished: neverReadsUnpublished,
      ReadsIntact: readsIntact,
      HandleCurrent: handleCurrent,
      StampExact: stampExact,
    },
    key: (s) => buf.subarray(0, publicationKeyInto(s, buf)).join(','),
    keyInto: publicationKeyInto,
    toTla: publicationToTla,
  };
}

/** The Publication mirror (`spec/tla/Publication.tla`). */
export const specModule: SpecModule<PublicationState> = { name: MODULE, instantiate: instantiatePublication };
