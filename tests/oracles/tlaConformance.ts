/**
 * Oracle: does a TS mirror produce the same reachable state graph as its TLA+ module? Enumerates
 * the TLA+ states with tla-checker's `explore_init` / `explore_next` (a BFS in JS), the mirror's
 * with its own `init`/`actions`, and compares the two sets of states after mapping the mirror's
 * states through `toTla` and both sides through {@link normalizeTla}.
 * @module
 */
import { check_spec_with_options, explore_eval, explore_init, explore_next } from 'tla-checker';
import { initTlaChecker } from '../../cli/check/tlaChecker.js';
import { canonicalJson, normalizeTla } from '../../cli/check/conformance.js';
import type { SpecInstance } from '../../spec/SpecModule.js';

export { canonicalJson, compareStateSets, normalizeTla, sampledSuccessorConformance, type ConformanceVerdict, type SampledVerdict } from '../../cli/check/conformance.js';

/**
 * The reachable states of a TLA+ model, canonicalised, from tla-checker's stepping API. States
 * failing one of `constraints` (the cfg's CONSTRAINT names) are kept but not expanded, as in TLC.
 */
export function tlaReachableStates(spec: string, cfg: string, maxStates = 1_000_000, constraints: readonly string[] = []): Set<string> {
  initTlaChecker();
  const parse = (s: string): { ok: boolean; error?: string; states?: { json: unknown }[]; transitions?: { state: { json: unknown } }[] } => JSON.parse(s);
  const init = parse(explore_init(spec, cfg, '{}'));
  if (!init.ok) throw new Error(`explore_init failed: ${init.error}`);
  const seen = new Set<string>();
  let frontier: unknown[] = [];
  for (const st of init.states ?? []) {
    const k = canonicalJson(normalizeTla(st.json));
    if (!seen.has(k)) { seen.add(k); frontier.push(st.json); }
  }
  while (frontier.length > 0) {
    const next: unknown[] = [];
    for (const s of frontier) {
      if (constraints.some((c) => (JSON.parse(explore_eval(spec, cfg, '{}', JSON.stringify(s), c)) as { json?: unknown }).json !== true)) continue;
      const r = parse(explore_next(spec, cfg, '{}', JSON.stringify(s)));
      if (!r.ok) throw new Error(`explore_next failed: ${r.error}`);
      for (const t of r.transitions ?? []) {
        const k = canonicalJson(normalizeTla(t.state.json));
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > maxStates) throw new Error(`more than ${maxStates} TLA+ states`);
        next.push(t.state.json);
      }
    }
    frontier = next;
  }
  return seen;
}

/** The reachable states of a mirror instance, mapped through `toTla` and canonicalised; dedup by the mirror's `key`. */
export function mirrorReachableStates<S>(inst: SpecInstance<S>, maxStates = 1_000_000): { states: Set<string>; keyCount: number } {
  const keys = new Set<string>();
  const states = new Set<string>();
  let frontier: S[] = [];
  const visit = (s: S, into: S[]): void => {
    const k = inst.key(s);
    if (keys.has(k)) return;
    keys.add(k);
    if (keys.size > maxStates) throw new Error(`more than ${maxStates} mirror states`);
    states.add(canonicalJson(normalizeTla(inst.toTla(s))));
    if (inst.constraint === undefined || inst.constraint(s)) into.push(s);
  };
  for (const s of inst.init()) visit(s, frontier);
  while (frontier.length > 0) {
    const next: S[] = [];
    for (const s of frontier) for (const a of inst.actions) for (const t of a.next(s)) visit(t, next);
    frontier = next;
  }
  return { states, keyCount: keys.size };
}

/**
 * Prints a value as tla-checker displays it in its DOT export (`(k :> v @@ …)`, `<<…>>`, `{…}`,
 * `[f |-> v]` with sorted fields, `true`/`false`, quoted strings). Input: the checker's state JSON
 * form, which the mirrors' `toTla` produce.
 */
