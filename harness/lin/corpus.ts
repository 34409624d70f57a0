/**
 * Histories with known verdicts, generated deterministically from a seed: clients of a simulated
 * register, compare-and-set register or key-value store (Jepsen's independent keys), correct or
 * deliberately broken (lost updates, stale reads, on some keys only), with timed-out operations.
 *
 * A correct store applies each operation atomically at a point between its call and its return,
 * so its histories are linearizable by construction. A broken store's verdict is known from a
 * witness found by {@link findWitnesses}, independently of the checker: every written value is
 * unique, so a read of a value overwritten before the read began, or two successful `cas` from the
 * same value, cannot be linearized.
 * @module
 */
import { createRng } from '../../spec/Random.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { Vector, type Value } from '../../spec/Values.js';
import { UNKNOWN, type Op } from './checker.js';
import type { JepsenInput, JepsenOutput } from './models.js';

/** A store's bug. */
export type StoreBug = 'none' | 'lost-update' | 'stale-read';

/** What to simulate. */
export interface SimOptions {
  /** The store: one register, one CAS register, or a key-value store of `keys` CAS registers. */
  readonly model: 'register' | 'cas-register' | 'kv';
  /** The seed (same seed, same history). */
  readonly seed: number;
  /** Number of operations. */
  readonly ops: number;
  /** Concurrent clients (default 5). */
  readonly clients?: number;
  /** Keys of the kv store (default 10). */
  readonly keys?: number;
  /** Fraction of operations that time out (default 0.02): outcome unknown, maybe applied. */
  readonly timeoutRate?: number;
  /** The store's bug (default none). */
  readonly bug?: StoreBug;
  /** The keys the bug affects (default: every key). */
  readonly badKeys?: readonly number[];
}

/** One Jepsen history event. */
export interface HistoryEvent {
  /** `invoke`, `ok`, `fail` or `info`. */
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  /** The function. */
  readonly f: string;
  /** The value (for kv, a `[key value]` tuple). */
  readonly value: Value;
  /** The process. */
  readonly process: number;
  /** The time. */
  readonly time: number;
}

/** A simulated history. */
export interface SimHistory {
  /** The operations, as the checker takes them (timed-out ones with return `Infinity`). */
  readonly ops: readonly Op<JepsenInput, JepsenOutput>[];
  /** The same history as Jepsen events in time order. */
  readonly events: readonly HistoryEvent[];
  /** The known verdict. */
  readonly expected: 'ok' | 'violation';
  /** Keys (partition keys; `undefined` for a single register) with a violation witness. */
  readonly violatedKeys: readonly unknown[];
}

interface Planned {
  client: number;
  process: number;
  key: number;
  call: number;
  ret: number;
  lin: number;
  timedOut: boolean;
  applied: boolean;
  f: 'read' | 'write' | 'cas';
  input: Value;
  output: JepsenOutput | typeof UNKNOWN;
}

