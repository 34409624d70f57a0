/**
 * The differential oracle: drives every selected kernel with the same case, step by step, and
 * compares what they say. Outcomes compare by canonical EDN text when ok and by error kind when
 * not (messages are for humans); observations compare whole after every step. Each kernel is also
 * held to the spec's invariants (`invariants.ts`) and, optionally, to a per-step trace hook.
 *
 * Verdicts are typed, as in wasmtime's differential fuzzing:
 * - `agree`: every step matched on every kernel;
 * - `poisoned`: some kernel hit a resource limit (out-of-memory, fuel, stack) where the kernels
 *   may legitimately differ, so comparing stopped there (not a failure);
 * - `diverged`: the first step where kernels disagree, or a kernel broke an invariant or threw.
 * @module
 */
import { RESOURCE_ERRORS, type ErrorKind, type Kernel, type Observation, type Op, type Outcome } from '../../spec/Kernel.js';
import type { CaseOp, FuzzCase } from '../generators/case.js';
import type { Coverage } from './coverage.js';
import { CodecOracle } from './codec.js';
import { InvariantChecker } from './invariants.js';
import { sameObservation } from './observation.js';

/** A kernel to drive, under its selected name. */
export interface NamedKernel {
  /** Name as selected (e.g. `reference+mutant:swap-no-retry`). */
  readonly name: string;
  /** A fresh kernel. */
  readonly kernel: Kernel;
}

/** What one kernel did at one step. */
export interface Side {
  /** The kernel's name. */
  readonly kernel: string;
  /** Its outcome (absent when `threw` is set). */
  readonly outcome?: Outcome;
  /** The exception `apply`/`observe` threw (a bug: kernels never throw). */
  readonly threw?: string;
  /** Its observation after the step (recorded for divergences and replays). */
  readonly observation?: Observation;
  /** The invariant it broke at this step, if any. */
  readonly invariant?: string;
}

/** Why a case diverged. */
export type DivergenceReason = 'outcome' | 'observation' | 'invariant' | 'trace' | 'threw';

/** The verdict on one case. */
export type Verdict =
  /** Every step agreed. */
  | { readonly kind: 'agree'; readonly steps: number }
  /**
   * Comparison stopped at `step` because `kernel` hit the resource limit `error`; `lopsided`
   * names the kernels that hit none there (answered, or failed otherwise), empty when all did.
   */
  | { readonly kind: 'poisoned'; readonly step: number; readonly kernel: string; readonly error: ErrorKind; readonly steps: number; readonly lopsided: readonly string[] }
  /** The first disagreement, with every kernel's side at that step. */
  | { readonly kind: 'diverged'; readonly step: number; readonly reason: DivergenceReason; readonly detail: string; readonly sides: readonly Side[]; readonly steps: number };

/** One row of a step-by-step record (for `immutos replay`). */
export interface StepRecord {
  /** Step index (0-based). */
  readonly step: number;
  /** The operation. */
  readonly op: CaseOp;
  /** Each kernel's side, in kernel order. */
  readonly sides: readonly Side[];
  /** Whether the kernels disagreed here (or one broke an invariant). */
  readonly differs: boolean;
}

/**
 * A per-step validator (e.g. trace validation against the TS spec, `harness/oracles/trace.ts`):
 * returns a violation message, or null when the step is fine.
 */
export type StepHook = (kernel: string, op: CaseOp, outcome: Outcome, before: Observation, after: Observation) => string | null;

/** Options of {@link runDifferential}. */
export interface DifferentialOptions {
  /**
   * How resource errors count: `poison` (default) stops comparing when any kernel hits one;
   * `compare` compares them like any error kind — right when every kernel is the same engine
   * with the same quotas (mutant vs clean), so a quota bug is a divergence.
   */
  readonly resourceErrors?: 'poison' | 'compare';
  /** Check the spec's invariants on every kernel after every step (default true). */
  readonly invariants?: boolean;
  /** Extra per-step validators. */
  readonly hooks?: readonly StepHook[];
  /** Record every step (for replay tables). Default false. */
  readonly record?: boolean;
  /**
   * Send every value of every step through the binary codec (`codec.ts`): default true, with a
   * fresh oracle per case; pass an oracle to sum its counts over cases, false to skip.
   */
  readonly codec?: boolean | CodecOracle;
  /** Told about every compared step (what the campaign exercised; never changes the verdict). */
  readonly coverage?: Pick<Coverage, 'step'> & Partial<Pick<Coverage, 'caseEnd'>>;
}

