/**
 * Conformance of a TS mirror to its TLA+ module, by sampling: the two must have the same initial
 * states and, at states met along seeded random walks over the mirror, the same successor sets
 * (the mirror's through `toTla`, the module's from tla-checker's `explore_next`). What the default
 * `immutos check` runs on models whose full TLA+ run is slow (docs/check.md, docs/adr/0052); the
 * conformance tests use it too.
 * @module
 */
import { explore_init, explore_next } from 'tla-checker';
import { initTlaChecker } from './tlaChecker.js';
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
