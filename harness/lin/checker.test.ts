import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Vector, type Value } from '../../spec/Values.js';
import { checkHistory, UNKNOWN, type Model, type Op, type Unknown } from './checker.js';
import { casRegisterModel, kvModel, registerModel, type JepsenInput, type JepsenOutput } from './models.js';

type J = Op<JepsenInput, JepsenOutput>;
const w = (client: number, call: number, ret: number, v: number, key?: unknown): J => ({ client, key, call, ret, input: { f: 'write', value: BigInt(v) }, output: { type: 'ok', value: BigInt(v) } });
const r = (client: number, call: number, ret: number, v: number | null, key?: unknown): J => ({ client, key, call, ret, input: { f: 'read', value: null }, output: { type: 'ok', value: v === null ? null : BigInt(v) } });
const pending = (client: number, call: number, f: string, value: Value, key?: unknown): J => ({ client, key, call, ret: Infinity, input: { f, value }, output: UNKNOWN });

/** Many concurrent writes of distinct values and reads that see them: a search too large for a tiny budget. */
function hard(key: unknown, n: number): J[] {
  const h: J[] = [];
  for (let i = 0; i < n; i++) h.push(w(i, 0, 1000, i + 1, key));
  for (let i = 0; i < n; i++) h.push(r(n + i, 0, 1000, ((i * 7) % n) + 1, key));
  return h;
}

describe('checkHistory: definite answers first', () => {
  it('accepts and rejects simple register histories', () => {
    expect(checkHistory(registerModel(), [w(0, 0, 1, 1), r(1, 2, 3, 1)]).verdict).toBe('ok');
    const bad = checkHistory(registerModel(), [w(0, 0, 1, 1), r(1, 2, 3, null)]);
    expect(bad.verdict).toBe('violation');
    expect(bad.partitions[0]).toMatchObject({ verdict: 'violation', stuck: 1, linearization: [0] });
  });

  it('reports a violation in one partition although another cannot be decided within the budget', () => {
    const h = [...hard('big', 40), w(0, 2000, 2001, 5, 'small'), r(1, 2002, 2003, 6, 'small')];
    const res = checkHistory(registerModel(), h, { maxSteps: 5000 });
    expect(res.verdict).toBe('violation');
    const small = res.partitions.find((p) => p.key === 'small')!;
    expect(small.verdict).toBe('violation');
    expect(res.partitions.find((p) => p.key === 'big')!.verdict).toBe('unknown');
  });

  it('answers unknown with the reason and the undecided partitions, never throwing on memory', () => {
    const h = [...hard('a', 40), ...hard('b', 40)];
    const steps = checkHistory(registerModel(), h, { maxSteps: 10_000 });
    expect(steps).toMatchObject({ verdict: 'unknown', reason: 'steps' });
    expect(steps.partitions.map((p) => p.verdict)).toEqual(['unknown', 'unknown']);
    const mem = checkHistory(registerModel(), h, { maxCacheBytes: 1 << 20 });
    expect(mem).toMatchObject({ verdict: 'unknown', reason: 'memory' });
    expect(mem.partitions.every((p) => p.verdict === 'unknown' && p.reason === 'memory')).toBe(true);
    const time = checkHistory(registerModel(), h, { timeoutMs: 50 });
    expect(time).toMatchObject({ verdict: 'unknown', reason: 'time' });
  });

  it('checks every partition when asked, even after a violation', () => {
    const h = [w(0, 0, 1, 1, 'x'), r(1, 2, 3, 2, 'x'), w(0, 4, 5, 1, 'y'), r(1, 6, 7, 1, 'y'), w(0, 8, 9, 3, 'z'), r(1, 10, 11, null, 'z')];
    const first = checkHistory(registerModel(), h);
    expect(first.verdict).toBe('violation');
    const all = checkHistory(registerModel(), h, { allPartitions: true });
    expect(all.partitions.map((p) => p.verdict)).toEqual(['violation', 'ok', 'violation']);
  });

  it('takes keys as strings, numbers and values', () => {
    const k1 = new Vector([1n, 'a']);
    const k2 = new Vector([1n, 'a']); // equal to k1: one partition
    const res = checkHistory(kvModel(), [w(0, 0, 1, 1, k1), r(1, 2, 3, 1, k2), w(0, 0, 1, 2, 'k'), r(0, 2, 3, 2, 7)], { allPartitions: true });
    expect(res.partitions.length).toBe(3);
    expect(res.partitions.map((p) => p.verdict)).toEqual(['ok', 'ok', 'violation']);
  });
});

