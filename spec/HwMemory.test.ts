import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specModule, type HwMemoryState } from './HwMemory.js';
import type { SpecInstance } from './SpecModule.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Entry {
  name: string;
  module: string;
  cfg: string;
  mirror: string | null;
  expect: 'pass' | { violation: string };
  distinctStates: number | null;
}

const entries = (JSON.parse(readFileSync(join(root, 'spec/tla/manifest.json'), 'utf8')) as { models: Entry[] }).models.filter((m) => m.module === 'HwMemory');

/** Constants and invariant names (in cfg order) of a cfg file. */
function readCfg(path: string): { constants: Record<string, unknown>; invariants: string[] } {
  const text = readFileSync(join(root, path), 'utf8').replace(/\\\*.*$/gm, '');
  const constants: Record<string, unknown> = {};
  for (const m of text.matchAll(/^\s*(\w+)\s*=\s*(.+?)\s*$/gm)) constants[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : Number(m[2]);
  const inv = /INVARIANTS?([\s\S]*)$/.exec(text);
  return { constants, invariants: inv ? inv[1].trim().split(/\s+/) : [] };
}

/** Breadth-first search of a mirror: distinct states, or the first violated invariant (cfg order). */
function bfs(inst: SpecInstance<HwMemoryState>, invariants: string[]): { states: number; violated: string | null } {
  const seen = new Set<string>();
  let frontier: HwMemoryState[] = [];
  const visit = (s: HwMemoryState): string | null => {
    const k = inst.key(s);
    if (seen.has(k)) return null;
    seen.add(k);
    for (const n of invariants) if (!inst.invariants[n](s)) return n;
    frontier.push(s);
    return null;
  };
  for (const s of inst.init()) {
    const v = visit(s);
    if (v) return { states: seen.size, violated: v };
  }
  while (frontier.length > 0) {
    const cur = frontier;
    frontier = [];
    for (const s of cur) {
      let any = false;
      for (const a of inst.actions) {
        for (const n of a.next(s)) {
          any = true;
          const v = visit(n);
          if (v) return { states: seen.size, violated: v };
        }
      }
      if (!any) throw new Error(`deadlock at ${inst.key(s)}`);
    }
  }
  return { states: seen.size, violated: null };
}

describe('HwMemory mirror', () => {
  it('has manifest entries: two passing sizes and a violation per seeded bug', () => {
    expect(entries.filter((e) => e.expect === 'pass').length).toBeGreaterThanOrEqual(2);
    const violated = entries.flatMap((e) => (e.expect === 'pass' ? [] : [e.expect.violation])).sort();
    expect(violated).toEqual(['DataValue', 'ImmutableRule', 'SWMR']);
  });

  it.each(entries.map((e) => [e.name, e] as const))('%s matches the manifest', (_name, e) => {
    const { constants, invariants } = readCfg(e.cfg);
    const inst = specModule.instantiate(constants);
    expect(invariants.every((n) => n in inst.invariants)).toBe(true);
    const r = bfs(inst, invariants);
    if (e.expect === 'pass') {
      expect(r.violated).toBeNull();
      expect(r.states).toBe(e.distinctStates);
    } else {
      expect(r.violated).toBe(e.expect.violation);
    }
  });

  it('rejects missing and unknown constants', () => {
    expect(() => specModule.instantiate({ NCores: 2 })).toThrow(/missing/);
    expect(() => specModule.instantiate({ NCores: 2, NAtomLines: 1, NHeapLines: 1, MaxVal: 1, Bug: 'nope' })).toThrow(/Bug/);
  });

  it('toTla writes the variables the way tla-checker shows them', () => {
    const inst = specModule.instantiate({ NCores: 2, NAtomLines: 1, NHeapLines: 1, MaxVal: 1, Bug: 'none' });
    const [s0] = [...inst.init()];
    const s1 = [...inst.actions.find((a) => a.name === 'ReadMiss')!.next(s0)][0];
    expect(inst.toTla(s1)).toEqual({
      cache: { __tuple: [{ __tuple: ['E', 'I'] }, { __tuple: ['I', 'I'] }] },
      cdata: { __tuple: [{ __tuple: [0, 0] }, { __tuple: [0, 0] }] },
      mem: { __tuple: [0, 0] },
      dir: { __tuple: [[1], []] },
      mode: { __tuple: ['mutable', 'free'] },
      owner: { __tuple: [0, 0] },
      last: { __tuple: [0, 0] },
      immInv: false,
    });
  });
});
