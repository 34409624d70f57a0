/**
 * The reference kernel's heap: a map of cells (`handle → value`) collected by a stop-the-world
 * mark-sweep collector. Atoms and registers hold handles; a composite value (list, vector, map,
 * set, tagged value, byte string, function) gets one cell, found again by identity, whose
 * `children` are the handles of its composite members. Scalars (nil, booleans, numbers,
 * strings, characters, keywords, symbols, atom references) live inline; a root slot holding a
 * scalar gets a cell of its own.
 *
 * In debug mode the kernel calls {@link Heap.checkInvariants} after every collection; the
 * invariant names are those of `spec/tla/Heap.tla` and `spec/tla/GC.tla`.
 * @module
 */
import { Bytes, EMap, ESet, Fn, List, Tagged, Vector, type Value } from '../spec/Values.js';
import type { Pid } from '../spec/Kernel.js';

/** A heap address. Never visible to programs or observations. */
export type Handle = number;

/** One heap cell. */
export interface Cell {
  /** The value stored (replaced only by the `in-place-update-shared` mutant). */
  value: Value;
  /** Handles of the composite values directly inside `value`. */
  readonly children: readonly Handle[];
  /** The process charged for this cell (for the heap quota). */
  readonly owner: Pid;
  /** The value as allocated: the Immutable invariant checks the cell still holds it, unchanged. */
  readonly original: Value;
  /**
   * In debug mode, a shallow copy of what `value` held when allocated (see {@link shallowContents});
   * the Immutable invariant checks the value still holds exactly these. Null outside debug mode.
   */
  readonly snapshot: readonly unknown[] | null;
}

/** A composite value: one that gets a cell of its own. */
export type Composite = List | Vector | EMap | ESet | Tagged | Bytes | Fn;

/** Whether `v` is composite (gets a cell) rather than a scalar stored inline. */
export function isComposite(v: Value): v is Composite {
  return v instanceof List || v instanceof Vector || v instanceof EMap || v instanceof ESet || v instanceof Tagged || v instanceof Bytes || v instanceof Fn;
}

/** The values directly inside `v` (for functions, through `fnChildren`). */
export function childValues(v: Value, fnChildren: (f: Fn) => Iterable<Value>): Iterable<Value> {
  if (v instanceof List || v instanceof Vector || v instanceof ESet) return v.items;
  if (v instanceof EMap) return v.entries.flatMap((e) => [e[0], e[1]]);
  if (v instanceof Tagged) return [v.value];
  if (v instanceof Fn) return fnChildren(v);
  return [];
}

/** A heap invariant failed (only checked in debug mode): a kernel bug, never a program's fault. */
export class HeapInvariantViolation extends Error {
  /** Creates the error for the invariant `invariant` (its TLA+ name). */
  constructor(
    /** `NoDangling`, `ReachableNeverFreed` or `Immutable`. */
    readonly invariant: string,
    detail: string,
  ) {
    super(`heap invariant ${invariant} violated: ${detail}`);
    this.name = 'HeapInvariantViolation';
  }
}

/** A reference to a freed handle: a kernel bug (the collector freed something reachable). */
export class DanglingHandle extends Error {
  /** Creates the error for `handle`. */
  constructor(readonly handle: Handle) {
    super(`dangling handle ${handle}: the cell was freed while still referenced`);
    this.name = 'DanglingHandle';
  }
}

/** What a collection found. */
export interface GcStats {
  /** Cells still allocated. */
  readonly live: number;
  /** Cells freed. */
  readonly freed: number;
}

/** The heap of cells. */
export class Heap {
  /** handle → cell, for every allocated cell. */
  readonly cells = new Map<Handle, Cell>();
  private readonly byObject = new Map<object, Handle>();
  private readonly free: Handle[] = [];
  private nextHandle = 0;
  private readonly liveByOwner = new Map<Pid, number>();
  /** Cells allocated since the last collection (drives the automatic collection). */
  allocatedSinceGc = 0;
  /** Cells allocated since the heap was created (monotonic). */
  totalAllocated = 0;

  /**
   * Creates a heap; `fnChildren` lists the values a function closes over (its code and
   * environment). With `debug`, every cell keeps a shallow snapshot of its value for the
   * Immutable invariant.
   */
  constructor(
    private readonly fnChildren: (f: Fn) => Iterable<Value>,
    private readonly debug = false,
  ) {}

  /** Number of allocated cells. */
  get size(): number {
    return this.cells.size;
  }

  /** Live cells charged to `pid`. */
  liveCells(pid: Pid): number {
    return this.liveByOwner.get(pid) ?? 0;
  }

  /** The handle of `v`'s cell if `v` is a composite that is allocated. */
  handleOf(v: Value): Handle | undefined {
    return isComposite(v) ? this.byObject.get(v) : undefined;
  }

  /**
   * Allocates `v` (and, first, every composite inside it not yet allocated), charging new cells
   * to `owner`; returns the handle of `v`'s cell. A composite already allocated is not copied.
   */
  alloc(v: Value, owner: Pid): Handle {
    if (isComposite(v)) {
      const known = this.byObject.get(v);
      if (known !== undefined) return known;
    }
    const children: Handle[] = [];
    if (isComposite(v)) {
      for (const c of childValues(v, this.fnChildren)) if (isComposite(c)) children.push(this.alloc(c, owner));
    }
    const h = this.free.length > 0 ? this.free.pop()! : this.nextHandle++;
    this.cells.set(h, { value: v, children, owner, original: v, snapshot: this.debug ? shallowContents(v) : null });
    if (isComposite(v)) this.byObject.set(v, h);
    this.liveByOwner.set(owner, this.liveCells(owner) + 1);
    this.allocatedSinceGc++;
    this.totalAllocated++;
    return h;
  }

