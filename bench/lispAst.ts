/**
 * A deterministic generator of realistic Lisp source ASTs, for the encoding benchmark: namespace
 * forms, `defn`s with docstrings, argument vectors, `let` bindings, calls, `if`/`when`/`cond`,
 * threading macros, map and vector literals, keywords, small integers and string literals, over a
 * vocabulary in which a few identifiers are very common and most are rare (as in real code).
 * @module
 */
import { EMap, Keyword, List, Sym, Vector, type Value } from '../spec/Values.js';

import { mulberry32 } from '../spec/Random.js';

const CORE = (
  'defn let if when cond fn do loop recur -> ->> map filter reduce assoc assoc-in get get-in update ' +
  'conj into str + - * = < > <= >= inc dec first rest next cons count empty? nil? not and or ' +
  'keys vals merge select-keys contains? vector list hash-map set some every? apply partial comp ' +
  'identity println format throw ex-info try catch when-let if-let doseq for range take drop ' +
  'mapv filterv keep remove sort-by group-by frequencies distinct concat seq vec swap! reset! deref atom'
).split(' ');
const SYLLABLES = 'par se tok en user id req res hand ler val ue node tree item list key map buf fer ctx ev ent msg conn pool db row col acc sum idx pos len name path file opts cfg state cache'.split(' ');
const NAMESPACES = ['str', 'set', 'io', 'clojure.string', 'app.db', 'app.http', 'app.util', 'log', 'json', 'time'];
const KW_NAMES = 'id name type status value data error message user email created-at updated-at count items total page limit offset key tag kind ok result body headers method uri params query timeout retries host port'.split(' ');
const KW_NAMESPACES = ['db', 'user', 'http', 'app', 'event'];
const WORDS = 'the a value of user request returns given when is not found for each item in list map to and or with invalid missing key error'.split(' ');

/** Picks an index in [0, n) with a Zipf-like bias towards small indexes. */
function zipf(rand: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.pow(n + 1, rand()) - 1));
}

/**
 * Generates a vector of top-level forms holding at least `nodes` values (every collection and
 * every leaf counts as one node), deterministic in `seed`. Returns the AST and its exact node count.
 */
export function generateLispAst(nodes: number, seed = 1): { ast: Vector; nodes: number } {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const identifiers: Sym[] = [];
  for (let i = 0; i < 1500; i++) {
    const parts = 1 + Math.floor(rand() * 3);
    const words: string[] = [];
    for (let p = 0; p < parts; p++) words.push(pick(SYLLABLES) + (rand() < 0.3 ? pick(SYLLABLES) : ''));
    identifiers.push(Sym.of(words.join('-') + (rand() < 0.05 ? '?' : rand() < 0.05 ? '!' : '')));
  }
  const nsSyms: Sym[] = [];
  for (let i = 0; i < 200; i++) nsSyms.push(Sym.of(identifiers[i * 7]!.name, pick(NAMESPACES)));
  const keywords: Keyword[] = KW_NAMES.map((n) => Keyword.of(n));
  for (let i = 0; i < 120; i++) keywords.push(Keyword.of(pick(KW_NAMES), pick(KW_NAMESPACES)));
  const core = CORE.map((n) => Sym.of(n));

  const sym = (): Sym => {
    const r = rand();
    if (r < 0.45) return core[zipf(rand, core.length)]!;
    if (r < 0.55) return nsSyms[zipf(rand, nsSyms.length)]!;
    return identifiers[zipf(rand, identifiers.length)]!;
  };
  const kw = (): Keyword => {
    return keywords[zipf(rand, keywords.length)]!;
  };
  const text = (words: number): string => {
    const ws: string[] = [];
    for (let i = 0; i < words; i++) ws.push(pick(WORDS));
    return ws.join(' ');
  };
  const leaf = (): Value => {
    const r = rand();
    if (r < 0.55) return sym();
    if (r < 0.7) return kw();
    if (r < 0.85) return BigInt(Math.floor(rand() * (rand() < 0.8 ? 10 : 5000)));
    if (r < 0.93) return text(1 + Math.floor(rand() * 4));
    if (r < 0.96) return rand() < 0.5;
    if (r < 0.98) return null;
    return Math.round(rand() * 10000) / 100;
  };
  const seq = (kind: 'list' | 'vector', items: Value[]): Value => {
    return kind === 'list' ? new List(items) : new Vector(items);
  };
  const expr = (depth: number): Value => {
    if (depth <= 0 || rand() < 0.3) return leaf();
    const r = rand();
    if (r < 0.5) {
      // a call: (f args...)
      const n = 1 + Math.floor(rand() * 3);
      const items: Value[] = [sym()];
      for (let i = 0; i < n; i++) items.push(expr(depth - 1));
      return seq('list', items);
    }
    if (r < 0.62) {
      // (let [a x b y] body)
      const bindings: Value[] = [];
      const n = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) bindings.push(sym(), expr(depth - 1));
        return seq('list', [Sym.of('let'), seq('vector', bindings), expr(depth - 1)]);
    }
    if (r < 0.74) {
        return seq('list', [Sym.of(rand() < 0.6 ? 'if' : 'when'), expr(depth - 1), expr(depth - 1), expr(depth - 1)]);
    }
    if (r < 0.82) {
      // {:k v ...}
      const n = 1 + Math.floor(rand() * 3);
      const pairs: [Value, Value][] = [];
      for (let i = 0; i < n; i++) pairs.push([kw(), expr(depth - 1)]);
        return EMap.from(pairs);
    }
    if (r < 0.9) {
      const n = Math.floor(rand() * 4);
      const items: Value[] = [];
      for (let i = 0; i < n; i++) items.push(expr(depth - 1));
      return seq('vector', items);
    }
    // (-> x (f a) (g b))
    const items: Value[] = [Sym.of(rand() < 0.5 ? '->' : '->>'), sym()];
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) items.push(seq('list', [sym(), expr(depth - 2)]));
    return seq('list', items);
  };
  const defn = (): Value => {
    const args: Value[] = [];
    const n = Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) args.push(sym());
    const body: Value[] = [Sym.of('defn'), sym(), text(3 + Math.floor(rand() * 8)), seq('vector', args)];
    const forms = 1 + Math.floor(rand() * 2);
    for (let i = 0; i < forms; i++) body.push(expr(5));
    return seq('list', body);
  };
  const forms: Value[] = [new List([Sym.of('ns'), Sym.of('app.core'), new List([Keyword.of('require'), new Vector([Sym.of('clojure.string'), Keyword.of('as'), Sym.of('str')])])])];
  let count = 1 + countNodes(forms[0]!); // the outer vector and the ns form
  while (count < nodes) {
    const form = rand() < 0.85 ? defn() : seq('list', [Sym.of('def'), sym(), expr(3)]);
    forms.push(form);
    count += countNodes(form);
  }
  return { ast: new Vector(forms), nodes: count };
}

/** Counts the nodes of a value (every collection, entry key/value and leaf counts once). */
export function countNodes(v: Value): number {
  let n = 0;
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    n++;
    if (x instanceof List || x instanceof Vector) stack.push(...x.items);
    else if (x instanceof EMap) for (const [k, val] of x.entries) stack.push(k, val);
    else if (x !== null && typeof x === 'object' && (x.kind === 'set')) stack.push(...x.items);
    else if (x !== null && typeof x === 'object' && x.kind === 'tagged') stack.push(x.value);
  }
  return n;
}
