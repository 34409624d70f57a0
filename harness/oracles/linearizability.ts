/**
 * A linearizability checker in the style of Wing & Gong (1993) with Lowe's memoisation (2017),
 * as in Porcupine: a depth-first search for a total order of the operations that respects
 * real time (an operation that returned before another was called comes first) and that the
 * sequential model accepts, with a cache of (linearized set, model state) pairs already tried.
 * Histories are partitioned by object first (P-compositionality), so each atom is checked alone.
 *
 * Judges only: it never runs a kernel (see harness/oracles/README in the harness issue).
 * @module
 */

/** A sequential specification of one object. */
export interface SequentialModel<S, I, O> {
  /** The initial state. */
  init(): S;
  /** The state after `input` answered with `output`, or `undefined` if the model forbids that answer. */
  step(state: S, input: I, output: O): S | undefined;
  /** A canonical key of a state (equal states, equal keys). */
  key(state: S): string;
}

/** One completed operation of a concurrent history. */
export interface Operation<I, O> {
  /** The client (thread, process) that issued it. */
  readonly client: number;
  /** The object it acted on (histories are checked per object). */
  readonly object: number;
  /** Invocation time (any totally ordered clock, e.g. a shared counter). */
  readonly call: number;
  /** Response time (`ret > call`). */
  readonly ret: number;
  /** The request. */
  readonly input: I;
  /** The response. */
  readonly output: O;
}

/** The verdict of {@link checkLinearizable}. */
export type Verdict =
  /** Linearizable; `order` lists operation indices (into the input history) in a witness order. */
  | { readonly ok: true; readonly order: readonly number[] }
  /** Not linearizable: `object` has no valid order; `longestPrefix` is the deepest partial order found. */
  | { readonly ok: false; readonly object: number; readonly longestPrefix: readonly number[] }
  /** The search gave up after `maxSteps` (the history is too large to decide). */
  | { readonly ok: 'unknown'; readonly object: number };

interface Entry {
  readonly id: number; // operation index
  readonly isCall: boolean;
  readonly time: number;
  match: Entry | null; // call ↔ return
  prev: Entry | null;
  next: Entry | null;
}

function lift(e: Entry): void {
  // Remove a call entry and its return from the list.
  e.prev!.next = e.next;
  if (e.next) e.next.prev = e.prev;
  const r = e.match!;
  r.prev!.next = r.next;
  if (r.next) r.next.prev = r.prev;
}

function unlift(e: Entry): void {
  const r = e.match!;
  r.prev!.next = r;
  if (r.next) r.next.prev = r;
  e.prev!.next = e;
  if (e.next) e.next.prev = e;
}

function checkOne<S, I, O>(model: SequentialModel<S, I, O>, ops: readonly Operation<I, O>[], ids: readonly number[], maxSteps: number): { ok: boolean | 'unknown'; order: number[] } {
  const n = ids.length;
  const events: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[ids[i]!]!;
    if (!(op.ret > op.call)) throw new RangeError(`operation ${ids[i]} returns (${op.ret}) before it is called (${op.call})`);
    const c: Entry = { id: i, isCall: true, time: op.call, match: null, prev: null, next: null };
    const r: Entry = { id: i, isCall: false, time: op.ret, match: c, prev: null, next: null };
    c.match = r;
    events.push(c, r);
  }
  // Calls before returns at equal times (concurrent, the permissive reading).
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = { id: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  const words = Math.ceil(n / 32) || 1;
  const linearized = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let best: number[] = [];
  let steps = 0;
  while (head.next !== null) {
    if (++steps > maxSteps) return { ok: 'unknown', order: best };
    if (entry === null) throw new Error('internal: ran off the event list');
    if (entry.isCall) {
      const op = ops[ids[entry.id]!]!;
      const next = model.step(state, op.input, op.output);
      let advanced = false;
      if (next !== undefined) {
        linearized[entry.id >>> 5]! |= 1 << (entry.id & 31);
        const key = `${linearized.join(',')}|${model.key(next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          state = next;
          lift(entry);
          advanced = true;
          if (stack.length > best.length) best = stack.map((s) => ids[s.entry.id]!);
          entry = head.next;
        } else linearized[entry.id >>> 5]! &= ~(1 << (entry.id & 31));
      }
      if (!advanced) entry = entry.next;
    } else {
      // A return whose call is not yet linearized: backtrack.
      const top = stack.pop();
      if (top === undefined) return { ok: false, order: best };
      state = top.state;
      linearized[top.entry.id >>> 5]! &= ~(1 << (top.entry.id & 31));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { ok: true, order: stack.map((s) => ids[s.entry.id]!) };
}

/**
 * Decides whether `history` is linearizable with respect to `model` (one model instance per
 * object). `maxSteps` bounds the search per object (default 10^7).
 */
export function checkLinearizable<S, I, O>(model: SequentialModel<S, I, O>, history: readonly Operation<I, O>[], maxSteps = 10_000_000): Verdict {
  const byObject = new Map<number, number[]>();
  history.forEach((op, i) => {
    let l = byObject.get(op.object);
    if (l === undefined) byObject.set(op.object, (l = []));
    l.push(i);
  });
  const order: number[] = [];
  for (const [object, ids] of [...byObject].sort((a, b) => a[0] - b[0])) {
    const r = checkOne(model, history, ids, maxSteps);
    if (r.ok === 'unknown') return { ok: 'unknown', object };
    if (!r.ok) return { ok: false, object, longestPrefix: r.order };
    order.push(...r.order);
  }
  return { ok: true, order };
}

// ---- the atom model (ADR 0003: values and stamps) ----

/** An atom's sequential state. */
export interface AtomState {
  /** The current value (any comparable text, e.g. EDN). */
  readonly value: string;
  /** The stamp: +1 per successful write. */
  readonly stamp: number;
}

export type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';
import type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';

/** The sequential atom of ADR 0003, starting from `initial` at stamp 0. */
export function atomModel(initial: string): SequentialModel<AtomState, AtomInput, AtomOutput> {
  return {
    init: () => ({ value: initial, stamp: 0 }),
    key: (s) => `${s.stamp}:${s.value}`,
    step(s, input, output) {
      switch (input.op) {
        case 'deref': {
          const o = output as { value: string; stamp: number };
          return typeof o === 'object' && o !== null && 'value' in o && o.value === s.value && o.stamp === s.stamp ? s : undefined;
        }
        case 'reset':
          return output === input.value ? { value: input.value, stamp: s.stamp + 1 } : undefined;
        case 'cas':
          if (input.stamp === s.stamp) return typeof output === 'object' && output !== null && 'stamp' in output && output.stamp === s.stamp + 1 ? { value: input.value, stamp: s.stamp + 1 } : undefined;
          return output === 'stale' ? s : undefined;
        case 'compareAndSet':
          if (input.expected === s.value) return output === true ? { value: input.value, stamp: s.stamp + 1 } : undefined;
          return output === false ? s : undefined;
      }
    },
  };
}
