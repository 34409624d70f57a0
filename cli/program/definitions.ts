/**
 * Definitions kept in a durable store (`immutos run --db PATH`, `immutos repl --db PATH`): the
 * `def`/`defn`/`defmacro` forms a session evaluated, as source text, in the durable atom
 * {@link DEFINITIONS_ATOM} (a vector of strings), replayed into a new kernel before anything else
 * when the database is opened again, so that functions defined before a crash exist after it.
 * @module
 */
import { printEdn, readEdnForms } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import type { ProgramHost } from '../../spec/Kernel.js';
import type { DurableStore } from '../../spec/Store.js';
import { List, Sym, Vector, type Value } from '../../spec/Values.js';
import { seededScheduler } from '../../reference/schedulers.js';

/** The durable atom holding the definitions (a vector of source strings, oldest first). */
export const DEFINITIONS_ATOM = 'immutos/definitions';

/** The heads of the forms recorded as definitions. */
const DEFINING = new Set(['def', 'defn', 'defmacro']);

/** A database could not be opened for `--db`. */
export class DatabaseUnavailable extends Error {
  /** Creates the error for the database at `path`. */
  constructor(path: string, detail: string) {
    super(`cannot open the database at ${path}: ${detail}`);
    this.name = 'DatabaseUnavailable';
  }
}

/** Opens (creating if missing) the durable store at `path`. @throws DatabaseUnavailable */
export async function openDatabase(path: string): Promise<DurableStore> {
  try {
    const { LmdbStore } = await import('../../store/index.js');
    return await LmdbStore.open(path);
  } catch (e) {
    throw new DatabaseUnavailable(path, String((e as Error)?.message ?? e).split('\n')[0]!);
  }
}

/** Whether `form` is a definition (`(def …)`, `(defn …)`, `(defmacro …)`). */
export function isDefinition(form: Value): boolean {
  if (!(form instanceof List)) return false;
  const head = form.items[0];
  return head instanceof Sym && head.ns === null && DEFINING.has(head.name);
}

/** The source text of each definition among the forms of `text` (none when it does not read). */
export function definitionsIn(text: string): string[] {
  try {
    return readEdnForms(text).forms.filter(isDefinition).map((f) => printEdn(f));
  } catch (e) {
    if (e instanceof KernelError) return [];
    throw e;
  }
}

/** The definitions recorded in `store`, oldest first. */
export function recordedDefinitions(store: DurableStore): string[] {
  const tr = store.current(DEFINITIONS_ATOM);
  if (tr === undefined) return [];
  const v = store.value(tr.hash);
  return v instanceof Vector ? v.items.filter((x): x is string => typeof x === 'string') : [];
}

/** The name a definition's source text defines (its second element), as printed. */
function definedName(source: string): string {
  try {
    const form = readEdnForms(source).forms[0];
    return form instanceof List && form.items.length > 1 ? printEdn(form.items[1]!) : source;
  } catch (e) {
    if (e instanceof KernelError) return source;
    throw e;
  }
}

/**
 * Appends `sources` to the recorded definitions, durably (flushed before it returns). A source
 * identical to the latest recorded definition of the same name is not recorded again.
 */
export function recordDefinitions(store: DurableStore, sources: readonly string[]): void {
  const all = recordedDefinitions(store);
  const latest = new Map(all.map((text) => [definedName(text), text]));
  const fresh = sources.filter((text) => {
    const name = definedName(text);
    if (latest.get(name) === text) return false;
    latest.set(name, text);
    return true;
  });
  if (fresh.length === 0) return;
  all.push(...fresh);
  const tr = store.current(DEFINITIONS_ATOM);
  store.append({ atom: DEFINITIONS_ATOM, stamp: tr === undefined ? 0 : tr.stamp + 1, value: new Vector(all), writer: 0 });
  store.flush();
}

/**
 * Evaluates the recorded definitions in process 0 of `kernel` (before anything else runs in it)
 * → how many there were. A definition that fails is skipped, as it failed when first entered.
 */
export function replayDefinitions(kernel: ProgramHost, store: DurableStore): number {
  const defs = recordedDefinitions(store);
  for (const text of defs) {
    kernel.load(0, text);
    kernel.runAll(seededScheduler(0));
  }
  return defs.length;
}