/** The result of {@link runDifferential}. */
export interface DifferentialResult {
  /** The verdict. */
  readonly verdict: Verdict;
  /** Every step (when `record` was set; else empty). */
  readonly records: readonly StepRecord[];
  /** Operations applied, summed over kernels (for operations/s). */
  readonly applied: number;
}

/** Outcome key for comparison: ok values by text, errors by kind only. */
export function outcomeKey(o: Outcome): string {
  return o.ok ? `ok ${o.value}` : `error ${o.error}`;
}

/** A short human form of an outcome. */
export function showOutcome(o: Outcome | undefined, threw?: string): string {
  if (threw !== undefined) return `THREW ${threw}`;
  if (o === undefined) return '-';
  return o.ok ? o.value : `!${o.error}`;
}

function safeApply(k: Kernel, op: CaseOp): { outcome?: Outcome; threw?: string } {
  try {
    return { outcome: k.apply(op as Op) };
  } catch (e) {
    return { threw: String((e as Error)?.message ?? e).split('\n')[0] };
  }
}

function safeObserve(k: Kernel): { observation?: Observation; threw?: string } {
  try {
    return { observation: k.observe() };
  } catch (e) {
    return { threw: `observe: ${String((e as Error)?.message ?? e).split('\n')[0]}` };
  }
}

/** Drives `kernels` (fresh, in their initial state) with `c.ops` and judges them. */
export function runDifferential(c: FuzzCase, kernels: readonly NamedKernel[], options: DifferentialOptions = {}): DifferentialResult {
  const poison = (options.resourceErrors ?? 'poison') === 'poison';
  const checkers = options.invariants === false ? undefined : kernels.map(() => new InvariantChecker(c.quotas));
  const codec = options.codec === false ? null : options.codec instanceof CodecOracle ? options.codec : new CodecOracle();
  const hooks = codec === null ? (options.hooks ?? []) : [...(options.hooks ?? []), codec.hook];
  const records: StepRecord[] = [];
  const last = kernels.map((nk) => safeObserve(nk.kernel).observation ?? { processes: [] });
  let applied = 0;
  for (let step = 0; step < c.ops.length; step++) {
    const op = c.ops[step]!;
    const sides: Side[] = [];
    let invariantBroken: Side | undefined;
    for (let i = 0; i < kernels.length; i++) {
      const nk = kernels[i]!;
      const a = safeApply(nk.kernel, op);
      applied++;
      const o = a.threw === undefined ? safeObserve(nk.kernel) : {};
      let side: Side = { kernel: nk.name, ...a, ...(o.observation !== undefined ? { observation: o.observation } : {}), ...(o.threw !== undefined ? { threw: o.threw } : {}) };
      if (side.outcome !== undefined && side.observation !== undefined && side.threw === undefined) {
        let violation = checkers?.[i]!.check(op, side.outcome, last[i]!, side.observation, sameObservation(last[i], side.observation)) ?? null;
        for (const hook of hooks) violation ??= hook(nk.name, op, side.outcome, last[i]!, side.observation);
        if (violation !== null) {
          side = { ...side, invariant: violation };
          invariantBroken ??= side;
        }
        last[i] = side.observation!;
      }
      sides.push(side);
    }
    const threw = sides.find((s) => s.threw !== undefined);
    const keys = sides.map((s) => (s.outcome !== undefined ? outcomeKey(s.outcome) : ''));
    const outcomeDiffers = keys.some((k) => k !== keys[0]);
    const obsDiffers = sides.some((s) => !sameObservation(s.observation, sides[0]!.observation));
    const resource = sides.find((s) => s.outcome !== undefined && !s.outcome.ok && RESOURCE_ERRORS.includes(s.outcome.error));
    const poisoned = poison && resource !== undefined && threw === undefined;
    const differs = threw !== undefined || invariantBroken !== undefined || (!poisoned && (outcomeDiffers || obsDiffers));
    if (options.record) records.push({ step, op, sides, differs });
    options.coverage?.step(op, sides, sides[0]?.observation);
    if (threw !== undefined) {
      return { verdict: { kind: 'diverged', step, reason: 'threw', detail: `${threw.kernel} threw: ${threw.threw}`, sides, steps: step + 1 }, records, applied };
    }
    if (invariantBroken !== undefined) {
      return { verdict: { kind: 'diverged', step, reason: 'invariant', detail: `${invariantBroken.kernel}: ${invariantBroken.invariant}`, sides, steps: step + 1 }, records, applied };
    }
    if (poisoned) {
      const r = resource.outcome as { error: ErrorKind };
      const lopsided = sides.filter((x) => x.outcome !== undefined && (x.outcome.ok || !RESOURCE_ERRORS.includes(x.outcome.error))).map((x) => x.kernel);
      return { verdict: { kind: 'poisoned', step, kernel: resource.kernel, error: r.error, steps: step + 1, lopsided }, records, applied };
    }
    if (outcomeDiffers) {
      return { verdict: { kind: 'diverged', step, reason: 'outcome', detail: sides.map((s) => `${s.kernel}: ${showOutcome(s.outcome, s.threw)}`).join(' | '), sides, steps: step + 1 }, records, applied };
    }
    if (obsDiffers) {
      return { verdict: { kind: 'diverged', step, reason: 'observation', detail: describeObservationDiff(sides), sides, steps: step + 1 }, records, applied };
    }
  }
  return { verdict: { kind: 'agree', steps: c.ops.length }, records, applied };
}

