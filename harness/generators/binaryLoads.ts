/**
 * Programs as binary blobs, for `load` operations that carry `binary` (base64 of
 * `encodeAll(forms)`, spec/codec/Binary.ts): the canonical blob of a program's forms, the same blob
 * with one more form written in a non-canonical way (a longer integer or length form, a long
 * intern reference, an over-long varint, a duplicate set member, a NaN with a payload, a short
 * string written in place or as UTF-16), and corrupted blobs (a flipped byte, a cut, a bad
 * base64 text, a wrong version, nesting one level past the limit, program text and binary at
 * once). Every kernel must load the
 * canonical blob as the program and refuse the others with `bad-input`.
 * @module
 */
import { FORMAT_VERSION, Opcode, encodeAll, toBase64 } from '../../spec/codec/Binary.js';
import { MAX_DEPTH, readEdnForms } from '../../spec/codec/Edn.js';
import { Vector, type Value } from '../../spec/Values.js';

/** How a `load` carries its program. */
export type LoadEncoding = 'text' | 'binary' | 'non-canonical' | 'corrupt';

/** Every {@link LoadEncoding}. */
export const LOAD_ENCODINGS: readonly LoadEncoding[] = ['text', 'binary', 'non-canonical', 'corrupt'];

/** The forms of program text, or null when the text is not EDN (it then travels as text). */
function formsOf(text: string): Value[] | null {
  try {
    return [...readEdnForms(text).forms];
  } catch {
    return null;
  }
}

/** The bytes of `forms` followed by `extra`: the canonical blob of `forms` and the suffix `extra` adds. */
function withExtra(forms: readonly Value[], extra: Value): { blob: Uint8Array; suffix: Uint8Array } {
  const blob = encodeAll(forms);
  const all = encodeAll([...forms, extra]);
  return { blob, suffix: all.subarray(blob.length) };
}

function cat(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function uv(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function int64Le(v: bigint): number[] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigInt64(0, v, true);
  return [...new Uint8Array(dv.buffer)];
}

/** A string no generated program interns (so a definition of it is the blob's first). */
const FRESH = '§zq';

/**
 * Non-canonical rewrites of one more top-level form (the first seven decode, in a lenient
 * decoder, to the value they spell; the others are refused by any decoder that checks its input).
 */
const NON_CANONICAL: readonly ((forms: readonly Value[]) => Uint8Array)[] = [
  // a one-byte integer written as int8
  (f) => cat(encodeAll(f), [Opcode.INT8, 5]),
  // an int8 written as int16, an int16 as int32, an int32 as int64
  (f) => cat(encodeAll(f), [Opcode.INT16, 100, 0]),
  (f) => cat(encodeAll(f), [Opcode.INT32, 0xe8, 0x03, 0, 0]),
  (f) => cat(encodeAll(f), [Opcode.INT64, ...int64Le(-100000n)]),
  // a short vector and a short map in their long forms
  (f) => {
    const { blob, suffix } = withExtra(f, new Vector([5n, 6n]));
    return cat(blob, [Opcode.VECTOR, 2], suffix.subarray(1));
  },
  (f) => cat(encodeAll(f), [Opcode.MAP, 1, Opcode.SMALL_INT + 9, Opcode.SMALL_INT + 10]),
  // a reference to a fresh intern entry in the long (uv) form
  (f) => {
    const blob = encodeAll(f);
    const one = encodeAll([...f, FRESH]);
    const two = encodeAll([...f, FRESH, FRESH]);
    const refBytes = two.subarray(one.length);
    const index = refBytes.length === 1 ? refBytes[0]! : 128 + (((refBytes[0]! & 0x1f) << 8) | refBytes[1]!);
    return cat(blob, [Opcode.VECTOR_SHORT + 2], one.subarray(blob.length), [Opcode.REF, ...uv(index)]);
  },
  // an over-long length varint
  (f) => cat(encodeAll(f), [Opcode.VECTOR, 0x88, 0x00, ...Array.from({ length: 8 }, (_, i) => Opcode.SMALL_INT + 4 + i)]),
  // a set with a duplicate member
  (f) => cat(encodeAll(f), [Opcode.SET, 2, Opcode.SMALL_INT + 9, Opcode.SMALL_INT + 9]),
  // a NaN with a payload
  (f) => cat(encodeAll(f), [Opcode.F64, 1, 0, 0, 0, 0, 0, 0xf8, 0x7f]),
  // a short string written in place, and as UTF-16 although it is well-formed
  (f) => cat(encodeAll(f), [Opcode.STRING, ...uv(new TextEncoder().encode(FRESH).length * 2), ...new TextEncoder().encode(FRESH)]),
  (f) => cat(encodeAll(f), [Opcode.DEF_STRING, ...uv(FRESH.length * 2 + 1), ...[...FRESH].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]),
];

/** How many non-canonical variants {@link binaryLoad} knows. */
export const NON_CANONICAL_VARIANTS = NON_CANONICAL.length;

/** The fields of a binary load: `program` (empty unless the variant sends both) and `binary`. */
export interface BinaryLoadFields {
  /** Program text: empty, as a binary load requires (non-empty for the "both" corruption). */
  readonly program: string;
  /** Base64 of the blob. */
  readonly binary: string;
}

/**
 * The program `text` as a binary load of kind `encoding` (`choice` picks the non-canonical
 * variant or the corruption). Null when `encoding` is `text`, or when the text is not EDN (such
 * a program can only travel as text).
 */
export function binaryLoad(text: string, encoding: LoadEncoding, choice: number): BinaryLoadFields | null {
  if (encoding === 'text') return null;
  const forms = formsOf(text);
  if (forms === null) return null;
  let blob: Uint8Array;
  try {
    blob = encodeAll(forms);
  } catch {
    return null;
  }
  const c = Math.abs(choice | 0);
  if (encoding === 'binary') return { program: '', binary: toBase64(blob) };
  if (encoding === 'non-canonical') return { program: '', binary: toBase64(NON_CANONICAL[c % NON_CANONICAL.length]!(forms)) };
  const b64 = toBase64(blob);
  switch (c % 6) {
    case 0: {
      // one bit flipped after the header (may still decode: then both kernels load the same other program)
      const x = blob.slice();
      if (x.length > 4) x[4 + ((c >>> 3) % (x.length - 4))]! ^= 1 << ((c >>> 11) % 8);
      return { program: '', binary: toBase64(x) };
    }
    case 1:
      // cut short (possibly inside the header)
      return { program: '', binary: toBase64(blob.subarray(0, (c >>> 3) % blob.length)) };
    case 2:
      // not base64: a character outside the alphabet, or the padding dropped
      return { program: '', binary: (c >>> 3) % 2 === 0 ? `${b64.slice(0, -1)}*` : b64.replace(/=+$/, '') + (b64.endsWith('=') ? '' : 'A') };
    case 3: {
      const x = blob.slice();
      x[3] = FORMAT_VERSION + 1;
      return { program: '', binary: toBase64(x) };
    }
    case 4:
      // the program's forms, then a vector nested one level deeper than the decoder (and the reader) accept
      return { program: '', binary: toBase64(cat(blob, new Array<number>(MAX_DEPTH + 1).fill(Opcode.VECTOR_SHORT + 1), [Opcode.SMALL_INT + 5])) };
    default:
      // program text and binary at once
      return { program: text.length > 0 ? text : 'nil', binary: b64 };
  }
}