/** Simulates a store and its clients; see the module documentation for what the verdicts rest on. */
export function simulate(opts: SimOptions): SimHistory {
  const rng = createRng(opts.seed);
  const nClients = opts.clients ?? 5;
  const nKeys = opts.model === 'kv' ? (opts.keys ?? 10) : 1;
  const timeoutRate = opts.timeoutRate ?? 0.02;
  const bug = opts.bug ?? 'none';
  const bad = new Set(opts.badKeys ?? Array.from({ length: nKeys }, (_, k) => k));
  // 1. Schedule: each client issues operations one after another; each takes effect at a point
  //    inside its interval (a timed-out one maybe later, maybe never).
  const plan: Planned[] = [];
  const clock = new Array<number>(nClients).fill(0);
  const process = Array.from({ length: nClients }, (_, c) => c);
  for (let i = 0; i < opts.ops; i++) {
    let c = 0;
    for (let k = 1; k < nClients; k++) if (clock[k]! < clock[c]!) c = k;
    const call = clock[c]! + 1 + rng.int(4);
    const dur = 1 + rng.int(rng.next() < 0.1 ? 40 : 12);
    const timedOut = rng.next() < timeoutRate;
    const r = rng.next();
    const f = opts.model === 'register' ? (r < 0.5 ? 'read' : 'write') : r < 0.45 ? 'read' : r < 0.7 ? 'write' : 'cas';
    const lin = call + (timedOut ? rng.next() * dur * 3 : 0.05 + rng.next() * (dur - 0.1));
    plan.push({ client: c, process: process[c]!, key: rng.int(nKeys), call, ret: call + dur, lin, timedOut, applied: !timedOut || rng.next() < 0.5, f, input: null, output: UNKNOWN });
    clock[c] = call + dur;
    if (timedOut) process[c] = process[c]! + nClients; // a crashed process never comes back
  }
  // 2. Apply in order of effect to the store, which answers each client.
  let nextValue = 1;
  const current: Value[] = new Array<Value>(nKeys).fill(null);
  const timeline: { at: number; value: Value }[][] = Array.from({ length: nKeys }, () => [{ at: -Infinity, value: null }]);
  const valueAt = (k: number, t: number): Value => {
    const tl = timeline[k]!;
    let v: Value = null;
    for (const e of tl) if (e.at <= t) v = e.value;
    return v;
  };
  const seen: Value[][] = Array.from({ length: nKeys }, () => [null]);
  for (const op of [...plan].sort((a, b) => a.lin - b.lin)) {
    const k = op.key;
    const buggy = bug !== 'none' && bad.has(k);
    const set = (v: Value): void => {
      current[k] = v;
      timeline[k]!.push({ at: op.lin, value: v });
      seen[k]!.push(v);
    };
    if (op.f === 'read') {
      op.input = null;
      const v = buggy && bug === 'stale-read' && rng.next() < 0.3 ? valueAt(k, op.lin - 25) : current[k]!;
      op.output = { type: 'ok', value: v };
    } else if (op.f === 'write') {
      const v = BigInt(nextValue++);
      op.input = v;
      if (op.applied) set(v);
      op.output = { type: 'ok', value: v };
    } else {
      const to = BigInt(nextValue++);
      const s = seen[k]!;
      // A cas compares with the value at its effect; the lost-update store compares with the
      // value it read when called (a read-then-write that is not atomic).
      const observed = buggy && bug === 'lost-update' ? valueAt(k, op.call) : current[k]!;
      const from = rng.next() < 0.7 ? observed : s[rng.int(s.length)]!;
      op.input = new Vector([from, to]);
      const ok = from === observed;
      if (ok && op.applied) set(to);
      op.output = { type: ok ? 'ok' : 'fail', value: op.input };
    }
    if (op.timedOut) op.output = UNKNOWN;
  }
  // 3. The history, as operations and as Jepsen events.
  const kv = opts.model === 'kv';
  const ops: Op<JepsenInput, JepsenOutput>[] = plan.map((p) => ({
    client: p.process,
    ...(kv ? { key: BigInt(p.key) } : {}),
    call: p.call,
    ret: p.timedOut ? Infinity : p.ret,
    input: { f: p.f, value: p.input },
    output: p.output,
  }));
  const wrap = (k: number, v: Value): Value => (kv ? new Vector([BigInt(k), v]) : v);
  const events: (HistoryEvent & { order: number })[] = [];
  for (const p of plan) {
    events.push({ type: 'invoke', f: p.f, value: wrap(p.key, p.input), process: p.process, time: p.call, order: 1 });
    const out = p.output;
    const type = out === UNKNOWN ? 'info' : out.type;
    events.push({ type, f: p.f, value: wrap(p.key, out === UNKNOWN ? p.input : out.value), process: p.process, time: p.ret, order: 0 });
  }
  // Returns before calls at equal times: each operation takes effect strictly inside its interval.
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  const violatedKeys = findWitnesses(ops);
  return { ops, events: events.map(({ order: _o, ...e }) => e), expected: violatedKeys.length > 0 ? 'violation' : 'ok', violatedKeys };
}

/**
 * The partition keys whose operations hold a witness of non-linearizability, assuming every value
 * is written at most once and never `nil`: a completed read of `x` that began after a write of some
 * other value completed, which itself began after the write of `x` completed (or any write, if `x`
 * is nil); or two successful `cas` from the same value.
 */
export function findWitnesses(ops: readonly Op<JepsenInput, JepsenOutput>[]): unknown[] {
  const byKey = new Map<unknown, Op<JepsenInput, JepsenOutput>[]>();
  for (const op of ops) {
    const id = typeof op.key === 'bigint' ? op.key : (op.key ?? null);
    let l = byKey.get(id);
    if (l === undefined) byKey.set(id, (l = []));
    l.push(op);
  }
  const out: unknown[] = [];
  for (const [key, list] of byKey) {
    const writes: { value: Value; call: number; ret: number }[] = [];
    const casFrom = new Set<Value>();
    let witness = false;
    for (const op of list) {
      if (op.output === UNKNOWN || op.output.type !== 'ok') continue;
      if (op.input.f === 'write') writes.push({ value: op.input.value, call: op.call, ret: op.ret });
      if (op.input.f === 'cas') {
        const v = op.input.value as Vector;
        const from = v.at(0)!;
        writes.push({ value: v.at(1)!, call: op.call, ret: op.ret });
        if (casFrom.has(from)) witness = true;
        casFrom.add(from);
      }
    }
    for (const r of list) {
      if (witness) break;
      if (r.input.f !== 'read' || r.output === UNKNOWN || r.output.type !== 'ok') continue;
      const x = r.output.value;
      const wx = x === null ? -Infinity : writes.find((w) => w.value === x)?.ret;
      if (wx === undefined) continue;
      if (writes.some((w) => w.value !== x && w.call > wx && w.ret < r.call)) witness = true;
    }
    if (witness) out.push(key === null ? undefined : key);
  }
  return out;
}

