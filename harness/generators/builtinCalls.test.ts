// The built-in call generator (builtinProgram) calls every name the language defines, each with
// arguments of the kinds its signature names; every program it writes reads, and the first
// campaign cases of the default generator run such programs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEdn } from '../../spec/codec/Edn.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { builtins } from '../../spec/lang/builtins.js';
import { BUILTIN_ARGS, BUILTIN_NAMES, BUILTIN_SIGNATURES, builtinProgram, Prng } from './programs.js';
import { rawCaseArb } from './ops.js';

describe('builtinProgram', () => {
  it('knows a signature for every name it calls, written in known kinds', () => {
    for (const name of builtins().keys()) expect(BUILTIN_NAMES).toContain(name);
    for (const name of BUILTIN_NAMES) {
      const sig = BUILTIN_SIGNATURES[name];
      expect(sig, `signature of ${name}`).toBeDefined();
      for (const alt of sig!.split('|')) expect(alt, `signature of ${name}`).toMatch(/^(([IDTKVLMSBFPONCA])\*?)*$/);
    }
    for (const name of Object.keys(BUILTIN_SIGNATURES)) expect(BUILTIN_NAMES, `signature of an unknown name ${name}`).toContain(name);
    for (const pool of Object.values(BUILTIN_ARGS)) expect(pool.length).toBeGreaterThan(0);
  });

  it('writes programs that read, calling most names within 400 programs', () => {
    const called = new Set<string>();
    for (let seed = 0; seed < 400; seed++) {
      const text = builtinProgram(new Prng(seed)).replaceAll('$A', '#atom 0');
      expect(() => readEdn(text), text).not.toThrow();
      for (const m of text.matchAll(/\(try \(([^\s()]+)|\(fn \[[^\]]*\] \(([^\s()]+)/g)) called.add((m[1] ?? m[2])!);
    }
    const missed = BUILTIN_NAMES.filter((n) => !called.has(n));
    expect(missed.length, `never called: ${missed.join(' ')}`).toBeLessThan(BUILTIN_NAMES.length / 20);
  });

  it('is run by the default case generator', () => {
    const cases = fc.sample(rawCaseArb({ ops: OP_NAMES }), { seed: 1, numRuns: 100 });
    const runs = cases.flat().filter((op) => op.op === 'load' && typeof op.program === 'string' && op.program.startsWith('[(try ('));
    expect(runs.length).toBeGreaterThan(10);
  });
});
