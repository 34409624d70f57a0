/**
 * TypeScript mirror of `spec/tla/HwMemory.tla`: the coherence protocol of the hardware memory
 * model at the level of atomic directory transactions. Same variables, actions and invariants
 * as the TLA+ module; arrays are 0-based here (core `c` of the TLA+ module is index `c-1`), while
 * the values stored in `dir` and `owner` are TLA+ core numbers (1..NCores), as in the module.
 *
 * Atom lines are mutable lines under directory MESI; heap lines cycle free → init (one core
 * writes them privately) → immutable (any core caches them, untracked, never invalidated, writes
 * fault) → free (reclaimed, every copy dropped).
 * @module
 */
import { choiceConstant, expectConstantNames, intConstant, setAt, tlaIntSet, tlaSeq, type TlaJson } from './MirrorSupport.js';
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';

const MODULE = 'HwMemory';

/** The seeded protocol bugs (constant `Bug`); `none` is the correct protocol. */
export const HW_MEMORY_BUGS = ['none', 'no-invalidate-on-write', 'write-immutable-allowed', 'publish-no-writeback'] as const;

/** One of {@link HW_MEMORY_BUGS}. */
export type HwMemoryBug = (typeof HW_MEMORY_BUGS)[number];

/** A cache line state in a private cache. */
export type LineState = 'I' | 'S' | 'E' | 'M';

/** What the kernel declared a line to be. */
export type HwLineMode = 'mutable' | 'free' | 'init' | 'immutable';

/** A state of the HwMemory module (variables as in the TLA+ module). */
export interface HwMemoryState {
  /** `cache[c][l]`: state of line l in core c's cache. */
  readonly cache: readonly (readonly LineState[])[];
  /** `cdata[c][l]`: the data of that copy (0 when I). */
  readonly cdata: readonly (readonly number[])[];
  /** `mem[l]`: the line's value in the shared level. */
  readonly mem: readonly number[];
  /** `dir[l]`: tracked holders, as a bitmask of TLA+ core numbers (bit c for core c). */
  readonly dir: readonly number[];
  /** `mode[l]`: mutable (atom), free, init or immutable. */
  readonly mode: readonly HwLineMode[];
  /** `owner[l]`: the initialising core (TLA+ number), 0 when none. */
  readonly owner: readonly number[];
  /** `last[l]`: ghost, the latest written value. */
  readonly last: readonly number[];
  /** `immInv`: ghost, a copy of an immutable line was invalidated. */
  readonly immInv: boolean;
}

/** The constants of one model (as in the cfg). */
export interface HwMemoryConstants {
  /** Number of cores. */
  readonly NCores: number;
  /** Atom (always mutable) lines. */
  readonly NAtomLines: number;
  /** Heap lines (free / init / immutable). */
  readonly NHeapLines: number;
  /** Values are 0..MaxVal. */
  readonly MaxVal: number;
  /** The seeded bug. */
  readonly Bug: HwMemoryBug;
}

/** Reads and checks the constants of a model. @throws ModelConstantsError */
export function readHwMemoryConstants(c: ModelConstants): HwMemoryConstants {
  expectConstantNames(MODULE, c, ['NCores', 'NAtomLines', 'NHeapLines', 'MaxVal', 'Bug']);
  return {
    NCores: intConstant(MODULE, c, 'NCores', 1, 4),
    NAtomLines: intConstant(MODULE, c, 'NAtomLines', 0, 3),
    NHeapLines: intConstant(MODULE, c, 'NHeapLines', 0, 3),
    MaxVal: intConstant(MODULE, c, 'MaxVal', 0, 3),
    Bug: choiceConstant(MODULE, c, 'Bug', HW_MEMORY_BUGS),
  };
}

const bit = (core: number): number => 1 << core;