/** Prints `events` as a Jepsen EDN history, one map per line. */
export function toEdnHistory(events: readonly HistoryEvent[], print: (v: Value) => string): string {
  return events.map((e) => `{:type :${e.type}, :f :${e.f}, :value ${print(e.value)}, :process ${e.process}, :time ${e.time}}\n`).join('');
}

/** One history of the corpus: how it is generated and whether it is small enough to keep as a file. */
export interface CorpusEntry {
  /** Its name (the file `tests/lin/corpus/<name>.edn` for kept ones). */
  readonly name: string;
  /** The model it is checked against. */
  readonly model: 'register' | 'cas-register' | 'kv';
  /** How it is generated. */
  readonly sim: SimOptions;
  /** Kept as a file (small), or generated when used (large). */
  readonly kept: boolean;
}

const entry = (name: string, sim: SimOptions, kept: boolean): CorpusEntry => ({ name, model: sim.model, sim, kept });

/**
 * The corpus: correct and broken registers, CAS registers and 10-key stores, with timed-out
 * operations; the large ones (thousands of operations) are generated when used.
 */
export const CORPUS: readonly CorpusEntry[] = [
  entry('register-ok', { model: 'register', seed: 1, ops: 150, clients: 5, timeoutRate: 0.05 }, true),
  entry('register-stale-read', { model: 'register', seed: 2, ops: 150, clients: 5, timeoutRate: 0.05, bug: 'stale-read' }, true),
  entry('cas-register-ok', { model: 'cas-register', seed: 3, ops: 150, clients: 5, timeoutRate: 0.05 }, true),
  entry('cas-register-lost-update', { model: 'cas-register', seed: 4, ops: 150, clients: 5, timeoutRate: 0.05, bug: 'lost-update' }, true),
  entry('kv10-ok-250', { model: 'kv', seed: 5, ops: 250, clients: 8, timeoutRate: 0.05 }, true),
  entry('kv10-stale-read-some-keys-250', { model: 'kv', seed: 6, ops: 250, clients: 8, timeoutRate: 0.05, bug: 'stale-read', badKeys: [2, 5, 7] }, true),
  entry('kv10-ok-2000', { model: 'kv', seed: 7, ops: 2000, clients: 10, timeoutRate: 0.05 }, false),
  entry('kv10-ok-5000', { model: 'kv', seed: 8, ops: 5000, clients: 12, timeoutRate: 0.05 }, false),
  entry('kv10-stale-read-some-keys-2000', { model: 'kv', seed: 9, ops: 2000, clients: 10, timeoutRate: 0.05, bug: 'stale-read', badKeys: [1, 4, 6, 9] }, false),
  entry('kv10-lost-update-some-keys-4000', { model: 'kv', seed: 10, ops: 4000, clients: 10, timeoutRate: 0.05, bug: 'lost-update', badKeys: [0, 3, 8] }, false),
  entry('cas-register-ok-2000', { model: 'cas-register', seed: 11, ops: 2000, clients: 6, timeoutRate: 0.03 }, false),
  entry('cas-register-lost-update-2000', { model: 'cas-register', seed: 12, ops: 2000, clients: 6, timeoutRate: 0.03, bug: 'lost-update' }, false),
  entry('cas-register-ok-contended-400', { model: 'cas-register', seed: 13, ops: 400, clients: 15, timeoutRate: 0.1 }, false),
  entry('kv10-ok-contended-3000', { model: 'kv', seed: 15, ops: 3000, clients: 40, timeoutRate: 0.1 }, false),
  entry('kv10-stale-read-contended-3000', { model: 'kv', seed: 16, ops: 3000, clients: 40, timeoutRate: 0.1, bug: 'stale-read', badKeys: [2, 5] }, false),
];

/** The Jepsen EDN text of a corpus entry and its known verdict. */
export function corpusHistory(e: CorpusEntry): { readonly edn: string; readonly history: SimHistory } {
  const history = simulate(e.sim);
  return { edn: toEdnHistory(history.events, printEdn), history };
}
