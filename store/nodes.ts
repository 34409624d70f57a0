/**
 * Content-addressed storage of values as Merkle trees of nodes. A node's address is the SHA-256
 * of its bytes; a value's address is its root node's. Maps and sets are hash-array-mapped tries
 * (a leaf holds up to {@link FANOUT} entries; a branch splits by 5 bits of each key's hash per
 * level), vectors and lists are radix trees of {@link FANOUT}-wide nodes, so the tree of a
 * value depends on the value only (equal values have equal addresses) and a one-key change of
 * a collection of n entries creates O(log n) new nodes. Scalars, tagged values and small values
 * are one node holding their ImmutOS binary encoding (spec/codec/Binary.ts).
 *
 * Node layout (byte 0 is the kind):
 * - `VALUE`: the IMB blob of the value;
 * - `MAP_LEAF` / `SET_LEAF` / `SEQ_LEAF`: [flags,] uv element count, the ref mask (one bit per
 *   element, LSB first), the IMB blob of the inline elements (a referenced element is written as
 *   nil there), then 32 bytes per referenced element;
 * - `MAP_BRANCH` / `SET_BRANCH`: uv entry count, u32 bitmap, 32 bytes per present child;
 * - `SEQ_BRANCH`: flags, height, uv item count, uv child count, 32 bytes per child.
 * An element is stored by reference (as a value of its own) when it is a collection of more than
 * {@link FANOUT} members or its encoding is longer than {@link INLINE_MAX} bytes.
 * Docs: docs/adr/0036-durable-store.md.
 * @module
 */
import { createHash } from 'node:crypto';
import { decode, decodeAll, encode, encodeAll } from '../spec/codec/Binary.js';
import { murmurFinalize, murmurMix } from '../spec/Hash.js';
import { EMap, ESet, List, Vector, expandedSize, type Value } from '../spec/Values.js';
import { checkDurableBlob, checkDurableDepth, StoreBadInput, StoreCorrupt, type ValueHash } from '../spec/Store.js';

/** Members per leaf and children per branch. */
export const FANOUT = 32;
/** An element whose encoding is longer than this many bytes is stored as a node of its own. */
export const INLINE_MAX = 256;
/** Hash-trie levels (5 bits of a 32-bit key hash each); below the last, leaves take any size. */
const MAX_LEVEL = 6;

const K_VALUE = 1;
const K_MAP_LEAF = 2;
const K_MAP_BRANCH = 3;
const K_SET_LEAF = 4;
const K_SET_BRANCH = 5;
const K_SEQ_LEAF = 6;
const K_SEQ_BRANCH = 7;
const F_LIST = 1;

/** Receives each node of a value as it is built (the same node may come more than once). */
export type NodeSink = (hash: ValueHash, bytes: Uint8Array) => void;
/** Returns the bytes of a stored node, or undefined when absent. */
export type NodeSource = (hash: ValueHash) => Uint8Array | undefined;

/** SHA-256 of `bytes`, as 64 lower-case hex digits. */
export function sha256Hex(bytes: Uint8Array): ValueHash {
  return createHash('sha256').update(bytes).digest('hex');
}

class Out {
  buf = new Uint8Array(256);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let c = this.buf.length * 2;
    while (c < this.n + k) c *= 2;
    const b = new Uint8Array(c);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  byte(b: number): void { this.room(1); this.buf[this.n++] = b; }
  uv(x: number): void {
    while (x >= 0x80) { this.byte((x & 0x7f) | 0x80); x = Math.floor(x / 128); }
    this.byte(x);
  }
  u32(x: number): void { this.room(4); new DataView(this.buf.buffer).setUint32(this.n, x >>> 0, true); this.n += 4; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.n); this.n += b.length; }
  hash(h: ValueHash): void { this.bytes(Buffer.from(h, 'hex')); }
  take(): Uint8Array { return this.buf.slice(0, this.n); }
}

class In {
  i = 0;
  constructor(readonly b: Uint8Array, readonly where: ValueHash) {}
  fail(msg: string): never { throw new StoreCorrupt(`node ${this.where}`, msg); }
  byte(): number { if (this.i >= this.b.length) this.fail('truncated node'); return this.b[this.i++]!; }
  uv(): number {
    let x = 0;
    let mul = 1;
    for (let k = 0; k < 8; k++) {
      const c = this.byte();
      x += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) return x;
      mul *= 128;
    }
    return this.fail('varint too long');
  }
  u32(): number { if (this.i + 4 > this.b.length) this.fail('truncated node'); const x = new DataView(this.b.buffer, this.b.byteOffset).getUint32(this.i, true); this.i += 4; return x; }
  slice(n: number): Uint8Array { if (this.i + n > this.b.length) this.fail('truncated node'); const s = this.b.subarray(this.i, this.i + n); this.i += n; return s; }
  hash(): ValueHash { return Buffer.from(this.slice(32)).toString('hex'); }
  end(): void { if (this.i !== this.b.length) this.fail(`${this.b.length - this.i} trailing bytes`); }
}

