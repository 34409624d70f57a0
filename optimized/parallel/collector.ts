/**
 * The collector of the parallel mode's shared heap (docs/adr/0042): a concurrent, compacting,
 * semispace collector that runs on its own thread while the workers run their processes.
 *
 * One collection, with the handshakes of `Publication.tla` (a worker acknowledges at a
 * safepoint, where it holds no handle word in a local):
 * 1. **barrier** — the deletion barrier is switched on (`phase`); once every worker has
 *    acknowledged, every root store logs the handle it overwrites (GC.tla `StoreAtom`).
 * 2. **roots** — new cells go to the other semispace (`curSpace`); each worker, at its
 *    acknowledgement, logs the handles its private state still holds (the values its processes
 *    hold; its caches are trimmed to them) and allocates in the new space from then on.
 * 3. The collector scans the shared roots (atom words, validators, watches, and per process its
 *    result, atom table, registers and start value) and traces, draining the log, until no grey
 *    handle is left; then **barrierOff**, and what was logged meanwhile is traced.
 * 4. **Evacuation**: every marked cell of the old space is copied to the new space and its handle
 *    table entry swapped to the copy (copy, then one CAS: values are immutable, so the copy is
 *    always right); an unmarked handle of the old space is dead.
 * 5. **evacuated** — once every worker has passed a safepoint after the swaps, none can still
 *    read an old address (`Publication.tla` `FreeOld` after `Ack`): the old space is reset and
 *    the dead handles go to the free-handle ring, from which allocators take them again.
 *
 * Mutators never wait for a collection unless their space is full (they then stall inside the
 * operation, reporting every handle they may hold). A stop-the-world peer ({@link
 * SharedCollector.stopTheWorld}) does the same work with every worker stopped for the whole
 * collection, for `immutos bench parallel`. {@link SharedCollector.check} is the heap-invariant
 * check run after each collection in the checked mode.
 * @module
 */
import { GcBug, GcState, H, lowWordOf, M, META_WORDS, NEED_HANDLE, P, PROC_WORDS, Stage, T, topWordOf, WK, WORKER_WORDS, type SharedHeap } from './sharedHeap.js';

/** What one collection did. */
export interface CycleStats {
  /** Cells copied to the new space. */
  readonly movedCells: number;
  /** Words copied. */
  readonly movedWords: number;
  /** Handles freed. */
  readonly freed: number;
}

/** The collector over one shared heap (one instance, on the collector's thread). */
export class SharedCollector {
  private readonly w: Int32Array;
  private readonly a64: BigInt64Array;
  private readonly marks: Int32Array;
  private readonly grey: number[] = [];
  private epoch = 0;
  /** Handles the last check found neither live, nor free, nor announced (see {@link SharedCollector.lostHandles}). */
  private suspects = new Set<number>();

  /** A collector of `heap` whose mutators are workers `0..workers-1`. */
  constructor(heap: SharedHeap, private readonly workers: number) {
    this.w = heap.words;
    this.a64 = heap.words64;
    this.marks = new Int32Array(this.w[H.handleCap]!);
  }

  /** Whether the seeded bug `bug` is on. */
  private bug(bug: number): boolean {
    return (Atomics.load(this.w, H.gcBugs) & bug) !== 0;
  }

  private shade(word: number): void {
    if (word === 0 || (word & 1) === 1) return;
    const h = word >>> 1;
    if (h >= this.marks.length || this.marks[h] === this.epoch) return;
    this.marks[h] = this.epoch;
    this.grey.push(h);
  }

  /** Calls `f` on each child word of the cell at `a`. */
  private children(a: number, f: (word: number) => void): void {
    const w = this.w;
    const tag = w[a]! & 0xff;
    const p = a + 1;
    switch (tag) {
      case T.list: case T.vec: case T.set: { const n = w[p]!; for (let i = 1; i <= n; i++) f(w[p + i]!); break; }
      case T.map: { const n = w[p]!; for (let i = 1; i <= 2 * n; i++) f(w[p + i]!); break; }
      case T.tagged: f(w[p]!); f(w[p + 1]!); break;
      case T.fn: { f(w[p]!); const n = w[p + 2]!; for (let i = 0; i < n; i++) f(w[p + 3 + i]!); break; }
      case T.entry: f(w[p + 2]!); break;
      default: break;
    }
  }

