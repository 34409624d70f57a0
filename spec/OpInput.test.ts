// The checks of an operation's inputs (spec/OpInput.ts): what is bad-input, and how a malformed field is shown.
import { describe, expect, test } from 'vitest';
import { KernelError } from './Errors.js';
import { OP_NAMES } from './Kernel.js';
import { isNat, readFnSource, readLoadInput, readNat, readOp, readOpArgument, showOpField } from './OpInput.js';

/** The kind and message `f` throws (it must throw a KernelError). */
function refusal(f: () => unknown): { kind: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KernelError);
    return { kind: (e as KernelError).kind, message: (e as KernelError).message };
  }
  throw new Error('expected a refusal');
}

describe('spec/OpInput', () => {
  test('readNat accepts non-negative safe integers and names the field otherwise', () => {
    for (const n of [0, 1, 2 ** 53 - 1]) expect(readNat(n, 'pid')).toBe(n);
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '0', 0n, null, true, {}, undefined]) {
      expect(isNat(bad)).toBe(false);
      const r = refusal(() => readNat(bad, 'stamp'));
      expect(r.kind).toBe('bad-input');
      expect(r.message).toContain('stamp must be a non-negative integer');
    }
  });

  test('showOpField shows bigints, strings and cyclic objects without throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(showOpField(3n)).toBe('3n');
    expect(showOpField('0')).toBe('"0"');
    expect(showOpField(undefined)).toBe('undefined');
    expect(showOpField(cyclic)).toBe('[object Object]');
    expect(refusal(() => readNat(7n, 'ref')).message).toContain('got 7n');
  });

  test('readOp accepts every operation name and refuses anything else', () => {
    for (const name of OP_NAMES) expect(readOp({ op: name }).op).toBe(name);
    for (const bad of [null, undefined, 7, 'deref', [], {}, { op: 'nope' }, { op: 'toString' }]) expect(refusal(() => readOp(bad)).kind).toBe('bad-input');
  });

  test('readFnSource wants text', () => {
    expect(readFnSource('(fn [x] x)')).toBe('(fn [x] x)');
    for (const bad of [0, null, ['(fn [x] x)'], undefined]) expect(refusal(() => readFnSource(bad)).message).toContain('fn must be the text of a function');
  });

  test('readLoadInput: EDN text, or base64 with empty program text, never both', () => {
    expect(readLoadInput('(+ 1 2)', undefined)).toEqual({ text: '(+ 1 2)' });
    expect(readLoadInput('', 'AAAA')).toEqual({ base64: 'AAAA' });
    expect(refusal(() => readLoadInput(1, undefined)).message).toBe('program must be EDN text');
    expect(refusal(() => readLoadInput('', 7)).message).toBe('binary must be base64 text');
    expect(refusal(() => readLoadInput('(+ 1 2)', 'AAAA')).message).toContain('not both');
  });

  test('readOpArgument reads EDN and names the argument when it does not read', () => {
    expect(readOpArgument('[1 2]', 'value')).toBeDefined();
    const r = refusal(() => readOpArgument('{:a', 'expected'));
    expect(r.kind).toBe('bad-input');
    expect(r.message.startsWith('expected: ')).toBe(true);
    expect(refusal(() => readOpArgument(0, 'key')).message).toBe('key must be EDN text');
  });
});
