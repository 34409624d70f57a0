/**
 * Mode (b): the collector on its own worker thread, over a `SharedArrayBuffer` heap, while
 * mutator workers run. It is the algorithm of GC.tla (and of {@link Collector}) with real
 * concurrency:
 *
 * - **Atoms** hold a handle to an immutable *box* cell `[value, stamp]`; `deref` reads the box,
 *   `cas(stamp, v)` allocates a new box and CASes the slot from the old box (one atomic word, so
 *   value and stamp change together). Before the CAS, while marking, the mutator pushes the old
 *   box onto its SATB buffer (the Yuasa deletion barrier; GC.tla `StoreAtom`).
 * - **Handshakes**: the collector publishes a handshake word `epoch·4 + stage` and waits until
 *   every mutator has acknowledged it at an operation boundary, where a mutator holds no value
 *   in a local. The word also fixes the colour of every cell the mutator's next operation
 *   allocates: white before the root handshake of a cycle, black (the epoch) from it on.
 * - **StartMark** is two handshakes. The first (stage 1) turns the barrier on: the collector
 *   publishes the epoch and phase `mark`, and waits until every mutator has seen them. The second
 *   (stage 2) takes the roots: a value a mutator reads after acknowledging it either stays in its
 *   slot until `ScanAtom` shades it, or is overwritten by a store that runs the barrier (every
 *   mutator has it on by then). With one handshake, a mutator that decided "no barrier" before
 *   the phase changed could overwrite a slot after another one acknowledged and read it, and a
 *   copy of that value stored into a new black cell would be in no root. (This runtime's
 *   workload never moves a value into another atom, so it cannot show that case; the kernel's
 *   programs can.) Then atom slots are scanned (`ScanAtom`), SATB buffers drained and grey cells
 *   traced (`MarkStep`) until both are empty.
 * - **FinishMark** turns the barrier off and handshakes once more (stage 3), so that no barrier
 *   push decided while marking lands after the last drain; late shades are traced.
 * - **Born black** means: allocated by an operation that began after the root handshake. A
 *   colour taken from the phase word at each allocation is wrong: an operation that began
 *   before the snapshot allocates its list cells white, the phase changes, then it allocates
 *   their box black and stores it in a slot; `ScanAtom` finds the box already black and never
 *   traces it, and the sweep frees the list under it. That was the intermittent "list handle
 *   was freed" of this runtime (the seeded bug `colour-from-phase` brings it back). The mark is
 *   written before the address, so the sweep never sees a new cell unmarked.
 * - **Sweep** clears the address of every white handle.
 * - **Evacuation** copies every live cell of each closed region holding garbage into the collector's own
 *   region (`CopyStep`), CASes the handle-table entry to the copy (`SwapStep`), and releases the
 *   region only when no mutator has a read in flight inside it (`FreeOld`): mutators publish the
 *   address they resolved (hazard-pointer style `LoadBegin`, re-checking the handle) and clear
 *   it at `LoadEnd`.
 *
 * Every access is an `Atomics` operation on the shared memory (the `shared` backend's
 * semantics). The cell layout is the kernel's (optimized/heap/layout.ts); the values are
 * integer lists (boxes are list cells whose count word carries the stamp). Handles and regions
 * are not recycled across threads here (the run is bounded), which is what is missing for the
 * full kernel to run multi-threaded (docs/optimized.md).
 *
 * The worker bodies are self-contained functions turned into worker source with
 * `Function.prototype.toString`, so they are type-checked here and run unchanged from the
 * TypeScript sources (vitest) or the compiled `dist/`.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { AtomInput, AtomOutput } from './parallelTypes.js';

/** Layout of the shared metadata region (word addresses). */
const L = {
  nextRegion: 1,
  nextChunk: 2,
  phase: 3,
  epoch: 4,
  stop: 5,
  clock: 6,
  handshake: 7,
  ack: 16,
  rd: 48,
  dir: 1024,
  atoms: 2048,
  satb: 4096,
  satbSize: 4096,
  regions: 32768,
} as const;

