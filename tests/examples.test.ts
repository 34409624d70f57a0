/**
 * Every program in examples/ prints exactly its `.expected` output on every kernel that runs
 * programs (what `npx immutos run examples/<name>.edn --kernel K` prints, under the quotas the
 * file declares): the reference kernel (also under another scheduler seed: the examples are
 * written so that their output does not depend on the interleaving), the optimized kernel with
 * its default tiers, its interpreter alone (`optimized+tier:0`), and on the hardware memory model
 * (`optimized+hw:tso`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { failureMessage, renderReport, runProgram } from '../cli/program/runProgram.js';

const dir = new URL('../examples/', import.meta.url);
const programs = readdirSync(dir).filter((f) => f.endsWith('.edn')).sort();

/** Every kernel the examples run on. */
const KERNELS = ['reference', 'optimized', 'optimized+tier:0', 'optimized+hw:tso'] as const;

/**
 * Error messages are for humans and differ between kernels (spec/Kernel.ts `Outcome`): where a
 * process other than 0 fails, its kind must agree, its message is not compared.
 */
const kinds = (text: string): string => text.replace(/^(\[\d+\] error: [a-z-]+):.*$/gm, '$1');

/**
 * Known divergences, each a kernel bug on record (the check stays; `test.fails` turns red once
 * the kernel is fixed, and then the entry goes). None at present.
 */
const KNOWN_DIVERGENCES: Readonly<Record<string, readonly string[]>> = {};

describe('examples', () => {
  test('there are at least 8 examples, each with an expected-output file', () => {
    expect(programs.length).toBeGreaterThanOrEqual(8);
    const files = new Set(readdirSync(dir));
    for (const p of programs) expect(files.has(p.replace(/\.edn$/, '.expected')), p).toBe(true);
  });

  for (const name of programs) {
    const source = readFileSync(new URL(name, dir));
    const expected = readFileSync(new URL(name.replace(/\.edn$/, '.expected'), dir), 'utf8');
    test(`${name} prints its expected output on the reference kernel, under two seeds`, async () => {
      const report = await runProgram(source);
      expect(failureMessage(report)).toBeNull();
      expect(renderReport(report)).toBe(expected);
      expect(renderReport(await runProgram(source, { seed: 7 }))).toBe(expected);
    });

    for (const kernel of KERNELS.filter((k) => k !== 'reference')) {
      const known = KNOWN_DIVERGENCES[name]?.includes(kernel) ?? false;
      (known ? test.fails : test)(`${name} prints its expected output on ${kernel}${known ? ' (known divergence, see KNOWN_DIVERGENCES)' : ''}`, async () => {
        const report = await runProgram(source, { kernel });
        expect(report.kernel).toBe(kernel);
        expect(failureMessage(report)).toBeNull();
        expect(kinds(renderReport(report))).toBe(kinds(expected));
      });
    }
  }

  test('the GC-heavy loop allocates far beyond a small heap quota and still finishes', async () => {
    const source = readFileSync(new URL('gc_heavy.edn', dir));
    const small = await runProgram(source, { kernelOptions: { quotas: { heapCells: 2_000 }, debug: false } });
    expect(failureMessage(small)).toBeNull();
    expect(small.collections).toBeGreaterThan(1);
    expect(renderReport(small)).toBe(readFileSync(new URL('gc_heavy.expected', dir), 'utf8'));
  });
});
