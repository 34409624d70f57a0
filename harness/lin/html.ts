/**
 * Pictures of checked histories: a self-contained HTML page (inline SVG and CSS, no scripts) with,
 * per partition, one lane per client, each operation as a bar from its call to its return, the
 * longest partial linearization numbered and joined by a line through its linearization points,
 * and, for a violation, the operation the search could not get past and the time by which it had
 * to take effect highlighted.
 * @module
 */
import { UNKNOWN, type CheckResult, type Model, type Op, type PartitionReport } from './checker.js';
import { printEdn } from '../../spec/codec/Edn.js';
import type { Value } from '../../spec/Values.js';

/** What to draw. */
export interface RenderOptions {
  /** The page title (e.g. the history file's name). */
  readonly title?: string;
  /** Draw at most this many partitions (violations first, then undecided, then the rest; default 20). */
  readonly maxPartitions?: number;
  /** Text of a partition key (default: EDN for values, else as is). */
  readonly keyText?: (key: unknown) => string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function defaultKeyText(k: unknown): string {
  if (k === undefined) return '(one object)';
  if (typeof k === 'object' && k !== null && 'kind' in k) return printEdn(k as Value);
  return typeof k === 'bigint' ? String(k) : typeof k === 'string' ? JSON.stringify(k) : String(k);
}

function describe<S, I, O>(model: Model<S, I, O>, op: Op<I, O>): string {
  if (model.describeOperation !== undefined) return model.describeOperation(op.input, op.output);
  const show = (x: unknown): string => (x === UNKNOWN ? '?' : JSON.stringify(x, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(x));
  return `${show(op.input)} → ${show(op.output)}`;
}

function stateAfter<S, I, O>(model: Model<S, I, O>, history: readonly Op<I, O>[], order: readonly number[]): string {
  let s = model.init();
  for (const i of order) {
    const n = model.step(s, history[i]!.input, history[i]!.output);
    if (n === undefined) return '(not replayable)';
    s = n;
  }
  return model.describeState !== undefined ? model.describeState(s) : typeof s === 'object' ? JSON.stringify(s) : String(s);
}

const LANE = 26;
const BAR = 18;
const LEFT = 110;
const UNIT = 14;

function renderPartition<S, I, O>(model: Model<S, I, O>, history: readonly Op<I, O>[], p: PartitionReport, keyText: (k: unknown) => string): string {
  const ops = p.ops;
  // Time as ranks of the distinct finite times: every call and return gets its own column.
  const times = [...new Set(ops.flatMap((i) => [history[i]!.call, history[i]!.ret]).filter((t) => t !== Infinity))].sort((a, b) => a - b);
  const rank = new Map(times.map((t, k) => [t, k] as const));
  const end = times.length + 2;
  const x = (t: number): number => LEFT + (t === Infinity ? end : rank.get(t)!) * UNIT;
  const clients = [...new Set(ops.map((i) => String(history[i]!.client)))].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    return Number.isNaN(na) || Number.isNaN(nb) ? a.localeCompare(b) : na - nb;
  });
  const lane = new Map(clients.map((c, k) => [c, k] as const));
  const width = x(Infinity) + 40;
  const height = clients.length * LANE + 50;
  const position = new Map(p.linearization.map((op, k) => [op, k] as const));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" class="timeline">`);
  clients.forEach((c, k) => {
    const y = 20 + k * LANE;
    parts.push(`<text x="4" y="${y + BAR - 5}" class="lane">client ${esc(c)}</text><line x1="${LEFT}" x2="${width - 10}" y1="${y + BAR + 3}" y2="${y + BAR + 3}" class="rule"/>`);
  });
  for (const i of ops) {
    const op = history[i]!;
    const y = 20 + lane.get(String(op.client))! * LANE;
    const x0 = x(op.call);
    const x1 = Math.max(x(op.ret), x0 + UNIT / 2);
    const k = position.get(i);
    const cls = i === p.stuck ? 'op stuck' : k !== undefined ? 'op lin' : op.output === UNKNOWN ? 'op unknown' : 'op';
    const text = describe(model, op);
    const label = (k !== undefined ? `#${k + 1} ` : '') + text;
    const tip = `operation ${i} (client ${String(op.client)}): ${text}\ncall ${op.call}, return ${op.ret === Infinity ? '∞ (pending)' : op.ret}` + (k !== undefined ? `\nposition ${k + 1} of the ${p.verdict === 'ok' ? 'linearization' : 'longest partial linearization'}` : '') + (i === p.stuck ? '\nthe search could not place this operation' : '');
    parts.push(`<g class="${cls}"><title>${esc(tip)}</title><rect x="${x0}" y="${y}" width="${x1 - x0}" height="${BAR}" rx="3"/>`);
    const room = Math.floor((x1 - x0 - 6) / 6.2);
    if (room >= 3) parts.push(`<text x="${x0 + 3}" y="${y + BAR - 5}">${esc(label.length > room ? label.slice(0, Math.max(1, room - 1)) + '…' : label)}</text>`);
    parts.push('</g>');
  }
  // The linearization points of the (partial) linearization, joined in order.
  let last = -Infinity;
  const points: string[] = [];
  for (const i of p.linearization) {
    const op = history[i]!;
    const px = Math.max(x(op.call) + 3, last + 2);
    last = px;
    const y = 20 + lane.get(String(op.client))! * LANE + BAR / 2;
    points.push(`${px},${y}`);
  }
  if (points.length > 1) parts.push(`<polyline points="${points.join(' ')}" class="order"/>`);
  for (const pt of points) {
    const [px, py] = pt.split(',');
    parts.push(`<circle cx="${px}" cy="${py}" r="2.5" class="point"/>`);
  }
  if (p.stuck !== undefined) {
    const sx = x(history[p.stuck]!.ret);
    parts.push(`<line x1="${sx}" x2="${sx}" y1="8" y2="${height - 20}" class="stuckline"/><text x="${sx + 4}" y="${height - 8}" class="stucktext">no linearization gets past this return</text>`);
  }
  parts.push('</svg>');
  const verdict = p.verdict === 'ok' ? 'linearizable' : p.verdict === 'violation' ? 'not linearizable' : `not decided (${p.reason ?? 'limit'})`;
  const stuck = p.stuck !== undefined ? `<p>The longest partial linearization places ${p.linearization.length} of ${ops.length} operations; after it the state is <code>${esc(stateAfter(model, history, p.linearization))}</code>, and operation ${p.stuck} (<code>${esc(describe(model, history[p.stuck]!))}</code>, client ${esc(String(history[p.stuck]!.client))}) cannot take effect in it, nor can any order of the operations concurrent with it.</p>` : '';
  return `<section class="${p.verdict}"><h2>key ${esc(keyText(p.key))}: ${verdict}</h2><p>${ops.length} operations, ${clients.length} clients, ${p.steps} search steps.</p>${stuck}<div class="scroll">${parts.join('')}</div></section>`;
}

