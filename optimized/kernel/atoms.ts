/**
 * The optimized kernel's atoms and capabilities: which process's table names which atom, who
 * created each atom and whether it is shared, reading and writing an atom (validator first, then
 * the cell, then the watches), `cas` by stamp, validators and watches, `share`, and what `fork`
 * and `exit` do to atom tables. The cells themselves (value word and stamp) sit behind
 * {@link AtomCells}; running a validator's or watch's code is the scheduler's
 * ({@link AtomCode}).
 * @see Atoms.tla
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { isNat } from '../../spec/OpInput.js';
import type { Pid, Ref } from '../../spec/Kernel.js';
import { printEdnOrElided } from '../../spec/codec/Edn.js';
import { shortText } from '../../spec/lang/errors.js';
import { durableBoundElsewhere, noDurableStore, withStore } from '../../spec/lang/kernelCalls.js';
import type { DurableStore } from '../../spec/Store.js';
import { AtomRef, Vector, compare, type Fn, type Value } from '../../spec/Values.js';
import type { Heap } from '../heap/Heap.js';
import { eqWords, fromHeap, heapText, heapTextOrElided } from '../heap/values.js';
import { truthy } from '../lang/natives.js';
import type { MutantSet } from '../mutants.js';
import type { AtomCells } from './atomCells.js';
import type { Process } from './processes.js';
import { refuse } from './refusals.js';
import { WatchList, withWatch, withoutWatch, type Watch } from './watchList.js';

/** What the atoms need from the rest of the kernel: the heap, the live processes, and running code. */
export interface AtomCode {
  /** Converts `v` into the heap, charged to `pid` (throws `out-of-memory` over a quota). */
  intern(v: Value, pid: Pid): number;
  /** The live process `pid`, if any. */
  find(pid: Pid): Process | undefined;
  /** Appends a notice of the kernel to `p`'s output, when its tree's output quota has room for it. */
  notice(p: Process, line: string): void;
  /** Calls `f` with `args` in `p` to completion → its result. */
  callSync(p: Process, f: Value, args: readonly Value[]): Value;
  /** Whether validator `fn` installed by `owner` accepts `v`, written by `writer` (ADR 0024). */
  validates(writer: Process, owner: Pid, fn: Fn, v: Value): boolean;
  /** Runs watch `fn` installed by `owner` under `key` with `args`, for a write by `writer` (ADR 0024). */
  runWatch(writer: Process, owner: Pid, fn: Fn, key: Value, args: readonly Value[]): void;
}

/** How one atom stands, for trace validation (`inspect`). */
export interface AtomDescription {
  readonly creator: Pid;
  readonly shared: boolean;
  readonly validator: boolean;
  /** `[key EDN, watcher]` in canonical key order. */
  readonly watches: readonly (readonly [string, Pid])[];
}

/** The atom table: atom metadata, validators, watches and the operations on atoms. */
export class AtomTable {
  private readonly creator: number[] = [];
  private readonly shared: boolean[] = [];
  /** How many table entries of live processes name each atom. */
  private readonly holders: number[] = [];
  private next = 0;
  /** Value history per atom, kept only for the `cas-compares-values` mutant. */
  private readonly history = new Map<number, Map<number, string>>();
  /** The last value read from each atom, with the value word it came from. */
  private readonly derefCache = new Map<number, { w: number; v: Value }>();
  /** Validators by atom id. */
  private readonly validators = new Map<number, Fn>();
  /** Who installed each atom's validator (it runs on that process's behalf, ADR 0024). */
  private readonly validatorOwners = new Map<number, Pid>();
  /** Watches by atom id, in canonical key order (persistent lists: O(log n) to add or remove, watchList.ts). */
  private readonly watches = new Map<number, WatchList>();
  private readonly keepHistory: boolean;
  private readonly inPlaceBug: boolean;
  /** The durable atom each bound atom id writes to. */
  private readonly durableOf = new Map<number, string>();
  /** The atom id bound to each durable atom name. */
  private readonly durableIds = new Map<string, number>();

  /** Atoms in `cells`, living in `heap`; `code` interns values and runs validators and watches. */
  constructor(
    private readonly cells: AtomCells,
    private readonly heap: Heap,
    private readonly mutants: MutantSet,
    private readonly code: AtomCode,
    /** The durable store, or null when the kernel has none. */
    readonly store: DurableStore | null = null,
  ) {
    this.keepHistory = mutants.has('cas-compares-values');
    this.inPlaceBug = mutants.has('in-place-update-shared');
  }

