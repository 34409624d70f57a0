import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../tests/spec/mirrorHarness.js';
// @ts-expect-error plain ESM script without type declarations
import { section } from './sync-gc-core.mjs';

const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const sec = section as (text: string, name: string) => { body: string };

describe('GC proofs', () => {
  for (const proof of ['proofs/GCRefinement.tla', 'proofs/GCInductive.tla']) {
    it(`${proof} carries GC.tla's definitions verbatim`, () => {
      const gc = read('spec/tla/GC.tla');
      const pr = read(proof);
      for (const name of ['GC-DEFS', 'GC-CORE', 'GC-INVARIANTS']) expect(sec(pr, name).body).toBe(sec(gc, name).body);
      // the proof's single VARIABLES statement lists every GC variable
      const gcVars = /vars == <<([^>]*)>>/.exec(gc)![1]!.split(',').map((x) => x.trim());
      const decl = /VARIABLES([\s\S]*?)\n\n/.exec(pr)![1]!.replace(/\\\*.*$/gm, '');
      for (const v of gcVars) expect(decl).toMatch(new RegExp(`\\b${v}\\b`));
    });
  }
  it('the refinement models are in the manifest', () => {
    const m = JSON.parse(read('spec/tla/manifest.json')) as { models: { module: string; expect: unknown }[] };
    const mine = m.models.filter((x) => x.module === 'GCRefinement');
    expect(mine.some((x) => x.expect === 'pass')).toBe(true);
    expect(mine.some((x) => x.expect !== 'pass')).toBe(true);
  });
});
