/**
 * The ImmutOS binary encoding ("IMB"): a compact, versioned, self-describing, streaming-decodable
 * byte form of {@link Value}s, with a per-blob intern table for symbols, keywords and short strings.
 *
 * A blob is a 4-byte header (`B1 49 4D` + version `01`) followed by zero or more values. Each value
 * is one opcode byte, possibly followed by a payload; the first 128 opcodes are one-byte references
 * into the intern table, which grows as the blob defines entries on first use (so a blob can be
 * produced and consumed value by value). The full byte layout is in `docs/binary-format.md`; the
 * choice of this format over plain CBOR is in `docs/adr/0008-binary-format.md`.
 *
 * Guarantees:
 * - `decode(encode(v))` equals `v` and has the same kinds (a list stays a list, `-0.0` stays
 *   `-0.0`, every string, including ones with lone surrogates, comes back code unit for code unit).
 * - The binary form and EDN text hold the same values: whatever the decoder accepts prints
 *   (`printEdn`) as text that `readEdn` reads back as the same value, and the encoder refuses a
 *   value that has no such text (a symbol or keyword whose name is not an EDN name, a tag the
 *   reader would refuse, a malformed `#inst`, …). Both use the reader's own predicates
 *   (`isValidSymbol`, `isValidKeyword`, `taggedProblem` in `spec/codec/Edn.ts`).
 * - One byte form per value: the encoder is deterministic, and the decoder accepts only what it
 *   writes, so `encodeAll(decodeAll(b))` gives back `b` for every blob `b` that decodes.
 * - Malformed input of any kind raises {@link BadInputError} naming the byte offset; both the
 *   encoder and the decoder are iterative (no recursion on the value's depth) and the decoder
 *   checks every length against the bytes that remain before allocating.
 * - Functions ({@link Fn}) have no byte form: encoding one raises {@link EncodeError}.
 *
 * Not a TLA+ action: the encoding is a representation of values, which the TLA+ modules treat as
 * opaque constants (see Values.tla).
 * @module
 */
import { BadInputError, KernelError } from '../Errors.js';
import { MAX_DEPTH, isValidKeyword, isValidSymbol, taggedProblem } from './Edn.js';
import {
  AtomRef,
  Bytes,
  Char,
  EMap,
  ESet,
  Fn,
  INT64_MAX,
  INT64_MIN,
  Keyword,
  List,
  Sym,
  Tagged,
  Vector,
  compare,
  type Value,
} from '../Values.js';

// ---------------------------------------------------------------------------------------------
// Format constants
// ---------------------------------------------------------------------------------------------

/** The three magic bytes that open every blob (`B1 49 4D`, "±IM" in Latin-1). */
export const MAGIC: readonly number[] = Object.freeze([0xb1, 0x49, 0x4d]);
/** The format version this module writes and the only one it reads. */
export const FORMAT_VERSION = 1;
/** Length of the blob header (magic + version byte). */
export const HEADER_LENGTH = 4;
/** Strings up to this many UTF-16 code units are interned (written once per blob, then referenced). */
export const INTERN_MAX_STRING = 64;

/**
 * Opcodes. Ranges first (the low bits carry an immediate), then single opcodes.
 * Multi-byte integers and doubles are little-endian; `uv` is an unsigned LEB128 varint.
 */
export const Opcode = {
  /** 0x00–0x7F: reference to intern entry 0–127. */
  REF1: 0x00,
  /** 0x80–0x9F + 1 byte: reference to intern entry 128 + ((op & 0x1F) << 8 | byte), i.e. 128–8319. */
  REF2: 0x80,
  /** 0xA0–0xBF: the integer (op - 0xA0) + SMALL_INT_MIN, i.e. -4–27. */
  SMALL_INT: 0xa0,
  /** 0xC0–0xCF: a list of (op & 0x0F) items, which follow. */
  LIST_SHORT: 0xc0,
  /** 0xD0–0xD7: a vector of (op & 0x07) items. */
  VECTOR_SHORT: 0xd0,
  /** 0xD8–0xDB: a map of (op & 0x03) entries (key, value, key, value…, keys in canonical order). */
  MAP_SHORT: 0xd8,
  /** nil. */
  NIL: 0xdc,
  /** false. */
  FALSE: 0xdd,
  /** true. */
  TRUE: 0xde,
  /** int8 payload. */
  INT8: 0xdf,
  /** int16 payload. */
  INT16: 0xe0,
  /** int32 payload. */
  INT32: 0xe1,
  /** int64 payload. */
  INT64: 0xe2,
  /** IEEE 754 binary64 payload. */
  F64: 0xe3,
  /** uv count, then the items. */
  LIST: 0xe4,
  /** uv count, then the items. */
  VECTOR: 0xe5,
  /** uv entry count, then key, value, … (keys strictly ascending in canonical order). */
  MAP: 0xe6,
  /** uv count, then the members (strictly ascending in canonical order). */
  SET: 0xe7,
  /** A text (see below), not interned. */
  STRING: 0xe8,
  /** A text, interned as the next table entry (a string). */
  DEF_STRING: 0xea,
  /** A text (name), interned as the next entry: a symbol without namespace. */
  DEF_SYMBOL: 0xeb,
  /** Two texts (namespace, name), interned as the next entry: a namespaced symbol. */
  DEF_SYMBOL_NS: 0xec,
  /** A text (name), interned: a keyword without namespace. */
  DEF_KEYWORD: 0xed,
  /** Two texts (namespace, name), interned: a namespaced keyword. */
  DEF_KEYWORD_NS: 0xee,
  /** uv index ≥ 8320: reference to an intern entry. */
  REF: 0xef,
  /** uv code point (0–0x10FFFF): a character. */
  CHAR: 0xf0,
  /** uv length, then the raw bytes: a byte string. */
  BYTES: 0xf1,
  /** Two items: the tag (must be a string) and the tagged value. */
  TAGGED: 0xf2,
  /** 16 raw bytes: `#uuid "…"` with its canonical lower-case text. */
  UUID: 0xf3,
  /** uv atom name: an atom reference. */
  ATOM: 0xf4,
} as const;