  private entry(h: number): number {
    return this.w[H.handleBase]! + h;
  }

  /** Drains the grey log (barrier pushes and workers' roots) up to its first slot not yet written. */
  private drainLog(): void {
    const w = this.w;
    const cap = w[H.logCap]!;
    const top = Atomics.load(w, H.logTop);
    let r = Atomics.load(w, H.logRead);
    while (r !== top) {
      const slot = w[H.logBase]! + ((r >>> 0) % cap);
      const v = Atomics.load(w, slot);
      if (v === 0) break; // reserved, not yet written
      Atomics.store(w, slot, 0);
      this.shade(v);
      r = (r + 1) | 0;
    }
    Atomics.store(w, H.logRead, r);
    Atomics.notify(w, H.logRead);
  }

  /** MarkStep until no grey handle and no logged one is left. */
  private trace(): void {
    for (;;) {
      this.drainLog();
      if (this.grey.length === 0) return;
      while (this.grey.length > 0) {
        const h = this.grey.pop()!;
        const a = Atomics.load(this.w, this.entry(h));
        if (a !== 0) this.children(a, (x) => this.shade(x));
      }
    }
  }

  /** Calls `f` on every root word in the shared heap, with a name for it. */
  private roots(f: (word: number, where: string) => void): void {
    const w = this.w;
    const atoms = Math.min(Atomics.load(w, H.nextAtom), w[H.atomCap]!);
    for (let id = 0; id < atoms; id++) {
      f(Number(BigInt.asIntN(32, Atomics.load(this.a64, w[H.atomBase]! + id) >> 32n)), `atom ${id}`);
      const m = w[H.metaBase]! + META_WORDS * id;
      f(Atomics.load(w, m + M.validator), `the validator of atom ${id}`);
      f(Atomics.load(w, m + M.watches), `the watches of atom ${id}`);
    }
    const procs = Math.min(Atomics.load(w, H.nextPid), w[H.procCap]!);
    for (let pid = 0; pid < procs; pid++) {
      const at = w[H.procBase]! + PROC_WORDS * pid;
      f(Atomics.load(w, at + P.result), `the result of process ${pid}`);
      f(Atomics.load(w, at + P.tableHead), `the atom table of process ${pid}`);
      f(Atomics.load(w, at + P.registers), `the registers of process ${pid}`);
      f(Atomics.load(w, at + P.start), `the start value of process ${pid}`);
    }
  }

  /**
   * Publishes handshake word `hs` and waits until every worker has acknowledged it or is parked
   * (draining the log meanwhile). The seeded bug `parallel-gc-no-handshake` does not wait.
   * @see Publication.tla Ack
   */
  private handshake(hs: number): void {
    const w = this.w;
    Atomics.store(w, H.hs, hs);
    Atomics.notify(w, H.hs);
    Atomics.add(w, H.wake, 1); // idle workers blocked on the wake word come to a safepoint
    Atomics.notify(w, H.wake);
    if (this.bug(GcBug.noHandshake) && ((hs & 7) === Stage.roots || (hs & 7) === Stage.evacuated)) return;
    for (let i = 0; i < this.workers; i++) {
      const at = this.wk(i);
      while (Atomics.load(w, at + WK.ack) !== hs && Atomics.load(w, at + WK.parked) !== 1) {
        this.drainLog();
        Atomics.wait(w, H.gcStop, 0, 0.05);
        if (Atomics.load(w, H.gcStop) !== 0) return;
      }
    }
  }

  /** Starts a collection: its start time, its handshake base word (epoch · 8) and the semispace it empties. */
  private begin(): { readonly t0: number; readonly e: number; readonly from: number } {
    const t0 = performance.now();
    this.epoch = (this.epoch % 0x7ffffff) + 1; // epoch · 8 + stage fits an Int32
    this.grey.length = 0;
    return { t0, e: this.epoch * 8, from: Atomics.load(this.w, H.curSpace) };
  }