function emit(kind: number, sink: NodeSink, fill: (o: Out) => void): ValueHash {
  const o = new Out();
  o.byte(kind);
  fill(o);
  const bytes = o.take();
  const h = sha256Hex(bytes);
  sink(h, bytes);
  return h;
}

const isCollection = (v: Value): v is EMap | ESet | Vector | List => v instanceof EMap || v instanceof ESet || v instanceof Vector || v instanceof List;
const memberCount = (v: EMap | ESet | Vector | List): number => v.size;

/** The binary encoding of `v`, a part written as one blob (refused past `MAX_DURABLE_BLOB` values). */
function encodeValue(v: Value): Uint8Array {
  checkDurableBlob(v);
  try {
    return encode(v);
  } catch (e) {
    throw new StoreBadInput(`value has no durable form: ${(e as Error).message}`);
  }
}

/** Writes a run of elements (inline or by reference) into `o`. */
function elements(o: Out, items: readonly Value[], sink: NodeSink): void {
  const refs: (ValueHash | undefined)[] = items.map((x) => {
    if (isCollection(x) && memberCount(x) > FANOUT) return storeNodes(x, sink);
    if (isCollection(x) || typeof x === 'string' || (typeof x === 'object' && x !== null)) {
      // Every value encodes to at least one byte: past INLINE_MAX values counted as a tree, the
      // encoding is longer than INLINE_MAX bytes without being made.
      if (expandedSize(x, INLINE_MAX) > INLINE_MAX || encodeValue(x).length > INLINE_MAX) return storeNodes(x, sink);
    }
    return undefined;
  });
  o.uv(items.length);
  const mask = new Uint8Array((items.length + 7) >> 3);
  refs.forEach((r, i) => { if (r !== undefined) mask[i >> 3]! |= 1 << (i & 7); });
  o.bytes(mask);
  const blob = encodeAllSafe(items.map((x, i) => (refs[i] !== undefined ? null : x)));
  o.uv(blob.length);
  o.bytes(blob);
  for (const r of refs) if (r !== undefined) o.hash(r);
}

function encodeAllSafe(vs: Value[]): Uint8Array {
  try {
    return encodeAll(vs);
  } catch (e) {
    throw new StoreBadInput(`value has no durable form: ${(e as Error).message}`);
  }
}

function readElements(inp: In, load: (h: ValueHash) => Value): Value[] {
  const n = inp.uv();
  const mask = inp.slice((n + 7) >> 3);
  const blobLen = inp.uv();
  let items: Value[];
  try {
    items = decodeAll(inp.slice(blobLen));
  } catch (e) {
    return inp.fail(`bad element blob: ${(e as Error).message}`);
  }
  if (items.length !== n) inp.fail(`element count ${items.length}, header says ${n}`);
  for (let i = 0; i < n; i++) if ((mask[i >> 3]! >> (i & 7)) & 1) items[i] = load(inp.hash());
  return items;
}

/** The 32-bit trie hash of a key (murmur3 over its binary encoding). */
function keyHash(k: Value): number {
  const b = encodeValue(k);
  let h = 0x9747b28c;
  for (let i = 0; i < b.length; i++) h = murmurMix(h, b[i]!);
  return murmurFinalize(h ^ b.length) >>> 0;
}

interface Keyed { readonly k: Value; readonly v: Value; readonly h: number }

function buildTrie(items: readonly Keyed[], level: number, isMap: boolean, sink: NodeSink): ValueHash {
  if (items.length <= FANOUT || level >= MAX_LEVEL) {
    return emit(isMap ? K_MAP_LEAF : K_SET_LEAF, sink, (o) => elements(o, isMap ? items.flatMap((e) => [e.k, e.v]) : items.map((e) => e.k), sink));
  }
  const buckets: Keyed[][] = Array.from({ length: 32 }, () => []);
  for (const e of items) buckets[(e.h >>> (level * 5)) & 31]!.push(e);
  let bitmap = 0;
  const kids: ValueHash[] = [];
  buckets.forEach((b, i) => {
    if (b.length === 0) return;
    bitmap |= 1 << i;
    kids.push(buildTrie(b, level + 1, isMap, sink));
  });
  return emit(isMap ? K_MAP_BRANCH : K_SET_BRANCH, sink, (o) => {
    o.uv(items.length);
    o.u32(bitmap);
    for (const k of kids) o.hash(k);
  });
}