/** Smallest integer with a one-byte form. */
export const SMALL_INT_MIN = -4;
/** Largest integer with a one-byte form. */
export const SMALL_INT_MAX = 27;
const REF1_COUNT = 128;
/** High 32 bits (little-endian word 1) of the one NaN the format holds, 7FF8000000000000; the low word is 0. */
const CANONICAL_NAN_HIGH = 0x7ff80000;
const REF2_LIMIT = REF1_COUNT + 32 * 256; // 8320

// ---------------------------------------------------------------------------------------------
// Errors and options
// ---------------------------------------------------------------------------------------------

/**
 * A value that has no byte form: a function, a value with no EDN text (e.g. the symbol `a b`, the
 * tag `#1x`, `#inst "yesterday"`), or a malformed value (e.g. a multi-code-point char).
 */
export class EncodeError extends KernelError {
  /** Creates the error (kind `unsupported`). */
  constructor(message: string) {
    super('unsupported', message);
    this.name = 'EncodeError';
  }
}

/**
 * Seeded decoder bugs ("mutants") a kernel can inject into the decoding on its kernel path (the
 * binary `load`), for the differential fuzzer's meta-tests. Off unless named in
 * {@link DecodeOptions.mutants}; the canonical decoder never enables one by itself.
 */
export const CODEC_MUTANTS: readonly { readonly name: string; readonly description: string }[] = Object.freeze([
  { name: 'codec-int64-sign', description: 'the decoder reads an 8-byte integer without its top (sign) bit, so a negative int64 below -2^31 decodes as a large positive one' },
  { name: 'codec-drops-nil-entry', description: 'the decoder drops every map entry whose value is nil' },
  { name: 'codec-accepts-noncanonical', description: 'the decoder accepts integers, collection lengths and intern references written in a longer form than the canonical one' },
  { name: 'codec-astral-char', description: 'the decoder keeps only the low 16 bits of a character\'s code point, so a character beyond U+FFFF decodes as another one' },
]);

/** The name of a seeded decoder bug of {@link CODEC_MUTANTS}. */
export type CodecMutantName = 'codec-int64-sign' | 'codec-drops-nil-entry' | 'codec-accepts-noncanonical' | 'codec-astral-char';

/** Counts what a decoder delivered (see {@link DecodeOptions.counter}). */
export interface DecodeCounter {
  /** Incremented once per value decoded: every scalar, collection, element, map key and value, tag and tagged value. */
  nodes: number;
}

/** Options of the decoders. */
export interface DecodeOptions {
  /**
   * Deepest collection (and tagged-value) nesting accepted; deeper input is bad-input.
   * Defaults to {@link MAX_DEPTH}, the EDN reader's limit. `Infinity` lifts it (the decoder is
   * iterative, so depth is then bounded only by the input's length).
   */
  readonly maxDepth?: number;
  /**
   * Seeded decoder bugs to switch on (names of {@link CODEC_MUTANTS}; other names are ignored,
   * so a kernel may pass its whole mutant set). None by default.
   */
  readonly mutants?: readonly string[];
  /** When given, counts every value decoded (for a kernel's coverage counters). */
  readonly counter?: DecodeCounter;
}

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

const UUID_CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const textEncoder = new TextEncoder();
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const KEEP_SCRATCH = 1 << 22;
let scratch: Uint8Array = new Uint8Array(1 << 16);

/** Writes values into a growing buffer, keeping the intern table of one blob. */
class Writer {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;
  /** Intern table: keyword and symbol objects (interned, so identity works) and strings → index. */
  readonly table = new Map<Keyword | Sym | string, number>();
  // Explicit traversal stack (parallel arrays): the sequence, the next index, whether it is a map.
  private readonly seqs: (readonly Value[] | readonly (readonly [Value, Value])[])[] = [];
  private readonly idx: number[] = [];
  private readonly isMap: boolean[] = [];

  constructor(initial: Uint8Array) {
    this.buf = initial;
    this.dv = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  uv(n: number): void {
    this.ensure(10);
    this.pos = putUv(this.buf, this.pos, n);
  }

  /** A text: uv header (UTF-8 byte count × 2, or UTF-16 unit count × 2 + 1 when ill-formed), payload. */
  text(s: string): void {
    const n = s.length;
    if (n < 64) {
      // Fast path: short ASCII, header is one byte.
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = n * 2;
        this.pos = start + 1 + n;
        return;
      }
    }
    if (!isWellFormed(s)) {
      this.uv(n * 2 + 1);
      this.ensure(n * 2);
      for (let i = 0; i < n; i++) this.dv.setUint16(this.pos + 2 * i, s.charCodeAt(i), true);
      this.pos += n * 2;
      return;
    }
    const max = n * 3;
    const hdr = uvSize(max * 2);
    this.ensure(hdr + max);
    const start = this.pos;
    const written = textEncoder.encodeInto(s, this.buf.subarray(start + hdr, start + hdr + max)).written;
    const real = uvSize(written * 2);
    if (real !== hdr) this.buf.copyWithin(start + real, start + hdr, start + hdr + written);
    // the header goes in the room reserved above: growing the buffer here would drop the payload
    putUv(this.buf, start, written * 2);
    this.pos = start + real + written;
  }

