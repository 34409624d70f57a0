/**
 * The package as users get it: `npm pack` of this repository and of the example kernel package
 * (examples/toy-kernel/, a kernel written outside this repository's kernels), both installed
 * into an empty project the way a user installs them. Checks that:
 * - the tarball holds what a user needs (dist, TLA+ specs, examples, docs) and nothing else;
 * - it installs without compiling anything (the LLVM tier is an optional peer dependency);
 * - `immutos fuzz --kernel-module` fuzzes the installed example kernel against the reference:
 *   clean, they agree; with a seeded bug (`toy+mutant:lost-update`) the campaign finds the
 *   divergence, shrinks it, saves it, and `immutos replay` reproduces it from the file alone;
 * - `immutos/harness` runs the same campaign from code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'immutos-packed-'));
const project = join(work, 'project');
let tarball = '';
let toyTarball = '';
let installSeconds = 0;

/** `npm pack` of `dir` into `work` → the tarball's path. */
function pack(dir: string): string {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const info = JSON.parse(out) as { filename: string }[];
  return join(work, info[0]!.filename);
}

/** Runs the installed `immutos` CLI in the project → exit status and output. */
function immutos(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(project, 'node_modules', 'immutos', 'dist', 'cli', 'main.js'), ...args], { cwd: project, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // dist/ must be current: an incremental build is quick when nothing changed.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  tarball = pack(root);
  toyTarball = pack(join(root, 'examples', 'toy-kernel'));
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-users-project', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const t0 = performance.now();
  execFileSync('npm', ['install', tarball, toyTarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, stdio: 'pipe', timeout: 600_000 });
  installSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`packed.test: npm install of the packed tarballs took ${installSeconds.toFixed(1)} s\n`);
}, 900_000);

describe('the packed package', () => {
  test('holds dist, the TLA+ specs, the examples and the docs, and nothing else', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((f) => f !== '');
    for (const needed of ['package/dist/cli/main.js', 'package/dist/harness/index.js', 'package/dist/harness/index.d.ts', 'package/dist/reference/index.js', 'package/spec/tla/Kernel.tla', 'package/examples/authority.edn', 'package/examples/toy-kernel/index.js', 'package/docs/index.md', 'package/docs/oracle-guide.md', 'package/README.md']) {
      expect(files, needed).toContain(needed);
    }
    const unwanted = files.filter((f) => /\.tsbuildinfo$|\.test\.|\/fixtures\/|node_modules\/|^package\/docs\/api\/|\.fuzz-out|^package\/(tests|harness|cli|spec\/[A-Z])/.test(f));
    expect(unwanted).toEqual([]);
    const top = new Set(files.map((f) => f.split('/')[1]));
    expect([...top].sort()).toEqual(['README.md', 'dist', 'docs', 'examples', 'package.json', 'proofs', 'spec']);
  });

  test('installs into an empty project without compiling anything', () => {
    expect(existsSync(join(project, 'node_modules', 'immutos', 'dist', 'cli', 'main.js'))).toBe(true);
    // the LLVM tier is an optional peer: not installed, not built
    expect(existsSync(join(project, 'node_modules', 'llvm-bindings'))).toBe(false);
    const v = immutos(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    // the oracle runs; the LLVM tier is reported as an optional part that is absent
    const run = immutos(['run', join(project, 'node_modules', 'immutos', 'examples', 'contended_counter.edn')]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('=> 400');
  });

  test('a kernel from another package is fuzzed against the reference with --kernel-module, and agrees', () => {
    const r = immutos(['fuzz', '--kernel-module', 'immutos-toy-kernel', '--kernels', 'reference,toy', '--runs', '300', '--seed', '1', '--ni-runs', '0', '--allow-unexercised']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('kernels: reference, toy');
    expect(r.stdout).toMatch(/0 divergences/);
    // the module kernel judged cases side by side with the reference ("all" = reference and toy)
    expect(r.stdout).toMatch(/coverage: \d+ judged cases \([^)]*\ball: [1-9]\d*/);
  });

  test('its seeded bug is found, shrunk, saved, and replayed from the case file alone', () => {
    const r = immutos(['fuzz', '--kernel-module', 'immutos-toy-kernel', '--kernels', 'reference,toy+mutant:lost-update', '--runs', '600', '--seed', '1', '--ni-runs', '0', '--allow-unexercised', '--out', join(work, 'out')]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('DIVERGED');
    const replay = /replay with: npx immutos replay (\S+)/.exec(r.stdout);
    expect(replay, r.stdout).not.toBeNull();
    const file = replay![1]!;
    expect(JSON.parse(readFileSync(file, 'utf8')).kernelModules).toHaveProperty('toy');
    expect(r.stdout).toMatch(/reproduce the campaign with: npx immutos fuzz --kernel-module \S+ --kernels reference,toy\+mutant:lost-update/);
    // replay without --kernel-module: the case file names the module
    const again = immutos(['replay', file]);
    expect(again.status, again.stdout + again.stderr).toBe(1);
    expect(again.stdout).toContain('verdict: DIVERGED');
  });

  test('immutos/harness runs the same campaign from code', () => {
    const script = join(project, 'campaign.mjs');
    writeFileSync(
      script,
      `import { registerKernelModule, runCampaign } from 'immutos/harness';
const name = await registerKernelModule('immutos-toy-kernel');
const clean = await runCampaign({ kernels: ['reference', name], runs: 100, seed: 7 });
const buggy = await runCampaign({ kernels: ['reference', name + '+mutant:share-any'], runs: 600, seed: 7 });
console.log(JSON.stringify({ name, clean: clean.failures.length, cases: clean.cases, buggy: buggy.failures.length, shrunk: buggy.failures[0]?.shrunk.ops.length ?? null }));
`,
    );
    const out = execFileSync(process.execPath, [script], { cwd: project, encoding: 'utf8', timeout: 240_000 });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { name: string; clean: number; cases: number; buggy: number; shrunk: number | null };
    expect(result.name).toBe('toy');
    expect(result.cases).toBe(100);
    expect(result.clean).toBe(0);
    expect(result.buggy).toBe(1);
    expect(result.shrunk).toBeGreaterThan(0);
  });
});
