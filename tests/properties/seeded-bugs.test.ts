/**
 * Meta-test: every manifest model that expects a violation (a seeded bug) is reported by
 * `immutos check` as a violation of exactly the expected, named invariant — by the TLA+ engine
 * and, where the model has a mirror, by the TS explorer too. Covers spec/tla/manifest.json
 * (all non-big violation models) and the check fixtures.
 */
import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck } from '../../cli/check/check.js';
import { defaultManifestPath, loadManifest, repoRoot } from '../../cli/check/manifest.js';

const root = repoRoot();
const manifests = [defaultManifestPath(), join(root, 'tests/fixtures/check/manifest.json')].filter((p) => existsSync(p));

describe('seeded bugs are caught with the named invariant', () => {
  for (const manifest of manifests) {
    const bugs = loadManifest(manifest, root).models.filter((m) => m.expect !== 'pass' && !m.big);
    test.skipIf(bugs.length === 0)(`${manifest.replace(root + '/', '')}: ${bugs.map((b) => b.name).join(', ')}`, async () => {
      const report = await runCheck({ manifest, root, models: bugs.map((b) => b.name), progress: 'none', parallel: 1 });
      for (const b of bugs) {
        const runs = report.runs.filter((j) => j.model === b.name);
        const engines = runs.map((j) => j.result.engine).sort();
        expect(engines, b.name).toEqual(b.mirror !== null ? ['tla-checker', 'ts'] : ['tla-checker']);
        const want = (b.expect as { violation: string }).violation;
        for (const j of runs) {
          expect(j.mismatches, `${b.name} [${j.result.engine}]`).toEqual([]);
          // a PROPERTY is checked by the TLA+ engine only; the TS explorer must then pass
          if (j.result.engine !== 'ts' || j.result.status === 'violation') {
            expect([j.result.status, j.result.violated], `${b.name} [${j.result.engine}]`).toEqual(['violation', want]);
            expect(j.result.trace?.states.length ?? 0, `${b.name} [${j.result.engine}] has a trace`).toBeGreaterThan(0);
          }
        }
      }
    });
  }
});
