/**
 * The map workload of `immutos bench kernel` and its memory child (`bench/rssChild.ts`): the
 * keys, and the optimized kernel's persistent inserts with the collector paced between them.
 * @module
 */
import type { OptimizedKernel } from '../optimized/index.js';
import { mapAssoc, smallInt, WORDS } from '../optimized/heap/values.js';

/** A reproducible permutation-ish key sequence over the int range (Knuth multiplicative). */
export function key(i: number): number {
  return (Math.imul(i, 0x9e3779b1) >>> 2) % 0x3fffffff;
}

/**
 * Inserts keys `0 … n-1` (each mapped to its index) one by one into a persistent map of `k`'s
 * heap, the map a host root and the collector paced between inserts → the map's word.
 */
export function persistentInserts(k: OptimizedKernel, n: number): number {
  const H = k.heap;
  let m = WORDS.emptyMap;
  let last = H.counters.wordsAllocated;
  for (let i = 0; i < n; i++) {
    m = mapAssoc(H, m, smallInt(key(i)), smallInt(i));
    if ((i & 255) === 255) {
      k.hostRoots.clear();
      k.hostRoots.add(m);
      k.collector.pace(H.counters.wordsAllocated - last);
      last = H.counters.wordsAllocated;
    }
  }
  return m;
}
