/**
 * TypeScript mirror of `spec/tla/Kernel.tla` as a finite model: every concern composed —
 * processes with atom tables (Atoms, Fork, Capabilities) and a heap with the concurrent, moving
 * collector (Heap, GC) running beside them — for the explicit-state explorer and the TS ≡ TLA+
 * conformance test ({@link instantiateKernel}, {@link specModule}).
 *
 * It instantiates the generic actions of `spec/KernelActions.ts` with values = heap handles
 * (`0` = nil), plus the heap and collector state of GC.tla, bounded by the model's constants.
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import { choiceConstant, expectConstantNames, intConstant, tlaIntFn, tlaIntSet, tlaRangeFn, tlaRecord, type TlaJson } from './MirrorSupport.js';
import {
  CAS, capabilityIsolation, Deref, Drop, Exit, Fork, forkIsolation, Hold, holders, initState, isRefusal, NewAtom, Reset, Share, sharedRef, Spawn,
  staleStampNeverWrites, type KAtom, type KernelState, type KResult, type ValueDomain,
} from './KernelActions.js';
// ---------------------------------------------------------------------------------------------
// The finite model: values are heap handles, plus the heap and the concurrent collector

/** The seeded bugs `Kernel.tla` knows (`"none"` in normal models). */
export const KERNEL_BUGS = ['none', 'gc-ignores-atom-tables'] as const;
/** A seeded bug of `Kernel.tla`. */
export type KernelBug = (typeof KERNEL_BUGS)[number];

/** The constants of a Kernel model (the cfg's `CONSTANTS`). */
export interface KernelConstants {
  /** Process ids are `1..NumProcs`; process 1 is live at the start. */
  readonly NumProcs: number;
  /** Bound on refs ever issued. */
  readonly MaxRefs: number;
  /** Bound on atoms ever created. */
  readonly MaxAtoms: number;
  /** Bound on successful writes per atom. */
  readonly MaxStamp: number;
  /** Handles are `1..NumHandles` (0 = nil). */
  readonly NumHandles: number;
  /** Addresses are `1..NumAddrs`. */
  readonly NumAddrs: number;
  /** Payloads are `0..MaxPayload`. */
  readonly MaxPayload: number;
  /** A cell has at most MaxKids children. */
  readonly MaxKids: number;
  /** The seeded bug. */
  readonly Bug: KernelBug;
}

/** A heap cell: children as a bitmask over handles (bit h) and a payload. */
export interface Cell {
  /** Children (bit h set = handle h). */
  readonly ch: number;
  /** Payload (`MaxPayload + 1` marks a free address). */
  readonly pl: number;
}

/** The evacuation in progress (`ev`). */
export interface Evac {
  /** `none`, `copy`, `swap` or `free`. */
  readonly st: 'none' | 'copy' | 'swap' | 'free';
  /** The handle being moved. */
  readonly h: number;
  /** Its old address. */
  readonly from: number;
  /** Its reserved new address. */
  readonly to: number;
}

/** Collector colours. */
export type Colour = 'white' | 'grey' | 'black';

/** The heap and collector variables of Kernel.tla (arrays over handles/addresses are 1-based, index 0 unused). */
export interface HeapState {
  /** `ht[h]`: the address of handle h (0 = not allocated). */
  readonly ht: readonly number[];
  /** `mem[x]`: the cell at address x. */
  readonly mem: readonly Cell[];
  /** `rd[p]`: the read in flight of process p (`h` = 0 when none), indexed by pid. */
  readonly rd: readonly { readonly h: number; readonly a: number }[];
  /** `pub[h]`: ghost, the content published for h. */
  readonly pub: readonly Cell[];
  /** `colour[h]`. */
  readonly colour: readonly Colour[];
  /** `phase`. */
  readonly phase: 'idle' | 'mark' | 'sweep' | 'evac';
  /** `cursor`: the next atom to scan while marking. */
  readonly cursor: number;
  /** `ev`. */
  readonly ev: Evac;
}