  ref(i: number): void {
    if (i < REF1_COUNT) this.byte(i);
    else if (i < REF2_LIMIT) {
      this.ensure(2);
      const j = i - REF1_COUNT;
      this.buf[this.pos++] = Opcode.REF2 | (j >> 8);
      this.buf[this.pos++] = j & 0xff;
    } else {
      this.byte(Opcode.REF);
      this.uv(i);
    }
  }

  string(s: string): void {
    if (s.length > INTERN_MAX_STRING) {
      this.byte(Opcode.STRING);
      this.text(s);
      return;
    }
    const i = this.table.get(s);
    if (i !== undefined) return this.ref(i);
    this.table.set(s, this.table.size);
    this.byte(Opcode.DEF_STRING);
    this.text(s);
  }

  name(x: Keyword | Sym, plain: number, namespaced: number): void {
    const i = this.table.get(x);
    if (i !== undefined) return this.ref(i);
    if (!(plain === Opcode.DEF_SYMBOL ? isValidSymbol(x.name, x.ns) : isValidKeyword(x.name, x.ns))) {
      throw new EncodeError(`${plain === Opcode.DEF_SYMBOL ? 'symbol' : 'keyword'} ${JSON.stringify(x.fullName)} has no EDN text (its name is not an EDN name), so it has no byte form`);
    }
    this.table.set(x, this.table.size);
    if (x.ns === null) {
      this.byte(plain);
      this.text(x.name);
    } else {
      this.byte(namespaced);
      this.text(x.ns);
      this.text(x.name);
    }
  }

  int(v: bigint): void {
    if (v >= -4n && v <= 27n) return this.byte(Opcode.SMALL_INT + Number(v) - SMALL_INT_MIN);
    this.ensure(9);
    if (v >= -0x80n && v <= 0x7fn) {
      this.buf[this.pos++] = Opcode.INT8;
      this.dv.setInt8(this.pos, Number(v));
      this.pos += 1;
    } else if (v >= -0x8000n && v <= 0x7fffn) {
      this.buf[this.pos++] = Opcode.INT16;
      this.dv.setInt16(this.pos, Number(v), true);
      this.pos += 2;
    } else if (v >= -0x80000000n && v <= 0x7fffffffn) {
      this.buf[this.pos++] = Opcode.INT32;
      this.dv.setInt32(this.pos, Number(v), true);
      this.pos += 4;
    } else {
      if (v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`integer ${v} is outside int64`);
      this.buf[this.pos++] = Opcode.INT64;
      this.dv.setBigInt64(this.pos, v, true);
      this.pos += 8;
    }
  }

  /** Opens a collection: writes its header and, when non-empty, pushes it on the traversal stack. */
  private open(short: number, shortMax: number, long: number, n: number, seq: readonly Value[] | readonly (readonly [Value, Value])[], map: boolean): void {
    if (n <= shortMax && short >= 0) this.byte(short + n);
    else {
      this.byte(long);
      this.uv(n);
    }
    if (n > 0) {
      this.seqs.push(seq);
      this.idx.push(0);
      this.isMap.push(map);
    }
  }

  /** Writes one value (iteratively: nesting depth costs heap, not call stack). */
  value(root: Value): void {
    const seqs = this.seqs;
    const idx = this.idx;
    const isMap = this.isMap;
    const base = seqs.length;
    let v: Value = root;
    for (;;) {
      // Write `v` (a scalar completely; a collection's header, pushing its items).
      let again = false;
      if (v === null) this.byte(Opcode.NIL);
      else
        switch (typeof v) {
          case 'boolean':
            this.byte(v ? Opcode.TRUE : Opcode.FALSE);
            break;
          case 'bigint':
            this.int(v);
            break;
          case 'number':
            this.ensure(9);
            this.buf[this.pos++] = Opcode.F64;
            if (v === v) this.dv.setFloat64(this.pos, v, true);
            else {
              // Every NaN is written as the one canonical quiet NaN (NaN payloads are not values).
              this.dv.setUint32(this.pos, 0, true);
              this.dv.setUint32(this.pos + 4, CANONICAL_NAN_HIGH, true);
            }
            this.pos += 8;
            break;
          case 'string':
            this.string(v);
            break;
          default:
            switch (v.kind) {
              case 'symbol':
                this.name(v, Opcode.DEF_SYMBOL, Opcode.DEF_SYMBOL_NS);
                break;
              case 'keyword':
                this.name(v, Opcode.DEF_KEYWORD, Opcode.DEF_KEYWORD_NS);
                break;
              case 'list':
                this.open(Opcode.LIST_SHORT, 15, Opcode.LIST, v.items.length, v.items, false);
                break;
              case 'vector':
                this.open(Opcode.VECTOR_SHORT, 7, Opcode.VECTOR, v.items.length, v.items, false);
                break;
              case 'map':
                this.open(Opcode.MAP_SHORT, 3, Opcode.MAP, v.entries.length, v.entries, true);
                break;
              case 'set':
                this.open(-1, -1, Opcode.SET, v.items.length, v.items, false);
                break;
              case 'char': {
                const cp = v.ch.codePointAt(0);
                if (cp === undefined || v.ch.length !== (cp > 0xffff ? 2 : 1)) throw new EncodeError(`a character must hold exactly one code point, not ${JSON.stringify(v.ch)}`);
                this.byte(Opcode.CHAR);
                this.uv(cp);
                break;
              }
              case 'bytes':
                this.byte(Opcode.BYTES);
                this.uv(v.data.length);
                this.ensure(v.data.length);
                this.buf.set(v.data, this.pos);
                this.pos += v.data.length;
                break;
              case 'tagged':
                if (v.tag === 'uuid' && typeof v.value === 'string' && UUID_CANONICAL.test(v.value)) {
                  this.ensure(17);
                  this.buf[this.pos++] = Opcode.UUID;
                  const hex = v.value.replace(/-/g, '');
                  for (let i = 0; i < 16; i++) this.buf[this.pos++] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
                } else {
                  const problem = taggedProblem(v.tag, v.value);
                  if (problem !== null) throw new EncodeError(`tagged value #${v.tag} has no EDN text (${problem}), so it has no byte form`);
                  this.byte(Opcode.TAGGED);
                  this.string(v.tag);
                  v = v.value;
                  again = true; // the tagged value follows directly, no frame needed
                }
                break;
              case 'atom':
                if (!Number.isSafeInteger(v.ref) || v.ref < 0) throw new EncodeError(`atom reference ${v.ref} is not a non-negative safe integer`);
                this.byte(Opcode.ATOM);
                this.uv(v.ref);
                break;
              case 'fn':
                throw new EncodeError(`functions cannot be encoded (fn id ${v.id}${v.name === null ? '' : ` ${v.name}`})`);
              default:
                throw new EncodeError(`not a value: ${String(v)}`);
            }
        }
      if (again) continue;
      // Find the next value to write: the next item of the innermost unfinished collection.
      for (;;) {
        const top = seqs.length - 1;
        if (top < base) return;
        const i = idx[top]!;
        const seq = seqs[top]!;
        if (isMap[top]) {
          const len = seq.length * 2;
          if (i < len) {
            v = (seq as readonly (readonly [Value, Value])[])[i >> 1]![i & 1]!;
            idx[top] = i + 1;
            break;
          }
        } else if (i < seq.length) {
          v = (seq as readonly Value[])[i]!;
          idx[top] = i + 1;
          break;
        }
        seqs.pop();
        idx.pop();
        isMap.pop();
      }
    }
  }

