/**
 * Test harness for the TS mirrors of the TLA+ modules: a plain BFS over a mirror (distinct-state
 * count, first violation of each invariant), the same BFS through tla-checker's `explore_*` API,
 * cfg constants for a mirror, manifest look-ups, and the two standard suites every mirror's test
 * declares ({@link describeManifestModels}, {@link describeTlaEquivalence}). Used by
 * spec/Atoms.test.ts, Fork.test.ts, Capabilities.test.ts, KernelSpec.test.ts.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SpecInstance, SpecModule } from '../../spec/SpecModule.js';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What a BFS over a mirror found. */
export interface MirrorBfsResult {
  /** Distinct states reached (all of them, or up to the first violation when `stopAtViolation`). */
  readonly distinct: number;
  /** Invariants violated, each with the number of distinct states seen when first violated. */
  readonly violated: ReadonlyMap<string, number>;
}

/** Explores every reachable state of `inst` breadth-first, checking all invariants in every state. */
export function bfsMirror<S>(inst: SpecInstance<S>, opts: { readonly maxStates?: number; readonly stopAtViolation?: boolean } = {}): MirrorBfsResult {
  const max = opts.maxStates ?? 2_000_000;
  const seen = new Set<string>();
  const violated = new Map<string, number>();
  let frontier: S[] = [];
  const visit = (s: S): boolean => {
    const k = inst.key(s);
    if (seen.has(k)) return true;
    seen.add(k);
    if (seen.size > max) throw new Error(`more than ${max} states`);
    for (const [name, inv] of Object.entries(inst.invariants)) {
      if (!violated.has(name) && !inv(s)) violated.set(name, seen.size);
    }
    frontier.push(s);
    return !(opts.stopAtViolation && violated.size > 0);
  };
  for (const s of inst.init()) if (!visit(s)) return { distinct: seen.size, violated };
  while (frontier.length > 0) {
    const cur = frontier;
    frontier = [];
    for (const s of cur) {
      for (const a of inst.actions) for (const t of a.next(s)) if (!visit(t)) return { distinct: seen.size, violated };
    }
  }
  return { distinct: seen.size, violated };
}

/** JSON with object keys sorted at every level: a canonical text for comparing TLA+ values. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

interface TlaCheckerApi {
  initSync(m: { module: Uint8Array }): unknown;
  check_spec_with_cfg(spec: string, cfg: string, consts: string, maxStates: number, maxDepth: number, allowDeadlock: boolean, dot: boolean): string;
  explore_init(spec: string, cfg: string, consts: string): string;
  explore_next(spec: string, cfg: string, consts: string, state: string): string;
}

let api: TlaCheckerApi | undefined;
/** tla-checker's wasm API, initialised once. */
export async function tlaChecker(): Promise<TlaCheckerApi> {
  if (api) return api;
  const req = createRequire(import.meta.url);
  const jsPath = req.resolve('tla-checker/tla_checker.js');
  const mod = (await import(jsPath)) as TlaCheckerApi;
  mod.initSync({ module: readFileSync(join(dirname(jsPath), 'tla_checker_bg.wasm')) });
  api = mod;
  return mod;
}

/** Every reachable state of a TLA+ model, through `explore_init`/`explore_next`, as canonical JSON. */
export async function tlaStateSet(tla: string, cfg: string, maxStates = 5000): Promise<Set<string>> {
  const t = await tlaChecker();
  const init = JSON.parse(t.explore_init(tla, cfg, '{}')) as { ok: boolean; error?: string; states: { json: unknown }[] };
  if (!init.ok) throw new Error(`explore_init: ${init.error}`);
  const seen = new Set<string>();
  const queue: unknown[] = [];
  const add = (j: unknown): void => {
    const k = canonicalJson(j);
    if (!seen.has(k)) { seen.add(k); queue.push(j); }
  };
  for (const s of init.states) add(s.json);
  while (queue.length > 0) {
    if (seen.size > maxStates) throw new Error(`more than ${maxStates} states`);
    const s = queue.shift();
    const r = JSON.parse(t.explore_next(tla, cfg, '{}', JSON.stringify(s))) as { ok: boolean; error?: string; transitions: { state: { json: unknown } }[] };
    if (!r.ok) throw new Error(`explore_next: ${r.error}`);
    for (const tr of r.transitions) add(tr.state.json);
  }
  return seen;
}

