/**
 * fast-check arbitraries of spec values for the optimized kernel's tests (test support only;
 * nothing in the kernel imports this).
 * @module
 */
import fc from 'fast-check';
import { AtomRef, Bytes, Char, EMap, ESet, Keyword, List, Sym, Tagged, Vector, type Value } from '../../spec/Values.js';

/** Arbitrary spec values (bounded depth and size), including the int64 extremes. */
export const arbValue: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.integer({ min: -5, max: 5 }).map((n) => BigInt(n)),
    fc.constantFrom(0, -0, 1.5, NaN, Infinity, -2.25),
    fc.string({ maxLength: 6 }),
    fc.constantFrom('a', 'b', 'ns/c').map((s) => Keyword.of(s)),
    fc.constantFrom('x', 'y').map((s) => Sym.of(s)),
    fc.constantFrom('a', '\n', 'é').map((c) => new Char(c)),
    fc.uint8Array({ maxLength: 9 }).map((d) => new Bytes(d)),
    fc.nat(5).map((n) => new AtomRef(n)),
    fc.array(tie('v'), { maxLength: 4 }).map((xs) => new List(xs)),
    fc.array(tie('v'), { maxLength: 40 }).map((xs) => new Vector(xs)),
    fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 6 }).map((es) => EMap.from(es)),
    fc.array(tie('v'), { maxLength: 6 }).map((xs) => ESet.from(xs)),
    tie('v').map((x) => new Tagged('my/tag', x)),
  ),
})).v;