  header(): void {
    this.ensure(HEADER_LENGTH);
    for (const b of MAGIC) this.buf[this.pos++] = b;
    this.buf[this.pos++] = FORMAT_VERSION;
  }

  /** The bytes written so far (a copy), and resets the position. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

/** Writes `n` as an unsigned varint at `pos` of `buf` (which has room) → the position after it. */
function putUv(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

function uvSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    s++;
  }
  return s;
}

function withScratch<T>(f: (w: Writer) => T): T {
  const w = new Writer(scratch);
  try {
    return f(w);
  } finally {
    if (w.buf.length <= KEEP_SCRATCH) scratch = w.buf;
  }
}

/**
 * Encodes one value as a blob (header + the value).
 * @throws EncodeError for a function, a value with no EDN text or a malformed value.
 */
export function encode(v: Value): Uint8Array {
  return withScratch((w) => {
    w.header();
    w.value(v);
    return w.take();
  });
}

/**
 * Encodes a sequence of values as one blob sharing one intern table; {@link decodeAll} returns
 * them in order. An empty sequence gives a header-only blob.
 * @throws EncodeError for a function, a value with no EDN text or a malformed value.
 */
export function encodeAll(vs: Iterable<Value>): Uint8Array {
  return withScratch((w) => {
    w.header();
    for (const v of vs) w.value(v);
    return w.take();
  });
}

/**
 * Encodes a blob value by value (for streams): each call returns the bytes of one more value
 * (the first call's bytes start with the header); the concatenation of all returned chunks is
 * the blob {@link encodeAll} would give for the same values.
 */
export class StreamEncoder {
  private readonly w = new Writer(new Uint8Array(256));
  private started = false;
  /**
   * The bytes of `v`, continuing this stream's blob.
   * @throws EncodeError for a function, a value with no EDN text or a malformed value (the stream
   * is then unusable).
   */
  encode(v: Value): Uint8Array {
    if (!this.started) {
      this.w.header();
      this.started = true;
    }
    this.w.value(v);
    return this.w.take();
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SMALL_INTS: readonly bigint[] = Array.from({ length: 32 }, (_, i) => BigInt(i + SMALL_INT_MIN));
const INT8S: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i - 128));
const EMPTY_LIST = new List([]);
const EMPTY_VECTOR = new Vector([]);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));


// Frame kinds of the decoder's explicit stack.
const K_LIST = 0;
const K_VECTOR = 1;
const K_MAP = 2;
const K_SET = 3;
const K_TAGGED = 4;

/** Thrown inside the decoder (streaming mode only) when the current item is not all there yet. */
class Short {
  constructor(
    /** Absolute byte count needed. */
    readonly need: number,
    /** Where the cut item starts (relative to the reader's buffer): decoding resumes there. */
    readonly start: number,
  ) {}
}

/**
 * The decoding state machine shared by {@link decode}, {@link decodeAll}, {@link Decoder} and
 * {@link decodeStream}. It consumes whole items only: when an item is cut short it rolls back to
 * the item's first byte, so decoding can resume when more bytes arrive.
 */
class Reader {
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(this.buf.buffer);
  pos = 0;
  end = 0;
  /** Absolute offset of buf[0] in the whole input (for error offsets in streaming mode). */
  base = 0;
  /** Absolute byte count needed before decoding can progress (streaming mode). */
  need = 0;
  headerDone = false;
  final = true;
  /** Absolute offset just after the first top-level value (-1 before it is complete). */
  firstEnd = -1;
  readonly table: Value[] = [];
  /** The intern table's entries as a set, to refuse an entry defined twice. */
  private readonly defined = new Set<string | Sym | Keyword>();
  readonly out: Value[] = [];
  // Stack of open collections (parallel arrays); the innermost one is in cur*.
  // Items of open collections live on one value stack (`vals[0..sp)`); each frame remembers
  // where its items begin, so no array is allocated until a collection is complete.
  private readonly vals: Value[] = [];
  private sp = 0;
  private readonly kinds: number[] = [];
  private readonly lefts: number[] = [];
  private readonly bases: number[] = [];
  private readonly starts: number[] = [];
  private depth = 0;
  private curKind = 0;
  private curLeft = 0;
  private curBase = 0;
  private curStart = 0;

