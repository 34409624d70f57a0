import { afterEach, describe, expect, test, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from './check.js';
import { repoRoot } from './manifest.js';
import { renderReport, reportJson } from './report.js';
import { UsageError } from '../errors.js';
import { main } from '../main.js';

const fixture = join(repoRoot(), 'tests/fixtures/check/manifest.json');
const fixtureModels = (JSON.parse(readFileSync(fixture, 'utf8')) as { models: Record<string, unknown>[] }).models;
const quiet = { manifest: fixture, progress: 'none' as const, parallel: 1 };

/** A manifest of fixture models with some fields changed, in a temp dir (paths stay relative to the repo root). */
function variant(changes: Record<string, Record<string, unknown>>): string {
  const models = fixtureModels.filter((m) => (m.name as string) in changes).map((m) => ({ ...m, ...changes[m.name as string] }));
  const dir = mkdtempSync(join(tmpdir(), 'immutos-check-'));
  const p = join(dir, 'manifest.json');
  writeFileSync(p, JSON.stringify({ models }));
  return p;
}

afterEach(() => vi.restoreAllMocks());

describe('immutos check (in-process)', () => {
  test('the default set of the fixture manifest matches, with both engines, and skips big models', async () => {
    const r = await runCheck(quiet);
    expect(r.ok).toBe(true);
    expect(r.models.map((m) => m.name)).not.toContain('MiniAtomsBig');
    for (const m of r.models) expect(r.runs.filter((j) => j.model === m.name).map((j) => j.result.engine).sort()).toEqual(['tla-checker', 'ts']);
    expect(r.speed?.model).toBe('MiniAtoms');
    const text = renderReport(r);
    expect(text).toMatch(/model\s+engine\s+result\s+distinct states\s+time\s+states\/s\s+manifest/);
    expect(text).toMatch(/Counterexample: ToyBug — NotTwo violated/);
    expect(text).toMatch(/TS explorer [\d,]+ states\/s, tla-checker [\d,]+ states\/s/);
    const json = JSON.parse(reportJson(r)) as { ok: boolean; models: { name: string; runs: { engine: string; matches: boolean; violated: string | null }[] }[] };
    expect(json.ok).toBe(true);
    expect(json.models.find((m) => m.name === 'ToyBug')!.runs.every((x) => x.violated === 'NotTwo' && x.matches)).toBe(true);
  });

  test('an unknown model name is a usage error listing the valid names', async () => {
    await expect(runCheck({ ...quiet, models: ['Nope'] })).rejects.toThrow(UsageError);
    await expect(runCheck({ ...quiet, models: ['Nope'] })).rejects.toThrow(/valid models: Toy, ToyBug/);
  });

  test('a wrong pinned count, a wrong expected invariant and an unexpected pass are all differences', async () => {
    const r = await runCheck({ ...quiet, manifest: variant({
      Toy: { distinctStates: 34 },
      ToyBug: { expect: { violation: 'Bounded' } },
      MiniAtoms: { expect: { violation: 'SeenNotAhead' }, distinctStates: null },
    }) });
    expect(r.ok).toBe(false);
    const why = (model: string): string => r.runs.filter((j) => j.model === model).flatMap((j) => j.mismatches).join(' | ');
    expect(why('Toy')).toMatch(/distinct states 35 ≠ pinned 34/);
    expect(why('ToyBug')).toMatch(/expected a violation of Bounded, got a violation of NotTwo/);
    expect(why('MiniAtoms')).toMatch(/expected a violation of SeenNotAhead, got pass/);
    for (const m of ['Toy', 'ToyBug', 'MiniAtoms']) expect(r.runs.filter((j) => j.model === m && j.mismatches.length > 0)).toHaveLength(2);
  });

  test('a max-states stop fails the check for both engines', async () => {
    const r = await runCheck({ ...quiet, models: ['MiniAtoms'], maxStates: 50 });
    expect(r.ok).toBe(false);
    expect(r.runs.map((j) => j.result.status)).toEqual(['max-states', 'max-states']);
  });

  test('a liveness flag that disagrees with the cfg is a difference', async () => {
    const r = await runCheck({ ...quiet, engine: 'tla', manifest: variant({ ToyLive: { liveness: false } }) });
    expect(r.runs[0]!.mismatches.join()).toMatch(/PROPERTY/);
  });

  test('the TS engine refuses a SYMMETRY model rather than report a different count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutos-sym-'));
    const cfg = join(dir, 'ToySym.cfg');
    writeFileSync(cfg, readFileSync(join(repoRoot(), 'tests/fixtures/check/Toy.cfg'), 'utf8') + '\nSYMMETRY Perms\n');
    const r = await runCheck({ ...quiet, engine: 'ts', manifest: variant({ Toy: { cfg } }) });
    expect(r.runs[0]!.result.status).toBe('error');
    expect(r.runs[0]!.mismatches.join()).toMatch(/SYMMETRY/);
  });

  test('a passing slowTla model runs on tla-checker by sampling by default, in full with `full`', async () => {
    const manifest = variant({ MiniAtoms: { slowTla: true } });
    const sampled = await runCheck({ ...quiet, manifest, samples: 40, sampleSeed: 3 });
    expect(sampled.ok).toBe(true);
    const tla = sampled.runs.find((j) => j.result.engine === 'tla-checker')!.result;
    expect(tla.sampled).toBe(40);
    expect(tla.distinctStates).toBeNull();
    expect(tla.message).toMatch(/same successors at 40 states .*seed 3/);
    expect(renderReport(sampled)).toMatch(/MiniAtoms\s+tla-checker\s+conforms \(40 sampled\)/);
    expect(sampled.runs.find((j) => j.result.engine === 'ts')!.result.distinctStates).toBe(1936);
    const full = await runCheck({ ...quiet, manifest, full: true });
    const fullTla = full.runs.find((j) => j.result.engine === 'tla-checker')!.result;
    expect(fullTla.sampled).toBeUndefined();
    expect(fullTla.distinctStates).toBe(1936);
  });

  test('a mirror that departs from its module passes the TS explorer but fails the sampled run, which names the state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutos-check-'));
    const manifest = join(dir, 'manifest.json');
    const toy = fixtureModels.find((m) => m.name === 'Toy')!;
    writeFileSync(manifest, JSON.stringify({ models: [{ ...toy, name: 'ToyDrift', mirror: 'tests/fixtures/check/ToyDrift', distinctStates: null, slowTla: true }] }));
    const r = await runCheck({ ...quiet, manifest });
    expect(r.ok).toBe(false);
    const ts = r.runs.find((j) => j.result.engine === 'ts')!;
    expect(ts.result.status).toBe('pass');
    expect(ts.mismatches).toEqual([]);
    const tla = r.runs.find((j) => j.result.engine === 'tla-checker')!;
    expect(tla.result.status).toBe('nonconforming');
    expect(tla.mismatches.join(' ')).toMatch(/the TS mirror departs from the TLA\+ module: after \d+ of 200 sampled states \(seed 1\): successors of .*"x":3.* differ/);
    expect(renderReport(r)).toMatch(/ToyDrift\s+tla-checker\s+mirror departs from module/);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['check', '--manifest', manifest])).toBe(1);
    expect(await main(['check', '--manifest', manifest, '--samples', '0'])).toBe(2);
    process.exitCode = undefined;
  });

  test('the CLI: exit 0 on a match, 1 on a difference, 2 on bad usage; --json is JSON', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['check', '--manifest', fixture, '--json', 'Toy', 'ToyBug'])).toBe(0);
    expect((JSON.parse(out.join('')) as { ok: boolean }).ok).toBe(true);
    expect(await main(['check', '--manifest', variant({ Toy: { distinctStates: 3 } }), 'Toy'])).toBe(1);
    expect(await main(['check', '--manifest', fixture, 'Nope'])).toBe(2);
    expect(await main(['check', '--manifest', fixture, '--engine', 'fast'])).toBe(2);
    expect(await main(['check', '--manifest', fixture, '--tlc', '/nonexistent/tla2tools.jar', 'Toy'])).toBe(2);
    process.exitCode = undefined;
  });
});