  /**
   * Copies every marked cell of semispace `from` to the other one and swaps its handle entry;
   * returns the dead handles of `from`, or null when the new space has no room (the heap is then
   * exhausted).
   * @see Publication.tla Copy Swap
   */
  private evacuate(from: number, stats: { movedCells: number; movedWords: number }): number[] | null {
    const w = this.w;
    const cap = w[H.cellCap]!;
    const oBase = w[H.cellBase]! + from * cap;
    const to = 1 - from;
    const topWord = topWordOf(to);
    const lowWord = lowWordOf(to);
    const dead: number[] = [];
    const handles = Math.min(Atomics.load(w, H.nextHandle), w[H.handleCap]!);
    const t0 = performance.now();
    for (let h = 1; h < handles; h++) {
      const e = this.entry(h);
      const a = Atomics.load(w, e);
      if (a < oBase || a >= oBase + cap) continue;
      if (this.marks[h] !== this.epoch) {
        dead.push(h);
        continue;
      }
      const size = (w[a]! >>> 8) + 1;
      // Copies go downwards from the end of the new space, mutators' cells upwards from its base.
      const at = Atomics.sub(w, lowWord, size) - size;
      if (at < Atomics.load(w, topWord)) return null;
      for (let k = 0; k < size; k++) w[at + k] = w[a + k]!; // CopyStep
      if (Atomics.compareExchange(w, e, a, at) === a) { // SwapStep: one pointer swap
        stats.movedCells++;
        stats.movedWords += size;
      }
    }
    Atomics.add(w, H.gcCopyMicros, Math.round((performance.now() - t0) * 1000));
    return dead;
  }

  /** Words the stalled workers wait for (their posted needs). */
  private askedWords(): number {
    let asked = 0;
    for (let i = 0; i < this.workers; i++) asked += Math.max(0, this.need(i));
    return asked;
  }

  /** Where worker `i`'s entry starts. */
  private wk(i: number): number {
    return this.w[H.workerBase]! + WORKER_WORDS * i;
  }

  /** Worker `i`'s posted need (0 when it waits for nothing or is parked: a dead worker is parked). */
  private need(i: number): number {
    const at = this.wk(i);
    return Atomics.load(this.w, at + WK.parked) === 1 ? 0 : Atomics.load(this.w, at + WK.need);
  }

  /**
   * Claims worker `i`'s posted need if it is `need` (the worker then waits for {@link grant}). The
   * parked word is read after the claim: a worker parked before it is dead (a live worker parks
   * only outside an operation, with no need posted), so it is given nothing (a handle given to it
   * would never come back to the free ring).
   */
  private claim(i: number, need: number): boolean {
    const at = this.wk(i);
    if (Atomics.load(this.w, at + WK.need) !== need || Atomics.compareExchange(this.w, at + WK.need, need, 0) !== need) return false;
    return Atomics.load(this.w, at + WK.parked) !== 1;
  }

  /** Answers worker `i`'s claimed need with `value` (an address, or a handle). */
  private grant(i: number, value: number): void {
    Atomics.store(this.w, this.wk(i) + WK.grant, value);
    Atomics.notify(this.w, this.wk(i) + WK.grant);
  }

  /**
   * Serves stalled workers first: claims each posted need for words that fits in `room` words
   * kept free below the copies of space `to`, and grants it words taken from there.
   */
  private grantWords(to: number, room: number): void {
    for (let i = 0; i < this.workers && room > 0; i++) {
      const n = this.need(i);
      if (n <= 0 || n > room || !this.claim(i, n)) continue;
      room -= n;
      this.grant(i, Atomics.sub(this.w, lowWordOf(to), n) - n);
    }
  }

  /**
   * Serves workers stalled for a handle first, from `dead`; returns the handles left over. A
   * granted handle is announced in the worker's `taking` word before it is granted, so that it
   * comes back if the worker dies before it stores it.
   */
  private grantHandles(dead: readonly number[]): readonly number[] {
    let next = 0;
    for (let i = 0; i < this.workers && next < dead.length; i++) {
      if (!this.claim(i, NEED_HANDLE)) continue;
      const h = dead[next++]!;
      Atomics.store(this.w, this.wk(i) + WK.taking, h);
      this.grant(i, h);
    }
    return dead.slice(next);
  }