/** Every reachable state of a mirror, as canonical JSON of its `toTla`. */
export function mirrorStateSet<S>(inst: SpecInstance<S>): Set<string> {
  const seen = new Set<string>();
  const keys = new Set<string>();
  let frontier = [...inst.init()];
  for (const s of frontier) { keys.add(inst.key(s)); seen.add(canonicalJson(inst.toTla(s))); }
  while (frontier.length > 0) {
    const next: S[] = [];
    for (const s of frontier) {
      for (const a of inst.actions) {
        for (const t of a.next(s)) {
          const k = inst.key(t);
          if (keys.has(k)) continue;
          keys.add(k);
          seen.add(canonicalJson(inst.toTla(t)));
          next.push(t);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/**
 * The constants of a cfg's `CONSTANTS` section, for a mirror: integers, `"strings"`, and
 * `{…}` sets of integers. (Enough for this project's Atoms/Fork/Capabilities models.)
 */
export function cfgConstants(cfgText: string): Record<string, unknown> {
  const text = cfgText.replace(/\\\*.*$/gm, '');
  const m = /CONSTANTS?\s([\s\S]*?)(?=^\s*(?:INVARIANTS?|PROPERTY|PROPERTIES|SPECIFICATION|INIT|NEXT|CHECK_DEADLOCK|CONSTRAINTS?|SYMMETRY)\b|$(?![\s\S]))/m.exec(text);
  const out: Record<string, unknown> = {};
  if (!m) return out;
  for (const line of m[1]!.split('\n')) {
    const a = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line);
    if (!a) continue;
    const raw = a[2]!;
    if (/^-?\d+$/.test(raw)) out[a[1]!] = Number(raw);
    else if (/^".*"$/.test(raw)) out[a[1]!] = raw.slice(1, -1);
    else if (/^\{.*\}$/.test(raw)) out[a[1]!] = raw.slice(1, -1).split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
    else throw new Error(`cannot read constant ${a[1]} = ${raw}`);
  }
  return out;
}

/** A model entry of spec/tla/manifest.json (the fields these tests use). */
export interface ManifestModel {
  readonly name: string;
  readonly module: string;
  readonly tla: string;
  readonly cfg: string;
  readonly expect: 'pass' | { readonly violation: string };
  readonly distinctStates: number | null;
  readonly big?: boolean;
}

/** The manifest's models of one module. */
export function manifestModels(module: string): ManifestModel[] {
  const m = JSON.parse(readFileSync(join(ROOT, 'spec/tla/manifest.json'), 'utf8')) as { models: ManifestModel[] };
  return m.models.filter((x) => x.module === module);
}

/** Reads a repository file. */
export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Options of {@link describeManifestModels}. */
export interface ManifestSuiteOptions {
  /** The `Bug` values the module's seeded-bug models must cover (sorted). */
  readonly bugs: readonly string[];
  /** Include big models too (default: only with IMMUTOS_SPEC_FULL=1). */
  readonly includeBig?: boolean;
  /** Per-test timeout, ms. */
  readonly timeout?: number;
}

/**
 * Declares the standard tests of a mirror against its manifest models: the module has a pass
 * model and one seeded-bug model per bug; each pass model's BFS reaches the pinned distinct-state
 * count with every invariant holding; each bug model violates exactly its expected invariant.
 * Medium (and big) pass models run only with IMMUTOS_SPEC_FULL=1.
 */
export function describeManifestModels<S>(module: string, spec: SpecModule<S>, options: ManifestSuiteOptions): void {
  const full = process.env.IMMUTOS_SPEC_FULL === '1';
  const allModels = manifestModels(module).filter((m) => !m.big || (full && options.includeBig === true));
  const models = allModels.filter((m) => full || m.expect !== 'pass' || m.name.endsWith('_small'));
  describe(`${module} mirror: manifest models`, () => {
    it('has a pass model and a seeded-bug model for each seeded bug', () => {
      expect(models.some((m) => m.expect === 'pass')).toBe(true);
      expect(allModels.filter((m) => m.expect !== 'pass').map((m) => cfgConstants(readRepoFile(m.cfg)).Bug).sort()).toEqual([...options.bugs].sort());
    });
    for (const m of models) {
      const title = `${m.name}: ${typeof m.expect === 'string' ? `${m.distinctStates} states, invariants hold` : `violates ${m.expect.violation}`}`;
      it(title, { timeout: options.timeout ?? 60_000 }, () => {
        const inst = spec.instantiate(cfgConstants(readRepoFile(m.cfg)));
        if (m.expect === 'pass') {
          const r = bfsMirror(inst);
          expect([...r.violated.keys()]).toEqual([]);
          expect(r.distinct).toBe(m.distinctStates);
        } else {
          const r = bfsMirror(inst, { stopAtViolation: true });
          expect([...r.violated.keys()]).toEqual([m.expect.violation]);
        }
      });
    }
  });
}

/**
 * Declares, for each `Bug` value, a test that the mirror and the TLA+ module (through tla-checker's
 * `explore_*`) reach exactly the same states on the tiny model `cfgFor(bug)`.
 */
export function describeTlaEquivalence<S>(module: string, spec: SpecModule<S>, cfgFor: (bug: string) => string, bugs: readonly string[], minStates = 20, timeout = 60_000): void {
  describe(`${module} mirror ≡ ${module}.tla (tla-checker explore_*) on tiny models`, () => {
    const tla = readRepoFile(`spec/tla/${module}.tla`);
    for (const bug of bugs) {
      it(`same reachable states, Bug = ${bug}`, { timeout }, async () => {
        const cfg = cfgFor(bug);
        const ts = mirrorStateSet(spec.instantiate(cfgConstants(cfg)));
        const tl = await tlaStateSet(tla, cfg);
        expect(ts.size).toBeGreaterThan(minStates);
        expect([...ts].filter((x) => !tl.has(x))).toEqual([]);
        expect([...tl].filter((x) => !ts.has(x))).toEqual([]);
      });
    }
  });
}
