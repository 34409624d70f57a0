/**
 * The reference store: plain maps and arrays in memory, written for obviousness, not speed. It
 * answers every query exactly as the durable store must (the differential tests compare them),
 * and {@link MemoryStore.crash} drops staged transitions as a killed process would.
 * @module
 */
import {
  asOfRetained, checkRetentionPolicy, checkTransitionInput, retainedOf, StoreBadInput, StoreClosed, StoreConflict,
  StoreMissingValue,
  type CompactionReport, type DurableStore, type RetentionPolicy, type StoreStats, type Transition, type TransitionInput,
  type ValueHash,
} from '../spec/Store.js';
import type { Value } from '../spec/Values.js';
import { hashValue } from './nodes.js';

/** Options of both stores. */
export interface StoreOptions {
  /** The wall clock stamped on transitions (default `Date.now`). */
  readonly clock?: () => number;
}

/** The reference {@link DurableStore}: nothing survives the process. */
export class MemoryStore implements DurableStore {
  /** Always `memory`. */
  readonly kind = 'memory';
  /** Acknowledged values by hash. */
  private readonly values = new Map<ValueHash, Value>();
  /** The acknowledged, retained log, in order. */
  private log: Transition[] = [];
  /** Staged transitions and their values, in order. */
  private staged: { readonly tr: Transition; readonly value: Value }[] = [];
  /** Each atom's first transition ever (kept by compaction). */
  private readonly firstT = new Map<string, number>();
  private nextT = 1;
  private commits = 0;
  private closed = false;
  private readonly clock: () => number;
  private waiters: { readonly t: number; readonly resolve: (tr: Transition) => void }[] = [];
  private scheduled = false;

  /** Creates an empty store. */
  constructor(options: StoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  private open(): void {
    if (this.closed) throw new StoreClosed();
  }

  /** @inheritdoc */
  basis(): number {
    this.open();
    return this.log.length === 0 ? 0 : this.log[this.log.length - 1]!.t;
  }

  /** The atom's latest stamp counting staged transitions, or -1. */
  private lastStamp(atom: string): number {
    for (let i = this.staged.length - 1; i >= 0; i--) if (this.staged[i]!.tr.atom === atom) return this.staged[i]!.tr.stamp;
    const cur = this.current(atom);
    return cur === undefined ? -1 : cur.stamp;
  }

  /** @inheritdoc */
  append(input: TransitionInput): Transition {
    this.open();
    checkTransitionInput(input);
    const expected = this.lastStamp(input.atom) + 1;
    if (input.stamp !== expected) throw new StoreConflict(input.atom, expected, input.stamp);
    const hash = hashValue(input.value);
    const tr: Transition = { t: this.nextT, tx: this.commits + 1, atom: input.atom, stamp: input.stamp, hash, time: this.clock(), writer: input.writer };
    this.nextT++;
    this.staged.push({ tr, value: input.value });
    return tr;
  }

  /** @inheritdoc */
  flush(): readonly Transition[] {
    this.open();
    if (this.staged.length === 0) return [];
    this.commits++;
    const done = this.staged.map(({ tr, value }) => {
      this.values.set(tr.hash, value);
      if (!this.firstT.has(tr.atom)) this.firstT.set(tr.atom, tr.t);
      const acked: Transition = { ...tr, tx: this.commits };
      this.log.push(acked);
      return acked;
    });
    this.staged = [];
    const ready = this.waiters;
    this.waiters = [];
    for (const w of ready) w.resolve(done.find((d) => d.t === w.t)!);
    return done;
  }

  /** @inheritdoc */
  commit(input: TransitionInput): Promise<Transition> {
    const tr = this.append(input);
    return new Promise((resolve) => {
      this.waiters.push({ t: tr.t, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => { this.scheduled = false; if (!this.closed) this.flush(); });
      }
    });
  }

  /** Drops every staged transition, as a crash would (`Crash` of Durable.tla). */
  crash(): void {
    this.open();
    this.staged = [];
    this.waiters = [];
    this.nextT = this.basis() + 1;
  }

  /** @inheritdoc */
  pending(): number {
    this.open();
    return this.staged.length;
  }

  /** @inheritdoc */
  value(hash: ValueHash): Value {
    this.open();
    if (this.values.has(hash)) return this.values.get(hash)!;
    const s = this.staged.find((x) => x.tr.hash === hash);
    if (s !== undefined) return s.value;
    throw new StoreMissingValue(hash);
  }

  /** @inheritdoc */
  hashOf(value: Value): ValueHash {
    return hashValue(value);
  }

  /** @inheritdoc */
  atoms(): readonly string[] {
    this.open();
    return [...this.firstT.keys()].sort();
  }

  /** @inheritdoc */
  current(atom: string): Transition | undefined {
    const h = this.history(atom);
    return h[h.length - 1];
  }

  /** @inheritdoc */
  asOf(atom: string, t: number): Transition | undefined {
    this.open();
    const first = this.firstT.get(atom);
    if (first === undefined) return undefined;
    return asOfRetained(atom, t, first, this.history(atom));
  }

  /** @inheritdoc */
  snapshot(t: number): ReadonlyMap<string, Transition> {
    const out = new Map<string, Transition>();
    for (const a of this.atoms()) {
      const tr = this.asOf(a, t);
      if (tr !== undefined) out.set(a, tr);
    }
    return out;
  }

  /** @inheritdoc */
  since(t: number, atom?: string): readonly Transition[] {
    this.open();
    return this.log.filter((tr) => tr.t > t && (atom === undefined || tr.atom === atom));
  }

  /** @inheritdoc */
  history(atom: string): readonly Transition[] {
    this.open();
    return this.log.filter((tr) => tr.atom === atom);
  }

  /** @inheritdoc */
  async compact(policy: RetentionPolicy): Promise<CompactionReport> {
    this.open();
    checkRetentionPolicy(policy);
    if (this.staged.length > 0) throw new StoreBadInput('compaction needs a flushed store: transitions are staged');
    const keep = new Set<number>();
    for (const a of this.atoms()) for (const tr of retainedOf(policy, this.history(a))) keep.add(tr.t);
    const before = this.stats();
    this.log = this.log.filter((tr) => keep.has(tr.t));
    const live = new Set(this.log.map((tr) => tr.hash));
    for (const h of [...this.values.keys()]) if (!live.has(h)) this.values.delete(h);
    const after = this.stats();
    return { transitionsBefore: before.transitions, transitionsAfter: after.transitions, nodesBefore: before.nodes, nodesAfter: after.nodes };
  }

  /** @inheritdoc */
  stats(): StoreStats {
    this.open();
    return { transitions: this.log.length, nodes: this.values.size, nodeBytes: 0, commits: this.commits };
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.closed = true;
    this.staged = [];
    this.waiters = [];
    return Promise.resolve();
  }
}