  /**
   * Takes back the handles dead workers held: a worker announces the handle it has taken for a
   * cell until it stores the cell's entry (`taking`), and a dead worker is parked, while a live
   * one parks only between operations, with nothing announced. The `taking` word is read before
   * the parked word, so a handle a live worker announced is never taken: it was unparked from
   * before it announced until after it stored. A handle whose entry was stored is a cell like any
   * other (marking decides); one whose entry is still 0 goes back to the free ring.
   */
  private orphans(): number[] {
    const w = this.w;
    const out: number[] = [];
    if (this.bug(GcBug.keepsOrphans)) return out;
    for (let i = 0; i < this.workers; i++) {
      const at = this.wk(i) + WK.taking;
      const h = Atomics.load(w, at);
      if (h === 0 || Atomics.load(w, this.wk(i) + WK.parked) !== 1) continue;
      if (Atomics.compareExchange(w, at, h, 0) !== h) continue;
      if (Atomics.load(w, this.entry(h)) === 0) out.push(h);
    }
    if (out.length > 0) Atomics.add(w, H.gcOrphans, out.length);
    return out;
  }

  /** Frees semispace `from` and the dead handles (every worker is past the swaps). @see Publication.tla FreeOld */
  private free(from: number, dead: readonly number[], poison: boolean): void {
    const w = this.w;
    const cap = w[H.cellCap]!;
    const oBase = w[H.cellBase]! + from * cap;
    const topWord = topWordOf(from);
    const hcap = w[H.handleCap]!;
    for (const h of dead) Atomics.store(w, this.entry(h), 0);
    let tail = Atomics.load(w, H.freeTail);
    const orphans = this.orphans();
    for (const h of this.grantHandles(orphans.length === 0 ? dead : [...dead, ...orphans])) {
      Atomics.store(w, w[H.freeBase]! + ((tail >>> 0) % hcap), h);
      tail = (tail + 1) | 0;
    }
    Atomics.store(w, H.freeTail, tail);
    const lowWord = lowWordOf(from);
    if (poison) {
      // Checked mode: a read of a freed cell finds no valid tag.
      const end = Math.min(Atomics.load(w, topWord), oBase + cap);
      for (let k = oBase; k < end; k++) w[k] = -1;
      for (let k = Atomics.load(w, lowWord); k < oBase + cap; k++) w[k] = -1;
    }
    Atomics.store(w, topWord, oBase);
    Atomics.store(w, lowWord, oBase + cap);
    Atomics.add(w, H.gcFreedHandles, dead.length);
  }

  /** Words of the marked cells of semispace `s`. */
  private liveWords(s: number): number {
    const w = this.w;
    const cap = w[H.cellCap]!;
    const base = w[H.cellBase]! + s * cap;
    const handles = Math.min(Atomics.load(w, H.nextHandle), w[H.handleCap]!);
    let live = 0;
    for (let h = 1; h < handles; h++) {
      const a = Atomics.load(w, this.entry(h));
      if (a >= base && a < base + cap && this.marks[h] === this.epoch) live += (w[a]! >>> 8) + 1;
    }
    return live;
  }

  /** Tells stalled allocators that there may be room now. */
  private madeRoom(): void {
    Atomics.add(this.w, H.gcRoom, 1);
    Atomics.notify(this.w, H.hs);
  }

  private done(t0: number, stats: CycleStats): CycleStats {
    const w = this.w;
    Atomics.store(w, H.gcLimit, 0);
    this.madeRoom();
    Atomics.add(w, H.gcMovedCells, stats.movedCells);
    Atomics.add(w, H.gcMovedWords, stats.movedWords);
    Atomics.add(w, H.gcCycleMicros, Math.round((performance.now() - t0) * 1000));
    Atomics.add(w, H.gcCycles, 1);
    Atomics.add(w, H.gcDone, 1);
    Atomics.notify(w, H.gcDone);
    Atomics.store(w, H.gcRequest, 0);
    return stats;
  }

  private exhausted(): null {
    Atomics.store(this.w, H.gcState, GcState.exhausted);
    this.madeRoom();
    Atomics.add(this.w, H.gcDone, 1);
    Atomics.notify(this.w, H.gcDone);
    Atomics.notify(this.w, H.hs);
    return null;
  }

