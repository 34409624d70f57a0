// Replays every kept case. tests/regressions/*.json must agree on their kernels now
// (tests/regressions/open/ holds divergences found but not fixed yet: not replayed here; move a
// file up once its bug is fixed);
// tests/regressions/mutants/*.json (a meta-test of the harness) must still diverge with their
// mutant on, and agree once the mutant is taken out; tests/regressions/non-interference/*.json
// (violations of ADR 0024 found by `immutos fuzz`) must hold now on every kernel that runs programs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseFromJson } from '../../harness/generators/case.js';
import { replayCase } from '../../harness/campaign/replay.js';
import { parseKernelName } from '../../harness/engines/registry.js';
import { niCaseFromJson, replayNiCase } from '../../harness/campaign/nonInterference.js';

const here = new URL('.', import.meta.url).pathname;
const files = (dir: string): string[] => readdirSync(join(here, dir)).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
const load = (f: string) => caseFromJson(readFileSync(join(here, f), 'utf8'));

describe('regressions: kept failing cases agree now', () => {
  for (const f of files('.')) {
    it(f, async () => {
      const c = load(f);
      const r = await replayCase(c);
      expect(r.verdict.kind === 'diverged' ? r.verdict.detail : 'ok').toBe('ok');
    });
  }
});

describe('mutant regressions: diverge with the mutant, agree without it', () => {
  const mutantFiles = files('mutants');
  it('keeps at least one case per mutant', () => {
    expect(mutantFiles.length).toBeGreaterThanOrEqual(12);
  });
  for (const f of mutantFiles) {
    it(f, async () => {
      const c = load(f);
      expect(c.kernels.some((k) => parseKernelName(k).mutants.length > 0)).toBe(true);
      const withMutant = await replayCase(c);
      expect(withMutant.verdict.kind).toBe('diverged');
      const clean = c.kernels.map((k) => parseKernelName(k).base);
      const without = await replayCase(c, clean);
      expect(without.verdict.kind === 'diverged' ? without.verdict.detail : without.verdict.kind).toBe('agree');
    });
  }
});

describe('non-interference regressions: kept violations hold now', () => {
  for (const f of files('non-interference')) {
    for (const kernel of ['reference', 'optimized']) {
      it(`${f} on ${kernel}`, async () => {
        const c = niCaseFromJson(readFileSync(join(here, f), 'utf8'));
        const r = await replayNiCase(c, kernel);
        expect(r.verdict.ok ? 'holds' : `${r.verdict.violation.property}: ${r.verdict.violation.label}`).toBe('holds');
      });
    }
  }
});
