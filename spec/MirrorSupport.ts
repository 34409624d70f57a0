/**
 * Helpers shared by the TS mirrors of the TLA+ modules (Atoms, Fork, Capabilities): reading a
 * model's constants with typed errors, and writing values in the JSON form `tla-checker`'s
 * `explore_init` / `explore_next` use, so a mirror's `toTla` can be compared with the checker's
 * states by plain JSON equality.
 *
 * The checker's JSON form (measured with tla-checker 0.9.0):
 * - integers, booleans and strings as themselves; records as objects with keys in sorted order;
 * - sets as arrays sorted by value;
 * - a function whose domain is exactly `1..n` (n ≥ 0, so also the empty function) as
 *   `{ "__tuple": [f[1], …, f[n]] }` — sequences are such functions;
 * - any other function as `{ "__fn": [[k, f[k]], …] }`, pairs sorted by key.
 * @module
 */

/** A value in tla-checker's state JSON. */
export type TlaJson =
  | number
  | boolean
  | string
  | readonly TlaJson[]
  | { readonly __tuple: readonly TlaJson[] }
  | { readonly __fn: readonly (readonly [TlaJson, TlaJson])[] }
  | { readonly [field: string]: TlaJson };

/** A model's constants are missing, of the wrong type, out of range or unknown to the module. */
export class ModelConstantsError extends Error {
  /** Creates the error for module `module`. */
  constructor(
    /** The TLA+ module whose constants were rejected. */
    readonly module: string,
    detail: string,
  ) {
    super(`${module}: ${detail}`);
    this.name = 'ModelConstantsError';
  }
}

/**
 * Checks that `constants` holds exactly the names in `expected` (no more, no fewer).
 * @throws ModelConstantsError naming the missing or unknown constants.
 */
export function expectConstantNames(module: string, constants: Readonly<Record<string, unknown>>, expected: readonly string[]): void {
  const missing = expected.filter((n) => !(n in constants));
  const unknown = Object.keys(constants).filter((n) => !expected.includes(n));
  if (missing.length > 0) throw new ModelConstantsError(module, `missing constant(s) ${missing.join(', ')}`);
  if (unknown.length > 0) throw new ModelConstantsError(module, `unknown constant(s) ${unknown.join(', ')}`);
}

/**
 * Reads an integer constant in `min..max`.
 * @throws ModelConstantsError if it is not such an integer.
 */
export function intConstant(module: string, constants: Readonly<Record<string, unknown>>, name: string, min: number, max: number): number {
  const v = constants[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ModelConstantsError(module, `constant ${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Reads a string constant that must be one of `allowed`.
 * @throws ModelConstantsError if it is not.
 */
export function choiceConstant<T extends string>(module: string, constants: Readonly<Record<string, unknown>>, name: string, allowed: readonly T[]): T {
  const v = constants[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ModelConstantsError(module, `constant ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** A TLA+ sequence (a function with domain `1..n`). */
export function tlaSeq(items: readonly TlaJson[]): TlaJson {
  return { __tuple: items };
}

/**
 * A TLA+ function with integer domain, given as `[key, value]` pairs in increasing key order:
 * a tuple when the domain is exactly `1..n`, else a `__fn` list.
 */
export function tlaIntFn(pairs: readonly (readonly [number, TlaJson])[]): TlaJson {
  let isSeq = true;
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i]![0] !== i + 1) { isSeq = false; break; }
  }
  if (isSeq) return { __tuple: pairs.map((kv) => kv[1]) };
  return { __fn: pairs.map((kv) => [kv[0], kv[1]] as const) };
}

/** A TLA+ function with domain `lo..lo+values.length-1`. */
export function tlaRangeFn(lo: number, values: readonly TlaJson[]): TlaJson {
  return tlaIntFn(values.map((v, i) => [lo + i, v] as const));
}

/** A TLA+ set of integers (sorted ascending, duplicates removed). */
export function tlaIntSet(items: Iterable<number>): TlaJson {
  return [...new Set(items)].sort((a, b) => a - b);
}

/** A TLA+ record: fields in sorted order, as the checker prints them. */
export function tlaRecord(fields: Readonly<Record<string, TlaJson>>): TlaJson {
  const out: Record<string, TlaJson> = {};
  for (const k of Object.keys(fields).sort()) out[k] = fields[k]!;
  return out;
}

/** Returns a copy of `xs` with `xs[i] = v`. */
export function setAt<T>(xs: readonly T[], i: number, v: T): T[] {
  const c = xs.slice();
  c[i] = v;
  return c;
}