const CSS = `body{font:14px system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px}h2{font-size:16px;margin:18px 0 4px}
section.violation h2{color:#b00020}section.unknown h2{color:#a06000}section.ok h2{color:#1b5e20}
.scroll{overflow-x:auto;border:1px solid #ddd;padding:4px}svg text{font:11px ui-monospace,monospace}
.lane{fill:#555}.rule{stroke:#eee}.op rect{fill:#e3e3e3;stroke:#999}.op.lin rect{fill:#c8e6c9;stroke:#2e7d32}
.op.unknown rect{fill:#fff8e1;stroke:#c49000;stroke-dasharray:4 2}.op.stuck rect{fill:#ffcdd2;stroke:#b00020;stroke-width:2}
.op:hover rect{stroke:#000;stroke-width:2}.order{fill:none;stroke:#2e7d32;stroke-width:1.2;opacity:.7}.point{fill:#2e7d32}
.stuckline{stroke:#b00020;stroke-width:2;stroke-dasharray:6 3}.stucktext{fill:#b00020}
.legend span{display:inline-block;padding:1px 6px;margin-right:8px;border:1px solid #999;border-radius:3px}`;

/**
 * Renders `result` (the check of `history` against `model`) as a self-contained HTML page.
 * Partitions with a violation come first, then undecided ones, then linearizable ones.
 */
export function renderHtml<S, I, O>(model: Model<S, I, O>, history: readonly Op<I, O>[], result: CheckResult, options: RenderOptions = {}): string {
  const keyText = options.keyText ?? defaultKeyText;
  const rankOf = (p: PartitionReport): number => (p.verdict === 'violation' ? 0 : p.verdict === 'unknown' ? 1 : 2);
  const shown = [...result.partitions].sort((a, b) => rankOf(a) - rankOf(b)).slice(0, options.maxPartitions ?? 20);
  const title = options.title ?? 'history';
  const verdict = result.verdict === 'ok' ? 'linearizable' : result.verdict === 'violation' ? 'not linearizable' : `not decided (${result.reason ?? 'limit'})`;
  const count = (v: string): number => result.partitions.filter((p) => p.verdict === v).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}: ${verdict}</title><style>${CSS}</style></head><body>
<h1>${esc(title)}: ${verdict}</h1>
<p>${history.length} operations in ${result.partitions.length} partitions: ${count('ok')} linearizable, ${count('violation')} not, ${count('unknown')} not decided; ${result.steps} search steps in ${result.elapsedMs} ms.${shown.length < result.partitions.length ? ` Showing ${shown.length}.` : ''}</p>
<p class="legend"><span style="background:#c8e6c9">#n: in the (longest partial) linearization, at position n</span><span style="background:#ffcdd2">the operation that could not be placed</span><span style="background:#fff8e1">outcome unknown</span><span style="background:#e3e3e3">not placed</span> Hover over an operation for details.</p>
${shown.map((p) => renderPartition(model, history, p, keyText)).join('\n')}
</body></html>
`;
}