  /**
   * One concurrent collection (the workers keep running; each pauses only to acknowledge four
   * handshakes). Returns what it did, or null when the live data does not fit the new space (the
   * heap is then exhausted and stalled allocators fail with `SharedHeapExhausted`).
   */
  collect(poison = false): CycleStats | null {
    const w = this.w;
    const { t0, e, from } = this.begin();
    Atomics.store(w, H.phase, 1);
    this.handshake(e + Stage.barrier);
    // Until the live data is known, mutators keep below room for all of the old space's words.
    // The old space's allocation pointer is frozen first (moved up to the low end of what the
    // last collection copied there, so no bump fits): a worker that has not acknowledged the
    // roots handshake yet stalls there, acknowledges it while stalled and goes on in the new space,
    // so the old space holds no more words than counted here.
    const cap = w[H.cellCap]!;
    const end = w[H.cellBase]! + (2 - from) * cap;
    const fromBase = w[H.cellBase]! + from * cap;
    const fromLow = Atomics.load(w, lowWordOf(from));
    const fromTop = Atomics.exchange(w, topWordOf(from), fromLow);
    const firstLimit = end - ((Math.min(fromTop, fromLow) - fromBase) + (fromBase + cap - fromLow));
    Atomics.store(w, H.gcLimit, firstLimit);
    Atomics.store(w, H.curSpace, 1 - from);
    this.handshake(e + Stage.roots);
    this.roots((x) => this.shade(x));
    this.trace();
    Atomics.store(w, H.phase, 0);
    this.handshake(e + Stage.barrierOff);
    this.trace();
    // Marking is over: the room kept is what the marked cells of the old space need, and what
    // the stalled workers asked for (reserved for them below, before anyone else can take it).
    const copies = end - this.liveWords(from);
    const asked = this.askedWords();
    Atomics.store(w, H.gcLimit, copies - asked);
    // Only room no mutator can still be bumping into: below the copies, above the top, and
    // above the first limit (a bump decided before this limit was published obeys that one).
    const kept = Math.max(0, Math.min(asked, copies - Atomics.load(w, topWordOf(1 - from)), copies - firstLimit));
    // The limit may have risen: threads without a posted need retry now. A worker with a posted
    // need does not leave its wait for this (it would withdraw a need counted in `asked` just
    // before grantWords serves it): it waits for the claim, or the end of the collection.
    this.madeRoom();
    const stats = { movedCells: 0, movedWords: 0, freed: 0 };
    const dead = this.evacuate(from, stats);
    if (dead === null) return this.exhausted();
    this.grantWords(1 - from, kept);
    this.handshake(e + Stage.evacuated);
    this.free(from, dead, poison);
    return this.done(t0, { ...stats, freed: dead.length });
  }

  /**
   * The stop-the-world peer: every worker stops at its next safepoint (reporting its roots) and
   * waits there until the whole collection is over. Same marking, copying and freeing.
   */
  stopTheWorld(poison = false): CycleStats | null {
    const w = this.w;
    const { t0, e, from } = this.begin();
    Atomics.store(w, H.curSpace, 1 - from);
    this.handshake(e + Stage.stop);
    this.roots((x) => this.shade(x));
    this.trace();
    const stats = { movedCells: 0, movedWords: 0, freed: 0 };
    const dead = this.evacuate(from, stats);
    if (dead === null) return this.exhausted();
    // Every worker is stopped: the room between the two ends of the new space is all free.
    this.grantWords(1 - from, Atomics.load(w, lowWordOf(1 - from)) - Atomics.load(w, topWordOf(1 - from)));
    this.free(from, dead, poison);
    Atomics.store(w, H.hs, e + Stage.resume);
    Atomics.notify(w, H.hs);
    return this.done(t0, { ...stats, freed: dead.length });
  }

