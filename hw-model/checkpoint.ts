/**
 * Copies of the simulator's state, so that a memory can be put back exactly as it was (a
 * campaign reuses one simulated memory across cases instead of allocating one per case; see
 * `HwKernelMemory.checkpoint`). Every field of a simulator object is copied by kind: numbers
 * and booleans by value, typed arrays element by element, arrays of typed arrays (the shared
 * level's pages) page by page. A field of any other kind is an error, so that a field added
 * later cannot be silently left out of a checkpoint.
 * @module
 */
import { HwFault } from './errors.js';

type Page = Float64Array | undefined;
export type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** One copied field. */
export type FieldCopy = { readonly kind: 'plain'; readonly value: number | boolean | string } | { readonly kind: 'typed'; readonly value: TypedArray } | { readonly kind: 'pages'; readonly value: readonly (Float64Array | undefined)[] };

/** The copied fields of one object, by name. */
export type FieldsCopy = ReadonlyMap<string, FieldCopy>;

/**
 * Typed arrays of an object that are tables with room to grow (one entry per line of memory, say):
 * the value of an unused entry of each, by field name, and how many entries are in use (the same
 * for all of them).
 */
export interface GrowableTables {
  readonly unused: ReadonlyMap<string, number>;
  readonly used: number;
}

const NO_TABLES: ReadonlyMap<string, number> = new Map();

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * Copies every own field of `obj` except those named in `skip` (which the caller copies its own way).
 * Of `tables`, only the entries in use are copied (every later one holds the unused value), so
 * that two objects in the same state have equal copies whatever room their tables have.
 * @throws HwFault (`bad-config`) for a field of a kind this module does not copy.
 */
export function copyFields(obj: object, skip: ReadonlySet<string>, tables?: GrowableTables): FieldsCopy {
  const out = new Map<string, FieldCopy>();
  for (const [name, v] of Object.entries(obj)) {
    if (skip.has(name)) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out.set(name, { kind: 'plain', value: v });
    else if (isTyped(v)) out.set(name, { kind: 'typed', value: v.slice(0, tables?.unused.has(name) === true ? tables.used : v.length) });
    else if (Array.isArray(v) && v.every((p) => p === undefined || p instanceof Float64Array)) out.set(name, { kind: 'pages', value: (v as Page[]).map((p) => p?.slice()) });
    else throw new HwFault('bad-config', `checkpoint: field '${name}' of ${obj.constructor.name} has a kind no checkpoint copies`);
  }
  return out;
}

/**
 * Puts the fields copied by {@link copyFields} back into `obj`, reusing its arrays where the
 * sizes match (nothing is allocated then). `spare` receives pages the object no longer needs
 * and supplies pages it needs again, so pages are pooled across restores.
 *
 * A table of `unused` (see {@link GrowableTables}) longer than its copy keeps its length, takes the
 * copy as its prefix and the unused value everywhere after it, so that memory grown again after
 * a restore finds its tables already allocated.
 */
export function restoreFields(obj: object, copy: FieldsCopy, spare: Float64Array[], unused: ReadonlyMap<string, number> = NO_TABLES): void {
  const target = obj as Record<string, unknown>;
  for (const [name, f] of copy) {
    if (f.kind === 'plain') target[name] = f.value;
    else if (f.kind === 'typed') {
      const cur = target[name];
      const fill = unused.get(name);
      if (isTyped(cur) && cur.constructor === f.value.constructor && (cur.length === f.value.length || (fill !== undefined && cur.length > f.value.length))) {
        (cur as Float64Array).set(f.value as Float64Array);
        if (cur.length > f.value.length) cur.fill(fill!, f.value.length);
      } else target[name] = f.value.slice();
    } else {
      const cur = target[name] as Page[];
      const want = f.value;
      for (let i = want.length; i < cur.length; i++) if (cur[i] !== undefined) spare.push(cur[i]!);
      cur.length = want.length;
      for (let i = 0; i < want.length; i++) {
        const w = want[i];
        const c = cur[i];
        if (w === undefined) {
          if (c !== undefined) spare.push(c);
          cur[i] = undefined;
        } else {
          const page = c !== undefined && c.length === w.length ? c : takePage(spare, w.length);
          page.set(w);
          cur[i] = page;
        }
      }
    }
  }
}

function takePage(spare: Float64Array[], length: number): Float64Array {
  for (let i = spare.length - 1; i >= 0; i--) {
    if (spare[i]!.length === length) return spare.splice(i, 1)[0]!;
  }
  return new Float64Array(length);
}
