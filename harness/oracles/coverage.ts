/**
 * What a fuzz campaign exercised, for a report a user can read (fast-check's `statistics` and
 * wasmtime's fuzz coverage are the models): every operation with the sets of kernels that judged
 * it side by side and how often it succeeded, the kernel calls programs made on each kernel, the
 * error kinds each kernel answered, the largest collection that crossed the kernel boundary, and
 * each kernel's own work counters ({@link KernelStats}: collection cycles, evacuations, forks,
 * values decoded from binary).
 *
 * The collector is fed by the differential oracle ({@link Coverage.step}, one call per compared
 * step) and by the campaign after each case ({@link Coverage.caseEnd}); it never changes a verdict.
 * @module
 */
import { readEdn } from '../../spec/codec/Edn.js';
import { OP_NAMES, type ErrorKind, type Kernel, type KernelStats, type Observation, type OpName, type Outcome } from '../../spec/Kernel.js';
import { EMap, ESet, List, Vector, type Value } from '../../spec/Values.js';
import type { CaseOp } from '../generators/case.js';

/** The numeric work counters of {@link KernelStats} summed over a campaign. */
export const STAT_FIELDS = ['gcCycles', 'evacuations', 'forks', 'spawns', 'codecValues'] as const;

/** One of {@link STAT_FIELDS}. */
export type StatField = (typeof STAT_FIELDS)[number];

/** How one operation was exercised. */
export interface OpCoverage {
  /** The operation. */
  readonly op: OpName;
  /** Times it was applied in a compared step, by the set of kernels that judged it (names joined by `,`). */
  readonly judgedBy: Readonly<Record<string, number>>;
  /** Times some kernel answered it with an ok outcome. */
  readonly ok: number;
  /** Times it was applied in a compared step, in all. */
  readonly applied: number;
}

/** What one kernel did over the campaign. */
export interface KernelCoverage {
  /** The kernel's name as selected. */
  readonly kernel: string;
  /** Cases it took part in. */
  readonly cases: number;
  /** Operations it applied in compared steps. */
  readonly applied: number;
  /** Error kinds it answered, with counts. */
  readonly errors: Readonly<Partial<Record<ErrorKind, number>>>;
  /** Its work counters summed over its cases; a counter it does not report is absent. */
  readonly stats: Readonly<Partial<Record<StatField, number>>>;
  /** Kernel calls its programs made, by name (absent when the kernel does not report them). */
  readonly kernelCalls?: Readonly<Record<string, number>>;
}

/** The coverage of a campaign. */
export interface CoverageReport {
  /** The kernels of the campaign, in order. */
  readonly kernels: readonly string[];
  /** Every operation generated, in {@link OP_NAMES} order. */
  readonly ops: readonly OpCoverage[];
  /** Cases run, by the set of kernels that judged them (names joined by `,`). */
  readonly casesBy: Readonly<Record<string, number>>;
  /** Per kernel. */
  readonly perKernel: readonly KernelCoverage[];
  /** The most elements of one collection seen in an operation, an answer or an observed value. */
  readonly largestCollection: number;
  /** Operations generated but never answered ok by any kernel: what the campaign did not exercise. */
  readonly unexercised: readonly OpName[];
  /**
   * Operations answered ok only in cases a single kernel judged (its invariants checked, but no
   * other kernel to compare with); empty for a one-kernel campaign.
   */
  readonly judgedAlone: readonly OpName[];
}

interface KernelAcc {
  cases: number;
  applied: number;
  errors: Map<ErrorKind, number>;
  stats: Map<StatField, number>;
  calls: Map<string, number> | null;
}

/** The most elements of one collection in `v` (0 for a scalar). */
export function largestIn(v: Value): number {
  let best = 0;
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x instanceof Vector || x instanceof List || x instanceof ESet) {
      best = Math.max(best, x.size);
      for (const e of x.items) stack.push(e);
    } else if (x instanceof EMap) {
      best = Math.max(best, x.size);
      for (const [k, e] of x.entries) stack.push(k, e);
    }
  }
  return best;
}

/** Collects a campaign's coverage (see the module doc). */
export class Coverage {
  private readonly generated: ReadonlySet<OpName>;
  private readonly judged = new Map<OpName, Map<string, number>>();
  private readonly okCount = new Map<OpName, number>();
  private readonly comparedOk = new Map<OpName, number>();
  private readonly cases = new Map<string, number>();
  private readonly acc = new Map<string, KernelAcc>();
  private largest = 0;