export function displayTla(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(displayTla).join(', ')}}`;
  if (v === null || typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === '__model') return String(o.__model);
  if (keys.length === 1 && keys[0] === '__tuple' && Array.isArray(o.__tuple)) return `<<${(o.__tuple as unknown[]).map(displayTla).join(', ')}>>`;
  if (keys.length === 1 && keys[0] === '__fn' && Array.isArray(o.__fn)) {
    const pairs = o.__fn as [unknown, unknown][];
    return pairs.length === 0 ? '<<>>' : `(${pairs.map(([k, x]) => `${displayTla(k)} :> ${displayTla(x)}`).join(' @@ ')})`;
  }
  return `[${keys.sort().map((k) => `${k} |-> ${displayTla(o[k])}`).join(', ')}]`;
}

/** A state as one line per variable, sorted by name: the form both sides of the fast comparison use. */
function displayState(vars: Iterable<readonly [string, string]>): string {
  return [...vars].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('\n');
}

/**
 * The reachable states of a TLA+ model in display form, from one `check_spec_with_options` run
 * with the full DOT export (fast: one model-checking run instead of one call per state).
 * Invariants are dropped from the cfg so the whole graph is explored.
 */
export function tlaReachableDisplay(spec: string, cfgSource: string, maxStates = 5_000_000): Set<string> {
  initTlaChecker();
  const noInvariants = cfgSource.replace(/\(\*[\s\S]*?\*\)/g, ' ').replace(/\\\*.*$/gm, '')
    .replace(/\bINVARIANTS?\b[\s\S]*?(?=\b(?:CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERT(?:Y|IES)|CONSTRAINTS?|ACTION_CONSTRAINTS?|SYMMETRY|VIEW|CHECK_DEADLOCK|ALIAS|POSTCONDITION)\b|$)/g, '')
    .replace(/\bPROPERT(?:Y|IES)\b[\s\S]*?(?=\b(?:CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERT(?:Y|IES)|CONSTRAINTS?|ACTION_CONSTRAINTS?|SYMMETRY|VIEW|CHECK_DEADLOCK|ALIAS|POSTCONDITION)\b|$)/g, '');
  const r = JSON.parse(check_spec_with_options(spec, JSON.stringify({
    cfg_source: noInvariants, max_states: maxStates, max_depth: 1_000_000, allow_deadlock: true, export_dot: true, dot_mode: 'full',
  }))) as { success: boolean; error_type: string | null; error_message: string | null; dot: string | null };
  if (!r.success || r.dot === null) throw new Error(`tla-checker full run failed: ${r.error_type}: ${r.error_message}`);
  const out = new Set<string>();
  for (const m of r.dot.matchAll(/^\s*s\d+ \[label="((?:[^"\\]|\\.)*)"\];$/gm)) {
    const label = (JSON.parse(`"${m[1]!}"`) as string);
    out.add(displayState(label.split('\n').map((l) => { const i = l.indexOf('='); return [l.slice(0, i), l.slice(i + 1)] as const; })));
  }
  return out;
}

/** The mirror's reachable states in the display form of {@link tlaReachableDisplay}. */
export function mirrorReachableDisplay<S>(inst: SpecInstance<S>, maxStates = 5_000_000): Set<string> {
  const keys = new Set<string>();
  const out = new Set<string>();
  let frontier: S[] = [];
  const visit = (s: S, into: S[]): void => {
    const k = inst.key(s);
    if (keys.has(k)) return;
    keys.add(k);
    if (keys.size > maxStates) throw new Error(`more than ${maxStates} mirror states`);
    out.add(displayState(Object.entries(inst.toTla(s)).map(([n, v]) => [n, displayTla(v)] as const)));
    if (inst.constraint === undefined || inst.constraint(s)) into.push(s);
  };
  for (const s of inst.init()) visit(s, frontier);
  while (frontier.length > 0) {
    const next: S[] = [];
    for (const s of frontier) for (const a of inst.actions) for (const t of a.next(s)) visit(t, next);
    frontier = next;
  }
  return out;
}
