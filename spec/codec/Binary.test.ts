import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../Random.js';
import { valueArb } from '../../harness/generators/values.js';
import { difference } from '../../harness/oracles/identical.js';
import { Decoder, EncodeError, FORMAT_VERSION, HEADER_LENGTH, MAGIC, Opcode, StreamEncoder, decode, decodeAll, decodeStream, encode, encodeAll } from './Binary.js';
import { MAX_DEPTH, printEdn, readEdn } from './Edn.js';
import { BadInputError } from '../Errors.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Tagged, Vector, equals, kw, list, sym, vec, type Value } from '../Values.js';

const HEADER = [...MAGIC, FORMAT_VERSION];
const blob = (...bytes: number[]): Uint8Array => Uint8Array.from([...HEADER, ...bytes]);
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Unsigned LEB128 of a (possibly huge) non-negative integer. */
function uvBytes(n: bigint): number[] {
  const out: number[] = [];
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n > 0n ? b | 0x80 : b);
  } while (n > 0n);
  return out;
}

/** Runs `f`, which must throw a BadInputError; returns it after checking its offset is in [0, len]. */
function badInput(f: () => unknown, len: number): BadInputError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof BadInputError)) throw new Error(`expected BadInputError, got ${err === undefined ? 'success' : String(err)}`);
  expect(err.kind).toBe('bad-input');
  expect(Number.isInteger(err.offset)).toBe(true);
  expect(err.offset).toBeGreaterThanOrEqual(0);
  expect(err.offset).toBeLessThanOrEqual(len);
  expect(err.message).toContain(`offset ${err.offset}`);
  return err;
}

function expectBad(bytes: Uint8Array, message: RegExp, offset?: number): BadInputError {
  const e = badInput(() => decodeAll(bytes), bytes.length);
  expect(e.message).toMatch(message);
  if (offset !== undefined) expect(e.offset).toBe(offset);
  return e;
}

/** Decodes `bytes` through the streaming decoder, cut into chunks by `rand`. */
function decodeChunked(bytes: Uint8Array, rand: () => number): Value[] {
  const d = new Decoder();
  const out: Value[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(rand() * rand() * 40);
    out.push(...d.push(bytes.subarray(i, i + n)));
    i += n;
  }
  out.push(...d.end());
  return out;
}