  /** Seeded bugs on (see {@link CODEC_MUTANTS}); all false for the canonical decoder. */
  private readonly bugInt64Sign: boolean;
  private readonly bugDropNil: boolean;
  private readonly bugNonCanonical: boolean;
  private readonly bugAstral: boolean;
  private readonly counter: DecodeCounter | undefined;

  constructor(
    private readonly maxDepth: number,
    options: DecodeOptions = {},
  ) {
    const on = new Set(options.mutants ?? []);
    this.bugInt64Sign = on.has('codec-int64-sign');
    this.bugDropNil = on.has('codec-drops-nil-entry');
    this.bugNonCanonical = on.has('codec-accepts-noncanonical');
    this.bugAstral = on.has('codec-astral-char');
    this.counter = options.counter;
  }

  setInput(buf: Uint8Array, base: number): void {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.end = buf.length;
    this.base = base;
  }

  bad(msg: string, at: number): BadInputError {
    return new BadInputError(msg, this.base + at);
  }

  /** The item starting at `start` needs `n` bytes from `from` that are not all there. */
  short(start: number, from: number, n: number): never {
    if (this.final) {
      throw this.bad(`truncated input: ${n} byte${n === 1 ? '' : 's'} needed at offset ${this.base + from}, ${Math.max(0, this.end - from)} left`, start);
    }
    throw new Short(this.base + from + n, start);
  }

