/**
 * The documentation holds: every relative link in README.md and docs/**\/*.md resolves to a file
 * in the repository (and its `#anchor` to a heading), no link leaves the repository, external
 * links are valid URLs, and every repository path written in backticks exists.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { anchors, checkDocs, githubSlug, markdownFiles } from './links.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('README.md and docs/ have no broken links or paths', () => {
  const files = markdownFiles(root);
  expect(files).toContain('README.md');
  expect(files).toContain('docs/index.md');
  const problems = checkDocs(root, files).map((p) => `${p.file}:${p.line}: ${p.target}: ${p.reason}`);
  expect(problems).toEqual([]);
});

describe('the checker can fail', () => {
  function repo(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'immutos-links-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  test('slugs follow GitHub', () => {
    expect(githubSlug('The `Kernel` contract: ops & outcomes')).toBe('the-kernel-contract-ops--outcomes');
    expect(githubSlug('ADR 0014: One oracle')).toBe('adr-0014-one-oracle');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  test('finds every kind of broken link and path', () => {
    const dir = repo({
      'README.md': '[ok](docs/a.md#intro) [gone](docs/missing.md) `spec/Gone.ts` `spec/*.ts` `spec/<Name>.ts`\n',
      'docs/a.md': [
        '# Intro',
        '[up](../README.md) [out](../../shared/ARCHITECTURE.md) [anchor](#nope) [ext](https://example.org/x)',
        '[bad url](https://) [abs](/etc/passwd) `harness/oracles/` `docs/a.md`',
        '```sh',
        '[in a fence](nowhere.md) `spec/Gone.ts`',
        '```',
        'In code: `[x](nowhere.md)` `docs/api/index.html`',
      ].join('\n'),
      'docs/adr/0001-x.md': '`spec/Old.ts` (since removed) `spec/A.ts` → `README.md`; `spec/Gone2.ts` was here\n',
    });
    const found = checkDocs(dir, markdownFiles(dir)).map((p) => `${p.file}:${p.line} ${p.target}`);
    expect(found).toEqual([
      'README.md:1 docs/missing.md',
      'README.md:1 `spec/Gone.ts`',
      'docs/a.md:2 ../../shared/ARCHITECTURE.md',
      'docs/a.md:2 #nope',
      'docs/a.md:3 https://',
      'docs/a.md:3 /etc/passwd',
      'docs/a.md:3 `harness/oracles/`',
      'docs/adr/0001-x.md:1 `spec/Gone2.ts`',
    ]);
  });
});
