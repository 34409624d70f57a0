/**
 * Property: the binary decoder accepts nothing the EDN reader would not, and nothing the encoder
 * would not write.
 *
 * Valid blobs (random values, encoded) are mutated: bit flips, byte overwrites, inserts, deletes,
 * truncation, splices of two blobs, and mutations that know the format (a collection count, a
 * text length or a short collection's opcode nudged, a text's bytes replaced by a delimiter, a
 * digit or a dictionary word such as `nil`, `inst` or `x 1 2` with a matching length, an opcode
 * swapped for another of its family, a `TAGGED` wrapper inserted). For every mutant:
 *
 * - if `decodeAll` accepts it, every value prints (`printEdn`) as text that `readEdn` reads back
 *   to an equal (`equals`) and identical value, and `encodeAll` of the values gives the mutant's
 *   exact bytes (one byte form per value sequence);
 * - otherwise the decoder threw `BadInputError` (kind `bad-input`) with an offset inside the input,
 *   never another exception; the streaming decoder agrees (checked on a sample).
 *
 * 100,000 mutants in the normal run, 1,000,000 with `IMMUTOS_LONG=1`; `IMMUTOS_BINARY_MUTANTS=N`
 * sets the count and `IMMUTOS_BINARY_SEED=S` the seed. A failure prints the seed, the mutant, the
 * failing blob and a minimized blob as hex; `IMMUTOS_BINARY_REPLAY=<hex>` re-checks one blob.
 * Minimized failures are kept as regression cases in `spec/codec/Binary.test.ts`.
 * @module
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../spec/Random.js';
import { Decoder, FORMAT_VERSION, HEADER_LENGTH, MAGIC, Opcode, decodeAll, encodeAll } from '../../spec/codec/Binary.js';
import { MAX_DEPTH, isValidKeyword, isValidSymbol, printEdn, readEdn, taggedProblem } from '../../spec/codec/Edn.js';
import { BadInputError } from '../../spec/Errors.js';
import { AtomRef, Bytes, Char, EMap, ESet, Keyword, List, Sym, Tagged, Vector, equals, type Value } from '../../spec/Values.js';
import { valueArb } from '../../harness/generators/values.js';
import { difference } from '../../harness/oracles/identical.js';

const LONG = process.env.IMMUTOS_LONG === '1';
const COUNT = Number(process.env.IMMUTOS_BINARY_MUTANTS ?? (LONG ? 1_000_000 : 100_000));
const SEED = Number(process.env.IMMUTOS_BINARY_SEED ?? 20261124);
const REPLAY = process.env.IMMUTOS_BINARY_REPLAY;
/** A single decode slower than this is reported (a hang or super-linear work). */
const SLOW_MS = 1000;

const HEADER = [...MAGIC, FORMAT_VERSION];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

function uvBytes(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n % 0x80;
    n = Math.floor(n / 0x80);
    out.push(n > 0 ? b | 0x80 : b);
  } while (n > 0);
  return out;
}

