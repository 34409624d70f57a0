/**
 * Rendering `immutos check` results: the summary table, counterexample tables, the TS-vs-TLA+
 * speed line, and the machine-readable JSON report.
 * @module
 */
import type { ModelEntry } from './manifest.js';
import type { EngineResult } from './result.js';
import { fmtInt, type JudgedResult } from './runner.js';
import { renderTrace } from './trace.js';

/** The outcome of a whole `immutos check` run. */
export interface CheckReport {
  /** True when every run matched the manifest. */
  readonly ok: boolean;
  /** Manifest file used. */
  readonly manifest: string;
  /** The models that ran. */
  readonly models: readonly ModelEntry[];
  /** Every (model, engine) run, judged. */
  readonly runs: readonly JudgedResult[];
  /** The TS explorer's speed beside the TLA+ engine's on the largest model run by both, if any. */
  readonly speed: SpeedComparison | null;
  /** Total wall-clock seconds. */
  readonly seconds: number;
}

/** States/s of the TS explorer beside the TLA+ engine's on one model. */
export interface SpeedComparison {
  /** The model (the largest by distinct states among those both engines ran). */
  readonly model: string;
  /** Its distinct states (as the TS explorer counted them). */
  readonly distinctStates: number;
  /** TLA+ engine name. */
  readonly tlaEngine: string;
  /** TLA+ engine states/s. */
  readonly tlaStatesPerSecond: number;
  /** TS explorer states/s. */
  readonly tsStatesPerSecond: number;
}

/** Picks the largest model that both the TS explorer and a TLA+ engine explored completely. */
export function speedComparison(runs: readonly JudgedResult[]): SpeedComparison | null {
  let best: SpeedComparison | null = null;
  for (const ts of runs) {
    const r = ts.result;
    if (r.engine !== 'ts' || r.status !== 'pass' || r.distinctStates === null || r.statesPerSecond === null) continue;
    const tla = runs.find((o) => o.model === ts.model && o.result.engine !== 'ts' && o.result.status === 'pass' && o.result.statesPerSecond !== null);
    if (!tla) continue;
    if (best === null || r.distinctStates > best.distinctStates) {
      best = { model: ts.model, distinctStates: r.distinctStates, tlaEngine: tla.result.engine, tlaStatesPerSecond: tla.result.statesPerSecond!, tsStatesPerSecond: r.statesPerSecond };
    }
  }
  return best;
}

/** One-word-ish description of a result: `pass`, `violation: Name`, `deadlock`, `max-states`, `error`; for a sampled run `conforms (N sampled)` or `mirror departs from module`. */
export function describeResult(r: EngineResult): string {
  if (r.status === 'violation') return `violation: ${r.violated ?? '(unnamed)'}`;
  if (r.status === 'nonconforming') return 'mirror departs from module';
  if (r.sampled !== undefined && r.status === 'pass') return `conforms (${r.sampled} sampled)`;
  return r.status;
}

const fmtTime = (s: number): string => (s < 10 ? s.toFixed(2) : s.toFixed(1)) + 's';

/** The summary table, one row per (model, engine). */
export function renderSummary(report: CheckReport): string {
  const head = ['model', 'engine', 'result', 'distinct states', 'time', 'states/s', 'manifest'];
  const rows = report.runs.map((j) => {
    const r = j.result;
    return [
      j.model, r.engine, describeResult(r),
      r.distinctStates === null ? '-' : fmtInt(r.distinctStates),
      fmtTime(r.seconds),
      r.statesPerSecond === null ? '-' : fmtInt(r.statesPerSecond),
      j.mismatches.length === 0 ? 'match' : 'DIFFERS',
    ];
  });
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([3, 4, 5]);
  const fmt = (r: readonly string[]): string => r.map((x, c) => (right.has(c) ? x.padStart(w[c]!) : x.padEnd(w[c]!))).join('  ').trimEnd();
  return [fmt(head), fmt(w.map((n) => '-'.repeat(n))), ...rows.map(fmt)].join('\n');
}

/** The full human-readable report: summary, differences, counterexamples, speed line, verdict. */
export function renderReport(report: CheckReport): string {
  const out: string[] = ['', renderSummary(report)];
  const bad = report.runs.filter((j) => j.mismatches.length > 0);
  if (bad.length > 0) {
    out.push('', 'Differences from the manifest:');
    for (const j of bad) for (const m of j.mismatches) out.push(`  ${j.model} [${j.result.engine}]: ${m}`);
  }
  const seen = new Set<string>();
  const withTrace = [...report.runs].sort((a, b) => (a.result.engine === 'ts' ? -1 : 0) - (b.result.engine === 'ts' ? -1 : 0));
  const traces: string[] = [];
  for (const j of withTrace) {
    const r = j.result;
    if (r.trace === null || seen.has(j.model)) continue;
    seen.add(j.model);
    const what = r.status === 'violation' ? `${r.violated ?? '(unnamed)'} violated` : r.status === 'deadlock' ? 'deadlock' : `${r.status}: ${r.message}`;
    traces.push('', `Counterexample: ${j.model} — ${what} (${r.engine}, ${r.trace.states.length} states)`, renderTrace(r.trace));
  }
  out.push(...traces);
  if (report.speed) {
    const s = report.speed;
    out.push('', `Speed on the largest model both engines ran (${s.model}, ${fmtInt(s.distinctStates)} distinct states): `
      + `TS explorer ${fmtInt(s.tsStatesPerSecond)} states/s, ${s.tlaEngine} ${fmtInt(s.tlaStatesPerSecond)} states/s `
      + `(${(s.tsStatesPerSecond / s.tlaStatesPerSecond).toFixed(1)}×)`);
  }
  const models = new Set(report.runs.map((j) => j.model)).size;
  out.push('', report.ok
    ? `OK: ${models} model(s), ${report.runs.length} run(s), all match ${report.manifest} (${fmtTime(report.seconds)})`
    : `FAILED: ${bad.length} of ${report.runs.length} run(s) differ from ${report.manifest} (${fmtTime(report.seconds)})`);
  return out.join('\n') + '\n';
}

/** The JSON report (stable field names; traces included). */
export function reportJson(report: CheckReport): string {
  return JSON.stringify({
    ok: report.ok,
    manifest: report.manifest,
    seconds: report.seconds,
    speed: report.speed,
    models: report.models.map((m) => ({
      name: m.name,
      expect: m.expect,
      pinnedDistinctStates: m.distinctStates,
      runs: report.runs.filter((j) => j.model === m.name).map((j) => ({ ...j.result, matches: j.mismatches.length === 0, mismatches: j.mismatches })),
    })),
  }, null, 2) + '\n';
}
