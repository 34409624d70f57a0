/**
 * The linearizability oracle for atom histories: decides whether a recorded history of atom
 * operations is linearizable against the sequential atom (ADR 0003), per atom. A thin form of the
 * general checker in harness/lin/checker.ts (Wing & Gong's search with Lowe's memoisation, as in
 * Porcupine), kept for the parallel runtimes' tests.
 *
 * Judges only: it never runs a kernel.
 * @module
 */
import { checkHistory, type CheckOptions, type Model } from '../lin/checker.js';
import { renderHtml } from '../lin/html.js';

export { atomModel, type AtomState } from '../lin/models.js';
export type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';

/** A sequential specification of one object (see {@link Model} for hashing and unknown outcomes). */
export type SequentialModel<S, I, O> = Model<S, I, O>;

/** One completed operation of a concurrent history on numbered objects. */
export interface Operation<I, O> {
  /** The client (thread, process) that issued it. */
  readonly client: number;
  /** The object it acted on (histories are checked per object). */
  readonly object: number;
  /** Invocation time (any totally ordered clock, e.g. a shared counter). */
  readonly call: number;
  /** Response time (`ret >= call`). */
  readonly ret: number;
  /** The request. */
  readonly input: I;
  /** The response. */
  readonly output: O;
}

/** The verdict of {@link checkLinearizable}. */
export type Verdict =
  /** Linearizable; `order` lists operation indices (into the input history) in a witness order, object by object. */
  | { readonly ok: true; readonly order: readonly number[] }
  /** Not linearizable: `object` has no valid order; `longestPrefix` is the longest partial order found. */
  | { readonly ok: false; readonly object: number; readonly longestPrefix: readonly number[] }
  /** The search gave up (`maxSteps` per object, or memory) before deciding `object`, and found no violation elsewhere. */
  | { readonly ok: 'unknown'; readonly object: number };

/**
 * Decides whether `history` is linearizable with respect to `model` (one model instance per
 * object). `maxSteps` bounds the search, per object on average (default 10^7); a violation in
 * any object is reported even when another object is undecided.
 */
export function checkLinearizable<S, I, O>(model: SequentialModel<S, I, O>, history: readonly Operation<I, O>[], maxSteps = 10_000_000, options: CheckOptions = {}): Verdict {
  const ops = history.map((op) => ({ client: op.client, key: op.object, call: op.call, ret: op.ret, input: op.input, output: op.output }));
  const objects = new Set(history.map((op) => op.object)).size;
  const r = checkHistory(model, ops, { maxSteps: maxSteps * Math.max(1, objects), ...options });
  const byObject = [...r.partitions].sort((a, b) => (a.key as number) - (b.key as number));
  const bad = byObject.find((p) => p.verdict === 'violation');
  if (bad !== undefined) return { ok: false, object: bad.key as number, longestPrefix: bad.linearization };
  const open = byObject.find((p) => p.verdict !== 'ok');
  if (open !== undefined) return { ok: 'unknown', object: open.key as number };
  return { ok: true, order: byObject.flatMap((p) => p.linearization) };
}

/**
 * The picture of a history (a self-contained HTML timeline: one lane per client, the longest
 * partial linearization numbered, the operation that cannot be placed marked), for a failure
 * report: what `immutos lin` writes next to a history file.
 */
export function historyPicture<S, I, O>(model: SequentialModel<S, I, O>, history: readonly Operation<I, O>[], title: string, options: CheckOptions = {}): string {
  const ops = history.map((op) => ({ client: op.client, key: op.object, call: op.call, ret: op.ret, input: op.input, output: op.output }));
  return renderHtml(model, ops, checkHistory(model, ops, options), { title });
}