describe('checkHistory: unknown outcomes and pending operations', () => {
  it('a pending write may take effect any time after its call', () => {
    expect(checkHistory(registerModel(), [pending(0, 0, 'write', 1n), r(1, 5, 6, 1), r(1, 7, 8, 1)]).verdict).toBe('ok');
    expect(checkHistory(registerModel(), [pending(0, 0, 'write', 1n), r(1, 5, 6, null), r(1, 7, 8, 1)]).verdict).toBe('ok');
    expect(checkHistory(registerModel(), [pending(0, 0, 'write', 1n), r(1, 5, 6, 1), r(1, 7, 8, null)]).verdict).toBe('violation');
  });

  it('a pending operation may never take effect', () => {
    expect(checkHistory(casRegisterModel(), [pending(0, 0, 'cas', new Vector([null, 5n])), r(1, 5, 6, null)]).verdict).toBe('ok');
  });

  it('a pending write cannot take effect before it is called', () => {
    expect(checkHistory(registerModel(), [r(1, 0, 1, 1), pending(0, 2, 'write', 1n)]).verdict).toBe('violation');
  });

  it('a failed cas observed another value', () => {
    const cas = (call: number, ret: number, from: number | null, to: number, type: 'ok' | 'fail'): J => ({ client: 0, call, ret, input: { f: 'cas', value: new Vector([from === null ? null : BigInt(from), BigInt(to)]) }, output: { type, value: null } });
    expect(checkHistory(casRegisterModel(), [cas(0, 1, null, 1, 'ok'), cas(2, 3, 1, 2, 'ok'), cas(4, 5, 1, 3, 'fail')]).verdict).toBe('ok');
    expect(checkHistory(casRegisterModel(), [cas(0, 1, null, 1, 'ok'), cas(2, 3, 1, 3, 'fail')]).verdict).toBe('violation');
  });
});

describe('checkHistory: against brute force', () => {
  /** Every order consistent with real time, tried exhaustively; operations of unknown outcome may be left out. */
  function bruteForce<S, I, O>(model: Model<S, I, O>, h: readonly Op<I, O>[]): boolean {
    const n = h.length;
    const used = new Array<boolean>(n).fill(false);
    const optional = h.map((o) => o.output === UNKNOWN);
    const go = (state: S): boolean => {
      if (h.every((_, i) => used[i] || optional[i])) return true;
      for (let i = 0; i < n; i++) {
        if (used[i]) continue;
        if (h.some((o, j) => !used[j] && j !== i && !optional[j] && o.ret < h[i]!.call)) continue;
        const next = model.step(state, h[i]!.input, h[i]!.output);
        if (next === undefined) continue;
        used[i] = true;
        if (go(next)) return true;
        used[i] = false;
      }
      return false;
    };
    return go(model.init());
  }
  const val = fc.constantFrom<Value>(null, 1n, 2n);
  const arbOp: fc.Arbitrary<J> = fc
    .tuple(fc.nat(8), fc.integer({ min: 0, max: 6 }), fc.constantFrom('read', 'write', 'cas'), val, val, fc.constantFrom<'ok' | 'fail' | 'info'>('ok', 'ok', 'ok', 'fail', 'info'))
    .map(([call, len, f, a, b, type]) => {
      const input = { f, value: f === 'cas' ? new Vector([a, b]) : f === 'write' ? a : null };
      const output: JepsenOutput | Unknown = type === 'info' ? UNKNOWN : { type: f === 'cas' ? type : 'ok', value: f === 'read' ? b : input.value };
      return { client: 0, call, ret: type === 'info' ? Infinity : call + len, input, output };
    });

  it('agrees with exhaustive search (cas register, unknown outcomes included)', () => {
    const m = casRegisterModel();
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 6 }), (h) => {
        expect(checkHistory(m, h).verdict).toBe(bruteForce(m, h) ? 'ok' : 'violation');
      }),
      { numRuns: 500 },
    );
  });
});
