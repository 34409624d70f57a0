/**
 * The murmur3 mixing primitives every hash in ImmutOS is built from (the spec's structural hash
 * and the optimized kernel's own hash compose them differently; hashes are never observable).
 * @module
 */

/** Mixes the 32-bit word `k` into the running hash `h` (murmur3's per-block step). */
export function murmurMix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Finalizes a running hash so that every input bit affects every output bit (murmur3's fmix32). */
export function murmurFinalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The hash of the UTF-16 code units of `s`, starting from `seed`. */
export function murmurString(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = murmurMix(h, s.charCodeAt(i));
  return murmurFinalize(h ^ s.length);
}
