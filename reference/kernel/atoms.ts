/**
 * The reference kernel's atoms: creating and resolving them (capabilities: a process reaches only
 * the atoms of its own table), writes with validators and watches, `cas`, and `share`. Validators
 * and watches run with the authority of the process that installed them (ADR 0024).
 * @module
 */
import { printEdnOrElided } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import type { ErrorKind, Pid, Ref } from '../../spec/Kernel.js';
import { shortText } from '../../spec/lang/errors.js';
import { durableBoundElsewhere, noDurableStore, withStore } from '../../spec/lang/kernelCalls.js';
import { readNat } from '../../spec/OpInput.js';
import { AtomRef, Fn, IntOverflowError, Keyword, Vector, equals, hash, type Value } from '../../spec/Values.js';
import { isComposite } from '../heap.js';
import { callState } from '../lang/machine.js';
import { truthy } from '../lang/runtime.js';
import { WatchTable, brokenHash } from '../watches.js';
import type { KernelParts } from './parts.js';
import { lowestRef, type AtomRecord, type KernelTables, type ProcessRecord } from './tables.js';

/** A failure of code a process installed, as the writer whose write ran it sees it. */
interface ForeignFailure {
  readonly kind: ErrorKind;
  readonly message: string;
}

/** Atoms, capabilities, validators and watches over one kernel's tables. */
export class Atoms {
  /** Atoms over `t`; running validators and watches goes through `parts` (the language host). */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /** `atom`: a new atom holding `v` in `p`'s table under a fresh ref. @see Atoms.tla NewAtom */
  create(p: ProcessRecord, v: Value): AtomRef {
    this.parts.memory.withPending([v], () => this.parts.memory.safePoint(p));
    const ref = this.t.nextRef++;
    const { mutants, heap } = this.t;
    p.table.set(ref, { id: this.t.nextAtomId++, handle: heap.alloc(v, p.pid), stamp: 0, creator: p.pid, shared: false, validator: null, validatorOwner: p.pid, watches: this.emptyWatches(), history: mutants.has('cas-compares-values') ? new Map([[0, v]]) : null, durable: null });
    return new AtomRef(ref);
  }

  /**
   * `durable-atom`: the atom bound to the durable atom `name`, as a ref of `p`'s table. The store's
   * current value and stamp when it has the atom; else `init`, written to the store as its first
   * transition. A name bound in this kernel by an atom `p` does not hold is refused (its holder may share it).
   */
  durable(p: ProcessRecord, name: string, init: Value): AtomRef {
    const store = this.t.store;
    if (store === null) return noDurableStore('durable-atom');
    const bound = this.t.durable.get(name);
    if (bound !== undefined) {
      const mine = lowestRef(p.table, bound);
      if (mine !== undefined) return new AtomRef(mine);
      const held = [...this.t.processes.values()].some((q) => q.alive && lowestRef(q.table, bound) !== undefined);
      if (held) return durableBoundElsewhere(name, bound.creator);
    }
    const tr = store.current(name);
    let value = init;
    let stamp = 0;
    if (tr !== undefined) {
      value = withStore('durable-atom', () => store.value(tr.hash));
      stamp = tr.stamp;
    } else {
      withStore('durable-atom', () => {
        store.append({ atom: name, stamp: 0, value: init, writer: p.pid });
        store.flush();
      });
    }
    this.parts.memory.withPending([value], () => this.parts.memory.safePoint(p));
    const ref = this.t.nextRef++;
    const a: AtomRecord = { id: this.t.nextAtomId++, handle: this.t.heap.alloc(value, p.pid), stamp, creator: p.pid, shared: false, validator: null, validatorOwner: p.pid, watches: this.emptyWatches(), history: null, durable: name };
    p.table.set(ref, a);
    this.t.durable.set(name, a);
    return new AtomRef(ref);
  }

  /** The new atom a fork gives the child `child` for the parent's private atom `a`: same value cell and stamp, no watches. */
  copyFor(child: Pid, a: AtomRecord): AtomRecord {
    return { id: this.t.nextAtomId++, handle: a.handle, stamp: a.stamp, creator: child, shared: false, validator: a.validator, validatorOwner: child, watches: this.emptyWatches(), history: a.history === null ? null : new Map(a.history), durable: null };
  }

  /** The atom `ref` names in `p`'s table: `bad-input` when `ref` is not a ref, `capability-denied` when `p` has no such atom. */
  resolve(p: ProcessRecord, ref: unknown): AtomRecord {
    const n = readNat(ref, 'ref');
    const a = p.table.get(n);
    if (a !== undefined) return a;
    throw new KernelError('capability-denied', `process ${p.pid} has no #atom ${n} in its table`);
  }

  /** The current value of `a`. */
  value(a: AtomRecord): Value {
    return this.t.heap.read(a.handle);
  }