/** A state of the finite model: the generic state over handles, and the heap. */
export interface KernelModelState {
  /** Processes and atoms (values are handles, 0 = nil; a register is named by its handle). */
  readonly k: KernelState<number>;
  /** Heap and collector. */
  readonly h: HeapState;
}

const MODULE = 'Kernel';

/**
 * Reads and checks a Kernel model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function kernelConstants(c: ModelConstants): KernelConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'MaxRefs', 'MaxAtoms', 'MaxStamp', 'NumHandles', 'NumAddrs', 'MaxPayload', 'MaxKids', 'Bug']);
  const NumHandles = intConstant(MODULE, c, 'NumHandles', 1, 8);
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 8),
    MaxRefs: intConstant(MODULE, c, 'MaxRefs', 1, 8),
    MaxAtoms: intConstant(MODULE, c, 'MaxAtoms', 1, 8),
    MaxStamp: intConstant(MODULE, c, 'MaxStamp', 0, 8),
    NumHandles,
    NumAddrs: intConstant(MODULE, c, 'NumAddrs', 1, 16),
    MaxPayload: intConstant(MODULE, c, 'MaxPayload', 0, 3),
    MaxKids: intConstant(MODULE, c, 'MaxKids', 0, NumHandles),
    Bug: choiceConstant(MODULE, c, 'Bug', KERNEL_BUGS),
  };
}

/** Handles compared as numbers; the finite model installs no validator. */
export const HANDLE_DOMAIN: ValueDomain<number> = { equals: (a, b) => a === b, compare: (a, b) => a - b, accepts: () => true };

const NO_EVAC: Evac = { st: 'none', h: 0, from: 0, to: 0 };
const NO_READ = { h: 0, a: 0 };

/** `Init`: process 1 alone, no atoms, empty heap, collector idle. */
export function kernelInit(c: KernelConstants): KernelModelState {
  const free: Cell = { ch: 0, pl: c.MaxPayload + 1 };
  return {
    k: initState<number>(1),
    h: {
      ht: new Array<number>(c.NumHandles + 1).fill(0),
      mem: new Array<Cell>(c.NumAddrs + 1).fill(free),
      rd: new Array(c.NumProcs + 1).fill(NO_READ),
      pub: new Array<Cell>(c.NumHandles + 1).fill(free),
      colour: new Array<Colour>(c.NumHandles + 1).fill('white'),
      phase: 'idle',
      cursor: 0,
      ev: NO_EVAC,
    },
  };
}