/** Text bytes (header + payload) of `s`: UTF-8 when well-formed, else UTF-16 as the format says. */
function textBytes(s: string): number[] {
  if ((s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    const b = Buffer.from(s, 'utf8');
    return [...uvBytes(b.length * 2), ...b];
  }
  const out = uvBytes(s.length * 2 + 1);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff, s.charCodeAt(i) >> 8);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The judge
// ---------------------------------------------------------------------------------------------

/** What happened to one blob: accepted (and sound), refused with bad-input, or a failure. */
type Verdict = { readonly ok: true; readonly accepted: boolean; readonly values?: readonly Value[] } | { readonly ok: false; readonly kind: string; readonly why: string };

const fail = (kind: string, why: string): Verdict => ({ ok: false, kind, why });
const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Checks one blob against the property. */
function judge(input: Uint8Array): Verdict {
  let vs: Value[];
  const t0 = performance.now();
  try {
    vs = decodeAll(input);
  } catch (e) {
    if (!(e instanceof BadInputError)) return fail('decoder-threw', `the decoder threw ${describeError(e)}`);
    if (e.kind !== 'bad-input' || !Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length) return fail('bad-offset', `bad-input with kind ${e.kind}, offset ${e.offset} (input ${input.length} bytes)`);
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) return fail('slow', `refusing took ${ms.toFixed(0)} ms`);
    return { ok: true, accepted: false };
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) return fail('slow', `decoding took ${ms.toFixed(0)} ms`);
  for (const v of vs) {
    let text: string;
    try {
      text = printEdn(v);
    } catch (e) {
      return fail('print-threw', `printEdn threw ${describeError(e)}`);
    }
    let back: Value;
    try {
      back = readEdn(text);
    } catch (e) {
      return fail('unreadable', `printed ${clip(JSON.stringify(text))}, which does not read: ${describeError(e)}`);
    }
    if (!equals(back, v)) return fail('not-equal', `printed ${clip(JSON.stringify(text))}, which reads back as ${clip(JSON.stringify(printEdn(back)))}`);
    const d = difference(back, v);
    if (d !== null) return fail('not-identical', `printed ${clip(JSON.stringify(text))}, which reads back equal but not identical: ${d}`);
  }
  let again: Uint8Array;
  try {
    again = encodeAll(vs);
  } catch (e) {
    return fail('encode-threw', `re-encoding the decoded values threw ${describeError(e)}`);
  }
  if (!same(again, input)) return fail('re-encoding-differs', `re-encoding the decoded values gives other bytes: ${clip(hex(again), 400)}`);
  return { ok: true, accepted: true, values: vs };
}

/** The streaming decoder, fed in chunks cut by `rand`, must agree with {@link judge}'s verdict. */
function streamedAgrees(input: Uint8Array, whole: Verdict, rand: () => number): string | null {
  const d = new Decoder();
  let out: Value[] = [];
  try {
    let i = 0;
    while (i < input.length) {
      const n = 1 + Math.floor(rand() * rand() * 40);
      out.push(...d.push(input.subarray(i, i + n)));
      i += n;
    }
    out = out.concat(d.end());
  } catch (e) {
    if (!(e instanceof BadInputError)) return `the streaming decoder threw ${describeError(e)}`;
    return whole.ok && !whole.accepted ? null : 'the streaming decoder refused what decodeAll accepted';
  }
  if (!whole.ok || !whole.accepted) return 'the streaming decoder accepted what decodeAll refused';
  const vs = whole.values!;
  if (out.length !== vs.length) return `the streaming decoder gave ${out.length} values, decodeAll ${vs.length}`;
  for (let k = 0; k < vs.length; k++) {
    const diff = difference(out[k]!, vs[k]!);
    if (diff !== null) return `the streaming decoder's value ${k} differs: ${diff}`;
  }
  return null;
}

