/**
 * Differential tests of the optimized kernel's core library against the language's definition
 * of the built-ins (spec/lang/builtins.ts, which the reference kernel runs): for every built-in, generated argument lists must give the same result (same
 * printed form, equal values) or the same error message, and the same calls of the
 * `in-place-update-shared` hook. Seeded by tests/setup.ts (FC_SEED to explore).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtins } from '../../spec/lang/builtins.js';
import { KernelError } from '../../spec/Errors.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { Bytes, Char, EMap, ESet, INT64_MAX, INT64_MIN, IntOverflowError, List, Vector, equals, kw, type Value } from '../../spec/Values.js';
import { bytesArb, doubleArb, int64Arb, stringArb, valueArb } from '../../harness/generators/values.js';
import { Raised } from './errors.js';
import { createNatives, seqItems, truthy, type NativeFn } from './natives.js';

/** What one call gave: a printed value, or an error message. */
type Outcome = { readonly ok: true; readonly text: string; readonly value: Value } | { readonly ok: false; readonly message: string };

/** One engine: its natives plus the log of in-place hook calls. */
interface Engine {
  readonly fns: ReadonlyMap<string, NativeFn>;
  readonly hook: string[];
}

function hookLog(log: string[], args: { current: readonly Value[] }) {
  return (original: Vector, updated: Vector): void => {
    log.push(`${args.current.includes(original) ? 'arg' : 'new'} ${printEdn(original)} -> ${printEdn(updated)}`);
  };
}

const currentArgs: { current: readonly Value[] } = { current: [] };

function referenceEngine(mutants: string[] = []): Engine {
  const hook: string[] = [];
  const fns = builtins({ offByOne: mutants.includes('collection-off-by-one'), inPlace: hookLog(hook, currentArgs) });
  return { fns, hook };
}

function optimizedEngine(offByOne = false): Engine {
  const hook: string[] = [];
  return { fns: createNatives({ offByOne, inPlace: hookLog(hook, currentArgs) }), hook };
}

/** Runs the reference native; its machine turns IntOverflowError/RangeError into program errors too. */
function runReference(fn: NativeFn, args: readonly Value[]): Outcome {
  try {
    const value = fn(args);
    return { ok: true, text: printEdn(value), value };
  } catch (e) {
    if ((e instanceof KernelError && e.kind === 'program-error') || e instanceof IntOverflowError || e instanceof RangeError) return { ok: false, message: e.message };
    throw e;
  }
}

function runOptimized(fn: NativeFn, args: readonly Value[]): Outcome {
  try {
    const value = fn(args);
    return { ok: true, text: printEdn(value), value };
  } catch (e) {
    if ((e instanceof Raised || e instanceof KernelError) && e.kind === 'program-error') return { ok: false, message: e.message };
    throw e;
  }
}

/** Asserts both engines agree on `name(args)`, and that the optimized one left its arguments alone. */
function agree(name: string, ref: Engine, opt: Engine, args: readonly Value[]): void {
  ref.hook.length = 0;
  opt.hook.length = 0;
  currentArgs.current = args;
  const before = args.map((x) => printEdn(x));
  const r = runReference(ref.fns.get(name)!, args);
  const o = runOptimized(opt.fns.get(name)!, args);
  const call = `(${name} ${before.join(' ')})`;
  if (r.ok && o.ok) {
    expect(o.text, call).toBe(r.text);
    expect(equals(o.value, r.value), call).toBe(true);
  } else {
    expect(o.ok ? `value ${o.text}` : `error ${o.message}`, call).toBe(r.ok ? `value ${r.text}` : `error ${r.message}`);
  }
  expect(opt.hook, `${call}: in-place hook calls`).toEqual(ref.hook);
  expect(
    args.map((x) => printEdn(x)),
    `${call}: arguments unchanged`,
  ).toEqual(before);
}

// ---- generators ----

const INT_EDGES = [INT64_MIN, INT64_MIN + 1n, INT64_MAX, INT64_MAX - 1n, -1n, 0n, 1n, 2n, 2n ** 31n, 2n ** 32n, 3037000500n, -3037000500n, 2n ** 53n, 2n ** 53n + 1n];

