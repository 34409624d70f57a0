/**
 * Reading runs of heap words at once: through the backend's `loadRange` where it has one (the
 * simulated memory answers a run with one lookup per cache line), else one `load32` per word.
 * Walkers that call back into code which walks further (a vector of vectors) take one scratch
 * buffer per nesting level. On a backend without range reads the walkers read word by word
 * instead of calling this: the copy into a scratch buffer would cost more (ADR 0053).
 * @module
 */
import type { MemoryBackend } from '../../spec/Memory.js';

const scratch: Int32Array[] = [];
let depth = 0;

/**
 * Reads the `n` words from `addr` into the scratch buffer of the next nesting level and returns
 * it; the caller hands it back with {@link releaseWords} (in a `finally`) when done with it.
 */
export function takeWords(m: MemoryBackend, addr: number, n: number): Int32Array {
  const d = depth++;
  try {
    let buf = scratch[d];
    if (buf === undefined || buf.length < n) buf = scratch[d] = new Int32Array(Math.max(128, n));
    if (m.loadRange !== undefined) m.loadRange(addr, n, buf);
    else for (let i = 0; i < n; i++) buf[i] = m.load32(addr + i);
    return buf;
  } catch (e) {
    depth--;
    throw e;
  }
}

/** Hands back the buffer of the innermost {@link takeWords}. */
export function releaseWords(): void {
  depth--;
}
