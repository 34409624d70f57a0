/**
 * Test support for the Heap, GC and GC-proof mirrors: reading a cfg's constants (integers,
 * strings, sets of integers or of model values) and comparing a mirror's successor sets with
 * tla-checker's `explore_next` along a walk.
 * @module
 */
import type { SpecInstance } from '../../spec/SpecModule.js';
import { canonicalJson, tlaChecker } from './mirrorHarness.js';

/** The CONSTANTS of a cfg: integers, `"strings"`, `{…}` sets (numbers, or model values as strings), bare model values as strings. */
export function cfgConstantsWithModelValues(cfgText: string): Record<string, unknown> {
  const text = cfgText.replace(/\\\*.*$/gm, '');
  const out: Record<string, unknown> = {};
  let inConstants = false;
  for (const line of text.split('\n')) {
    if (/^\s*CONSTANTS?\b/.test(line)) { inConstants = true; continue; }
    if (/^\s*[A-Z_]+\b/.test(line) && !/^\s*\w+\s*=/.test(line)) inConstants = false;
    if (!inConstants) continue;
    const a = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line);
    if (!a) continue;
    const raw = a[2]!;
    const atom = (x: string): unknown => (/^-?\d+$/.test(x) ? Number(x) : /^".*"$/.test(x) ? x.slice(1, -1) : x);
    if (/^\{.*\}$/.test(raw)) out[a[1]!] = raw.slice(1, -1).split(',').map((x) => x.trim()).filter((x) => x !== '').map(atom);
    else out[a[1]!] = atom(raw);
  }
  return out;
}

/** tla-checker's successor states of `state` (its state JSON), as canonical JSON. */
export async function tlaSuccessors(tla: string, cfg: string, state: unknown): Promise<Set<string>> {
  const t = await tlaChecker();
  const r = JSON.parse(t.explore_next(tla, cfg, '{}', JSON.stringify(state))) as { ok: boolean; error?: string; transitions: { state: { json: unknown } }[] };
  if (!r.ok) throw new Error(`explore_next: ${r.error}`);
  return new Set(r.transitions.map((x) => canonicalJson(x.state.json)));
}

/**
 * Walks `steps` steps through the mirror (a fixed pseudo-random choice with `seed`) and, at each
 * state, compares the mirror's successors (through `toTla`) with tla-checker's. Returns the first
 * difference found, or null; `checked` counts the states compared.
 */
export async function compareSuccessorsAlongWalk<S>(
  inst: SpecInstance<S>, tla: string, cfg: string, steps: number, seed: number,
): Promise<{ diff: string | null; checked: number }> {
  const t = await tlaChecker();
  const init = JSON.parse(t.explore_init(tla, cfg, '{}')) as { ok: boolean; error?: string; states: { json: unknown }[] };
  if (!init.ok) throw new Error(`explore_init: ${init.error}`);
  const mine = [...inst.init()];
  const a = new Set(init.states.map((x) => canonicalJson(x.json)));
  const b = new Set(mine.map((x) => canonicalJson(inst.toTla(x))));
  if (canonicalJson([...a].sort()) !== canonicalJson([...b].sort())) return { diff: `init: tla ${[...a][0]} vs mirror ${[...b][0]}`, checked: 0 };
  let rnd = seed >>> 0;
  let s = mine[0]!;
  let checked = 0;
  for (let i = 0; i < steps; i++) {
    const succ: S[] = [];
    for (const act of inst.actions) for (const x of act.next(s)) succ.push(x);
    const ours = new Set(succ.map((x) => canonicalJson(inst.toTla(x))));
    const theirs = await tlaSuccessors(tla, cfg, inst.toTla(s));
    // tla-checker lists stuttering successors too; the mirror may omit a successor equal to s.
    theirs.delete(canonicalJson(inst.toTla(s)));
    ours.delete(canonicalJson(inst.toTla(s)));
    checked++;
    for (const x of theirs) if (!ours.has(x)) return { diff: `at ${canonicalJson(inst.toTla(s))}: mirror lacks ${x}`, checked };
    for (const x of ours) if (!theirs.has(x)) return { diff: `at ${canonicalJson(inst.toTla(s))}: tla lacks ${x}`, checked };
    if (succ.length === 0) break;
    rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
    s = succ[rnd % succ.length]!;
  }
  return { diff: null, checked };
}
