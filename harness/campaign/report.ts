/**
 * Text renderings of fuzzing results: the step-by-step replay table and the mutant table.
 * @module
 */
import type { CaseOp } from '../generators/case.js';
import { describeObservationDiff, showOutcome, type StepRecord, type Verdict } from '../oracles/differential.js';
import type { MutantRow } from './campaign.js';
import { STAT_FIELDS, type CoverageReport, type StatField } from '../oracles/coverage.js';

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

/** A column label for a set of judging kernels (names joined by `,`) among `all`. */
export function judgeSetLabel(set: string, all: readonly string[]): string {
  const members = set === '' ? [] : set.split(',');
  if (members.length === all.length) return all.length === 1 ? members[0]! : 'all';
  const missing = all.filter((k) => !members.includes(k));
  return missing.length < members.length ? `all but ${missing.join(', ')}` : members.join(', ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `${indent}${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), `${indent}${'-'.repeat(widths.reduce((t, w) => t + w + 2, -2))}`, ...rows.map(line)];
}

const STAT_LABELS: Readonly<Record<StatField, string>> = { gcCycles: 'gc cycles', evacuations: 'evacuations', forks: 'forks', spawns: 'spawns', codecValues: 'codec values' };

/**
 * The coverage report of a campaign: operations by the kernels that judged them (and how often
 * some kernel answered ok), kernel calls made by programs per kernel, error kinds per kernel,
 * each kernel's work counters (`-`: not reported by that kernel), the largest collection seen,
 * and the operations the campaign did not exercise.
 */
export function formatCoverage(c: CoverageReport): string {
  const lines: string[] = [];
  // widest sets first (every kernel), then by cases
  const width = (set: string): number => (set === '' ? 0 : set.split(',').length);
  const sets = Object.entries(c.casesBy).sort((a, b) => width(b[0]) - width(a[0]) || b[1] - a[1]);
  const cases = sets.reduce((t, [, n]) => t + n, 0);
  lines.push(`coverage: ${cases} judged cases (${sets.map(([s, n]) => `${judgeSetLabel(s, c.kernels)}: ${n}`).join('; ') || 'none'})`);
  const setKeys = [...new Set([...sets.map(([s]) => s), ...c.ops.flatMap((o) => Object.keys(o.judgedBy))])];
  lines.push(
    ...table(
      ['operation', ...setKeys.map((s) => judgeSetLabel(s, c.kernels)), 'ok'],
      c.ops.map((o) => [o.op, ...setKeys.map((s) => String(o.judgedBy[s] ?? 0)), o.applied === 0 ? '-' : `${Math.round((100 * o.ok) / o.applied)}%`]),
    ),
  );
  const withCalls = c.perKernel.filter((k) => k.kernelCalls !== undefined && k.cases > 0);
  if (withCalls.length > 0) {
    const names = [...new Set(withCalls.flatMap((k) => Object.keys(k.kernelCalls!)))].sort();
    lines.push('', 'kernel calls made by programs:');
    lines.push(...(names.length === 0 ? ['  none'] : table(['call', ...withCalls.map((k) => k.kernel)], names.map((n) => [n, ...withCalls.map((k) => String(k.kernelCalls![n] ?? 0))]))));
  }
  const active = c.perKernel.filter((k) => k.cases > 0);
  const kinds = [...new Set(active.flatMap((k) => Object.keys(k.errors)))].sort();
  lines.push('', 'error kinds answered:');
  lines.push(...(kinds.length === 0 ? ['  none'] : table(['error', ...active.map((k) => k.kernel)], kinds.map((e) => [e, ...active.map((k) => String((k.errors as Record<string, number>)[e] ?? 0))]))));
  lines.push('', 'work done by each kernel (- : not reported):');
  lines.push(
    ...table(
      ['', ...active.map((k) => k.kernel)],
      [
        ['cases', ...active.map((k) => String(k.cases))],
        ['operations', ...active.map((k) => String(k.applied))],
        ...STAT_FIELDS.map((f) => [STAT_LABELS[f], ...active.map((k) => (k.stats[f] === undefined ? '-' : String(k.stats[f])))]),
      ],
    ),
  );
  lines.push('', `largest collection: ${c.largestCollection} elements`);
  lines.push(c.unexercised.length === 0 ? 'every generated operation was exercised (answered ok at least once)' : `NOT EXERCISED (never answered ok): ${c.unexercised.join(', ')}`);
  if (c.judgedAlone.length > 0) lines.push(`judged by one kernel only (its invariants, no comparison): ${c.judgedAlone.join(', ')}`);
  return lines.join('\n');
}
