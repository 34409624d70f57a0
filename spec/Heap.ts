/**
 * TypeScript mirror of `spec/tla/Heap.tla`: immutable cells behind a handle table, roots = atom
 * slots + process registers, stop-the-world collection. Same variables (`ht`, `mem`, `atoms`,
 * `regs`, `pub`), actions and invariants as the TLA+ module.
 *
 * States are packed into a small `Uint8Array` (never mutated once built) so that {@link
 * SpecInstance.key} is a short string and the explorer allocates little per state:
 * - a cell's content is a code: `0` = `FreeCell`, else `1 + kids * (MaxPayload + 1) + payload`,
 *   where `kids` is a bit set of handles (bit `h-1` for handle `h`);
 * - a set of handles (registers) is such a bit set.
 * The layout is fixed per model by {@link heapLayout}; {@link HeapCodec} reads it back.
 * @see Heap.tla
 * @module
 */
import { expectConstantNames, intConstant, ModelConstantsError, type TlaJson } from './MirrorSupport.js';
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';

/** A packed Heap (or GC) state; treat as immutable. */
export type PackedState = Uint8Array;

/** The model parameters shared by Heap.tla and GC.tla, read from a cfg. */
export interface HeapParams {
  /** Process names (model values), sorted. */
  readonly procs: readonly string[];
  /** `NumHandles`: handles are `1..numHandles`. */
  readonly numHandles: number;
  /** `NumAddrs`: addresses are `1..numAddrs`. */
  readonly numAddrs: number;
  /** `NumAtoms`: atom slots are `1..numAtoms`. */
  readonly numAtoms: number;
  /** `MaxPayload`: payloads are `0..maxPayload`. */
  readonly maxPayload: number;
  /** `MaxKids`: at most this many children per cell. */
  readonly maxKids: number;
}

/** Reads {@link HeapParams} from a model's constants (`Procs` as an array of names). */
export function readHeapParams(module: string, c: ModelConstants): HeapParams {
  const procs = c['Procs'];
  if (!Array.isArray(procs) || procs.length === 0 || procs.length > 4 || !procs.every((p) => typeof p === 'string')) {
    throw new ModelConstantsError(module, `constant Procs must be a non-empty array of up to 4 names, got ${JSON.stringify(procs)}`);
  }
  const numHandles = intConstant(module, c, 'NumHandles', 1, 8);
  const numAddrs = intConstant(module, c, 'NumAddrs', 1, 16);
  const numAtoms = intConstant(module, c, 'NumAtoms', 1, 8);
  const maxPayload = intConstant(module, c, 'MaxPayload', 0, 3);
  const maxKids = intConstant(module, c, 'MaxKids', 0, numHandles);
  if ((1 << numHandles) * (maxPayload + 1) + 1 > 255) {
    throw new ModelConstantsError(module, 'cell codes do not fit a byte: lower NumHandles or MaxPayload');
  }
  return { procs: [...new Set(procs as string[])].sort(), numHandles, numAddrs, numAtoms, maxPayload, maxKids };
}

/** Number of set bits. */
export function popcount(x: number): number {
  let n = 0;
  for (let y = x; y !== 0; y &= y - 1) n++;
  return n;
}

/** The handles of a bit set, ascending. */
export function handlesOf(mask: number): number[] {
  const out: number[] = [];
  for (let h = 1; mask >> (h - 1) !== 0; h++) if ((mask >> (h - 1)) & 1) out.push(h);
  return out;
}

/** Lowest handle in a non-empty bit set. */
export function lowestHandle(mask: number): number {
  return 31 - Math.clz32(mask & -mask) + 1;
}