function buildSeq(items: readonly Value[], isList: boolean, sink: NodeSink): ValueHash {
  // leaves of FANOUT items, then levels of FANOUT children, up to one root
  let level: { h: ValueHash; n: number }[] = [];
  for (let i = 0; i < items.length || (i === 0 && items.length === 0); i += FANOUT) {
    const chunk = items.slice(i, i + FANOUT);
    level.push({ h: emit(K_SEQ_LEAF, sink, (o) => { o.byte(isList ? F_LIST : 0); elements(o, chunk, sink); }), n: chunk.length });
    if (items.length === 0) break;
  }
  let height = 1;
  while (level.length > 1) {
    const up: { h: ValueHash; n: number }[] = [];
    for (let i = 0; i < level.length; i += FANOUT) {
      const kids = level.slice(i, i + FANOUT);
      const n = kids.reduce((a, k) => a + k.n, 0);
      up.push({ h: emit(K_SEQ_BRANCH, sink, (o) => { o.byte(isList ? F_LIST : 0); o.byte(height); o.uv(n); o.uv(kids.length); for (const k of kids) o.hash(k.h); }), n });
    }
    level = up;
    height++;
  }
  return level[0]!.h;
}

/**
 * Stores `v` as nodes, handing each to `sink`; returns its address.
 * @throws StoreBadInput for a value with no durable form (a function, a value nested deeper than `MAX_DURABLE_DEPTH`).
 */
export function storeValue(v: Value, sink: NodeSink): ValueHash {
  checkDurableDepth(v);
  const saved = stored;
  stored = new Map();
  try {
    return storeNodes(v, sink);
  } finally {
    stored = saved;
  }
}

/**
 * The addresses of the collections the {@link storeValue} in progress has stored, by identity: a
 * part a value holds many times is stored once (its nodes are the same each time).
 */
let stored: Map<object, ValueHash> | null = null;

/** {@link storeValue} once the value's depth is checked. */
function storeNodes(v: Value, sink: NodeSink): ValueHash {
  if (stored !== null && isCollection(v)) {
    const known = stored.get(v);
    if (known !== undefined) return known;
    const h = storeCollection(v, sink);
    stored.set(v, h);
    return h;
  }
  return isCollection(v) ? storeCollection(v, sink) : emit(K_VALUE, sink, (o) => o.bytes(encodeValue(v)));
}

/** The nodes of collection `v`; returns its address. */
function storeCollection(v: EMap | ESet | Vector | List, sink: NodeSink): ValueHash {
  if (v instanceof EMap) return buildTrie(v.entries.map(([k, x]) => ({ k, v: x, h: keyHash(k) })), 0, true, sink);
  if (v instanceof ESet) return buildTrie(v.items.map((k) => ({ k, v: null, h: keyHash(k) })), 0, false, sink);
  if (v instanceof Vector) return buildSeq(v.items, false, sink);
  return buildSeq(v.items, true, sink);
}

/** The address {@link storeValue} would give `v`, storing nothing. */
export function hashValue(v: Value): ValueHash {
  return storeValue(v, () => undefined);
}

/**
 * Reads the value stored at `hash`, checking every node against its address.
 * @throws StoreCorrupt when a node is missing, does not match its hash, or is malformed.
 */