  /** Reads an unsigned LEB128 varint at this.pos (canonical, ≤ 2^53-1). */
  uv(start: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) this.short(start, pos, 1);
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; ; i++) {
      if (pos >= this.end) this.short(start, pos, 1);
      b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (b === 0) throw this.bad('over-long varint (non-canonical)', pos - 1);
        break;
      }
      if (i === 7) throw this.bad('varint longer than 8 bytes', pos - 1);
      mul *= 0x80;
    }
    if (result > Number.MAX_SAFE_INTEGER) throw this.bad('varint larger than 2^53-1', start);
    this.pos = pos;
    return result;
  }

  /** Reads a text (header + UTF-8 or UTF-16 payload) at this.pos. */
  text(start: number): string {
    const hdrAt = this.pos;
    const h = this.uv(start);
    const utf16 = h % 2 === 1;
    const n = Math.floor(h / 2);
    const pos = this.pos;
    const bytes = utf16 ? n * 2 : n;
    if (bytes > this.end - pos) this.short(start, pos, bytes);
    const buf = this.buf;
    if (utf16) {
      let s = '';
      for (let i = 0; i < n; i += 4096) {
        const units: number[] = [];
        for (let j = i; j < Math.min(n, i + 4096); j++) units.push(this.dv.getUint16(pos + 2 * j, true));
        s += String.fromCharCode(...units);
      }
      if (isWellFormed(s)) throw this.bad('well-formed text stored as UTF-16 (non-canonical)', hdrAt);
      this.pos = pos + bytes;
      return s;
    }
    if (n <= 32) {
      let s = '';
      let i = 0;
      for (; i < n; i++) {
        const c = buf[pos + i]!;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === n) {
        this.pos = pos + n;
        return s;
      }
    }
    let s: string;
    try {
      s = textDecoder.decode(buf.subarray(pos, pos + n));
    } catch {
      throw this.bad('invalid UTF-8 in text', pos);
    }
    this.pos = pos + n;
    return s;
  }

  private push(kind: number, n: number, start: number): void {
    if (this.depth >= this.maxDepth) throw this.bad(`nesting deeper than ${this.maxDepth}`, start);
    if (this.depth > 0) {
      // Indexed writes, never push/pop: popping an array to empty frees its backing store.
      const f = this.depth - 1;
      this.kinds[f] = this.curKind;
      this.lefts[f] = this.curLeft;
      this.bases[f] = this.curBase;
      this.starts[f] = this.curStart;
    }
    this.depth++;
    this.curKind = kind;
    this.curLeft = n;
    this.curBase = this.sp;
    this.curStart = start;
  }

  /** Builds the innermost collection (complete) and pops it. */
  private pop(): Value {
    // A fresh array per collection: the value takes ownership of it (List.adopt & co.).
    const items = this.vals.slice(this.curBase, this.sp);
    this.sp = this.curBase;
    const start = this.curStart;
    let v: Value;
    switch (this.curKind) {
      case K_LIST:
        v = List.adopt(items);
        break;
      case K_VECTOR:
        v = Vector.adopt(items);
        break;
      case K_MAP: {
        this.ascending(items, 2, 'map keys', start);
        v = EMap.adoptSortedFlat(this.bugDropNil ? items.filter((x, i) => (i % 2 === 0 ? items[i + 1] : x) !== null) : items);
        break;
      }
      case K_SET:
        this.ascending(items, 1, 'set members', start);
        v = ESet.adoptSorted(items);
        break;
      default: {
        const tag = items[0]!;
        if (typeof tag !== 'string') throw this.bad('tag of a tagged value is not a string', start);
        const value = items[1]!;
        // Only what the EDN reader can produce, so that the value prints as text that reads back.
        const problem = taggedProblem(tag, value);
        if (problem !== null) throw this.bad(problem, start);
        if (tag === 'uuid') throw this.bad('#uuid in the general tagged form (non-canonical: a #uuid is written with the UUID opcode)', start);
        v = new Tagged(tag, value);
      }
    }
    this.depth--;
    if (this.depth > 0) {
      const f = this.depth - 1;
      this.curKind = this.kinds[f]!;
      this.curLeft = this.lefts[f]!;
      this.curBase = this.bases[f]!;
      this.curStart = this.starts[f]!;
    }
    return v;
  }

  /**
   * Refuses a value at the current depth that prints as a collection or a tag (an empty
   * collection, `#bytes`, `#atom`, `#uuid`) when the EDN reader would find it one level too deep:
   * the reader counts every open collection and tag, the decoder only the frames it pushes.
   */
  private leafFrame(start: number): void {
    if (this.depth >= this.maxDepth) throw this.bad(`nesting deeper than ${this.maxDepth}`, start);
  }

  /** Appends an intern entry; one defined twice is non-canonical (the encoder references repeats). */
  private define(v: string | Sym | Keyword, start: number): void {
    // One hash of the entry, not two: a set that does not grow already held it.
    const size = this.defined.size;
    if (this.defined.add(v).size === size) throw this.bad(`intern entry already defined (non-canonical: a repeat is written as a reference)`, start);
    this.table.push(v);
  }

  /** Checks that xs[0], xs[stride], xs[2·stride]… are strictly ascending (canonical, no duplicates). */
  private ascending(xs: readonly Value[], stride: number, what: string, start: number): void {
    try {
      for (let i = stride; i < xs.length; i += stride) {
        if (compare(xs[i - stride]!, xs[i]!) >= 0) throw this.bad(`${what} not strictly ascending (duplicate or out of canonical order)`, start);
      }
    } catch (e) {
      if (e instanceof RangeError) throw this.bad(`${what} too deeply nested to compare`, start);
      throw e;
    }
  }

  private readHeader(): void {
    if (this.end - this.pos < HEADER_LENGTH) {
      // Report a wrong magic as soon as it shows, even in a short input.
      for (let i = 0; i < Math.min(3, this.end - this.pos); i++) {
        if (this.buf[this.pos + i] !== MAGIC[i]) throw this.bad('not an ImmutOS binary blob (bad magic)', this.pos + i);
      }
      this.short(this.pos, this.pos, HEADER_LENGTH);
    }
    for (let i = 0; i < 3; i++) if (this.buf[this.pos + i] !== MAGIC[i]) throw this.bad('not an ImmutOS binary blob (bad magic)', this.pos + i);
    const version = this.buf[this.pos + 3]!;
    if (version !== FORMAT_VERSION) throw this.bad(`unsupported format version ${version} (this decoder reads version ${FORMAT_VERSION})`, this.pos + 3);
    this.pos += HEADER_LENGTH;
    this.headerDone = true;
  }

  /** Decodes every complete value available; complete top-level values go to `out`. */
  run(): void {
    try {
      if (!this.headerDone) this.readHeader();
      this.loop();
    } catch (e) {
      if (e instanceof Short) {
        this.need = e.need;
        this.pos = e.start;
        return;
      }
      throw e;
    }
    if (this.final && this.depth > 0) {
      throw this.bad(`truncated input: collection opened at offset ${this.base + this.curStart} is not complete`, this.end);
    }
  }

  private loop(): void {
    const buf = this.buf;
    const table = this.table;
    const end = this.end;
    for (;;) {
      const start = this.pos;
      if (start >= end) return;
      const op = buf[start]!;
      let pos = start + 1;
      let v: Value;
      if (op < 0x80) {
        v = table[op]!;
        if (v === undefined) throw this.bad(`intern reference ${op} out of range (table has ${table.length} entries)`, start);
      } else if (op < 0xa0) {
        if (pos >= end) this.short(start, pos, 1);
        const i = REF1_COUNT + (((op & 0x1f) << 8) | buf[pos++]!);
        v = table[i]!;
        if (v === undefined) throw this.bad(`intern reference ${i} out of range (table has ${table.length} entries)`, start);
      } else if (op < 0xc0) {
        v = SMALL_INTS[op - 0xa0]!;
      } else if (op < 0xdc) {
        const kind = op < 0xd0 ? K_LIST : op < 0xd8 ? K_VECTOR : K_MAP;
        const n = op < 0xd0 ? op & 0x0f : op < 0xd8 ? op & 0x07 : (op & 0x03) * 2;
        if (n === 0) {
          this.leafFrame(start);
          v = kind === K_LIST ? EMPTY_LIST : kind === K_VECTOR ? EMPTY_VECTOR : EMap.EMPTY;
        } else {
          this.push(kind, n, start);
          this.pos = pos;
          continue;
        }
      } else {
        switch (op) {
          case Opcode.NIL:
            v = null;
            break;
          case Opcode.FALSE:
            v = false;
            break;
          case Opcode.TRUE:
            v = true;
            break;
          case Opcode.INT8: {
            if (end - pos < 1) this.short(start, pos, 1);
            const x = this.dv.getInt8(pos);
            pos += 1;
            if (x >= SMALL_INT_MIN && x <= SMALL_INT_MAX && !this.bugNonCanonical) throw this.bad('non-canonical integer (has a shorter form)', start);
            v = INT8S[x + 128]!;
            break;
          }
          case Opcode.INT16: {
            if (end - pos < 2) this.short(start, pos, 2);
            const x = this.dv.getInt16(pos, true);
            pos += 2;
            if (x >= -0x80 && x <= 0x7f && !this.bugNonCanonical) throw this.bad('non-canonical integer (has a shorter form)', start);
            v = BigInt(x);
            break;
          }
          case Opcode.INT32: {
            if (end - pos < 4) this.short(start, pos, 4);
            const x = this.dv.getInt32(pos, true);
            pos += 4;
            if (x >= -0x8000 && x <= 0x7fff && !this.bugNonCanonical) throw this.bad('non-canonical integer (has a shorter form)', start);
            v = BigInt(x);
            break;
          }
          case Opcode.INT64: {
            if (end - pos < 8) this.short(start, pos, 8);
            const x = this.bugInt64Sign ? this.dv.getBigUint64(pos, true) & 0x7fffffffffffffffn : this.dv.getBigInt64(pos, true);
            pos += 8;
            if (x >= -0x80000000n && x <= 0x7fffffffn && !this.bugNonCanonical) throw this.bad('non-canonical integer (has a shorter form)', start);
            v = x;
            break;
          }
          case Opcode.F64:
            if (end - pos < 8) this.short(start, pos, 8);
            v = this.dv.getFloat64(pos, true);
            if (v !== v && (this.dv.getUint32(pos, true) !== 0 || this.dv.getUint32(pos + 4, true) !== CANONICAL_NAN_HIGH)) {
              throw this.bad('non-canonical NaN (every NaN is written as 7FF8000000000000)', start);
            }
            pos += 8;
            break;
          case Opcode.LIST:
          case Opcode.VECTOR:
          case Opcode.MAP:
          case Opcode.SET: {
            this.pos = pos;
            const n = this.uv(start);
            pos = this.pos;
            const shortMax = op === Opcode.LIST ? 15 : op === Opcode.VECTOR ? 7 : op === Opcode.MAP ? 3 : -1;
            if (n <= shortMax && !this.bugNonCanonical) throw this.bad('non-canonical collection length (has a shorter form)', start);
            const slots = op === Opcode.MAP ? n * 2 : n;
            // Every item takes at least one byte: a count beyond the input cannot be honest.
            if (this.final && slots > end - pos) throw this.bad(`collection of ${n} ${op === Opcode.MAP ? 'entries' : 'items'} exceeds the ${end - pos} bytes left`, start);
            if (slots === 0) {
              this.leafFrame(start);
              v = ESet.EMPTY;
              break;
            }
            this.push(op === Opcode.LIST ? K_LIST : op === Opcode.VECTOR ? K_VECTOR : op === Opcode.MAP ? K_MAP : K_SET, slots, start);
            this.pos = pos;
            continue;
          }
          case Opcode.STRING: {
            this.pos = pos;
            const s = this.text(start);
            if (s.length <= INTERN_MAX_STRING) throw this.bad(`non-canonical string (one of at most ${INTERN_MAX_STRING} code units is interned)`, start);
            pos = this.pos;
            v = s;
            break;
          }
          case Opcode.DEF_STRING: {
            this.pos = pos;
            const s = this.text(start);
            if (s.length > INTERN_MAX_STRING) throw this.bad(`non-canonical string (one longer than ${INTERN_MAX_STRING} code units is written in place, not interned)`, start);
            pos = this.pos;
            this.define(s, start);
            v = s;
            break;
          }
          case Opcode.DEF_SYMBOL:
          case Opcode.DEF_KEYWORD:
          case Opcode.DEF_SYMBOL_NS:
          case Opcode.DEF_KEYWORD_NS: {
            this.pos = pos;
            const namespaced = op === Opcode.DEF_SYMBOL_NS || op === Opcode.DEF_KEYWORD_NS;
            const ns = namespaced ? this.text(start) : null;
            const name = this.text(start);
            pos = this.pos;
            // Validate before interning: an invalid name must not reach the global symbol table.
            const symbol = op === Opcode.DEF_SYMBOL || op === Opcode.DEF_SYMBOL_NS;
            if (!(symbol ? isValidSymbol(name, ns) : isValidKeyword(name, ns))) {
              const text = ns === null ? name : `${ns}/${name}`;
              throw this.bad(`invalid ${symbol ? 'symbol' : 'keyword'} ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)} (not an EDN ${symbol ? 'symbol' : 'keyword'}: it would not print as text that reads back)`, start);
            }
            const x = symbol ? Sym.of(name, ns) : Keyword.of(name, ns);
            this.define(x, start);
            v = x;
            break;
          }
          case Opcode.REF: {
            this.pos = pos;
            const i = this.uv(start);
            pos = this.pos;
            if (i < REF2_LIMIT && !this.bugNonCanonical) throw this.bad('non-canonical intern reference (has a shorter form)', start);
            v = table[i]!;
            if (v === undefined) throw this.bad(`intern reference ${i} out of range (table has ${table.length} entries)`, start);
            break;
          }
          case Opcode.CHAR: {
            this.pos = pos;
            const cp = this.uv(start);
            pos = this.pos;
            if (cp > 0x10ffff) throw this.bad(`code point ${cp} beyond U+10FFFF`, start);
            v = new Char(this.bugAstral ? String.fromCharCode(cp & 0xffff) : String.fromCodePoint(cp));
            break;
          }
          case Opcode.BYTES: {
            this.leafFrame(start);
            this.pos = pos;
            const n = this.uv(start);
            pos = this.pos;
            if (n > end - pos) this.short(start, pos, n);
            v = new Bytes(buf.subarray(pos, pos + n));
            pos += n;
            break;
          }
          case Opcode.TAGGED:
            this.push(K_TAGGED, 2, start);
            this.pos = pos;
            continue;
          case Opcode.UUID: {
            this.leafFrame(start);
            if (end - pos < 16) this.short(start, pos, 16);
            let s = '';
            for (let i = 0; i < 16; i++) {
              if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
              s += HEX[buf[pos + i]!];
            }
            pos += 16;
            v = new Tagged('uuid', s);
            break;
          }
          case Opcode.ATOM: {
            this.leafFrame(start);
            this.pos = pos;
            const r = this.uv(start);
            pos = this.pos;
            v = new AtomRef(r);
            break;
          }
          default:
            throw this.bad(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, start);
        }
      }
      this.pos = pos;
      // Deliver v: to the innermost open collection, closing every collection it completes.
      for (;;) {
        if (this.counter !== undefined) this.counter.nodes++;
        if (this.depth === 0) {
          if (this.out.length === 0 && this.firstEnd < 0) this.firstEnd = this.base + pos;
          this.out.push(v);
          break;
        }
        this.vals[this.sp++] = v;
        if (--this.curLeft !== 0) break;
        v = this.pop();
      }
    }
  }
}