/** Cell-content coding shared by Heap and GC: `0` is `FreeCell`. */
export class CellCodec {
  private readonly span: number;
  /** A codec for payloads `0..maxPayload`. */
  constructor(readonly maxPayload: number) {
    this.span = maxPayload + 1;
  }
  /** Code of the cell `[ch |-> kids, pl |-> pl]`. */
  cell(kids: number, pl: number): number {
    return 1 + kids * this.span + pl;
  }
  /** Children bit set of a code (`0` for `FreeCell`). */
  kids(code: number): number {
    return code === 0 ? 0 : Math.floor((code - 1) / this.span);
  }
  /** Payload of a non-free code. */
  payload(code: number): number {
    return (code - 1) % this.span;
  }
  /** The code as tla-checker shows the record. */
  toTla(code: number): TlaJson {
    if (code === 0) return { ch: [], pl: this.maxPayload + 1 };
    return { ch: handlesOf(this.kids(code)), pl: this.payload(code) };
  }
}

/** Offsets of the Heap variables inside a packed state. */
export interface HeapLayout {
  /** `ht[h]` at `ht + h - 1`. */
  readonly ht: number;
  /** `mem[a]` (a cell code) at `mem + a - 1`. */
  readonly mem: number;
  /** `atoms[i]` at `atoms + i - 1`. */
  readonly atoms: number;
  /** `regs[p]` (a bit set) at `regs + index of p`. */
  readonly regs: number;
  /** `pub[h]` (a cell code) at `pub + h - 1`. */
  readonly pub: number;
  /** First free offset after these variables. */
  readonly end: number;
}

/** Lays out `ht`, `mem`, `atoms`, `regs`, `pub` from offset `start`, with `regsGap` bytes after `regs`. */
export function heapLayout(p: HeapParams, start = 0, regsGap = 0): HeapLayout {
  const ht = start;
  const mem = ht + p.numHandles;
  const atoms = mem + p.numAddrs;
  const regs = atoms + p.numAtoms;
  const pub = regs + p.procs.length + regsGap;
  return { ht, mem, atoms, regs, pub, end: pub + p.numHandles };
}

