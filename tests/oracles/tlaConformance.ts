/**
 * Oracle: does a TS mirror produce the same reachable state graph as its TLA+ module? Enumerates
 * the TLA+ states with tla-checker's `explore_init` / `explore_next` (a BFS in JS), the mirror's
 * with its own `init`/`actions`, and compares the two sets of states after mapping the mirror's
 * states through `toTla` and both sides through {@link normalizeTla}.
 * @module
 */
import { check_spec_with_options, explore_eval, explore_init, explore_next } from 'tla-checker';
import { initTlaChecker } from '../../cli/check/tlaChecker.js';
import type { SpecInstance } from '../../spec/SpecModule.js';

/**
 * Puts a value in tla-checker's state-JSON form, or in the plainer form a mirror may use, into one
 * canonical form: model values `{__model: "p"}` become `"p"`; tuples `{__tuple: xs}` become
 * arrays; a function `{__fn: pairs}` becomes an array when its domain is `1..n`, an object when
 * every key is a string, and otherwise stays `{__fn}` with pairs sorted by key; records keep
 * their fields (sorted); sets (arrays) keep their order — both sides list them sorted as the
 * checker does.
 */
export function normalizeTla(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeTla);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === '__model') return o.__model;
  if (keys.length === 1 && keys[0] === '__tuple' && Array.isArray(o.__tuple)) return (o.__tuple as unknown[]).map(normalizeTla);
  if (keys.length === 1 && keys[0] === '__fn' && Array.isArray(o.__fn)) {
    const pairs = (o.__fn as [unknown, unknown][]).map(([k, x]) => [normalizeTla(k), normalizeTla(x)] as const);
    if (pairs.every(([k], i) => k === i + 1)) return pairs.map(([, x]) => x);
    if (pairs.every(([k]) => typeof k === 'string')) return Object.fromEntries([...pairs].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)));
    const sorted = [...pairs].sort((a, b) => { const x = canonicalJson(a[0]); const y = canonicalJson(b[0]); return x < y ? -1 : x > y ? 1 : 0; });
    return { __fn: sorted.map(([k, x]) => [k, x]) };
  }
  return Object.fromEntries(keys.sort().map((k) => [k, normalizeTla(o[k])]));
}

/** JSON with object keys sorted, so equal values print equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

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

/** The verdict of {@link compareStateSets}. */
export interface ConformanceVerdict {
  /** Same sets. */
  readonly same: boolean;
  /** Number of TLA+ states. */
  readonly tlaCount: number;
  /** Number of mirror states (distinct `toTla` images). */
  readonly mirrorCount: number;
  /** A state only the TLA+ module reaches, if any. */
  readonly onlyTla: string | null;
  /** A state only the mirror reaches, if any. */
  readonly onlyMirror: string | null;
}

/** Compares two canonical state sets and names the first state (in sorted order) found on one side only. */
export function compareStateSets(tla: ReadonlySet<string>, mirror: ReadonlySet<string>): ConformanceVerdict {
  const first = (a: ReadonlySet<string>, b: ReadonlySet<string>): string | null => {
    let best: string | null = null;
    for (const s of a) if (!b.has(s) && (best === null || s < best)) best = s;
    return best;
  };
  const onlyTla = first(tla, mirror);
  const onlyMirror = first(mirror, tla);
  return { same: onlyTla === null && onlyMirror === null, tlaCount: tla.size, mirrorCount: mirror.size, onlyTla, onlyMirror };
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

/** The verdict of {@link sampledSuccessorConformance}. */
export interface SampledVerdict {
  /** States whose successor sets were compared. */
  readonly checked: number;
  /** The first disagreement, described, or null when every compared set matched. */
  readonly mismatch: string | null;
}

/**
 * Conformance for models too big to enumerate through the stepping API: the initial-state sets
 * must be equal, and along seeded random walks over the mirror, at each of `samples` states the
 * mirror's successor set (through `toTla`) must equal tla-checker's `explore_next` successor set of
 * the same state. Stuttering successors (the state itself) are ignored on both sides.
 */
export function sampledSuccessorConformance<S>(spec: string, cfg: string, inst: SpecInstance<S>, samples = 200, seed = 1): SampledVerdict {
  initTlaChecker();
  const canon = (v: unknown): string => canonicalJson(normalizeTla(v));
  const parse = (s: string): { ok: boolean; error?: string; states?: { json: unknown }[]; transitions?: { state: { json: unknown } }[] } => JSON.parse(s);
  const init = parse(explore_init(spec, cfg, '{}'));
  if (!init.ok) throw new Error(`explore_init failed: ${init.error}`);
  const tlaInit = new Set((init.states ?? []).map((s) => canon(s.json)));
  const mirrorInit = [...inst.init()];
  const mirrorInitSet = new Set(mirrorInit.map((s) => canon(inst.toTla(s))));
  const initVerdict = compareStateSets(tlaInit, mirrorInitSet);
  if (!initVerdict.same) return { checked: 0, mismatch: `initial states differ: only in TLA+ ${initVerdict.onlyTla ?? '-'}, only in the mirror ${initVerdict.onlyMirror ?? '-'}` };
  let rng = seed >>> 0 || 1;
  const rand = (n: number): number => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) % n;
  };
  let s = mirrorInit[rand(mirrorInit.length)]!;
  for (let checked = 0; checked < samples; checked++) {
    const here = inst.toTla(s);
    const self = canon(here);
    const succ: S[] = [];
    for (const a of inst.actions) for (const t of a.next(s)) succ.push(t);
    const mirrorNext = new Set(succ.map((t) => canon(inst.toTla(t))));
    mirrorNext.delete(self);
    const r = parse(explore_next(spec, cfg, '{}', JSON.stringify(here)));
    if (!r.ok) return { checked, mismatch: `explore_next refused the mirror's state ${self}: ${r.error}` };
    const tlaNext = new Set((r.transitions ?? []).map((t) => canon(t.state.json)));
    tlaNext.delete(self);
    const v = compareStateSets(tlaNext, mirrorNext);
    if (!v.same) return { checked, mismatch: `successors of ${self} differ: only in TLA+ ${v.onlyTla ?? '-'}, only in the mirror ${v.onlyMirror ?? '-'}` };
    const expandable = inst.constraint === undefined ? succ : succ.filter((t) => inst.constraint!(t));
    s = expandable.length > 0 ? expandable[rand(expandable.length)]! : mirrorInit[rand(mirrorInit.length)]!;
  }
  return { checked: samples, mismatch: null };
}