/** The finite model's action functions for one model's constants (each `@see Kernel.tla <name>`). */
export function kernelModel(c: KernelConstants) {
  const free: Cell = { ch: 0, pl: c.MaxPayload + 1 };
  const isFree = (x: Cell): boolean => x.pl === c.MaxPayload + 1;
  const handles = Array.from({ length: c.NumHandles }, (_, i) => i + 1);
  const addrs = Array.from({ length: c.NumAddrs }, (_, i) => i + 1);
  const bitsOf = (m: number): number[] => handles.filter((h) => (m >> h) & 1);
  const deref = (h: HeapState, x: number): Cell => (h.ht[x] === 0 ? free : h.mem[h.ht[x]!]!);
  const allocated = (h: HeapState): number[] => handles.filter((x) => h.ht[x] !== 0);
  const freeAddrs = (h: HeapState): number[] => addrs.filter((x) => isFree(h.mem[x]!) && (h.ev.st === 'none' || x !== h.ev.to));
  const busy = (s: KernelModelState, p: number): boolean => s.h.rd[p]!.h !== 0;
  const held = (k: KernelState<number>, a: number): boolean => holders(k, a).length > 0;
  const shade = (col: readonly Colour[], x: number): readonly Colour[] => (x !== 0 && col[x] === 'white' ? col.map((cc, i) => (i === x ? 'grey' : cc)) : col);
  const shadeSet = (col: readonly Colour[], xs: Iterable<number>): readonly Colour[] => {
    let out = col;
    for (const x of xs) out = shade(out, x);
    return out;
  };
  const greys = (h: HeapState): number[] => handles.filter((x) => h.colour[x] === 'grey');
  const whites = (h: HeapState): number[] => allocated(h).filter((x) => h.colour[x] === 'white');
  const blacks = (h: HeapState): number[] => allocated(h).filter((x) => h.colour[x] === 'black');
  const regRoots = (k: KernelState<number>): number[] => {
    const out = new Set<number>();
    for (const p of k.procs.values()) for (const x of p.regs.keys()) out.add(x);
    return [...out];
  };
  /** `AtomRoots`: the values of the atoms live processes reach. */
  const atomRoots = (k: KernelState<number>): number[] => {
    const out = new Set<number>();
    for (const p of k.procs.values()) for (const a of p.table.values()) if (k.atoms[a]!.value !== 0) out.add(k.atoms[a]!.value);
    return [...out];
  };
  const reachable = (s: KernelModelState): Set<number> => {
    const seen = new Set<number>([...atomRoots(s.k), ...regRoots(s.k)]);
    const todo = [...seen];
    while (todo.length > 0) for (const x of bitsOf(deref(s.h, todo.pop()!).ch)) if (!seen.has(x)) { seen.add(x); todo.push(x); }
    return seen;
  };
  const ok = (r: KResult<number>): KernelState<number> | undefined => (isRefusal(r) ? undefined : r);
  /** The write barrier: while marking, a write shades the value it overwrites. */
  const barrier = (s: KernelModelState, a: number): HeapState => (s.h.phase === 'mark' ? { ...s.h, colour: shade(s.h.colour, s.k.atoms[a]!.value) } : s.h);
  const canWrite = (s: KernelModelState, p: number, r: number): number | undefined => {
    const a = s.k.procs.get(p)?.table.get(r);
    return a !== undefined && s.k.atoms[a]!.stamp < c.MaxStamp ? a : undefined;
  };

  return {
    /** @see Kernel.tla NewAtom */
    NewAtom(s: KernelModelState, p: number, v: number): KernelModelState | undefined {
      if (busy(s, p) || s.k.nextRef >= c.MaxRefs || s.k.atoms.length >= c.MaxAtoms) return undefined;
      if (v !== 0 && !s.k.procs.get(p)?.regs.has(v)) return undefined;
      const k = ok(NewAtom(s.k, p, v));
      return k && { k, h: s.h };
    },
    /** @see Kernel.tla Deref */
    Deref(s: KernelModelState, p: number, r: number): KernelModelState | undefined {
      if (busy(s, p)) return undefined;
      const k1 = ok(Deref(s.k, p, r));
      if (!k1) return undefined;
      const v = s.k.atoms[k1.procs.get(p)!.table.get(r)!]!.value;
      const k = v === 0 ? k1 : ok(Hold(k1, p, v, v));
      return k === s.k ? undefined : k && { k, h: s.h };
    },
    /** @see Kernel.tla CAS */
    CAS(s: KernelModelState, p: number, v: number): KernelModelState | undefined {
      const pr = s.k.procs.get(p);
      if (busy(s, p) || !pr || pr.seen === null || (v !== 0 && !pr.regs.has(v))) return undefined;
      const a = canWrite(s, p, pr.seen.ref);
      if (a === undefined) return undefined;
      const k = ok(CAS(HANDLE_DOMAIN, s.k, p, pr.seen.ref, pr.seen.stamp, v));
      return k && { k, h: barrier(s, a) };
    },
    /** @see Kernel.tla Reset */
    Reset(s: KernelModelState, p: number, r: number, v: number): KernelModelState | undefined {
      const pr = s.k.procs.get(p);
      if (busy(s, p) || !pr || (v !== 0 && !pr.regs.has(v))) return undefined;
      const a = canWrite(s, p, r);
      if (a === undefined) return undefined;
      const k = ok(Reset(HANDLE_DOMAIN, s.k, p, r, v));
      return k && { k, h: barrier(s, a) };
    },
    /** @see Kernel.tla Share */
    Share(s: KernelModelState, p: number, r: number, q: number): KernelModelState | undefined {
      if (busy(s, p)) return undefined;
      const a = s.k.procs.get(p)?.table.get(r);
      if (a !== undefined && s.k.procs.has(q) && sharedRef(s.k, q, a) === undefined && s.k.nextRef >= c.MaxRefs) return undefined;
      const k = ok(Share(s.k, p, r, q));
      return k && k !== s.k ? { k, h: s.h } : undefined;
    },
    /** @see Kernel.tla Fork */
    Fork(s: KernelModelState, p: number): KernelModelState | undefined {
      const pr = s.k.procs.get(p);
      if (busy(s, p) || !pr || s.k.nextPid > c.NumProcs) return undefined;
      let n = 0;
      for (const a of pr.table.values()) if (!s.k.atoms[a]!.shared) n++;
      if (s.k.atoms.length + n > c.MaxAtoms) return undefined;
      const k = ok(Fork(s.k, p));
      return k && { k, h: s.h };
    },
    /** @see Kernel.tla Spawn */
    Spawn(s: KernelModelState, p: number): KernelModelState | undefined {
      if (busy(s, p) || s.k.nextPid > c.NumProcs) return undefined;
      const k = ok(Spawn(s.k, p));
      return k && { k, h: s.h };
    },
    /** @see Kernel.tla Exit */
    Exit(s: KernelModelState, p: number): KernelModelState | undefined {
      const pr = s.k.procs.get(p);
      if (busy(s, p) || !pr) return undefined;
      const k = ok(Exit(s.k, p));
      // the deletion barrier on the dropped table
      return k && { k, h: s.h.phase === 'mark' ? { ...s.h, colour: shadeSet(s.h.colour, [...pr.table.values()].map((a) => s.k.atoms[a]!.value)) } : s.h };
    },
    /** @see Kernel.tla Alloc */
    Alloc(s: KernelModelState, p: number, kids: number, v: number): KernelModelState | undefined {
      const pr = s.k.procs.get(p);
      if (!pr || busy(s, p)) return undefined;
      const fh = handles.find((x) => s.h.ht[x] === 0);
      const fa = freeAddrs(s.h)[0];
      if (fh === undefined || fa === undefined) return undefined;
      const ks = bitsOf(kids);
      if (ks.length > c.MaxKids || !ks.every((x) => pr.regs.has(x))) return undefined;
      const cell: Cell = { ch: kids, pl: v };
      const k = ok(Hold(s.k, p, fh, fh))!;
      const h = s.h;
      return {
        k,
        h: {
          ...h,
          ht: h.ht.map((x, i) => (i === fh ? fa : x)),
          mem: h.mem.map((x, i) => (i === fa ? cell : x)),
          pub: h.pub.map((x, i) => (i === fh ? cell : x)),
          colour: h.colour.map((x, i) => (i === fh ? (h.phase === 'mark' || h.phase === 'sweep' ? 'black' : 'white') : x)),
        },
      };
    },
    /** @see Kernel.tla LoadBegin */
    LoadBegin(s: KernelModelState, p: number, x: number): KernelModelState | undefined {
      if (busy(s, p) || !s.k.procs.get(p)?.regs.has(x)) return undefined;
      return { k: s.k, h: { ...s.h, rd: s.h.rd.map((r, i) => (i === p ? { h: x, a: s.h.ht[x]! } : r)) } };
    },
    /** @see Kernel.tla LoadEnd (one successor per child kept) */
    LoadEnd(s: KernelModelState, p: number): KernelModelState[] {
      if (!busy(s, p)) return [];
      const rdp = s.h.rd[p]!;
      const h = { ...s.h, rd: s.h.rd.map((r, i) => (i === p ? NO_READ : r)) };
      const kids = rdp.a === 0 ? [] : bitsOf(s.h.mem[rdp.a]!.ch);
      if (kids.length === 0) return [{ k: s.k, h }];
      return kids.map((x) => ({ k: ok(Hold(s.k, p, x, x))!, h }));
    },
    /** @see Kernel.tla Drop */
    Drop(s: KernelModelState, p: number, x: number): KernelModelState | undefined {
      if (busy(s, p) || !s.k.procs.get(p)?.regs.has(x)) return undefined;
      return { k: ok(Drop(s.k, p, x))!, h: s.h };
    },
    /** @see Kernel.tla StartMark */
    StartMark(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'idle') return undefined;
      return { k: s.k, h: { ...s.h, colour: shadeSet(s.h.colour, regRoots(s.k)), phase: 'mark', cursor: 0 } };
    },
    /** @see Kernel.tla ScanAtom */
    ScanAtom(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'mark' || s.h.cursor >= c.MaxAtoms) return undefined;
      const a = s.h.cursor;
      const scan = c.Bug !== 'gc-ignores-atom-tables' && a < s.k.atoms.length && held(s.k, a);
      return { k: s.k, h: { ...s.h, colour: scan ? shade(s.h.colour, s.k.atoms[a]!.value) : s.h.colour, cursor: a + 1 } };
    },
    /** @see Kernel.tla MarkStep */
    MarkStep(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'mark' || s.h.cursor !== c.MaxAtoms) return undefined;
      const g = greys(s.h)[0];
      if (g === undefined) return undefined;
      const col = shadeSet(s.h.colour, bitsOf(deref(s.h, g).ch)).map((x, i) => (i === g ? 'black' : x));
      return { k: s.k, h: { ...s.h, colour: col } };
    },
    /** @see Kernel.tla FinishMark */
    FinishMark(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'mark' || s.h.cursor !== c.MaxAtoms || greys(s.h).length > 0) return undefined;
      return { k: s.k, h: { ...s.h, phase: 'sweep', cursor: 0 } };
    },
    /** @see Kernel.tla Sweep */
    Sweep(s: KernelModelState): KernelModelState | undefined {
      const w = s.h.phase === 'sweep' ? whites(s.h)[0] : undefined;
      if (w === undefined) return undefined;
      const x = s.h.ht[w]!;
      return { k: s.k, h: { ...s.h, mem: s.h.mem.map((m, i) => (i === x ? free : m)), ht: s.h.ht.map((y, i) => (i === w ? 0 : y)), pub: s.h.pub.map((m, i) => (i === w ? free : m)) } };
    },
    /** @see Kernel.tla FinishSweep */
    FinishSweep(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'sweep' || whites(s.h).length > 0) return undefined;
      return { k: s.k, h: { ...s.h, phase: 'evac' } };
    },
    /** @see Kernel.tla EvacBegin */
    EvacBegin(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'evac' || s.h.ev.st !== 'none') return undefined;
      const b = blacks(s.h)[0];
      const to = freeAddrs(s.h)[0];
      if (b === undefined || to === undefined) return undefined;
      return { k: s.k, h: { ...s.h, ev: { st: 'copy', h: b, from: s.h.ht[b]!, to } } };
    },
    /** @see Kernel.tla EvacSkip */
    EvacSkip(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'evac' || s.h.ev.st !== 'none') return undefined;
      const b = blacks(s.h)[0];
      if (b === undefined || freeAddrs(s.h).length > 0) return undefined;
      return { k: s.k, h: { ...s.h, colour: s.h.colour.map((x, i) => (i === b ? 'white' : x)) } };
    },
    /** @see Kernel.tla CopyStep */
    CopyStep(s: KernelModelState): KernelModelState | undefined {
      const ev = s.h.ev;
      if (ev.st !== 'copy') return undefined;
      return { k: s.k, h: { ...s.h, mem: s.h.mem.map((m, i) => (i === ev.to ? s.h.mem[ev.from]! : m)), ev: { ...ev, st: 'swap' } } };
    },
    /** @see Kernel.tla SwapStep */
    SwapStep(s: KernelModelState): KernelModelState | undefined {
      const ev = s.h.ev;
      if (ev.st !== 'swap') return undefined;
      return { k: s.k, h: { ...s.h, ht: s.h.ht.map((x, i) => (i === ev.h ? ev.to : x)), ev: { ...ev, st: 'free' } } };
    },
    /** @see Kernel.tla FreeOld */
    FreeOld(s: KernelModelState): KernelModelState | undefined {
      const ev = s.h.ev;
      if (ev.st !== 'free' || s.h.rd.some((r, i) => i > 0 && r.a === ev.from)) return undefined;
      return { k: s.k, h: { ...s.h, mem: s.h.mem.map((m, i) => (i === ev.from ? free : m)), colour: s.h.colour.map((x, i) => (i === ev.h ? 'white' : x)), ev: NO_EVAC } };
    },
    /** @see Kernel.tla FinishCycle */
    FinishCycle(s: KernelModelState): KernelModelState | undefined {
      if (s.h.phase !== 'evac' || s.h.ev.st !== 'none' || blacks(s.h).length > 0) return undefined;
      return { k: s.k, h: { ...s.h, phase: 'idle' } };
    },
    /** `ReachableNeverFreed`: no reachable handle has been released. */
    reachableNeverFreed: (s: KernelModelState): boolean => [...reachable(s)].every((x) => s.h.ht[x] !== 0),
    /** `NoDangling`: every allocated handle resolves to a cell, no two to one address. */
    noDangling: (s: KernelModelState): boolean => {
      const al = allocated(s.h);
      const used = new Set<number>();
      for (const x of al) {
        const a = s.h.ht[x]!;
        if (isFree(s.h.mem[a]!) || used.has(a)) return false;
        used.add(a);
      }
      return true;
    },
    /** `ToSpace`: a read in flight reads the current copy or the old one being retired, with the published content. */
    toSpace: (s: KernelModelState): boolean => {
      for (let p = 1; p <= c.NumProcs; p++) {
        const r = s.h.rd[p]!;
        if (r.h === 0) continue;
        if (r.a === 0 || !(r.a === s.h.ht[r.h] || (s.h.ev.st !== 'none' && r.a === s.h.ev.from))) return false;
        if (!cellEq(s.h.mem[r.a]!, s.h.pub[r.h]!)) return false;
      }
      return true;
    },
    /** `Immutable`: an allocated handle's content is the content published for it. */
    immutable: (s: KernelModelState): boolean => allocated(s.h).every((x) => cellEq(s.h.mem[s.h.ht[x]!]!, s.h.pub[x]!)),
    /** `TypeOK`. */
    typeOK: (s: KernelModelState): boolean => {
      const k = s.k;
      if (k.nextRef > c.MaxRefs || k.atoms.length > c.MaxAtoms || k.nextPid > c.NumProcs + 1) return false;
      for (const [p, pr] of k.procs) {
        if (p < 1 || p >= k.nextPid) return false;
        for (const [r, a] of pr.table) if (r >= k.nextRef || a >= k.atoms.length) return false;
        for (const [x, v] of pr.regs) if (x !== v || x < 1 || x > c.NumHandles) return false;
      }
      for (const a of k.atoms) if (a.value < 0 || a.value > c.NumHandles || a.stamp > c.MaxStamp || a.creator < 1 || a.creator > c.NumProcs) return false;
      return s.h.cursor <= c.MaxAtoms && s.h.ht.every((x) => x >= 0 && x <= c.NumAddrs);
    },
  };
}