describe('binary round trip', () => {
  it('decode(encode(v)) is identical to v, and re-encoding gives the same bytes (10^4 random values)', () => {
    fc.assert(
      fc.property(valueArb(), (v) => {
        const bytes = encode(v);
        const back = decode(bytes);
        const diff = difference(back, v);
        if (diff !== null) throw new Error(`${diff} (bytes ${hex(bytes)})`);
        if (!same(encode(back), bytes)) throw new Error('re-encoding differs');
      }),
      { numRuns: 10_000 },
    );
  });

  it('round-trips sequences in one blob, sharing the intern table; chunked streaming agrees', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(valueArb({ maxDepth: 3 }), { maxLength: 5 }), (vs) => {
        const bytes = encodeAll(vs);
        const back = decodeAll(bytes);
        expect(back.length).toBe(vs.length);
        back.forEach((b, i) => expect(difference(b, vs[i]!)).toBeNull());
        const chunked = decodeChunked(bytes, mulberry32(run++));
        expect(chunked.length).toBe(vs.length);
        chunked.forEach((b, i) => expect(difference(b, vs[i]!)).toBeNull());
        const se = new StreamEncoder();
        expect(same(Buffer.concat(vs.map((v) => se.encode(v))), vs.length === 0 ? new Uint8Array(0) : bytes)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the kinds the value model equates: list vs vector, -0.0 vs 0.0, 1 vs 1.0, NaN', () => {
    const v = vec(list(1n, 2n), vec(1n, 2n), -0, 0, 1n, 1, NaN, Infinity, -Infinity);
    const back = decode(encode(v));
    expect(difference(back, v)).toBeNull();
    expect((back as Vector).items[0]).toBeInstanceOf(List);
    expect(Object.is((back as Vector).items[2], -0)).toBe(true);
  });

  it('round-trips every string exactly: BOM, NUL, astral, lone surrogates, long and interned', () => {
    const strings = ['', '\ufeff', '\ufeffabc', '\0', 'a\0b', '😀', '\ud800', 'x\udc00y', '\udbff\udfff', 'é'.repeat(30), 'é'.repeat(31), 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(65), 'ü'.repeat(5000), 'a\ud800'.repeat(100)];
    for (const s of strings) {
      const back = decode(encode(vec(s, s, new Char(s.length > 0 ? String.fromCodePoint(s.codePointAt(0)!) : 'a'))));
      expect(difference(back, vec(s, s, new Char(s.length > 0 ? String.fromCodePoint(s.codePointAt(0)!) : 'a')))).toBeNull();
    }
  });

  it('round-trips symbols and keywords with any EDN name (lone surrogates, Unicode, the symbol /)', () => {
    const v = vec(Sym.of('x\ud800', 'n\udc00s'), Sym.of('/'), Sym.of('b', 'a'), Keyword.of('k', 'é.ns'), Keyword.of('a:b'), Sym.of('+'), Sym.of('.'), Sym.of('-a'));
    expect(difference(decode(encode(v)), v)).toBeNull();
    expect(difference(readEdn(printEdn(v)), v)).toBeNull();
  });

  it('interns symbols, keywords and short strings: a repeat costs one byte', () => {
    const one = encode(vec(kw('a'), sym('ns/b'), 'text'));
    const two = encode(vec(kw('a'), sym('ns/b'), 'text', kw('a'), sym('ns/b'), 'text'));
    expect(two.length - one.length).toBe(3);
    // A long string is not interned: it is written each time.
    const long = 'z'.repeat(200);
    expect(encode(vec(long, long)).length).toBeGreaterThan(400);
  });

  it('uses every reference width: more than 8,320 intern entries', () => {
    const syms = Array.from({ length: 9000 }, (_, i) => sym(`s${i}`));
    const v = new Vector([...syms, ...syms.slice().reverse()]);
    const bytes = encode(v);
    expect(difference(decode(bytes), v)).toBeNull();
  });

  it('encodes #uuid in 17 bytes', () => {
    const u = new Tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(encode(u).length).toBe(HEADER_LENGTH + 17);
    expect(difference(decode(encode(u)), u)).toBeNull();
  });

  it('an empty sequence is a header-only blob', () => {
    expect(Array.from(encodeAll([]))).toEqual(HEADER);
    expect(decodeAll(encodeAll([]))).toEqual([]);
  });
});

describe('encoding errors', () => {
  it('functions cannot be encoded (EncodeError, kind unsupported), even deep inside', () => {
    for (const v of [new Fn(1, 'f', null), vec(1n, EMap.from([[kw('k'), list(new Fn(2, null, null))]]))]) {
      let err: unknown;
      try {
        encode(v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EncodeError);
      expect((err as EncodeError).kind).toBe('unsupported');
    }
  });

  it('values without EDN text are refused: names, tags, #inst, #uuid, #bytes and #atom that do not read back', () => {
    const noText: Value[] = [
      Sym.of('a b'),
      Sym.of(''),
      Sym.of('nil'),
      Sym.of('a/b'),
      Sym.of('/', 'a'),
      Sym.of('x', 'é/ns'),
      Sym.of(' gensym1'),
      Keyword.of('/'),
      Keyword.of(''),
      Keyword.of('1a'),
      Keyword.of('k', 'é/ns'),
      new Tagged('x y', null),
      new Tagged('1x', null),
      new Tagged('inst', 'yesterday'),
      new Tagged('inst', 5n),
      new Tagged('uuid', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6'),
      new Tagged('uuid', 'nope'),
      new Tagged('bytes', '00'),
      new Tagged('atom', 1n),
    ];
    for (const v of noText) {
      expect(() => encode(v), printEdn(v)).toThrow(EncodeError);
      expect(() => encode(vec(1n, EMap.from([[kw('k'), list(v)]]))), printEdn(v)).toThrow(EncodeError);
    }
  });

  it('malformed values are refused: multi-code-point chars, negative atom refs', () => {
    expect(() => encode(new Char('ab'))).toThrow(EncodeError);
    expect(() => encode(new Char(''))).toThrow(EncodeError);
    expect(() => encode(new AtomRef(-1))).toThrow(EncodeError);
    expect(() => encode(new AtomRef(1.5))).toThrow(EncodeError);
  });

  it('encodes 10^5 nested vectors without recursion; decoding them needs a raised maxDepth', () => {
    let v: Value = null;
    for (let i = 0; i < 100_000; i++) v = new Vector([v]);
    const bytes = encode(v);
    expect(bytes.length).toBe(HEADER_LENGTH + 100_001);
    const e = badInput(() => decode(bytes), bytes.length);
    expect(e.message).toMatch(/nesting deeper than 2000/);
    expect(e.offset).toBe(HEADER_LENGTH + MAX_DEPTH);
    expect(difference(decode(bytes, { maxDepth: Infinity }), v)).toBeNull();
  });
});

describe('malformed input gives bad-input with the byte offset', () => {
  it('empty input, wrong magic, wrong version', () => {
    expectBad(new Uint8Array(0), /truncated/, 0);
    expectBad(Uint8Array.from([0xb1, 0x49]), /truncated/, 0);
    expectBad(Uint8Array.from([0x7b, 0x3a, 0x61]), /magic/, 0);
    expectBad(Uint8Array.from([0xb1, 0x49, 0x4e, 0x01]), /magic/, 2);
    expectBad(Uint8Array.from([...MAGIC, 2, Opcode.NIL]), /version 2/, 3);
    expectBad(Uint8Array.from([...MAGIC, 0]), /version 0/, 3);
  });

  it('decode wants exactly one value', () => {
    badInput(() => decode(blob()), HEADER_LENGTH);
    const e = badInput(() => decode(blob(Opcode.NIL, Opcode.TRUE)), HEADER_LENGTH + 2);
    expect(e.offset).toBe(HEADER_LENGTH + 1);
  });

  it('unknown opcodes', () => {
    for (let op = 0xf5; op <= 0xff; op++) expectBad(blob(op), /unknown opcode/, HEADER_LENGTH);
    expectBad(blob(0xe9), /unknown opcode/, HEADER_LENGTH);
  });

  it('truncated blobs: every proper prefix of a valid one-value blob fails', () => {
    const bytes = encode(vec(kw('a/b'), 'héllo wörld', 123456789n, 1.5, new Bytes(Uint8Array.from({ length: 16 }, (_, i) => i * 17)), list(sym('x'), EMap.from([[1n, 2n]])), new Tagged('my/t', ESet.from([1n, 2n]))));
    for (let n = 0; n < bytes.length; n++) badInput(() => decode(bytes.subarray(0, n)), n);
  });

  it('nesting 10^6 deep: rejected at the depth limit, or truncated, or decoded iteratively', () => {
    const deep = new Uint8Array(HEADER_LENGTH + 1_000_000 + 1);
    deep.set(HEADER);
    deep.fill(Opcode.LIST_SHORT + 1, HEADER_LENGTH);
    deep[deep.length - 1] = Opcode.NIL;
    expectBad(deep, /nesting deeper than 2000/, HEADER_LENGTH + MAX_DEPTH);
    const truncated = deep.subarray(0, deep.length - 1);
    const e = badInput(() => decodeAll(truncated, { maxDepth: Infinity }), truncated.length);
    expect(e.message).toMatch(/truncated/);
    let v = decode(deep, { maxDepth: Infinity });
    let depth = 0;
    while (v instanceof List) {
      v = v.items[0]!;
      depth++;
    }
    expect(depth).toBe(1_000_000);
    expect(v).toBe(null);
  });

  it('huge length prefixes are checked against the bytes left before anything is allocated', () => {
    const big = 1n << 60n;
    expectBad(blob(Opcode.STRING, ...uvBytes(big)), /varint/);
    expectBad(blob(Opcode.STRING, ...uvBytes(1n << 52n)), /truncated/);
    expectBad(blob(Opcode.BYTES, ...uvBytes(1n << 52n), 1, 2), /truncated/);
    expectBad(blob(Opcode.LIST, ...uvBytes(1n << 50n), Opcode.NIL), /exceeds/);
    expectBad(blob(Opcode.MAP, ...uvBytes(1n << 40n)), /exceeds/);
    expectBad(blob(Opcode.SET, ...uvBytes(big)), /varint/);
    expectBad(blob(Opcode.LIST, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), /varint longer/);
  });

  it('intern references out of range', () => {
    expectBad(blob(0x00), /intern reference 0 out of range/, HEADER_LENGTH);
    expectBad(blob(Opcode.DEF_SYMBOL, 2, 0x61, 0x01), /intern reference 1 out of range/, HEADER_LENGTH + 3);
    expectBad(blob(0x80, 0x05), /intern reference 133/, HEADER_LENGTH);
    expectBad(blob(Opcode.REF, ...uvBytes(100_000n)), /intern reference 100000/, HEADER_LENGTH);
  });

  it('invalid UTF-8 is rejected', () => {
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82], [0x61, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      expectBad(blob(Opcode.DEF_STRING, bad.length * 2, ...bad), /invalid UTF-8/, HEADER_LENGTH + 2);
      expectBad(blob(Opcode.DEF_SYMBOL, bad.length * 2, ...bad), /invalid UTF-8/, HEADER_LENGTH + 2);
    }
  });

  it('non-canonical forms are rejected', () => {
    expectBad(blob(Opcode.INT8, 5), /non-canonical integer/, HEADER_LENGTH);
    expectBad(blob(Opcode.INT16, 100, 0), /non-canonical integer/, HEADER_LENGTH);
    expectBad(blob(Opcode.INT32, 0xe8, 0x03, 0, 0), /non-canonical integer/, HEADER_LENGTH);
    expectBad(blob(Opcode.INT64, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0), /non-canonical integer/, HEADER_LENGTH);
    expectBad(blob(Opcode.LIST, 0x83, 0x00, Opcode.NIL, Opcode.NIL, Opcode.NIL), /over-long varint/);
    expectBad(blob(Opcode.LIST, 3, Opcode.NIL, Opcode.NIL, Opcode.NIL), /non-canonical collection length/, HEADER_LENGTH);
    expectBad(blob(Opcode.DEF_SYMBOL, 2, 0x61, Opcode.REF, 0), /non-canonical intern reference/, HEADER_LENGTH + 3);
    expectBad(blob(Opcode.STRING, 3, 0x61, 0x00), /UTF-16 \(non-canonical\)/, HEADER_LENGTH + 1);
  });

  it('maps and sets must be in canonical order without duplicates; tags must be strings; chars in range', () => {
    const small = (n: number): number => Opcode.SMALL_INT + n + 4;
    expectBad(blob(Opcode.MAP_SHORT + 2, small(2), Opcode.NIL, small(1), Opcode.NIL), /map keys not strictly ascending/, HEADER_LENGTH);
    expectBad(blob(Opcode.MAP_SHORT + 2, small(1), Opcode.NIL, small(1), Opcode.TRUE), /map keys/, HEADER_LENGTH);
    expectBad(blob(Opcode.SET, 2, small(1), small(1)), /set members/, HEADER_LENGTH);
    expect(difference(decode(blob(Opcode.SET, 2, small(1), small(2))), ESet.from([1n, 2n]))).toBeNull();
    expectBad(blob(Opcode.TAGGED, small(1), Opcode.NIL), /tag of a tagged value is not a string/, HEADER_LENGTH);
    expectBad(blob(Opcode.CHAR, ...uvBytes(0x110000n)), /beyond U\+10FFFF/, HEADER_LENGTH);
  });

  it('deep members of a set are compared without overflowing the stack', () => {
    const n = 200_000;
    const bytes = new Uint8Array(HEADER_LENGTH + 2 + 2 * (n + 1)).fill(Opcode.LIST_SHORT + 1);
    bytes.set([...HEADER, Opcode.SET, 2]);
    bytes[HEADER_LENGTH + 2 + n] = Opcode.NIL;
    bytes[bytes.length - 1] = Opcode.NIL;
    const e = badInput(() => decodeAll(bytes, { maxDepth: Infinity }), bytes.length);
    expect(e.message).toMatch(/set members/);
  });

  it('fuzz: 10^5 random and mutated blobs never throw anything but bad-input, with an offset in bounds', () => {
    const rand = mulberry32(20261124);
    const byte = (): number => Math.floor(rand() * 256);
    const corpus = fc.sample(fc.array(valueArb({ maxDepth: 3, maxLength: 5 }), { minLength: 1, maxLength: 3 }), { seed: 7, numRuns: 300 }).map((vs) => encodeAll(vs));
    const interesting = [0x00, 0x7f, 0x80, 0x9f, 0xa0, 0xc0, 0xcf, 0xd8, 0xe2, 0xe4, 0xe6, 0xe7, 0xe8, 0xea, 0xec, 0xef, 0xf0, 0xf2, 0xf5, 0xff];
    const mutate = (src: Uint8Array): Uint8Array => {
      const b = Array.from(src);
      const kind = Math.floor(rand() * 7);
      const at = (): number => Math.floor(rand() * (b.length + 1));
      switch (kind) {
        case 0: // random bytes, half of them behind a valid header
          return Uint8Array.from([...(rand() < 0.5 ? HEADER : []), ...Array.from({ length: Math.floor(rand() * 48) }, byte)]);
        case 1: // bit flips
          for (let k = 1 + Math.floor(rand() * 3); k > 0 && b.length > 0; k--) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
          return Uint8Array.from(b);
        case 2: // truncation
          return Uint8Array.from(b.slice(0, Math.floor(rand() * b.length)));
        case 3: // inserted bytes
          b.splice(at(), 0, ...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => (rand() < 0.5 ? byte() : interesting[Math.floor(rand() * interesting.length)]!)));
          return Uint8Array.from(b);
        case 4: // deleted bytes
          b.splice(at(), 1 + Math.floor(rand() * 4));
          return Uint8Array.from(b);
        case 5: // an interesting opcode or length byte
          if (b.length > 0) b[Math.floor(rand() * b.length)] = interesting[Math.floor(rand() * interesting.length)]!;
          return Uint8Array.from(b);
        default: {
          // splice of two blobs
          const other = corpus[Math.floor(rand() * corpus.length)]!;
          return Uint8Array.from([...b.slice(0, at()), ...Array.from(other.subarray(Math.floor(rand() * other.length)))]);
        }
      }
    };
    let rejected = 0;
    for (let i = 0; i < 100_000; i++) {
      const input = mutate(corpus[i % corpus.length]!);
      let whole: Value[] | BadInputError;
      try {
        whole = decodeAll(input);
      } catch (e) {
        if (!(e instanceof BadInputError) || !Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length) {
          throw new Error(`input ${hex(input)}: ${e instanceof BadInputError ? `offset ${e.offset} out of bounds` : String((e as Error)?.stack ?? e)}`);
        }
        whole = e;
        rejected++;
      }
      if (i % 20 === 0) {
        // The streaming decoder agrees with the whole-blob decoder.
        let streamed: Value[] | BadInputError;
        try {
          streamed = decodeChunked(input, rand);
        } catch (e) {
          if (!(e instanceof BadInputError)) throw new Error(`input ${hex(input)} (streamed): ${String(e)}`);
          streamed = e;
        }
        if (whole instanceof BadInputError || streamed instanceof BadInputError) {
          if (!(whole instanceof BadInputError && streamed instanceof BadInputError)) throw new Error(`input ${hex(input)}: whole and streamed decoders disagree`);
        } else {
          expect(streamed.length).toBe(whole.length);
          streamed.forEach((v, k) => expect(difference(v, whole[k]!)).toBeNull());
        }
      }
    }
    // Most mutants must be rejected (a fuzzer that never reaches an error tests nothing).
    expect(rejected).toBeGreaterThan(50_000);
  });
});

/** Text bytes (header + UTF-8 payload) of `s`. */
const txt = (s: string): number[] => {
  const b = Buffer.from(s, 'utf8');
  return [...uvBytes(BigInt(b.length * 2)), ...b];
};
/** Text bytes (header + UTF-16 payload) of `s`, for strings with lone surrogates. */
const txt16 = (s: string): number[] => [...uvBytes(BigInt(s.length * 2 + 1)), ...Array.from({ length: s.length }, (_, i) => [s.charCodeAt(i) & 0xff, s.charCodeAt(i) >> 8]).flat()];
/** `TAGGED` with the tag `tag` (a DEF_STRING), then `value`'s bytes. */
const tagged = (tag: string, ...value: number[]): number[] => [Opcode.TAGGED, Opcode.DEF_STRING, ...txt(tag), ...value];
/** `n` nested one-item vectors around `inner`. */
const nested = (n: number, ...inner: number[]): Uint8Array => blob(...new Array<number>(n).fill(Opcode.VECTOR_SHORT + 1), ...inner);

/** Decodes `bytes`, which must succeed with values whose EDN text reads back identical, and re-encode to `bytes`. */
function expectEdnRoundTrip(bytes: Uint8Array): Value[] {
  const vs = decodeAll(bytes);
  for (const v of vs) {
    const back = readEdn(printEdn(v));
    expect(equals(back, v)).toBe(true);
    expect(difference(back, v)).toBeNull();
  }
  expect(hex(encodeAll(vs))).toBe(hex(bytes));
  return vs;
}

describe('whatever decodes prints as EDN that reads back as the same value (issue: decoder laxer than the reader)', () => {
  it('symbol names that are not EDN names are refused', () => {
    for (const name of ['a\n', '', 'a b', 'a)', '(', '1a', '-1', '.5', 'nil', 'true', 'false', 'a/b', '#a', ':a', 'a"b', 'a;b', 'a,b', '\\a', 'a\0b', 'a@b', '~a', '^a', '`a']) {
      expectBad(blob(Opcode.DEF_SYMBOL, ...txt(name)), /invalid symbol/, HEADER_LENGTH);
    }
    for (const [ns, name] of [['/', 'a'], ['a', '/'], ['', 'a'], ['a', ''], ['a b', 'c'], ['1', 'a'], ['nil', 'a'], ['a', 'nil'], ['a/b', 'c'], ['a', 'b/c']] as const) {
      expectBad(blob(Opcode.DEF_SYMBOL_NS, ...txt(ns), ...txt(name)), /invalid symbol/, HEADER_LENGTH);
    }
    expectBad(blob(Opcode.VECTOR_SHORT + 2, Opcode.NIL, Opcode.DEF_SYMBOL, ...txt('a\n')), /invalid symbol/, HEADER_LENGTH + 2);
  });

  it('keyword names that are not EDN names are refused', () => {
    for (const name of ['', '/', ':a', 'a b', '1', '1a', '+1', 'nil', 'a/b', 'a\n', 'a}']) {
      expectBad(blob(Opcode.DEF_KEYWORD, ...txt(name)), /invalid keyword/, HEADER_LENGTH);
    }
    for (const [ns, name] of [['/', 'a'], ['a', '/'], ['', 'a'], ['a', ''], [':a', 'b'], ['a', 'b c']] as const) {
      expectBad(blob(Opcode.DEF_KEYWORD_NS, ...txt(ns), ...txt(name)), /invalid keyword/, HEADER_LENGTH);
    }
  });

  it('valid names still decode, including the symbol /, Unicode and lone surrogates', () => {
    expectEdnRoundTrip(blob(Opcode.DEF_SYMBOL, ...txt('/')));
    expectEdnRoundTrip(blob(Opcode.DEF_SYMBOL, ...txt16('x\ud800')));
    expectEdnRoundTrip(blob(Opcode.DEF_SYMBOL_NS, ...txt('é.ns'), ...txt('λ')));
    expectEdnRoundTrip(blob(Opcode.DEF_KEYWORD_NS, ...txt('a'), ...txt('b:c')));
    expectEdnRoundTrip(blob(Opcode.LIST_SHORT + 3, Opcode.DEF_SYMBOL, ...txt('+'), Opcode.DEF_SYMBOL, ...txt('-'), Opcode.DEF_SYMBOL, ...txt('.')));
  });

  it('tags that are not EDN tags are refused', () => {
    for (const tag of ['x 1 2', '1x', '_', '#x', '', 'a b', '/', '/x', 'x/', ':x', '-x', 'x\n', 'a/b/c']) {
      expectBad(blob(...tagged(tag, Opcode.NIL)), /invalid tag/, HEADER_LENGTH);
    }
    expectEdnRoundTrip(blob(...tagged('my/t', Opcode.NIL)));
    expectEdnRoundTrip(blob(...tagged('x', Opcode.TAGGED, 0x00, Opcode.NIL)));
  });

  it('#inst must hold an RFC 3339 timestamp the reader accepts', () => {
    for (const text of ['garbage', '', '2020-13-01', '2020-01-32', '2020-01-01T24:00:00Z', '2020-01-01 00:00:00Z', '20200101', '2020-01-01T00:00:00Z ']) {
      expectBad(blob(...tagged('inst', Opcode.DEF_STRING, ...txt(text))), /#inst/, HEADER_LENGTH);
    }
    expectBad(blob(...tagged('inst', Opcode.SMALL_INT + 9)), /#inst/, HEADER_LENGTH);
    expectBad(blob(...tagged('inst', Opcode.NIL)), /#inst/, HEADER_LENGTH);
    expectEdnRoundTrip(blob(...tagged('inst', Opcode.DEF_STRING, ...txt('1985-04-12T23:20:50.52Z'))));
    expectEdnRoundTrip(blob(...tagged('inst', Opcode.DEF_STRING, ...txt('2020'))));
  });

  it('#uuid is only the UUID opcode: its general tagged form (malformed, upper-case or canonical text) is refused', () => {
    for (const text of ['nope', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6']) {
      expectBad(blob(...tagged('uuid', Opcode.DEF_STRING, ...txt(text))), /#uuid/, HEADER_LENGTH);
    }
    expectBad(blob(...tagged('uuid', Opcode.NIL)), /#uuid/, HEADER_LENGTH);
    expectEdnRoundTrip(blob(Opcode.UUID, ...Array.from({ length: 16 }, (_, i) => i * 15)));
  });

  it('#bytes and #atom tagged values are refused (they read back as byte strings and atom references)', () => {
    expectBad(blob(...tagged('bytes', Opcode.DEF_STRING, ...txt('00'))), /#bytes/, HEADER_LENGTH);
    expectBad(blob(...tagged('atom', Opcode.SMALL_INT + 5)), /#atom/, HEADER_LENGTH);
  });

  it('values that print as a tag or a collection count towards the depth limit, as in the reader', () => {
    // 2,000 vectors are fine; a #bytes, #atom, #uuid or an empty collection inside them is one level too many.
    expectEdnRoundTrip(nested(MAX_DEPTH, Opcode.NIL));
    expectEdnRoundTrip(nested(MAX_DEPTH - 1, Opcode.BYTES, 0));
    for (const inner of [[Opcode.BYTES, 0], [Opcode.ATOM, 0], [Opcode.UUID, ...new Array<number>(16).fill(0)], [Opcode.LIST_SHORT], [Opcode.VECTOR_SHORT], [Opcode.MAP_SHORT], [Opcode.SET, 0]]) {
      expectBad(nested(MAX_DEPTH, ...inner), /nesting deeper than 2000/, HEADER_LENGTH + MAX_DEPTH);
      expectEdnRoundTrip(nested(MAX_DEPTH - 1, ...inner));
      expect(decodeAll(nested(MAX_DEPTH, ...inner), { maxDepth: Infinity }).length).toBe(1);
    }
  });

  it('NaN has one byte form (the quiet NaN 7FF8000000000000); other NaN bits are refused', () => {
    expectEdnRoundTrip(blob(Opcode.F64, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f));
    for (const bits of [[1, 0, 0, 0, 0, 0, 0xf8, 0x7f], [0, 0, 0, 0, 0, 0, 0xf8, 0xff], [1, 0, 0, 0, 0, 0, 0xf0, 0x7f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      expectBad(blob(Opcode.F64, ...bits), /non-canonical NaN/, HEADER_LENGTH);
    }
    const payload = new DataView(new ArrayBuffer(8));
    payload.setUint32(0, 1, true);
    payload.setUint32(4, 0x7ff00000, true);
    expect(hex(encode(payload.getFloat64(0, true)))).toBe(hex(blob(Opcode.F64, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f)));
    expectEdnRoundTrip(blob(Opcode.F64, 0, 0, 0, 0, 0, 0, 0, 0x80)); // -0.0 stays -0.0
  });

  it('interning is canonical: short strings are defined once and referenced, long ones written in place', () => {
    expectBad(blob(Opcode.STRING, ...txt('ab')), /non-canonical string/, HEADER_LENGTH);
    expectBad(blob(Opcode.STRING, ...txt('a'.repeat(64))), /non-canonical string/, HEADER_LENGTH);
    expectEdnRoundTrip(blob(Opcode.STRING, ...txt('a'.repeat(65))));
    expectBad(blob(Opcode.DEF_STRING, ...txt('a'.repeat(65))), /non-canonical string/, HEADER_LENGTH);
    expectEdnRoundTrip(blob(Opcode.DEF_STRING, ...txt('é'.repeat(64))));
    expectBad(blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_STRING, ...txt('s'), Opcode.DEF_STRING, ...txt('s')), /already defined/, HEADER_LENGTH + 4);
    expectBad(blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_SYMBOL, ...txt('a'), Opcode.DEF_SYMBOL, ...txt('a')), /already defined/, HEADER_LENGTH + 4);
    expectBad(blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_KEYWORD_NS, ...txt('n'), ...txt('a'), Opcode.DEF_KEYWORD_NS, ...txt('n'), ...txt('a')), /already defined/, HEADER_LENGTH + 6);
    // A tag and a string of the same text are one entry.
    expectBad(blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_STRING, ...txt('t'), ...tagged('t', Opcode.NIL)), /already defined/, HEADER_LENGTH + 5);
    expectEdnRoundTrip(blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_STRING, ...txt('t'), Opcode.TAGGED, 0x00, Opcode.NIL));
    // A symbol, a keyword and a string with the same text are three entries.
    expectEdnRoundTrip(blob(Opcode.VECTOR_SHORT + 3, Opcode.DEF_SYMBOL, ...txt('a'), Opcode.DEF_KEYWORD, ...txt('a'), Opcode.DEF_STRING, ...txt('a')));
  });

  it('minimized failures of the mutation property (tests/properties/binaryRoundTrip.test.ts) are refused', () => {
    const cases: [string, RegExp, number][] = [
      // A string of 6 code units written in place (STRING): it decoded, but re-encoded as DEF_STRING.
      ['b1494d01ec067674790c6175594f4151ea0c7648215d6b52e818f2b381a4f1bbbfaef09d82b9ea08696e7374ea30343133382d30322d31355430303a33353a30372e3336315a', /non-canonical string/, HEADER_LENGTH + 20],
      // The symbol a`ssoc: printed, it did not read (a backquote is not a name character).
      ['b1494d01e3ffffffffffffef7feb0c616073736f63eb06666f6fea0862256443f04ae1c2eaa0f8e2b75e62b863ea00d8', /invalid symbol "a`ssoc"/, HEADER_LENGTH + 9],
      // The symbol " x": printed, it read back as the symbol x.
      ['b1494d01ea06622f63eb042078', /invalid symbol " x"/, HEADER_LENGTH + 5],
    ];
    for (const [h, message, offset] of cases) expectBad(Uint8Array.from(Buffer.from(h, 'hex')), message, offset);
  });

  it('a streamed blob is checked the same way', () => {
    const bytes = blob(Opcode.VECTOR_SHORT + 2, Opcode.DEF_SYMBOL, ...txt('ok'), Opcode.DEF_SYMBOL, ...txt('not ok'));
    const d = new Decoder();
    const e = badInput(() => {
      for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
      d.end();
    }, bytes.length);
    expect(e.message).toMatch(/invalid symbol/);
    expect(e.offset).toBe(HEADER_LENGTH + 5);
  });
});

describe('streaming decoder', () => {
  it('delivers each value as soon as its last byte arrives', () => {
    const vs: Value[] = [kw('a'), vec(1n, 'two', list(sym('three'))), 'x'.repeat(1000), null];
    const bytes = encodeAll(vs);
    const d = new Decoder();
    const got: [number, Value][] = [];
    for (let i = 0; i < bytes.length; i++) for (const v of d.push(bytes.subarray(i, i + 1))) got.push([i + 1, v]);
    expect(d.end()).toEqual([]);
    // Where each value ends: re-encode prefixes.
    const ends = vs.map((_, k) => encodeAll(vs.slice(0, k + 1)).length);
    expect(got.map(([at]) => at)).toEqual(ends);
    got.forEach(([, v], k) => expect(difference(v, vs[k]!)).toBeNull());
  });

  it('decodeStream reads an async iterable of chunks', async () => {
    const vs: Value[] = [1n, vec(kw('k'), 'é'), new Tagged('inst', '1985-04-12T23:20:50.52Z')];
    const bytes = encodeAll(vs);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const out: Value[] = [];
    for await (const v of decodeStream(chunks())) out.push(v);
    out.forEach((v, k) => expect(difference(v, vs[k]!)).toBeNull());
    expect(out.length).toBe(3);
  });

  it('reports a cut blob at end(), and bad bytes as soon as they arrive', () => {
    const bytes = encode(vec(1n, 2n, 3n));
    const d = new Decoder();
    d.push(bytes.subarray(0, bytes.length - 1));
    badInput(() => d.end(), bytes.length);
    const d2 = new Decoder();
    const e = badInput(() => d2.push(Uint8Array.from([0xb1, 0x49, 0x4d, 0x01, 0xdc, 0xfe])), 6);
    expect(e.offset).toBe(5);
    const d3 = new Decoder();
    d3.push(Uint8Array.from([0xb1, 0x49, 0x4d, 0x01, 0xe4]));
    const e3 = badInput(() => d3.push(Uint8Array.from([0x03])), 6);
    expect(e3.offset).toBe(4);
  });
});

describe('a short non-ASCII text where the encoder grows its buffer', () => {
  // The text's header used to be written after its payload, through a check that could grow the
  // buffer and leave the payload behind (found by the fuzzer's codec oracle on a stream encoder).
  const texts = ['hé', 'é', 'a😀', '日本', 'ü'];
  it('encodes and decodes every offset around the stream encoder first buffer (256 bytes)', () => {
    for (const t of texts)
      for (let pad = 200; pad < 270; pad++) {
        const v = new Vector([...Array<Value>(pad).fill(true), t, kw('after')]);
        const enc = new StreamEncoder();
        const streamed = enc.encode(v);
        expect(Array.from(streamed)).toEqual(Array.from(encode(v)));
        expect(equals(decode(streamed), v)).toBe(true);
      }
  });
});