  /** A collector for a campaign over `kernels` generating `ops`. */
  constructor(
    private readonly kernels: readonly string[],
    ops: readonly OpName[],
  ) {
    this.generated = new Set(ops);
    for (const k of kernels) this.acc.set(k, { cases: 0, applied: 0, errors: new Map(), stats: new Map(), calls: null });
  }

  private kernel(name: string): KernelAcc {
    let a = this.acc.get(name);
    if (a === undefined) {
      a = { cases: 0, applied: 0, errors: new Map(), stats: new Map(), calls: null };
      this.acc.set(name, a);
    }
    return a;
  }

  /** Looks at the texts of one value-carrying field; parses only what could beat the record. */
  private see(text: unknown): void {
    // a collection of n elements prints in at least 2n - 1 characters
    if (typeof text !== 'string' || text.length < 2 * this.largest + 1) return;
    let v: Value;
    try {
      v = readEdn(text);
    } catch {
      return;
    }
    this.largest = Math.max(this.largest, largestIn(v));
  }

  /**
   * One compared step: `op` applied by the kernels named in `outcomes` (in campaign order), with
   * what each answered, and the first kernel's observation after it.
   */
  step(op: CaseOp, outcomes: readonly { readonly kernel: string; readonly outcome?: Outcome }[], after: Observation | undefined): void {
    const name = (op as { op?: unknown }).op;
    const set = outcomes.map((o) => o.kernel).join(',');
    const fields = op as unknown as Record<string, unknown>;
    this.see(fields.value);
    this.see(fields.expected);
    let anyOk = false;
    for (const o of outcomes) {
      const k = this.kernel(o.kernel);
      k.applied++;
      if (o.outcome === undefined) continue;
      if (o.outcome.ok) {
        anyOk = true;
        this.see(o.outcome.value);
      } else k.errors.set(o.outcome.error, (k.errors.get(o.outcome.error) ?? 0) + 1);
    }
    if (after !== undefined) {
      for (const p of after.processes) {
        for (const a of p.atoms) this.see(a.value);
        for (const r of p.registers ?? []) this.see(r.value);
      }
    }
    if (typeof name !== 'string' || !this.generated.has(name as OpName)) return;
    const opName = name as OpName;
    let m = this.judged.get(opName);
    if (m === undefined) this.judged.set(opName, (m = new Map()));
    m.set(set, (m.get(set) ?? 0) + 1);
    if (anyOk) {
      this.okCount.set(opName, (this.okCount.get(opName) ?? 0) + 1);
      if (outcomes.length >= 2) this.comparedOk.set(opName, (this.comparedOk.get(opName) ?? 0) + 1);
    }
  }

  /** A case ended: the kernels that judged it (in campaign order), each asked for its {@link KernelStats}. */
  caseEnd(kernels: readonly { readonly name: string; readonly kernel: Kernel }[]): void {
    const set = kernels.map((k) => k.name).join(',');
    this.cases.set(set, (this.cases.get(set) ?? 0) + 1);
    for (const { name, kernel } of kernels) {
      const a = this.kernel(name);
      a.cases++;
      let s: KernelStats | undefined;
      try {
        s = kernel.stats?.();
      } catch {
        s = undefined; // a kernel whose counters throw reports none; the oracle judges the kernel, not this
      }
      if (s === undefined) continue;
      for (const f of STAT_FIELDS) {
        const v = s[f];
        if (typeof v === 'number') a.stats.set(f, (a.stats.get(f) ?? 0) + v);
      }
      if (typeof s.largestCollection === 'number') this.largest = Math.max(this.largest, s.largestCollection);
      if (s.kernelCalls !== undefined) {
        a.calls ??= new Map();
        for (const [c, n] of Object.entries(s.kernelCalls)) a.calls.set(c, (a.calls.get(c) ?? 0) + n);
      }
    }
  }