/** Read-only views of the heap part of a packed state (shared by the Heap and GC mirrors). */
export class HeapCodec {
  /** The cell coding. */
  readonly cells: CellCodec;
  /** Bit set of all handles. */
  readonly allHandles: number;
  /** Creates the views for `params` with offsets `lay`. */
  constructor(readonly params: HeapParams, readonly lay: HeapLayout) {
    this.cells = new CellCodec(params.maxPayload);
    this.allHandles = (1 << params.numHandles) - 1;
  }
  /** Bit set of allocated handles (`Allocated`). */
  allocated(s: PackedState): number {
    let m = 0;
    for (let h = 1; h <= this.params.numHandles; h++) if (s[this.lay.ht + h - 1] !== 0) m |= 1 << (h - 1);
    return m;
  }
  /** Children bit set of what handle `h` resolves to (`Deref(h).ch`). */
  derefKids(s: PackedState, h: number): number {
    const a = s[this.lay.ht + h - 1]!;
    return a === 0 ? 0 : this.cells.kids(s[this.lay.mem + a - 1]!);
  }
  /** `Roots`: atom slots' handles and every register. */
  roots(s: PackedState): number {
    let m = 0;
    for (let i = 0; i < this.params.numAtoms; i++) {
      const h = s[this.lay.atoms + i]!;
      if (h !== 0) m |= 1 << (h - 1);
    }
    return m | this.regRoots(s);
  }
  /** Union of all registers (`RegRoots` in GC.tla). */
  regRoots(s: PackedState): number {
    let m = 0;
    for (let i = 0; i < this.params.procs.length; i++) m |= s[this.lay.regs + i]!;
    return m;
  }
  /** `Children(S)` for a bit set `S`. */
  children(s: PackedState, set: number): number {
    let m = 0;
    for (let r = set; r !== 0; r &= r - 1) m |= this.derefKids(s, lowestHandle(r));
    return m;
  }
  /** `Reachable` = `Closure(Roots)`. */
  reachable(s: PackedState): number {
    let set = this.roots(s);
    for (;;) {
      const t = set | this.children(s, set);
      if (t === set) return set;
      set = t;
    }
  }
  /** Lowest free address (`Min(FreeAddrs)`) other than `reserved`, or 0. */
  minFreeAddr(s: PackedState, reserved = 0): number {
    for (let a = 1; a <= this.params.numAddrs; a++) if (s[this.lay.mem + a - 1] === 0 && a !== reserved) return a;
    return 0;
  }
  /** `Immutable`: every allocated handle's cell equals its published content. */
  immutable(s: PackedState): boolean {
    for (let h = 1; h <= this.params.numHandles; h++) {
      const a = s[this.lay.ht + h - 1]!;
      if (a !== 0 && s[this.lay.mem + a - 1] !== s[this.lay.pub + h - 1]) return false;
    }
    return true;
  }
  /** `ReachableNeverFreed`: no reachable handle is released. */
  reachableNeverFreed(s: PackedState): boolean {
    const r = this.reachable(s);
    return (r & ~this.allocated(s)) === 0;
  }
  /** `NoDangling`: allocated handles resolve to cells, at pairwise distinct addresses. */
  noDangling(s: PackedState): boolean {
    let used = 0;
    for (let h = 1; h <= this.params.numHandles; h++) {
      const a = s[this.lay.ht + h - 1]!;
      if (a === 0) continue;
      if (s[this.lay.mem + a - 1] === 0) return false;
      if ((used >> (a - 1)) & 1) return false;
      used |= 1 << (a - 1);
    }
    return true;
  }
  /** `TypeOK` for the heap variables. */
  typeOK(s: PackedState): boolean {
    const p = this.params;
    const maxCode = this.cells.cell(this.allHandles, p.maxPayload);
    const okCode = (c: number): boolean => c === 0 || (c <= maxCode && popcount(this.cells.kids(c)) <= p.maxKids);
    for (let h = 0; h < p.numHandles; h++) {
      if (s[this.lay.ht + h]! > p.numAddrs || !okCode(s[this.lay.pub + h]!)) return false;
    }
    for (let a = 0; a < p.numAddrs; a++) if (!okCode(s[this.lay.mem + a]!)) return false;
    for (let i = 0; i < p.numAtoms; i++) if (s[this.lay.atoms + i]! > p.numHandles) return false;
    for (let i = 0; i < p.procs.length; i++) if ((s[this.lay.regs + i]! & ~this.allHandles) !== 0) return false;
    return true;
  }
  /** The heap variables as tla-checker shows them. */
  toTla(s: PackedState): Record<string, TlaJson> {
    const p = this.params;
    const seq = (off: number, n: number, f: (x: number) => TlaJson): TlaJson => ({ __tuple: Array.from({ length: n }, (_, i) => f(s[off + i]!)) });
    return {
      ht: seq(this.lay.ht, p.numHandles, (x) => x),
      mem: seq(this.lay.mem, p.numAddrs, (x) => this.cells.toTla(x)),
      atoms: seq(this.lay.atoms, p.numAtoms, (x) => x),
      regs: { __fn: p.procs.map((q, i) => [{ __model: q }, handlesOf(s[this.lay.regs + i]!)] as const) },
      pub: seq(this.lay.pub, p.numHandles, (x) => this.cells.toTla(x)),
    };
  }
}

/** A packed state's key: its bytes as a latin-1 string (compact, cheap). */
export function packedKey(s: PackedState): string {
  return String.fromCharCode.apply(null, s as unknown as number[]);
}

/** Every subset of bit set `mask` with at most `max` members. */
export function subsetsUpTo(mask: number, max: number): number[] {
  const out: number[] = [];
  for (let sub = mask; ; sub = (sub - 1) & mask) {
    if (popcount(sub) <= max) out.push(sub);
    if (sub === 0) break;
  }
  return out;
}

