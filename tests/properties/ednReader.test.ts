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
import { isValidInst, printEdn, readEdnAll, readEdnForms } from '../../spec/codec/Edn.js';
import { adversarialValueArb, anyValueTextArb, codecCoverageTextArb, ednTextArb, opValueArb, printShuffled } from '../../harness/generators/ednValues.js';
import { valueArb } from '../../harness/generators/values.js';
import { isValidInst as isValidInstClear, readEdnAllClear } from '../oracles/ednClearReader.js';

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

  it('on big name-keyed maps and sets read in turn as the vocabulary grows (ranked names, names learned, too few new names to learn, mixed kinds)', () => {
    // Each run uses names of its own (a fresh prefix), so the first literal of a run meets no
    // ranked name; later literals mix ranked names with a few or many new ones.
    let run = 0;
    const name = fc.tuple(fc.constantFrom('', 'p/', 'q/', 'pq/'), fc.integer({ min: 0, max: 3000 })).map(([ns, k]) => ({ ns, k }));
    const literal = fc.record({
      names: fc.array(name, { minLength: 48, maxLength: 300 }),
      asKeywords: fc.boolean(),
      asMap: fc.boolean(),
      others: fc.array(fc.constantFrom('1', '-7', '42', '"s"', '"a"', ':kw', 'sym'), { maxLength: 8 }),
      unsafeInt: fc.boolean(),
      dup: fc.constantFrom('none', 'name', 'others'),
    });
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 6 }), (literals) => {
        run++;
        for (const l of literals) {
          const prefix = l.asKeywords ? ':' : '';
          const uniq = [...new Set(l.names.map(({ ns, k }) => `${prefix}${ns}n${run}x${k}`))];
          // A repeated name, or the members repeated among `others` (ints included), or none.
          const others = l.dup === 'others' ? l.others : [...new Set(l.others)];
          const ms = [...uniq, ...others, ...(l.unsafeInt ? ['99999999999999999'] : [])];
          const members = l.dup === 'name' ? [...ms, ms[ms.length >> 1]!] : ms;
          expectSame(l.asMap ? `{${members.map((m, i) => `${m} ${i}`).join(', ')}}` : `#{${members.join(' ')}}`);
        }
      }),
      { numRuns: 300, seed: 23 },
    );
  });

  it('accepts the #inst timestamps the regular expression and field ranges accept, and no others', () => {
    const digits = (k: number) => fc.stringMatching(new RegExp(`^[0-9]{${k}}$`));
    const part = fc.oneof(
      fc.constantFrom('-', 'T', 't', ':', '.', 'Z', 'z', '+', '', 'x', '0', '9', '1'),
      digits(1),
      digits(2),
      digits(4),
    );
    // Each field mostly in range, often at a bound or just past it, sometimes malformed.
    const field = (lo: number, hi: number) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: lo, max: hi }).map((k) => String(k).padStart(2, '0')) },
        { weight: 3, arbitrary: fc.constantFrom(lo, hi, lo - 1, hi + 1).map((k) => String(Math.max(k, 0)).padStart(2, '0')) },
        { weight: 1, arbitrary: fc.constantFrom('1', '123', 'x1', '') },
      );
    const stamp = fc
      .tuple(
        fc.oneof(digits(4), fc.constantFrom('999', '20201')),
        fc.tuple(field(1, 12), field(1, 31), field(0, 23), field(0, 59), field(0, 60)),
        fc.constantFrom('', '.', '.5', '.123', '.x', '..5'),
        fc.constantFrom('', 'Z', 'z', '+01:30', '-12:00', '+1:30', '+01:300', '+01:3', '+0130', 'Zx', 'ZZ'),
        fc.constantFrom('T', 't', ' ', 'X'),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
      )
      .map(([y, [mo, d, h, mi, sec], frac, off, t, cut, withSeconds]) => {
        // A prefix of the full form (the time's seconds and fraction possibly left out).
        const parts = [y, `-${mo}`, `-${d}`, `${t}${h}:${mi}`, withSeconds ? `:${sec}` : '', withSeconds ? frac : '', off];
        return parts.slice(0, cut).join('');
      });
    fc.assert(
      fc.property(fc.oneof(stamp, fc.array(part, { maxLength: 14 }).map((xs) => xs.join('')), fc.tuple(stamp, fc.nat(), part, fc.boolean()).map(([t, at, p, cut]) => {
        // One character replaced, or the text cut short.
        const k = at % (t.length + 1);
        return cut ? t.slice(0, k) : t.slice(0, k) + p + t.slice(k + 1);
      })), (s) => {
        expect(isValidInst(s), JSON.stringify(s)).toBe(isValidInstClear(s));
      }),
      { numRuns: 30000, seed: 24 },
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
