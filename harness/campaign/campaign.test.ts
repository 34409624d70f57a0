import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { caseFromJson, caseToJson } from '../generators/case.js';
import { fixup } from '../generators/fixup.js';
import { rawCaseArb } from '../generators/ops.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { caseGenerator, caseSeed, parseShard, participants, runCampaign, select } from './campaign.js';
import { FUZZ_CASE_VERSION, type FuzzCase } from '../generators/case.js';
import { ddmin } from './shrink.js';

describe('campaign', () => {
  it('splits the case space into disjoint shards that cover it', async () => {
    const all = await runCampaign({ kernels: ['spec'], runs: 10, seed: 4 });
    const parts = await Promise.all([1, 2, 3].map((i) => runCampaign({ kernels: ['spec'], runs: 10, seed: 4, shard: parseShard(`${i}/3`) })));
    expect(parts.map((p) => p.cases)).toEqual([4, 3, 3]);
    expect(parts.reduce((n, p) => n + p.cases, 0)).toBe(all.cases);
    expect(() => parseShard('0/3')).toThrow(RangeError);
    expect(() => parseShard('4/3')).toThrow(RangeError);
    expect(caseSeed(1, 0)).toBe(caseSeed(1, 0));
    expect(caseSeed(1, 0)).not.toBe(caseSeed(1, 1));
  });

  it('fixup keeps only supported ops, says what it dropped, and cases round-trip through JSON', () => {
    const supports = new Set(['spawn', 'atom', 'deref', 'reset'] as const);
    fc.assert(
      fc.property(rawCaseArb({ ops: OP_NAMES }), (raws) => {
        const { case: c, notes } = fixup(raws, { seed: 1, kernels: ['spec'], supports });
        for (const op of c.ops) if (OP_NAMES.includes(op.op as never)) expect(supports.has(op.op as never)).toBe(true);
        const dropped = raws.filter((r) => r.op !== 'malformed' && !supports.has(r.op as never)).length;
        if (dropped > 0) expect(notes.join()).toMatch(/dropped unsupported ops/);
        expect(caseFromJson(caseToJson(c))).toEqual(c);
      }),
      { numRuns: 200 },
    );
  });

  it('authority blocks start about one case in four and leave the rest of every case as it was', () => {
    const plain = caseGenerator(OP_NAMES);
    const withBlocks = caseGenerator(OP_NAMES, { authority: true });
    let blocks = 0;
    for (let k = 0; k < 200; k++) {
      const seed = caseSeed(9, k);
      const a = plain(seed);
      const b = withBlocks(seed);
      expect(b.slice(b.length - a.length)).toEqual(a);
      if (b.length > a.length) {
        blocks++;
        expect(b.slice(0, 3).map((r) => r.op)).toEqual(['atom', 'spawn', 'share']);
      }
    }
    expect(blocks).toBeGreaterThan(25);
    expect(blocks).toBeLessThan(80);
    // without programs there is no block
    const noPrograms = caseGenerator(OP_NAMES.filter((o) => o !== 'load'), { authority: true });
    expect(noPrograms(caseSeed(9, 0)).some((r) => r.op === 'load')).toBe(false);
  });

  it('generates every operation some kernel supports; each case is judged by the kernels that support all of it', async () => {
    const sel = await select(['spec', 'reference'], true);
    expect(sel.ops).toEqual(OP_NAMES);
    expect(sel.excluded).toEqual([]);
    expect(sel.partial.map((p) => p.op)).toEqual(['load', 'step', 'run']);
    expect(sel.partial.every((p) => p.missingIn.join() === 'spec')).toBe(true);
    const names = (c: FuzzCase): string[] => participants(c, sel.handles).map((h) => h.name);
    const base = { version: FUZZ_CASE_VERSION, seed: 1, kernels: ['spec', 'reference'] };
    expect(names({ ...base, ops: [{ op: 'atom', pid: 0, value: '1' }, { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (+ x 1))' }] })).toEqual(['spec', 'reference']);
    // code the spec engine does not model, or a program: the spec engine sits the case out
    expect(names({ ...base, ops: [{ op: 'atom', pid: 0, value: '1' }, { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (reduce + x (range 3)))' }] })).toEqual(['reference']);
    expect(names({ ...base, ops: [{ op: 'load', pid: 0, program: '1' }] })).toEqual(['reference']);
    // an operation no kernel knows is refused alike by every kernel: all judge it
    expect(names({ ...base, ops: [{ op: 'frobnicate', pid: 0 } as never] })).toEqual(['spec', 'reference']);
    expect((await select(['spec'], false)).excluded.map((e) => e.op)).toEqual(['load', 'step', 'run']);
  });

  it('reports what a campaign exercised: operations by judging kernels, error kinds, kernel counters, unexercised operations', async () => {
    const r = await runCampaign({ kernels: ['spec', 'reference'], runs: 60, seed: 21, programs: true });
    const c = r.coverage;
    expect(r.failures).toEqual([]);
    expect(Object.values(c.casesBy).reduce((x, y) => x + y, 0)).toBe(r.cases - r.unjudged);
    // both sets judged some cases: spec with the reference, the reference alone (programs)
    expect(Object.keys(c.casesBy).sort()).toEqual(['reference', 'spec,reference']);
    const load = c.ops.find((o) => o.op === 'load')!;
    expect(Object.keys(load.judgedBy)).toEqual(['reference']);
    const atom = c.ops.find((o) => o.op === 'atom')!;
    expect(atom.judgedBy['spec,reference']).toBeGreaterThan(0);
    const ref = c.perKernel.find((k) => k.kernel === 'reference')!;
    expect(ref.stats.forks).toBeGreaterThan(0);
    expect(ref.stats.gcCycles).toBeGreaterThan(0);
    expect(Object.keys(ref.kernelCalls ?? {})).toContain('atom');
    expect(Object.values(ref.errors).reduce((x, y) => x + (y ?? 0), 0)).toBeGreaterThan(0);
    expect(c.perKernel.find((k) => k.kernel === 'spec')!.stats.evacuations).toBeUndefined();
    // without programs, program operations are not generated and not reported
    const off = await runCampaign({ kernels: ['reference'], runs: 3, seed: 21 });
    expect(off.coverage.ops.map((o) => o.op)).not.toContain('load');
    // a campaign too short to exercise every operation says which it missed
    const short = await runCampaign({ kernels: ['spec', 'reference'], runs: 1, seed: 21, programs: true });
    expect(short.coverage.unexercised.length).toBeGreaterThan(0);
    for (const op of short.coverage.unexercised) expect(short.coverage.ops.find((o) => o.op === op)!.ok).toBe(0);
    // programs are judged by the reference alone here: exercised, but said to be uncompared
    expect(c.judgedAlone).toEqual(expect.arrayContaining(['load', 'step', 'run']));
    for (const op of c.judgedAlone) expect(Object.keys(c.ops.find((o) => o.op === op)!.judgedBy)).toContain('reference');
  }, 60_000);

  it('ddmin finds a 1-minimal failing sublist', () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const small = ddmin(items, (xs) => xs.includes(7) && xs.includes(23));
    expect(small).toEqual([7, 23]);
  });
});
