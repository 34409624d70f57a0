/**
 * Counterexample traces: reading tla-checker's text form, and printing any trace as a table of
 * state changes (the first state in full, then only the variables that changed at each step).
 * @module
 */
import type { Trace, TraceState } from './result.js';

/**
 * Reads one tla-checker trace text (`State 0\n  x = 0\n  y = {}\nState 1\n…`) into states.
 * A line that is not `State N` nor `  name = value` continues the previous value.
 */
export function parseTlaCheckerStates(text: string): TraceState[] {
  const states: { action: string | null; vars: [string, string][] }[] = [];
  for (const line of text.split('\n')) {
    if (/^State \d+\s*$/.test(line)) { states.push({ action: states.length === 0 ? 'Init' : null, vars: [] }); continue; }
    if (line.trim() === '') continue;
    const cur = states[states.length - 1];
    if (!cur) continue;
    const m = /^ {2}([A-Za-z_][A-Za-z0-9_]*) = (.*)$/.exec(line);
    if (m) cur.vars.push([m[1]!, m[2]!]);
    else if (cur.vars.length > 0) { const last = cur.vars[cur.vars.length - 1]!; last[1] += ' ' + line.trim(); }
  }
  return states;
}

/**
 * Reads tla-checker's `trace` field: one string for a safety counterexample, or two (prefix and
 * cycle) for a liveness lasso. The cycle's first state repeats a prefix state; it is kept once.
 */
export function parseTlaCheckerTrace(trace: readonly string[] | null | undefined): Trace | null {
  if (!trace || trace.length === 0) return null;
  const prefix = parseTlaCheckerStates(trace[0]!);
  if (trace.length < 2) return { states: prefix, cycleStart: null };
  const cycle = parseTlaCheckerStates(trace.slice(1).join('\n'));
  if (cycle.length === 0) return { states: prefix, cycleStart: null };
  const same = (a: TraceState, b: TraceState): boolean => JSON.stringify(a.vars) === JSON.stringify(b.vars);
  // The lasso: prefix …, s_k, then the cycle s_k → … → s_k.
  const first = cycle[0]!;
  let start = -1;
  for (let i = prefix.length - 1; i >= 0; i--) if (same(prefix[i]!, first)) { start = i; break; }
  if (start >= 0) return { states: [...prefix.slice(0, start + 1), ...cycle.slice(1)], cycleStart: start };
  return { states: [...prefix, ...cycle], cycleStart: prefix.length };
}

/**
 * Prints a trace as a table: `step | action | variable | value`, the first state in full and
 * after it only the variables whose value changed. A lasso ends with the step it loops back to.
 */
export function renderTrace(trace: Trace, indent = '  '): string {
  const rows: [string, string, string, string][] = [];
  let prev = new Map<string, string>();
  trace.states.forEach((st, i) => {
    const changed = st.vars.filter(([k, v]) => i === 0 || prev.get(k) !== v);
    const mark = trace.cycleStart === i ? ' (cycle starts)' : '';
    const action = (st.action ?? (i === 0 ? 'Init' : '')) + mark;
    if (changed.length === 0) rows.push([String(i), action, '', '(no change: stuttering)']);
    changed.forEach(([k, v], j) => rows.push([j === 0 ? String(i) : '', j === 0 ? action : '', k, v]));
    prev = new Map(st.vars);
  });
  if (trace.cycleStart !== null) rows.push(['', '', '', `… back to step ${trace.cycleStart} (the behaviour loops forever)`]);
  const head: [string, string, string, string] = ['step', 'action', 'variable', 'value'];
  const w = [0, 1, 2].map((c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (r: readonly string[]): string => indent + [r[0]!.padStart(w[0]!), r[1]!.padEnd(w[1]!), r[2]!.padEnd(w[2]!), r[3]!].join('  ').trimEnd();
  return [fmt(head), fmt(w.map((n) => '-'.repeat(n)).concat(['-----'])), ...rows.map(fmt)].join('\n');
}

/**
 * Prints a state value in TLA+ syntax. Accepts tla-checker's state JSON (`{__tuple}`, `{__fn}`,
 * `{__model}`, sets as arrays, records as objects) and a mirror's `toTla` output in that form:
 * arrays print as sets `{…}`, tuples as `<<…>>`, functions as `(k :> v @@ …)`, records as `[f |-> v]`.
 */
export function formatTla(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `{${v.map(formatTla).join(', ')}}`;
  if (v === null || typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === '__model') return String(o.__model);
  if (keys.length === 1 && keys[0] === '__tuple' && Array.isArray(o.__tuple)) return `<<${(o.__tuple as unknown[]).map(formatTla).join(', ')}>>`;
  if (keys.length === 1 && keys[0] === '__fn' && Array.isArray(o.__fn)) {
    const pairs = o.__fn as [unknown, unknown][];
    return pairs.length === 0 ? '<<>>' : `(${pairs.map(([k, x]) => `${formatTla(k)} :> ${formatTla(x)}`).join(' @@ ')})`;
  }
  return `[${keys.map((k) => `${k} |-> ${formatTla(o[k])}`).join(', ')}]`;
}
