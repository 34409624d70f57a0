import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/lispAst.js';
import { valueArb } from '../tests/generators/values.js';
import { difference } from '../tests/oracles/identical.js';
import { Decoder, EncodeError, FORMAT_VERSION, HEADER_LENGTH, MAGIC, Opcode, StreamEncoder, decode, decodeAll, decodeStream, encode, encodeAll } from './Binary.js';
import { MAX_DEPTH } from './Edn.js';
import { BadInputError } from './Errors.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Tagged, Vector, kw, list, sym, vec, type Value } from './Values.js';

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

  it('round-trips symbols and keywords whose names are not EDN names (lone surrogates, slashes)', () => {
    const v = vec(Sym.of('x\ud800', 'n\udc00s'), Sym.of('a/b'), Sym.of('b', 'a'), Keyword.of('/'), Keyword.of('k', 'é/ns'));
    expect(difference(decode(encode(v)), v)).toBeNull();
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

  it('encodes #uuid in 17 bytes and keeps non-canonical uuid text as a tagged string', () => {
    const u = new Tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(encode(u).length).toBe(HEADER_LENGTH + 17);
    expect(difference(decode(encode(u)), u)).toBeNull();
    const upper = new Tagged('uuid', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6');
    expect(difference(decode(encode(upper)), upper)).toBeNull();
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
