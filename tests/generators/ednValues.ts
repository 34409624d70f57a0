/**
 * Small EDN values for operation sequences, as text. Each value comes in two spellings that
 * denote the same value (a vector written as a list, map and set entries reordered, `0.0` as
 * `-0.0`, ints with an `N`), so compare-and-set, watch keys and hashing meet equal values with
 * different shapes. Values are kept small so a case runs fast; a small pool makes repeats (and so
 * ABA histories and equal keys) common.
 *
 * A fraction comes from the full value arbitrary (`values.ts`, every kind, unicode included).
 * @module
 */
import fc from 'fast-check';
import { printEdn } from '../../spec/Edn.js';
import { valueArb } from './values.js';

/** A value as a tree, so it can be spelled two ways. */
export type ValueTree =
  | { readonly t: 'lit'; readonly text: string }
  | { readonly t: 'dbl'; readonly v: number }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'vec'; readonly items: readonly ValueTree[] }
  | { readonly t: 'map'; readonly entries: readonly (readonly [string, ValueTree])[] }
  | { readonly t: 'set'; readonly items: readonly string[] };

/** Spells `v`: `variant` false gives the plain spelling, true an equal value spelled differently. */
export function spell(v: ValueTree, variant: boolean): string {
  switch (v.t) {
    case 'lit':
      return v.text;
    case 'int':
      return variant && v.v >= 0n ? `${v.v}N` : String(v.v);
    case 'dbl': {
      const d = variant && v.v === 0 ? -0 : v.v;
      if (Object.is(d, -0)) return '-0.0';
      const s = String(d);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case 'vec': {
      const inner = v.items.map((x) => spell(x, variant)).join(' ');
      return variant ? `(${inner})` : `[${inner}]`;
    }
    case 'map': {
      const es = v.entries.map(([k, x]) => `${k} ${spell(x, variant)}`);
      return `{${(variant ? es.slice().reverse() : es).join(' ')}}`;
    }
    case 'set':
      return `#{${(variant ? v.items.slice().reverse() : v.items).join(' ')}}`;
  }
}

/** Scalar spellings that are valid as map keys and set members (all pairwise unequal). */
const KEYS = [':a', ':b', ':c', ':ns/k', '0', '1', '2', '-1', '"x"', '"y"', 'nil', 'true', 'false', 'sym', '\\c'] as const;

const scalarArb: fc.Arbitrary<ValueTree> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 6 }).map((n): ValueTree => ({ t: 'int', v: BigInt(n) })) },
  { weight: 1, arbitrary: fc.constantFrom(9223372036854775807n, -9223372036854775808n, 4611686018427387904n).map((v): ValueTree => ({ t: 'int', v })) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1.5, -2.25, 1e300).map((v): ValueTree => ({ t: 'dbl', v })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...KEYS, '"héllo"', '"a\\nb"', '#bytes "00ff10"', '#inst "1985-04-12T23:20:50.520Z"', '#my/tag [1 2]')
      .map((text): ValueTree => ({ t: 'lit', text })),
  },
);

/** A small value tree (depth ≤ 2, ≤ 4 items per collection). */
export const valueTreeArb: fc.Arbitrary<ValueTree> = fc.letrec<{ v: ValueTree }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalarArb },
    { weight: 2, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((items): ValueTree => ({ t: 'vec', items })) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('v')), { maxLength: 3, selector: (e) => e[0] })
        .map((entries): ValueTree => ({ t: 'map', entries })),
    },
    { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 4 }).map((items): ValueTree => ({ t: 'set', items })) },
  ),
})).v;

/** Spelled values: a tree plus whether to use the variant spelling. */
export const ednTextArb: fc.Arbitrary<string> = fc.tuple(valueTreeArb, fc.boolean()).map(([v, variant]) => spell(v, variant));

/** A fixed pool of small values, so that operations often write the same value again (ABA). */
export const POOL: readonly ValueTree[] = [
  { t: 'int', v: 0n },
  { t: 'int', v: 1n },
  { t: 'lit', text: ':a' },
  { t: 'vec', items: [{ t: 'int', v: 1n }, { t: 'int', v: 2n }] },
  { t: 'map', entries: [[':a', { t: 'int', v: 1n }], [':b', { t: 'vec', items: [] }]] },
  { t: 'set', items: [':a', '1'] },
  { t: 'dbl', v: 0 },
  { t: 'lit', text: 'nil' },
];

/** A value from {@link POOL}, in either spelling (cheap; repeats often). */
export const poolValueArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...POOL), fc.boolean()).map(([v, variant]) => spell(v, variant));

/** Any printable value of the value model (every kind but functions), small, printed canonically. */
export const anyValueTextArb: fc.Arbitrary<string> = valueArb({ maxDepth: 2, maxLength: 3, fns: false }).map(printEdn);

/** A value for an operation: often from {@link POOL} (either spelling), sometimes fresh, now and then of any kind. */
export const opValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: poolValueArb },
  { weight: 4, arbitrary: ednTextArb },
  { weight: 1, arbitrary: anyValueTextArb },
);
