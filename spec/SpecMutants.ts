/**
 * Seeded bugs ("mutants") of the `spec` engine: each one is a wrong line in the TS mirror of
 * `spec/tla/Kernel.tla` (a generic action of `spec/KernelActions.ts`, or the answer
 * `spec/SpecEngine.ts` builds from one), for the differential fuzzer's meta-test: a campaign of
 * `spec+mutant:m` against `spec` (or `reference`) must tell the mutant from the mirror.
 *
 * Every mutant is off by default; `createSpecKernel({ mutants })` switches them on by name. The
 * mirror itself (and so the TLA+ conformance tests and the reference kernel's trace validation)
 * never sees them: a mutant only replaces an entry of the {@link SpecActions} table one spec
 * kernel runs.
 * @module
 */
import {
  AddWatch, CAS, CompareAndSet, Deref, Drop, Exit, Fork, Hold, isRefusal, lookup, NewAtom, procOf, RemoveWatch, Reset, SetValidator, Share, sharedRef,
  Spawn, Swap, write, type KAtom, type KernelState, type KProc, type KResult, type ValueDomain,
} from './KernelActions.js';
import { Vector, type Value } from './Values.js';

/** One seeded bug of the spec mirror. */
export interface SpecMutant {
  /** The name passed in `KernelOptions.mutants` (`spec+mutant:<name>`). */
  readonly name: string;
  /** The Kernel.tla action whose mirror it breaks. */
  readonly action: string;
  /** One line: what goes wrong when it is on. */
  readonly description: string;
}

/** The mutant catalogue of the spec engine. */
export const SPEC_MUTANTS: readonly SpecMutant[] = Object.freeze([
  { name: 'fork-shares-private', action: 'Fork', description: "fork leaves the parent's private atoms in the child's table as they are (shared) instead of re-pointing them at new atoms" },
  { name: 'fork-resets-stamps', action: 'Fork', description: "the child's copies of private atoms start at stamp 0 instead of the parent's stamp" },
  { name: 'share-by-non-creator', action: 'Share', description: 'share is allowed to any process holding the atom, not only its creator' },
  { name: 'share-not-marked', action: 'Share', description: 'share gives the target a ref but leaves the atom marked private, so a later fork copies it' },
  { name: 'cas-ignores-stamp-on-equal', action: 'CAS', description: 'cas with a stale stamp succeeds when the atom already holds the value written' },
  { name: 'exit-keeps-table', action: 'Exit', description: 'exit leaves the process live with its atom table (its atoms stay reachable through it)' },
  { name: 'reset-keeps-stamp', action: 'Reset', description: 'reset writes the value without incrementing the stamp' },
  { name: 'reset-vals-new-new', action: 'Reset', description: 'resetVals answers [new new] instead of [old new]' },
  { name: 'spawn-inherits-table', action: 'Spawn', description: "a spawned process starts with its parent's atom table instead of an empty one" },
  { name: 'new-atom-reuses-ref', action: 'NewAtom', description: 'atom does not advance the ref counter, so the next atom is issued the same ref' },
]);

/**
 * The actions one spec kernel runs: Kernel.tla's generic actions (`spec/KernelActions.ts`) and the
 * answer of `resetVals`. {@link SPEC_ACTIONS} is the mirror; {@link specActions} swaps in mutants.
 */