const cellEq = (a: Cell, b: Cell): boolean => a.ch === b.ch && a.pl === b.pl;

const procSet = (xs: Iterable<number>): TlaJson => tlaIntSet(xs);
const cellTla = (x: Cell, handles: number): TlaJson => tlaRecord({ ch: tlaIntSet(Array.from({ length: handles }, (_, i) => i + 1).filter((h) => (x.ch >> h) & 1)), pl: x.pl });

/** `toTla`: a finite-model state in tla-checker's JSON form. */
export function kernelToTla(c: KernelConstants, s: KernelModelState): Record<string, TlaJson> {
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const atomIds = Array.from({ length: c.MaxAtoms }, (_, a) => a);
  const at = (a: number): KAtom<number> | undefined => s.k.atoms[a];
  const noSeen = tlaRecord({ atom: c.MaxAtoms, ref: c.MaxRefs, stamp: 0 });
  const handlesArr = Array.from({ length: c.NumHandles }, (_, i) => i + 1);
  const addrsArr = Array.from({ length: c.NumAddrs }, (_, i) => i + 1);
  return {
    colour: tlaRangeFn(1, handlesArr.map((h) => s.h.colour[h]!)),
    creator: tlaRangeFn(0, atomIds.map((a) => at(a)?.creator ?? 0)),
    cursor: s.h.cursor,
    ev: tlaRecord({ from: s.h.ev.from, h: s.h.ev.h, st: s.h.ev.st, to: s.h.ev.to }),
    ht: tlaRangeFn(1, handlesArr.map((h) => s.h.ht[h]!)),
    live: procSet(s.k.procs.keys()),
    mem: tlaRangeFn(1, addrsArr.map((x) => cellTla(s.h.mem[x]!, c.NumHandles))),
    nextAtom: s.k.atoms.length,
    nextPid: s.k.nextPid,
    nextRef: s.k.nextRef,
    phase: s.h.phase,
    pub: tlaRangeFn(1, handlesArr.map((h) => cellTla(s.h.pub[h]!, c.NumHandles))),
    rd: tlaRangeFn(1, procs.map((p) => tlaRecord({ a: s.h.rd[p]!.a, h: s.h.rd[p]!.h }))),
    regs: tlaRangeFn(1, procs.map((p) => procSet(s.k.procs.get(p)?.regs.keys() ?? []))),
    seen: tlaRangeFn(1, procs.map((p) => {
      const x = s.k.procs.get(p)?.seen;
      return x ? tlaRecord({ atom: x.atom, ref: x.ref, stamp: x.stamp }) : noSeen;
    })),
    shared: tlaRangeFn(0, atomIds.map((a) => at(a)?.shared ?? false)),
    stamp: tlaRangeFn(0, atomIds.map((a) => at(a)?.stamp ?? 0)),
    table: tlaRangeFn(1, procs.map((p) => tlaIntFn([...(s.k.procs.get(p)?.table ?? new Map<number, number>())].sort((x, y) => x[0] - y[0])))),
    val: tlaRangeFn(0, atomIds.map((a) => at(a)?.value ?? 0)),
    writers: tlaRangeFn(0, atomIds.map((a) => procSet(at(a)?.writers ?? []))),
    wseen: tlaRangeFn(0, atomIds.map((a) => at(a)?.wseen ?? 0)),
  };
}

