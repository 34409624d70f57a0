/**
 * `immutos fuzz --kernels optimized+workers:N[+mutant:NAME]`: the parallel engine from the
 * command line — a clean campaign passes with its figures printed; a seeded publication bug is
 * caught, its minimized case written under --out with replay commands, and the printed replay
 * command fails again; wrong selections are usage errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const built = join(import.meta.dirname, '../../dist/cli/main.js');
const cli = (args: readonly string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [built, ...args], { encoding: 'utf8', timeout: 170_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe.runIf(existsSync(built))('immutos fuzz on the parallel engine', () => {
  test('a clean campaign passes and says what it judged', { timeout: 120_000 }, () => {
    const r = cli(['fuzz', '--kernels', 'optimized+workers:2', '--runs', '8', '--seed', '3', '--stress', '2']); // --stress N is --repeat N
    expect(r.stderr).not.toMatch(/error/i); // progress lines only
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/optimized\+workers:2: 8 cases \(16 runs\), [1-9]\d* atom operations judged/);
    expect(r.stdout).toContain('every history linearizable, every count exact');
  });

  test('a seeded publication bug is caught, written and replayed by the printed command', { timeout: 200_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'immutos-pfuzz-'));
    const r = cli(['fuzz', '--kernels', 'optimized+workers:2+mutant:publish-after-store', '--runs', '20', '--seed', '100', '--out', out]);
    expect(r.status).not.toBe(0);
    const replay = /replay the minimized case: (npx immutos fuzz .*)/.exec(r.stdout)?.[1];
    expect(replay, r.stdout + r.stderr).toBeDefined();
    const file = /written: (.*)/.exec(r.stdout)?.[1];
    expect(file !== undefined && readFileSync(file, 'utf8')).toContain(replay!);
    const again = cli([...replay!.replace(/^npx immutos /, '').split(' '), '--out', out]);
    expect(again.status).not.toBe(0);
    expect(again.stdout).toContain('1 failure');
  });

  test('the parallel engine alone, a known seeded bug, a valid part: else a usage error', () => {
    const mixed = cli(['fuzz', '--kernels', 'reference,optimized+workers:2', '--runs', '1']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('name it alone in --kernels');
    const unknown = cli(['fuzz', '--kernels', 'optimized+workers:2+mutant:nope', '--runs', '1']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("no mutant 'nope'");
    const part = cli(['fuzz', '--kernels', 'optimized+workers:2', '--runs', '1', '--keep', 'x']);
    expect(part.status).toBe(2);
    expect(part.stderr).toContain('--keep');
    const both = cli(['fuzz', '--kernels', 'optimized+workers:2', '--runs', '1', '--stress', '2', '--repeat', '2']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--stress N is --repeat N');
    const stray = cli(['fuzz', '--kernels', 'reference', '--runs', '1', '--repeat', '2']);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('parallel engine');
  });
});