  /** A write (`swap`, `cas`, `compareAndSet`): through the validator. @see Atoms.tla Write */
  write(p: ProcessRecord, a: AtomRecord, ref: Ref, v: Value): void {
    this.commit(p, a, ref, v, a.validator);
  }

  /** A `reset`: a write, except that the `reset-skips-validator` mutant skips the validator. @see Atoms.tla Write */
  reset(p: ProcessRecord, a: AtomRecord, ref: Ref, v: Value): void {
    this.commit(p, a, ref, v, this.t.mutants.has('reset-skips-validator') ? null : a.validator);
  }

  /** `cas`: writes iff `stamp` is current → the new stamp; `stale-stamp` otherwise. @see Atoms.tla CAS */
  cas(p: ProcessRecord, ref: Ref, stamp: number, v: Value): number {
    const a = this.resolve(p, ref);
    let current = a.stamp === stamp;
    if (!current && a.history !== null && a.history.has(stamp)) current = equals(a.history.get(stamp)!, this.value(a)); // seeded ABA bug
    if (!current) throw new KernelError('stale-stamp', `stamp ${stamp} is stale (the atom's stamp is ${a.stamp})`);
    this.write(p, a, ref, v);
    return a.stamp;
  }

  /** Installs `f` (or, null, removes the validator) as `p`'s; `validator-rejected` when the current value fails it. */
  setValidator(p: ProcessRecord, a: AtomRecord, f: Fn | null): void {
    if (f !== null && !truthy(this.parts.language.callSync(p, f, [this.value(a)]))) throw new KernelError('validator-rejected', 'the current value fails the new validator');
    a.validator = f;
    a.validatorOwner = p.pid;
  }

  /** Adds (or replaces) `watcher`'s watch `key` on `a`: `fn` runs on every write, or (null) `[key old new]` is printed to the watcher. */
  addWatch(a: AtomRecord, key: Value, watcher: Pid, fn: Fn | null): void {
    a.watches = a.watches.with({ key, watcher, fn });
  }

  /** Removes the watch `key` from `a`. */
  removeWatch(a: AtomRecord, key: Value): void {
    a.watches = a.watches.without(key);
  }