/** Ints near ±2^63 and other edges, small ints, doubles (NaN, ±Infinity, -0). */
const numberArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -10, max: 10 }).map(BigInt) },
  { weight: 3, arbitrary: fc.constantFrom(...INT_EDGES) },
  { weight: 2, arbitrary: int64Arb },
  { weight: 2, arbitrary: doubleArb },
  { weight: 1, arbitrary: fc.constantFrom<Value>(null, 'x', kw('k'), true) },
);

const smallValueArb = valueArb({ maxDepth: 2, maxLength: 4 });

/** Strings with surrogate pairs and lone surrogates, besides the generic ones. */
const textArb: fc.Arbitrary<string> = fc.oneof(stringArb(true), fc.constantFrom('', 'a', 'a😀b', '😀', '\uD800x', 'x\uDC00', '\uDBFF\uDFFF\uD800', 'héllo wörld'));

const emptyArb = fc.constantFrom<Value>(null, new Vector([]), new List([]), EMap.EMPTY, ESet.EMPTY, '', new Bytes([]));

/** Collections and other seqables (and a few non-seqables). */
const collArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.array(numberArb, { maxLength: 6 }).map((xs) => new Vector(xs)) },
  { weight: 2, arbitrary: fc.array(smallValueArb, { maxLength: 5 }).map((xs) => new List(xs)) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.oneof(numberArb, smallValueArb), smallValueArb), { maxLength: 5 }).map((es) => EMap.from(es)) },
  { weight: 1, arbitrary: fc.array(numberArb, { maxLength: 5 }).map((xs) => ESet.from(xs)) },
  { weight: 2, arbitrary: textArb },
  { weight: 1, arbitrary: bytesArb },
  { weight: 2, arbitrary: emptyArb },
  { weight: 1, arbitrary: smallValueArb },
);

/** Any argument: generic values, numbers at the edges, collections, empties. */
const argArb: fc.Arbitrary<Value> = fc.oneof(smallValueArb, numberArb, collArb, emptyArb);

/** Index candidates for a collection of `n` items: every bound, far outside, non-ints. */
function indexArb(n: number): fc.Arbitrary<Value> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(-2, -1, 0, 1, n - 2, n - 1, n, n + 1).map(BigInt) },
    { weight: 1, arbitrary: fc.constantFrom<Value>(INT64_MAX, INT64_MIN, 2n ** 53n, 2n ** 53n - 1n, 1.0, null, 'x') },
  );
}

function sizeOf(c: Value): number {
  try {
    return seqItems(c, 'test').length;
  } catch {
    return 0;
  }
}

/** `(coll i rest…)` with `i` at the bounds of `coll`. */
const indexedArgs: fc.Arbitrary<Value[]> = collArb.chain((c) =>
  fc.tuple(indexArb(sizeOf(c)), fc.array(fc.oneof(indexArb(sizeOf(c)), argArb), { maxLength: 2 })).map(([i, rest]) => [c, i, ...rest]),
);

/** Pairs and maps to add to maps, and values for other collections. */
const entryArb: fc.Arbitrary<Value> = fc.oneof(
  fc.tuple(numberArb, smallValueArb).map(([k, v]) => new Vector([k, v])),
  fc.tuple(numberArb, smallValueArb).map(([k, v]) => new List([k, v])),
  fc.array(fc.tuple(numberArb, smallValueArb), { maxLength: 3 }).map((es) => EMap.from(es)),
  argArb,
);