/** A one-line description of the first difference between the sides' observations. */
export function describeObservationDiff(sides: readonly Side[]): string {
  const a = sides[0]!;
  for (const b of sides.slice(1)) {
    const pa = a.observation?.processes ?? [];
    const pb = b.observation?.processes ?? [];
    const pids = [...new Set([...pa.map((p) => p.pid), ...pb.map((p) => p.pid)])].sort((x, y) => x - y);
    for (const pid of pids) {
      const x = pa.find((p) => p.pid === pid);
      const y = pb.find((p) => p.pid === pid);
      if (x === undefined || y === undefined) return `process ${pid}: ${a.kernel} ${x ? 'has it' : 'lacks it'}, ${b.kernel} ${y ? 'has it' : 'lacks it'}`;
      const refs = [...new Set([...x.atoms.map((e) => e.ref), ...y.atoms.map((e) => e.ref)])].sort((m, n) => m - n);
      for (const ref of refs) {
        const ea = x.atoms.find((e) => e.ref === ref);
        const eb = y.atoms.find((e) => e.ref === ref);
        const show = (e: typeof ea): string => (e === undefined ? 'absent' : `${e.value} @${e.stamp}`);
        if (show(ea) !== show(eb)) return `process ${pid} ref ${ref}: ${a.kernel} ${show(ea)} vs ${b.kernel} ${show(eb)}`;
      }
      if (JSON.stringify(x.output) !== JSON.stringify(y.output)) return `process ${pid} output: ${a.kernel} ${JSON.stringify(x.output)} vs ${b.kernel} ${JSON.stringify(y.output)}`;
      const xr = x.registers ?? [];
      const yr = y.registers ?? [];
      const regs = [...new Set([...xr.map((e) => e.reg), ...yr.map((e) => e.reg)])].sort((m, n) => m - n);
      for (const reg of regs) {
        const show = (e: { value: string } | undefined): string => (e === undefined ? 'empty' : e.value);
        const ra = show(xr.find((e) => e.reg === reg));
        const rb = show(yr.find((e) => e.reg === reg));
        if (ra !== rb) return `process ${pid} register ${reg}: ${a.kernel} ${ra} vs ${b.kernel} ${rb}`;
      }
    }
  }
  return 'observations differ';
}
