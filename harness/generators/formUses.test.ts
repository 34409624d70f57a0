// The form generator (formProgram) writes every special and derived form of the language in each
// variant of its grammar; every program it writes reads, and the default case generator runs them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEdn } from '../../spec/codec/Edn.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { DERIVED_FORMS, SPECIAL_FORMS } from '../../spec/lang/forms.js';
import { KERNEL_CALL_TABLE } from '../../spec/lang/kernelCalls.js';
import { FORM_SHAPES, formProgram, hotNumericProgram, KERNEL_CALL_USES, processProgram, Prng } from './programs.js';
import { rawCaseArb } from './ops.js';

describe('formProgram', () => {
  it('has shapes for every special and derived form, and for nothing else', () => {
    const forms = [...SPECIAL_FORMS, ...DERIVED_FORMS];
    for (const name of forms) expect(FORM_SHAPES[name]?.length ?? 0, `shapes of ${name}`).toBeGreaterThan(0);
    for (const name of Object.keys(FORM_SHAPES)) expect(forms, `shapes of an unknown form ${name}`).toContain(name);
  });

  it('writes programs that read, using every form within 200 programs', () => {
    const used = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const text = formProgram(new Prng(seed));
      expect(() => readEdn(text), text).not.toThrow();
      for (const m of text.matchAll(/\(([^\s()[\]{}"]+)/g)) used.add(m[1]!);
    }
    const missed = Object.keys(FORM_SHAPES).filter((n) => !used.has(n));
    expect(missed, `never used: ${missed.join(' ')}`).toEqual([]);
  });

  it('is run by the default case generator', () => {
    const cases = fc.sample(rawCaseArb({ ops: OP_NAMES }), { seed: 1, numRuns: 100 });
    const runs = cases.flat().filter((op) => op.op === 'load' && typeof op.program === 'string' && op.program.startsWith('[(try (') && op.program.includes(':caught'));
    expect(runs.length).toBeGreaterThan(5);
  });
});

describe('processProgram and hotNumericProgram', () => {
  it('have uses for every kernel call of the language, and for nothing else', () => {
    const calls = Object.keys(KERNEL_CALL_TABLE);
    for (const name of calls) expect(KERNEL_CALL_USES[name]?.length ?? 0, `uses of ${name}`).toBeGreaterThan(0);
    for (const name of Object.keys(KERNEL_CALL_USES)) expect(calls, `uses of an unknown kernel call ${name}`).toContain(name);
    for (const [name, uses] of Object.entries(KERNEL_CALL_USES)) if (!name.startsWith('%')) for (const u of uses) expect(u, `a use of ${name}`).toContain(`(${name}`);
  });

  it('write programs that read', () => {
    for (let seed = 0; seed < 200; seed++) {
      for (const text of [processProgram(new Prng(seed)), hotNumericProgram(new Prng(seed))]) expect(() => readEdn(text), text).not.toThrow();
    }
  });
});
