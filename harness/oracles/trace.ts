/**
 * Trace validation of a kernel (the reference, or the optimized kernel on any tier and memory
 * backend: any kernel with an `inspect()` of the {@link KernelSnapshot} shape) against the TS
 * spec, `spec/KernelActions.ts` (the generic actions of `spec/tla/Kernel.tla`): each op is turned into one
 * generic action by `specOpStep` (spec/SpecEngine.ts, the same adapter the fuzzer's `spec`
 * engine runs on), and after every op the kernel's internal state (`inspect()`) is mapped by an
 * abstraction function to the same canonical form as the generic kernel state. The step must be
 * that action (same outcome, same abstract successor) or a stutter (abstract state unchanged).
 *
 * The abstraction forgets what the operation level does not have — heap cells and handles, the
 * collector, the interpreter, validator code (kept as "has a validator"), the `seen` register of
 * `Deref` (the reference kernel keeps none) — and names atoms by order of first appearance
 * (scanning live processes by pid, then refs), so that atom identities compare up to renaming
 * while aliasing (which refs share one atom) is preserved.
 *
 * Code (swap functions, validators) is drawn from a fixed menu whose meaning the validator knows
 * ({@link FN_MENU}, {@link VALIDATOR_MENU}); other code is {@link NotModelled}.
 * @module
 */
import { printEdn } from '../../spec/codec/Edn.js';
import type { Kernel, KernelOptions, Op, Outcome } from '../../spec/Kernel.js';
import { NotModelled, specKernelInit, specOpStep, watchLine, type OpInterpreter, type SpecKernelState } from '../../spec/SpecEngine.js';
import { Vector, equals, type Value } from '../../spec/Values.js';
import { createReferenceKernel, type KernelSnapshot } from '../../reference/index.js';

export { NotModelled };

/** Swap functions the validator understands, by source text. */
export const FN_MENU: Readonly<Record<string, (v: Value) => Value>> = {
  '(fn [x] [x])': (x) => new Vector([x]),
  '(fn [x] 0)': () => 0n,
  '(fn [x] (if (int? x) (inc x) 1))': (x) => (typeof x === 'bigint' ? x + 1n : 1n),
};

/** Validators the validator understands, by source text. */
export const VALIDATOR_MENU: Readonly<Record<string, (v: Value) => boolean>> = {
  '(fn [x] (not= x 13))': (x) => !equals(x, 13n),
  '(fn [x] (not (vector? x)))': (x) => !(x instanceof Vector),
};

/** The menus as the spec's code interpreter. */
export const MENU_INTERPRETER: OpInterpreter = { fn: (src) => FN_MENU[src], validator: (src) => VALIDATOR_MENU[src] };

/** The canonical abstract state both sides are mapped to (JSON-comparable). */
export interface AbstractState {
  /** Live processes ascending by pid: table as `[ref, atom label]`, registers as `[reg, EDN]`, output. */
  readonly procs: readonly { pid: number; table: [number, number][]; registers: [number, string][]; output: string[] }[];
  /** Atoms by label: value EDN, stamp, creator, shared, has-validator, watches `[key EDN, watcher]`. */
  readonly atoms: readonly { value: string; stamp: number; creator: number; shared: boolean; validator: boolean; watches: [string, number][] }[];
  /** Next pid to issue. */
  readonly nextPid: number;
  /** Next ref to issue. */
  readonly nextRef: number;
}

/** A kernel whose internal state trace validation can read. */
export type InspectableKernel = Pick<Kernel, 'apply'> & { inspect(): KernelSnapshot };

/** Whether `k` offers `inspect()` (the reference and the optimized kernel do). */
export function isInspectable(k: Kernel): k is Kernel & InspectableKernel {
  return typeof (k as Partial<InspectableKernel>).inspect === 'function';
}

/** The abstraction function: kernel internals (`inspect()`) → abstract state. */
export function abstractReference(snap: KernelSnapshot): AbstractState {
  const labels = new Map<number, number>();
  const atoms: AbstractState['atoms'][number][] = [];
  const procs = snap.processes.map((p) => ({
    pid: p.pid,
    table: p.atoms.map((a): [number, number] => {
      let l = labels.get(a.atom);
      if (l === undefined) {
        l = atoms.length;
        labels.set(a.atom, l);
        atoms.push({ value: a.value, stamp: a.stamp, creator: a.creator, shared: a.shared, validator: a.validator, watches: a.watches.map(([k, w]): [string, number] => [k, w]) });
      }
      return [a.ref, l];
    }),
    registers: p.registers.map(([r, v]): [number, string] => [r, v]),
    output: p.output.slice(),
  }));
  return { procs, atoms, nextPid: snap.nextPid, nextRef: snap.nextRef };
}

