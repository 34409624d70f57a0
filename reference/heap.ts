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
 *
 * Cost: allocating a value costs O(its new members), so that a built-in charged ⌊n/16⌋ fuel for a
 * new value of n elements, or a free O(1) `conj` onto a vector (spec/Values.ts shares the
 * vector's storage), costs the heap no more. A vector that extends an allocated vector on the
 * same storage shares that cell's child list (see {@link Cell.childCount}), and the heap reads
 * vectors through `at`/`size`, never `items`, which would stop them appending in place. The
 * kernel collects when {@link Heap.allocatedSinceGc} (cells *and* their new elements) reaches
 * the heap's size, so garbage made of a few huge values is collected as promptly as garbage
 * made of many small ones.
 * @module
 */
import { HeapInvariantViolation } from '../spec/Errors.js';
import { Bytes, EMap, ESet, Fn, List, Tagged, Vector, type Value } from '../spec/Values.js';
import type { Pid } from '../spec/Kernel.js';

/** A heap address. Never visible to programs or observations. */
export type Handle = number;

/** One heap cell. */
export interface Cell {
  /** The value stored (replaced only by the `in-place-update-shared` mutant). */
  value: Value;
  /**
   * Handles of the composite values directly inside `value`: the first {@link childCount} entries.
   * The array may be shared with the cells of vectors that extend this one (only ever appended
   * to past this cell's count), so read it only up to `childCount`.
   */
  readonly children: readonly Handle[];
  /** How many entries of {@link children} belong to this cell. */
  readonly childCount: number;
  /** The process charged for this cell (for the heap quota). */
  readonly owner: Pid;
  /** What the cell weighs against the heap quotas, in cells: 1 + its elements + its strings' characters / 8. */
  readonly weight: number;
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
  const out: Value[] = [];
  eachChild(v, fnChildren, 0, (c) => out.push(c));
  return out;
}

/**
 * Calls `visit` with every value directly inside `v` from member `from` on (items; map keys and
 * values, entry by entry; a tagged value's value; a function's `fnChildren`), without building
 * arrays and without reading a vector's `items`.
 */
function eachChild(v: Value, fnChildren: (f: Fn) => Iterable<Value>, from: number, visit: (c: Value) => void): void {
  if (v instanceof Vector || v instanceof List) {
    for (let i = from, n = v.size; i < n; i++) visit(v.at(i)!);
  } else if (v instanceof ESet) {
    const items = v.items;
    for (let i = 0; i < items.length; i++) visit(items[i]!);
  } else if (v instanceof EMap) {
    const entries = v.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      visit(e[0]);
      visit(e[1]);
    }
  } else if (v instanceof Tagged) visit(v.value);
  else if (v instanceof Fn) for (const x of fnChildren(v)) visit(x);
}

/**
 * What a string weighs beyond its element: one cell per 8 characters. A cell weighs 1, plus its
 * value's elements (a map's entries, a byte string's bytes), plus this for each string directly
 * inside it (docs/language.md "Quotas"); members that are collections weigh in their own cells.
 */
function textWeight(c: Value): number {
  return typeof c === 'string' ? c.length >> 3 : 0;
}

/** The number of elements a new value `v` brings (items, entries, bytes): what the collection trigger counts. */
function elementsOf(v: Value): number {
  if (v instanceof Vector || v instanceof List) return v.size;
  if (v instanceof ESet) return v.items.length;
  if (v instanceof EMap) return v.size;
  if (v instanceof Bytes) return v.length;
  return 0;
}

export { HeapInvariantViolation } from '../spec/Errors.js';

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

/** The child list of cells without composite members (shared; never appended to). */
const NO_CHILDREN: Handle[] = [];

/** Nesting past which {@link Heap.alloc} stops recursing and allocates deepest first. */
const MAX_ALLOC_DEPTH = 400;
/** Thrown (and caught) inside {@link Heap.alloc} at {@link MAX_ALLOC_DEPTH}. */
const TOO_DEEP: unique symbol = Symbol('too deep');

/** The heap of cells. */
export class Heap {
  /** handle → cell (undefined for a free handle). Handles are small integers, reused after a sweep. */
  private readonly slots: (Cell | undefined)[] = [];
  /** Number of allocated cells. */
  private count = 0;
  private readonly byObject = new Map<object, Handle>();
  private readonly free: Handle[] = [];
  private nextHandle = 0;
  private readonly liveByOwner = new Map<Pid, number>();
  private liveWeight = 0;
  /**
   * For the storage array of allocated vectors (spec/Values.ts `Vector.storage`): the handle of
   * the longest one, whose child list a vector extending it may append to. An entry goes when
   * the cell it names is freed.
   */
  private readonly tips = new Map<readonly Value[], Handle>();
  /** handle → the number of the last collection that marked it (grown with the handles). */
  private marks = new Int32Array(1024);
  private epoch = 0;
  /**
   * Allocation since the last collection: one per cell, plus one per 16 elements the new values
   * brought (a vector that extends another by O(1) `conj`s brings only its new items), the rate at
   * which built-ins are charged fuel for what they build. Drives the automatic collection: the
   * kernel collects when this reaches the heap's size (at least 20,000), so that garbage made of a
   * few huge values is collected as promptly as garbage made of many small ones.
   */
  allocatedSinceGc = 0;
  /**
   * The new weight allocated since the last collection: a cell's weight, less the weight of the
   * vector it extends in place (an O(1) `conj` brings one element, not a whole new vector).
   */
  weightSinceGc = 0;
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

