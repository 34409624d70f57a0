/**
 * The pure built-ins of spec/lang/builtins.ts against laws and Clojure's documented behaviour.
 * Seeded by tests/setup.ts (FC_SEED to explore).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { int64Arb, stringArb, valueArb } from '../../harness/generators/values.js';
import { KernelError } from '../Errors.js';
import { EMap, ESet, INT64_MAX, INT64_MIN, Keyword, List, Sym, Vector, equals, kw, type Value } from '../Values.js';
import { builtins } from './builtins.js';

const B = builtins();
const call = (name: string, ...args: Value[]): Value => B.get(name)!(args);

/** The message of the `program-error` `f` raises, or a failure when it raises none. */
function fault(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof KernelError && e.kind === 'program-error') return e.message;
    throw e;
  }
  throw new Error('expected a program-error');
}

const vecArb = fc.array(valueArb(), { maxLength: 8 }).map((xs) => new Vector(xs));
const mapArb = fc.array(fc.tuple(valueArb(), valueArb()), { maxLength: 6 }).map((es) => EMap.from(es));

describe('collections', () => {
  it('(= (count (conj v x)) (inc (count v))) for vectors, lists and nil', () => {
    fc.assert(
      fc.property(fc.oneof(vecArb, vecArb.map((v) => new List(v.items)), fc.constant(null)), valueArb(), (v, x) => {
        expect(call('count', call('conj', v, x))).toBe(call('inc', call('count', v)));
      }),
    );
  });
  it('conj adds at the end of a vector and the front of a list', () => {
    fc.assert(
      fc.property(vecArb, valueArb(), (v, x) => {
        expect(equals(call('last', call('conj', v, x)), x)).toBe(true);
        expect(equals(call('first', call('conj', new List(v.items), x)), x)).toBe(true);
      }),
    );
  });
  it('(get (assoc m k v) k) = v, and other keys keep their values', () => {
    fc.assert(
      fc.property(mapArb, valueArb(), valueArb(), valueArb(), (m, k, v, other) => {
        const m2 = call('assoc', m, k, v);
        expect(equals(call('get', m2, k), v)).toBe(true);
        if (!equals(other, k)) expect(equals(call('get', m2, other), call('get', m, other))).toBe(true);
      }),
    );
  });
  it('(dissoc (assoc m k v) k) has no k; contains? agrees with get', () => {
    fc.assert(
      fc.property(mapArb, valueArb(), valueArb(), (m, k, v) => {
        const m2 = call('dissoc', call('assoc', m, k, v), k);
        expect(call('contains?', m2, k)).toBe(false);
        expect(call('get', m2, k, kw('none'))).toEqual(kw('none'));
      }),
    );
  });
  it('(nth (assoc v i x) i) = x for an index in range; assoc at count appends', () => {
    fc.assert(
      fc.property(vecArb, valueArb(), fc.nat(), (v, x, n) => {
        const i = BigInt(n % (v.items.length + 1));
        const v2 = call('assoc', v, i, x);
        expect(equals(call('nth', v2, i), x)).toBe(true);
      }),
    );
  });
  it('set membership: (contains? (conj s x) x), (disj (conj s x) x) lacks x', () => {
    fc.assert(
      fc.property(fc.array(valueArb(), { maxLength: 6 }), valueArb(), (xs, x) => {
        const s = ESet.from(xs);
        expect(call('contains?', call('conj', s, x), x)).toBe(true);
        expect(call('contains?', call('disj', call('conj', s, x), x), x)).toBe(false);
      }),
    );
  });
  it('(= (reverse (reverse v)) (seq v)) and (= (count (concat a b)) (+ (count a) (count b)))', () => {
    fc.assert(
      fc.property(vecArb, vecArb, (a, b) => {
        expect(equals(call('reverse', call('reverse', a)), new List(a.items))).toBe(true);
        expect(call('count', call('concat', a, b))).toBe(BigInt(a.items.length + b.items.length));
      }),
    );
  });
  it('(into [] (range n)) counts n; (take k v) ++ (drop k v) = v', () => {
    fc.assert(
      fc.property(fc.nat(50), vecArb, fc.nat(10), (n, v, k) => {
        expect(call('count', call('into', new Vector([]), call('range', BigInt(n))))).toBe(BigInt(n));
        expect(equals(call('concat', call('take', BigInt(k), v), call('drop', BigInt(k), v)), new List(v.items))).toBe(true);
      }),
    );
  });
  it('Clojure: (get [1 2] 5) is nil, (nth [1 2] 5) fails, (first nil) is nil, (rest nil) is ()', () => {
    expect(call('get', new Vector([1n, 2n]), 5n)).toBe(null);
    expect(fault(() => call('nth', new Vector([1n, 2n]), 5n))).toBe('index 5 out of bounds for vector of count 2');
    expect(call('first', null)).toBe(null);
    expect(equals(call('rest', null), new List([]))).toBe(true);
    expect(call('next', new Vector([1n]))).toBe(null);
  });
});

