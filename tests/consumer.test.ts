/**
 * The reference kernel is usable as an oracle from another package: tests/consumer/ is a tiny
 * package depending on `immutos` (`file:../..`) whose test imports `immutos/reference`. This
 * test compiles spec/ and reference/ into dist/ if they are missing or older than their sources, installs the
 * consumer into a temporary directory with `node_modules/immutos` linked to this repository
 * (what `npm install` of a `file:` dependency does), and runs the consumer's test with Node, so
 * module resolution goes through the package's real "exports" map.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const consumer = join(root, 'tests', 'consumer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    newest = Math.max(newest, f.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  const built = join(root, 'dist', 'reference', 'index.js');
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newestMtime(join(root, 'reference')), newestMtime(join(root, 'spec')));
  if (stale) {
    // Compile only the public entry points the consumer uses (spec/ and reference/, which
    // imports spec/ only) into dist/, with the options of tsconfig.build.json: seconds, not a
    // whole-project build.
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--strict', '--skipLibCheck', '--declaration', '--sourceMap', '--esModuleInterop', '--resolveJsonModule', '--verbatimModuleSyntax', '--types', 'node', '--rootDir', root, '--outDir', join(root, 'dist')];
    try {
      execFileSync(process.execPath, [tsc, ...flags, join(root, 'spec', 'index.ts'), join(root, 'reference', 'index.ts')], { cwd: root, stdio: 'pipe' });
    } catch {
      // type errors in files under construction do not stop tsc from emitting; the check below decides
    }
  }
  expect(existsSync(built), 'dist/reference/index.js (npm run build)').toBe(true);
}, 180_000);

test('a separate package imports createReferenceKernel from immutos/reference and runs ops', () => {
  const dir = mkdtempSync(join(tmpdir(), 'immutos-consumer-'));
  for (const f of ['package.json', 'test.mjs']) copyFileSync(join(consumer, f), join(dir, f));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'immutos'), 'dir');
  const out = execFileSync(process.execPath, ['test.mjs'], { cwd: dir, encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').at(-1)!);
  expect(result.created).toEqual({ ok: true, value: '#atom 0' });
  expect(result.swapped).toEqual({ ok: true, value: '{:hits 1}' });
  expect(result.stale).toBe('stale-stamp');
  expect(result.observe.processes[0].atoms).toEqual([{ ref: 0, value: '{:hits 1}', stamp: 1 }]);
});
