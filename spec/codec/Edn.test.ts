import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { printEdn, readEdn, readEdnAll, readEdnForms, MAX_DEPTH } from './Edn.js';
import { BadInputError } from '../Errors.js';
import { AtomRef, Bytes, Char, EMap, ESet, Keyword, List, Sym, Tagged, Vector, equals, kw, sym, vec, type Value } from '../Values.js';
import { valueArb } from '../../harness/generators/values.js';

const CI_RUNS = 10_000;

describe('EDN reader', () => {
  test('reads the issue example, dropping the discarded form', () => {
    const v = readEdn('{:a [1 2 #{3}] "b" #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" :c/d (x y) #_ 7}');
    expect(v).toBeInstanceOf(EMap);
    const m = v as EMap;
    expect(m.size).toBe(3);
    expect(equals(m.get(kw('a'))!, vec(1n, 2n, ESet.from([3n])))).toBe(true);
    expect(m.get('b')).toEqual(new Tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'));
    expect(equals(m.get(kw('c/d'))!, new List([sym('x'), sym('y')]))).toBe(true);
  });

  test('reads every scalar kind', () => {
    const cases: [string, Value][] = [
      ['nil', null],
      ['true', true],
      ['false', false],
      ['42', 42n],
      ['-7N', -7n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
      ['1.5', 1.5],
      ['1e3', 1000],
      ['##Inf', Infinity],
      ['##-Inf', -Infinity],
      ['"a\\tb\\u00e9"', 'a\tbé'],
      ['\\newline', new Char('\n')],
      ['\\u0041', new Char('A')],
      ['\\x', new Char('x')],
      [':k', Keyword.of('k')],
      [':ns/k', Keyword.of('k', 'ns')],
      ['ns/s', Sym.of('s', 'ns')],
      ['/', Sym.of('/')],
      ['#bytes "00ff10"', new Bytes([0, 255, 16])],
      ['#atom 3', new AtomRef(3)],
      ['#inst "1985-04-12T23:20:50.52Z"', new Tagged('inst', '1985-04-12T23:20:50.52Z')],
      ['#my/tag [1]', new Tagged('my/tag', new Vector([1n]))],
    ];
    for (const [text, want] of cases) expect(equals(readEdn(text), want), text).toBe(true);
    expect(Number.isNaN(readEdn('##NaN'))).toBe(true);
    expect(Object.is(readEdn('-0.0'), -0)).toBe(true);
  });

  test('comments, commas and nested discards', () => {
    expect(readEdnAll('; c\n1, 2 ;x\n #_ #_ 3 4 5').map(printEdn)).toEqual(['1', '2', '5']);
    expect(printEdn(readEdn('[1 #_ [2 3] 4]'))).toBe('[1 4]');
  });

  test('remembers where collection forms start', () => {
    const { forms, positions } = readEdnForms('(a\n  (b c))');
    const inner = (forms[0] as List).items[1] as List;
    expect(positions.get(inner)).toEqual({ line: 2, column: 3, offset: 5 });
  });

  const bad: [string, RegExp][] = [
    ['9223372036854775808', /64-bit/],
    ['-9223372036854775809', /64-bit/],
    ['(1 2', /not complete/],
    [')', /unmatched/],
    ['[1 2)', /does not close/],
    ['{:a}', /odd number/],
    ['{:a 1 :a 2}', /duplicate key/],
    ['#{1 1}', /duplicate member/],
    ['"abc', /unterminated string/],
    ['"\\q"', /unknown string escape/],
    ['1.5M', /exact decimal/],
    ['0x10', /malformed number/],
    ['::a', /auto-resolved/],
    ['#uuid "nope"', /uuid/],
    ['#inst "1985-13-01"', /RFC 3339/],
    ['\\foo', /unknown character/],
    ['#_', /not complete/],
    ['#tag', /not complete/],
    ['##Foo', /symbolic/],
    ['#bytes "abc"', /hex/],
  ];
  test.each(bad)('rejects %s with a positioned bad-input error', (text, msg) => {
    let err: unknown;
    try {
      readEdnAll(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadInputError);
    const b = err as BadInputError;
    expect(b.kind).toBe('bad-input');
    expect(b.message).toMatch(msg);
    expect(b.offset).toBeGreaterThanOrEqual(0);
    expect(b.offset).toBeLessThanOrEqual(text.length);
    expect(b.message).toMatch(/line \d+, column \d+/);
  });

  test('nesting 10^6 deep is a bad-input error, not a stack overflow', () => {
    for (const open of ['[', '(', '{', '#{', '#_', '#t ']) {
      expect(() => readEdnAll(open.repeat(1_000_000))).toThrow(/nesting deeper than/);
    }
    expect(() => readEdn('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH))).not.toThrow();
  });

  test('fuzz: 10^5 malformed texts give BadInputError or a value, never another error', () => {
    const alphabet = ['(', ')', '[', ']', '{', '}', '#', '_', '"', '\\', ':', '/', ';', '\n', ' ', ',', '1', '-', '.', 'e', 'N', 'M', 'a', 'u', '#{', '##', '#inst "', '\\u', 'é', '\u{1F600}'];
    const arb = fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((xs) => xs.join(''));
    let seenBad = 0;
    fc.assert(
      fc.property(arb, (text) => {
        try {
          const vs = readEdnAll(text);
          // Whatever reads must print and read back to the same values.
          const again = readEdnAll(vs.map(printEdn).join(' '));
          return again.length === vs.length && again.every((v, i) => equals(v, vs[i]!));
        } catch (e) {
          seenBad++;
          return e instanceof BadInputError && e.offset >= 0 && e.offset <= text.length;
        }
      }),
      { numRuns: 100_000 },
    );
    expect(seenBad).toBeGreaterThan(10_000);
  });
});

describe('EDN reader errors on huge tokens', () => {
  // A 100,000-character token was repeated whole in the message (a megabyte of text for a
  // megabyte-long integer); a message shows at most 40 of its characters and its length.
  const huge = (t: string): string => t.repeat(100_000 / t.length);
  for (const [what, text] of [
    ['an integer outside int64', huge('1')],
    ['a malformed number', `1${huge('x')}`],
    ['an exact decimal', `${huge('1')}M`],
    ['an invalid symbol', `a${huge('/b')}`],
    ['an invalid keyword', `:${huge('/')}`],
    ['an auto-resolved keyword', `::${huge('k')}`],
    ['an unknown character name', `\\${huge('q')}`],
    ['an unknown symbolic value', `##${huge('N')}`],
    ['a bad tag', `#${huge('-')} 1`],
  ] as const) {
    test(`${what}: the message shows its start and its length`, () => {
      let message = '';
      try {
        readEdn(text);
      } catch (e) {
        expect(e).toBeInstanceOf(BadInputError);
        message = (e as Error).message;
      }
      expect(message.length).toBeGreaterThan(0);
      expect(message.length).toBeLessThan(250);
      expect(message).toMatch(/… \(\d+ characters\)/);
    });
  }
});

describe('EDN printer', () => {
  test('is canonical: equal values print identically', () => {
    expect(printEdn(readEdn('{:b 2 :a 1}'))).toBe('{:a 1, :b 2}');
    expect(printEdn(readEdn('#{3 1 2}'))).toBe('#{1 2 3}');
    expect(printEdn(1)).toBe('1.0');
    expect(printEdn(-0)).toBe('-0.0');
    expect(printEdn(new Char(' '))).toBe('\\space');
    expect(printEdn('\u0001"\\')).toBe('"\\u0001\\"\\\\"');
  });

  test(`read(print(v)) = v and print(read(print(v))) = print(v) over ${CI_RUNS} random values`, () => {
    fc.assert(
      fc.property(valueArb(), (v) => {
        const text = printEdn(v);
        const back = readEdn(text);
        return equals(back, v) && printEdn(back) === text;
      }),
      { numRuns: CI_RUNS },
    );
  });

  test('the recursive printer and the iterative one (values nested past 256) print every value alike', () => {
    const wrap = (v: Value): Value => {
      let w = v;
      for (let i = 0; i < 300; i++) w = new Vector([w]);
      return w;
    };
    fc.assert(
      fc.property(valueArb(), (v) => printEdn(wrap(v)) === '['.repeat(300) + printEdn(v) + ']'.repeat(300)),
      { numRuns: 2_000 },
    );
  });

  test('strings print as a character-at-a-time escaper prints them (controls, quotes, backslashes, pairs and lone surrogates)', () => {
    const byChar = (s: string): string => {
      let out = '"';
      for (let k = 0; k < s.length; k++) {
        const c = s.charCodeAt(k);
        if (c === 0x22) out += '\\"';
        else if (c === 0x5c) out += '\\\\';
        else if (c === 0x0a) out += '\\n';
        else if (c === 0x09) out += '\\t';
        else if (c === 0x0d) out += '\\r';
        else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
        else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length && s.charCodeAt(k + 1) >= 0xdc00 && s.charCodeAt(k + 1) <= 0xdfff) {
          out += s[k]! + s[k + 1]!;
          k++;
        } else if (c >= 0xd800 && c <= 0xdfff) out += '\\u' + c.toString(16);
        else out += s[k];
      }
      return out + '"';
    };
    const unit = fc.oneof(fc.constantFrom(0, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xffff), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const s = String.fromCharCode(...units);
        return printEdn(s) === byChar(s);
      }),
      { numRuns: 5_000 },
    );
  });

  test('prints values nested deeper than the call stack without overflowing', () => {
    let v: Value = null;
    for (let i = 0; i < 100_000; i++) v = new Vector([v]);
    const text = printEdn(v);
    expect(text).toBe('['.repeat(100_000) + 'nil' + ']'.repeat(100_000));
    // Across the switch from the recursive to the iterative printer, maps and tags print alike.
    let m: Value = kw('x');
    for (let i = 0; i < 600; i++) m = i % 2 === 0 ? EMap.from([[BigInt(i), m]]) : new Tagged('t', new List([m, 1.5]));
    expect(readEdn(printEdn(m))).toEqual(m);
    expect(equals(readEdn(printEdn(m)), m)).toBe(true);
  });
});

describe('EDN reader name cache', () => {
  test('past two generations of names, every name still reads as its interned symbol or keyword, and an invalid one is still refused', () => {
    const n = 280_000; // more than two generations of 131,072
    const names = Array.from({ length: n }, (_, i) => `cache-${i.toString(36)}`);
    const read = (from: number, to: number): Value[] => readEdnAll(names.slice(from, to).map((s, i) => (i % 3 === 0 ? `:${s}` : i % 3 === 1 ? `ns.${i % 7}/${s}` : s)).join(' '));
    for (const [from, to] of [[0, n], [0, 1000], [n - 1000, n], [60_000, 80_000]] as const) {
      const forms = read(from, to);
      forms.forEach((v, i) => {
        const s = names[from + i]!;
        expect(v).toBe(i % 3 === 0 ? Keyword.of(s) : i % 3 === 1 ? Sym.of(s, `ns.${i % 7}`) : Sym.of(s));
      });
    }
    expect(() => readEdn('cache-0/')).toThrow(BadInputError);
    expect(() => readEdn(':cache-1/')).toThrow(BadInputError);
  });

  test('a token equal to a cached one but for its length or one character reads as itself; nil, true and false again', () => {
    const text = 'ab abc ab abd ba :ab :abc :ab :ba nil true false nil ab true false x/ab x/abc';
    const again = readEdnAll(text + ' ' + text);
    const want = [Sym.of('ab'), Sym.of('abc'), Sym.of('ab'), Sym.of('abd'), Sym.of('ba'), Keyword.of('ab'), Keyword.of('abc'), Keyword.of('ab'), Keyword.of('ba'), null, true, false, null, Sym.of('ab'), true, false, Sym.of('ab', 'x'), Sym.of('abc', 'x')];
    again.forEach((v, i) => expect(v).toBe(want[i % want.length]));
  });
});
