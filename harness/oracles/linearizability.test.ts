import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { atomModel, checkLinearizable, type AtomInput, type AtomOutput, type Operation, type SequentialModel } from './linearizability.js';

type Op = Operation<AtomInput, AtomOutput>;
const op = (client: number, call: number, ret: number, input: AtomInput, output: AtomOutput, object = 0): Op => ({ client, object, call, ret, input, output });

describe('linearizability checker: known histories', () => {
  const m = atomModel('0');

  it('accepts a sequential history', () => {
    const h = [op(0, 1, 2, { op: 'deref' }, { value: '0', stamp: 0 }), op(0, 3, 4, { op: 'cas', stamp: 0, value: '1' }, { stamp: 1 }), op(1, 5, 6, { op: 'deref' }, { value: '1', stamp: 1 })];
    expect(checkLinearizable(m, h)).toEqual({ ok: true, order: [0, 1, 2] });
  });

  it('accepts overlapping operations that need reordering (read sees a write that overlaps it)', () => {
    // The read is called before the write and returns after it: it may see the new value.
    const h = [op(0, 1, 10, { op: 'deref' }, { value: '7', stamp: 1 }), op(1, 2, 5, { op: 'reset', value: '7' }, '7')];
    const v = checkLinearizable(m, h);
    expect(v.ok).toBe(true);
    if (v.ok === true) expect(v.order).toEqual([1, 0]);
  });

  it('accepts two contending CAS where exactly one wins', () => {
    const h = [op(0, 1, 4, { op: 'cas', stamp: 0, value: 'a' }, 'stale'), op(1, 2, 3, { op: 'cas', stamp: 0, value: 'b' }, { stamp: 1 }), op(2, 5, 6, { op: 'deref' }, { value: 'b', stamp: 1 })];
    expect(checkLinearizable(m, h).ok).toBe(true);
  });

  it('rejects two CAS from the same stamp that both succeed', () => {
    const h = [op(0, 1, 4, { op: 'cas', stamp: 0, value: 'a' }, { stamp: 1 }), op(1, 2, 3, { op: 'cas', stamp: 0, value: 'b' }, { stamp: 1 })];
    expect(checkLinearizable(m, h).ok).toBe(false);
  });

  it('rejects a stale read after a completed write (real-time order)', () => {
    const h = [op(0, 1, 2, { op: 'reset', value: '5' }, '5'), op(1, 3, 4, { op: 'deref' }, { value: '0', stamp: 0 })];
    const v = checkLinearizable(m, h);
    expect(v).toMatchObject({ ok: false, object: 0 });
  });

  it('rejects a read of a value nobody wrote', () => {
    expect(checkLinearizable(m, [op(0, 1, 2, { op: 'deref' }, { value: '9', stamp: 0 })]).ok).toBe(false);
  });

  it('checks objects independently (a bad object is named)', () => {
    const h = [op(0, 1, 2, { op: 'reset', value: '1' }, '1', 0), op(0, 3, 4, { op: 'deref' }, { value: '1', stamp: 1 }, 0), op(1, 1, 2, { op: 'deref' }, { value: '3', stamp: 0 }, 4)];
    expect(checkLinearizable(m, h)).toMatchObject({ ok: false, object: 4 });
  });

  it('rejects a lost update among counter increments', () => {
    // Two clients read 0 and both write 1 by compareAndSet: the second must fail.
    const h = [
      op(0, 1, 2, { op: 'deref' }, { value: '0', stamp: 0 }),
      op(1, 1, 2, { op: 'deref' }, { value: '0', stamp: 0 }),
      op(0, 3, 6, { op: 'compareAndSet', expected: '0', value: '1' }, true),
      op(1, 4, 5, { op: 'compareAndSet', expected: '0', value: '1' }, true),
    ];
    expect(checkLinearizable(m, h).ok).toBe(false);
  });
});

describe('linearizability checker: against brute force on random small histories', () => {
  /** Every permutation consistent with real time, tried exhaustively (the definition itself). */
  function bruteForce<S, I, O>(model: SequentialModel<S, I, O>, h: readonly Operation<I, O>[]): boolean {
    const n = h.length;
    const used = new Array<boolean>(n).fill(false);
    const go = (state: S, k: number): boolean => {
      if (k === n) return true;
      for (let i = 0; i < n; i++) {
        if (used[i]) continue;
        // i may go next only if no unused operation returned before i was called
        if (h.some((o, j) => !used[j] && j !== i && o.ret < h[i]!.call)) continue;
        const next = model.step(state, h[i]!.input, h[i]!.output);
        if (next === undefined) continue;
        used[i] = true;
        if (go(next, k + 1)) return true;
        used[i] = false;
      }
      return false;
    };
    return go(model.init(), 0);
  }

  const arbInput: fc.Arbitrary<AtomInput> = fc.oneof(
    fc.constant({ op: 'deref' as const }),
    fc.record({ op: fc.constant('reset' as const), value: fc.constantFrom('0', '1', '2') }),
    fc.record({ op: fc.constant('cas' as const), stamp: fc.nat(2), value: fc.constantFrom('0', '1', '2') }),
  );
  const arbOutput = (i: AtomInput): fc.Arbitrary<AtomOutput> =>
    i.op === 'deref'
      ? fc.record({ value: fc.constantFrom('0', '1', '2'), stamp: fc.nat(2) })
      : i.op === 'reset'
        ? fc.constant(i.value)
        : fc.oneof(fc.constant('stale' as const), fc.constant({ stamp: (i as { stamp: number }).stamp + 1 }));
  const arbOp = fc.tuple(fc.nat(8), fc.integer({ min: 1, max: 6 }), arbInput).chain(([call, len, input]) => arbOutput(input).map((output) => op(0, call, call + len, input, output)));

  it('agrees with exhaustive search', () => {
    const m = atomModel('0');
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 6 }), (h) => {
        expect(checkLinearizable(m, h).ok).toBe(bruteForce(m, h));
      }),
      { numRuns: 400 },
    );
  });
});