export interface SpecActions {
  /** @see Kernel.tla NewAtom */
  readonly NewAtom: typeof NewAtom;
  /** @see Kernel.tla Deref */
  readonly Deref: typeof Deref;
  /** @see Kernel.tla CAS */
  readonly CAS: typeof CAS;
  /** @see Kernel.tla Reset */
  readonly Reset: typeof Reset;
  /** Clojure `compare-and-set!` (Kernel.tla Write guarded by value equality). */
  readonly CompareAndSet: typeof CompareAndSet;
  /** @see Atoms.tla SwapRead, SwapCommit */
  readonly Swap: typeof Swap;
  /** `set-validator!`. */
  readonly SetValidator: typeof SetValidator;
  /** `add-watch`. */
  readonly AddWatch: typeof AddWatch;
  /** `remove-watch`. */
  readonly RemoveWatch: typeof RemoveWatch;
  /** @see Kernel.tla Share */
  readonly Share: typeof Share;
  /** @see Kernel.tla Fork */
  readonly Fork: typeof Fork;
  /** @see Kernel.tla Spawn */
  readonly Spawn: typeof Spawn;
  /** @see Kernel.tla Exit */
  readonly Exit: typeof Exit;
  /** @see Kernel.tla Alloc, LoadEnd */
  readonly Hold: typeof Hold;
  /** @see Kernel.tla Drop */
  readonly Drop: typeof Drop;
  /** What `resetVals` answers for a Reset from `old` to `v`: `[old v]`. */
  readonly resetValsAnswer: (old: Value, v: Value) => Value;
}

/** The mirror's actions, unchanged. */
export const SPEC_ACTIONS: SpecActions = Object.freeze({
  NewAtom, Deref, CAS, Reset, CompareAndSet, Swap, SetValidator, AddWatch, RemoveWatch, Share, Fork, Spawn, Exit, Hold, Drop,
  resetValsAnswer: (old: Value, v: Value): Value => new Vector([old, v]),
});

/**
 * The actions of a spec kernel with the mutants `names` on (the mirror's with none). Throws a
 * RangeError naming any unknown mutant.
 */
export function specActions(names: readonly string[] = []): SpecActions {
  const known = new Set(SPEC_MUTANTS.map((m) => m.name));
  for (const n of names) if (!known.has(n)) throw new RangeError(`unknown mutant '${n}' (known: ${[...known].join(', ')})`);
  const on = new Set(names);
  let a: SpecActions = SPEC_ACTIONS;
  const swapIn = (patch: Partial<SpecActions>): void => {
    a = { ...a, ...patch };
  };
  if (on.has('fork-shares-private')) swapIn({ Fork: (s, p) => forkWith(s, p, { keepPrivate: true, resetStamps: false }) });
  if (on.has('fork-resets-stamps')) swapIn({ Fork: (s, p) => forkWith(s, p, { keepPrivate: on.has('fork-shares-private'), resetStamps: true }) });
  if (on.has('share-by-non-creator') || on.has('share-not-marked')) {
    const bugs = { checkCreator: !on.has('share-by-non-creator'), mark: !on.has('share-not-marked') };
    swapIn({ Share: (s, p, r, q) => shareWith(s, p, r, q, bugs) });
  }
  if (on.has('cas-ignores-stamp-on-equal')) swapIn({ CAS: casIgnoringStampOnEqual });
  if (on.has('exit-keeps-table')) swapIn({ Exit: exitKeepingTable });
  if (on.has('reset-keeps-stamp')) swapIn({ Reset: resetKeepingStamp });
  if (on.has('reset-vals-new-new')) swapIn({ resetValsAnswer: (_old, v) => new Vector([v, v]) });
  if (on.has('spawn-inherits-table')) swapIn({ Spawn: spawnInheritingTable });
  if (on.has('new-atom-reuses-ref')) swapIn({ NewAtom: newAtomReusingRef });
  return a;
}

// ---------------------------------------------------------------------------------------------
// The mutated actions: each is its KernelActions.ts action with the wrong line marked `BUG`.

function withProc<V>(s: KernelState<V>, pid: number, p: KProc<V>): KernelState<V> {
  const procs = new Map(s.procs);
  procs.set(pid, p);
  return { ...s, procs };
}

function withAtom<V>(s: KernelState<V>, a: number, atom: KAtom<V>): KernelState<V> {
  const atoms = s.atoms.slice();
  atoms[a] = atom;
  return { ...s, atoms };
}

