/**
 * The generic actions of `spec/tla/Kernel.tla`: every kernel action over a {@link KernelState}
 * whose values are opaque (`V`, compared only through a {@link ValueDomain}) and whose ids are
 * unbounded numbers ({@link NewAtom}, {@link Deref}, {@link CAS}, {@link Reset}, {@link Share},
 * {@link Fork}, {@link Spawn}, {@link Exit}, …). Each answers a successor state or a
 * {@link Refusal} naming the error kind.
 *
 * This is the executable oracle at any bound: `spec/SpecEngine.ts` (the fuzzer's `spec` engine)
 * and the reference kernel's trace validation (`harness/oracles/trace.ts`) run on them with
 * values = spec {@link Value}s, and the finite model of `spec/KernelSpec.ts` instantiates them
 * with values = heap handles.
 *
 * Actions that exist only at the operation level (values there carry code or are compared by
 * value), and so are not in the finite model: {@link CompareAndSet}, {@link Swap},
 * {@link SetValidator}, {@link AddWatch}, {@link RemoveWatch}, {@link Hold}.
 * @see Kernel.tla Next
 * @module
 */
import type { ErrorKind } from './Kernel.js';

// ---------------------------------------------------------------------------------------------
// Generic state and actions

/** How the generic actions see values: opaque, compared and checked only through these. */
export interface ValueDomain<V> {
  /** Value equality (structural for spec values). */
  readonly equals: (a: V, b: V) => boolean;
  /** A total order on values (orders watches by key). */
  readonly compare: (a: V, b: V) => number;
  /** Whether validator `validator` accepts `v` (validators are values too: code is a value). */
  readonly accepts: (validator: V, v: V) => boolean;
}

/** A watch on an atom: its key and the process whose output records the writes. */
export interface KWatch<V> {
  /** The key (unique per atom under {@link ValueDomain.equals}). */
  readonly key: V;
  /** The watching process. */
  readonly watcher: number;
}

/** What a watch records after a successful write: `[key old new]`. */
export interface KWatchRecord<V> {
  /** The watch's key. */
  readonly key: V;
  /** The value before the write. */
  readonly old: V;
  /** The value written. */
  readonly new: V;
}

/** One atom (`val[a]`, `stamp[a]`, … in Kernel.tla). */
export interface KAtom<V> {
  /** `val[a]`: the current value. */
  readonly value: V;
  /** `stamp[a]`: 0 at creation, +1 per successful write. */
  readonly stamp: number;
  /** `creator[a]`: the only process that may share it. */
  readonly creator: number;
  /** `shared[a]`: set by `Share`, never cleared. */
  readonly shared: boolean;
  /** The validator (a value, e.g. code), or null. Not in the finite model. */
  readonly validator: V | null;
  /** The process that installed the validator (it acts on that process's behalf, ADR 0024); -1 with none. Not in the finite model. */
  readonly validatorOwner?: number;
  /** Watches, ascending by key. Not in the finite model. */
  readonly watches: readonly KWatch<V>[];
  /** Auxiliary `wseen[a]`: the stamp the last writer presented (0 before any write). */
  readonly wseen: number;
  /** Auxiliary `writers[a]`: the processes that wrote this atom while private, ascending. */
  readonly writers: readonly number[];
}

/** A process's last `Deref` (`seen[p]`): the ref, the atom it resolved to, the stamp read. */
export interface KSeen {
  /** The ref dereferenced. */
  readonly ref: number;
  /** The atom the ref resolved to in the process's own table. */
  readonly atom: number;
  /** The stamp read. */
  readonly stamp: number;
}

/** One live process. */
export interface KProc<V> {
  /** `table[p]`: ref → atom id. */
  readonly table: ReadonlyMap<number, number>;
  /** `regs[p]`: registers (GC roots), register name → value. */
  readonly regs: ReadonlyMap<number, V>;
  /** What the process's watches recorded, in order. Not in the finite model. */
  readonly output: readonly KWatchRecord<V>[];
  /** `seen[p]`, or null before any deref. */
  readonly seen: KSeen | null;
}