/** Instantiates the HwMemory state machine for a model's constants. */
export function instantiateHwMemory(constants: ModelConstants): SpecInstance<HwMemoryState> {
  const K = readHwMemoryConstants(constants);
  const nC = K.NCores;
  const nL = K.NAtomLines + K.NHeapLines;
  const cores = Array.from({ length: nC }, (_, i) => i + 1); // TLA+ numbers
  const lines = Array.from({ length: nL }, (_, i) => i + 1);
  const vals = Array.from({ length: K.MaxVal + 1 }, (_, i) => i);
  const isHeap = (l: number): boolean => l > K.NAtomLines;
  const st = (s: HwMemoryState, c: number, l: number): LineState => s.cache[c - 1][l - 1];

  /** Replaces line l's column of a per-core matrix with `f(core)`. */
  const column = <T>(m: readonly (readonly T[])[], l: number, f: (c: number) => T): (readonly T[])[] =>
    m.map((row, i) => setAt(row, l - 1, f(i + 1)));
  const cell = <T>(m: readonly (readonly T[])[], c: number, l: number, v: T): (readonly T[])[] => setAt(m, c - 1, setAt(m[c - 1], l - 1, v));

  const accessible = (s: HwMemoryState, c: number, l: number): boolean =>
    s.mode[l - 1] !== 'free' && (s.mode[l - 1] !== 'init' || s.owner[l - 1] === c);
  const owners = (s: HwMemoryState, c: number, l: number): number[] => cores.filter((d) => d !== c && (st(s, d, l) === 'E' || st(s, d, l) === 'M'));

  /** @see HwMemory.tla ReadMiss */
  function* readMiss(s: HwMemoryState): Iterable<HwMemoryState> {
    for (const c of cores) {
      for (const l of lines) {
        if (st(s, c, l) !== 'I' || !accessible(s, c, l)) continue;
        if (s.mode[l - 1] === 'immutable') {
          yield { ...s, cache: cell(s.cache, c, l, 'S'), cdata: cell(s.cdata, c, l, s.mem[l - 1]) };
          continue;
        }
        const os = owners(s, c, l);
        if (os.length > 0) {
          for (const d of os) {
            yield {
              ...s,
              cache: column(s.cache, l, (e) => (e === c || e === d ? 'S' : st(s, e, l))),
              cdata: cell(s.cdata, c, l, s.cdata[d - 1][l - 1]),
              mem: setAt(s.mem, l - 1, s.cdata[d - 1][l - 1]),
              dir: setAt(s.dir, l - 1, s.dir[l - 1] | bit(c)),
            };
          }
        } else {
          yield {
            ...s,
            cache: cell(s.cache, c, l, s.dir[l - 1] === 0 ? 'E' : 'S'),
            cdata: cell(s.cdata, c, l, s.mem[l - 1]),
            dir: setAt(s.dir, l - 1, s.dir[l - 1] | bit(c)),
          };
        }
      }
    }
  }

  const writable = (s: HwMemoryState, c: number, l: number): boolean =>
    s.mode[l - 1] === 'mutable' || (s.mode[l - 1] === 'init' && s.owner[l - 1] === c) || (s.mode[l - 1] === 'immutable' && K.Bug === 'write-immutable-allowed');

  /** @see HwMemory.tla Write */
  function* write(s: HwMemoryState): Iterable<HwMemoryState> {
    const inval = K.Bug !== 'no-invalidate-on-write';
    for (const c of cores) {
      for (const l of lines) {
        if (!writable(s, c, l)) continue;
        const victims = cores.some((d) => d !== c && st(s, d, l) !== 'I');
        for (const v of vals) {
          yield {
            ...s,
            cache: column(s.cache, l, (e) => (e === c ? 'M' : inval ? 'I' : st(s, e, l))),
            cdata: column(s.cdata, l, (e) => (e === c ? v : inval ? 0 : s.cdata[e - 1][l - 1])),
            dir: setAt(s.dir, l - 1, inval ? bit(c) : s.dir[l - 1] | bit(c)),
            immInv: s.immInv || (s.mode[l - 1] === 'immutable' && inval && victims),
            last: setAt(s.last, l - 1, v),
          };
        }
      }
    }
  }

  /** @see HwMemory.tla Evict */
  function* evict(s: HwMemoryState): Iterable<HwMemoryState> {
    for (const c of cores) {
      for (const l of lines) {
        const cs = st(s, c, l);
        if (cs === 'I') continue;
        yield {
          ...s,
          cache: cell(s.cache, c, l, 'I'),
          cdata: cell(s.cdata, c, l, 0),
          mem: cs === 'M' ? setAt(s.mem, l - 1, s.cdata[c - 1][l - 1]) : s.mem,
          dir: setAt(s.dir, l - 1, s.dir[l - 1] & ~bit(c)),
        };
      }
    }
  }

  /** @see HwMemory.tla Allocate */
  function* allocate(s: HwMemoryState): Iterable<HwMemoryState> {
    for (const c of cores) {
      for (const l of lines) {
        if (!isHeap(l) || s.mode[l - 1] !== 'free') continue;
        yield { ...s, mode: setAt(s.mode, l - 1, 'init'), owner: setAt(s.owner, l - 1, c) };
      }
    }
  }

  /** @see HwMemory.tla Publish */
  function* publish(s: HwMemoryState): Iterable<HwMemoryState> {
    for (const c of cores) {
      for (const l of lines) {
        if (s.mode[l - 1] !== 'init' || s.owner[l - 1] !== c) continue;
        const cs = st(s, c, l);
        yield {
          ...s,
          mode: setAt(s.mode, l - 1, 'immutable'),
          owner: setAt(s.owner, l - 1, 0),
          mem: cs === 'M' && K.Bug !== 'publish-no-writeback' ? setAt(s.mem, l - 1, s.cdata[c - 1][l - 1]) : s.mem,
          cache: cell(s.cache, c, l, cs === 'I' ? 'I' : 'S'),
          dir: setAt(s.dir, l - 1, 0),
        };
      }
    }
  }

  /** @see HwMemory.tla Reclaim */
  function* reclaim(s: HwMemoryState): Iterable<HwMemoryState> {
    for (const l of lines) {
      if (s.mode[l - 1] !== 'immutable') continue;
      yield { ...s, mode: setAt(s.mode, l - 1, 'free'), cache: column(s.cache, l, () => 'I'), cdata: column(s.cdata, l, () => 0) };
    }
  }

  const actions: SpecAction<HwMemoryState>[] = [
    { name: 'ReadMiss', next: readMiss },
    { name: 'Write', next: write },
    { name: 'Evict', next: evict },
    { name: 'Allocate', next: allocate },
    { name: 'Publish', next: publish },
    { name: 'Reclaim', next: reclaim },
  ];

  const holders = (s: HwMemoryState, l: number): number => cores.reduce((m, c) => (st(s, c, l) !== 'I' ? m | bit(c) : m), 0);
  const STATES: readonly LineState[] = ['I', 'S', 'E', 'M'];
  const MODES: readonly HwLineMode[] = ['mutable', 'free', 'init', 'immutable'];
  const inVals = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= K.MaxVal;
  const allCores = cores.reduce((m, c) => m | bit(c), 0);

  const invariants: Record<string, (s: HwMemoryState) => boolean> = {
    TypeOK: (s) =>
      s.cache.length === nC &&
      s.cache.every((row) => row.length === nL && row.every((x) => STATES.includes(x))) &&
      s.cdata.length === nC &&
      s.cdata.every((row) => row.length === nL && row.every(inVals)) &&
      s.mem.length === nL &&
      s.mem.every(inVals) &&
      s.dir.length === nL &&
      s.dir.every((d) => (d & ~allCores) === 0) &&
      s.mode.length === nL &&
      s.mode.every((m) => MODES.includes(m)) &&
      s.owner.every((o) => Number.isInteger(o) && o >= 0 && o <= nC) &&
      s.last.every(inVals) &&
      typeof s.immInv === 'boolean',
    SWMR: (s) => lines.every((l) => cores.every((c) => !(st(s, c, l) === 'E' || st(s, c, l) === 'M') || cores.every((d) => d === c || st(s, d, l) === 'I'))),
    DataValue: (s) =>
      lines.every(
        (l) =>
          cores.every((c) => st(s, c, l) === 'I' || s.cdata[c - 1][l - 1] === s.last[l - 1]) &&
          (cores.some((c) => st(s, c, l) === 'M') || s.mem[l - 1] === s.last[l - 1]),
      ),
    ImmutableRule: (s) => lines.every((l) => s.mode[l - 1] !== 'immutable' || (s.dir[l - 1] === 0 && cores.every((c) => st(s, c, l) === 'I' || st(s, c, l) === 'S'))),
    NoImmutableInvalidation: (s) => !s.immInv,
    DirectoryExact: (s) =>
      lines.every((l) => {
        const m = s.mode[l - 1];
        if ((m === 'mutable' || m === 'init') && s.dir[l - 1] !== holders(s, l)) return false;
        if (m === 'free' && (s.dir[l - 1] !== 0 || holders(s, l) !== 0)) return false;
        if (m === 'init' && cores.some((c) => c !== s.owner[l - 1] && st(s, c, l) !== 'I')) return false;
        return true;
      }),
  };

  const dirSet = (mask: number): number[] => cores.filter((c) => (mask & bit(c)) !== 0);

  return {
    init: () => [
      {
        cache: cores.map(() => lines.map((): LineState => 'I')),
        cdata: cores.map(() => lines.map(() => 0)),
        mem: lines.map(() => 0),
        dir: lines.map(() => 0),
        mode: lines.map((l): HwLineMode => (isHeap(l) ? 'free' : 'mutable')),
        owner: lines.map(() => 0),
        last: lines.map(() => 0),
        immInv: false,
      },
    ],
    actions,
    invariants,
    key: (s) => `${s.cache.map((r) => r.join('')).join('|')}/${s.cdata.map((r) => r.join(',')).join('|')}/${s.mem.join(',')}/${s.dir.join(',')}/${s.mode.join(',')}/${s.owner.join(',')}/${s.last.join(',')}/${s.immInv ? 1 : 0}`,
    toTla: (s) => ({
      cache: tlaSeq(s.cache.map((r) => tlaSeq(r))),
      cdata: tlaSeq(s.cdata.map((r) => tlaSeq(r))),
      mem: tlaSeq(s.mem),
      dir: tlaSeq(s.dir.map((d) => tlaIntSet(dirSet(d)))),
      mode: tlaSeq(s.mode),
      owner: tlaSeq(s.owner),
      last: tlaSeq(s.last),
      immInv: s.immInv,
    } satisfies Record<string, TlaJson>),
  };
}

/** The HwMemory mirror. */
export const specModule: SpecModule<HwMemoryState> = { name: MODULE, instantiate: instantiateHwMemory };
