/**
 * The inputs of the `edn` benchmark suite: EDN texts of several shapes, generated from a seed at
 * bench time (nothing is vendored). Two shapes follow the performance files of the public
 * edn-tests corpus (shaunxcode/edn-tests, `performance/`: `large-symbol-map` and
 * `vector-of-vectors`); the others cover what ImmutOS reads (nested maps of keywords, strings and
 * numbers, vectors of records, a 4 MB map- and set-heavy file, a set of symbols, a big vector of
 * ints, strings with escapes, tagged values).
 *
 * Maps and sets are written the way another program would write them: entries and members in a
 * random order (as a hash map prints), not in the canonical order `printEdn` uses, so the reader
 * pays for building canonical maps and sets.
 * @module
 */
import { mulberry32 } from '../spec/Random.js';
import { Char, EMap, ESet, Keyword, List, Sym, Tagged, Vector, type Value } from '../spec/Values.js';
import { printShuffled } from '../harness/generators/ednValues.js';

/** One generated input. */
export interface EdnShape {
  /** Short name (a row of the report). */
  readonly name: string;
  /** What the text holds, for the report. */
  readonly description: string;
  /** The EDN text. */
  readonly text: string;
  /** The value the text denotes (what the ImmutOS reader must produce). */
  readonly value: Value;
}

const WORDS = 'alpha beta gamma delta user order item price name email status active pending total count value key node edge path file line error ok retry host port'.split(' ');
const KWS = 'id name email age score active created-at updated-at status kind tags owner parent children size weight price qty total'.split(' ');

/**
 * Generates every shape, deterministic in `seed`; `scale` 1 gives the full sizes (the map/set-heavy
 * text about 4 MB), smaller scales shrink every shape proportionally (quick runs).
 */
