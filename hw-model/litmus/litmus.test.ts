import { describe, expect, it } from 'vitest';
import { MEMORY_MODELS } from '../backend.js';
import { enumerate, runSeeded } from '../models/explore.js';
import { loadFixtures } from './fixtures.js';
import { LITMUS_TESTS, familyOf } from './tests.js';

const fixtures = loadFixtures();
const byName = new Map(fixtures.map((f) => [f.name, f]));

describe('litmus catalogue', () => {
  it('covers the seven families, each with and without fences, and every test has a fixture', () => {
    const families = new Set(LITMUS_TESTS.map((t) => familyOf(t.name)));
    expect([...families].sort()).toEqual(['2+2W', 'CoRR', 'IRIW', 'LB', 'MP', 'SB', 'WRC']);
    for (const fam of families) {
      expect(LITMUS_TESTS.some((t) => t.name === fam)).toBe(true);
      expect(LITMUS_TESTS.some((t) => t.name === `${fam}+fences`)).toBe(true);
    }
    expect([...byName.keys()].sort()).toEqual(LITMUS_TESTS.map((t) => t.name).sort());
    for (const t of LITMUS_TESTS) expect(byName.get(t.name)?.observe).toEqual(t.observe);
  });
});

describe.each(LITMUS_TESTS.map((t) => [t.name, t] as const))('%s', (name, test) => {
  it.each(MEMORY_MODELS.map((m) => [m]))('allowed outcomes under %s equal the published set', (model) => {
    const fx = byName.get(name);
    expect(fx, `fixture for ${name}`).toBeDefined();
    const { outcomes } = enumerate(test, model);
    expect(outcomes).toEqual(fx?.allowed[model]);
  });
});

describe('seeded interleavings', () => {
  it('are deterministic and stay inside the enumerated set', () => {
    for (const test of LITMUS_TESTS) {
      for (const model of MEMORY_MODELS) {
        const all = new Set(enumerate(test, model).outcomes);
        for (let seed = 1; seed <= 20; seed++) {
          const o = runSeeded(test, model, seed);
          expect(all.has(o)).toBe(true);
          expect(runSeeded(test, model, seed)).toBe(o);
        }
      }
    }
  });
});
