import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../cli/check/manifest.js';
import { specModule as toy, type ToyState } from '../../tests/fixtures/check/Toy.js';
import type { SpecInstance } from '../../spec/SpecModule.js';
import { compareStateSets, displayTla, mirrorReachableDisplay, mirrorReachableStates, normalizeTla, sampledSuccessorConformance, tlaReachableDisplay, tlaReachableStates } from './tlaConformance.js';

const fx = (f: string): string => readFileSync(join(repoRoot(), 'tests/fixtures/check', f), 'utf8');
const spec = fx('Toy.tla');
const cfg = fx('Toy.cfg');
const good = toy.instantiate({ N: 3, Procs: ['p1', 'p2'] });

describe('conformance oracle', () => {
  test('agrees on a faithful mirror, by both paths', () => {
    expect(compareStateSets(tlaReachableDisplay(spec, cfg), mirrorReachableDisplay(good)).same).toBe(true);
    expect(compareStateSets(tlaReachableStates(spec, cfg), mirrorReachableStates(good).states).same).toBe(true);
  });

  test('catches a mirror that misses an action, naming a state only TLA+ reaches', () => {
    const noReset: SpecInstance<ToyState> = { ...good, actions: good.actions.filter((a) => a.name !== 'Reset') };
    expect(compareStateSets(tlaReachableDisplay(spec, cfg), mirrorReachableDisplay(noReset)).same).toBe(false);
    const v = compareStateSets(tlaReachableStates(spec, cfg), mirrorReachableStates(noReset).states);
    expect(v.same).toBe(false);
    expect(v.onlyTla).not.toBeNull();
    expect(v.onlyMirror).toBeNull();
  });

  test('sampled comparison agrees on a faithful mirror and catches a missing action', () => {
    expect(sampledSuccessorConformance(spec, cfg, good, 50, 7)).toEqual({ checked: 50, mismatch: null });
    const noReset: SpecInstance<ToyState> = { ...good, actions: good.actions.filter((a) => a.name !== 'Reset') };
    const v = sampledSuccessorConformance(spec, cfg, noReset, 50, 7);
    expect(v.mismatch).toMatch(/successors of .* differ: only in TLA\+/);
  });

  test('catches a mirror whose toTla maps a state wrongly', () => {
    const off: SpecInstance<ToyState> = { ...good, toTla: (s) => ({ ...good.toTla(s), x: s.x === 3 ? 4 : s.x }) };
    const v = compareStateSets(tlaReachableStates(spec, cfg), mirrorReachableStates(off).states);
    expect(v.onlyMirror).toMatch(/"x":4/);
  });

  test('normalisation identifies the checker form with the plain form', () => {
    expect(normalizeTla({ __fn: [[{ __model: 'p2' }, 1], [{ __model: 'p1' }, 0]] })).toEqual({ p1: 0, p2: 1 });
    expect(normalizeTla({ __tuple: [1, 2] })).toEqual([1, 2]);
    expect(normalizeTla({ __fn: [[1, 'a'], [2, 'b']] })).toEqual(['a', 'b']);
    expect(normalizeTla({ __fn: [[2, 'b'], [0, 'a']] })).toEqual({ __fn: [[0, 'a'], [2, 'b']] });
    expect(displayTla({ b: [1, 2], a: { __tuple: [] }, c: 'x', d: false })).toBe('[a |-> <<>>, b |-> {1, 2}, c |-> "x", d |-> false]');
  });
});
