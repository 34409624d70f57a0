// The EDN reader of spec/codec/Edn.ts (tuned for speed: character tables, a fast path for ints,
// cached symbol and keyword tokens, maps and sets sorted only when the text is not in canonical
// order) answers exactly what the clear reader it replaced answers (tests/oracles/ednClearReader.ts):
// the same forms (same kinds: compared by canonical printing and by `equals`), or a BadInputError
// with the same message at the same place. Over the generators the campaign uses, adversarial texts
// included (deep nesting past the limit, astral characters, -0.0, NaN, big ints, colliding hashes,
// big byte strings), texts with maps and sets in shuffled order, and mutated texts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../spec/Errors.js';
import { mulberry32 } from '../../spec/Random.js';
import { equals, type Value } from '../../spec/Values.js';
import { printEdn, readEdnAll, readEdnForms } from '../../spec/codec/Edn.js';
import { adversarialValueArb, anyValueTextArb, codecCoverageTextArb, ednTextArb, opValueArb, printShuffled } from '../../harness/generators/ednValues.js';
import { valueArb } from '../../harness/generators/values.js';
import { readEdnAllClear } from '../oracles/ednClearReader.js';

type Outcome = { ok: true; forms: Value[] } | { ok: false; error: BadInputError };

function run(read: (t: string) => Value[], text: string): Outcome {
  try {
    return { ok: true, forms: read(text) };
  } catch (e) {
    if (!(e instanceof BadInputError)) throw e;
    return { ok: false, error: e };
  }
}

function expectSame(text: string): void {
  const fast = run(readEdnAll, text);
  const clear = run(readEdnAllClear, text);
  if (clear.ok) {
    expect(fast.ok, `fast reader refused ${JSON.stringify(text.slice(0, 200))}: ${fast.ok ? '' : fast.error.message}`).toBe(true);
    if (!fast.ok) return;
    expect(fast.forms.length).toBe(clear.forms.length);
    fast.forms.forEach((f, i) => {
      expect(equals(f, clear.forms[i]!)).toBe(true);
      expect(printEdn(f)).toBe(printEdn(clear.forms[i]!));
    });
  } else {
    expect(fast.ok, `fast reader accepted what the clear one refuses (${clear.error.message}): ${JSON.stringify(text.slice(0, 200))}`).toBe(false);
    if (fast.ok) return;
    expect(fast.error.kind).toBe(clear.error.kind);
    expect(fast.error.message).toBe(clear.error.message);
  }
}

/** A text with a few characters replaced, inserted or deleted (at seeded places). */
function mutate(text: string, seed: number): string {
  const rand = mulberry32(seed);
  const alphabet = '()[]{}#_:;\\"\n ,-+.0123456789eENMaz/\'%';
  let t = text;
  for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
    const at = Math.floor(rand() * (t.length + 1));
    const c = alphabet[Math.floor(rand() * alphabet.length)]!;
    const r = rand();
    t = r < 0.4 ? t.slice(0, at) + c + t.slice(at) : r < 0.7 ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + c + t.slice(at + 1);
  }
  return t;
}

