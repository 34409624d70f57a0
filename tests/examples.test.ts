/**
 * Every program in examples/ prints exactly its `.expected` output on the reference kernel
 * (what `npx immutos run examples/<name>.edn` prints, under the quotas the file declares), and
 * prints the same under another scheduler seed (the examples are written so that their output
 * does not depend on the interleaving) and on the optimized kernel (`--kernel optimized`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { failureMessage, renderReport, runProgram } from '../cli/program/runProgram.js';

const dir = new URL('../examples/', import.meta.url);
const programs = readdirSync(dir).filter((f) => f.endsWith('.edn')).sort();

describe('examples', () => {
  test('there are at least 8 examples, each with an expected-output file', () => {
    expect(programs.length).toBeGreaterThanOrEqual(8);
    const files = new Set(readdirSync(dir));
    for (const p of programs) expect(files.has(p.replace(/\.edn$/, '.expected')), p).toBe(true);
  });

  for (const name of programs) {
    test(`${name} prints its expected output`, () => {
      const source = readFileSync(new URL(name, dir));
      const expected = readFileSync(new URL(name.replace(/\.edn$/, '.expected'), dir), 'utf8');
      const report = runProgram(source);
      expect(failureMessage(report)).toBeNull();
      expect(renderReport(report)).toBe(expected);
      expect(renderReport(runProgram(source, { seed: 7 }))).toBe(expected);
    });

    test(`${name} prints the same on the optimized kernel`, () => {
      const source = readFileSync(new URL(name, dir));
      const expected = readFileSync(new URL(name.replace(/\.edn$/, '.expected'), dir), 'utf8');
      const report = runProgram(source, { kernel: 'optimized' });
      expect(failureMessage(report)).toBeNull();
      // Error messages are for humans and differ between kernels; kinds must agree.
      const kinds = (text: string): string => text.replace(/^(\[\d+\] error: [a-z-]+):.*$/gm, '$1');
      expect(kinds(renderReport(report))).toBe(kinds(expected));
    });
  }

  test('the GC-heavy loop allocates far beyond a small heap quota and still finishes', () => {
    const source = readFileSync(new URL('gc_heavy.edn', dir));
    const small = runProgram(source, { kernelOptions: { quotas: { heapCells: 2_000 }, debug: false } });
    expect(failureMessage(small)).toBeNull();
    expect(small.collections).toBeGreaterThan(1);
    expect(renderReport(small)).toBe(readFileSync(new URL('gc_heavy.expected', dir), 'utf8'));
  });
});
