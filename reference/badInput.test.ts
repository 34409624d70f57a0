// Malformed operation fields: every field of every operation, given a value of the wrong type,
// a negative or fractional number, or left out, is answered with `bad-input` and changes nothing.
import { describe, expect, test } from 'vitest';
import { OP_NAMES, type Op, type OpName } from '../spec/Kernel.js';
import { createReferenceKernel, type ReferenceKernel } from './index.js';

/** A well-formed op of each kind, valid in the state {@link setup} builds. */
const VALID: Record<OpName, Record<string, unknown>> = {
  spawn: { op: 'spawn', pid: 0 },
  fork: { op: 'fork', pid: 0 },
  exit: { op: 'exit', pid: 1 },
  atom: { op: 'atom', pid: 0, value: '1' },
  deref: { op: 'deref', pid: 0, ref: 0 },
  reset: { op: 'reset', pid: 0, ref: 0, value: '2' },
  cas: { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '2' },
  compareAndSet: { op: 'compareAndSet', pid: 0, ref: 0, expected: '0', value: '2' },
  swap: { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (inc x))' },
  swapVals: { op: 'swapVals', pid: 0, ref: 0, fn: '(fn [x] (inc x))' },
  resetVals: { op: 'resetVals', pid: 0, ref: 0, value: '2' },
  setValidator: { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] true)' },
  addWatch: { op: 'addWatch', pid: 0, ref: 0, key: ':w' },
  removeWatch: { op: 'removeWatch', pid: 0, ref: 0, key: ':w' },
  share: { op: 'share', pid: 0, ref: 0, to: 1 },
  hold: { op: 'hold', pid: 0, reg: 0, value: '[1]' },
  gc: { op: 'gc' },
  gcStep: { op: 'gcStep' },
  load: { op: 'load', pid: 0, program: '(+ 1 2)' },
  step: { op: 'step', pid: 2 },
  run: { op: 'run', pid: 2 },
};

/** Process 0 with atom #0 = 0, process 1 (empty), process 2 with a loaded program. */
function setup(): ReferenceKernel {
  const k = createReferenceKernel({ debug: true });
  for (const op of [
    { op: 'atom', pid: 0, value: '0' },
    { op: 'spawn', pid: 0 },
    { op: 'spawn', pid: 0 },
    { op: 'load', pid: 2, program: '(+ 1 2)' },
  ] as Op[])
    expect(k.apply(op)).toMatchObject({ ok: true });
  return k;
}

/** Malformed values for a field holding a non-negative integer (pid, ref, stamp, reg, to). */
const BAD_NATS: readonly [string, unknown][] = [
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['2^53', 2 ** 53],
  ['"0"', '0'],
  ['0n', 0n],
  ['null', null],
  ['true', true],
  ['{}', {}],
  ['missing', undefined],
];
/** Malformed values for a field holding text (EDN value, function source, program). */
const BAD_TEXTS: readonly [string, unknown][] = [
  ['0', 0],
  ['["1"]', ['1']],
  ['{}', {}],
  ['true', true],
  ['missing', undefined],
];
const NAT_FIELDS = new Set(['pid', 'ref', 'stamp', 'reg', 'to']);
/** Text fields where `null` is meaningful (clear a register, remove a validator). */
const NULLABLE = new Set(['hold.value', 'setValidator.fn']);

const cases: [string, Record<string, unknown>][] = [];
for (const name of OP_NAMES) {
  const valid = VALID[name];
  for (const field of Object.keys(valid)) {
    if (field === 'op') continue;
    const bads = NAT_FIELDS.has(field) ? BAD_NATS : [...BAD_TEXTS, ...(NULLABLE.has(`${name}.${field}`) ? [] : [['null', null] as [string, unknown]])];
    for (const [label, bad] of bads) {
      const op: Record<string, unknown> = { ...valid };
      if (bad === undefined) delete op[field];
      else op[field] = bad;
      cases.push([`${name}.${field} = ${label}`, op]);
    }
  }
}

describe('malformed op fields are bad-input and change nothing', () => {
  test('every valid op of the table is accepted (so the malformed cases test one field each)', () => {
    for (const name of OP_NAMES) expect(setup().apply(VALID[name] as unknown as Op), name).toMatchObject({ ok: true });
  });

  test.each(cases)('%s', (_, op) => {
    const k = setup();
    const before = k.inspect();
    const out = k.apply(op as unknown as Op);
    expect(out).toMatchObject({ ok: false, error: 'bad-input' });
    expect(k.inspect()).toEqual(before);
  });

  test('a non-object op or an unknown op name is bad-input', () => {
    for (const op of [null, undefined, 7, 'deref', [], {}, { op: 'nope', pid: 0 }, { op: 'toString', pid: 0 }])
      expect(setup().apply(op as unknown as Op)).toMatchObject({ ok: false, error: 'bad-input' });
  });
});