/** Shrinks a failing blob by deleting byte ranges while it still fails the same way. */
function minimize(input: Uint8Array, kind: string, budget = 20_000): Uint8Array {
  let best = input;
  const stillFails = (b: Uint8Array): boolean => {
    const v = judge(b);
    return !v.ok && v.kind === kind;
  };
  let chunk = Math.max(1, best.length >> 1);
  while (chunk >= 1 && budget > 0) {
    let progressed = false;
    for (let i = 0; i + chunk <= best.length && budget > 0; ) {
      const cand = new Uint8Array(best.length - chunk);
      cand.set(best.subarray(0, i));
      cand.set(best.subarray(i + chunk), i);
      budget--;
      if (stillFails(cand)) {
        best = cand;
        progressed = true;
      } else i++;
    }
    if (!progressed) chunk >>= 1;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Where the lengths, texts and opcodes of a valid blob are (a linear scan: items are prefix-coded)
// ---------------------------------------------------------------------------------------------

interface Sites {
  /** Offsets of every item's opcode byte. */
  readonly items: number[];
  /** uv counts and lengths: collection counts, byte-string lengths. */
  readonly counts: { at: number; len: number; n: number }[];
  /** Text headers and payloads. */
  readonly texts: { at: number; hdrLen: number; h: number; payload: number; bytes: number }[];
}

/** Scans a valid blob (what the encoder wrote) for its items, counts and texts. */
function sites(b: Uint8Array): Sites {
  const s: Sites = { items: [], counts: [], texts: [] };
  let pos = HEADER_LENGTH;
  const uv = (): { n: number; len: number } => {
    const at = pos;
    let n = 0;
    let mul = 1;
    for (;;) {
      const x = b[pos++]!;
      n += (x & 0x7f) * mul;
      mul *= 0x80;
      if (x < 0x80) break;
    }
    return { n, len: pos - at };
  };
  const text = (): void => {
    const at = pos;
    const { n: h, len } = uv();
    const bytes = h % 2 === 1 ? (h - 1) : h / 2;
    s.texts.push({ at, hdrLen: len, h, payload: pos, bytes });
    pos += bytes;
  };
  while (pos < b.length) {
    const op = b[pos]!;
    s.items.push(pos);
    pos++;
    if (op < 0x80 || (op >= 0xa0 && op <= 0xde) || op === Opcode.TAGGED) continue;
    if (op < 0xa0) pos += 1;
    else if (op === Opcode.INT8) pos += 1;
    else if (op === Opcode.INT16) pos += 2;
    else if (op === Opcode.INT32) pos += 4;
    else if (op === Opcode.INT64 || op === Opcode.F64) pos += 8;
    else if (op === Opcode.UUID) pos += 16;
    else if (op >= Opcode.LIST && op <= Opcode.SET) {
      const at = pos;
      const { n, len } = uv();
      s.counts.push({ at, len, n });
    } else if (op === Opcode.STRING || op === Opcode.DEF_STRING || op === Opcode.DEF_SYMBOL || op === Opcode.DEF_KEYWORD) text();
    else if (op === Opcode.DEF_SYMBOL_NS || op === Opcode.DEF_KEYWORD_NS) {
      text();
      text();
    } else if (op === Opcode.REF || op === Opcode.CHAR || op === Opcode.ATOM) uv();
    else if (op === Opcode.BYTES) {
      const at = pos;
      const { n, len } = uv();
      s.counts.push({ at, len, n });
      pos += n;
    } else throw new Error(`sites: unexpected opcode ${op} in a valid blob`);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// The corpus and the mutators
// ---------------------------------------------------------------------------------------------

/** Hand-made values for what random values rarely hold: wide references, deep nesting, every tag. */
function specialValues(): Value[] {
  const syms = Array.from({ length: 200 }, (_, i) => Sym.of(`s${i}`));
  let deep: Value = new Bytes(Uint8Array.of(1, 2));
  for (let i = 0; i < MAX_DEPTH - 1; i++) deep = new Vector([deep]);
  let deepTagged: Value = null;
  for (let i = 0; i < 60; i++) deepTagged = i % 2 === 0 ? new Tagged('t', deepTagged) : new List([deepTagged, Keyword.of('k')]);
  return [
    new Vector([...syms, ...syms.slice(0, 50)]),
    new List([Sym.of('defn'), Sym.of('f'), new Vector([Sym.of('x')]), new List([Sym.of('inc'), Sym.of('x')]), Sym.of('/'), Sym.of('b', 'a')]),
    new Vector([new Tagged('inst', '1985-04-12T23:20:50.52Z'), new Tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), new Tagged('my/t', 1n), new Tagged('fn', null), new AtomRef(7), new Bytes(new Uint8Array(3))]),
    new Vector([NaN, -0, 0, 1, Infinity, -Infinity, 2n ** 63n - 1n, -(2n ** 63n), 128n, -129n, 40000n, 3_000_000_000n]),
    new Vector(['', 'a'.repeat(64), 'b'.repeat(65), '\ud800', 'x\udc00y', 'é😀', '\ufeffbom', 'a b\n"c"', new Char('\ud800'), new Char('😀'), new Char(' '), new Char('u')]),
    EMap.from([[Keyword.of('a'), 1n], [Keyword.of('b', 'ns'), ESet.from([1n, 2n, 'x'])], ['s', new List([])], [new Vector([]), EMap.EMPTY], [ESet.EMPTY, null]]),
    deep,
    deepTagged,
  ];
}

const INTERESTING_BYTES = [0x00, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xcf, 0xd0, 0xd7, 0xd8, 0xdb, 0xdc, 0xdf, 0xe2, 0xe3, 0xe4, 0xe6, 0xe7, 0xe8, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xff];
/** ASCII that is special in EDN text (delimiters, whitespace, digits, prefix characters). */
const EDN_SPECIAL = [...' \n\t\r\f,()[]{}"\';:#/\\0159.-+@^`~_'].map((c) => c.charCodeAt(0));
/** Texts to drop in place of a name, tag or string. */
const WORDS = ['', '/', '//', 'a/', '/a', 'a/b', 'a/b/c', 'nil', 'true', 'false', 'inst', 'uuid', 'bytes', 'atom', 'fn', '_', '1', '-1', '+1', '.5', '1a', 'a b', 'x 1 2', 'a\n', ':a', '::a', '#a', '##Inf', 'a)', 'é', 'λ', '\ud800', 'x\udc00', '2020', '2020-13-01', '1985-04-12T23:20:50.52Z', '2020-01-01T24:00:00Z', 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', '00ff', 'z'.repeat(64), 'z'.repeat(65)];
/** Opcode families: an opcode may be swapped for another of its family. */
const FAMILIES: number[][] = [
  [Opcode.STRING, Opcode.DEF_STRING, Opcode.DEF_SYMBOL, Opcode.DEF_KEYWORD],
  [Opcode.DEF_SYMBOL_NS, Opcode.DEF_KEYWORD_NS],
  [Opcode.LIST, Opcode.VECTOR, Opcode.MAP, Opcode.SET],
  [Opcode.INT8, Opcode.INT16, Opcode.INT32, Opcode.INT64, Opcode.F64],
  [Opcode.CHAR, Opcode.ATOM, Opcode.REF],
  [Opcode.NIL, Opcode.FALSE, Opcode.TRUE],
];

type Mutator = (b: number[], src: Uint8Array, s: Sites) => number[];

function makeMutators(rand: () => number, corpus: readonly Uint8Array[]): [string, Mutator][] {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const byte = (): number => (rand() < 0.5 ? int(256) : pick(INTERESTING_BYTES));
  const at = (b: number[]): number => int(b.length + 1);
  // Structural mutators fall back to a byte overwrite when the blob has no site of the kind.
  const overwrite: Mutator = (b) => {
    for (let k = 1 + int(3); k > 0 && b.length > 0; k--) b[int(b.length)] = byte();
    return b;
  };
  return [
    ['random', () => [...(rand() < 0.7 ? HEADER : []), ...Array.from({ length: int(48) }, byte)]],
    ['bit-flip', (b) => {
      for (let k = 1 + int(3); k > 0 && b.length > 0; k--) b[int(b.length)]! ^= 1 << int(8);
      return b;
    }],
    ['overwrite', overwrite],
    ['insert', (b) => {
      b.splice(at(b), 0, ...Array.from({ length: 1 + int(4) }, byte));
      return b;
    }],
    ['delete', (b) => {
      b.splice(int(b.length), 1 + int(4));
      return b;
    }],
    ['truncate', (b) => b.slice(0, int(b.length))],
    ['splice', (b) => {
      const other = pick(corpus);
      return [...b.slice(0, at(b)), ...other.subarray(int(other.length))];
    }],
    ['count', (b, _src, s) => {
      if (s.counts.length === 0) return overwrite(b, _src, s);
      const c = pick(s.counts);
      const d = rand() < 0.8 ? pick([-3, -2, -1, 1, 2, 3]) : int(1 << 20) - (1 << 19);
      b.splice(c.at, c.len, ...uvBytes(Math.max(0, c.n + d)));
      return b;
    }],
    ['text-length', (b, _src, s) => {
      if (s.texts.length === 0) return overwrite(b, _src, s);
      const t = pick(s.texts);
      b.splice(t.at, t.hdrLen, ...uvBytes(Math.max(0, t.h + pick([-4, -3, -2, -1, 1, 2, 3, 4]))));
      return b;
    }],
    ['short-count', (b, _src, s) => {
      const shorts = s.items.filter((i) => b[i]! >= Opcode.LIST_SHORT && b[i]! < Opcode.NIL);
      if (shorts.length === 0) return overwrite(b, _src, s);
      const i = pick(shorts);
      b[i] = Math.min(0xff, Math.max(0, b[i]! + pick([-2, -1, 1, 2])));
      return b;
    }],
    ['text-char', (b, _src, s) => {
      // A special character in a text, overwriting a byte or inserted with the length adjusted.
      const ts = s.texts.filter((t) => t.h % 2 === 0);
      if (ts.length === 0) return overwrite(b, _src, s);
      const t = pick(ts);
      const c = pick(EDN_SPECIAL);
      if (t.bytes > 0 && rand() < 0.5) {
        b[t.payload + int(t.bytes)] = c;
        return b;
      }
      b.splice(t.payload + int(t.bytes + 1), 0, c);
      b.splice(t.at, t.hdrLen, ...uvBytes(t.h + 2));
      return b;
    }],
    ['text-word', (b, _src, s) => {
      if (s.texts.length === 0) return overwrite(b, _src, s);
      const t = pick(s.texts);
      b.splice(t.at, t.hdrLen + t.bytes, ...textBytes(pick(WORDS)));
      return b;
    }],
    ['opcode', (b, _src, s) => {
      const i = pick(s.items);
      const fam = FAMILIES.find((f) => f.includes(b[i]!));
      if (fam === undefined) return overwrite(b, _src, s);
      b[i] = pick(fam);
      return b;
    }],
    ['wrap-tagged', (b, _src, s) => {
      // Tag an item with a dictionary word (or a reference to an existing entry).
      const i = pick(s.items);
      b.splice(i, 0, Opcode.TAGGED, ...(rand() < 0.8 ? [Opcode.DEF_STRING, ...textBytes(pick(WORDS))] : [int(4)]));
      return b;
    }],
  ];
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

function report(failures: { i: number; mutator: string; input: Uint8Array; verdict: Extract<Verdict, { ok: false }> }[]): string {
  const lines = [`binary round-trip property failed (seed ${SEED}, ${COUNT} mutants): ${failures.length} distinct failure${failures.length === 1 ? '' : 's'}`];
  for (const f of failures) {
    const small = minimize(f.input, f.verdict.kind);
    const again = judge(small);
    lines.push(
      `- mutant #${f.i} (${f.mutator}), ${f.verdict.kind}: ${f.verdict.why}`,
      `  blob (${f.input.length} bytes): ${hex(f.input)}`,
      `  minimized (${small.length} bytes): ${hex(small)}${again.ok ? '' : ` — ${again.why}`}`,
      `  replay: IMMUTOS_BINARY_REPLAY=${hex(small)} npx vitest run tests/properties/binaryRoundTrip.test.ts`,
    );
  }
  return lines.join('\n');
}

describe('binary decoder: every accepted blob prints as EDN that reads back, and re-encodes to itself', () => {
  it.runIf(REPLAY !== undefined)('replays IMMUTOS_BINARY_REPLAY', () => {
    const input = Uint8Array.from(Buffer.from(REPLAY!, 'hex'));
    const v = judge(input);
    if (!v.ok) throw new Error(`${v.kind}: ${v.why}\n  blob: ${hex(input)}`);
  });

  it(
    `${COUNT.toLocaleString('en-US')} mutated blobs (seed ${SEED}): accepted ⇒ print→read equal and identical, re-encoding gives the same bytes; refused ⇒ bad-input`,
    () => {
      const started = performance.now();
      const rand = mulberry32(SEED);
      const values = [
        ...fc.sample(fc.array(valueArb({ maxDepth: 3, maxLength: 5 }), { minLength: 1, maxLength: 3 }), { seed: SEED, numRuns: 400 }),
        ...specialValues().map((v) => [v]),
      ];
      const corpus = values.map((vs) => encodeAll(vs));
      // The unmutated corpus satisfies the property.
      for (const b of corpus) {
        const v = judge(b);
        if (!v.ok || !v.accepted) throw new Error(`corpus blob ${clip(hex(b), 400)}: ${v.ok ? 'refused' : v.why}`);
      }
      const siteOf = corpus.map(sites);
      const mutators = makeMutators(rand, corpus);
      const perMutator = new Map<string, { n: number; accepted: number }>(mutators.map(([name]) => [name, { n: 0, accepted: 0 }]));
      const failures: { i: number; mutator: string; input: Uint8Array; verdict: Extract<Verdict, { ok: false }> }[] = [];
      const seenKinds = new Set<string>();
      let accepted = 0;
      let streamed = 0;
      let slowest = 0;
      for (let i = 0; i < COUNT && failures.length < 8; i++) {
        const k = Math.floor(rand() * corpus.length);
        const src = corpus[k]!;
        const s = siteOf[k]!;
        // One mutation, or a few stacked (later ones on an already mutated blob use byte-level mutators).
        let [name, mutate] = mutators[Math.floor(rand() * mutators.length)]!;
        let bytes = mutate(Array.from(src), src, s);
        if (rand() < 0.2) {
          const [name2, mutate2] = mutators[1 + Math.floor(rand() * 6)]!;
          bytes = mutate2(bytes, src, s);
          name = `${name}+${name2}`;
        }
        const input = Uint8Array.from(bytes);
        const t0 = performance.now();
        const verdict = judge(input);
        slowest = Math.max(slowest, performance.now() - t0);
        const stats = perMutator.get(name.split('+')[0]!)!;
        stats.n++;
        if (verdict.ok && verdict.accepted) {
          accepted++;
          stats.accepted++;
        }
        if (!verdict.ok) {
          if (!seenKinds.has(verdict.kind)) {
            seenKinds.add(verdict.kind);
            failures.push({ i, mutator: name, input, verdict });
          }
          continue;
        }
        if (i % 25 === 0) {
          streamed++;
          const disagreement = streamedAgrees(input, verdict, rand);
          if (disagreement !== null && !seenKinds.has('stream')) {
            seenKinds.add('stream');
            failures.push({ i, mutator: name, input, verdict: { ok: false, kind: 'stream', why: disagreement } });
          }
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const table = [...perMutator].map(([m, st]) => `${m} ${st.accepted}/${st.n}`).join(', ');
      console.log(`binary property: ${COUNT} mutants (seed ${SEED}) in ${seconds.toFixed(1)} s; accepted ${accepted}, refused ${COUNT - accepted}; ${streamed} also streamed; slowest ${slowest.toFixed(1)} ms\n  accepted/tried per mutator: ${table}`);
      if (failures.length > 0) throw new Error(report(failures));
      // A property that (almost) never accepts or never refuses tests little.
      expect(accepted).toBeGreaterThan(COUNT * 0.05);
      expect(COUNT - accepted).toBeGreaterThan(COUNT * 0.5);
    },
    Math.max(120_000, COUNT * 2),
  );

  it('the name, tag and #inst predicates agree with the reader: valid ⇔ the printed text reads back as the same value', () => {
    const unit = fc.constantFrom(...'ab1-+.:/#_ \n"é', '\ud800', 'nil', 'inst', 'uuid', 'bytes', 'atom', '2020', '-01', 'T00:00Z');
    const part = fc.string({ unit, maxLength: 4 });
    const readsBackAs = (v: Value): boolean => {
      try {
        const back = readEdn(printEdn(v));
        return equals(back, v) && difference(back, v) === null;
      } catch (e) {
        if (!(e instanceof BadInputError)) throw e;
        return false;
      }
    };
    fc.assert(
      fc.property(fc.option(part), part, fc.oneof(fc.constant(null), part), (ns, name, payload) => {
        expect(isValidSymbol(name, ns)).toBe(readsBackAs(Sym.of(name, ns)));
        expect(isValidKeyword(name, ns)).toBe(readsBackAs(Keyword.of(name, ns)));
        const tag = ns === null ? name : `${ns}/${name}`;
        expect(taggedProblem(tag, payload) === null).toBe(readsBackAs(new Tagged(tag, payload)));
      }),
      { numRuns: 20_000 },
    );
  });
});