  /** handle → cell, for every allocated cell (a fresh map: O(n), for inspection). */
  get cells(): ReadonlyMap<Handle, Cell> {
    const out = new Map<Handle, Cell>();
    this.slots.forEach((c, h) => {
      if (c !== undefined) out.set(h, c);
    });
    return out;
  }

  /** Number of allocated cells. */
  get size(): number {
    return this.count;
  }

  /** The cell at `h`, if allocated. */
  cell(h: Handle): Cell | undefined {
    return this.slots[h];
  }

  /** The weight of every allocated cell (1 + elements + characters / 8 each): what the kernel-wide heap quota counts. */
  get weight(): number {
    return this.liveWeight;
  }

  /** The weight of the live cells charged to `pid` (1 + elements + characters / 8 each): what its heap quota counts. */
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
   * Costs O(the members `v` adds): a vector extending an allocated vector on the same storage
   * (O(1) `conj`) shares that cell's child list and only its new items are looked at. Values
   * nested any depth are allocated without deep host recursion.
   */
  alloc(v: Value, owner: Pid): Handle {
    try {
      return this.allocAt(v, owner, 0);
    } catch (e) {
      if (e !== TOO_DEEP) throw e;
    }
    // A deeply nested value: allocate its new composites deepest first, so that each allocation
    // finds its members allocated already (cells allocated before the throw are kept: they are valid).
    for (const c of this.newCompositesDeepestFirst(v)) this.allocAt(c, owner, 0);
    return this.allocAt(v, owner, 0);
  }

