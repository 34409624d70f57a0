/**
 * The rules of "who may import whom" (ARCHITECTURE.md), checked over the import graph of the
 * product code (every `.ts` file outside tests, test files and tests/ excepted): static imports,
 * re-exports and dynamic `import()` with a literal path. Also: no import cycles between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The parts and what each may import besides itself (ARCHITECTURE.md "Who may import whom"). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  spec: [],
  reference: ['spec'],
  'hw-model': ['spec'],
  optimized: ['spec'],
  store: ['spec'],
  proofs: ['spec'],
  harness: ['spec', 'reference', 'optimized', 'hw-model', 'store'],
  // the composition roots import harness/ and everything else, never each other; the one
  // exception is `immutos bench`, the command that runs bench/ (ADR 0029)
  cli: ['spec', 'reference', 'optimized', 'hw-model', 'store', 'proofs', 'harness', 'bench'],
  bench: ['spec', 'reference', 'optimized', 'hw-model', 'store', 'proofs', 'harness'],
};

function productFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'node_modules' || name === 'fixtures') continue;
      out.push(...productFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Relative import specifiers of a file (static, re-export, dynamic with a literal). Type-only
 * imports (`import type`, `export type`) are left out: they vanish from the compiled code.
 */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[^\w.])((?:import|export)\s[^'"`;]*?)from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined && /^(?:import|export)\s+type\s/.test(m[1])) continue;
    const spec = m[2] ?? m[3] ?? m[4];
    if (spec !== undefined && spec.startsWith('.')) out.push(spec);
  }
  return out;
}

function part(file: string): string {
  return relative(root, file).split(/[\\/]/)[0]!;
}

const files = Object.keys(ALLOWED).flatMap((p) => {
  try {
    return productFiles(join(root, p));
  } catch {
    return []; // a part that does not exist yet
  }
});

/** file → the files it imports (resolved `.js` → `.ts`). */
const graph = new Map<string, string[]>(
  files.map((f) => [f, importsOf(readFileSync(f, 'utf8')).map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts'))]),
);

describe('the import rules of ARCHITECTURE.md', () => {
  test('product code imports only what its part may import', () => {
    const violations: string[] = [];
    for (const [f, deps] of graph) {
      const from = part(f);
      for (const d of deps) {
        const to = part(d);
        if (to !== from && !ALLOWED[from]!.includes(to)) violations.push(`${relative(root, f)} → ${relative(root, d)} (${from}/ may not import ${to}/)`);
        if (to === 'tests') violations.push(`${relative(root, f)} → ${relative(root, d)} (nothing but tests imports tests/)`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('no import cycles between product files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        const s = state.get(d);
        if (s === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(root, x)).join(' → '));
        else if (s === undefined) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('the checker sees imports: every part but spec/ imports something, and a planted violation is caught', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(importsOf(`import { x } from '../reference/index.js';\nexport * from './a.js';\nimport type { T } from './types.js';\nconst m = await import('../hw-model/index.js');`)).toEqual(['../reference/index.js', './a.js', '../hw-model/index.js']);
  });
});