export function generateEdnShapes(seed: number, scale = 1): EdnShape[] {
  const rand = mulberry32(seed);
  const n = (k: number): number => Math.max(4, Math.round(k * scale));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (max: number): bigint => BigInt(Math.floor(rand() * max) - (rand() < 0.1 ? max : 0));
  const word = (): string => pick(WORDS) + (rand() < 0.5 ? '-' + pick(WORDS) : '');
  const ident = (i: number): string => `${pick(WORDS)}-${i.toString(36)}`;
  const words = (k: number): string => Array.from({ length: k }, word).join(' ');
  const kw = (name: string, ns: string | null = null): Keyword => Keyword.of(name, ns);
  const shapes: EdnShape[] = [];
  const add = (name: string, description: string, value: Value): void => {
    shapes.push({ name, description, value, text: printShuffled(value, rand) });
  };

  // edn-tests performance/large-symbol-map: one map with many symbol keys.
  const symMap: [Value, Value][] = [];
  for (let i = 0; i < n(20_000); i++) symMap.push([Sym.of(ident(i)), i % 3 === 0 ? words(2) : int(1_000_000)]);
  add('symbol-map', 'edn-tests performance/large-symbol-map: one map of symbol keys to ints and strings', EMap.from(symMap));

  // edn-tests performance/vector-of-vectors.
  add('vector-of-vectors', 'edn-tests performance/vector-of-vectors: a vector of vectors of 10 ints', new Vector(Array.from({ length: n(20_000) }, () => new Vector(Array.from({ length: 10 }, () => int(100_000))))));

  // Nested maps of keywords, strings and numbers (configuration-like).
  const nested = (depth: number): Value => {
    const entries: [Value, Value][] = [];
    const width = 4 + Math.floor(rand() * 6);
    for (let i = 0; i < width; i++) {
      const k = kw(`${pick(KWS)}-${i}`, rand() < 0.3 ? 'app' : null);
      const r = rand();
      entries.push([k, depth > 0 && r < 0.35 ? nested(depth - 1) : r < 0.6 ? words(1 + Math.floor(rand() * 3)) : r < 0.85 ? int(10_000) : Math.round(rand() * 1e6) / 100]);
    }
    return EMap.from(entries);
  };
  add('nested-maps', 'nested maps (up to 4 deep) of keywords to strings, ints, doubles and maps', new Vector(Array.from({ length: n(1_500) }, () => nested(3))));

  // A vector of records.
  const record = (i: number): Value =>
    EMap.from([
      [kw('id'), BigInt(i)],
      [kw('name'), words(2)],
      [kw('email'), `${word()}@example.org`],
      [kw('age'), int(90)],
      [kw('score'), Math.round(rand() * 10_000) / 100],
      [kw('active'), rand() < 0.5],
      [kw('status'), kw(pick(['active', 'pending', 'closed']))],
      [kw('owner', 'user'), rand() < 0.2 ? null : int(1000)],
      [kw('tags'), ESet.from(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => kw(pick(WORDS))))],
    ]);
  add('records', 'a vector of records: maps of 9 keyword keys (strings, ints, doubles, booleans, nil, a small set of keywords)', new Vector(Array.from({ length: n(15_000) }, (_, i) => record(i))));

  // The 4 MB map- and set-heavy file: an index of keys to sets and small maps.
  const heavy: [Value, Value][] = [];
  for (let i = 0; i < n(36_000); i++) {
    const r = rand();
    const k: Value = r < 0.5 ? kw(ident(i), 'idx') : r < 0.8 ? `${word()}/${i}` : BigInt(i * 7919);
    const set = ESet.from(Array.from({ length: 2 + Math.floor(rand() * 8) }, () => (rand() < 0.5 ? int(1_000_000) : word())));
    const v: Value = rand() < 0.6 ? set : EMap.from([[kw('members'), set], [kw('weight'), int(100)], [kw('label'), words(2)]]);
    heavy.push([k, v]);
  }
  add('map-set-heavy', 'about 4 MB: one map of keyword, string and int keys to sets (ints, strings) and small maps holding sets', EMap.from(heavy));

  // A set of symbols.
  add('symbol-set', 'one set of distinct symbols (a fifth namespaced)', ESet.from(Array.from({ length: n(50_000) }, (_, i) => (rand() < 0.2 ? Sym.of(ident(i), pick(['app.core', 'app.db', 'util'])) : Sym.of(ident(i))))));

  // A big vector of ints.
  add('int-vector', 'one vector of ints of every magnitude up to 2^53', new Vector(Array.from({ length: n(200_000) }, () => BigInt(Math.floor((rand() - 0.5) * 2 ** Math.floor(rand() * 53))))));

  // Strings with escapes.
  const escaped = (): string => {
    let s = '';
    const k = 3 + Math.floor(rand() * 6);
    for (let i = 0; i < k; i++) {
      s += word();
      const r = rand();
      s += r < 0.2 ? '\n' : r < 0.35 ? '\t' : r < 0.5 ? '"' : r < 0.6 ? '\\' : r < 0.7 ? '\u0001' : r < 0.8 ? 'é' : ' ';
    }
    return s;
  };
  add('escaped-strings', 'one vector of strings with escapes (\\n \\t \\" \\\\ \\uXXXX) and non-ASCII letters', new Vector(Array.from({ length: n(30_000) }, escaped)));

  // Tagged values.
  const hex = (k: number): string => Array.from({ length: k }, () => Math.floor(rand() * 16).toString(16)).join('');
  const tagged = (): Value => {
    const r = rand();
    if (r < 0.35) return new Tagged('inst', `20${10 + Math.floor(rand() * 15)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}T1${Math.floor(rand() * 9)}:2${Math.floor(rand() * 9)}:00Z`);
    if (r < 0.7) return new Tagged('uuid', `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`);
    if (r < 0.85) return new Tagged('my/point', new Vector([int(1000), int(1000)]));
    return new List([Sym.of('quote'), new Char(pick(['a', 'b', 'z']))]);
  };
  add('tagged', 'one vector of tagged values (#inst, #uuid, #my/point [x y]) and a few lists of characters', new Vector(Array.from({ length: n(30_000) }, tagged)));

  return shapes;
}