/** A compact canonical key of a finite-model state. */
export function kernelKey(s: KernelModelState): string {
  const parts: string[] = [];
  for (const p of [...s.k.procs.keys()].sort((a, b) => a - b)) {
    const pr = s.k.procs.get(p)!;
    const t = [...pr.table].sort((a, b) => a[0] - b[0]).map(([r, a]) => `${r}:${a}`).join(',');
    const regs = [...pr.regs.keys()].sort((a, b) => a - b).join(',');
    const seen = pr.seen === null ? '-' : `${pr.seen.ref}.${pr.seen.atom}.${pr.seen.stamp}`;
    parts.push(`${p}[${t}|${regs}|${seen}]`);
  }
  parts.push(`/${s.k.nextPid}/${s.k.nextRef}/`);
  for (const a of s.k.atoms) parts.push(`${a.value}.${a.stamp}.${a.creator}.${a.shared ? 1 : 0}.${a.wseen}.${a.writers.join('+')}`);
  const h = s.h;
  parts.push(`#${h.ht.join(',')}#${h.mem.map((m) => `${m.ch}.${m.pl}`).join(',')}#${h.rd.map((r) => `${r.h}.${r.a}`).join(',')}#${h.pub.map((m) => `${m.ch}.${m.pl}`).join(',')}#${h.colour.map((x) => x[0]).join('')}#${h.phase}${h.cursor}#${h.ev.st}${h.ev.h}.${h.ev.from}.${h.ev.to}`);
  return parts.join(';');
}

