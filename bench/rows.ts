/**
 * Headline rows of the bench suites: one measured figure each, with the peer measured in the same
 * run, the spread over repeats and the target it is held to. `immutos bench` collects the rows a
 * suite records, adds them to the suite's JSON, draws them as `<suite>-ratios.svg` and ends with
 * one table of every row and whether its target was met in this run.
 * @module
 */

/** A peer's figure, measured in the same run. */
export interface BenchPeer {
  /** What the peer is (`Immutable.js`, `node -e 0`, `cbor-x`). */
  readonly name: string;
  /** Its figure, in the row's unit. */
  readonly value: number;
}

/** What a row is held to: a bound on its ratio to the peer, or on its own value. */
export interface BenchTarget {
  /** Which number is bounded. */
  readonly of: 'ratio' | 'value';
  /** Met when the number is at most this. */
  readonly atMost?: number;
  /** Met when the number is at least this. */
  readonly atLeast?: number;
}

/** One headline figure of a suite. */
export interface BenchRow {
  /** What was measured (`persistent map insert, 10⁶ keys`). */
  readonly name: string;
  /** The figure (a median over repeats unless `unit` says otherwise). */
  readonly value: number;
  /** Its unit (`ms`, `M ops/s`, `MiB`, `×`). */
  readonly unit: string;
  /** Whether a smaller or a larger figure is better. */
  readonly better: 'lower' | 'higher';
  /** (max − min) / median over the repeats, when there were repeats. */
  readonly spread?: number;
  /** The peer measured in the same run. */
  readonly peer?: BenchPeer;
  /** The target. */
  readonly target?: BenchTarget;
}

/** A recorded row with the suite it came from, its ratio and its verdict. */
export interface JudgedRow extends BenchRow {
  /** The suite. */
  readonly suite: string;
  /** value / peer value (absent without a peer). */
  readonly ratio?: number;
  /** Whether the target was met in this run (absent without a target). */
  readonly met?: boolean;
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** (max − min) / median of `xs` (0 for fewer than two). */
export function spreadOf(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mid = median(xs);
  return mid === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / mid;
}

/** The row with its suite, ratio to the peer and verdict. */
export function judgeRow(suite: string, row: BenchRow): JudgedRow {
  const ratio = row.peer !== undefined && row.peer.value !== 0 ? row.value / row.peer.value : undefined;
  let met: boolean | undefined;
  if (row.target !== undefined) {
    const x = row.target.of === 'ratio' ? ratio : row.value;
    met = x !== undefined && Number.isFinite(x) && (row.target.atMost === undefined || x <= row.target.atMost) && (row.target.atLeast === undefined || x >= row.target.atLeast);
  }
  return { ...row, suite, ...(ratio !== undefined ? { ratio } : {}), ...(met !== undefined ? { met } : {}) };
}

const num = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The target as text (`ratio ≤ 2`, `≥ 5000 ops/s`). */
export function targetText(row: BenchRow): string {
  const t = row.target;
  if (t === undefined) return '';
  const what = t.of === 'ratio' ? 'ratio ' : '';
  const unit = t.of === 'value' ? ` ${row.unit}` : '×';
  const parts = [...(t.atMost !== undefined ? [`≤ ${num(t.atMost)}${unit}`] : []), ...(t.atLeast !== undefined ? [`≥ ${num(t.atLeast)}${unit}`] : [])];
  return `${what}${parts.join(' and ')}`;
}

/** The rows as a text table: suite, row, figure ± spread, peer, ratio, target, verdict. */
export function formatRows(rows: readonly JudgedRow[]): string[] {
  const cells = rows.map((r) => [
    r.suite,
    r.name,
    `${num(r.value)} ${r.unit}${r.spread !== undefined ? ` ±${(r.spread * 50).toFixed(0)}%` : ''}`,
    r.peer !== undefined ? `${r.peer.name} ${num(r.peer.value)} ${r.unit}` : '—',
    r.ratio !== undefined ? `${num(r.ratio)}×` : '—',
    targetText(r) || '—',
    r.met === undefined ? '' : r.met ? 'MET' : 'NOT MET',
  ]);
  const head = ['suite', 'row', 'figure (± half the spread)', 'peer in the same run', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]!].length)));
  const line = (c: readonly string[]): string => c.map((x, i) => x + ' '.repeat(widths[i]! - [...x].length)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The rows of one suite as an SVG: per row, a bar of its ratio to the peer on a log scale (1× the
 * peer marked, the target's bound drawn), or, for a row without a peer, its value against its
 * target; bars green when the target is met, red when not, grey without a target.
 */
export function rowsSvg(suite: string, rows: readonly JudgedRow[]): string {
  const barH = 18;
  const gap = 10;
  const left = 330;
  const plotW = 420;
  const top = 40;
  const height = top + rows.length * (barH + gap) + 30;
  const width = left + plotW + 170;
  // Ratios on a log scale from 1/100 to 100; rows without a peer are shown against their target.
  const lo = Math.log10(0.01);
  const hi = Math.log10(100);
  const x = (ratio: number): number => left + ((Math.log10(Math.min(100, Math.max(0.01, ratio))) - lo) / (hi - lo)) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="20" font-size="14">bench ${esc(suite)}: figure / peer in the same run (log scale; rows without a peer: figure / target bound)</text>`,
    `<line x1="${x(1)}" y1="${top - 8}" x2="${x(1)}" y2="${height - 24}" stroke="#444" stroke-dasharray="3,3"/>`,
    `<text x="${x(1) + 3}" y="${top - 10}">1×</text>`,
  ];
  for (const t of [0.01, 0.1, 10, 100]) parts.push(`<text x="${x(t) - 8}" y="${height - 10}" fill="#666">${t}×</text>`);
  rows.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const bound = r.target?.atMost ?? r.target?.atLeast;
    const shown = r.ratio ?? (r.target !== undefined && r.target.of === 'value' && bound !== undefined && bound !== 0 ? r.value / bound : undefined);
    const colour = r.met === undefined ? '#999' : r.met ? '#2a8a2a' : '#c0392b';
    parts.push(`<text x="10" y="${y + 13}">${esc(r.name.length > 52 ? `${r.name.slice(0, 51)}…` : r.name)}</text>`);
    if (shown !== undefined) {
      const x0 = x(1);
      const x1 = x(shown);
      parts.push(`<rect x="${Math.min(x0, x1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${barH}" fill="${colour}"/>`);
    }
    if (r.target !== undefined && r.target.of === 'ratio' && bound !== undefined) parts.push(`<line x1="${x(bound)}" y1="${y - 2}" x2="${x(bound)}" y2="${y + barH + 2}" stroke="#000" stroke-width="2"/>`);
    const label = `${num(r.value)} ${r.unit}${r.ratio !== undefined ? ` (${num(r.ratio)}×)` : ''}${r.met === undefined ? '' : r.met ? ' met' : ' not met'}`;
    parts.push(`<text x="${left + plotW + 8}" y="${y + 13}">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