/** The generic kernel state. */
export interface KernelState<V> {
  /** `live` and the per-process variables of the live processes. */
  readonly procs: ReadonlyMap<number, KProc<V>>;
  /** Every atom ever created, by id (`nextAtom` = `atoms.length`). */
  readonly atoms: readonly KAtom<V>[];
  /** The next process id `Spawn`/`Fork` issue. */
  readonly nextPid: number;
  /** The global ref counter. */
  readonly nextRef: number;
}

/** An action that does not happen: the error kind the operation ends in (nothing changes). */
export interface Refusal {
  /** The error kind. */
  readonly refused: ErrorKind;
}

/** A successor, or a refusal. */
export type KResult<V> = KernelState<V> | Refusal;

/** Whether `r` is a refusal. */
export function isRefusal(r: object): r is Refusal {
  return (r as Partial<Refusal>).refused !== undefined;
}

const refuse = (refused: ErrorKind): Refusal => ({ refused });

/** `Init`: one live process `firstPid` with an empty table, no atoms. */
export function initState<V>(firstPid: number): KernelState<V> {
  return { procs: new Map([[firstPid, emptyProc<V>()]]), atoms: [], nextPid: firstPid + 1, nextRef: 0 };
}

function emptyProc<V>(): KProc<V> {
  return { table: new Map(), regs: new Map(), output: [], seen: null };
}

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

/** The live process `p`, or a refusal. */
export function procOf<V>(s: KernelState<V>, p: number): KProc<V> | Refusal {
  return s.procs.get(p) ?? refuse('no-such-process');
}

/**
 * The atom ref `r` names in `p`'s table (`table[p][r]`); any other ref is `capability-denied`,
 * whether or not it was ever issued (docs/adr/0024-authority-and-resource-accounting.md).
 * @see Capabilities.tla Access
 */
export function lookup<V>(s: KernelState<V>, p: KProc<V>, r: number): number | Refusal {
  const a = p.table.get(r);
  if (a !== undefined) return a;
  return refuse('capability-denied');
}

/** The live processes whose table reaches atom `a` (`Holders(a)`). */
export function holders<V>(s: KernelState<V>, a: number): number[] {
  const out: number[] = [];
  for (const [q, p] of s.procs) for (const x of p.table.values()) if (x === a) { out.push(q); break; }
  return out.sort((x, y) => x - y);
}

/**
 * A successful write of `v` by `p` to atom `a`, presenting stamp `seen`: validator first, then
 * value and stamp + 1, then the watch records. Not an action by itself.
 * @see Kernel.tla Write
 */
export function write<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, a: number, v: V, seen: number): KResult<V> {
  const atom = s.atoms[a]!;
  if (atom.validator !== null && !d.accepts(atom.validator, v)) return refuse('validator-rejected');
  const writers = atom.shared || atom.writers.includes(p) ? atom.writers : [...atom.writers, p].sort((x, y) => x - y);
  let next = withAtom(s, a, { ...atom, value: v, stamp: atom.stamp + 1, wseen: seen, writers });
  for (const w of atom.watches) {
    const q = next.procs.get(w.watcher);
    if (q !== undefined) next = withProc(next, w.watcher, { ...q, output: [...q.output, { key: w.key, old: atom.value, new: v }] });
  }
  return next;
}

/**
 * `atom`: live `p` creates a private atom holding `v` under a fresh ref.
 * @see Kernel.tla NewAtom
 */
export function NewAtom<V>(s: KernelState<V>, p: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = s.atoms.length;
  const table = new Map(pr.table);
  table.set(s.nextRef, a);
  const atoms = [...s.atoms, { value: v, stamp: 0, creator: p, shared: false, validator: null, watches: [], wseen: 0, writers: [] }];
  return withProc({ ...s, atoms, nextRef: s.nextRef + 1 }, p, { ...pr, table });
}

/**
 * `deref`: `p` reads the value and stamp of the atom under its ref `r` (recorded in `seen[p]`).
 * @see Kernel.tla Deref
 */
export function Deref<V>(s: KernelState<V>, p: number, r: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const seen = pr.seen;
  const stamp = s.atoms[a]!.stamp;
  if (seen !== null && seen.ref === r && seen.atom === a && seen.stamp === stamp) return s;
  return withProc(s, p, { ...pr, seen: { ref: r, atom: a, stamp } });
}

