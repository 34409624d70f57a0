import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { caseFromJson, caseToJson } from '../../tests/generators/case.js';
import { fixup } from '../../tests/generators/fixup.js';
import { rawCaseArb } from '../../tests/generators/ops.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { caseGenerator, caseSeed, parseShard, runCampaign } from './campaign.js';
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

  it('ddmin finds a 1-minimal failing sublist', () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const small = ddmin(items, (xs) => xs.includes(7) && xs.includes(23));
    expect(small).toEqual([7, 23]);
  });
});