/**
 * Decodes a blob holding exactly one value. The value prints as EDN text that reads back as itself
 * (unless `maxDepth` was raised above {@link MAX_DEPTH}), and re-encodes to the same bytes.
 * @throws BadInputError (kind `bad-input`, with the byte offset) for anything malformed or
 * non-canonical, for a symbol, keyword or tagged value the EDN reader would refuse, for an empty
 * blob and for bytes after the value.
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Value {
  const r = new Reader(options.maxDepth ?? MAX_DEPTH, options);
  r.setInput(bytes, 0);
  r.run();
  if (r.out.length === 0) throw new BadInputError('expected one value, found none', bytes.length);
  if (r.out.length > 1) throw new BadInputError(`expected one value, found ${r.out.length} (the second starts here)`, r.firstEnd);
  return r.out[0]!;
}

/**
 * Decodes a blob holding any number of values (what {@link encodeAll} wrote), in order.
 * @throws BadInputError (kind `bad-input`, with the byte offset) for anything malformed or
 * non-canonical, and for a symbol, keyword or tagged value the EDN reader would refuse.
 */
export function decodeAll(bytes: Uint8Array, options: DecodeOptions = {}): Value[] {
  const r = new Reader(options.maxDepth ?? MAX_DEPTH, options);
  r.setInput(bytes, 0);
  r.run();
  return r.out;
}

