/**
 * The layout of the optimized kernel's flat heap: cell types, the value-word encoding and the
 * word offsets of every cell kind. A cell is `[header, handle, payload…]`; the header packs the
 * type (low 8 bits) and the cell's size in words (high 24 bits); word 1 is the handle that owns
 * the cell (a back pointer the collector uses when it walks a region).
 *
 * A *value word* is either a small integer `(n << 1) | 1` for `-2^30 ≤ n < 2^30`, or a handle
 * `h << 1`. Handle 0 is nil, so a zeroed slot reads as nil. Integers outside the small range are
 * boxed (`T_INT`); an integer is always small when it fits (the encoding is canonical).
 * @module
 */

/** Words per region (the unit of allocation, evacuation and reuse). */
export const REGION_SHIFT = 16;
/** Words per region. */
export const REGION_WORDS = 1 << REGION_SHIFT;
/** Handles per handle-table chunk (a chunk is `[address, mark, owner]` per handle). */
export const HANDLE_CHUNK_SHIFT = 14;
/** Handles per chunk. */
export const HANDLE_CHUNK = 1 << HANDLE_CHUNK_SHIFT;
/** Atoms per atom chunk (`[value][stamp]`, 2 words an atom). */
export const ATOM_CHUNK_SHIFT = 15;
/** Atoms per chunk. */
export const ATOM_CHUNK = 1 << ATOM_CHUNK_SHIFT;

/** Smallest small (unboxed) integer. */
export const SMALL_MIN = -(2 ** 30);
/** Largest small (unboxed) integer. */
export const SMALL_MAX = 2 ** 30 - 1;

// Cell types. Scalars first, then collections, then internal node kinds.
/** nil (one immortal cell, handle 0). */
export const T_NIL = 1;
/** true (handle 1). */
export const T_TRUE = 2;
/** false (handle 2). */
export const T_FALSE = 3;
/** A boxed int64: `[2] lo, [3] hi`. */
export const T_INT = 4;
/** A double: `[2] lo, [3] hi` (IEEE bits). */
export const T_DOUBLE = 5;
/** A character: `[2] code point`. */
export const T_CHAR = 6;
/** A string: `[2] length (UTF-16 units), [3] hash, [4…] units packed two a word`. */
export const T_STRING = 7;
/** A keyword (interned): `[2] length, [3] hash, [4] namespace length or -1, [5…] full name`. */
export const T_KEYWORD = 8;
/** A symbol (interned): as a keyword. */
export const T_SYMBOL = 9;
/** A byte string: `[2] length, [3] hash, [4…] bytes packed four a word`. */
export const T_BYTES = 10;
/** A list cell: `[2] count, [3] hash, [4] flags, [5] head, [6] tail (a list)`. */
export const T_LIST = 11;
/** A vector: `[2] count, [3] shift, [4] hash, [5] flags, [6] root node, [7] tail node`. */
export const T_VEC = 12;
/** A map: `[2] count, [3] hash, [4] flags, [5] root CHAMP node`. */
export const T_MAP = 13;
/** A set: as a map, over a CHAMP of stride 1. */
export const T_SET = 14;
/** A tagged value: `[2] hash, [3] flags, [4] tag (a string), [5] value`. */
export const T_TAGGED = 15;
/** An atom reference: `[2] ref`. */
export const T_ATOMREF = 16;
/** A function: `[2] id, [3] implementation index, [4] name (string or nil)`. */
export const T_FN = 17;
/** A vector node: `[2] edit, [3…] slots`. */
export const T_VNODE = 18;
/** A CHAMP node: `[2] edit, [3] datamap, [4] nodemap, [5…] data (stride 1 or 2) then children`. */
export const T_CNODE = 19;
/** A CHAMP collision node: `[2] edit, [3] hash, [4] count, [5…] data`. */
export const T_COLL = 20;
/** A map re-encoded as a struct: `[2] count, [3] hash, [4] flags, [5] shape, [6…] values`. */
export const T_STRUCT = 21;
/** A struct shape: `[2] count, [3…3+n) key hashes, [3+n…) keys`. */
export const T_SHAPE = 22;

/** Offset of the first value word a collector must trace, per type (0: none). */
export const SCAN_START: Int32Array = (() => {
  const t = new Int32Array(32);
  t[T_LIST] = 5;
  t[T_VEC] = 6;
  t[T_MAP] = 5;
  t[T_SET] = 5;
  t[T_TAGGED] = 4;
  t[T_FN] = 4;
  t[T_VNODE] = 3;
  t[T_CNODE] = 5;
  t[T_COLL] = 5;
  t[T_STRUCT] = 5;
  // T_SHAPE: keys start after the hashes (3 + count), handled by the tracer.
  return t;
})();

/**
 * Offset of the first value word a collector traces in the cell of type `t` at address `a` of
 * `mem` (0: none): {@link SCAN_START}, and for a shape, the keys after its hashes (only a shape's
 * count word is read, so a backend that observes accesses sees no extra load).
 */
export function traceStart(mem: { load32(addr: number): number }, a: number, t: number): number {
  return t === T_SHAPE ? 3 + mem.load32(a + 2) : SCAN_START[t]!;
}

/** Flag bit of `hash valid` in collection flags words. */
export const F_HASHED = 1;
/** Flags bits 1…7: number of collections a map survived unchanged (re-encoding age). */
export const F_AGE_SHIFT = 1;

/** The header word of a cell of `type` and `size` words. */
export function header(type: number, size: number): number {
  return type | (size << 8);
}

/** The value word of handle `h`. */
export function hw(h: number): number {
  return h << 1;
}

/** Well-known immortal handles, allocated first. */
export const H_NIL = 0;
/** true. */
export const H_TRUE = 1;
/** false. */
export const H_FALSE = 2;
/** The empty list. */
export const H_EMPTY_LIST = 3;
/** The empty vector. */
export const H_EMPTY_VEC = 4;
/** The empty map. */
export const H_EMPTY_MAP = 5;
/** The empty set. */
export const H_EMPTY_SET = 6;
/** The empty vector node (root of small vectors). */
export const H_EMPTY_VNODE = 7;
/** The empty CHAMP node. */
export const H_EMPTY_CNODE = 8;
/** Number of immortal handles. */
export const IMMORTAL = 9;

/** Value word of nil. */
export const W_NIL = 0;
/** Value word of true. */
export const W_TRUE = H_TRUE << 1;
/** Value word of false. */
export const W_FALSE = H_FALSE << 1;

/**
 * Whether a cell of type `t` (words read through `word(offset)`) will never be written again:
 * true except for collection cells whose idempotent hash cache is not filled yet. Only sealed
 * cells are published to the memory backend (so a backend may fault on a store to a published word).
 */
export function isSealed(t: number, word: (offset: number) => number): boolean {
  switch (t) {
    case T_LIST:
    case T_MAP:
    case T_SET:
    case T_STRUCT:
      return (word(4) & F_HASHED) !== 0;
    case T_VEC:
      return (word(5) & F_HASHED) !== 0;
    case T_TAGGED:
      return (word(3) & F_HASHED) !== 0;
    default:
      return true;
  }
}