/** Arguments for `range`, bounded so the oracle never builds a huge list. */
const rangeArgs: fc.Arbitrary<Value[]> = fc
  .oneof(
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -30, max: 30 }).map(BigInt) }, { weight: 1, arbitrary: argArb }), { maxLength: 4 }),
    fc.tuple(fc.nat(6), fc.nat(6), fc.integer({ min: -3, max: 3 })).map(([a, b, s]) => [INT64_MAX - BigInt(a), INT64_MAX - BigInt(b), BigInt(s)]),
    fc.tuple(fc.nat(6), fc.nat(6), fc.integer({ min: -3, max: 3 })).map(([a, b, s]) => [INT64_MIN + BigInt(a), INT64_MIN + BigInt(b), BigInt(s)]),
    fc.constantFrom<Value[]>([INT64_MIN, INT64_MAX, INT64_MAX], [INT64_MAX, INT64_MIN, INT64_MIN], [INT64_MIN, INT64_MAX, 2n ** 62n], [0n, 100n, 0n]),
  )
  .filter((a) => {
    if (a.length === 0 || a.length > 3 || !a.every((x) => typeof x === 'bigint')) return true;
    const [s, e, st] = a.length === 1 ? [0n, a[0] as bigint, 1n] : [a[0] as bigint, a[1] as bigint, (a[2] as bigint | undefined) ?? 1n];
    if (st === 0n) return true;
    const span = st > 0n ? e - s : s - e;
    return span <= 0n || span / (st > 0n ? st : -st) < 10_000n;
  });

const NUMERIC = new Set(['+', '-', '*', '/', 'quot', 'rem', 'mod', 'inc', 'dec', 'abs', 'max', 'min', 'double', 'long', '<', '>', '<=', '>=', '==', 'zero?', 'pos?', 'neg?', 'even?', 'odd?']);
const INDEXED = new Set(['nth', 'get', 'assoc', 'contains?', 'subvec', 'subs', 'byte-at', 'assoc-byte', 'get-in']);

/** The argument lists tried for `name`: generic ones plus ones aimed at its edge cases. */
function argsFor(name: string): fc.Arbitrary<readonly Value[]> {
  const generic = fc.array(argArb, { maxLength: 4 });
  if (name === 'range') return rangeArgs;
  if (NUMERIC.has(name)) return fc.oneof({ weight: 1, arbitrary: generic }, { weight: 4, arbitrary: fc.array(numberArb, { maxLength: 4 }) });
  if (INDEXED.has(name)) return fc.oneof({ weight: 1, arbitrary: generic }, { weight: 4, arbitrary: indexedArgs });
  if (name === 'take' || name === 'drop') return fc.oneof(generic, indexedArgs.map(([c, i]) => [i!, c!]));
  if (name === 'conj' || name === 'into' || name === 'merge' || name === 'hash-map')
    return fc.oneof(generic, fc.tuple(collArb, fc.array(entryArb, { maxLength: 3 })).map(([c, xs]) => (name === 'into' ? [c, new Vector(xs)] : [c, ...xs])));
  if (name === 'bytes') return fc.oneof(generic, fc.array(fc.oneof(fc.integer({ min: -2, max: 257 }).map(BigInt), numberArb), { maxLength: 5 }).map((xs) => [new Vector(xs)]));
  if (name === 'distinct' || name === 'sort') return fc.oneof(generic, fc.array(fc.oneof(numberArb, emptyArb, fc.constantFrom<Value>(new Vector([1n]), new List([1n]))), { maxLength: 8 }).map((xs) => [new List(xs)]));
  return fc.oneof({ weight: 3, arbitrary: generic }, { weight: 1, arbitrary: fc.array(collArb, { minLength: 1, maxLength: 2 }) });
}

const referenceNames = [...referenceEngine().fns.keys()].sort();
const seed = fc.readConfigureGlobal().seed;
/** Runs per built-in; NATIVES_RUNS=N for a longer campaign. */
const RUNS = Number(process.env.NATIVES_RUNS ?? 200);

describe('optimized natives: the same names as the reference core library', () => {
  it('has exactly the reference set of names', () => {
    expect([...optimizedEngine().fns.keys()].sort()).toEqual(referenceNames);
  });
});

describe(`optimized natives agree with the reference (seed ${seed}, ${RUNS} runs each)`, () => {
  const ref = referenceEngine();
  const opt = optimizedEngine();
  for (const name of referenceNames) {
    it(name, () => {
      fc.assert(
        fc.property(argsFor(name), (args) => agree(name, ref, opt, args)),
        { numRuns: RUNS },
      );
    });
  }
});

