/**
 * Trace validation of the reference kernel: after every operation, the kernel's internal state
 * is mapped by an abstraction function to the abstract state of the spec step function
 * (tests/oracles/atomsSpec.ts), and the step must be the spec's action for that op (same
 * outcome, same abstract successor) or a stutter (abstract state unchanged).
 *
 * The abstraction forgets what the spec does not have — heap cells and handles, the
 * collector, the interpreter, validator code (kept as "has a validator") — and names atoms by
 * order of first appearance (scanning live processes by pid, then refs), so that atom
 * identities compare up to renaming while aliasing (which refs share one atom) is preserved.
 * @module
 */
import { printEdn } from '../../spec/Edn.js';
import type { KernelOptions, Op } from '../../spec/Kernel.js';
import { compare as compareValues } from '../../spec/Values.js';
import { createReferenceKernel, type KernelSnapshot, type ReferenceKernel } from '../../reference/index.js';
import { outcomeKey, specInit, specStep, type SpecState } from './atomsSpec.js';

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

/** The abstraction function: reference-kernel internals → abstract state. */
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

/** The spec state in the same canonical form. */
export function abstractSpec(s: SpecState): AbstractState {
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
            const watches = [...a.watches].map((w): [string, number] => [printEdn(w.key), w.watcher]);
            atoms.push({ value: printEdn(a.value), stamp: a.stamp, creator: a.creator, shared: a.shared, validator: a.validator !== null, watches: sortWatches(a.watches, watches) });
          }
          return [ref, l];
        }),
      registers: [...p.registers.entries()].sort((a, b) => a[0] - b[0]).map(([r, v]): [number, string] => [r, printEdn(v)]),
      output: p.output.slice(),
    }));
  return { procs, atoms, nextPid: s.nextPid, nextRef: s.nextRef };
}

function sortWatches(ws: SpecState['atoms'][number]['watches'], printed: [string, number][]): [string, number][] {
  // the kernel lists watches in canonical key order; so does the spec (compare on the key values)
  return ws
    .map((w, i) => ({ w, p: printed[i]! }))
    .sort((a, b) => compareValues(a.w.key, b.w.key))
    .map((x) => x.p);
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
  /** The reference kernel under validation. */
  readonly kernel: ReferenceKernel;
  /** The spec state so far. */
  spec: SpecState = specInit();
  /** Action names of the steps so far. */
  readonly actions: string[] = [];
  private n = 0;

  /** Starts a trace on a fresh kernel built with `options`. */
  constructor(options: KernelOptions = {}) {
    this.kernel = createReferenceKernel(options);
  }

  /** Performs `op` on both sides; returns a violation or null. */
  step(op: Op): TraceViolation | null {
    const i = this.n++;
    const expected = specStep(this.spec, op);
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