export function loadValue(hash: ValueHash, source: NodeSource): Value {
  const node = (h: ValueHash): In => {
    const b = source(h);
    if (b === undefined) throw new StoreCorrupt(`node ${h}`, 'missing node');
    if (sha256Hex(b) !== h) throw new StoreCorrupt(`node ${h}`, 'hash mismatch');
    return new In(b, h);
  };
  // A node met again (a part the value holds many times) gives the value read for it: the value
  // read back shares its parts as the value written did.
  const loaded = new Map<ValueHash, Value>();
  const load = (h: ValueHash): Value => {
    const known = loaded.get(h);
    if (known !== undefined) return known;
    const v = loadNode(h);
    loaded.set(h, v);
    return v;
  };
  const loadNode = (h: ValueHash): Value => {
    const inp = node(h);
    const kind = inp.byte();
    switch (kind) {
      case K_VALUE:
        try {
          return decode(inp.slice(inp.b.length - 1));
        } catch (e) {
          return inp.fail(`bad value blob: ${(e as Error).message}`);
        }
      case K_MAP_LEAF:
      case K_MAP_BRANCH: {
        const pairs: [Value, Value][] = [];
        trie(inp, kind, (xs) => { if (xs.length % 2 !== 0) inp.fail('odd map leaf'); for (let i = 0; i < xs.length; i += 2) pairs.push([xs[i]!, xs[i + 1]!]); });
        const m = EMap.from(pairs);
        if (m.size !== pairs.length) inp.fail('duplicate keys');
        return m;
      }
      case K_SET_LEAF:
      case K_SET_BRANCH: {
        const all: Value[] = [];
        trie(inp, kind, (xs) => { for (const x of xs) all.push(x); });
        const s = ESet.from(all);
        if (s.size !== all.length) inp.fail('duplicate members');
        return s;
      }
      case K_SEQ_LEAF:
      case K_SEQ_BRANCH: {
        const out: Value[] = [];
        const isList = seq(inp, kind, out);
        return isList ? List.adopt(out) : Vector.adopt(out);
      }
      default:
        return inp.fail(`unknown node kind ${kind}`);
    }
  };
  const trie = (inp: In, kind: number, leaf: (xs: Value[]) => void): void => {
    if (kind === K_MAP_LEAF || kind === K_SET_LEAF) { leaf(readElements(inp, load)); inp.end(); return; }
    const n = inp.uv();
    const bitmap = inp.u32();
    const kids: ValueHash[] = [];
    for (let b = bitmap; b !== 0; b &= b - 1) kids.push(inp.hash());
    inp.end();
    let got = 0;
    for (const k of kids) {
      const c = node(k);
      const ck = c.byte();
      if (ck !== kind && ck !== kind - 1) c.fail('child of another kind');
      trie(c, ck, (xs) => { got += kind === K_MAP_BRANCH ? xs.length / 2 : xs.length; leaf(xs); });
    }
    if (got !== n) inp.fail(`branch holds ${got} entries, header says ${n}`);
  };
  const seq = (inp: In, kind: number, out: Value[]): boolean => {
    const flags = inp.byte();
    if (kind === K_SEQ_LEAF) { for (const x of readElements(inp, load)) out.push(x); inp.end(); return flags === F_LIST; }
    inp.byte(); // height
    const n = inp.uv();
    const count = inp.uv();
    const kids: ValueHash[] = [];
    for (let i = 0; i < count; i++) kids.push(inp.hash());
    inp.end();
    const start = out.length;
    for (const k of kids) {
      const c = node(k);
      const ck = c.byte();
      if (ck !== K_SEQ_LEAF && ck !== K_SEQ_BRANCH) c.fail('child of another kind');
      seq(c, ck, out);
    }
    if (out.length - start !== n) inp.fail(`branch holds ${out.length - start} items, header says ${n}`);
    return flags === F_LIST;
  };
  return load(hash);
}

/** The addresses of the nodes `bytes` (a node) refers to directly: what compaction follows. */
export function childrenOf(hash: ValueHash, bytes: Uint8Array): ValueHash[] {
  const inp = new In(bytes, hash);
  const kind = inp.byte();
  const out: ValueHash[] = [];
  const refsOfElements = (): void => {
    const n = inp.uv();
    const mask = inp.slice((n + 7) >> 3);
    inp.slice(inp.uv());
    for (let i = 0; i < n; i++) if ((mask[i >> 3]! >> (i & 7)) & 1) out.push(inp.hash());
  };
  switch (kind) {
    case K_VALUE: return out;
    case K_MAP_LEAF: case K_SET_LEAF: refsOfElements(); break;
    case K_SEQ_LEAF: inp.byte(); refsOfElements(); break;
    case K_MAP_BRANCH: case K_SET_BRANCH: {
      inp.uv();
      for (let b = inp.u32(); b !== 0; b &= b - 1) out.push(inp.hash());
      break;
    }
    case K_SEQ_BRANCH: {
      inp.byte(); inp.byte(); inp.uv();
      const c = inp.uv();
      for (let i = 0; i < c; i++) out.push(inp.hash());
      break;
    }
    default: inp.fail(`unknown node kind ${kind}`);
  }
  inp.end();
  return out;
}