describe('the collection-off-by-one mutant', () => {
  const v = new Vector([10n, 20n, 30n]);
  const nthOf = (offByOne: boolean, args: Value[]) => runOptimized(createNatives({ offByOne, inPlace: () => {} }).get('nth')!, args);

  it('changes nth on the last index of a vector, and nothing below it', () => {
    expect(nthOf(false, [v, 2n])).toMatchObject({ ok: true, text: '30' });
    expect(nthOf(true, [v, 2n])).toEqual({ ok: false, message: 'index 2 out of bounds for vector of count 3' });
    expect(nthOf(true, [v, 2n, kw('none')])).toMatchObject({ ok: true, text: ':none' });
    expect(nthOf(true, [v, 1n])).toMatchObject({ ok: true, text: '20' });
    expect(nthOf(true, [new List([10n, 20n, 30n]), 2n])).toMatchObject({ ok: true, text: '30' });
  });

  const ref = referenceEngine(['collection-off-by-one']);
  const opt = optimizedEngine(true);
  for (const name of ['nth', 'subvec', 'get', 'assoc']) {
    it(`${name} agrees with the reference mutant`, () => {
      fc.assert(
        fc.property(argsFor(name), (args) => agree(name, ref, opt, args)),
        { numRuns: RUNS },
      );
    });
  }
});

describe('edge cases named once', () => {
  const ref = referenceEngine();
  const opt = optimizedEngine();
  const cases: [string, Value[]][] = [
    ['/', [INT64_MIN, -1n]],
    ['quot', [INT64_MIN, -1n]],
    ['abs', [INT64_MIN]],
    ['inc', [INT64_MAX]],
    ['dec', [INT64_MIN]],
    ['*', [3037000500n, 3037000500n]],
    ['-', [0.0]],
    ['+', [-0]],
    ['long', [9.3e18]],
    ['long', [NaN]],
    ['conj', [new Vector([1n]), 2n, 3n, 4n]],
    ['assoc', [new Vector([1n]), 1n, 2n, 0n, 5n]],
    ['nth', ['a😀b\uD800', 2n]],
    ['subs', ['a😀b\uD800c', 1n, 4n]],
    ['count', ['x'.repeat(70) + '😀']],
    ['range', [10_000_001n]],
    ['max', ['a', 'b']],
    ['<', [2n, 1n, 'x']],
    ['into', [null, new Vector([1n, 2n, 3n])]],
    ['into', [EMap.EMPTY, new Vector([new Vector([1n, 2n]), 3n])]],
    ['merge', [EMap.from([[new Vector([1n]), 1n]]), EMap.from([[new List([1n]), 2n]])]],
    ['distinct', [new List([new Vector([1n]), new List([1n]), NaN, NaN, 0, -0])]],
    ['get', ['héllo', 1n]],
    ['first', [EMap.from([[1n, 2n]])]],
    ['bytes', [new Vector([1n, 256n])]],
    ['str', [null, new Char('c'), 'x', 1.5, kw('k')]],
  ];
  for (const [name, args] of cases) {
    it(`(${name} ${args.map((a) => printEdn(a)).join(' ')})`, () => agree(name, ref, opt, args));
  }
});

describe('truthy and seqItems', () => {
  it('truthy is false exactly for nil and false', () => {
    fc.assert(
      fc.property(smallValueArb, (v) => {
        expect(truthy(v)).toBe(v !== null && v !== false);
      }),
    );
  });
  it('seqItems raises the reference message for non-seqables', () => {
    const ref = referenceEngine();
    fc.assert(
      fc.property(argArb, (v) => {
        const r = runReference(ref.fns.get('%to-list')!, [v]);
        let mine: Outcome;
        try {
          const items = seqItems(v, '%to-list');
          mine = { ok: true, text: printEdn(new List(items)), value: new List(items) };
        } catch (e) {
          if (!(e instanceof Raised || e instanceof KernelError)) throw e;
          mine = { ok: false, message: e.message };
        }
        expect(mine.ok ? mine.text : mine.message).toBe(r.ok ? r.text : r.message);
      }),
    );
  });
});
