import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { planCheck, planJobs } from './check.js';
import { durationsPath, estimateJobSeconds, estimateMakespan, fmtDuration, loadDurations, SAMPLED_SECONDS_PER_STATE } from './estimate.js';
import { loadManifest, repoRoot } from './manifest.js';

const root = repoRoot();
const fixture = join(root, 'tests/fixtures/check/manifest.json');

describe('check duration estimates', () => {
  test('a lane takes the next job when it is free', () => {
    expect(estimateMakespan([10, 6, 5, 1], 2)).toBe(11);
    expect(estimateMakespan([10, 6, 5, 1], 1)).toBe(22);
    expect(estimateMakespan([], 2)).toBe(0);
  });

  test('durations read for people', () => {
    expect(fmtDuration(45.4)).toBe('45 s');
    expect(fmtDuration(200)).toBe('3 min 20 s');
    expect(fmtDuration(120)).toBe('2 min');
  });

  test('a recorded duration wins; otherwise the pinned state count at a typical rate', () => {
    const model = loadManifest(fixture, root).models.find((m) => m.name === 'MiniAtoms')!;
    const recorded = new Map([['MiniAtoms', { 'tla-checker': 12 }]]);
    expect(estimateJobSeconds({ model, root, engine: 'tla-checker' }, recorded)).toBe(12);
    expect(estimateJobSeconds({ model, root, engine: 'tla-checker' }, new Map())).toBeCloseTo(1936 / 500);
    expect(estimateJobSeconds({ model, root, engine: 'ts' }, recorded)).toBe(0.1);
  });

  test('every non-big model of the manifest has a recorded duration for each engine it runs on', () => {
    const recorded = loadDurations(durationsPath(root));
    const manifest = loadManifest(join(root, 'spec/tla/manifest.json'), root);
    for (const m of manifest.models.filter((x) => !x.big)) {
      expect(recorded.get(m.name)?.['tla-checker'], m.name).toBeTypeOf('number');
      if (m.mirror !== null) expect(recorded.get(m.name)?.ts, m.name).toBeTypeOf('number');
    }
  });

  test('by default, tla-checker samples the passing slowTla models with a mirror, and only those; full runs it in full', () => {
    const models = (JSON.parse(readFileSync(fixture, 'utf8')) as { models: Record<string, unknown>[] }).models
      .map((m) => (m.name === 'MiniAtoms' ? { ...m, slowTla: true } : m));
    const dir = mkdtempSync(join(tmpdir(), 'immutos-estimate-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ models }));
    const full = planCheck({ manifest: join(dir, 'manifest.json'), root, parallel: 2, full: true });
    const byDefault = planCheck({ manifest: join(dir, 'manifest.json'), root, parallel: 2, samples: 50, sampleSeed: 7 });
    const engines = (p: typeof full, name: string): string[] => p.jobs.filter((j) => j.model.name === name).map((j) => `${j.engine}${j.sampled ? ` sampled ${j.sampled.states} seed ${j.sampled.seed}` : ''}`).sort();
    expect(engines(full, 'MiniAtoms')).toEqual(['tla-checker', 'ts']);
    expect(engines(byDefault, 'MiniAtoms')).toEqual(['tla-checker sampled 50 seed 7', 'ts']);
    expect(engines(byDefault, 'Toy')).toEqual(['tla-checker', 'ts']);
    // TLC always runs in full.
    const tlc = planJobs(byDefault.models, root, 'both', '/nonexistent/tla2tools.jar', undefined, { states: 50, seed: 7 });
    expect(tlc.filter((j) => j.model.name === 'MiniAtoms').map((j) => `${j.engine}${j.sampled ? ' sampled' : ''}`).sort()).toEqual(['tlc', 'ts']);
    // A sampled run is estimated by its samples, not by the model's full run.
    const i = byDefault.jobs.findIndex((j) => j.model.name === 'MiniAtoms' && j.sampled !== undefined);
    expect(byDefault.estimates[i]).toBeCloseTo(50 * SAMPLED_SECONDS_PER_STATE, 5);
    expect(byDefault.estimates).toHaveLength(byDefault.jobs.length);
    expect(byDefault.seconds).toBeGreaterThan(0);
  });
});
