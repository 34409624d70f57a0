/**
 * Text renderings of fuzzing results: the step-by-step replay table and the mutant table.
 * @module
 */
import type { CaseOp } from '../../tests/generators/case.js';
import { describeObservationDiff, showOutcome, type StepRecord, type Verdict } from '../../tests/oracles/differential.js';
import type { MutantRow } from './campaign.js';

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}

/** A compact one-line form of an operation, e.g. `cas p0 #3 @1 :x`. */
export function showOp(op: CaseOp): string {
  const o = op as Record<string, unknown>;
  const parts: string[] = [op.op];
  if (o.pid !== undefined) parts.push(`p${String(o.pid)}`);
  if (o.ref !== undefined) parts.push(`#${String(o.ref)}`);
  if (o.to !== undefined) parts.push(`→p${String(o.to)}`);
  if (o.stamp !== undefined) parts.push(`@${String(o.stamp)}`);
  if (o.reg !== undefined) parts.push(`r${String(o.reg)}`);
  if (o.expected !== undefined) parts.push(`${String(o.expected)}→`);
  for (const f of ['value', 'fn', 'key', 'program'] as const) if (o[f] !== undefined) parts.push(o[f] === null ? 'nil' : typeof o[f] === 'string' ? (o[f] as string) : JSON.stringify(o[f]));
  return parts.join(' ');
}

/**
 * The replay table: one row per step, one column per kernel, `>>` marking the first difference
 * (and `!` any invariant a kernel broke), followed by the observation difference if that is
 * what differed.
 */
export function formatStepTable(kernels: readonly string[], records: readonly StepRecord[], verdict: Verdict): string {
  const opWidth = 44;
  const colWidth = Math.max(18, ...kernels.map((k) => k.length + 2));
  const lines: string[] = [];
  const header = ['   ', 'step'.padStart(4), 'operation'.padEnd(opWidth), ...kernels.map((k) => k.padEnd(colWidth))].join(' ');
  lines.push(header, '-'.repeat(header.length));
  const first = records.findIndex((r) => r.differs);
  for (const r of records) {
    const mark = r.step === first ? '>> ' : '   ';
    const cells = r.sides.map((s) => clip(`${s.invariant !== undefined ? '! ' : ''}${showOutcome(s.outcome, s.threw)}`, colWidth).padEnd(colWidth));
    lines.push([mark, String(r.step).padStart(4), clip(showOp(r.op), opWidth).padEnd(opWidth), ...cells].join(' '));
  }
  lines.push('');
  if (verdict.kind === 'agree') lines.push(`verdict: agree (${verdict.steps} steps)`);
  else if (verdict.kind === 'poisoned') lines.push(`verdict: poisoned at step ${verdict.step}: ${verdict.kernel} hit ${verdict.error} (comparison stopped there)`);
  else {
    lines.push(`verdict: DIVERGED at step ${verdict.step} (${verdict.reason})`);
    lines.push(`  ${verdict.reason === 'observation' ? describeObservationDiff(verdict.sides) : verdict.detail}`);
    for (const s of verdict.sides) if (s.invariant !== undefined) lines.push(`  ${s.kernel} broke ${s.invariant}`);
  }
  return lines.join('\n');
}

/**
 * The mutant table: one row per mutant (its base kernel, caught?, cases and seconds to the first
 * detection, the first divergence), the replay command of each shrunk case, and the kill rate
 * per base and in all.
 */
export function formatMutantTable(rows: readonly MutantRow[]): string {
  const bw = Math.max(4, ...rows.map((r) => (r.against !== r.base ? `${r.base} vs ${r.against}` : r.base).length));
  const w = Math.max(6, ...rows.map((r) => r.mutant.length));
  const header = `${'base'.padEnd(bw)}  ${'mutant'.padEnd(w)}  caught  cases  seconds  first divergence`;
  const lines = [header, '-'.repeat(header.length + 50)];
  for (const r of rows) {
    const why = r.failure !== undefined ? clip(`${r.failure.verdict.reason} at step ${r.failure.verdict.step} of ${r.failure.shrunk.ops.length}: ${r.failure.verdict.detail}`, 70) : '-';
    const base = r.against !== r.base ? `${r.base} vs ${r.against}` : r.base;
    lines.push(`${base.padEnd(bw)}  ${r.mutant.padEnd(w)}  ${(r.caught ? 'yes' : 'NO').padEnd(6)}  ${String(r.cases).padStart(5)}  ${r.seconds.toFixed(2).padStart(7)}  ${why}`);
  }
  const replays = rows.filter((r) => r.replay !== undefined);
  if (replays.length > 0) {
    lines.push('', 'replay the shrunk cases:');
    for (const r of replays) lines.push(`  ${r.base}+mutant:${r.mutant}: ${r.replay}`);
  }
  const rate = (rs: readonly MutantRow[]): string => {
    const caught = rs.filter((r) => r.caught).length;
    return `${caught}/${rs.length} (${rs.length === 0 ? 0 : Math.round((100 * caught) / rs.length)}%)`;
  };
  const bases = [...new Set(rows.map((r) => r.base))];
  lines.push('');
  if (bases.length > 1) lines.push(`kill rate by base: ${bases.map((b) => `${b} ${rate(rows.filter((r) => r.base === b))}`).join(', ')}`);
  const seconds = rows.reduce((t, r) => t + r.seconds, 0);
  lines.push(`kill rate: ${rate(rows)}; ${seconds.toFixed(1)} s to the first catches in all`);
  return lines.join('\n');
}