  /** The value in cell `h`; throws {@link DanglingHandle} if `h` is not allocated. */
  read(h: Handle): Value {
    const c = this.cells.get(h);
    if (c === undefined) throw new DanglingHandle(h);
    return c.value;
  }

  /** Overwrites cell `h` in place. Only the `in-place-update-shared` mutant calls this. */
  overwrite(h: Handle, v: Value): void {
    const c = this.cells.get(h);
    if (c !== undefined) c.value = v;
  }

  /**
   * Stop-the-world mark-sweep: marks every cell reachable from `rootHandles` and from the
   * composites inside `rootValues`, frees the rest.
   * @see GC.tla Mark, Sweep
   */
  collect(rootHandles: Iterable<Handle>, rootValues: Iterable<Value>): GcStats {
    const marked = this.mark(rootHandles, rootValues);
    let freed = 0;
    for (const [h, c] of this.cells) {
      if (marked.has(h)) continue;
      this.cells.delete(h);
      if (isComposite(c.value) && this.byObject.get(c.value) === h) this.byObject.delete(c.value);
      this.liveByOwner.set(c.owner, this.liveCells(c.owner) - 1);
      this.free.push(h);
      freed++;
    }
    this.allocatedSinceGc = 0;
    return { live: this.cells.size, freed };
  }

  private mark(rootHandles: Iterable<Handle>, rootValues: Iterable<Value>): Set<Handle> {
    const marked = new Set<Handle>();
    const work: Handle[] = [];
    for (const h of rootHandles) work.push(h);
    // Values outside the heap (e.g. a continuation's frames) are walked until they reach cells.
    const seen = new Set<object>();
    const values: Value[] = [...rootValues];
    while (values.length > 0) {
      const v = values.pop()!;
      if (!isComposite(v) || seen.has(v)) continue;
      seen.add(v);
      const h = this.byObject.get(v);
      if (h !== undefined) work.push(h);
      else for (const c of childValues(v, this.fnChildren)) values.push(c);
    }
    while (work.length > 0) {
      const h = work.pop()!;
      if (marked.has(h)) continue;
      const c = this.cells.get(h);
      if (c === undefined) continue; // a dangling root: reported by NoDangling in debug mode
      marked.add(h);
      for (const k of c.children) work.push(k);
    }
    return marked;
  }

  /**
   * Checks the heap invariants against the roots; throws {@link HeapInvariantViolation}.
   * - NoDangling: every root handle and every child handle of a cell is allocated.
   * - ReachableNeverFreed: every composite reachable from the roots (walking values, not
   *   cells) has a live cell that holds it.
   * - Immutable: no cell's value changed since it was allocated.
   *
   * `unpublished` are values the kernel is about to allocate (it collects, and checks its quota,
   * just before): they are roots, but not yet in the heap, so only the parts of them that
   * already have cells are held to ReachableNeverFreed — exactly the parts the collector marks.
   * @see Heap.tla NoDangling, Immutable; GC.tla ReachableNeverFreed
   */
  checkInvariants(rootHandles: Iterable<Handle>, rootValues: Iterable<Value>, unpublished: Iterable<Value> = []): void {
    const roots = [...rootHandles];
    for (const h of roots) if (!this.cells.has(h)) throw new HeapInvariantViolation('NoDangling', `root handle ${h} is not allocated`);
    for (const [h, c] of this.cells) {
      for (const k of c.children) if (!this.cells.has(k)) throw new HeapInvariantViolation('NoDangling', `cell ${h} points at freed cell ${k}`);
      if (!Object.is(c.value, c.original) || (c.snapshot !== null && !sameContents(c.snapshot, shallowContents(c.value))))
        throw new HeapInvariantViolation('Immutable', `cell ${h} changed after allocation`);
    }
    const seen = new Set<object>();
    const values: Value[] = [...rootValues, ...roots.map((h) => this.cells.get(h)!.value)];
    const outside: Value[] = [...unpublished];
    while (outside.length > 0) {
      const v = outside.pop()!;
      if (!isComposite(v) || seen.has(v)) continue;
      if (this.byObject.has(v)) values.push(v);
      else {
        seen.add(v);
        for (const c of childValues(v, this.fnChildren)) outside.push(c);
      }
    }
    while (values.length > 0) {
      const v = values.pop()!;
      if (!isComposite(v) || seen.has(v)) continue;
      seen.add(v);
      const h = this.byObject.get(v);
      if (h === undefined || !this.cells.has(h)) throw new HeapInvariantViolation('ReachableNeverFreed', `a reachable ${v.kind} has no live cell`);
      for (const c of childValues(v, this.fnChildren)) values.push(c);
    }
  }
}

/**
 * What `v` holds one level down, flattened: items of lists, vectors and sets; keys and values
 * of maps; tag and value of tagged values; the bytes of byte strings; identity, name and code of
 * functions. Values are not frozen (spec/Values.ts), so Immutable compares these snapshots.
 */
export function shallowContents(v: Value): readonly unknown[] {
  if (v instanceof List || v instanceof Vector || v instanceof ESet) return [v.items.length, ...v.items];
  if (v instanceof EMap) return [v.entries.length, ...v.entries.flatMap((e) => [e, e[0], e[1]])];
  if (v instanceof Tagged) return [v.tag, v.value];
  if (v instanceof Bytes) return [v.data, ...v.data];
  if (v instanceof Fn) return [v.id, v.name, v.impl];
  return [v];
}

function sameContents(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}