/** One recorded atom operation (for the linearizability checker). */
export interface RecordedOp {
  /** The mutator. */
  readonly client: number;
  /** The atom index. */
  readonly object: number;
  /** Invocation time (shared clock). */
  readonly call: number;
  /** Response time (shared clock). */
  readonly ret: number;
  /** The request. */
  readonly input: AtomInput;
  /** The response. */
  readonly output: AtomOutput;
}

/** What the collector thread reports. */
export interface ParallelCollectorStats {
  /** Cycles completed. */
  cycles: number;
  /** Handles freed. */
  freed: number;
  /** Cells moved (copy + handle swap). */
  moved: number;
  /** Regions released after evacuation. */
  regionsFreed: number;
  /** Times FreeOld had to wait for a read in flight. */
  freeOldWaits: number;
}

/** What a mutator thread reports. */
export interface MutatorReport {
  /** Its operations, in order. */
  readonly history: RecordedOp[];
  /** Integrity failures seen while reading (a freed handle, a malformed list). */
  readonly errors: string[];
}

/** The result of {@link runParallel}. */
export interface ParallelRun {
  /** Every operation of every mutator. */
  readonly history: readonly RecordedOp[];
  /** Integrity failures (must be empty). */
  readonly errors: readonly string[];
  /** The collector's counters. */
  readonly collector: ParallelCollectorStats;
  /** The initial value of every atom (EDN). */
  readonly initial: string;
  /** Final EDN value of each atom as read by the main thread after the run. */
  readonly finalValues: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Shared-memory heap primitives (self-contained: copied into every worker's source).

/**
 * Creates the allocator of thread `t` over `M` (regions and handle chunks taken atomically). New
 * cells get the mark `colour` (set by the mutator at each operation boundary).
 */
function makeHeap(M: Int32Array, t: number) {
  const REGION = 65536;
  const CHUNK = 16384;
  let colour = 0;
  let top = 0;
  let end = 0;
  let region = -1;
  let chunk = -1;
  let chunkBase = 0;
  let nextIdx = CHUNK;
  function takeRegion(kind: number): number {
    const r = Atomics.add(M, 1, 1);
    if ((r + 1) * REGION > M.length) throw new Error(`shared heap exhausted at region ${r}`);
    Atomics.store(M, 32768 + 2 * r, kind);
    return r;
  }
  function closeRegion(): void {
    if (region < 0) return;
    Atomics.store(M, 32769 + 2 * region, top - region * REGION);
    Atomics.store(M, 32768 + 2 * region, 2); // closed: an evacuation candidate
  }
  function entry(h: number): number {
    return Atomics.load(M, 1024 + (h >>> 14)) + 3 * (h & (CHUNK - 1));
  }
  function newHandle(): number {
    if (nextIdx === CHUNK) {
      chunk = Atomics.add(M, 2, 1);
      const r = takeRegion(4);
      chunkBase = r * REGION;
      Atomics.store(M, 1024 + chunk, chunkBase);
      nextIdx = 0;
    }
    const h = chunk * CHUNK + nextIdx++;
    return h === 0 ? newHandle() : h; // handle 0 is nil (word 0)
  }
  /** Reserves `size` words in this thread's region; returns the address. */
  function reserve(size: number, kind: number): number {
    if (top + size > end) {
      closeRegion();
      region = takeRegion(kind);
      top = region * REGION;
      end = top + REGION;
    }
    const a = top;
    top += size;
    return a;
  }
  /** Allocates a list cell `(head . tail)` whose count word is `count`; returns its handle. */
  function allocList(count: number, head: number, tail: number): number {
    const a = reserve(7, 1);
    const h = newHandle();
    Atomics.store(M, a, 11 | (7 << 8)); // T_LIST, 7 words
    Atomics.store(M, a + 1, h);
    Atomics.store(M, a + 2, count);
    Atomics.store(M, a + 3, 0);
    Atomics.store(M, a + 4, 0);
    Atomics.store(M, a + 5, head);
    Atomics.store(M, a + 6, tail);
    // Born black in an operation that began after the root handshake (the mark is written
    // before the address, so the sweep never sees the cell unmarked).
    const e = entry(h);
    const phase = colour >= 0 ? -1 : Atomics.load(M, 3); // colour -1: the `colour-from-phase` bug
    Atomics.store(M, e + 1, colour >= 0 ? colour : phase === 1 || phase === 2 ? Atomics.load(M, 4) : 0);
    Atomics.store(M, e + 2, t);
    Atomics.store(M, e, a);
    return h;
  }
  /** LoadBegin: resolves `h`, publishing the address as this thread's read in flight. */
  function loadBegin(h: number): number {
    for (;;) {
      const e = entry(h);
      const a = Atomics.load(M, e);
      Atomics.store(M, 48 + t, a);
      if (Atomics.load(M, e) === a) return a;
    }
  }
  /** LoadEnd: no read in flight. */
  function loadEnd(): void {
    Atomics.store(M, 48 + t, 0);
  }
  /** Closes the current region and starts the next allocation in a fresh one. */
  function retire(): void {
    closeRegion();
    region = -1;
    top = 0;
    end = 0;
  }
  /** Sets the mark of the cells allocated from now on (-1: decided per cell by the phase word). */
  function setColour(c: number): void {
    colour = c;
  }
  return { entry, reserve, allocList, loadBegin, loadEnd, closeRegion, takeRegion, retire, setColour };
}

/**
 * Reads atom `i`: `[valueText, stamp, headInt]`, checking the list's integrity. `pause` (stress
 * runs) is called between reading the box and walking its list, while only a local holds it.
 */
function readAtom(M: Int32Array, heap: ReturnType<typeof makeHeap>, i: number, errors: string[], pause?: () => void): [string, number, number] {
  const boxWord = Atomics.load(M, 2048 + i);
  let a = heap.loadBegin(boxWord >>> 1);
  if (a === 0) errors.push(`atom ${i}: box handle ${boxWord >>> 1} was freed`);
  else if ((Atomics.load(M, a) & 0xff) !== 11 || Atomics.load(M, a + 1) !== boxWord >>> 1) errors.push(`atom ${i}: box handle ${boxWord >>> 1} resolves to a foreign or empty cell`);
  const stamp = Atomics.load(M, a + 2);
  let w = Atomics.load(M, a + 5);
  heap.loadEnd();
  pause?.();
  const items: number[] = [];
  while (w !== 0) {
    a = heap.loadBegin(w >>> 1);
    if (a === 0) {
      errors.push(`atom ${i}: list handle ${w >>> 1} was freed`);
      break;
    }
    if ((Atomics.load(M, a) & 0xff) !== 11 || Atomics.load(M, a + 1) !== w >>> 1) errors.push(`atom ${i}: handle ${w >>> 1} resolves to a foreign cell`);
    items.push(Atomics.load(M, a + 5) >> 1);
    w = Atomics.load(M, a + 6);
    heap.loadEnd();
  }
  for (let k = 1; k < items.length; k++) if (items[k] !== items[k - 1]! - 1) errors.push(`atom ${i}: malformed list (${items.join(' ')})`);
  return [`(${items.join(' ')})`, stamp, items[0] ?? 0];
}

/**
 * Builds the box of `(n n-1 … n-len+1)` at `stamp`; returns the box's value word. `pause`
 * (stress runs) is called between allocating the list and its box.
 */
function makeBox(heap: ReturnType<typeof makeHeap>, n: number, len: number, stamp: number, pause?: () => void): number {
  let tail = 0;
  for (let k = len - 1; k >= 0; k--) tail = heap.allocList(len - k, ((n - k) << 1) | 1, tail) << 1;
  pause?.();
  return heap.allocList(stamp, tail, 0) << 1;
}

/**
 * A mutator thread: `ops` random derefs and CAS increments on `atoms` atoms. With `stress`, it
 * sometimes sleeps inside an operation — between reading a box and walking its list, between
 * allocating a list and its box, between its barrier decision and its CAS — so that operations
 * straddle the collector's phase changes and handshakes.
 */
function mutatorMain(M: Int32Array, t: number, ops: number, atoms: number, readOnly: number, seed: number, stress: boolean, bug: string): MutatorReport {
  const heap = makeHeap(M, t);
  const history: RecordedOp[] = [];
  const errors: string[] = [];
  let x = seed | 1;
  const rand = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const nap = (): void => {
    if (rand(4) === 0) Atomics.wait(M, 0, 0, 0.2);
  };
  for (let k = 0; k < ops; k++) {
    // Operation boundary (no value held in a local): acknowledge the collector's handshake. The
    // handshake word also fixes this operation's allocation colour: black (the epoch) from the
    // root handshake on. The phase word must not decide it: an operation that began before the
    // snapshot may allocate list cells white, then, once the phase has changed, their box black;
    // a black box is never traced, so its white list would be swept while the box is in a slot.
    const hs = Atomics.load(M, 7);
    if (Atomics.load(M, 16 + t) !== hs) Atomics.store(M, 16 + t, hs);
    heap.setColour(bug === 'colour-from-phase' ? -1 : (hs & 3) >= 2 ? hs >>> 2 : 0);
    const i = rand(atoms + readOnly);
    let call = Atomics.add(M, 6, 1);
    const [text, stamp, n] = readAtom(M, heap, i, errors, stress ? nap : undefined);
    let ret = Atomics.add(M, 6, 1);
    history.push({ client: t, object: i, call, ret, input: { op: 'deref' }, output: { value: text, stamp } });
    if (i >= atoms || rand(3) === 0) continue; // read-only atoms are only read (their cells live long and move)
    const value = `(${n + 1} ${n} ${n - 1})`;
    call = Atomics.add(M, 6, 1);
    const box = makeBox(heap, n + 1, 3, stamp + 1, stress ? nap : undefined);
    const old = Atomics.load(M, 2048 + i);
    // The box we read is still the slot's value iff nobody wrote since (boxes are never reused).
    let out: AtomOutput = 'stale';
    const a = heap.loadBegin(old >>> 1);
    const curStamp = Atomics.load(M, a + 2);
    heap.loadEnd();
    if (curStamp === stamp) {
      if (Atomics.load(M, 3) === 1) {
        // Yuasa deletion barrier: push the overwritten box onto this thread's SATB buffer.
        const B = 4096 + t * 4096;
        while (Atomics.load(M, B) - Atomics.load(M, B + 1) >= 4094) Atomics.wait(M, 0, 0, 0.05);
        const w = Atomics.load(M, B);
        Atomics.store(M, B + 2 + (w % 4094), old);
        Atomics.store(M, B, w + 1);
      }
      if (stress) nap();
      if (Atomics.compareExchange(M, 2048 + i, old, box) === old) out = { stamp: stamp + 1 };
    }
    ret = Atomics.add(M, 6, 1);
    history.push({ client: t, object: i, call, ret, input: { op: 'cas', stamp, value }, output: out });
  }
  heap.closeRegion();
  Atomics.store(M, 16 + t, -1); // done: never in an operation again
  return { history, errors };
}

/** The collector thread: GC cycles over the shared heap until the stop flag is set. */
function collectorMain(M: Int32Array, mutators: number, atoms: number, t: number, bug: string): ParallelCollectorStats {
  const REGION = 65536;
  const heap = makeHeap(M, t);
  const stats: ParallelCollectorStats = { cycles: 0, freed: 0, moved: 0, regionsFreed: 0, freeOldWaits: 0 };
  const grey: number[] = [];
  let epoch = 0;
  const shade = (w: number): void => {
    if ((w & 1) !== 0 || w === 0) return;
    const e = heap.entry(w >>> 1);
    if (Atomics.load(M, e + 1) === epoch) return;
    Atomics.store(M, e + 1, epoch);
    grey.push(w >>> 1);
  };
  const drain = (): void => {
    for (let m = 0; m < mutators; m++) {
      const B = 4096 + m * 4096;
      const w = Atomics.load(M, B);
      for (let r = Atomics.load(M, B + 1); r < w; r++) shade(Atomics.load(M, B + 2 + (r % 4094)));
      Atomics.store(M, B + 1, w);
    }
  };
  /**
   * Publishes handshake `stage` of this cycle (the word `epoch·4 + stage`; stages 2 and 3 tell
   * mutators to allocate black) and waits until every running mutator has passed an operation
   * boundary since.
   */
  const handshake = (stage: 1 | 2 | 3): void => {
    const hs = epoch * 4 + stage;
    Atomics.store(M, 7, hs);
    for (let m = 0; m < mutators; m++) {
      for (;;) {
        const a = Atomics.load(M, 16 + m);
        if (a === hs || a === -1) break;
        drain();
        Atomics.wait(M, 0, 0, 0.05);
      }
    }
  };
  /** MarkStep until no grey cell and no buffered shade is left. */
  const trace = (): void => {
    for (;;) {
      drain();
      if (grey.length === 0) break;
      while (grey.length > 0) {
        const h = grey.pop()!;
        const a = heap.loadBegin(h);
        const size = Atomics.load(M, a) >>> 8;
        for (let k = 5; k < size; k++) shade(Atomics.load(M, a + k));
        heap.loadEnd();
      }
    }
  };
  const last = (): boolean => Atomics.load(M, 5) === 1;
  while (!last() || stats.cycles === 0) {
    grey.length = 0;
    // StartMark, handshake 1: the barrier is on. (Epoch before phase matters only to the
    // `colour-from-phase` bug, whose allocations read both.)
    epoch = (epoch % 0x1fffffff) + 1; // epoch·4 + 3 fits an Int32
    Atomics.store(M, 4, epoch);
    Atomics.store(M, 3, 1);
    handshake(1);
    // Handshake 2 (the roots): every mutator passes a boundary with the barrier on, holding no
    // value; its operations from then on allocate black.
    handshake(2);
    // ScanAtom (every slot), then MarkStep until no grey and no buffered shade.
    for (let i = 0; i < atoms; i++) shade(Atomics.load(M, 2048 + i));
    trace();
    // FinishMark: the barrier is off; a handshake lets every push decided while marking land,
    // then those late shades are traced (they are snapshot values, so normally already black).
    Atomics.store(M, 3, 2);
    handshake(3);
    trace();
    // Sweep: free every white handle; count live words per region.
    const live = new Map<number, number>();
    const chunks = Atomics.load(M, 2);
    for (let c = 0; c < chunks; c++) {
      const base = Atomics.load(M, 1024 + c);
      if (base === 0) continue;
      for (let i = 0; i < 16384; i++) {
        const e = base + 3 * i;
        const a = Atomics.load(M, e);
        if (a === 0) continue;
        if (Atomics.load(M, e + 1) !== epoch) {
          Atomics.store(M, e, 0);
          stats.freed++;
        } else {
          const r = Math.floor(a / REGION);
          live.set(r, (live.get(r) ?? 0) + (Atomics.load(M, a) >>> 8));
        }
      }
    }
    // FinishSweep → Evacuation of sparse closed regions.
    Atomics.store(M, 3, 3);
    const nRegions = Atomics.load(M, 1);
    for (let r = 1; r < nRegions; r++) {
      if (Atomics.load(M, 32768 + 2 * r) !== 2) continue;
      const used = Atomics.load(M, 32769 + 2 * r);
      if ((live.get(r) ?? 0) >= used) continue; // compact every region holding garbage (GC.tla moves every survivor)
      const base = r * REGION;
      for (let off = 0; off < used; ) {
        const a = base + off;
        const size = Atomics.load(M, a) >>> 8;
        off += size;
        const h = Atomics.load(M, a + 1);
        const e = heap.entry(h);
        if (Atomics.load(M, e) !== a) continue;
        const to = heap.reserve(size, 5); // EvacBegin
        if (bug === 'swap-before-copy') {
          // Seeded bug (GC.tla Bug = "swap-before-copy"): readers may resolve to the empty copy.
          if (Atomics.compareExchange(M, e, a, to) === a) stats.moved++;
          Atomics.wait(M, 0, 0, 0.2);
          for (let k = 0; k < size; k++) Atomics.store(M, to + k, Atomics.load(M, a + k));
          continue;
        }
        for (let k = 0; k < size; k++) Atomics.store(M, to + k, Atomics.load(M, a + k)); // CopyStep
        if (Atomics.compareExchange(M, e, a, to) === a) stats.moved++; // SwapStep
      }
      // FreeOld: wait until no mutator has a read in flight inside the region.
      for (let m = 0; m < mutators; m++) {
        for (;;) {
          const rd = Atomics.load(M, 48 + m);
          if (rd < base || rd >= base + REGION) break;
          stats.freeOldWaits++;
          Atomics.wait(M, 0, 0, 0.01);
        }
      }
      // Released (not recycled in this bounded run): poison it, so a read of a stale copy shows.
      for (let k = 0; k < used; k++) Atomics.store(M, base + k, -1);
      Atomics.store(M, 32768 + 2 * r, 3);
      stats.regionsFreed++;
    }
    // FinishCycle: the to-region closes, so what was moved can be moved again next cycle.
    heap.retire();
    Atomics.store(M, 3, 0);
    stats.cycles++;
  }
  heap.closeRegion();
  return stats;
}

/** Sets up the shared heap: `atoms` atoms holding `(0 -1 -2)` at stamp 0 (as thread `t`). */
function initHeap(M: Int32Array, atoms: number, t: number): void {
  Atomics.store(M, 1, 1); // region 0 is the metadata region
  const heap = makeHeap(M, t);
  for (let i = 0; i < atoms; i++) Atomics.store(M, 2048 + i, makeBox(heap, 0, 3, 0));
  heap.closeRegion();
}

function workerSource(main: string): string {
  return [
    'var __name = (f) => f;',
    "const { workerData, parentPort } = require('node:worker_threads');",
    makeHeap.toString(),
    readAtom.toString(),
    makeBox.toString(),
    mutatorMain.toString(),
    collectorMain.toString(),
    `const M = new Int32Array(workerData.sab);`,
    `parentPort.postMessage(${main});`,
  ].join('\n');
}

function runWorker<T>(main: string, workerData: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource(main), { eval: true, workerData });
    w.once('message', (m: T) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

/** Options of {@link runParallel}. */
export interface ParallelOptions {
  /** Mutator threads (default 2). */
  readonly mutators?: number;
  /** Operations per mutator (default 3000). */
  readonly ops?: number;
  /** Atoms written by CAS (default 4). */
  readonly atoms?: number;
  /** Further atoms that are only read, so their cells live long and get moved (default 2). */
  readonly readOnlyAtoms?: number;
  /** Shared memory size in regions of 64 Ki words (default 256). */
  readonly regions?: number;
  /** Seed of the mutators' choices. */
  readonly seed?: number;
  /**
   * A seeded collector bug, for meta-tests: `swap-before-copy` (GC.tla's Bug of that name), or
   * `colour-from-phase` (a new cell's colour follows the phase word at its allocation, not the
   * handshake its operation began after: the race this runtime had).
   */
  readonly bug?: 'none' | 'swap-before-copy' | 'colour-from-phase';
  /** Mutators sometimes sleep between the barrier decision and the CAS (widens the race window). */
  readonly stress?: boolean;
}

/**
 * Runs mutator workers and the collector worker concurrently over one shared heap; returns the
 * recorded histories, integrity errors and collector counters.
 */
export async function runParallel(options: ParallelOptions = {}): Promise<ParallelRun> {
  const mutators = options.mutators ?? 2;
  const ops = options.ops ?? 3000;
  const atoms = options.atoms ?? 4;
  const readOnly = options.readOnlyAtoms ?? 2;
  const regions = options.regions ?? 256;
  if (mutators > 30) throw new RangeError('at most 30 mutators');
  const sab = new SharedArrayBuffer(regions * 65536 * 4);
  const M = new Int32Array(sab);
  const mainT = mutators + 1;
  initHeap(M, atoms + readOnly, mainT);
  const collectorT = mutators;
  const collector = runWorker<ParallelCollectorStats>(`collectorMain(M, ${mutators}, ${atoms + readOnly}, ${collectorT}, ${JSON.stringify(options.bug ?? 'none')})`, { sab });
  const reports = await Promise.all(Array.from({ length: mutators }, (_, t) => runWorker<MutatorReport>(`mutatorMain(M, ${t}, ${ops}, ${atoms}, ${readOnly}, ${(options.seed ?? 1) * 7919 + t}, ${options.stress === true}, ${JSON.stringify(options.bug ?? 'none')})`, { sab })));
  Atomics.store(M, 5, 1); // stop after the cycle in progress
  const stats = await collector;
  const errors = reports.flatMap((r) => r.errors);
  const heap = makeHeap(M, mainT);
  const finalValues = Array.from({ length: atoms + readOnly }, (_, i) => readAtom(M, heap, i, errors)[0]);
  return { history: reports.flatMap((r) => r.history), errors, collector: stats, initial: '(0 -1 -2)', finalValues };
}