  /**
   * No handle is lost: each handle ever handed out has a cell (entry ≠ 0), is in the free ring, or
   * is announced by a live worker as taken (`taking`). A live worker may be caught between taking a
   * handle and announcing it, but never across a whole collection (it acknowledges no handshake
   * there), so a handle counts as lost when two checks in a row, with a collection between them,
   * find it in none of those places. `free`: the ring's handles, read at the start of the check.
   * Only the workers (registered mutators) make cells while the collector runs: the coordinator
   * publishes nothing (ADR 0042), so every handle in flight is a worker's.
   */
  private lostHandles(free: ReadonlyMap<number, number>, errors: string[]): void {
    const w = this.w;
    const announced = new Set<number>();
    for (let i = 0; i < this.workers; i++) {
      const h = Atomics.load(w, this.wk(i) + WK.taking);
      if (h !== 0 && Atomics.load(w, this.wk(i) + WK.parked) !== 1) announced.add(h);
    }
    const handles = Math.min(Atomics.load(w, H.nextHandle), w[H.handleCap]!);
    const suspects = new Set<number>();
    for (let h = 1; h < handles; h++) {
      if (Atomics.load(w, this.entry(h)) !== 0 || free.has(h) || announced.has(h)) continue;
      suspects.add(h);
      if (this.suspects.has(h) && errors.length < 10) errors.push(`handle ${h} is lost: it has no cell, is not in the free ring and no live worker is taking it`);
    }
    this.suspects = suspects;
  }

  /**
   * The heap invariant (checked mode, after a collection): every handle reachable from a root
   * resolves to an intact cell of the current space whose children resolve, no reachable handle
   * is in the free ring, and no handle is lost ({@link SharedCollector.lostHandles}). Returns
   * what is wrong (empty: nothing).
   */
  check(): string[] {
    const w = this.w;
    const errors: string[] = [];
    const hcap = w[H.handleCap]!;
    // The free ring (handle → its index): a reachable handle still in the ring after the check is freed while live.
    const free = new Map<number, number>();
    const tail = Atomics.load(w, H.freeTail);
    for (let i = Atomics.load(w, H.freeHead); i !== tail; i = (i + 1) | 0) free.set(Atomics.load(w, w[H.freeBase]! + ((i >>> 0) % hcap)), i);
    const inRing: [number, number, string][] = [];
    const space = Atomics.load(w, H.curSpace);
    const cap = w[H.cellCap]!;
    const base = w[H.cellBase]! + space * cap;
    const seen = new Set<number>();
    const visit = (word: number, where: string): void => {
      const todo = [word];
      while (todo.length > 0 && errors.length < 10) {
        const x = todo.pop()!;
        if (x === 0 || (x & 1) === 1) continue;
        const h = x >>> 1;
        if (seen.has(h)) continue;
        seen.add(h);
        if (h >= hcap) { errors.push(`${where} reaches handle ${h}, past the handle table`); continue; }
        const a = Atomics.load(w, this.entry(h));
        const top = Math.min(Atomics.load(w, topWordOf(space)), base + cap);
        const low = Atomics.load(w, lowWordOf(space));
        if (a === 0) { errors.push(`${where} reaches handle ${h}, which was freed`); continue; }
        const idx = free.get(h);
        if (idx !== undefined) inRing.push([h, idx, where]);
        if (!((a >= base && a < top) || (a >= low && a < base + cap))) { errors.push(`${where} reaches handle ${h} at ${a}, outside what the current space holds ([${base}, ${top}) and [${low}, ${base + cap}))`); continue; }
        const tag = w[a]! & 0xff;
        const size = w[a]! >>> 8;
        const n = w[a + 1]!;
        const expected = tag === T.list || tag === T.vec || tag === T.set ? n + 1 : tag === T.map ? 1 + 4 * n : tag === T.entry ? 3 : tag === T.tagged ? 2 : tag === T.fn ? 3 + w[a + 3]! : size;
        if (tag < T.int || tag > T.entry || size !== expected || a + 1 + size > base + cap) { errors.push(`${where} reaches handle ${h} whose cell at ${a} is not intact (tag ${tag}, size ${size})`); continue; }
        this.children(a, (c) => todo.push(c));
      }
    };
    this.roots((word, where) => visit(word, where));
    const head = Atomics.load(w, H.freeHead); // a handle taken from the ring meanwhile is in use, not free
    for (const [h, idx, where] of inRing) if (((idx - head) | 0) >= 0) errors.push(`${where} reaches handle ${h}, which is in the free ring`);
    this.lostHandles(free, errors);
    if (errors.length > 0) Atomics.add(w, H.gcCheckErrors, errors.length);
    return errors;
  }
}
