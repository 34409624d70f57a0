/**
 * The oracle guide's examples run. docs/oracle-guide.md marks each example meant to run with an
 * HTML comment on the line before its fence: `<!-- run -->` (a ```js module, executed) or
 * `<!-- file: NAME -->` (written as NAME beside the examples, for them to import). Each runnable
 * example becomes an .mjs file in a temporary package whose `node_modules/immutos` links to this
 * repository, so `immutos/reference` and `immutos/spec` resolve through package.json "exports"
 * to the built dist/; an example fails the test if it throws (its assertions included).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const GUIDE = join(root, 'docs', 'oracle-guide.md');

/** A marked example: a module to run, or a file to write for the others. */
export interface Example {
  readonly kind: 'run' | 'file';
  readonly name: string;
  readonly lang: string;
  readonly line: number;
  readonly code: string;
}

/** The marked fenced examples of a markdown text. A mark not followed by a fence is an error. */
export function markedExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const mark = /^<!--\s*(run|file:\s*(\S+))\s*-->\s*$/.exec(lines[i]!.trim());
    if (!mark) continue;
    const fence = /^(`{3,})(\w*)\s*$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`line ${i + 1}: a <!-- ${mark[1]} --> mark must be followed by a fenced block`);
    const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === fence[1]);
    if (end < 0) throw new Error(`line ${i + 2}: unclosed fence`);
    const kind = mark[1] === 'run' ? 'run' : 'file';
    out.push({ kind, name: kind === 'run' ? `example-line-${i + 2}.mjs` : mark[2]!, lang: fence[2]!, line: i + 2, code: lines.slice(i + 2, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

/** Writes the examples into a fresh package linked to this repository; returns its directory. */
function examplePackage(examples: readonly Example[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'immutos-oracle-guide-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'oracle-guide-examples', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'immutos'), 'dir');
  for (const e of examples) writeFileSync(join(dir, e.name), e.code);
  return dir;
}

function runExample(dir: string, e: Example): { ok: true } | { ok: false; error: string } {
  try {
    execFileSync(process.execPath, [e.name], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: String((err as { stderr?: string }).stderr || err) };
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    newest = Math.max(newest, f.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  // Build the package when dist/ is missing or older than the sources the examples import (tsc
  // emits even when a file elsewhere has a type error; the check below decides).
  const built = join(root, 'dist', 'reference', 'index.js');
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newestMtime(join(root, 'reference')), newestMtime(join(root, 'spec')));
  if (stale) {
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' });
    } catch {
      // reported through the missing entry points below
    }
  }
  for (const entry of ['dist/reference/index.js', 'dist/spec/index.js']) expect(existsSync(join(root, entry)), `${entry} (npm run build)`).toBe(true);
}, 180_000);

const examples = markedExamples(readFileSync(GUIDE, 'utf8'));

test('the guide marks its examples, each a JavaScript module', () => {
  expect(examples.filter((e) => e.kind === 'run').length).toBeGreaterThanOrEqual(3);
  for (const e of examples) expect(['js', 'mjs'], `line ${e.line}: only JavaScript runs under Node`).toContain(e.lang);
});

describe('every runnable example of docs/oracle-guide.md runs against the built package', () => {
  const dir = examplePackage(examples);
  for (const e of examples.filter((x) => x.kind === 'run')) {
    test(`the example at line ${e.line}`, () => {
      const r = runExample(dir, e);
      expect(r.ok ? '' : r.error).toBe('');
    });
  }
});

test('an example that throws fails', () => {
  const bad = markedExamples([
    '<!-- run -->',
    '```js',
    "import { createReferenceKernel } from 'immutos/reference';",
    "if (createReferenceKernel().apply({ op: 'deref', pid: 0, ref: 0 }).ok) throw new Error('no atom 0 yet');",
    "throw new Error('planted');",
    '```',
  ].join('\n'));
  const r = runExample(examplePackage(bad), bad[0]!);
  expect(r.ok).toBe(false);
  expect(r.ok ? '' : r.error).toContain('planted');
});
