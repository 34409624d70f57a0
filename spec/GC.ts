/**
 * TypeScript mirror of `spec/tla/GC.tla`: the heap of Heap.tla with a concurrent, moving,
 * snapshot-at-the-beginning collector (mark → sweep → evac → idle) running beside the mutators.
 * Same variables (`ht`, `mem`, `atoms`, `regs`, `rd`, `pub`, `colour`, `phase`, `cursor`, `ev`),
 * actions, invariants and seeded bugs (`Bug`) as the TLA+ module.
 *
 * States are packed `Uint8Array`s (see spec/Heap.ts for the heap part); the collector's part:
 * `rd` as two bytes per process (handle, address), `colour` one byte per handle (0 white,
 * 1 grey, 2 black), then `phase` (0 idle, 1 mark, 2 sweep, 3 evac), `cursor`, and `ev` as four
 * bytes (step 0 none / 1 copy / 2 swap / 3 free, handle, from, to).
 * @see GC.tla
 * @module
 */
import { choiceConstant, expectConstantNames, type TlaJson } from './MirrorSupport.js';
import {
  HeapCodec, handlesOf, heapLayout, lowestHandle, packedKey, readHeapParams, subsetsUpTo,
  type HeapLayout, type HeapParams, type PackedState,
} from './Heap.js';
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';

/** The seeded bugs of GC.tla (`"none"` for the correct collector). */
export const GC_BUGS = ['none', 'no-barrier', 'free-register-only', 'swap-before-copy', 'no-read-wait'] as const;
/** One of {@link GC_BUGS}. */
export type GCBug = (typeof GC_BUGS)[number];

const WHITE = 0, GREY = 1, BLACK = 2;
const IDLE = 0, MARK = 1, SWEEP = 2, EVAC = 3;
const EV_NONE = 0, EV_COPY = 1, EV_SWAP = 2, EV_FREE = 3;
const COLOUR_NAMES = ['white', 'grey', 'black'] as const;
const PHASE_NAMES = ['idle', 'mark', 'sweep', 'evac'] as const;
const EV_NAMES = ['none', 'copy', 'swap', 'free'] as const;

/** Offsets of every GC.tla variable in a packed state. */
export interface GCLayout extends HeapLayout {
  /** `rd[p].h` at `rdH + i`, `rd[p].a` at `rdA + i` (process index `i`). */
  readonly rdH: number;
  /** See {@link GCLayout.rdH}. */
  readonly rdA: number;
  /** `colour[h]` at `colour + h - 1`. */
  readonly colour: number;
  /** `phase`. */
  readonly phase: number;
  /** `cursor`. */
  readonly cursor: number;
  /** `ev.st`, `ev.h`, `ev.from`, `ev.to` at `ev .. ev + 3`. */
  readonly ev: number;
}

/** The layout of GC states for a model (rd sits between `regs` and `pub`). */
export function gcLayout(p: HeapParams): GCLayout {
  const np = p.procs.length;
  const h = heapLayout(p, 0, 2 * np);
  const rdH = h.regs + np;
  const rdA = rdH + np;
  const colour = h.end;
  const phase = colour + p.numHandles;
  return { ...h, rdH, rdA, colour, phase, cursor: phase + 1, ev: phase + 2, end: phase + 6 };
}

/** A GC model instance with its parameters and state views (for proofs and tools). */
export interface GCInstance extends SpecInstance<PackedState> {
  /** The model parameters. */
  readonly params: HeapParams;
  /** The seeded bug (`"none"` normally). */
  readonly bug: GCBug;
  /** Offsets of the variables. */
  readonly layout: GCLayout;
  /** Heap views over states of this instance. */
  readonly heap: HeapCodec;
}

