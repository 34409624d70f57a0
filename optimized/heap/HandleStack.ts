/**
 * A LIFO stack of handle numbers stored in fixed-size chunks, so that a push or a pop never
 * copies the stack: a growing JS array reallocates and copies all its elements (O(length)) when it
 * outgrows its capacity, and the sweep pushes every freed handle, so such a copy would land inside
 * one bounded collector step with a cost that grows with the heap.
 * @module
 */

/** Handles per chunk. */
const CHUNK = 4096;

/** A stack of non-negative integers below 2^31 in chunks of 4096 entries: O(1) push and pop. */
export class HandleStack {
  private readonly chunks: Int32Array[] = [new Int32Array(CHUNK)];
  /** A chunk kept after its stack part emptied, so push/pop at a chunk boundary do not churn. */
  private spare: Int32Array | null = null;
  private top: Int32Array;
  private fill = 0;
  private count = 0;

  /** Creates an empty stack. */
  constructor() {
    this.top = this.chunks[0]!;
  }

  /** Number of handles on the stack. */
  get length(): number {
    return this.count;
  }

  /** Pushes `h`. */
  push(h: number): void {
    if (this.fill === CHUNK) {
      const c = this.spare ?? new Int32Array(CHUNK);
      this.spare = null;
      this.chunks.push(c);
      this.top = c;
      this.fill = 0;
    }
    this.top[this.fill++] = h;
    this.count++;
  }

  /** Pops the handle pushed last, or `undefined` when the stack is empty. */
  pop(): number | undefined {
    if (this.count === 0) return undefined;
    if (this.fill === 0) {
      this.spare = this.chunks.pop()!;
      this.top = this.chunks[this.chunks.length - 1]!;
      this.fill = CHUNK;
    }
    this.count--;
    return this.top[--this.fill];
  }
}
