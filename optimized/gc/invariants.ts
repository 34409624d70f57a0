/**
 * The heap invariants of spec/tla/GC.tla, checked on the real heap (debug mode and tests):
 * `NoDangling`, `ReachableNeverFreed` and `Immutable` (by fingerprints that must survive moves).
 * Each check walks the whole heap: for tests and debug runs, never for production steps.
 * @module
 */
import { HeapInvariantViolation } from '../../spec/Errors.js';
import type { Heap } from '../heap/Heap.js';
import { heapText, mapForEach } from '../heap/values.js';
import { IMMORTAL, T_LIST, T_MAP, T_SET, T_STRUCT, T_TAGGED, T_VEC, traceStart } from '../heap/layout.js';

export { HeapInvariantViolation } from '../../spec/Errors.js';

/** The value words a cell holds (its children), for tracing. */
export function childWords(H: Heap, h: number): number[] {
  const m = H.mem;
  const a = H.addr(h);
  const hdr = m.load32(a);
  const t = hdr & 0xff;
  const size = hdr >>> 8;
  const start = traceStart(m, a, t);
  const out: number[] = [];
  if (start > 0) for (let i = start; i < size; i++) out.push(m.load32(a + i));
  return out;
}

/** Offsets of a cell's idempotent hash cache (excluded from fingerprints). */
function cacheOffsets(t: number): readonly number[] {
  switch (t) {
    case T_LIST:
    case T_MAP:
    case T_SET:
    case T_STRUCT:
      return [3, 4];
    case T_VEC:
      return [4, 5];
    case T_TAGGED:
      return [2, 3];
    default:
      return [];
  }
}

/** A map key as its fingerprint names it: an immediate by its word, a cell by its text (its word when too long to print). */
function keyText(H: Heap, k: number): string {
  if ((k & 1) === 1) return String(k);
  try {
    return heapText(H, k);
  } catch {
    return String(k);
  }
}

/** A fingerprint of handle `h`'s cell content (not its address). */
export function fingerprint(H: Heap, h: number): string {
  const m = H.mem;
  const a = H.addr(h);
  const hdr = m.load32(a);
  const t = hdr & 0xff;
  if (t === T_MAP || t === T_STRUCT) {
    // Representation-independent: a map may be re-encoded as a struct (same value words), whose
    // keys are its shape's — cells equal to the map's own keys and with the same text, not the same
    // cells — so keys count by their text.
    const pairs: string[] = [];
    mapForEach(H, h << 1, (k, v) => pairs.push(`${keyText(H, k)}:${v}`));
    return `map{${pairs.sort().join(',')}}`;
  }
  const skip = cacheOffsets(t);
  const parts: number[] = [hdr];
  for (let i = 2; i < hdr >>> 8; i++) if (!skip.includes(i)) parts.push(m.load32(a + i));
  return parts.join(',');
}

/**
 * Checks `NoDangling` (every root and every child of an allocated cell is allocated; while a minor
 * collection is in progress, of an old cell),
 * `ReachableNeverFreed` (everything reachable from the roots is allocated, with a cell whose
 * back pointer names its handle) and, in a generational heap, `NoOldToYoung` (no old cell points
 * to a young one, and a young handle's cell lies in a young region: what lets a minor collection
 * skip the old generation, ADR 0048). Throws {@link HeapInvariantViolation}.
 * @see GC.tla NoDangling, ReachableNeverFreed
 */
export function checkHeap(H: Heap, roots: Iterable<number>): void {
  const allocated = (h: number): boolean => h < H.nextHandle && H.addr(h) !== 0 && H.mem.load32(H.addr(h) + 1) === h;
  for (const w of roots) {
    if ((w & 1) === 0 && !allocated(w >>> 1)) throw new HeapInvariantViolation('NoDangling', `root handle ${w >>> 1} is not allocated`);
  }
  for (let h = 0; h < H.nextHandle; h++) {
    if (H.addr(h) === 0) continue;
    if (!allocated(h)) throw new HeapInvariantViolation('NoDangling', `handle ${h} points at a cell owned by another handle`);
    // While a minor collection is in progress, garbage in the young regions it collects may point
    // at young garbage it has already freed: young cells' children are checked between minors.
    if (H.collectingYoung && H.isYoung(H.addr(h))) continue;
    for (const c of childWords(H, h)) if ((c & 1) === 0 && !allocated(c >>> 1)) throw new HeapInvariantViolation('NoDangling', `cell ${h} points at freed handle ${c >>> 1}`);
    if (!H.generational || H.collectingYoung) continue; // mid-minor, promoted cells still point to queued ones
    const young = H.youngHandles[h] === 1;
    if (young !== H.isYoung(H.addr(h))) throw new HeapInvariantViolation('NoOldToYoung', `handle ${h} is ${young ? 'young' : 'old'} but its cell is in ${young ? 'an old' : 'a young'} region`);
    if (!young) for (const c of childWords(H, h)) if ((c & 1) === 0 && H.youngHandles[c >>> 1] === 1) throw new HeapInvariantViolation('NoOldToYoung', `old cell ${h} points at young cell ${c >>> 1}`);
  }
  const seen = new Set<number>();
  const work: number[] = [];
  for (const w of roots) if ((w & 1) === 0) work.push(w >>> 1);
  for (let h = 0; h < IMMORTAL; h++) work.push(h);
  while (work.length > 0) {
    const h = work.pop()!;
    if (seen.has(h)) continue;
    seen.add(h);
    if (!allocated(h)) throw new HeapInvariantViolation('ReachableNeverFreed', `reachable handle ${h} was freed`);
    for (const c of childWords(H, h)) if ((c & 1) === 0) work.push(c >>> 1);
  }
}

/**
 * Tracks fingerprints of cells across collections: a handle's content must never change while
 * it stays allocated, moves included. Call {@link ImmutableChecker.check} after each cycle.
 * @see GC.tla Immutable
 */
export class ImmutableChecker {
  private readonly prints = new Map<number, string>();
  /** Compares every allocated handle's fingerprint with the one recorded before; records new ones. */
  check(H: Heap): void {
    for (const [h] of this.prints) if (h >= H.nextHandle || H.addr(h) === 0) this.prints.delete(h);
    for (let h = 0; h < H.nextHandle; h++) {
      if (H.addr(h) === 0) continue;
      const fp = fingerprint(H, h);
      const old = this.prints.get(h);
      if (old !== undefined && old !== fp) throw new HeapInvariantViolation('Immutable', `cell ${h} changed: ${old} → ${fp}`);
      this.prints.set(h, fp);
    }
  }
  /** Forgets handle `h` (it was freed and may be reused). */
  forget(h: number): void {
    this.prints.delete(h);
  }
}