/**
 * An incremental decoder: feed it chunks of a blob as they arrive; each {@link Decoder.push}
 * returns the values completed by that chunk. Work is linear in the input: a value cut by a chunk
 * boundary is resumed, not re-read, and a long string waits until its bytes are all there.
 */
export class Decoder {
  private readonly r: Reader;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private ended = false;

  /** Creates a decoder for one blob. */
  constructor(options: DecodeOptions = {}) {
    this.r = new Reader(options.maxDepth ?? MAX_DEPTH, options);
    this.r.final = false;
  }

  /**
   * Adds a chunk and returns the values it completed (possibly none).
   * @throws BadInputError as soon as the bytes seen so far cannot start a valid blob.
   */
  push(chunk: Uint8Array): Value[] {
    if (this.ended) throw new Error('Decoder.push after end()');
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const r = this.r;
    const have = r.base + r.end + this.pendingBytes;
    if (have < r.need) return [];
    this.feed();
    r.run();
    return r.out.splice(0);
  }

  /**
   * Declares the input complete and returns the values still to deliver.
   * @throws BadInputError if the input stopped inside a value or before the header.
   */
  end(): Value[] {
    this.ended = true;
    const r = this.r;
    this.feed();
    r.final = true;
    r.run();
    return r.out.splice(0);
  }

  private feed(): void {
    const r = this.r;
    const rest = r.buf.subarray(r.pos, r.end);
    const merged = new Uint8Array(rest.length + this.pendingBytes);
    merged.set(rest, 0);
    let at = rest.length;
    for (const c of this.pending) {
      merged.set(c, at);
      at += c.length;
    }
    r.setInput(merged, r.base + r.pos);
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/**
 * Decodes a blob arriving as a stream of chunks, yielding each value as soon as its last byte
 * has arrived.
 * @throws BadInputError (kind `bad-input`, with the absolute byte offset) for malformed input.
 */
export async function* decodeStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: DecodeOptions = {}): AsyncGenerator<Value, void, undefined> {
  const d = new Decoder(options);
  for await (const chunk of chunks) yield* d.push(chunk);
  yield* d.end();
}

// ---------------------------------------------------------------------------------------------
// Base64: how a blob travels in text (the `binary` field of a `load` operation)
// ---------------------------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** The standard base64 text (RFC 4648, `+/`, padded with `=`) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i]! << 16;
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return s;
}

/**
 * The bytes of a standard base64 text, read strictly: only the alphabet of {@link toBase64},
 * padded to a multiple of four characters, no whitespace, unused bits zero (so every byte string
 * has exactly one accepted text).
 * @throws BadInputError (kind `bad-input`, naming the character offset) for anything else.
 */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new BadInputError(`base64 text of ${text.length} characters (not a multiple of 4)`, text.length);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const at = i + j;
      const c = text.charCodeAt(at);
      let d = c < 128 ? B64_INDEX[c]! : -1;
      if (c === 0x3d && at >= text.length - pad) d = 0;
      if (d < 0) throw new BadInputError(`not a base64 character: ${JSON.stringify(text[at])}`, at);
      n = (n << 6) | d;
    }
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    else if (i + 4 === text.length && (n & 0xffff) !== 0) throw new BadInputError('non-canonical base64 (unused bits are not zero)', i);
    if (o < out.length) out[o++] = n & 0xff;
    else if (i + 4 === text.length && pad === 1 && (n & 0xff) !== 0) throw new BadInputError('non-canonical base64 (unused bits are not zero)', i);
  }
  return out;
}
