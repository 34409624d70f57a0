/**
 * The comparison baseline of the encoding benchmark: ImmutOS values as *plain* CBOR through
 * cbor-x, with no interning. A faithful mapping that favours the common case of code:
 *
 * | value | CBOR |
 * |---|---|
 * | symbol | text string (`ns/name`), untagged: the most frequent leaf of code costs nothing extra |
 * | list | array |
 * | nil, booleans | simple values |
 * | int | integer (bigint beyond 2^53) |
 * | double | float; tag 7 around integral and -0 doubles (which CBOR would otherwise make ints) |
 * | string | tag 8 + text |
 * | keyword | tag 9 + text (`ns/name`) |
 * | char | tag 10 + text |
 * | vector | tag 11 + array |
 * | map | map |
 * | set | tag 258 (standard) + array |
 * | tagged | tag 12 + [tag, value]; `#uuid` as tag 37 (standard) + 16 bytes |
 * | atom ref | tag 13 + integer |
 * | bytes | byte string |
 *
 * (Tags 7–13 are one byte and unassigned in the IANA registry; cbor-x uses 6, 14 and 15 itself.)
 * @module
 */
import { Decoder as CborDecoder, Encoder as CborEncoder, Tag } from 'cbor-x';
import { AtomRef, Bytes, Char, EMap, ESet, Keyword, List, Sym, Tagged, Vector, type Value } from '../spec/Values.js';

/** cbor-x options for plain CBOR: no records/structures, no string packing, maps as maps. */
export const PLAIN_OPTIONS = {
  useRecords: false,
  mapsAsObjects: false,
  pack: false,
  structuredClone: false,
  tagUint8Array: false,
  useTag259ForMaps: false,
  bundleStrings: false,
} as const;

/** cbor-x with its own string-packing extension (`pack`): cbor-x's answer to interning. */
export const PACK_OPTIONS = { ...PLAIN_OPTIONS, pack: true } as const;

/** A cbor-x encoder/decoder pair for `options`. */
export function cborCodec(options: typeof PLAIN_OPTIONS | typeof PACK_OPTIONS): { encoder: CborEncoder; decoder: CborDecoder } {
  return { encoder: new CborEncoder({ ...options }), decoder: new CborDecoder({ ...options }) };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Maps a value to the JS data cbor-x encodes as the profile above (functions are not mapped). */
export function toCbor(v: Value): unknown {
  if (v === null || typeof v === 'boolean') return v;
  switch (typeof v) {
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    case 'number':
      return Number.isInteger(v) || Object.is(v, -0) ? new Tag(v, 7) : v;
    case 'string':
      return new Tag(v, 8);
  }
  switch (v.kind) {
    case 'symbol':
      return v.fullName;
    case 'keyword':
      return new Tag(v.fullName, 9);
    case 'char':
      return new Tag(v.ch, 10);
    case 'list':
      return v.items.map(toCbor);
    case 'vector':
      return new Tag(v.items.map(toCbor), 11);
    case 'map':
      return new Map(v.entries.map(([k, x]) => [toCbor(k), toCbor(x)]));
    case 'set':
      return new Set(v.items.map(toCbor));
    case 'tagged':
      if (v.tag === 'uuid' && typeof v.value === 'string' && UUID_RE.test(v.value)) return new Tag(Buffer.from(v.value.replace(/-/g, ''), 'hex'), 37);
      return new Tag([v.tag, toCbor(v.value)], 12);
    case 'atom':
      return new Tag(v.ref, 13);
    case 'bytes':
      return v.data;
    case 'fn':
      throw new Error('functions have no CBOR form');
  }
}

function name<T>(text: string, of: (name: string, ns: string | null) => T): T {
  const i = text.indexOf('/');
  return i > 0 && i < text.length - 1 ? of(text.slice(i + 1), text.slice(0, i)) : of(text, null);
}

/** The inverse of {@link toCbor}: builds values from what cbor-x decoded. */
export function fromCbor(x: unknown): Value {
  if (x === null || typeof x === 'boolean') return x;
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : x;
  if (typeof x === 'bigint') return x;
  if (typeof x === 'string') return name(x, Sym.of);
  if (Array.isArray(x)) return new List(x.map(fromCbor));
  if (x instanceof Map) return EMap.from([...x].map(([k, v]) => [fromCbor(k), fromCbor(v)] as const));
  if (x instanceof Set) return ESet.from([...x].map(fromCbor));
  if (x instanceof Uint8Array) return new Bytes(x);
  if (x instanceof Tag) {
    const t = x.value as unknown;
    switch (x.tag) {
      case 7:
        return t as number;
      case 8:
        return t as string;
      case 9:
        return name(t as string, Keyword.of);
      case 10:
        return new Char(t as string);
      case 11:
        return new Vector((t as unknown[]).map(fromCbor));
      case 12: {
        const [tag, value] = t as [string, unknown];
        return new Tagged(tag, fromCbor(value));
      }
      case 13:
        return new AtomRef(t as number);
      case 37: {
        const h = Buffer.from(t as Uint8Array).toString('hex');
        return new Tagged('uuid', `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
      }
    }
  }
  throw new Error(`not a value of the CBOR profile: ${String(x)}`);
}
