import { describe, expect, it } from 'vitest';
import { createSpecKernel } from './SpecEngine.js';
import type { Op, Outcome } from './Kernel.js';

const run = (ops: Op[]): Outcome[] => {
  const k = createSpecKernel();
  return ops.map((op) => k.apply(op));
};
const show = (o: Outcome): string => (o.ok ? o.value : `!${o.error}`);

describe('spec kernel (ADR 0003)', () => {
  it('stamps grow by one per write; cas needs the current stamp', () => {
    const out = run([
      { op: 'atom', pid: 0, value: '{:b 2 :a 1}' },
      { op: 'deref', pid: 0, ref: 0 },
      { op: 'reset', pid: 0, ref: 0, value: '(1 2)' },
      { op: 'cas', pid: 0, ref: 0, stamp: 0, value: ':x' },
      { op: 'cas', pid: 0, ref: 0, stamp: 1, value: ':x' },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: ':y', value: ':z' },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: ':x', value: '[1 2]' },
      { op: 'resetVals', pid: 0, ref: 0, value: 'nil' },
      { op: 'deref', pid: 0, ref: 0 },
    ]);
    expect(out.map(show)).toEqual(['#atom 0', '[{:a 1, :b 2} 0]', '(1 2)', '!stale-stamp', '2', 'false', 'true', '[[1 2] nil]', '[nil 4]']);
  });

  it('only the creator shares; fork copies private atoms and keeps shared ones', () => {
    const k = createSpecKernel();
    const ops: Op[] = [
      { op: 'atom', pid: 0, value: '1' }, // #0 private
      { op: 'atom', pid: 0, value: '2' }, // #1 will be shared
      { op: 'spawn', pid: 0 }, // pid 1
      { op: 'share', pid: 0, ref: 1, to: 1 }, // #2 in pid 1
      { op: 'share', pid: 1, ref: 2, to: 0 }, // non-creator
      { op: 'fork', pid: 0 }, // pid 2
      { op: 'reset', pid: 2, ref: 0, value: ':child' },
      { op: 'reset', pid: 2, ref: 1, value: ':shared' },
      { op: 'deref', pid: 0, ref: 0 },
      { op: 'deref', pid: 1, ref: 2 },
      { op: 'deref', pid: 1, ref: 0 },
      { op: 'deref', pid: 1, ref: 99 },
    ];
    expect(ops.map((op) => show(k.apply(op)))).toEqual(['#atom 0', '#atom 1', '1', '#atom 2', '!capability-denied', '2', ':child', ':shared', '[1 0]', '[:shared 1]', '!capability-denied', '!capability-denied']); // the last ref was never issued (ADR 0024)
    expect(k.observe().processes.map((p) => p.pid)).toEqual([0, 1, 2]);
  });

  it('refuses what it does not implement, and malformed input, without changing anything', () => {
    const k = createSpecKernel();
    const before = JSON.stringify(k.observe());
    expect(show(k.apply({ op: 'load', pid: 0, program: '(+ 1 2)' } as unknown as Op))).toBe('!unsupported');
    expect(show(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] x)' }))).toBe('!capability-denied');
    expect(show(k.apply({ op: 'frobnicate' } as unknown as Op))).toBe('!bad-input');
    expect(show(k.apply({ op: 'atom', pid: 0, value: '{:a' }))).toBe('!bad-input');
    expect(show(k.apply({ op: 'exit', pid: 5 }))).toBe('!no-such-process');
    expect(JSON.stringify(k.observe())).toBe(before);
    expect(k.supports.has('swap')).toBe(true);
    expect(k.supports.has('load')).toBe(false);
  });

  it('answers unsupported for code outside the modelled subset, and changes nothing', () => {
    const k = createSpecKernel();
    expect(show(k.apply({ op: 'atom', pid: 0, value: '1' }))).toBe('#atom 0');
    const before = JSON.stringify(k.observe());
    expect(show(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (loop [] (recur)))' }))).toBe('!unsupported');
    expect(JSON.stringify(k.observe())).toBe(before);
    expect(show(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (+ x 41))' }))).toBe('42');
  });
});