/** Instantiates the GC mirror for one model (`Bug` defaults to `"none"` when absent). */
export function instantiateGC(constants: ModelConstants): GCInstance {
  const withBug = 'Bug' in constants ? constants : { ...constants, Bug: 'none' };
  expectConstantNames('GC', withBug, ['Procs', 'NumHandles', 'NumAddrs', 'NumAtoms', 'MaxPayload', 'MaxKids', 'Bug']);
  const p = readHeapParams('GC', withBug);
  const bug = choiceConstant('GC', withBug, 'Bug', GC_BUGS);
  const L = gcLayout(p);
  const hc = new HeapCodec(p, L);
  const np = p.procs.length;
  const NH = p.numHandles;
  const bit = (h: number): number => 1 << (h - 1);
  const busy = (s: PackedState, i: number): boolean => s[L.rdH + i] !== 0;
  const ofColour = (s: PackedState, c: number, onlyAllocated: boolean): number => {
    let m = 0;
    for (let h = 1; h <= NH; h++) {
      if (s[L.colour + h - 1] === c && (!onlyAllocated || s[L.ht + h - 1] !== 0)) m |= bit(h);
    }
    return m;
  };
  const greys = (s: PackedState): number => ofColour(s, GREY, false);
  const whites = (s: PackedState): number => ofColour(s, WHITE, true);
  const blacks = (s: PackedState): number => ofColour(s, BLACK, true);
  /** `FreeAddrs` minus the evacuation target; lowest one or 0. */
  const minFree = (s: PackedState): number => hc.minFreeAddr(s, s[L.ev] !== EV_NONE ? s[L.ev + 3]! : 0);
  /** `ShadeSet` applied in place to `t`. */
  const shadeSet = (t: Uint8Array, set: number): void => {
    for (let m = set; m !== 0; m &= m - 1) {
      const h = lowestHandle(m);
      if (t[L.colour + h - 1] === WHITE) t[L.colour + h - 1] = GREY;
    }
  };

  /** @see GC.tla Init */
  const init = (): PackedState[] => {
    const s = new Uint8Array(L.end);
    return [s];
  };

  // ---- mutator actions ----

  /** @see GC.tla Alloc */
  function* alloc(s: PackedState): Iterable<PackedState> {
    const free = hc.allHandles & ~hc.allocated(s);
    const x = minFree(s);
    if (free === 0 || x === 0) return;
    const h = lowestHandle(free);
    const ph = s[L.phase]!;
    const col = ph === MARK || ph === SWEEP ? BLACK : WHITE;
    for (let i = 0; i < np; i++) {
      if (busy(s, i)) continue;
      for (const k of subsetsUpTo(s[L.regs + i]!, p.maxKids)) {
        for (let v = 0; v <= p.maxPayload; v++) {
          const t = s.slice();
          const code = hc.cells.cell(k, v);
          t[L.ht + h - 1] = x;
          t[L.mem + x - 1] = code;
          t[L.pub + h - 1] = code;
          t[L.regs + i] = s[L.regs + i]! | bit(h);
          t[L.colour + h - 1] = col;
          yield t;
        }
      }
    }
  }

  /** @see GC.tla LoadBegin */
  function* loadBegin(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      if (busy(s, i)) continue;
      for (let m = s[L.regs + i]!; m !== 0; m &= m - 1) {
        const h = lowestHandle(m);
        const t = s.slice();
        t[L.rdH + i] = h;
        t[L.rdA + i] = s[L.ht + h - 1]!;
        yield t;
      }
    }
  }

  /** @see GC.tla LoadEnd */
  function* loadEnd(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      if (!busy(s, i)) continue;
      const a = s[L.rdA + i]!;
      const kids = a === 0 ? 0 : hc.cells.kids(s[L.mem + a - 1]!);
      const choices = kids === 0 ? [0] : handlesOf(kids).map(bit);
      for (const c of choices) {
        const t = s.slice();
        t[L.regs + i] = s[L.regs + i]! | c;
        t[L.rdH + i] = 0;
        t[L.rdA + i] = 0;
        yield t;
      }
    }
  }

  /** @see GC.tla LoadAtom */
  function* loadAtom(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      if (busy(s, i)) continue;
      for (let j = 0; j < p.numAtoms; j++) {
        const h = s[L.atoms + j]!;
        if (h === 0) continue;
        const t = s.slice();
        t[L.regs + i] = s[L.regs + i]! | bit(h);
        yield t;
      }
    }
  }

  /** @see GC.tla StoreAtom */
  function* storeAtom(s: PackedState): Iterable<PackedState> {
    const barrier = s[L.phase] === MARK && bug !== 'no-barrier';
    for (let i = 0; i < np; i++) {
      if (busy(s, i)) continue;
      const hs = [0, ...handlesOf(s[L.regs + i]!)];
      for (let j = 0; j < p.numAtoms; j++) {
        const old = s[L.atoms + j]!;
        for (const h of hs) {
          if (old === h) continue;
          const t = s.slice();
          t[L.atoms + j] = h;
          if (barrier && old !== 0 && t[L.colour + old - 1] === WHITE) t[L.colour + old - 1] = GREY;
          yield t;
        }
      }
    }
  }

  /** @see GC.tla Drop */
  function* drop(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      if (busy(s, i)) continue;
      const r = s[L.regs + i]!;
      for (let m = r; m !== 0; m &= m - 1) {
        const t = s.slice();
        t[L.regs + i] = r & ~(m & -m);
        yield t;
      }
    }
  }

  // ---- collector actions ----

  /** @see GC.tla StartMark */
  function* startMark(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== IDLE) return;
    const t = s.slice();
    if (bug !== 'free-register-only') shadeSet(t, hc.regRoots(s));
    t[L.phase] = MARK;
    t[L.cursor] = 1;
    yield t;
  }

  /** @see GC.tla ScanAtom */
  function* scanAtom(s: PackedState): Iterable<PackedState> {
    const c = s[L.cursor]!;
    if (s[L.phase] !== MARK || c < 1 || c > p.numAtoms) return;
    const t = s.slice();
    const h = s[L.atoms + c - 1]!;
    if (h !== 0 && t[L.colour + h - 1] === WHITE) t[L.colour + h - 1] = GREY;
    t[L.cursor] = c + 1;
    yield t;
  }

  /** @see GC.tla MarkStep */
  function* markStep(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== MARK || s[L.cursor] !== p.numAtoms + 1) return;
    const g = greys(s);
    if (g === 0) return;
    const h = lowestHandle(g);
    const t = s.slice();
    shadeSet(t, hc.derefKids(s, h));
    t[L.colour + h - 1] = BLACK;
    yield t;
  }

  /** @see GC.tla FinishMark */
  function* finishMark(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== MARK || s[L.cursor] !== p.numAtoms + 1 || greys(s) !== 0) return;
    const t = s.slice();
    t[L.phase] = SWEEP;
    t[L.cursor] = 0;
    yield t;
  }

  /** @see GC.tla Sweep */
  function* sweep(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== SWEEP) return;
    const w = whites(s);
    if (w === 0) return;
    const h = lowestHandle(w);
    const t = s.slice();
    t[L.mem + s[L.ht + h - 1]! - 1] = 0;
    t[L.ht + h - 1] = 0;
    t[L.pub + h - 1] = 0;
    yield t;
  }

  /** @see GC.tla FinishSweep */
  function* finishSweep(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== SWEEP || whites(s) !== 0) return;
    const t = s.slice();
    t[L.phase] = EVAC;
    yield t;
  }

  /** @see GC.tla EvacBegin */
  function* evacBegin(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== EVAC || s[L.ev] !== EV_NONE) return;
    const b = blacks(s);
    const x = minFree(s);
    if (b === 0 || x === 0) return;
    const h = lowestHandle(b);
    const t = s.slice();
    t[L.ev] = bug === 'swap-before-copy' ? EV_SWAP : EV_COPY;
    t[L.ev + 1] = h;
    t[L.ev + 2] = s[L.ht + h - 1]!;
    t[L.ev + 3] = x;
    yield t;
  }

  /** @see GC.tla EvacSkip */
  function* evacSkip(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== EVAC || s[L.ev] !== EV_NONE) return;
    const b = blacks(s);
    if (b === 0 || minFree(s) !== 0) return;
    const t = s.slice();
    t[L.colour + lowestHandle(b) - 1] = WHITE;
    yield t;
  }

  /** @see GC.tla CopyStep */
  function* copyStep(s: PackedState): Iterable<PackedState> {
    if (s[L.ev] !== EV_COPY) return;
    const t = s.slice();
    t[L.mem + s[L.ev + 3]! - 1] = s[L.mem + s[L.ev + 2]! - 1]!;
    t[L.ev] = bug === 'swap-before-copy' ? EV_FREE : EV_SWAP;
    yield t;
  }

  /** @see GC.tla SwapStep */
  function* swapStep(s: PackedState): Iterable<PackedState> {
    if (s[L.ev] !== EV_SWAP) return;
    const t = s.slice();
    t[L.ht + s[L.ev + 1]! - 1] = s[L.ev + 3]!;
    t[L.ev] = bug === 'swap-before-copy' ? EV_COPY : EV_FREE;
    yield t;
  }

  /** @see GC.tla FreeOld */
  function* freeOld(s: PackedState): Iterable<PackedState> {
    if (s[L.ev] !== EV_FREE) return;
    const from = s[L.ev + 2]!;
    if (bug !== 'no-read-wait') {
      for (let i = 0; i < np; i++) if (s[L.rdA + i] === from) return;
    }
    const t = s.slice();
    t[L.mem + from - 1] = 0;
    t[L.colour + s[L.ev + 1]! - 1] = WHITE;
    t[L.ev] = EV_NONE;
    t[L.ev + 1] = 0;
    t[L.ev + 2] = 0;
    t[L.ev + 3] = 0;
    yield t;
  }

  /** @see GC.tla FinishCycle */
  function* finishCycle(s: PackedState): Iterable<PackedState> {
    if (s[L.phase] !== EVAC || s[L.ev] !== EV_NONE || blacks(s) !== 0) return;
    const t = s.slice();
    t[L.phase] = IDLE;
    yield t;
  }

  const actions: SpecAction<PackedState>[] = [
    { name: 'Alloc', next: alloc },
    { name: 'LoadBegin', next: loadBegin },
    { name: 'LoadEnd', next: loadEnd },
    { name: 'LoadAtom', next: loadAtom },
    { name: 'StoreAtom', next: storeAtom },
    { name: 'Drop', next: drop },
    { name: 'StartMark', next: startMark },
    { name: 'ScanAtom', next: scanAtom },
    { name: 'MarkStep', next: markStep },
    { name: 'FinishMark', next: finishMark },
    { name: 'Sweep', next: sweep },
    { name: 'FinishSweep', next: finishSweep },
    { name: 'EvacBegin', next: evacBegin },
    { name: 'EvacSkip', next: evacSkip },
    { name: 'CopyStep', next: copyStep },
    { name: 'SwapStep', next: swapStep },
    { name: 'FreeOld', next: freeOld },
    { name: 'FinishCycle', next: finishCycle },
  ];

  /** @see GC.tla ToSpace */
  const toSpace = (s: PackedState): boolean => {
    for (let i = 0; i < np; i++) {
      const h = s[L.rdH + i]!;
      if (h === 0) continue;
      const a = s[L.rdA + i]!;
      const fromOk = s[L.ev] !== EV_NONE && a === s[L.ev + 2];
      if (a !== s[L.ht + h - 1] && !fromOk) return false;
      const content = a === 0 ? -1 : s[L.mem + a - 1]!;
      if (content !== s[L.pub + h - 1]) return false;
    }
    return true;
  };
  /** @see GC.tla TypeOK */
  const typeOK = (s: PackedState): boolean => {
    if (!hc.typeOK(s)) return false;
    for (let i = 0; i < np; i++) if (s[L.rdH + i]! > NH || s[L.rdA + i]! > p.numAddrs) return false;
    for (let h = 0; h < NH; h++) if (s[L.colour + h]! > BLACK) return false;
    return s[L.phase]! <= EVAC && s[L.cursor]! <= p.numAtoms + 1 && s[L.ev]! <= EV_FREE
      && s[L.ev + 1]! <= NH && s[L.ev + 2]! <= p.numAddrs && s[L.ev + 3]! <= p.numAddrs;
  };

  const toTla = (s: PackedState): Record<string, TlaJson> => {
    const base = hc.toTla(s);
    return {
      ...base,
      rd: { __fn: p.procs.map((q, i) => [{ __model: q }, { a: s[L.rdA + i]!, h: s[L.rdH + i]! }] as const) },
      colour: { __tuple: Array.from({ length: NH }, (_, h) => COLOUR_NAMES[s[L.colour + h]!]!) },
      phase: PHASE_NAMES[s[L.phase]!]!,
      cursor: s[L.cursor]!,
      ev: { from: s[L.ev + 2]!, h: s[L.ev + 1]!, st: EV_NAMES[s[L.ev]!]!, to: s[L.ev + 3]! },
    };
  };

  return {
    params: p,
    bug,
    layout: L,
    heap: hc,
    init,
    actions,
    invariants: {
      TypeOK: typeOK,
      Immutable: (s) => hc.immutable(s),
      ToSpace: toSpace,
      ReachableNeverFreed: (s) => hc.reachableNeverFreed(s),
      NoDangling: (s) => hc.noDangling(s),
    },
    key: packedKey,
    toTla,
  };
}

/** The GC mirror (`spec/tla/GC.tla`). */
export const GC: SpecModule<PackedState> = { name: 'GC', instantiate: instantiateGC };