  /** The composites inside `v` (not `v`) that have no cell yet, each once, every member before its container. */
  private newCompositesDeepestFirst(v: Value): Value[] {
    const out: Value[] = [];
    const seen = new Set<Value>();
    const stack: { v: Value; members: Value[] | null }[] = [{ v, members: null }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.members === null) {
        top.members = [];
        let from = 0;
        if (top.v instanceof Vector) {
          const base = this.extended(top.v);
          if (base !== undefined) from = (base.value as Vector).size;
        }
        const members = top.members;
        eachChild(top.v, this.fnChildren, from, (c) => {
          if (isComposite(c) && !seen.has(c) && !this.byObject.has(c)) {
            seen.add(c);
            members.push(c);
          }
        });
        members.reverse();
      }
      const next = top.members.pop();
      if (next !== undefined) stack.push({ v: next, members: null });
      else {
        stack.pop();
        if (top.v !== v) out.push(top.v);
      }
    }
    return out;
  }

  private allocAt(v: Value, owner: Pid, depth: number): Handle {
    if (depth > MAX_ALLOC_DEPTH) throw TOO_DEEP;
    const composite = isComposite(v);
    if (composite) {
      const known = this.byObject.get(v);
      if (known !== undefined) return known;
    }
    let children: Handle[] = NO_CHILDREN;
    let from = 0; // members before this one are the extended vector's (already counted)
    // the weight of the members before `from` is the extended cell's, less its header and elements
    let weight = 1 + elementsOf(v) + textWeight(v);
    let extendedWeight = 0; // what the extended vector already weighs (its storage is shared)
    if (v instanceof Vector) {
      const base = this.extended(v);
      if (base !== undefined) {
        from = (base.value as Vector).size;
        weight += base.weight - 1 - from;
        extendedWeight = base.weight;
        children = base.children as Handle[];
        // Append to the shared list only where the extended cell owns its end.
        if (children === NO_CHILDREN || children.length !== base.childCount) children = children.slice(0, base.childCount);
      }
    }
    if (composite) {
      if (v instanceof Vector || v instanceof List) {
        for (let i = from, n = v.size; i < n; i++) {
          const c = v.at(i)!;
          if (c !== null && typeof c === 'object' && isComposite(c)) {
            if (children === NO_CHILDREN) children = [];
            children.push(this.allocAt(c, owner, depth + 1));
          } else if (typeof c === 'string') weight += textWeight(c);
        }
      } else if (v instanceof EMap) {
        const entries = v.entries;
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i]!;
          for (const c of e) {
            if (c !== null && typeof c === 'object' && isComposite(c)) {
              if (children === NO_CHILDREN) children = [];
              children.push(this.allocAt(c, owner, depth + 1));
            } else if (typeof c === 'string') weight += textWeight(c);
          }
        }
      } else {
        eachChild(v, this.fnChildren, 0, (c) => {
          if (isComposite(c)) {
            if (children === NO_CHILDREN) children = [];
            children.push(this.allocAt(c, owner, depth + 1));
          } else weight += textWeight(c);
        });
      }
    }
    const h = this.free.length > 0 ? this.free.pop()! : this.nextHandle++;
    this.slots[h] = { value: v, children, childCount: children.length, owner, weight, original: v, snapshot: this.debug ? shallowContents(v) : null };
    this.count++;
    if (composite) this.byObject.set(v, h);
    if (v instanceof Vector) this.tips.set(v.storage, h);
    this.liveByOwner.set(owner, (this.liveByOwner.get(owner) ?? 0) + weight);
    this.liveWeight += weight;
    this.weightSinceGc += weight - extendedWeight;
    this.allocatedSinceGc += 1 + (elementsOf(v) - from) / 16;
    this.totalAllocated++;
    return h;
  }

  /** The cell of the allocated vector that `v` extends (same storage, no more items), if any. */
  private extended(v: Vector): Cell | undefined {
    const h = this.tips.get(v.storage);
    if (h === undefined) return undefined;
    const c = this.slots[h];
    if (c === undefined || !(c.value instanceof Vector) || !c.value.sharesStorageWith(v) || c.value.size > v.size) return undefined;
    return c;
  }

  /** The value in cell `h`; throws {@link DanglingHandle} if `h` is not allocated. */
  read(h: Handle): Value {
    const c = this.slots[h];
    if (c === undefined) throw new DanglingHandle(h);
    return c.value;
  }

  /** Overwrites cell `h` in place. Only the `in-place-update-shared` mutant calls this. */
  overwrite(h: Handle, v: Value): void {
    const c = this.slots[h];
    if (c !== undefined) c.value = v;
  }

  /**
   * Stop-the-world mark-sweep: marks every cell reachable from `rootHandles` and from the
   * composites inside `rootValues`, frees the rest. O(live cells and their children + handles).
   * @see GC.tla Mark, Sweep
   */
  collect(rootHandles: Iterable<Handle>, rootValues: Iterable<Value>): GcStats {
    const epoch = this.mark(rootHandles, rootValues);
    let freed = 0;
    for (let h = 0; h < this.nextHandle; h++) {
      const c = this.slots[h];
      if (c === undefined || this.marks[h] === epoch) continue;
      this.slots[h] = undefined;
      this.count--;
      if (isComposite(c.value) && this.byObject.get(c.value) === h) this.byObject.delete(c.value);
      if (c.value instanceof Vector && this.tips.get(c.value.storage) === h) this.tips.delete(c.value.storage);
      this.liveByOwner.set(c.owner, this.liveCells(c.owner) - c.weight);
      this.liveWeight -= c.weight;
      this.free.push(h);
      freed++;
    }
    this.allocatedSinceGc = 0;
    this.weightSinceGc = 0;
    return { live: this.count, freed };
  }

  /** Marks every cell reachable from the roots with a new epoch; returns the epoch. */
  private mark(rootHandles: Iterable<Handle>, rootValues: Iterable<Value>): number {
    const epoch = ++this.epoch;
    if (this.marks.length < this.nextHandle) {
      const grown = new Int32Array(Math.max(this.nextHandle, 2 * this.marks.length));
      grown.set(this.marks);
      this.marks = grown;
    }
    const marks = this.marks;
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
      else eachChild(v, this.fnChildren, 0, (c) => values.push(c));
    }
    while (work.length > 0) {
      const h = work.pop()!;
      if (marks[h] === epoch) continue;
      const c = this.slots[h];
      if (c === undefined) continue; // a dangling root: reported by NoDangling in debug mode
      marks[h] = epoch;
      for (let i = 0; i < c.childCount; i++) work.push(c.children[i]!);
    }
    return epoch;
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
    for (const h of roots) if (this.slots[h] === undefined) throw new HeapInvariantViolation('NoDangling', `root handle ${h} is not allocated`);
    for (let h = 0; h < this.nextHandle; h++) {
      const c = this.slots[h];
      if (c === undefined) continue;
      for (let i = 0; i < c.childCount; i++) {
        const k = c.children[i]!;
        if (this.slots[k] === undefined) throw new HeapInvariantViolation('NoDangling', `cell ${h} points at freed cell ${k}`);
      }
      if (!Object.is(c.value, c.original) || (c.snapshot !== null && !sameContents(c.snapshot, shallowContents(c.value))))
        throw new HeapInvariantViolation('Immutable', `cell ${h} changed after allocation`);
    }
    const seen = new Set<object>();
    const values: Value[] = [...rootValues, ...roots.map((h) => this.slots[h]!.value)];
    const outside: Value[] = [...unpublished];
    while (outside.length > 0) {
      const v = outside.pop()!;
      if (!isComposite(v) || seen.has(v)) continue;
      if (this.byObject.has(v)) values.push(v);
      else {
        seen.add(v);
        eachChild(v, this.fnChildren, 0, (c) => outside.push(c));
      }
    }
    while (values.length > 0) {
      const v = values.pop()!;
      if (!isComposite(v) || seen.has(v)) continue;
      seen.add(v);
      const h = this.byObject.get(v);
      if (h === undefined || this.slots[h] === undefined) throw new HeapInvariantViolation('ReachableNeverFreed', `a reachable ${v.kind} has no live cell`);
      eachChild(v, this.fnChildren, 0, (c) => values.push(c));
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
