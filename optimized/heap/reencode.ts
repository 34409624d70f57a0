/**
 * Background re-encoding of small maps as structs: a map that survived a collection unchanged
 * (it is being evacuated, so it existed at the snapshot) and whose key set another surviving map
 * shares is rewritten, during evacuation, as a `T_STRUCT` cell — a shared shape (the keys) plus
 * the values — and its handle is swapped to the struct instead of to a copy of the map. Equality,
 * hashing (the cached hash is carried over) and iteration order (canonical, sorted at
 * observation) are unchanged; `assoc`/`dissoc` on a struct thaw it back into a CHAMP map.
 * @module
 */
import type { Heap } from './Heap.js';
import { F_HASHED, T_MAP, T_SHAPE, T_STRUCT } from './layout.js';
import { eqWords, hashWord, heapText, mapForEach } from './values.js';

/** Largest map re-encoded. */
export const MAX_STRUCT_KEYS = 16;
/** Most shapes kept (the registry is a root set; beyond this, no new shapes). */
export const MAX_SHAPES = 4096;

interface ShapeEntry {
  /** Keys in shape order. */
  readonly keys: readonly number[];
  /** Their hashes. */
  readonly hashes: readonly number[];
  /** The shape cell, once two maps shared the key set (else -1). */
  shape: number;
}

/**
 * Whether keys `a` and `b` are the same key as written: equal, and with the same text. Equal
 * keys may differ in form (`[]` and `()`, `0.0` and `-0.0`); a map re-encoded with another map's
 * shape holds that shape's keys, so sharing a shape between them would change how the map reads.
 * A key too long to print is not shared.
 */
function sameKey(H: Heap, a: number, b: number): boolean {
  if (a === b) return true;
  if (!eqWords(H, a, b)) return false;
  try {
    return heapText(H, a) === heapText(H, b);
  } catch {
    return false;
  }
}

/** Re-encoding statistics. */
export interface ReencodeStats {
  /** Maps rewritten as structs. */
  structs: number;
  /** Shapes created. */
  shapes: number;
}

/** The shape registry and the re-encoding step the collector calls while evacuating. */
export class Reencoder {
  private readonly bySignature = new Map<string, ShapeEntry[]>();
  private count = 0;
  /** Counters. */
  readonly stats: ReencodeStats = { structs: 0, shapes: 0 };

  /**
   * Creates the re-encoder of `heap`; `publishFence` false is the `drop-publish-fence` seeded
   * bug (no fence between writing the struct and swapping its handle).
   */
  constructor(
    private readonly heap: Heap,
    private readonly publishFence = true,
  ) {}

  /** Shape cells (roots: the registry keeps them alive). */
  *roots(): Iterable<number> {
    for (const list of this.bySignature.values()) for (const e of list) if (e.shape >= 0) yield e.shape << 1;
    // Keys of candidate entries are kept alive too (they are compared later).
    for (const list of this.bySignature.values()) for (const e of list) if (e.shape < 0) yield* e.keys;
  }

  /**
   * Called for a live cell `h` at address `a` about to be evacuated: if it is a small map whose
   * key set is shared, allocates its struct and swaps `h` to it; returns whether it did.
   */
  tryReencode(h: number, a: number): boolean {
    const H = this.heap;
    const m = H.mem;
    if ((m.load32(a) & 0xff) !== T_MAP) return false;
    const n = m.load32(a + 2);
    if (n === 0 || n > MAX_STRUCT_KEYS) return false;
    const keys: number[] = [];
    const vals: number[] = [];
    mapForEach(H, h << 1, (k, v) => {
      keys.push(k);
      vals.push(v);
    });
    const hashes = keys.map((k) => hashWord(H, k));
    const sig = [...hashes].sort((x, y) => x - y).join(',');
    let list = this.bySignature.get(sig);
    // Where each of a shape's keys is among this map's keys (-1: absent), found once per shape.
    const positions = (e: ShapeEntry): number[] => e.keys.map((ek) => keys.findIndex((k) => sameKey(H, ek, k)));
    let entry: ShapeEntry | undefined;
    let order: number[] = [];
    if (H.flags.seeded.has('reencode-shape-by-count')) {
      // seeded bug: a shape with as many keys is taken, whatever its keys
      entry = [...this.bySignature.values()].flat().find((e) => e.keys.length === n && (e.shape >= 0 || list?.includes(e) === true));
      if (entry !== undefined) order = positions(entry);
    } else {
      for (const e of list ?? []) {
        if (e.keys.length !== n) continue;
        const at = positions(e);
        if (at.includes(-1)) continue;
        entry = e;
        order = at;
        break;
      }
    }
    if (entry === undefined) {
      if (this.count >= MAX_SHAPES) return false;
      if (list === undefined) this.bySignature.set(sig, (list = []));
      list.push({ keys, hashes, shape: -1 });
      this.count++;
      return false;
    }
    if (entry.shape < 0) {
      const sh = H.allocTenured(T_SHAPE, 3 + 2 * n); // old at once: the struct (old) points to it
      const sa = H.lastAddr;
      m.store32(sa + 2, n);
      for (let i = 0; i < n; i++) {
        m.store32(sa + 3 + i, entry.hashes[i]!);
        m.store32(sa + 3 + n + i, entry.keys[i]!);
      }
      H.publish(sh);
      entry.shape = sh;
      this.stats.shapes++;
    }
    // Values in shape order.
    const ordered = order.map((i) => vals[i]!);
    const flags = m.load32(a + 4);
    const hash = m.load32(a + 3);
    const to = H.reserve(6 + n);
    m.store32(to, T_STRUCT | ((6 + n) << 8));
    m.store32(to + 1, h);
    m.store32(to + 2, n);
    m.store32(to + 3, hash);
    m.store32(to + 4, flags & F_HASHED);
    m.store32(to + 5, entry.shape << 1);
    for (let i = 0; i < n; i++) m.store32(to + 6 + i, ordered[i]!);
    // F1 (docs/optimized.md "Fences"): the struct (and its shape) before the handle swap.
    if (this.publishFence) m.fence();
    H.setAddr(h, to);
    if ((flags & F_HASHED) !== 0) m.publish(to, 6 + n); // else its hash cache is still to be written
    this.stats.structs++;
    return true;
  }
}
