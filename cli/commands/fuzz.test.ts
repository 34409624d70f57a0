// End to end through the CLI commands: a divergence injected on purpose (a mutant) is found by
// `immutos fuzz`, written to a replay file, and `immutos replay` reproduces it with the step table.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckFailed, UsageError } from '../errors.js';
import { register as registerFuzz } from './fuzz.js';
import { register as registerReplay } from './replay.js';

function program(): Command {
  const p = new Command('immutos').exitOverride();
  registerFuzz(p);
  registerReplay(p);
  return p;
}

async function run(args: string[]): Promise<{ out: string; error: unknown }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let error: unknown;
  try {
    await program().parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return { out, error };
}

afterEach(() => vi.restoreAllMocks());

describe('immutos fuzz / replay', () => {
  it('finds an injected bug, saves a shrunk case, and replay reproduces it step by step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutos-fuzz-'));
    const fuzz = await run(['fuzz', '--kernels', 'reference+mutant:cas-compares-values,reference', '--runs', '300', '--seed', '1', '--out', dir]);
    expect(fuzz.error).toBeInstanceOf(CheckFailed);
    expect(fuzz.out).toMatch(/operations\/s/);
    const m = /replay with: npx immutos replay (\S+)/.exec(fuzz.out);
    expect(m).not.toBeNull();
    const file = m![1]!;
    expect(JSON.parse(readFileSync(file, 'utf8')).kernels).toEqual(['reference+mutant:cas-compares-values', 'reference']);
    const replay = await run(['replay', file]);
    expect(replay.error).toBeInstanceOf(CheckFailed);
    expect(replay.out).toMatch(/^>>\s+\d+ cas /m);
    expect(replay.out).toMatch(/verdict: DIVERGED at step \d+ \(outcome\)/);
    // without the mutant the same case agrees
    const clean = await run(['replay', file, '--kernels', 'reference,reference']);
    expect(clean.error).toBeUndefined();
    expect(clean.out).toMatch(/verdict: agree/);
  });

  it('prints the excluded operations and operations/s, and exits 0 when kernels agree', async () => {
    const r = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '30', '--seed', '3', '--programs', '--ni-runs', '0']);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/operations generated: .*\bswap\b.*\baddWatch\b/);
    expect(r.out).toMatch(/excluded: load — not supported by spec/);
    expect(r.out).toMatch(/30 cases, \d+ operations in [\d.]+ s: \d+ operations\/s; 0 divergences/);
  });

  it('the optimized kernel (tier-1 JIT and interpreter) agrees with the reference on generated programs', async () => {
    // differential agreement only: the non-interference property has its own tests (cli/fuzz/nonInterference.test.ts)
    const r = await run(['fuzz', '--kernels', 'reference,optimized,optimized+tier:0', '--runs', '250', '--seed', '7', '--programs', '--ni-runs', '0']);
    expect(r.error).toBeUndefined();
    expect(r.out).not.toMatch(/excluded:/);
    expect(r.out).toMatch(/250 cases, \d+ operations in [\d.]+ s: \d+ operations\/s; 0 divergences/);
  }, 120_000);

  it('refuses unknown and unavailable kernels with a clear usage error', async () => {
    const unknown = await run(['fuzz', '--kernels', 'nope', '--runs', '1']);
    expect(unknown.error).toBeInstanceOf(UsageError);
    expect(String((unknown.error as Error).message)).toMatch(/unknown kernel 'nope'/);
    const hw = await run(['fuzz', '--kernels', 'optimized+hw:no-such-model', '--runs', '1']);
    expect(hw.error).toBeInstanceOf(UsageError);
    expect(String((hw.error as Error).message)).toMatch(/not available|unknown hardware model/);
    const badMutant = await run(['fuzz', '--kernels', 'reference+mutant:no-such-bug', '--runs', '1']);
    expect(String((badMutant.error as Error).message)).toMatch(/no mutant 'no-such-bug'/);
  });

  it('prints one JSON object with --json', async () => {
    const r = await run(['fuzz', '--kernels', 'spec', '--runs', '20', '--seed', '5', '--json']);
    const j = JSON.parse(r.out) as { cases: number; operationsPerSecond: number; failures: unknown[] };
    expect(j.cases).toBe(20);
    expect(j.failures).toEqual([]);
    expect(j.operationsPerSecond).toBeGreaterThan(0);
  });
});