describe('EDN reader: fast reader = clear reader', () => {
  it('on generated texts (the campaign generators, adversarial ones included)', () => {
    fc.assert(
      fc.property(fc.oneof(opValueArb, ednTextArb, anyValueTextArb, adversarialValueArb, codecCoverageTextArb), (text) => expectSame(text)),
      { numRuns: 1500, seed: 19 },
    );
  });

  it('on values printed with maps and sets in shuffled order (duplicates made by repeating a member)', () => {
    fc.assert(
      fc.property(valueArb({ maxDepth: 3, maxLength: 8, fns: false }), fc.integer(), fc.boolean(), (v, seed, dup) => {
        const text = printShuffled(v, mulberry32(seed));
        expectSame(text);
        // A repeated member or key: `#{a b a}`, `{k 1 k 2}` must be refused alike.
        if (dup) expectSame(text.replace(/^#\{(\S+) /, '#{$1 $1 ').replace(/^\{(\S+) (\S+), /, '{$1 $2, $1 $2, '));
      }),
      { numRuns: 1500, seed: 20 },
    );
  });

  it('on big maps and sets in shuffled order (the keyed radix sort: ints, strings, keywords, symbols, mixed, duplicates)', () => {
    const member = fc.oneof(
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String),
      fc.integer({ min: -300, max: 300 }).map(String),
      fc.constantFrom('"a"', '"b"', '"ab"', '""', '"a\\u0000"', '"é"', '"🙂"', '"z"'),
      fc.stringMatching(/^[a-c]{1,4}$/).map((s) => `"${s}"`),
      fc.tuple(fc.constantFrom('', 'a/', 'ab/', 'b/'), fc.stringMatching(/^[a-c]{1,4}$/)).map(([ns, n]) => `:${ns}${n}`),
      fc.tuple(fc.constantFrom('', 'a/', 'ab/', 'b/'), fc.stringMatching(/^[a-c]{1,4}$/)).map(([ns, n]) => `${ns}${n}`),
    );
    const other = fc.constantFrom('1.5', 'nil', '[1]', '\\a');
    fc.assert(
      fc.property(fc.array(member, { minLength: 40, maxLength: 400 }), fc.option(other, { freq: 4 }), fc.boolean(), (keyed, extra, asMap) => {
        const ms = extra === null ? keyed : [...keyed, extra];
        const uniq = [...new Set(ms)];
        const text = asMap ? `{${uniq.map((m, i) => `${m} ${i}`).join(', ')}}` : `#{${uniq.join(' ')}}`;
        expectSame(text);
        expectSame(asMap ? `{${ms.map((m, i) => `${m} ${i}`).join(', ')}}` : `#{${ms.join(' ')}}`);
      }),
      { numRuns: 400, seed: 22 },
    );
  });

  it('on mutated texts (malformed input: same value or the same error at the same place)', () => {
    fc.assert(
      fc.property(fc.oneof(opValueArb, ednTextArb, codecCoverageTextArb), fc.integer(), (text, seed) => expectSame(mutate(text, seed))),
      { numRuns: 3000, seed: 21 },
    );
  });

  it('on hand-picked edges: int fast path limits, leading zeros, signs, keywords and symbols again after a cache hit', () => {
    const texts = [
      '999999999999999 1000000000000000 -999999999999999 9223372036854775807 9223372036854775808 -9223372036854775808 -9223372036854775809',
      '0 -0 +0 00 01 -01 +5 1N 1M 1.5 1e3 1E+3 -0.0 0x10 1/2 1a 1-',
      ':a :a :ns/a :ns/a ::a : :/ :a/ :1 a a ns/b ns/b / nil true false nilx truex',
      '[1,2,3] (1 2) {:a 1 :b 2} {:b 2 :a 1} #{3 1 2} #{1 1} {:a 1 :a 2} {1 2 3}',
      '#{"b" "a"} #{:b :a :c/d :c/a} #{b a c/d c/a} #{5 -3 100000000000} #{1 1.0 "1" :1x}',
      '"a\\nb" "\\u00e9\\"\\\\" "line\nbreak" "\\x" "\\u12" "unterminated',
      '\\a \\newline \\u00e9 \\🙂 \\ab #inst "2020-01-01" #uuid "0000000A-0000-0000-0000-000000000000" #my/t 1 #bytes "0aff" #atom 3 ##Inf ##NaN ##x',
      '#_ 1 2 #_#_ 3 4 5 [#_] #inst 1 #bytes "0" (]',
    ];
    for (const t of texts) {
      expectSame(t);
      for (const part of t.split(' ')) expectSame(part);
    }
  });

  it('records the start position of every collection and tagged value, as the clear reader did', () => {
    const text = '[1\n {:a (x y)}\n  #my/t #{1}]';
    const { forms, positions } = readEdnForms(text);
    const v = forms[0]! as unknown as { items: readonly object[] };
    expect(positions.get(v as unknown as object)).toEqual({ line: 1, column: 1, offset: 0 });
    expect(positions.get(v.items[1]!)).toEqual({ line: 2, column: 2, offset: 4 });
    expect(positions.get(v.items[2]!)).toEqual({ line: 3, column: 3, offset: 17 });
  });
});