/** The generic kernel state in the same canonical form. */
export function abstractSpec(s: SpecKernelState): AbstractState {
  const labels = new Map<number, number>();
  const atoms: AbstractState['atoms'][number][] = [];
  const procs = [...s.procs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([pid, p]) => ({
      pid,
      table: [...p.table.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([ref, i]): [number, number] => {
          let l = labels.get(i);
          if (l === undefined) {
            l = atoms.length;
            labels.set(i, l);
            const a = s.atoms[i]!;
            // The generic state keeps watches in key order, as the reference lists them
            atoms.push({ value: printEdn(a.value), stamp: a.stamp, creator: a.creator, shared: a.shared, validator: a.validator !== null, watches: a.watches.map((w): [string, number] => [printEdn(w.key), w.watcher]) });
          }
          return [ref, l];
        }),
      registers: [...p.regs.entries()].sort((a, b) => a[0] - b[0]).map(([r, v]): [number, string] => [r, printEdn(v)]),
      output: p.output.map(watchLine),
    }));
  return { procs, atoms, nextPid: s.nextPid, nextRef: s.nextRef };
}

/** The outcome shape compared by trace validation: the value text, or the error kind. */
export function outcomeKey(o: Outcome): string {
  return o.ok ? `ok ${o.value}` : `error ${o.error}`;
}

/** A step that maps to no spec action. */
export interface TraceViolation {
  /** Index of the failing op. */
  readonly step: number;
  /** The op. */
  readonly op: Op;
  /** What differed. */
  readonly reason: string;
  /** Expected (spec) and actual (abstracted reference) as JSON. */
  readonly expected: string;
  /** The reference side. */
  readonly actual: string;
}

/** The result of validating one trace. */
export type TraceResult = { readonly ok: true; readonly actions: readonly string[] } | ({ readonly ok: false } & TraceViolation);

/**
 * A stepwise trace validator: feed it ops one at a time (the generator can look at the spec state
 * to choose the next op).
 */
export class TraceValidator {
  /** The kernel under validation (a fresh reference kernel unless one is given). */
  readonly kernel: InspectableKernel;
  /** The generic kernel state so far. */
  spec: SpecKernelState = specKernelInit();
  /** Action names (Kernel.tla's, or `Stutter`) of the steps so far. */
  readonly actions: string[] = [];
  private n = 0;

  /** Starts a trace on `kernel` (fresh, in its initial state), or on a fresh reference kernel built with `options`. */
  constructor(options: KernelOptions = {}, kernel?: InspectableKernel) {
    this.kernel = kernel ?? createReferenceKernel(options);
  }

  /** Performs `op` on both sides; returns a violation or null. Throws {@link NotModelled} for ops outside the spec's menus. */
  step(op: Op): TraceViolation | null {
    const i = this.n++;
    const expected = specOpStep(this.spec, op, MENU_INTERPRETER);
    const actual = this.kernel.apply(op);
    if (outcomeKey(actual) !== outcomeKey(expected.outcome)) return { step: i, op, reason: 'outcome differs', expected: outcomeKey(expected.outcome), actual: outcomeKey(actual) + (actual.ok ? '' : ` (${actual.message})`) };
    let abstracted: string;
    try {
      abstracted = JSON.stringify(abstractReference(this.kernel.inspect()));
    } catch (e) {
      return { step: i, op, reason: 'the abstraction function failed on the kernel state', expected: '', actual: String(e) };
    }
    const spec = JSON.stringify(abstractSpec(expected.next));
    if (abstracted !== spec) return { step: i, op, reason: `state differs after ${expected.action}`, expected: spec, actual: abstracted };
    this.spec = expected.next;
    this.actions.push(expected.action);
    return null;
  }
}

/** Validates a whole op sequence on a fresh kernel. */
export function validateTrace(ops: readonly Op[], options: KernelOptions = {}): TraceResult {
  const v = new TraceValidator(options);
  for (const op of ops) {
    const bad = v.step(op);
    if (bad !== null) return { ok: false, ...bad };
  }
  return { ok: true, actions: v.actions };
}