/**
 * `cas(ref, stamp, v)`: `p` writes `v` to the atom under `r` iff its stamp is still `stamp`
 * (else `stale-stamp`).
 * @see Kernel.tla CAS
 */
export function CAS<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, stamp: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  if (s.atoms[a]!.stamp !== stamp) return refuse('stale-stamp');
  return write(d, s, p, a, v, stamp);
}

/**
 * `reset!`: `p` writes `v` to the atom under `r`, whatever its stamp.
 * @see Kernel.tla Reset
 */
export function Reset<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  return write(d, s, p, a, v, s.atoms[a]!.stamp);
}

/**
 * Clojure `compare-and-set!`: a write guarded by value equality. When the current value differs
 * the answer is `s` itself (a stutter). Operation level only.
 * @see Kernel.tla Write
 */
export function CompareAndSet<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, expected: V, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  if (!d.equals(atom.value, expected)) return s;
  return write(d, s, p, a, v, atom.stamp);
}

/**
 * `swap!` with no interleaving inside the operation: read, apply `f`, CAS with the stamp read
 * (which cannot fail here). Operation level only (Atoms.tla's SwapRead/SwapCommit back to back).
 * @see Atoms.tla SwapRead, SwapCommit
 */
export function Swap<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, f: (v: V) => V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  return write(d, s, p, a, f(atom.value), atom.stamp);
}

/**
 * `set-validator!`: installs `validator` (or removes it with null); refused with
 * `validator-rejected` if the current value fails it. Operation level only.
 */
export function SetValidator<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, validator: V | null): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  if (validator !== null && !d.accepts(validator, atom.value)) return refuse('validator-rejected');
  return withAtom(s, a, { ...atom, validator, validatorOwner: validator === null ? -1 : p });
}

/** `add-watch`: `p` watches the atom under `r` with `key` (replacing a watch with an equal key). Operation level only. */
export function AddWatch<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, key: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  const watches = [...atom.watches.filter((w) => !d.equals(w.key, key)), { key, watcher: p }].sort((x, y) => d.compare(x.key, y.key));
  return withAtom(s, a, { ...atom, watches });
}

/** `remove-watch`: drops the watch under `key` from the atom under `r`. Operation level only. */
export function RemoveWatch<V>(d: ValueDomain<V>, s: KernelState<V>, p: number, r: number, key: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  return withAtom(s, a, { ...atom, watches: atom.watches.filter((w) => !d.equals(w.key, key)) });
}

/**
 * `share(ref, q)`: only the creator of the atom under `r` may share it (else
 * `capability-denied`); `q` gets a fresh ref unless it already holds the atom; the atom becomes
 * shared. The ref `q` holds it under is {@link sharedRef}.
 * @see Kernel.tla Share
 */
export function Share<V>(s: KernelState<V>, p: number, r: number, q: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const a = lookup(s, pr, r);
  if (typeof a !== 'number') return a;
  const atom = s.atoms[a]!;
  if (atom.creator !== p) return refuse('capability-denied');
  const target = procOf(s, q);
  if (isRefusal(target)) return target;
  const marked = atom.shared ? s : withAtom(s, a, { ...atom, shared: true });
  if (sharedRef(marked, q, a) !== undefined) return marked;
  const table = new Map(target.table);
  table.set(s.nextRef, a);
  return withProc({ ...marked, nextRef: s.nextRef + 1 }, q, { ...target, table });
}

/** The lowest ref under which `q` holds atom `a`, if any. */
export function sharedRef<V>(s: KernelState<V>, q: number, a: number): number | undefined {
  let best: number | undefined;
  for (const [r, x] of s.procs.get(q)?.table ?? []) if (x === a && (best === undefined || r < best)) best = r;
  return best;
}

/**
 * `fork`: live `p` forks into process `nextPid`. Private atoms are re-pointed at new atoms
 * (numbered in ref order) with the same value, stamp and validator, created by the child and
 * without watches (ADR 0011); shared atoms stay shared; registers are copied (no value is copied).
 * @see Kernel.tla Fork
 */
