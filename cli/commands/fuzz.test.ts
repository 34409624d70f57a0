// End to end through the CLI commands: a divergence injected on purpose (a mutant) is found by
// `immutos fuzz`, written to a replay file, and `immutos replay` reproduces it with the step table.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckFailed, UsageError } from '../errors.js';
import { jobsFlag, register as registerFuzz } from './fuzz.js';
import { availableParallelism } from 'node:os';
import { register as registerReplay } from './replay.js';
import { runCommands } from '../../tests/support/cli.js';

/** Runs `immutos fuzz` / `immutos replay` with `args`. */
const run = (args: string[]): Promise<{ out: string; error: unknown }> => runCommands([registerFuzz, registerReplay], args);

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
    // beside the case, the same failure as an ITF trace (Apalache/Quint's format)
    const itf = JSON.parse(readFileSync(file.replace(/\.json$/, '.itf.json'), 'utf8'));
    expect(itf['#meta'].format).toBe('ITF');
    expect(itf['#meta'].verdict).toBe('diverged');
    expect(itf.vars).toEqual(['op', 'outcome', 'processes', 'differs']);
    expect(itf.states.some((s: { differs: boolean }) => s.differs)).toBe(true);
    const replay = await run(['replay', file]);
    expect(replay.error).toBeInstanceOf(CheckFailed);
    expect(replay.out).toMatch(/^>>\s+\d+ cas /m);
    expect(replay.out).toMatch(/verdict: DIVERGED at step \d+ \(outcome\)/);
    // without the mutant the same case agrees
    const clean = await run(['replay', file, '--kernels', 'reference,reference']);
    expect(clean.error).toBeUndefined();
    expect(clean.out).toMatch(/verdict: agree/);
  });

  it('generates every operation, says which kernels judge which, prints coverage and operations/s, and exits 0 when kernels agree', async () => {
    const r = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '60', '--seed', '3', '--ni-runs', '0']);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/operations generated: .*\bswap\b.*\baddWatch\b.*\bload\b/);
    expect(r.out).toMatch(/load: judged without spec/);
    expect(r.out).toMatch(/60 cases, \d+ operations in [\d.]+ s: \d+ operations\/s; 0 divergences/);
    expect(r.out).toMatch(/coverage: \d+ judged cases \(/);
    expect(r.out).toMatch(/operation\s+all\s+reference\s+ok/);
    expect(r.out).toMatch(/every generated operation was exercised/);
    // too short a campaign fails, naming what it never exercised, unless told otherwise
    const short = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '1', '--seed', '3', '--ni-runs', '0']);
    expect(short.error).toBeInstanceOf(CheckFailed);
    expect(String(short.error)).toMatch(/never exercised .*--allow-unexercised/);
    expect(short.out).toMatch(/NOT EXERCISED/);
    const allowed = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '1', '--seed', '3', '--ni-runs', '0', '--allow-unexercised']);
    expect(allowed.error).toBeUndefined();
  }, 60_000);

  it('the optimized kernel (tier-1 JIT and interpreter) agrees with the reference on generated programs', async () => {
    // differential agreement only: the non-interference property has its own tests (cli/commands/fuzzNonInterference.test.ts)
    const r = await run(['fuzz', '--kernels', 'reference,optimized,optimized+tier:0', '--runs', '250', '--seed', '7', '--programs', '--ni-runs', '0']);
    expect(r.error).toBeUndefined();
    expect(r.out).not.toMatch(/judged without/);
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

  it('--jobs: auto is one job per core and per 250 cases; a bad count, and --jobs with --mutants, are usage errors', async () => {
    const cores = availableParallelism();
    expect(jobsFlag(undefined, 10, undefined)).toBe(1);
    expect(jobsFlag('auto', 1000 * cores, undefined)).toBe(cores);
    expect(jobsFlag('auto', 499, undefined)).toBe(1);
    expect(jobsFlag(undefined, undefined, undefined)).toBe(cores);
    expect(jobsFlag(undefined, 1000 * cores, { index: 0, count: 2 })).toBe(cores);
    expect(jobsFlag(undefined, 500, { index: 0, count: 2 })).toBe(1); // the shard's 250 cases
    expect(jobsFlag('3', 1, undefined)).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'many']) expect(() => jobsFlag(bad, 10, undefined)).toThrow(/--jobs must be a positive integer/);
    const withMutants = await run(['fuzz', '--mutants', '--jobs', '2', '--kernels', 'reference']);
    expect(withMutants.error).toBeInstanceOf(UsageError);
    expect(String((withMutants.error as Error).message)).toMatch(/--jobs applies to the differential campaign/);
  });

  it('--jobs 2 prints the jobs, and finds what one job finds in the same cases', async () => {
    const r = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '60', '--seed', '3', '--ni-runs', '0', '--jobs', '2', '--json']);
    const one = await run(['fuzz', '--kernels', 'spec,reference', '--runs', '60', '--seed', '3', '--ni-runs', '0', '--jobs', '1', '--json']);
    const two = JSON.parse(r.out) as { jobs: number; cases: number; operations: number; coverage: unknown };
    const single = JSON.parse(one.out) as { jobs: number; cases: number; operations: number; coverage: unknown };
    expect([two.jobs, single.jobs]).toEqual([2, 1]);
    expect(two.cases).toBe(60);
    expect(two.operations).toBe(single.operations);
    expect(two.coverage).toEqual(single.coverage);
  }, 120_000);

  it('prints one JSON object with --json', async () => {
    const r = await run(['fuzz', '--kernels', 'spec', '--runs', '20', '--seed', '5', '--json']);
    const j = JSON.parse(r.out) as { cases: number; operationsPerSecond: number; failures: unknown[]; coverage: { ops: { op: string; applied: number }[]; perKernel: { kernel: string }[]; unexercised: string[] } };
    expect(j.cases).toBe(20);
    expect(j.failures).toEqual([]);
    expect(j.operationsPerSecond).toBeGreaterThan(0);
    expect(j.coverage.ops.map((o) => o.op)).toContain('swap');
    expect(j.coverage.ops.reduce((t, o) => t + o.applied, 0)).toBeGreaterThan(0);
    expect(j.coverage.perKernel.map((k) => k.kernel)).toEqual(['spec']);
    expect(Array.isArray(j.coverage.unexercised)).toBe(true);
  });
});