  /** The ref the next new table entry gets. */
  get nextRef(): Ref {
    return this.next;
  }

  /** Whether a live process can still name atom `id`. */
  isLive(id: number): boolean {
    return (this.holders[id] ?? 0) > 0;
  }

  /** The atom `ref` names in `p`'s table, or the operation refused (`bad-input`, `capability-denied`). */
  lookup(p: Process, ref: unknown): number {
    if (!isNat(ref)) refuse('bad-input', `ref must be a non-negative integer, got ${JSON.stringify(ref)}`);
    const id = p.table.get(ref);
    if (id !== undefined) return id;
    refuse('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
  }

  /** The atom `ref` names in `p`'s table, with the language's error messages. */
  resolve(p: Process, ref: Ref): number {
    const id = p.table.get(ref);
    if (id !== undefined) return id;
    throw new KernelError('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
  }

  /** The value word atom `id` holds. */
  word(id: number): number {
    return this.cells.word(id);
  }

  /** Atom `id`'s stamp. */
  stamp(id: number): number {
    return this.cells.stamp(id);
  }

  /** A new atom holding `v` in `p`'s table → its ref. @see Atoms.tla NewAtom */
  create(p: Process, v: Value): AtomRef {
    const w = this.code.intern(v, p.pid);
    const ref = this.next++;
    const id = this.newAtom(w, 0, p.pid);
    p.table.set(ref, id);
    this.holders[id] = 1;
    return new AtomRef(ref);
  }

  /**
   * `durable-atom`: `p`'s ref for the atom bound to the durable atom `name` — the store's current
   * value and stamp when it has the atom, else `init`, recorded as its first transition. A name
   * whose atom only other live processes hold is refused (a holder may share it).
   */
  bindDurable(p: Process, name: string, init: Value): AtomRef {
    const store = this.store;
    if (store === null) return noDurableStore('durable-atom');
    const id = this.durableIds.get(name);
    if (id !== undefined && this.isLive(id)) {
      const mine = lowestRef(p.table, id);
      if (mine !== undefined) return new AtomRef(mine);
      return durableBoundElsewhere(name, this.creator[id]!);
    }
    const now = store.current(name);
    const value = now === undefined ? init : withStore('durable-atom', () => store.value(now.hash));
    if (now === undefined) {
      withStore('durable-atom', () => {
        store.append({ atom: name, stamp: 0, value: init, writer: p.pid });
        store.flush();
      });
    }
    const w = this.code.intern(value, p.pid);
    const ref = this.next++;
    const fresh = this.newAtom(w, now?.stamp ?? 0, p.pid);
    p.table.set(ref, fresh);
    this.holders[fresh] = 1;
    this.durableOf.set(fresh, name);
    this.durableIds.set(name, fresh);
    return new AtomRef(ref);
  }

  /** The durable atom name atom `id` is bound to, or undefined. */
  durableName(id: number): string | undefined {
    return this.durableOf.get(id);
  }

  private newAtom(value: number, stamp: number, creator: Pid): number {
    const id = this.cells.create(value, stamp);
    this.creator[id] = creator;
    this.shared[id] = false;
    this.holders[id] = 0;
    if (this.keepHistory) this.remember(id);
    return id;
  }

  private remember(id: number): void {
    let h = this.history.get(id);
    if (h === undefined) this.history.set(id, (h = new Map()));
    h.set(this.cells.stamp(id), heapTextOrElided(this.heap, this.cells.word(id)));
  }

  /** The value of atom `id` (converted once per value word: the handle is stable while the atom holds it). */
  read(id: number): Value {
    const w = this.cells.word(id);
    const c = this.derefCache.get(id);
    if (c !== undefined && c.w === w) return c.v;
    const v = fromHeap(this.heap, w);
    this.derefCache.set(id, { w, v });
    return v;
  }

  /** Atom `id`'s value as canonical EDN text (`out-of-memory` when longer than `MAX_TEXT_CHARS`). */
  text(id: number): string {
    return heapText(this.heap, this.cells.word(id));
  }

  /** Atom `id`'s value as a view shows it: its text, or its start, elided, when that is too long. */
  shownText(id: number): string {
    return heapTextOrElided(this.heap, this.cells.word(id));
  }

  /** Writes `v` into atom `id` (named `ref` by the writer `p`), checking its validator. @see Atoms.tla Write */
  write(p: Process, id: number, ref: Ref, v: Value): void {
    this.commit(p, id, ref, v, this.validators.get(id) ?? null);
  }

  /** `reset`: writes `v` into atom `id` like {@link AtomTable.write} (the seeded bug `reset-skips-validator` skips the validator). */
  reset(p: Process, id: number, ref: Ref, v: Value): void {
    this.commit(p, id, ref, v, this.mutants.has('reset-skips-validator') ? null : (this.validators.get(id) ?? null));
  }

  /**
   * Writes `v` into atom `id`: `validator` first (a failing one changes nothing), then the value
   * and stamp + 1, then the watches.
   */
  private commit(p: Process, id: number, ref: Ref, v: Value, validator: Fn | null): void {
    const list = this.watches.get(id);
    const watchesFirst = this.mutants.has('watch-before-write');
    const needOld = (list !== undefined && list.length > 0) || watchesFirst;
    const old = needOld ? this.read(id) : null;
    if (watchesFirst) this.notify(p, id, ref, old, v);
    if (validator !== null) {
      const owner = this.validatorOwners.get(id) ?? p.pid;
      if (!this.code.validates(p, owner, validator, v)) throw new KernelError('validator-rejected', `validator rejected ${shortText(v)}`);
    }
    const w = this.code.intern(v, p.pid);
    const durable = this.durableOf.get(id);
    const store = this.store;
    if (durable !== undefined && store !== null && !this.mutants.has('durable-write-not-logged')) {
      // The write is durable before the atom changes (and before the caller is answered).
      const stamp = this.cells.stamp(id) + 1;
      withStore(`durable atom :${durable}`, () => {
        store.append({ atom: durable, stamp, value: v, writer: p.pid });
        store.flush();
      });
    }
    this.cells.write(id, w);
    if (this.keepHistory) this.remember(id);
    this.derefCache.set(id, { w, v });
    if (!watchesFirst) this.notify(p, id, ref, old, v);
  }

  private notify(p: Process, id: number, ref: Ref, old: Value, v: Value): void {
    for (const w of this.watches.get(id) ?? []) {
      if (w.fn === null) {
        const watcher = this.code.find(w.watcher);
        if (watcher !== undefined) this.code.notice(watcher, printEdnOrElided(new Vector([w.key, old, v])));
      } else {
        // The watch gets the atom under its owner's name for it (the writer's, for its own watches).
        const owner = this.code.find(w.watcher);
        const asWriter = w.watcher === p.pid || this.mutants.has('watch-runs-as-writer') || owner === undefined;
        const name = asWriter ? ref : lowestRef(owner.table, id);
        if (name === undefined) continue;
        this.code.runWatch(p, w.watcher, w.fn, w.key, [w.key, new AtomRef(name), old, v]);
      }
    }
  }

  /** Whether atom `id` holds a value equal to `v`, compared in the heap (hash and structure). */
  equals(id: number, v: Value, pid: Pid): boolean {
    const w = this.code.intern(v, pid);
    return eqWords(this.heap, this.cells.word(id), w);
  }

  /** `cas`: writes iff `stamp` is the atom's stamp → the new stamp; else `stale-stamp`. @see Atoms.tla CAS */
  casStamp(p: Process, id: number, ref: Ref, stamp: number, v: Value): number {
    const current = this.cells.stamp(id);
    if (stamp !== current) {
      const then = this.keepHistory ? this.history.get(id)?.get(stamp) : undefined;
      if (then === undefined || then !== this.shownText(id)) throw new KernelError('stale-stamp', `stamp ${stamp} is stale (the atom's stamp is ${current})`);
    }
    this.write(p, id, ref, v);
    return this.cells.stamp(id);
  }

  /** Installs (or, with null, removes) `p`'s validator `f` on atom `id`; the current value must pass it. */
  setValidator(p: Process, id: number, f: Fn | null): void {
    if (f !== null && !truthy(this.code.callSync(p, f, [this.read(id)]))) throw new KernelError('validator-rejected', 'the current value fails the new validator');
    if (f === null) this.validators.delete(id);
    else this.validators.set(id, f);
    this.validatorOwners.set(id, p.pid);
  }

  /** Adds (or replaces) the watch under `watch.key` on atom `id`. */
  addWatch(id: number, watch: Watch): void {
    this.watches.set(id, withWatch(this.watches.get(id) ?? [], watch));
  }

  /** Removes the watch under `key` from atom `id`. */
  removeWatch(id: number, key: Value): void {
    this.watches.set(id, withoutWatch(this.watches.get(id) ?? [], key));
  }

  /** Whether `pid` may share atom `id`: only its creator may (unless the seeded bug `share-by-non-creator`). @see Atoms.tla Share */
  mayShare(id: number, pid: Pid): boolean {
    return this.creator[id] === pid || this.mutants.has('share-by-non-creator');
  }

  /** Throws `capability-denied` unless `p` may share atom `id`, which it names `ref`. */
  checkMayShare(p: Process, id: number, ref: Ref): void {
    if (!this.mayShare(id, p.pid)) throw new KernelError('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
  }

  /** Marks atom `id` shared and gives `target` a name for it: the lowest ref it has for the atom, or a fresh one. @see Atoms.tla Share */
  grant(id: number, target: Process): Ref {
    this.shared[id] = true;
    const existing = lowestRef(target.table, id);
    if (existing !== undefined) return existing;
    const fresh = this.next++;
    target.table.set(fresh, id);
    this.holders[id]!++;
    return fresh;
  }

  /**
   * Fork (ADR 0003): `child`'s table gets `parent`'s refs; a private atom is re-pointed at a new
   * atom (same value word, same stamp, validator kept, no watches); shared atoms stay shared.
   * No value is copied. Returns the table entries copied. @see Fork.tla Fork
   */
  forkTable(parent: Process, child: Process): number {
    const sharePrivate = this.mutants.has('fork-shares-private');
    const copies = new Map<number, number>();
    let copied = 0;
    for (const [ref, id] of parent.table) {
      let target = id;
      if (!this.shared[id] && !sharePrivate) {
        let copy = copies.get(id);
        if (copy === undefined) {
          copy = this.newAtom(this.cells.word(id), this.cells.stamp(id), child.pid);
          if (this.keepHistory) this.history.set(copy, new Map(this.history.get(id)));
          const validator = this.validators.get(id);
          if (validator !== undefined) {
            this.validators.set(copy, validator);
            this.validatorOwners.set(copy, child.pid);
          }
          this.holders[copy] = 0;
          copies.set(id, copy);
        }
        target = copy;
      }
      child.table.set(ref, target);
      this.holders[target]!++;
      copied++;
    }
    return copied;
  }

  /**
   * `p` exits: its table no longer names its atoms (an atom nobody names loses its cached value,
   * validator and watches), and the code it installed (validators, watches) never runs again (ADR 0024).
   */
  release(p: Process): void {
    for (const id of p.table.values()) {
      if (--this.holders[id]! > 0) continue;
      // Nobody can name this atom any more: forget what the language kept about it.
      this.derefCache.delete(id);
      this.validators.delete(id);
      this.validatorOwners.delete(id);
      this.watches.delete(id);
    }
    for (const [id, owner] of this.validatorOwners) {
      if (owner !== p.pid) continue;
      this.validators.delete(id);
      this.validatorOwners.delete(id);
    }
    for (const [id, list] of this.watches) if (list.some((w) => w.watcher === p.pid)) this.watches.set(id, list.filter((w) => w.watcher !== p.pid));
  }

  /** The seeded bug `in-place-update-shared`: an update of a vector that an atom holds overwrites the atom's cell. */
  inPlace(original: Vector, updated: Vector): void {
    if (!this.inPlaceBug) return;
    for (const [id, c] of this.derefCache) {
      if (c.v !== original || this.cells.word(id) !== c.w) continue;
      const w = this.code.intern(updated, this.creator[id] ?? 0);
      this.cells.clobber(id, w);
      this.derefCache.set(id, { w, v: updated });
    }
  }

  /** Atom `id`'s creator, shared flag, validator and watches. */
  describe(id: number): AtomDescription {
    const watches = [...(this.watches.get(id) ?? [])].sort((x, y) => compare(x.key, y.key)).map((w) => [printEdnOrElided(w.key), w.watcher] as const);
    return { creator: this.creator[id]!, shared: this.shared[id] === true, validator: this.validators.has(id), watches };
  }
}

/** The lowest ref under which `table` holds atom `id`, if any. */
function lowestRef(table: ReadonlyMap<Ref, number>, id: number): Ref | undefined {
  let best: Ref | undefined;
  for (const [r, x] of table) if (x === id && (best === undefined || r < best)) best = r;
  return best;
}
