import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { loadManifest, ManifestError, repoRoot, validateManifest } from './manifest.js';

const good = {
  name: 'Toy', module: 'Toy', tla: 'tests/fixtures/check/Toy.tla', cfg: 'tests/fixtures/check/Toy.cfg', mirror: null,
  expect: 'pass', distinctStates: 35, big: false, liveness: false,
};
const bad = (patch: Record<string, unknown>, drop?: string): unknown => {
  const m: Record<string, unknown> = { ...good, ...patch };
  if (drop) delete m[drop];
  return { models: [m] };
};

describe('manifest', () => {
  test('the fixture manifest loads', () => {
    const m = loadManifest(join(repoRoot(), 'tests/fixtures/check/manifest.json'));
    expect(m.models.map((x) => x.name)).toContain('ToyBug');
    expect(m.models.find((x) => x.name === 'ToyBug')!.expect).toEqual({ violation: 'NotTwo' });
  });

  test.each([
    [{ models: 3 }, /"models" must be an array/],
    [{ models: [], extra: 1 }, /unknown top-level key "extra"/],
    [bad({ expect: 'fail' }), /"expect" must be "pass" or \{ "violation"/],
    [bad({ expect: { violation: '' } }), /"expect"/],
    [bad({ distinctStates: 1.5 }), /"distinctStates" must be a positive integer or null/],
    [bad({ big: 'no' }), /"big" must be true or false/],
    [bad({}, 'liveness'), /"liveness" must be true or false/],
    [bad({}, 'mirror'), /"mirror" must be a module name or null/],
    [bad({ tla: 'tests/fixtures/check/Other.tla' }), /file name must be Toy\.tla/],
    [bad({ cfg: 'x.txt' }), /ending in \.cfg/],
    [bad({ colour: 'red' }), /unknown field "colour"/],
    [{ models: [good, good] }, /duplicate model name "Toy"/],
  ])('rejects %j', (json, msg) => {
    expect(() => validateManifest(json, 'm.json')).toThrow(ManifestError);
    expect(() => validateManifest(json, 'm.json')).toThrow(msg);
  });

  test('checks that the files exist when given a root', () => {
    expect(() => validateManifest(bad({ cfg: 'tests/fixtures/check/Missing.cfg' }), 'm.json', repoRoot())).toThrow(/file not found: tests\/fixtures\/check\/Missing\.cfg/);
    expect(validateManifest({ models: [good] }, 'm.json', repoRoot())).toHaveLength(1);
  });

  test('names a missing or non-JSON manifest', () => {
    expect(() => loadManifest('/nonexistent/manifest.json')).toThrow(/manifest not found/);
    expect(() => loadManifest(join(repoRoot(), 'tests/fixtures/check/Toy.cfg'))).toThrow(/not valid JSON/);
  });
});
