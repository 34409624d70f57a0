/**
 * Stalled allocators and the concurrent collector of the parallel mode's shared heap
 * (optimized/parallel/collector.ts, docs/adr/0042, docs/adr/0050), driven step by step: the
 * collector runs on its own thread (the compiled one, `npm run build`), and this thread plays the
 * workers (mutators 0 and 1, each a view of the shared heap) and chooses when each acknowledges a
 * handshake, so the interleavings below happen on every run.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, test } from 'vitest';
import { collectorModule } from '../../optimized/parallel/ParallelRuntime.js';
import { GcState, H, lowWordOf, SharedHeap, topWordOf, type SharedHeapSizes } from '../../optimized/parallel/sharedHeap.js';
import { Vector, type Value } from '../../spec/Values.js';

/** The collector's thread: one concurrent collection (checked mode) each time `gcRequest` is set, until `gcStop`. */
const COLLECTOR = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { SharedCollector } = await import(workerData.collector);
  const { SharedHeap, H } = await import(workerData.heap);
  const heap = SharedHeap.attach(workerData.buffer);
  const w = heap.words;
  const c = new SharedCollector(heap, workerData.workers);
  parentPort.postMessage({ type: 'ready' });
  while (Atomics.load(w, H.gcStop) === 0) {
    if (Atomics.load(w, H.gcRequest) === 0) { Atomics.wait(w, H.gcRequest, 0, 5); continue; }
    const r = c.collect(true);
    parentPort.postMessage({ type: 'collected', ok: r !== null, errors: r === null ? [] : c.check() });
    if (r === null) break;
  }
})().catch((e) => parentPort.postMessage({ type: 'failed', message: String(e && e.stack || e) }));
`;

interface Collected { readonly ok: boolean; readonly errors: readonly string[] }

/** A shared heap, its collector thread, and mutators 0..workers-1 on this thread. */
class Rig {
  readonly heap: SharedHeap;
  readonly w: Int32Array;
  readonly mutators: SharedHeap[] = [];
  readonly collections: Collected[] = [];
  readonly failures: string[] = [];
  private readonly thread: Worker;
  readonly ready: Promise<void>;

  constructor(sizes: SharedHeapSizes, workers: number) {
    this.heap = SharedHeap.create({ ...sizes, workers });
    this.w = this.heap.words;
    Atomics.store(this.w, H.gcState, GcState.on);
    for (let i = 0; i < workers; i++) {
      const m = SharedHeap.attach(this.heap.buffer);
      m.register(i, () => []);
      m.unpark();
      this.mutators.push(m);
    }
    const dir = dirname(collectorModule());
    this.thread = new Worker(COLLECTOR, {
      eval: true,
      workerData: { buffer: this.heap.buffer, workers, collector: pathToFileURL(join(dir, 'collector.js')).href, heap: pathToFileURL(join(dir, 'sharedHeap.js')).href },
    });
    this.ready = new Promise((resolve) => {
      this.thread.on('message', (m: { type: string; ok?: boolean; errors?: string[]; message?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'collected') this.collections.push({ ok: m.ok!, errors: m.errors! });
        else this.failures.push(m.message ?? m.type);
      });
      this.thread.on('error', (e) => {
        this.failures.push(e.message);
        resolve();
      });
    });
  }

  /** The current handshake stage (the low 3 bits of the handshake word). */
  stage(): number {
    return Atomics.load(this.w, H.hs) & 7;
  }

  /** Waits (blocking this thread: the collector runs on its own) until `cond` holds; false after `ms`. */
  until(cond: () => boolean, ms = 10_000): boolean {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) return false;
      Atomics.wait(this.w, H.hs, Atomics.load(this.w, H.hs), 1);
    }
    return true;
  }

  /** Asks for a collection. */
  request(): void {
    Atomics.store(this.w, H.gcRequest, 1);
    Atomics.notify(this.w, H.gcRequest);
  }

  /** Every mutator passes safepoints until the collection in progress (if any) is over. */
  finish(done0: number): boolean {
    return this.until(() => {
      for (const m of this.mutators) m.safepoint();
      return Atomics.load(this.w, H.gcDone) !== done0;
    });
  }

  /** Room left below the mutators' limit in mutator `m`'s space (the collector's limit while it collects). */
  room(space: number): number {
    const limit = Atomics.load(this.w, H.gcLimit);
    const low = Atomics.load(this.w, lowWordOf(space));
    return (limit === 0 || space !== Atomics.load(this.w, H.curSpace) ? low : Math.min(low, limit)) - Atomics.load(this.w, topWordOf(space));
  }

  /** The address of the cell of value word `word`. */
  addr(word: number): number {
    return Atomics.load(this.w, this.w[H.handleBase]! + (word >> 1));
  }

  async close(): Promise<void> {
    Atomics.store(this.w, H.gcStop, 1);
    Atomics.notify(this.w, H.gcRequest);
    await new Promise((r) => setTimeout(r, 20)); // let the collector post what it found
    await this.thread.terminate();
  }
}

/** A string whose cell takes exactly `words` words (header, length, then 4 bytes a word). */
const stringOfWords = (words: number, ch = 'x'): string => ch.repeat(4 * (words - 2));

/** Publishes garbage through `m` until less than `slack` words are left below the limit of its space `space`. */
function fill(rig: Rig, m: SharedHeap, space: number, slack: number): void {
  for (let left = rig.room(space); left >= slack; left = rig.room(space)) m.publish(stringOfWords(Math.min(512, left - slack + 2)));
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

describe('stalled allocators of the shared heap', () => {
  test('a worker that has not yet acknowledged the roots handshake cannot push the live data past the room kept for the copies', { timeout: 60_000 }, async () => {
    // Mutator 1 acknowledges the barrier, then publishes a large live value before it acknowledges
    // the roots handshake; mutator 0 fills the new space up to the first limit meanwhile. Had the
    // value gone to the old space after the collector counted it, its copy would not fit: a false
    // SharedHeapExhausted. The old space's allocation pointer is frozen instead, so the value goes
    // to the new space, below the first limit.
    const rig = new Rig({ cellWords: 1 << 12, handles: 1 << 12 }, 2);
    rigs.push(rig);
    await rig.ready;
    const [m0, m1] = rig.mutators as [SharedHeap, SharedHeap];
    const atom = m0.newAtom(m0.publish(new Vector(['a', 'b', 'c'])));
    for (let round = 0; round < 8; round++) {
      // A plain collection first: the old space then holds only the live data (and room for another large value).
      const idle = Atomics.load(rig.w, H.gcDone);
      rig.request();
      expect(rig.finish(idle)).toBe(true);
      const done0 = Atomics.load(rig.w, H.gcDone);
      rig.request();
      expect(rig.until(() => rig.stage() === 1)).toBe(true); // barrier
      m0.safepoint();
      m1.safepoint();
      expect(rig.until(() => rig.stage() === 2)).toBe(true); // roots: mutator 1 still in the old space
      const big = new Vector(Array.from({ length: 16 }, (_, i) => stringOfWords(120, String.fromCharCode(97 + ((round + i) % 26)))));
      const word = m1.publish(big); // 16 × 120 + 18 words, live through the atom
      const [old, stamp] = m1.loadAtom(atom);
      expect(m1.casAtom(atom, old, stamp, word)).toBe(true);
      m1.safepoint();
      m0.safepoint(); // mutator 0 in the new space
      const to = Atomics.load(rig.w, H.curSpace);
      fill(rig, m0, to, 3);
      expect(rig.finish(done0)).toBe(true);
      expect(rig.failures).toEqual([]);
      expect(Atomics.load(rig.w, H.gcState)).toBe(GcState.on); // not exhausted
      expect(m0.loadAtom(atom)[0]).toBe(word);
      m0.safepoint();
      m1.safepoint();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(rig.collections.length).toBe(16);
    expect(rig.collections.every((c) => c.ok && c.errors.length === 0)).toBe(true);
  });

  test('a stalled worker keeps its posted need until the collector serves it from the room it kept', { timeout: 60_000 }, async () => {
    // One mutator fills its space and stalls on a cell that does not fit. The collection it asks
    // for counts its need when marking is over, keeps room for it below the copies and, after
    // evacuating (long: many live cells), grants it there. A worker that left its wait when the
    // limit rose mid-collection would withdraw the need first and bump from the base instead.
    const rig = new Rig({ cellWords: 1 << 16, handles: 1 << 15 }, 1);
    rigs.push(rig);
    await rig.ready;
    const [m0] = rig.mutators as [SharedHeap];
    const live: Value[] = Array.from({ length: 6000 }, (_, i) => `s${i}`); // about 30 Ki words
    m0.newAtom(m0.publish(new Vector(live)));
    let served = 0;
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const space = Atomics.load(rig.w, H.curSpace);
      fill(rig, m0, space, 40);
      m0.safepoint(); // the filling is garbage, not handles the next operation holds
      const done0 = Atomics.load(rig.w, H.gcDone);
      const word = m0.publish(stringOfWords(100)); // stalls: a collection, and the need served
      const to = Atomics.load(rig.w, H.curSpace);
      expect(to).toBe(1 - space);
      expect(rig.finish(done0)).toBe(true);
      expect(rig.failures).toEqual([]);
      expect(Atomics.load(rig.w, H.gcState)).toBe(GcState.on);
      // Granted: the reserved words lie just below the copies (the low end of the new space's copies), not at its base.
      if (rig.addr(word) === Atomics.load(rig.w, lowWordOf(to))) served++;
      m0.safepoint();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(rig.collections.length).toBeGreaterThanOrEqual(rounds);
    expect(rig.collections.every((c) => c.ok && c.errors.length === 0)).toBe(true);
    expect(served).toBe(rounds);
  });
});