  /** The report so far. */
  report(): CoverageReport {
    const ops: OpCoverage[] = OP_NAMES.filter((o) => this.generated.has(o)).map((op) => {
      const m = this.judged.get(op) ?? new Map<string, number>();
      return { op, judgedBy: Object.fromEntries(m), ok: this.okCount.get(op) ?? 0, applied: [...m.values()].reduce((x, y) => x + y, 0) };
    });
    return {
      kernels: this.kernels,
      ops,
      casesBy: Object.fromEntries(this.cases),
      perKernel: [...this.acc.entries()].map(([kernel, a]) => ({
        kernel,
        cases: a.cases,
        applied: a.applied,
        errors: Object.fromEntries([...a.errors.entries()].sort((x, y) => y[1] - x[1])),
        stats: Object.fromEntries(a.stats),
        ...(a.calls !== null ? { kernelCalls: Object.fromEntries([...a.calls.entries()].sort((x, y) => y[1] - x[1])) } : {}),
      })),
      largestCollection: this.largest,
      unexercised: ops.filter((o) => o.ok === 0).map((o) => o.op),
      judgedAlone: this.kernels.length < 2 ? [] : ops.filter((o) => o.ok > 0 && (this.comparedOk.get(o.op) ?? 0) === 0).map((o) => o.op),
    };
  }
}

function addCounts<K extends string>(into: Map<K, number>, from: Readonly<Partial<Record<K, number>>> | undefined): void {
  for (const [k, n] of Object.entries(from ?? {}) as [K, number | undefined][]) if (n !== undefined) into.set(k, (into.get(k) ?? 0) + n);
}

const byCountDesc = <K>(m: Map<K, number>): [K, number][] => [...m.entries()].sort((x, y) => y[1] - x[1]);

/**
 * The coverage of a campaign run in parts (one report per part, the same kernels and
 * operations): counts summed, the largest collection the largest of any part, an operation
 * unexercised when no part exercised it and judged alone when no part had it answered ok in a
 * step two or more kernels judged.
 */
export function mergeCoverage(parts: readonly CoverageReport[]): CoverageReport {
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeCoverage needs at least one report');
  const ops: OpCoverage[] = first.ops.map(({ op }) => {
    const judgedBy = new Map<string, number>();
    let ok = 0;
    let applied = 0;
    for (const r of parts) {
      const o = r.ops.find((x) => x.op === op);
      if (o === undefined) continue;
      addCounts(judgedBy, o.judgedBy);
      ok += o.ok;
      applied += o.applied;
    }
    return { op, judgedBy: Object.fromEntries(judgedBy), ok, applied };
  });
  const casesBy = new Map<string, number>();
  for (const r of parts) addCounts(casesBy, r.casesBy);
  const names: string[] = [];
  for (const r of parts) for (const k of r.perKernel) if (!names.includes(k.kernel)) names.push(k.kernel);
  const perKernel: KernelCoverage[] = names.map((kernel) => {
    const rows = parts.flatMap((r) => r.perKernel.filter((k) => k.kernel === kernel));
    const errors = new Map<ErrorKind, number>();
    const stats = new Map<StatField, number>();
    let calls: Map<string, number> | null = null;
    for (const k of rows) {
      addCounts(errors, k.errors);
      addCounts(stats, k.stats);
      if (k.kernelCalls !== undefined) addCounts((calls ??= new Map()), k.kernelCalls);
    }
    return {
      kernel,
      cases: rows.reduce((a, k) => a + k.cases, 0),
      applied: rows.reduce((a, k) => a + k.applied, 0),
      errors: Object.fromEntries(byCountDesc(errors)),
      stats: Object.fromEntries(stats),
      ...(calls !== null ? { kernelCalls: Object.fromEntries(byCountDesc(calls)) } : {}),
    };
  });
  // a part had `op` answered ok in a compared step exactly when it answered it ok and did not list it as judged alone
  const comparedSomewhere = (op: OpName): boolean => parts.some((r) => (r.ops.find((x) => x.op === op)?.ok ?? 0) > 0 && !r.judgedAlone.includes(op));
  return {
    kernels: first.kernels,
    ops,
    casesBy: Object.fromEntries(casesBy),
    perKernel,
    largestCollection: Math.max(...parts.map((r) => r.largestCollection)),
    unexercised: ops.filter((o) => o.ok === 0).map((o) => o.op),
    judgedAlone: first.kernels.length < 2 ? [] : ops.filter((o) => o.ok > 0 && !comparedSomewhere(o.op)).map((o) => o.op),
  };
}