  /** `share`: only the creator may share; the target gets the lowest ref it has for the atom, or a fresh one. @see Atoms.tla Share */
  share(p: ProcessRecord, ref: Ref, to: unknown): Ref {
    const a = this.resolve(p, ref);
    if (a.creator !== p.pid && !this.t.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
    const target = this.parts.processes.live(to);
    a.shared = true;
    const existing = [...target.table.entries()].filter(([, x]) => x === a).map(([r]) => r);
    if (existing.length > 0) return Math.min(...existing);
    const fresh = this.t.nextRef++;
    target.table.set(fresh, a);
    return fresh;
  }

  /** `capability-denied` unless `p` may share the atom `v` names in its table (its creator; `spawn` hands atoms to the child). */
  checkMayShare(p: ProcessRecord, a: AtomRecord, v: Value): void {
    if (a.creator !== p.pid && !this.t.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create ${shortText(v)} and may not share it`);
  }

  /** Removes every validator and watch the process `pid` installed on an atom a live process holds (it exited, ADR 0024). */
  removeCodeOf(pid: Pid): void {
    const seen = new Set<AtomRecord>();
    for (const q of this.t.processes.values()) {
      if (!q.alive) continue;
      for (const a of q.table.values()) {
        if (seen.has(a)) continue;
        seen.add(a);
        if (a.validator !== null && a.validatorOwner === pid) a.validator = null;
        for (const w of a.watches.list()) if (w.watcher === pid) a.watches = a.watches.without(w.key);
      }
    }
  }

  private emptyWatches(): WatchTable {
    return WatchTable.empty(this.t.mutants.has('hash-mismatch') ? brokenHash : hash);
  }

  /**
   * Writes `v` into `a`: `validator` first, when there is one (a failing one changes nothing),
   * then the new value and stamp + 1, then the watches with old and new.
   */
  private commit(p: ProcessRecord, a: AtomRecord, ref: Ref, v: Value, validator: Fn | null): void {
    const { memory } = this.parts;
    const old = this.value(a);
    const watchesFirst = this.t.mutants.has('watch-before-write');
    if (watchesFirst) this.notify(p, a, ref, old, v);
    if (validator !== null) {
      const verdict = memory.withPending([old, v], () => this.runValidator(p, a.validatorOwner, validator, v));
      if (!truthy(verdict)) throw new KernelError('validator-rejected', `validator rejected ${shortText(v)}`);
    }
    memory.withPending([old, v], () => memory.safePoint(p));
    const durable = a.durable;
    const store = this.t.store;
    if (durable !== null && store !== null) {
      // Acknowledged only once durable: the transition is flushed before the atom changes.
      withStore(`durable atom :${durable}`, () => {
        store.append({ atom: durable, stamp: a.stamp + 1, value: v, writer: p.pid });
        store.flush();
      });
    }
    a.handle = this.t.heap.alloc(v, p.pid);
    a.stamp += 1;
    a.history?.set(a.stamp, v);
    if (!watchesFirst) this.notify(p, a, ref, old, v);
  }

  private notify(p: ProcessRecord, a: AtomRecord, ref: Ref, old: Value, v: Value): void {
    for (const w of a.watches.list()) {
      if (w.fn === null) {
        const watcher = this.t.processes.get(w.watcher);
        if (watcher?.alive) this.parts.processes.notice(watcher, printEdnOrElided(new Vector([w.key, old, v])));
      } else {
        const fn = w.fn;
        // The watch gets the atom under its owner's name for it (the writer's, for its own watches).
        const asWriter = w.watcher === p.pid || this.t.mutants.has('watch-runs-as-writer');
        const owner = this.t.processes.get(w.watcher);
        const name = asWriter || owner === undefined ? ref : lowestRef(owner.table, a);
        if (name === undefined) continue;
        this.parts.memory.withPending([old, v], () => this.runWatch(p, w.watcher, fn, [w.key, new AtomRef(name), old, v], w.key));
      }
    }
  }

  /** Runs the validator `fn` installed by `ownerPid` on `v` for a write by `writer`; a failure of foreign code rejects the write. */
  private runValidator(writer: ProcessRecord, ownerPid: Pid, fn: Fn, v: Value): Value {
    const owner = this.t.processes.get(ownerPid);
    if (this.t.mutants.has('validator-runs-as-writer') || ownerPid === writer.pid) return this.parts.language.callSync(writer, fn, [v]);
    if (owner === undefined || !owner.alive) return true; // exit removes its code; never run it as someone else
    const r = this.runForeign(writer, owner, fn, [v]);
    if ('value' in r) return r.value;
    throw new KernelError('validator-rejected', `the validator of process ${owner.pid} failed (${r.kind}: ${r.message})`);
  }

  /** Runs the watch `fn` (key `key`) installed by `ownerPid` for a write by `writer`; a failure of foreign code is `[:watch-failed key :kind]` in its owner's output. */
  private runWatch(writer: ProcessRecord, ownerPid: Pid, fn: Fn, args: readonly Value[], key: Value): void {
    const owner = this.t.processes.get(ownerPid);
    if (this.t.mutants.has('watch-runs-as-writer') || ownerPid === writer.pid) {
      this.parts.language.callSync(writer, fn, args);
      return;
    }
    if (owner === undefined || !owner.alive) return; // exit removes its code; never run it as someone else
    const r = this.runForeign(writer, owner, fn, args);
    if (!('value' in r)) this.parts.processes.notice(owner, printEdnOrElided(new Vector([Keyword.of('watch-failed'), key, Keyword.of(r.kind)])));
  }

  /**
   * Runs code `owner` installed for a write by `writer` (ADR 0024): on the owner's behalf (its
   * table, output, registers, heap account), with at most `callbackFuel` steps charged to the
   * owner's tree. Its failure is returned, never thrown at the writer.
   */
  private runForeign(writer: ProcessRecord, owner: ProcessRecord, fn: Fn, args: readonly Value[]): { readonly value: Value } | ForeignFailure {
    const { language } = this.parts;
    if (this.t.mutants.has('foreign-code-charged-to-writer')) {
      // Seeded bug: the owner's code runs on the writer's fuel and its failure is the writer's.
      const saved = owner.fuelLeft;
      owner.fuelLeft = writer.fuelLeft;
      try {
        return { value: language.callSync(owner, fn, args) };
      } finally {
        writer.fuelLeft = owner.fuelLeft;
        owner.fuelLeft = saved;
      }
    }
    const saved = owner.fuelLeft;
    const savedBlocked = owner.blockedOn;
    owner.fuelLeft = Math.max(0, Math.min(this.t.quotas.callbackFuel, owner.account.fuel));
    try {
      for (const x of args) if (isComposite(x)) this.t.heap.alloc(x, owner.pid);
      // Nested too deep: the owner's code fails (its failure, never the writer's).
      const end = language.nest(owner, () => language.runAtomic(owner, callState(fn, args))).state;
      if (end.mode === 'halt') return { value: end.value };
      return end.mode === 'failed' ? { kind: end.kind, message: end.message } : { kind: 'program-error', message: 'a validator or watch may not block (join)' };
    } catch (e) {
      if (e instanceof KernelError) return { kind: e.kind, message: e.message };
      if (e instanceof IntOverflowError) return { kind: 'program-error', message: e.message };
      throw e;
    } finally {
      owner.fuelLeft = saved;
      owner.blockedOn = savedBlocked;
    }
  }
}