export function Fork<V>(s: KernelState<V>, p: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const child = s.nextPid;
  const atoms = s.atoms.slice();
  const copies = new Map<number, number>();
  const table = new Map<number, number>();
  for (const r of [...pr.table.keys()].sort((x, y) => x - y)) {
    const a = pr.table.get(r)!;
    const atom = s.atoms[a]!;
    if (atom.shared) { table.set(r, a); continue; }
    let c = copies.get(a);
    if (c === undefined) {
      c = atoms.length;
      atoms.push({ ...atom, creator: child, shared: false, watches: [], writers: [], ...(atom.validator !== null ? { validatorOwner: child } : {}) });
      copies.set(a, c);
    }
    table.set(r, c);
  }
  return withProc({ ...s, atoms, nextPid: child + 1 }, child, { table, regs: pr.regs, output: [], seen: null });
}

/**
 * `spawn`: live `p` starts process `nextPid` with an empty table and no registers.
 * @see Kernel.tla Spawn
 */
export function Spawn<V>(s: KernelState<V>, p: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  return withProc({ ...s, nextPid: s.nextPid + 1 }, s.nextPid, emptyProc<V>());
}

/**
 * `exit`: live `p` ends; its table and registers stop being roots, and the validators and
 * watches it installed are removed: code of an exited process never runs again (ADR 0024).
 * @see Kernel.tla Exit
 * @see Capabilities.tla Exit
 */
export function Exit<V>(s: KernelState<V>, p: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const procs = new Map(s.procs);
  procs.delete(p);
  let atoms: KAtom<V>[] | null = null;
  s.atoms.forEach((atom, a) => {
    const ownsValidator = atom.validator !== null && atom.validatorOwner === p;
    const watches = atom.watches.some((w) => w.watcher === p) ? atom.watches.filter((w) => w.watcher !== p) : atom.watches;
    if (!ownsValidator && watches === atom.watches) return;
    atoms ??= [...s.atoms];
    atoms[a] = { ...atom, watches, ...(ownsValidator ? { validator: null, validatorOwner: -1 } : {}) };
  });
  return { ...s, procs, atoms: atoms ?? s.atoms };
}

/**
 * `hold`: `p` sets its register `reg` to `v`. At the operation level registers are named; in the
 * finite model a register is named by the handle it holds, so Kernel.tla's Alloc and LoadEnd
 * hold a handle this way.
 * @see Kernel.tla Alloc, LoadEnd
 */
export function Hold<V>(s: KernelState<V>, p: number, reg: number, v: V): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  const regs = new Map(pr.regs);
  regs.set(reg, v);
  return withProc(s, p, { ...pr, regs });
}

/**
 * `p` clears its register `reg` (the `hold` op with no value).
 * @see Kernel.tla Drop
 */
export function Drop<V>(s: KernelState<V>, p: number, reg: number): KResult<V> {
  const pr = procOf(s, p);
  if (isRefusal(pr)) return pr;
  if (!pr.regs.has(reg)) return s;
  const regs = new Map(pr.regs);
  regs.delete(reg);
  return withProc(s, p, { ...pr, regs });
}

// ---------------------------------------------------------------------------------------------
// Invariants of the generic state (hold at any bound)

/**
 * `CapabilityIsolation`: every process's last read went through its own table (the ref is in
 * its table and names the atom read).
 */
export function capabilityIsolation<V>(s: KernelState<V>): boolean {
  for (const p of s.procs.values()) if (p.seen !== null && p.table.get(p.seen.ref) !== p.seen.atom) return false;
  return true;
}

/** `ForkIsolation`: every live process reaching a private atom is the one process that wrote it. */
export function forkIsolation<V>(s: KernelState<V>): boolean {
  for (let a = 0; a < s.atoms.length; a++) {
    const atom = s.atoms[a]!;
    if (atom.shared || atom.writers.length === 0) continue;
    const hs = holders(s, a);
    for (const w of atom.writers) for (const q of hs) if (q !== w) return false;
  }
  return true;
}

/** `StaleStampNeverWrites`: the last write to each atom presented the stamp the atom had just before it. */
export function staleStampNeverWrites<V>(s: KernelState<V>): boolean {
  for (const a of s.atoms) if (a.stamp > 0 && a.wseen !== a.stamp - 1) return false;
  return true;
}