/** Builds the Kernel state machine for one model's constants. */
export function instantiateKernel(constants: ModelConstants): SpecInstance<KernelModelState> {
  const c = kernelConstants(constants);
  const m = kernelModel(c);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const refs = Array.from({ length: c.MaxRefs }, (_, r) => r);
  const vals = Array.from({ length: c.NumHandles + 1 }, (_, v) => v);
  const handles = vals.slice(1);
  const payloads = Array.from({ length: c.MaxPayload + 1 }, (_, v) => v);
  const action = (name: string, gen: (s: KernelModelState, push: (t: KernelModelState | undefined) => void) => void): SpecAction<KernelModelState> => ({
    name,
    next: (s) => {
      const out: KernelModelState[] = [];
      gen(s, (t) => { if (t !== undefined) out.push(t); });
      return out;
    },
  });
  const live = (s: KernelModelState): number[] => procs.filter((p) => s.k.procs.has(p));
  const kidSets = (s: KernelModelState, p: number): number[] => {
    const regs = [...(s.k.procs.get(p)?.regs.keys() ?? [])];
    const out: number[] = [];
    for (let mask = 0; mask < 1 << regs.length; mask++) {
      let bits = 0;
      let n = 0;
      for (let i = 0; i < regs.length; i++) if ((mask >> i) & 1) { bits |= 1 << regs[i]!; n++; }
      if (n <= c.MaxKids) out.push(bits);
    }
    return out;
  };
  const one = (f: (s: KernelModelState) => KernelModelState | undefined) => (s: KernelModelState, push: (t: KernelModelState | undefined) => void) => push(f(s));
  return {
    init: () => [kernelInit(c)],
    actions: [
      action('NewAtom', (s, push) => { for (const p of live(s)) for (const v of vals) push(m.NewAtom(s, p, v)); }),
      action('Deref', (s, push) => { for (const p of live(s)) for (const r of refs) push(m.Deref(s, p, r)); }),
      action('CAS', (s, push) => { for (const p of live(s)) for (const v of vals) push(m.CAS(s, p, v)); }),
      action('Reset', (s, push) => { for (const p of live(s)) for (const r of refs) for (const v of vals) push(m.Reset(s, p, r, v)); }),
      action('Share', (s, push) => { for (const p of live(s)) for (const r of refs) for (const q of procs) push(m.Share(s, p, r, q)); }),
      action('Fork', (s, push) => { for (const p of live(s)) push(m.Fork(s, p)); }),
      action('Spawn', (s, push) => { for (const p of live(s)) push(m.Spawn(s, p)); }),
      action('Exit', (s, push) => { for (const p of live(s)) push(m.Exit(s, p)); }),
      action('Alloc', (s, push) => { for (const p of live(s)) for (const k of kidSets(s, p)) for (const v of payloads) push(m.Alloc(s, p, k, v)); }),
      action('LoadBegin', (s, push) => { for (const p of live(s)) for (const h of handles) push(m.LoadBegin(s, p, h)); }),
      action('LoadEnd', (s, push) => { for (const p of live(s)) for (const t of m.LoadEnd(s, p)) push(t); }),
      action('Drop', (s, push) => { for (const p of live(s)) for (const h of handles) push(m.Drop(s, p, h)); }),
      action('StartMark', one(m.StartMark)),
      action('ScanAtom', one(m.ScanAtom)),
      action('MarkStep', one(m.MarkStep)),
      action('FinishMark', one(m.FinishMark)),
      action('Sweep', one(m.Sweep)),
      action('FinishSweep', one(m.FinishSweep)),
      action('EvacBegin', one(m.EvacBegin)),
      action('EvacSkip', one(m.EvacSkip)),
      action('CopyStep', one(m.CopyStep)),
      action('SwapStep', one(m.SwapStep)),
      action('FreeOld', one(m.FreeOld)),
      action('FinishCycle', one(m.FinishCycle)),
    ],
    invariants: {
      TypeOK: m.typeOK,
      CapabilityIsolation: (s) => capabilityIsolation(s.k),
      ForkIsolation: (s) => forkIsolation(s.k),
      StaleStampNeverWrites: (s) => staleStampNeverWrites(s.k),
      ReachableNeverFreed: m.reachableNeverFreed,
      NoDangling: m.noDangling,
      ToSpace: m.toSpace,
      Immutable: m.immutable,
    },
    key: kernelKey,
    toTla: (s) => kernelToTla(c, s),
  };
}

/** The Kernel mirror (`spec/tla/Kernel.tla`). */
export const specModule: SpecModule<KernelModelState> = { name: MODULE, instantiate: instantiateKernel };