describe('numbers', () => {
  it('int64 arithmetic overflow is an error, never a wrap', () => {
    expect(fault(() => call('+', INT64_MAX, 1n))).toBe('integer overflow in +');
    expect(fault(() => call('-', INT64_MIN, 1n))).toBe('integer overflow in -');
    expect(fault(() => call('*', INT64_MAX, 2n))).toBe('integer overflow in *');
    expect(fault(() => call('inc', INT64_MAX))).toBe('integer overflow in inc');
    expect(fault(() => call('dec', INT64_MIN))).toBe('integer overflow in dec');
    expect(fault(() => call('abs', INT64_MIN))).toBe('integer overflow in abs');
  });
  it('+ and * agree with bigint arithmetic inside int64, and commute', () => {
    fc.assert(
      fc.property(int64Arb, int64Arb, (a, b) => {
        for (const [op, f] of [['+', (x: bigint, y: bigint) => x + y], ['*', (x: bigint, y: bigint) => x * y]] as const) {
          const exact = f(a, b);
          if (exact >= INT64_MIN && exact <= INT64_MAX) {
            expect(call(op, a, b)).toBe(exact);
            expect(call(op, b, a)).toBe(exact);
          } else expect(fault(() => call(op, a, b))).toBe(`integer overflow in ${op}`);
        }
      }),
    );
  });
  it('Clojure: (/ 7 2) is 3.5 (no ratios), (/ 8 2) is 4, (quot -7 2) is -3, (rem -7 2) is -1, (mod -7 2) is 1', () => {
    expect(call('/', 7n, 2n)).toBe(3.5);
    expect(call('/', 8n, 2n)).toBe(4n);
    expect(call('quot', -7n, 2n)).toBe(-3n);
    expect(call('rem', -7n, 2n)).toBe(-1n);
    expect(call('mod', -7n, 2n)).toBe(1n);
    expect(fault(() => call('/', 1n, 0n))).toBe('divide by zero');
    expect(call('+', 1n, 2.5)).toBe(3.5);
    expect(call('=', 1n, 1.0)).toBe(false);
    expect(call('==', 1n, 1.0)).toBe(true);
  });
  it('(= (mod a b) (- a (* b (floor (/ a b))))) and the sign of mod follows b', () => {
    fc.assert(
      fc.property(fc.bigInt(-1000n, 1000n), fc.bigInt(-50n, 50n).filter((b) => b !== 0n), (a, b) => {
        const m = call('mod', a, b) as bigint;
        expect(m === 0n || m < 0n === b < 0n).toBe(true);
        expect(equals(call('+', call('*', b, call('quot', a, b)), call('rem', a, b)), a)).toBe(true);
      }),
    );
  });
});

describe('strings and names', () => {
  it('subs and count work on code points, not UTF-16 units', () => {
    expect(call('count', 'a😀b')).toBe(3n);
    expect(call('subs', 'a😀b', 1n, 2n)).toBe('😀');
    expect(call('subs', 'a😀b', 2n)).toBe('b');
    expect(fault(() => call('subs', 'ab', 1n, 3n))).toBe('subs: range 1..3 out of bounds');
  });
  it('(str (subs s 0 i) (subs s i)) = s for every code-point index i', () => {
    fc.assert(
      fc.property(stringArb(false), fc.nat(), (s, n) => {
        const i = BigInt(n % (Array.from(s).length + 1));
        expect(call('str', call('subs', s, 0n, i), call('subs', s, i))).toBe(s);
      }),
    );
  });
  it('name, keyword and symbol round-trip: (name (keyword s)) = s, (name (symbol s)) = s', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('/')), (s) => {
        expect(call('name', call('keyword', s))).toBe(s);
        expect(call('name', call('symbol', s))).toBe(s);
        expect(call('keyword', s)).toBeInstanceOf(Keyword);
        expect(call('symbol', s)).toBeInstanceOf(Sym);
      }),
    );
    expect(call('name', kw('a'))).toBe('a');
    expect(fault(() => call('name', 1n))).toBe('name: expected a string, keyword or symbol, got int');
  });
  it('str of nil is empty, strings are raw, other values print as EDN; pr-str prints readably', () => {
    expect(call('str', null, 'a', 1n, kw('k'))).toBe('a1:k');
    expect(call('pr-str', 'a', null)).toBe('"a" nil');
  });
});