/** Kernel.tla Fork with the seeded bugs of {@link SPEC_MUTANTS} named `fork-…`. */
function forkWith<V>(s: KernelState<V>, p: number, bugs: { readonly keepPrivate: boolean; readonly resetStamps: boolean }): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const child = s.nextPid;
  const atoms = s.atoms.slice();
  const copies = new Map<number, number>();
  const table = new Map<number, number>();
  for (const r of [...pr.table.keys()].sort((x, y) => x - y)) {
    const a = pr.table.get(r)!;
    const atom = s.atoms[a]!;
    if (atom.shared || bugs.keepPrivate) { table.set(r, a); continue; } // BUG (fork-shares-private): `|| keepPrivate`
    let c = copies.get(a);
    if (c === undefined) {
      c = atoms.length;
      const stamp = bugs.resetStamps ? 0 : atom.stamp; // BUG (fork-resets-stamps)
      atoms.push({ ...atom, stamp, creator: child, shared: false, watches: [], writers: [], ...(atom.validator !== null ? { validatorOwner: child } : {}) });
      copies.set(a, c);
    }
    table.set(r, c);
  }
  return withProc({ ...s, atoms, nextPid: child + 1 }, child, { table, regs: pr.regs, output: [], seen: null });
}

/** Kernel.tla Share with the seeded bugs `share-by-non-creator` and `share-not-marked`. */
function shareWith<V>(s: KernelState<V>, p: number, r: number, q: number, bugs: { readonly checkCreator: boolean; readonly mark: boolean }): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  if (bugs.checkCreator && atom.creator !== p) return { refused: 'capability-denied' }; // BUG (share-by-non-creator): no creator check
  const target = procOf(s, q);
  if (isRefusal(target)) return target;
  const marked = atom.shared || !bugs.mark ? s : withAtom(s, a, { ...atom, shared: true }); // BUG (share-not-marked)
  if (sharedRef(marked, q, a) !== undefined) return marked;
  const table = new Map(target.table);
  table.set(s.nextRef, a);
  return withProc({ ...marked, nextRef: s.nextRef + 1 }, q, { ...target, table });
}

/** Kernel.tla CAS, with the stamp check skipped when the atom already holds `v`. */
function casIgnoringStampOnEqual<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, stamp: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  if (atom.stamp !== stamp && !d.equals(atom.value, v)) return { refused: 'stale-stamp' }; // BUG: `&& !equals(value, v)`
  return write(d, s, p, a, v, atom.stamp);
}

/** Kernel.tla Exit without `live' = live \ {p}` and `table' = …`: the process stays, table and all. */
function exitKeepingTable<V>(s: KernelState<V>, p: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const next = Exit(s, p);
  if (isRefusal(next)) return next;
  return withProc(next, p, pr); // BUG: the process is put back
}

/** Kernel.tla Reset with `stamp' = [stamp EXCEPT ![a] = @ + 1]` lost. */
function resetKeepingStamp<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const next = write(d, s, p, a, v, s.atoms[a]!.stamp);
  if (isRefusal(next)) return next;
  return withAtom(next, a, { ...next.atoms[a]!, stamp: s.atoms[a]!.stamp }); // BUG: the stamp is put back
}

/** Kernel.tla Spawn with the child's table copied from the parent's. */
function spawnInheritingTable<V>(s: KernelState<V>, p: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  return withProc({ ...s, nextPid: s.nextPid + 1 }, s.nextPid, { table: new Map(pr.table), regs: new Map(), output: [], seen: null }); // BUG: `table: pr.table`
}

/** Kernel.tla NewAtom without `nextRef' = nextRef + 1`. */
function newAtomReusingRef<V>(s: KernelState<V>, p: number, v: V): KResult<V> {
  const next = NewAtom(s, p, v);
  if (isRefusal(next)) return next;
  return { ...next, nextRef: s.nextRef }; // BUG: the ref counter is put back
}