/** Instantiates the Heap mirror for one model. */
function instantiate(constants: ModelConstants): SpecInstance<PackedState> {
  expectConstantNames('Heap', constants, ['Procs', 'NumHandles', 'NumAddrs', 'NumAtoms', 'MaxPayload', 'MaxKids']);
  const p = readHeapParams('Heap', constants);
  const lay = heapLayout(p);
  const hc = new HeapCodec(p, lay);
  const np = p.procs.length;
  const bit = (h: number): number => 1 << (h - 1);

  /** @see Heap.tla Init */
  const init = (): PackedState[] => [new Uint8Array(lay.end)];

  /** @see Heap.tla Alloc */
  function* alloc(s: PackedState): Iterable<PackedState> {
    const free = hc.allHandles & ~hc.allocated(s);
    const x = hc.minFreeAddr(s);
    if (free === 0 || x === 0) return;
    const h = lowestHandle(free);
    for (let i = 0; i < np; i++) {
      for (const k of subsetsUpTo(s[lay.regs + i]!, p.maxKids)) {
        for (let v = 0; v <= p.maxPayload; v++) {
          const t = s.slice();
          const code = hc.cells.cell(k, v);
          t[lay.ht + h - 1] = x;
          t[lay.mem + x - 1] = code;
          t[lay.pub + h - 1] = code;
          t[lay.regs + i] = s[lay.regs + i]! | bit(h);
          yield t;
        }
      }
    }
  }

  /** @see Heap.tla Load */
  function* load(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      const r = s[lay.regs + i]!;
      const cs = hc.children(s, r) & ~r;
      for (let m = cs; m !== 0; m &= m - 1) {
        const t = s.slice();
        t[lay.regs + i] = r | (m & -m);
        yield t;
      }
    }
  }

  /** @see Heap.tla LoadAtom */
  function* loadAtom(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      for (let j = 0; j < p.numAtoms; j++) {
        const h = s[lay.atoms + j]!;
        if (h === 0 || (s[lay.regs + i]! & bit(h)) !== 0) continue;
        const t = s.slice();
        t[lay.regs + i] = s[lay.regs + i]! | bit(h);
        yield t;
      }
    }
  }

  /** @see Heap.tla StoreAtom */
  function* storeAtom(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      const hs = [0, ...handlesOf(s[lay.regs + i]!)];
      for (let j = 0; j < p.numAtoms; j++) {
        for (const h of hs) {
          if (s[lay.atoms + j] === h) continue;
          const t = s.slice();
          t[lay.atoms + j] = h;
          yield t;
        }
      }
    }
  }

  /** @see Heap.tla Drop */
  function* drop(s: PackedState): Iterable<PackedState> {
    for (let i = 0; i < np; i++) {
      const r = s[lay.regs + i]!;
      for (let m = r; m !== 0; m &= m - 1) {
        const t = s.slice();
        t[lay.regs + i] = r & ~(m & -m);
        yield t;
      }
    }
  }

  /** @see Heap.tla Collect */
  function* collect(s: PackedState): Iterable<PackedState> {
    const garbage = hc.allocated(s) & ~hc.reachable(s);
    if (garbage === 0) return;
    const t = s.slice();
    for (let m = garbage; m !== 0; m &= m - 1) {
      const h = lowestHandle(m);
      t[lay.mem + s[lay.ht + h - 1]! - 1] = 0;
      t[lay.ht + h - 1] = 0;
      t[lay.pub + h - 1] = 0;
    }
    yield t;
  }

  const actions: SpecAction<PackedState>[] = [
    { name: 'Alloc', next: alloc },
    { name: 'Load', next: load },
    { name: 'LoadAtom', next: loadAtom },
    { name: 'StoreAtom', next: storeAtom },
    { name: 'Drop', next: drop },
    { name: 'Collect', next: collect },
  ];
  return {
    init,
    actions,
    invariants: {
      TypeOK: (s) => hc.typeOK(s),
      Immutable: (s) => hc.immutable(s),
      ReachableNeverFreed: (s) => hc.reachableNeverFreed(s),
      NoDangling: (s) => hc.noDangling(s),
    },
    key: packedKey,
    toTla: (s) => hc.toTla(s),
  };
}

/** The Heap mirror (`spec/tla/Heap.tla`). */
export const Heap: SpecModule<PackedState> = { name: 'Heap', instantiate };
