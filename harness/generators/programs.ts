/**
 * Programs in the system language, as EDN text templates, for `load` + `step`/`run`.
 *
 * Well-formed programs always terminate and are deterministic: loops run `loop`/`recur` over a
 * bounded counter, functions are non-recursive closures (or recur on a decreasing counter), and
 * nothing reads a clock or a random source. They cover closures, loops, collections (including the
 * last index of a vector), atoms (`deref swap! reset! compare-and-set!` with atom operations
 * inside `swap!` functions, so that schedules make them retry), hot redefinition, and errors
 * (`throw`, type errors, integer overflow). A fraction of programs is invalid (ill-formed special
 * forms, unbalanced text, unknown names): every kernel must refuse them alike.
 *
 * Templates name atoms by holes that `fixup` fills from the acting process's table:
 * `$A` = its newest ref, `$B` = the one before, `$C` = its oldest (as `#atom N`); and
 * `$DEPTH` = the case's stack-depth quota.
 *
 * Programs come from a seed (`programArb` maps a fast-check integer to a program), so shrinking
 * happens on the operation list, not inside a program.
 * @module
 */
import fc from 'fast-check';
import { mulberry32Words } from '../../spec/Random.js';
import { PRELUDE } from '../../spec/Prelude.js';
import { builtins } from '../../spec/lang/builtins.js';
import { ERROR_KINDS } from '../../spec/Kernel.js';
import { ACCUMULATOR_MODULI, ACCUMULATOR_START_MODULI, ACCUMULATOR_STEPS } from '../jit/programs.js';

/** A deterministic random source for programs, over the project's one PRNG (spec/Random.ts). */
export class Prng {
  private readonly word: () => number;
  /** Seeds the generator. */
  constructor(seed: number) {
    this.word = mulberry32Words(seed);
  }
  /** A uniform integer in [0, n). */
  int(n: number): number {
    return (this.word() % n) >>> 0;
  }
  /** One of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
}

/**
 * Authority and resource accounting (ADR 0024): watches and
 * validators on atoms the process was given, whose bodies resolve `#atom 0`…`#atom 3`, print, hold
 * and call `self` (all of which must be the owner's when another process writes); `join` of a
 * process that is not a child; a spawn loop past the tree's process bound (of the mutant
 * campaigns' quotas); a fork loop with a catch (fork splits the fuel). `harness/generators/authority.ts` runs them with a second process
 * that writes the watched atoms.
 */
export const AUTHORITY_TEMPLATES: readonly string[] = [
  '(let [me (self)] (mapv (fn [a] (try (do (add-watch a [:w me] (fn [k r o n] (do (prn :watch k (self) r n) (prn (mapv (fn [x] (try (deref x) (catch e (get e :error)))) [#atom 0 #atom 1 #atom 2 #atom 3])) (hold! 3 [k (self)])))) :watching) (catch e (get e :error)))) [$A $B $C]))',
  '(let [me (self)] (mapv (fn [a] (try (do (set-validator! a (fn [v] (do (prn :validator me (self) v) (try (deref #atom 1) (catch e (get e :error))) (not= v :forbidden)))) :validating) (catch e (get e :error)))) [$A $B $C]))',
  '[(self) (try (join (self)) (catch e (get e :error))) (try (join 0) (catch e (get e :error))) (try (join (dec (self))) (catch e (get e :error)))]',
  '(loop [i 0 n 0 errs []] (if (< i 12) (let [r (try (do (spawn (fn [] (self))) :ok) (catch e (get e :error)))] (recur (inc i) (if (= r :ok) (inc n) n) (if (= r :ok) errs (conj errs r)))) [n (count errs) (first errs)]))',
  '(loop [i 0 n 0] (if (< i 12) (let [c (try (fork) (catch e :limit))] (if (nil? c) [:child i] (recur (inc i) (if (= c :limit) n (inc n))))) [:parent n]))',
];

/** Hand-written programs that exercise one semantic point each (used often by the generator). */
export const PROGRAM_TEMPLATES: readonly string[] = [
  // contended increments: the deref inside the function is a scheduling point, so another
  // process can write between swap!'s read and its compare-and-set (a retry must follow)
  '(do (swap! $A (fn [x] (do (deref $A) (+ x 1)))) (swap! $A (fn [x] (do (deref $A) (+ x 1)))) (deref $A))',
  '(loop [i 0] (if (< i 3) (do (swap! $A (fn [x] (do (deref $A) (+ x 1)))) (recur (inc i))) (deref $A)))',
  '(swap-vals! $A (fn [x] (do (deref $A) (+ x 10))))',
  // a running function keeps its own code across a redefinition of its name (hot deploy)
  '(do (defn f [n] (if (< n 1) :old (do (defn f [m] :new) (recur (dec n))))) (f 3))',
  '(do (defn g [n acc] (if (< n 1) acc (do (def g (fn g [a b] :replaced)) (reset! $A n) (recur (dec n) (conj acc n))))) (g 3 []))',
  // the last index of a vector, subvec to the end
  '(let [v [10 20 30]] [(nth v 2) (subvec v 1 3) (count v) (nth v 0)])',
  '(let [v (conj [1 2] 3)] (reset! $A [(nth v (dec (count v))) (subvec v 0 (count v))]))',
  // updating a vector held in an atom must leave the atom alone
  '(do (reset! $A [1 2 3]) (let [v (deref $A) w (conj v 4) u (assoc v 0 :x)] [v w u (deref $A)]))',
  '(let [v (deref $A)] (do (conj [v] 1) (assoc [v v] 1 2) (deref $A)))',
  // allocation-heavy: a growing vector, many live atoms (quotas)
  '(loop [i 0 acc []] (if (< i 200) (recur (inc i) (conj acc [i i i])) (reset! $A (count acc))))',
  '(loop [i 0] (if (< i 600) (do (atom [i i]) (recur (inc i))) (deref $A)))',
  // registers are roots: what a process holds survives collections
  '(do (hold! 1 (conj (deref $A) :held)) (gc) (atom [:x :y]) (atom {:z 1}) [(held 0) (held 1) (held 2) (held 3)])',
  // compare-and-set! against equal values of different shapes
  '(do (reset! $A [1 2]) [(compare-and-set! $A (quote (1 2)) :swapped) (deref $A)])',
  // errors
  '(do (reset! $A 1) (throw :boom))',
  '(+ 9223372036854775807 1)',
  '(do (swap! $A (fn [x] (+ x 1))) (nth [1 2] 5))',
  // compiled code (the optimized kernel's JIT): int64 bounds inside a function, closures created
  // in a loop keep their own captures, a redefinition reaches new calls of a compiled caller
  '(do (defn sub [a b] (- a b)) [(sub -9223372036854775800 7) (try (sub -9223372036854775800 100) (catch e (get e :error)))])',
  '(do (defn mk [n] (loop [i 0 acc []] (if (< i n) (recur (inc i) (conj acc (fn [] [i n]))) acc))) (mapv (fn [f] (f)) (mk 3)))',
  '(do (defn g [] 1) (defn h [] (g)) (let [a (h)] (defn g [] 2) [a (h)]))',
  '(do (defn lt [a b] (< a b)) (defn cnt [n k] (if (lt n 1) k (cnt (dec n) (if (lt n 3) (inc k) k)))) [(cnt 5 0) (cnt 2 0) (lt 1 1) (lt 1 1) (lt 1 1) (lt 1 1) (lt 1 1)])',
  '(do (defn fact [n acc] (if (< n 2) acc (recur (dec n) (* acc n)))) [(fact 20 1) (try (fact 21 1) (catch e (get e :error)))])',
  // map versions: a threaded map with old versions kept and read out of order (200 versions of a
  // 7-key map: past the point where a version table starts a family of its own), dissoc of an
  // absent key
  '(let [vs (reduce (fn [acc i] (conj acc (assoc (nth acc (dec (count acc))) (rem i 7) i))) [{}] (range 200))] [(nth vs 3) (nth vs 39) (nth vs 12) (get (nth vs 5) 4) (count (nth vs 40)) (nth vs 33) (nth vs 199) (nth vs 130) (nth vs 121) (nth vs 200) (get (nth vs 150) 3)])',
  '(let [m (reduce (fn [m i] (if (even? i) (assoc m (str "k" (rem i 5)) i) (dissoc m (str "k" (rem i 3))))) {} (range 30))] [m (dissoc m :absent) (= m (dissoc m :absent))])',
  // sequence walks (compiled code steps through a list without allocating): every kind of sequence
  '(do (defn walk [s] (loop [s s acc []] (if s (recur (next s) (conj acc (first s))) acc))) [(walk [1 2 3]) (walk ()) (walk nil) (walk "ab") (walk {:a 1 :b 2}) (walk (rest [1 2 3])) (walk (deref $A)) (reduce + 0 (range 5))])',
  // reduce over int vectors (tier 2 may run the whole loop): overflow, non-ints, a held vector
  '(do (defn add2 [a x] (+ a x)) [(reduce add2 0 (vec (range 50))) (try (reduce add2 0 (deref $A)) (catch e (get e :error))) (try (reduce add2 9223372036854775807 [0 1]) (catch e :ovf)) (reduce add2 0 [])])',
  // closures capturing atoms
  '(let [inc! (fn [a] (swap! a (fn [x] (if (int? x) (+ x 1) 0))))] (do (inc! $A) (inc! $B) [(deref $A) (deref $B)]))',
  // values across the heap: vectors of 32·k items, a 36-key map compared with the same entries
  // inserted in reverse, a set of keys whose hashes collide, stored in atoms and a register;
  // closures made in a compiled loop keep their own captures
  '(let [a (atom 0) b (atom 0) v (vec (range 64)) m (into {} (map (fn [i] [i (* i i)]) (range 36))) s (set [-5809 28636 -17137 36071 -15028 75427 1 2])] (do (reset! a [v m s]) (reset! b (conj v 64)) (hold! 2 (vec (range 32))) [(compare-and-set! a [(vec (range 64)) (into {} (map (fn [i] [i (* i i)]) (reverse (range 36)))) (set [2 1 75427 -15028 36071 -17137 28636 -5809])] [:same s]) (count (deref b)) (mapv (fn [f] (f)) ((fn [n] (loop [i 0 acc []] (if (< i n) (recur (inc i) (conj acc (fn [] [i n]))) acc))) 3))]))',
  // small maps outliving garbage across collections (moved, then re-encoded as structs by key
  // set); a hot tier-2 loop that overflows; map versions read far back
  '(do (defn sumto [n k] (loop [i 0 acc k] (if (< i n) (recur (inc i) (+ acc i)) acc))) [(let [j (atom 0)] (do (atom {:a 1 :b 2}) (reset! j (vec (range 300))) (reset! j 0) (gc) (atom {:c 1 :d 2}) (reset! j (vec (range 300))) (reset! j 0) (gc) (atom {:a 3 :b 4}) (reset! j (vec (range 300))) (reset! j 0) (gc) (deref j))) [(sumto 3 0) (sumto 4 1) (sumto 5 2) (sumto 6 3) (try (sumto 9 9223372036854775806) (catch e (get e :error))) (sumto 2 5)] (let [vs (reduce (fn [acc i] (conj acc (assoc (nth acc (dec (count acc))) (rem i 7) i))) [{}] (range 20))] [(nth vs 2) (nth vs 11) (get (nth vs 4) 3)])])',
  // output: a process printing past its tree's output quota (of the mutant campaigns' quotas)
  // stops with out-of-memory, its lines so far kept
  '(loop [i 0] (if (< i 60) (do (prn i (range 20) (deref $A)) (recur (inc i))) i))',
  // a watch that writes the atom it watches: the writes nest until the kernels' common bound
  // (MAX_CALLBACK_NESTING), never until the host's own stack runs out (a depth each kernel
  // reaches differently); the error is caught only if it is not a quota error
  '(do (add-watch $A :again (fn [k r o n] (if (int? n) (swap! $A inc) nil))) (try (swap! $A (fn [x] (if (int? x) (inc x) 0))) (catch e (get e :error))) (deref $A))',
];


/** Programs every kernel must refuse alike (bad-input or program-error, same kind everywhere). */
export const INVALID_PROGRAMS: readonly string[] = [
  '(let [x] x)',
  '(fn)',
  '(if)',
  '(recur 1)',
  '(loop [i] i)',
  '(undefined-function 1 2)',
  '(1 2 3)',
  '(do 1',
  '{:a 1 :a 2}',
  '(def)',
  '(let [1 2] 3)',
  '(quote)',
  ')',
  '',
];

const NAMES = ['x', 'y', 'z', 'w'];

/** A random expression of depth ≤ `depth` over the names in `scope`. */
function expr(r: Prng, depth: number, scope: readonly string[]): string {
  const leaf = (): string => {
    const k = r.int(10);
    if (k < 3 && scope.length > 0) return r.pick(scope);
    if (k < 6) return String(r.int(7) - 2);
    if (k < 7) return r.pick([':a', ':b', 'nil', 'true', '"s"', '[]', '[1 2 3]', '{:a 1}', '#{1 2}']);
    if (k < 8) return r.pick(['(deref $A)', '(deref $B)', '@$A', '(held 0)', '(held 1)']);
    return r.pick(['9223372036854775807', '-1', '0']);
  };
  if (depth <= 0 || r.chance(0.25)) return leaf();
  const d = depth - 1;
  const e = (): string => expr(r, d, scope);
  const fresh = NAMES.find((n) => !scope.includes(n)) ?? `v${scope.length}`;
  switch (r.int(23)) {
    case 21:
      return mapHistory(r, e);
    case 0:
      return `(+ ${e()} ${e()})`;
    case 1:
      return `(- ${e()} ${e()})`;
    case 2:
      return `(* ${e()} ${e()})`;
    case 3:
      return `(if (< ${e()} ${e()}) ${e()} ${e()})`;
    case 4:
      return `(let [${fresh} ${e()}] ${expr(r, d, [...scope, fresh])})`;
    case 5:
      return `((fn [${fresh}] ${expr(r, d, [...scope, fresh])}) ${e()})`;
    case 6:
      return `(let [${fresh} (fn [${fresh}] ${expr(r, d, [...scope, fresh])})] (${fresh} ${e()}))`;
    case 7:
      return `(vector ${e()} ${e()})`;
    case 8:
      return `(conj ${r.pick(['[1 2 3]', '[]', '(deref $A)'])} ${e()})`;
    case 9:
      return `(count ${r.pick(['[1 2 3]', '{:a 1 :b 2}', '"abc"', '#{1}'])})`;
    case 10:
      return `(nth [7 8 9] ${r.int(4)})`;
    case 11:
      return `(get {:a 1 :b [2]} ${r.pick([':a', ':b', ':c'])})`;
    case 12:
      return `(assoc ${r.pick(['{:a 1}', '[1 2 3]', '{}'])} ${r.pick([':a', '0', '2', '3'])} ${e()})`;
    case 13:
      return `(first ${r.pick(['[1 2]', '[]', '(rest [1 2 3])'])})`;
    case 14: {
      const n = 1 + r.int(5);
      const i = fresh;
      const acc = NAMES.find((x) => x !== i && !scope.includes(x)) ?? `a${scope.length}`;
      return `(loop [${i} 0 ${acc} ${e()}] (if (< ${i} ${n}) (recur (inc ${i}) ${expr(r, d, [...scope, i, acc])}) ${acc}))`;
    }
    case 15:
      return `(swap! $A (fn [${fresh}] ${expr(r, d, [...scope, fresh])}))`;
    case 16:
      return `(reset! ${r.pick(['$A', '$B'])} ${e()})`;
    case 17:
      return `(compare-and-set! $A ${e()} ${e()})`;
    case 18:
      return `(str ${e()} ${e()})`;
    case 19:
      return `(if (= ${e()} ${e()}) ${e()} (throw ${e()}))`;
    case 20:
      return `(do ${e()} ${e()})`;
    default:
      return `(= ${e()} ${e()})`;
  }
}

const MAP_KEYS = [':a', ':b', '"s"', '1', '-1', '1.5', 'nil', '[1 2]', '(quote (1 2))', '{:k 1}'];

/**
 * A history of map versions, each made by `assoc`/`dissoc` from an earlier one (not only the
 * newest), answering every version and some lookups: a kernel that updates maps in place must
 * keep each old version exactly as it was.
 */
function mapHistory(r: Prng, e: () => string): string {
  const n = 2 + r.int(6);
  const binds: string[] = [`m0 ${r.pick(['{}', '{:a 1}', '{:a 1 :b 2 "s" 3}', '(deref $A)', '(into {} (map vector [1 2 3 4 5 6 7 8 9 10] (range 10)))'])}`];
  for (let i = 1; i < n; i++) {
    const from = `m${r.chance(0.5) ? i - 1 : r.int(i)}`;
    binds.push(r.chance(0.7) ? `m${i} (assoc ${from} ${r.pick(MAP_KEYS)} ${e()})` : `m${i} (dissoc ${from} ${r.pick(MAP_KEYS)})`);
  }
  const reads = Array.from({ length: 1 + r.int(3) }, () => `(get m${r.int(n)} ${r.pick(MAP_KEYS)} :none)`);
  const all = Array.from({ length: n }, (_, i) => `m${r.int(n)}`);
  return `(let [${binds.join(' ')}] [${[...reads, ...all, `(count m${r.int(n)})`].join(' ')}])`;
}

/**
 * Collection sizes on the boundaries of a 32-way vector trie with a 32-item tail: the tail fills
 * at 32, the root gets a second leaf at 64, and so on; 1024/1056 (a full root, then a root of
 * depth two) only fit under a heap quota of more than 1056 cells (small quotas refuse them alike
 * in every kernel).
 */
export const TRIE_SIZES: readonly number[] = [1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 255, 256, 257, 383, 384, 385];
/** Sizes that need a large heap quota (the deep trie boundaries). */
export const DEEP_TRIE_SIZES: readonly number[] = [1023, 1024, 1025, 1055, 1056, 1057, 1088, 1089];

/** Nesting depths of deep values: around the EDN reader's limit (2000), and far past it. */
export const DEEP_NESTINGS: readonly number[] = [3, 1999, 2001, 8000];

/**
 * Pairs of int64 keys whose 32-bit hashes collide: the first four in the optimized kernel's heap
 * hash, the last four in the spec value model's `hash` (tests/properties/collectionsModel.test.ts
 * checks both). Maps and sets holding them need collision nodes (CHAMP) or equal-hash buckets.
 */
export const COLLIDING_INTS: readonly (readonly [number, number])[] = [
  [-5809, 28636],
  [-17137, 36071],
  [-16010, 57170],
  [1411, -72159],
  [-15028, 75427],
  [1424, -96495],
  [126537, -171967],
  [94220, -184609],
];

/**
 * Programs that carry values across the kernel's heap representation and back: vectors with
 * sizes on trie boundaries, many-key maps and sets (keys of several types, colliding hashes)
 * written to atoms, registers and compared with equal values built in another order; garbage
 * enough for the collector to evacuate and re-encode maps between `(gc)` calls, names that only
 * the intern table keeps across a collection, private atoms with validators across `fork`, hot
 * numeric functions that give up in compiled code, closures made in a compiled loop, and values
 * nested past the EDN reader's limit ({@link deepProgram}). What they build is read back by the
 * observation (atoms and registers, decoded from the heap), so a kernel that stores or moves a
 * value wrongly answers differently.
 */
export function heapProgram(r: Prng): string {
  const n = r.chance(0.15) ? r.pick(DEEP_TRIE_SIZES) : r.pick(TRIE_SIZES);
  const key = r.pick(['i', '(str "k" i)', '(keyword (str "k" (rem i 50)) )', '(* i 4294967296)', '[i]', '(- 0 i)']);
  switch (r.int(11)) {
    case 0: {
      // a vector built item by item, kept in an atom and a register, compared with an equal one
      const build = r.pick([`(loop [i 0 acc []] (if (< i ${n}) (recur (inc i) (conj acc i)) acc))`, `(vec (range ${n}))`, `(mapv (fn [i] [i]) (range ${n}))`, `(into (if (vector? (deref $A)) (deref $A) []) (range ${n}))`]);
      return `(let [v ${build}] (do (reset! $A v) (hold! ${r.int(3)} (conj v :end)) [(count v) (compare-and-set! $A (vec (seq v)) (assoc v (dec (count v)) :last)) (nth (deref $A) (dec (count v)))]))`;
    }
    case 1: {
      // a many-key map (or set) in an atom, then compared with the same entries inserted in reverse
      const c = key === '[i]' ? Math.min(n, 97) : n;
      const m = `(into {} (map (fn [i] [${key} i]) (range ${c})))`;
      const back = `(into {} (map (fn [i] [${key} i]) (reverse (range ${c}))))`;
      return r.chance(0.5)
        ? `(do (reset! $A ${m}) (hold! 1 (assoc ${m} :extra 1)) [(count (deref $A)) (compare-and-set! $A ${back} (dissoc ${back} ${c === 1 ? 0 : 1}))])`
        : `(do (reset! $A (set (map (fn [i] ${key}) (range ${c})))) [(compare-and-set! $A (into #{} (map (fn [i] ${key}) (reverse (range ${c})))) :same) (deref $A)])`;
    }
    case 2: {
      // keys whose hashes collide, in maps and sets, with other keys around them
      const pairs = Array.from({ length: 1 + r.int(4) }, () => r.pick(COLLIDING_INTS));
      const ks = [...new Set(pairs.flat())].concat(Array.from({ length: r.int(6) }, () => r.int(40)));
      const lit = `{${ks.map((k, i) => `${k} ${i}`).join(' ')}}`;
      return `(let [m (into {} (map vector [${ks.join(' ')}] (range ${ks.length})))] (do (reset! $A m) (reset! $B (set [${ks.join(' ')}])) [(= m ${lit}) (compare-and-set! $A ${lit} (dissoc m ${ks[0]})) (get m ${ks[ks.length - 1]}) (count m)]))`;
    }
    case 3: {
      // small maps that outlive garbage: collections move (evacuate) them and re-encode those sharing a key set as structs
      const maps = r.pick([['{:a 1 :b 2}', '{:c 1 :d 2}'], ['{:k 1 :j [1]}', '{:k 2 :z [2]}'], ['{:a 1 :b 2 :c 3}', '{:a 1 :b 2 :d 3}'], ['{"x" 1 :y 2}', '{:x 1 "y" 2}']]);
      const junk = `(reset! j (vec (range ${200 + r.int(180)}))) (reset! j 0)`;
      return `(let [j (atom 0)] (do (atom ${maps[0]}) ${junk} (gc) (atom ${maps[1]}) ${junk} (gc) (atom ${maps[r.int(2)]}) ${junk} (gc) [(deref $A) (deref j)]))`;
    }
    case 4: {
      // names built at run time, dropped, collected, then built again (the intern table must keep them consistent)
      const p = r.pick(['g', 'h', 'name']);
      return `(do (reset! $A (mapv (fn [i] (keyword (str "${p}" i))) (range ${1 + r.int(6)}))) (reset! $A 0) (gc) (hold! 2 (mapv (fn [i] (symbol (str "s${p}" i))) (range 3))) (gc) (reset! $A [(mapv (fn [i] (keyword (str "${p}" i))) (range 4)) (keyword "${p}1")]))`;
    }
    case 5:
      // a private atom's validator across fork: the child must still be refused
      return `(do (reset! $A 0) (set-validator! $A (fn [v] (not= v :forbidden))) (let [c (fork)] (if (nil? c) [:child (try (reset! $A :forbidden) (catch e (get e :error))) (deref $A)] [:parent (try (reset! $A :forbidden) (catch e (get e :error)))])))`;
    case 6: {
      // a hot looping numeric function, then calls that overflow inside compiled code
      const big = r.pick(['9223372036854775806', '9223372036854775000', '-9223372036854775807']);
      return `(do (defn sumto [n k] (loop [i 0 acc k] (if (< i n) (recur (inc i) (+ acc i)) acc))) [(sumto 3 0) (sumto 4 1) (sumto 5 2) (sumto 6 3) (sumto 7 4) (try (sumto ${r.int(50) + 2} ${big}) (catch e (get e :error))) (sumto 2 ${r.int(9)})])`;
    }
    case 7: {
      // a vector grown and updated persistently, every version kept and read
      return `(let [v0 (vec (range ${n})) v1 (conj v0 :a) v2 (assoc v0 (dec (count v0)) :b) v3 (conj v1 :c)] (do (reset! $A [v0 v1 v2 v3]) [(count v3) (nth v2 (dec (count v2))) (= v0 (vec (range ${n}))) (subvec v3 ${Math.max(0, n - 2)})]))`;
    }
    case 8: {
      // a map threaded through assoc/dissoc chains (old versions kept far back), stored as it goes
      const m = 10 + r.int(30);
      return `(let [vs (reduce (fn [acc i] (conj acc (if (= 0 (rem i 3)) (dissoc (nth acc (dec (count acc))) (rem i 11)) (assoc (nth acc (dec (count acc))) (rem i 11) i)))) [{}] (range ${m}))] (do (reset! $A (nth vs ${m})) [(nth vs 1) (nth vs ${r.int(m)}) (get (nth vs 2) 1) (count (nth vs ${m})) (nth vs ${r.int(m)})]))`;
    }
    case 9:
      return deepProgram(r);
    case 10: {
      // closures made in a loop (compiled code), each keeping its own captures, stored in a vector
      const k = 2 + r.int(6);
      return `(do (defn mk [n] (loop [i 0 acc []] (if (< i n) (recur (inc i) (conj acc (fn [] [i n (count acc)]))) acc))) (reset! $A (mapv (fn [f] (f)) (mk ${k}))))`;
    }
    default: {
      // nested collections on boundaries: a vector of maps, a map of vectors, a set of vectors
      return `(do (reset! $A (mapv (fn [i] {:i i :v [i (str i)]}) (range ${Math.min(n, 65)}))) (reset! $B (into {} (map (fn [i] [(str "k" i) (vec (range (rem i 40)))]) (range ${Math.min(n, 40)})))) [(count (deref $A)) (get (deref $B) "k1")])`;
    }
  }
}

/**
 * A value nested deeper than the EDN reader's limit, as a program may build one ({@link
 * DEEP_NESTINGS}; vectors, maps, lists or sets): defined, stored in an atom and a register,
 * compared with an equal one, hashed as a map key and a set member, walked back down and printed.
 * The reference kernel handles any nesting, so a kernel that walks a value on the host stack
 * (storing, hashing, comparing, printing, observing it) diverges here.
 */
export function deepProgram(r: Prng): string {
  if (r.chance(0.4)) return sharedProgram(r);
  const d = r.pick(DEEP_NESTINGS);
  const [wrap, is, down] = r.pick([
    ['[v i]', 'vector?', '(first x)'],
    ['{:k v :i i}', 'map?', '(get x :k)'],
    ['(list v i)', 'list?', '(first x)'],
    ['#{v}', 'set?', '(first x)'],
  ] as const);
  const build = `(loop [i 0 v :leaf] (if (< i ${d}) (recur (inc i) ${wrap}) v))`;
  return `(let [d ${build} e ${build}] (do (reset! $A d) (hold! ${r.int(3)} e) [(loop [x (deref $A) n 0] (if (${is} x) (recur ${down} (inc n)) [n x])) (= d e) (compare-and-set! $A e [:was-deep]) (get {d :found} e) (count #{d e}) (count (str d))]))`;
}

/**
 * Nesting depths of values that hold one part twice at every level ({@link sharedProgram}): 2^n
 * leaves in n + 1 collections, from a text of ~30,000 characters to ones no kernel may print.
 */
export const SHARED_NESTINGS: readonly number[] = [12, 30, 64];

/**
 * A value that holds one part twice at every level, nested {@link SHARED_NESTINGS} deep (`[v v]`,
 * `{:a v :b v}`, `#{v [v]}`, `(list v v)`, `#my/t [v v]`): small in memory, exponentially large
 * written out. Built twice (equal, not identical), stored, held, compared, hashed as a map key
 * and a set member, sorted, made distinct, compared-and-set, and now and then answered or printed
 * whole. A kernel that walks such a value as a tree (hashing, comparing, converting, printing,
 * observing it) runs for ever or out of host memory; the reference answers at once, and refuses
 * a text longer than `MAX_TEXT_CHARS` as `out-of-memory`.
 */
export function sharedProgram(r: Prng): string {
  const d = r.pick(SHARED_NESTINGS);
  const wrap = r.pick(['[v v]', '{:a v :b v}', '#{v [v]}', '(list v v)', '(tagged "my/t" [v v])']);
  const build = `(loop [i 0 v :leaf] (if (< i ${d}) (recur (inc i) ${wrap}) v))`;
  const uses = `[(= d e) (= (hash d) (hash e)) (compare-and-set! $A e [:was-shared]) (get {d :found} e) (count #{d e [d]}) (count (sort [[e] [d]])) (count (distinct [d e d])) (= [d] (list e))]`;
  const end = r.pick([uses, uses, `[${uses} d]`, `(do ${uses} (str e))`]);
  return `(let [d ${build} e ${build}] (do (reset! $A d) (hold! ${r.int(3)} e) ${end}))`;
}

/**
 * Programs on durable atoms (docs/language.md, "Durable atoms"): `durable-atom` under a few shared
 * names (so processes meet on the same name and the capability rule decides), writes of every
 * kind, and the queries `history`, `basis`, `as-of` and `since`, plus calls with bad arguments.
 * Every kernel in a campaign gets a fresh in-memory store per case, so the answers, log positions
 * included, must agree.
 */
export function durableProgram(r: Prng): string {
  const name = r.pick([':d0', ':d1', ':d2']);
  const bump = '(fn [x] (if (int? x) (+ x 1) 0))';
  const open = (init: string): string => `(try (durable-atom ${name} ${init}) (catch e (get e :error)))`;
  switch (r.int(6)) {
    case 0:
      return `(let [d ${open('0')}] (if (keyword? d) d (do (swap! d ${bump}) (swap! d ${bump}) [(deref d) (mapv (fn [e] (nth e 1)) (history d)) (mapv (fn [e] (nth e 2)) (history d))])))`;
    case 1:
      return `(let [d ${open('[]')}] (if (keyword? d) d (do (reset! d [:a (self)]) (let [t (basis)] (do (reset! d [:b ${r.int(9)}]) [(get (as-of t) ${name}) (count (since t)) (deref d) (= (basis) (+ t 1))])))))`;
    case 2:
      return `(let [d ${open(r.pick(['1', '{:n 1}', '"s"']))}] (if (keyword? d) d (do [(compare-and-set! d (deref d) :cas) (compare-and-set! d :other :never) (reset-vals! d [:rv (self)]) (count (history d)) (deref d)])))`;
    case 3:
      return `(let [d ${open('0')} c (spawn (fn [] (let [e ${open('100')}] (if (keyword? e) e (swap! e ${bump})))))] (if (keyword? d) d (do (swap! d ${bump}) [(join c) (deref d) (mapv (fn [e] (nth e 2)) (history d)) (since 0)])))`;
    case 4:
      return `(let [d ${open('0')}] (if (keyword? d) d (do (set-validator! d int?) [(try (reset! d :no) (catch e (get e :error))) (swap! d ${bump}) (count (history d)) (get (as-of 0) ${name} :none)])))`;
    default:
      return r.pick(['(try (durable-atom 1 2) (catch e (get e :error)))', '(try (as-of :x) (catch e (get e :error)))', '(try (history 5) (catch e (get e :error)))', '(try (since -1) (catch e (get e :error)))', '[(basis) (as-of 0) (since 0)]', '(let [a (atom 0)] (try (history a) (catch e (get e :error))))']);
  }
}

/**
 * Argument values for {@link builtinProgram}, as program text, by kind: the edges where built-ins
 * differ (zero, signs, int64 and 2^53 bounds, -0.0, NaN and the infinities, an int and an equal
 * double, empty and one-item collections, sizes on the vector trie's tail boundary, bytes out of
 * range, strings with a surrogate pair, a lone surrogate and escapes, maps sharing keys with
 * different values, namespaced names). Kinds: `I` int, `D` double, `T` string, `K` keyword or
 * symbol, `V` vector, `L` list, `M` map, `S` set, `B` bytes, `F` function, `P` key path, `O`
 * anything else (nil, booleans, characters, a tagged value, an atom).
 */
export const BUILTIN_ARGS: Readonly<Record<string, readonly string[]>> = {
  I: ['0', '1', '-1', '2', '3', '-7', '7', '10', '31', '32', '33', '255', '256', '9223372036854775807', '-9223372036854775808', '9007199254740993'],
  D: ['0.0', '-0.0', '1.0', '1.5', '-1.5', '2.0', '-2.5', '1e300', '##NaN', '##Inf', '##-Inf'],
  T: ['""', '"abc"', '"a😀b"', '"\\ud83d"', '"é\\n\\"q"', '"Abc"', '"a"'],
  K: [':a', ':b', ':ns/k', '(quote sym)', '(quote ns/y)'],
  V: ['[]', '[1 2 3]', '[3 1 2]', '[1 [2 3] :a]', '[0 255 256]', '[[:a 1] [:b 2]]', '[1.0 1 "1"]', '[nil false]', '(vec (range 33))', '(vec (range 64))', '[5]', `[${COLLIDING_INTS.slice(4).flat().join(' ')} ${COLLIDING_INTS[4]![0]}]`],
  L: ['()', '(list 1 2 3)', '(quote (3 (2) 1))', '(range 5)', '(list :a)'],
  M: ['{}', '{:a 1 :b 2}', '{:a 3 :c 4}', '{1 :x 1.0 :y}', '{nil 1 [1] 2}', '(into {} (map vector (range 40) (range 40)))', '{:a {:b 1}}', '{:a nil :b false}', '{:a nil}', '{:b false :c nil}'],
  S: ['#{}', '#{1 2 3}', '#{:a "s" nil}', '#{1 1.0}', '#{[1] #{}}', '#{3}'],
  B: ['(bytes [1 2 255])', '(bytes "hé")', '(bytes [])'],
  F: ['inc', 'odd?', 'identity', '+', 'str', 'vector', '(fn [x] (* x 2))', '(fn [a b] [b a])', '(fn [x] (if (int? x) (< x 2) x))', 'first', 'count', '(fn [& r] r)', '(fn [a & r] [a r])', '(fn ([] :none) ([a] [a]) ([a b & r] [a b r]))', 'not'],
  P: ['[]', '[:a]', '[:a :b]', '[0]', '[1 0]', '[:c]'],
  O: ['nil', 'true', 'false', '\\a', '\\space', '(tagged (quote my/t) [1 2])', '$A'],
};

/**
 * What each name of {@link BUILTIN_NAMES} takes, as alternatives separated by `|`, each a
 * string of argument kinds of {@link BUILTIN_ARGS} plus `N` (a number), `C` (a collection or
 * string or nil), `A` (anything); a kind followed by `*` repeats 0–3 times. A name missing here is
 * called with arguments of any kind (a test keeps the table complete).
 */
export const BUILTIN_SIGNATURES: Readonly<Record<string, string>> = {
  '+': 'N*', '-': 'NN*', '*': 'N*', '/': 'NN*', max: 'NN*', min: 'NN*', quot: 'NN', rem: 'NN', mod: 'NN',
  inc: 'N', dec: 'N', abs: 'N', double: 'N', long: 'N', '<': 'NN*', '>': 'NN*', '<=': 'NN*', '>=': 'NN*', '==': 'NN*',
  '=': 'AA*', 'not=': 'AA*', compare: 'AA', hash: 'A', identity: 'A', not: 'A', type: 'A',
  'zero?': 'N', 'pos?': 'N', 'neg?': 'N', 'even?': 'I', 'odd?': 'I',
  'nil?': 'A', 'some?': 'A', 'true?': 'A', 'false?': 'A', 'number?': 'A', 'int?': 'A', 'double?': 'A', 'string?': 'A', 'keyword?': 'A', 'symbol?': 'A',
  'vector?': 'A', 'list?': 'A', 'map?': 'A', 'set?': 'A', 'fn?': 'A', 'bytes?': 'A', 'atom?': 'A',
  get: 'CA|CAA|MA|MAA|VI|TI', 'get-in': 'MP|MPA|VP', assoc: 'MAA|VIA|MAAAA', dissoc: 'MA*', disj: 'SA*', conj: 'CA*|VA|LA|MV|SA',
  count: 'C', nth: 'VI|CI|CIA|TI|LI', first: 'C', second: 'C', last: 'C', rest: 'C', next: 'C', seq: 'C', cons: 'AC',
  list: 'A*', vector: 'A*', vec: 'C', 'hash-map': 'AA*', 'hash-set': 'A*', set: 'C', keys: 'M', vals: 'M', 'contains?': 'CA|MA|SA|VI',
  'empty?': 'C', empty: 'C', range: 'I|II|III', into: 'CC|VC|LC|MC|SC', concat: 'C*', reverse: 'C', sort: 'C', distinct: 'C',
  take: 'IC', drop: 'IC', subvec: 'VI|VII', merge: 'M*', str: 'A*', 'pr-str': 'A*', subs: 'TI|TII', name: 'K|T',
  keyword: 'T|TT', symbol: 'T|TT', tagged: 'KA', bytes: 'V|T|C', 'byte-at': 'BI', 'assoc-byte': 'BII', 'bytes->string': 'B', '%to-list': 'C',
  map: 'FC|FCC', mapv: 'FC|FCC', filter: 'FC', filterv: 'FC', remove: 'FC', reduce: 'FC|FAC', some: 'FC', 'every?': 'FC',
  update: 'MAF|VIF', 'update-in': 'MPF', 'assoc-in': 'MPA', comp: 'F*', partial: 'FA*', complement: 'F', constantly: 'A',
  'run!': 'FC', 'sort-by': 'FC', frequencies: 'C', 'group-by': 'FC',
};

const KIND_GROUPS: Readonly<Record<string, string>> = { N: 'ID', C: 'VLMSTB', A: 'IDTKVLMSBFO' };

/** `x` in a `try` that answers a failure as `[:error kind]` (a program goes on past each failing call). */
const answeredByKind = (x: string): string => `(try ${x} (catch e [:error (get e :error)]))`;

/** An argument {@link builtinProgram} writes: its text, and the kind of {@link BUILTIN_ARGS} it was drawn from ('' when none). */
interface Arg {
  readonly text: string;
  readonly kind: string;
}

/** The names {@link builtinProgram} calls: every pure built-in of the language and every function of its prelude but `swap!`/`swap-vals!`. */
export const BUILTIN_NAMES: readonly string[] = Object.freeze([...new Set([...builtins().keys(), ...[...PRELUDE.matchAll(/\(defn\s+(\S+)/g)].map((m) => m[1]!)])].filter((n) => n !== 'swap!' && n !== 'swap-vals!'));

/**
 * Calls of built-ins on edge values: a vector of 12–30 calls, each of a name of
 * {@link BUILTIN_NAMES} (every name the language defines, not a chosen few), mostly with
 * arguments of the kinds its {@link BUILTIN_SIGNATURES} names, now and then of any kind or
 * number; an argument is now and then a call itself, or related to an earlier one (an int after
 * a collection that collection's count, one less or one more; another argument after a map, set
 * or vector one of its keys or members; an int after an int -1, 0, 1 or itself); a call is now
 * and then made inside a function that receives its arguments (compiled code inlines
 * built-ins; half such functions are called with several argument lists), and two programs in
 * five make all their calls inside one function. Each call's
 * error is caught and answered as its kind. A kernel whose own version of a built-in differs
 * from the language's definition on some edge answers differently here.
 */
export function builtinProgram(r: Prng): string {
  // An argument of `kind` (a kind of BUILTIN_ARGS or a group of them), as its text and the kind
  // of BUILTIN_ARGS it was drawn from ('' for a call).
  const value = (kind: string, depth: number): Arg => {
    if (depth > 0 && r.chance(0.12)) return { text: call(depth - 1), kind: '' };
    const group = KIND_GROUPS[kind] ?? kind;
    const k = group[r.int(group.length)]!;
    // half the ints are small: indices, counts and steps that land inside a collection
    if (k === 'I' && r.chance(0.5)) return { text: String(r.int(6) - 1), kind: 'I' };
    return { text: r.pick(BUILTIN_ARGS[k]!), kind: k };
  };
  const call = (depth: number): string => {
    const f = r.pick(BUILTIN_NAMES);
    const sig = BUILTIN_SIGNATURES[f];
    let kinds: string[];
    if (sig === undefined || r.chance(0.15)) kinds = Array.from({ length: r.int(5) }, () => 'A');
    else {
      kinds = [];
      const alt = r.pick(sig.split('|'));
      for (let i = 0; i < alt.length; i++) {
        if (alt[i + 1] === '*') {
          for (let j = r.int(4); j > 0; j--) kinds.push(alt[i]!);
          i++;
        } else kinds.push(alt[i]!);
      }
    }
    const argsOf = (): string[] => {
      const args: Arg[] = [];
      let coll: Arg | null = null;
      for (const k of kinds) {
        const prev = args.at(-1);
        // Arguments related to an earlier one, where built-ins have their edges: an int after a
        // collection is now and then that collection's own bound (its count, one less, one more:
        // an off-by-one at the end shows only there); any other argument after a collection now
        // and then one of its keys or members (a key present, whatever its value, nil and false
        // included); an int after an int now and then its partner at the edges of int
        // arithmetic (-1, 0, 1, itself: the one overflowing quotient, a zero divisor, equal
        // operands).
        if (k === 'I' && coll !== null && r.chance(0.5)) args.push({ text: r.pick([`(count ${coll.text})`, `(count ${coll.text})`, `(dec (count ${coll.text}))`, `(inc (count ${coll.text}))`]), kind: '' });
        else if ((k === 'I' || k === 'N') && prev?.kind === 'I' && r.chance(0.3)) args.push({ text: r.pick(['-1', '0', '1', prev.text]), kind: 'I' });
        else if ((k === 'A' || k === 'K') && coll !== null && 'MSV'.includes(coll.kind) && r.chance(0.4)) args.push({ text: coll.kind === 'M' ? `(${r.pick(['first', 'last'])} (keys ${coll.text}))` : `(${r.pick(['first', 'last'])} ${coll.text})`, kind: '' });
        else args.push(value(k, depth));
        if ('VLTBCMS'.includes(k)) coll = args.at(-1)!;
      }
      return args.map((a) => a.text);
    };
    const args = argsOf();
    // Now and then the call is made inside a function that receives the arguments: the compiling
    // tiers inline many built-ins, and their inlined versions must meet the same edges. Half
    // such functions are called again with 1–4 more argument lists of the same kinds (compiled
    // code meets several edges for one text).
    if (r.chance(0.35)) {
      const ps = args.map((_, i) => `p${i}`);
      const fn = `(fn [${ps.join(' ')}] (${[f, ...ps].join(' ')}))`;
      if (r.chance(0.5)) return `(${fn} ${args.join(' ')})`;
      const lists = [args, ...Array.from({ length: 1 + r.int(4) }, argsOf)];
      return `(let [w ${fn}] [${lists.map((a) => answeredByKind(`(w ${a.join(' ')})`)).join(' ')}])`;
    }
    return `(${[f, ...args].join(' ')})`;
  };
  const calls = Array.from({ length: 12 + r.int(19) }, () => answeredByKind(call(1)));
  // now and then the program ends by throwing a map naming an error kind (a program's own throw
  // is a program-error whatever its :error says, but for the catchable kinds)
  if (r.chance(0.1)) calls.push(`(throw {:error :${r.pick(ERROR_KINDS)} :message "thrown"})`);
  // Two programs in five make every call inside one function, so compiled code (which inlines
  // built-ins) makes them all.
  return r.chance(0.4) ? `(do (defn bp [] [${calls.join(' ')}]) (bp))` : `[${calls.join(' ')}]`;
}

/** Ints at the edges of int64 arithmetic (and small ones), as program text. */
const EDGE_INTS: readonly string[] = ['0', '1', '-1', '2', '-3', '7', '64', '-64', '3037000500', '-3037000500', '4611686018427387904', '-4611686018427387904', '9223372036854775807', '-9223372036854775808', '9223372036854775806'];

/** Numeric built-ins of one or two int arguments that answer an int, and tests that answer a boolean. */
const INT_OPS: readonly string[] = ['+', '-', '*', 'quot', 'rem', 'mod', 'max', 'min'];
const INT_OPS1: readonly string[] = ['inc', 'dec', 'abs', '-'];
const INT_TESTS: readonly string[] = ['<', '>', '<=', '>=', '==', '=', 'not='];
const INT_TESTS1: readonly string[] = ['zero?', 'pos?', 'neg?', 'even?', 'odd?'];

/**
 * Hot numeric functions: a function of two ints whose body is an accumulator loop of known range
 * (a quarter of them: tier 2's range analysis, ADR 0063) or (half the others after a binary
 * operation on the two parameters) a random int expression (every numeric built-in, tests,
 * `if`, `let`, a bounded `loop`, half of them accumulator loops), called three times on small ints and then on int64 edges (the
 * second now and then the first's partner: -1, 0, 1, itself), and a function that `reduce`s it
 * over vectors, called as often. The compiling tiers compile such functions once they are hot
 * (the native tier only then), so their compiled arithmetic, overflow checks and `reduce` loop
 * meet the edges the interpreter does. Each call's error is caught and answered as its kind.
 */
export function hotNumericProgram(r: Prng): string {
  /** A loop of `n` passes of {@link ACCUMULATOR_STEPS} over an accumulator of known range (a small start, a remainder). */
  const accLoop = (e: () => string, n: string): string => {
    const start = r.chance(0.5) ? String(r.int(21) - 10) : `(rem ${e()} ${r.pick(ACCUMULATOR_START_MODULI)})`;
    const x = (): string => (r.chance(0.5) ? r.pick(['i', ...EDGE_INTS]) : e());
    const step = r.pick(ACCUMULATOR_STEPS)('acc', x, () => r.pick(ACCUMULATOR_MODULI));
    return `(loop [i 0 acc ${start}] (if (< i ${n}) (recur (inc i) ${step}) acc))`;
  };
  const expr = (depth: number, vars: readonly string[]): string => {
    const leaf = (): string => (r.chance(0.6) ? r.pick(vars) : r.chance(0.5) ? String(r.int(9) - 3) : r.pick(EDGE_INTS));
    if (depth <= 0 || r.chance(0.2)) return leaf();
    const e = (): string => expr(depth - 1, vars);
    const test = (): string => (r.chance(0.3) ? `(${r.pick(INT_TESTS1)} ${e()})` : `(${r.pick(INT_TESTS)} ${e()} ${e()})`);
    switch (r.int(8)) {
      case 0:
      case 1:
      case 2:
        return `(${r.pick(INT_OPS)} ${e()} ${e()})`;
      case 3:
        return `(${r.pick(INT_OPS1)} ${e()})`;
      case 4:
        return `(if ${r.chance(0.2) ? `(not ${test()})` : test()} ${e()} ${e()})`;
      case 5:
        return `(let [t ${e()}] ${expr(depth - 1, [...vars, 't'])})`;
      case 6: {
        const n = r.pick(['3', '10', '(min b 20)', '(rem b 17)']);
        if (r.chance(0.5)) return accLoop(e, n);
        return `(loop [i 0 acc ${e()}] (if (< i ${n}) (recur (inc i) ${expr(depth - 1, [...vars, 'i', 'acc'])}) acc))`;
      }
      default:
        return `(${r.pick(INT_OPS)} ${e()} ${e()} ${e()})`;
    }
  };
  // A quarter of the bodies are an accumulator loop whose pass count the arguments set; half of
  // the others first apply a binary operation to the two parameters themselves, so that the edge
  // arguments below reach it unchanged.
  const body = r.chance(0.25)
    ? accLoop(() => expr(1, ['a', 'b']), r.pick(['10', '(min (abs b) 20)', '(rem b 17)']))
    : r.chance(0.5)
      ? `(let [t (${r.pick(INT_OPS)} a b)] ${expr(3, ['a', 'b', 't'])})`
      : expr(3, ['a', 'b']);
  const start = r.pick(['0', '1', '-1', '9223372036854775807']);
  const warm = [answeredByKind('(h 1 2)'), answeredByKind('(h 3 -4)'), answeredByKind('(h 0 5)')];
  const edges = Array.from({ length: 4 + r.int(6) }, () => {
    const x = r.pick(EDGE_INTS);
    // the second argument now and then the first's partner at the edges (-1, 0, 1, itself)
    return answeredByKind(`(h ${x} ${r.chance(0.35) ? r.pick(['-1', '0', '1', x]) : r.pick(EDGE_INTS)})`);
  });
  const vecs = ['[1 2 3]', '[]', '[5]', '(vec (range 40))', `[${r.pick(EDGE_INTS)} ${r.pick(EDGE_INTS)} ${r.pick(EDGE_INTS)}]`, '[-1 0 1 2]'];
  const reduces = Array.from({ length: 4 + r.int(4) }, () => answeredByKind(`(s ${r.pick(vecs)})`));
  return `(do (defn h [a b] ${body}) (defn s [v] (reduce h ${start} v)) [${[...warm, ...edges, ...reduces].join(' ')}])`;
}

/** Values a process program writes into atoms: ints, nil, a value a validator refuses, collections. */
const PROC_VALUES: readonly string[] = ['0', '1', '-1', 'nil', ':forbidden', '[1 2]', '{:a nil}', '"s"', '9223372036854775807'];

/**
 * Uses of every kernel call of the language, by name (a test fails when a call of
 * spec/lang/kernelCalls.ts has none), over the atom `a` process 0 made and a log atom `log`, most
 * of them across processes: children spawned with the atom as an argument, children that fail,
 * exit or share, watches and validators installed by another process (failing, writing back,
 * removed among several), forks that join, many spawns at once (past the process-tree bound),
 * long strings held in registers. `%w` is a value of {@link PROC_VALUES}, `%k` a watch key.
 */
export const KERNEL_CALL_USES: Readonly<Record<string, readonly string[]>> = {
  atom: ['(deref (atom %w))', '(atom? (atom %w))'],
  deref: ['(deref a)', '(deref 5)', '(join (spawn (fn [x] (deref x)) a))'],
  'deref-stamp': ['(deref-stamp a)', '(let [ds (deref-stamp a)] [(first ds) (reset! a %w) (deref-stamp a)])'],
  'reset!': ['(reset! a %w)', '(join (spawn (fn [x] (reset! x %w)) a))'],
  'cas!': ['(cas! a (nth (deref-stamp a) 1) %w)', '(let [st (nth (deref-stamp a) 1)] (do (reset! a %w) (cas! a st %w)))'],
  'compare-and-set!': ['(compare-and-set! a (deref a) %w)', '(compare-and-set! a :never %w)', '(join (spawn (fn [x] (compare-and-set! x (deref x) %w)) a))'],
  'reset-vals!': ['(reset-vals! a %w)'],
  // the prelude's swap! and swap-vals! reach it (a program cannot name it)
  '%commit!': ['(swap! a (fn [x] (if (int? x) (inc x) 0)))', '(swap-vals! a (fn [x] [x]))', '(join (spawn (fn [x] (swap! x (fn [v] (if (int? v) (* v 2) v)))) a))'],
  'set-validator!': [
    '(set-validator! a (fn [v] (not= v :forbidden)))', '(set-validator! a nil)', '(set-validator! a (fn [v] (throw [:no v])))',
    '(join (spawn (fn [x] (set-validator! x (fn [v] (not= v :forbidden)))) a))',
  ],
  'add-watch': [
    '(add-watch a %k (fn [k r o n] (swap! log conj [k o n (self)])))', '(add-watch a %k (fn [k r o n] (throw [:watch-boom k])))',
    '(join (spawn (fn [x] (add-watch x %k (fn [k r o n] (throw :boom)))) a))',
    '(join (spawn (fn [x] (add-watch x %k (fn [k r o n] (if (int? n) (swap! r inc) nil)))) a))',
    '(do (add-watch a :w1 (fn [k r o n] (swap! log conj k))) (add-watch a :w2 (fn [k r o n] (swap! log conj k))) (add-watch a :w3 (fn [k r o n] (swap! log conj k))) :three)',
  ],
  'remove-watch': ['(remove-watch a %k)', '(do (remove-watch a :w1) (remove-watch a :w3) (reset! a 7) (deref log))', '(join (spawn (fn [x] (remove-watch x %k)) a))'],
  'share!': ['(share! a 1)', '(share! a 99)', '(join (spawn (fn [x] (share! x 0)) a))', '(let [c (spawn (fn [] (deref #atom 0)))] (do (share! a c) (join c)))'],
  fork: ['(let [c (fork)] (if (nil? c) (do (reset! a %w) (exit [:child (deref a)])) [:parent (join c) (deref a)]))'],
  spawn: [
    '(join (spawn (fn [x y] [x y (self)]) %w a))', '(join (spawn (fn [] (throw :bad))))', '(join (spawn (fn [x] (spawn (fn [y] (deref y)) x)) a))',
    '(loop [i 0 n 0] (if (< i 70) (recur (inc i) (if (= :ok (try (do (spawn (fn [] (self))) :ok) (catch e :limit))) (inc n) n)) n))',
    '(spawn 5)',
  ],
  self: ['(self)', '(join (spawn (fn [] (self))))'],
  exit: ['(join (spawn (fn [] (exit %w))))', '(join (spawn (fn [] (do (exit) :after))))'],
  join: ['(join (self))', '(join 0)', '(join 12345)', '(let [c (spawn (fn [] (deref a)))] [(join c) (join c)])'],
  println: ['(println "line" %w)', '(join (spawn (fn [] (println :child (self)))))'],
  prn: ['(prn %w "s")', '(join (spawn (fn [x] (prn (deref x))) a))'],
  'hold!': ['(hold! 3 %w)', '(let [s (apply str (map (fn [i] "ab") (range 2100)))] (do (hold! 2 s) [(count (held 2)) (= (held 2) s) (subs (held 2) 4190)]))', '(hold! -1 1)'],
  held: ['(held 3)', '(held 2)', '(held 77)'],
  gc: ['(gc)', '(do (reset! a (vec (range 300))) (gc) (gc) (count (deref a)))'],
  'durable-atom': ['(durable-atom (quote fz/p) %w)', '(durable-atom 5 1)'],
  history: ['(history a)'],
  basis: ['(basis)'],
  'as-of': ['(as-of 0)', '(as-of :x)'],
  since: ['(since 0)', '(since -1)'],
};

/**
 * A program of 8–16 uses of kernel calls of {@link KERNEL_CALL_USES}, in a random order over one
 * atom and a log, each in a `try` answering a failure by kind or thrown value, ending with the
 * atom's value and the log: a kernel whose handling of a call, across processes above all,
 * differs from the reference's answers differently.
 */
export function processProgram(r: Prng): string {
  const names = Object.keys(KERNEL_CALL_USES);
  const uses = Array.from({ length: 8 + r.int(9) }, () => {
    const text = r.pick(KERNEL_CALL_USES[r.pick(names)]!)
      .replaceAll('%w', () => r.pick(PROC_VALUES))
      .replaceAll('%k', () => r.pick([':w1', ':w2', ':w3', ':k']));
    return `(try ${text} ${catchAs('e')})`;
  });
  return `(let [a (atom ${r.pick(PROC_VALUES)}) log (atom [])] [${uses.join(' ')} (deref a) (deref log)])`;
}

/** Builds a program from `seed`: a template, a heap-reach program, a durable-atom program, calls of built-ins on edge values, uses of every form, hot numeric functions, uses of every kernel call, a random well-formed program, or an invalid one. */
export function generateProgram(seed: number): string {
  const r = new Prng(seed);
  const k = r.int(20);
  if (k < 7) return r.pick(PROGRAM_TEMPLATES);
  if (k < 10) return heapProgram(r);
  if (k < 11) return r.pick(INVALID_PROGRAMS);
  if (k < 12) return durableProgram(r);
  if (k < 14) return builtinProgram(r);
  if (k < 16) return formProgram(r);
  if (k < 17) return hotNumericProgram(r);
  if (k < 18) return processProgram(r);
  return expr(r, 4, []);
}

/** A program template (holes `$A $B $C`), from a generated seed. */
export const programArb: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0x7fffffff }).map(generateProgram);

/**
 * Values a form is written over in {@link formProgram}: every kind, and the falsy ones beside
 * values a careless test might take as false (`0`, `""`, `[]`, `()`, NaN).
 */
export const FORM_VALUES: readonly string[] = ['nil', 'false', 'true', '0', '-1', '3', '1.5', '##NaN', '""', '"s"', ':a', '[]', '[1 2]', '()', '(quote (1))', '{}', '{:a 1}', '#{}', '#{nil}'];

/** Expressions that fail in {@link formProgram}: a program's own throw of any value, and the kernel's errors. */
export const FORM_FAILURES: readonly string[] = [
  '(throw 5)', '(throw nil)', '(throw false)', '(throw [:x 1])', '(throw {:k 1})', '(throw {:error :type-error :message "t"})', '(throw "s")',
  '(nth [] 0)', '(+ 9223372036854775807 1)', '(quot 1 0)', '(deref 5)', '(assert false)', '((fn [a] a))', '(get 1 2 3 4)',
  // failures that unwind nested calls (each call's accounting must unwind with them)
  '((fn t [n] (if (< n 1) (throw [:deep n]) (inc (t (dec n))))) 40)', '((fn t [n] (if (< n 1) (nth [] n) [(t (dec n))])) 25)',
];

/** Writes sub-expressions for a form shape of {@link FORM_SHAPES}. */
export interface FormWriter {
  /** Any expression: a value, a failure or (while depth remains) another form. */
  e(): string;
  /** A value of {@link FORM_VALUES}. */
  v(): string;
  /** An expression that fails, of {@link FORM_FAILURES}. */
  t(): string;
  /** A small int, -2 … 5. */
  n(): number;
}

const catchAs = (name: string): string => `(catch ${name} [:caught (if (map? ${name}) (get ${name} :error :map) ${name})])`;

/**
 * Uses of every special and derived form of the language, by name, each variant of its grammar
 * (missing optional parts, empty bodies, several bodies, shadowing, every way to leave it) and
 * ill-formed ones a kernel must refuse alike. A test fails when a form of
 * spec/lang/forms.ts has no entry, so a new form is written as soon as it exists.
 */
export const FORM_SHAPES: Readonly<Record<string, readonly ((g: FormWriter) => string)[]>> = {
  quote: [
    () => "(quote (1 (2) x))", () => '(quote x)', () => '(quote ())', () => "(quote (quote x))", () => '(quote [a {b c}])', () => '(quote (inc x 1))',
    () => '(quote)', () => '(quote 1 2)',
  ],
  if: [
    (g) => `(if ${g.e()} ${g.e()})`, (g) => `(if ${g.e()} ${g.e()} ${g.e()})`, (g) => `(if ${g.v()} :then :else)`, (g) => `(if (if ${g.v()} ${g.v()} ${g.v()}) 1 2)`,
    () => '(if)', () => '(if 1)', (g) => `(if 1 2 3 ${g.e()})`,
  ],
  do: [() => '(do)', (g) => `(do ${g.e()})`, (g) => `(do ${g.e()} ${g.e()} ${g.e()})`, (g) => `(do ${g.t()} ${g.e()})`],
  let: [
    (g) => `(let [] ${g.e()})`, (g) => `(let [x ${g.e()}])`, (g) => `(let [x ${g.e()} x [x x]] x)`, (g) => `(let [x ${g.e()} y x] [y x])`,
    (g) => `(let [x 1] [(let [x ${g.e()}] x) x])`, (g) => `(let [x ${g.e()}] ${g.e()} x)`, (g) => `(let [f (fn [] x) x 2] x)`,
    () => '(let [x])', () => '(let x 1)', () => '(let [1 2] 3)', () => '(let)',
  ],
  loop: [
    (g) => `(loop [] ${g.e()})`, (g) => `(loop [i 0] (if (< i ${g.n()}) (recur (inc i)) i))`,
    (g) => `(loop [i 0 acc []] (if (< i ${g.n()}) (recur (inc i) (conj acc ${g.e()})) acc))`,
    (g) => `(loop [i ${g.e()}] i)`, (g) => `(loop [i 0] (if (< i 3) (recur (inc i) 1) i))`,
    (g) => `(loop [i 0] (if (< i 3) (do ${g.e()} (recur (inc i))) [:done i]))`,
    (g) => `(loop [i 0] (let [j (inc i)] (if (< j 4) (recur j) (try ${g.e()} ${catchAs('e')}))))`,
    () => '(loop [i 0] (try (recur 1) (catch e :no-recur-in-try)))', () => '(loop [i 0] (inc (recur 1)))', () => '(loop [i] i)',
  ],
  fn: [
    (g) => `((fn [] ${g.e()}))`, () => '((fn [& r] r))', (g) => `((fn [& r] r) ${g.e()} ${g.e()})`, (g) => `((fn [a & r] [a r]) ${g.e()})`,
    (g) => `((fn ([] :zero) ([a] [:one a]) ([a b & r] [:many a b r])) ${Array.from({ length: g.n() + 2 }, () => g.v()).join(' ')})`,
    (g) => `((fn ([a & r] [:rest a r]) ([a] [:one a]) ([] :zero)) ${Array.from({ length: g.n() + 2 }, () => g.v()).join(' ')})`,
    (g) => `((fn [a] a) ${g.v()} ${g.v()})`, () => '((fn [a b] [a b]) 1)', (g) => `((fn f [n] (if (< n 1) [] (conj (f (dec n)) n))) ${g.n()})`,
    (g) => `((fn [n acc] (if (< n 1) acc (recur (dec n) (conj acc n)))) ${g.n()} [])`, (g) => `(let [x ${g.e()} f (fn [] x) x :later] [(f) x])`,
    (g) => `(fn? (fn [] ${g.e()}))`, (g) => `(let [f (fn [x] (if x (throw x) :no))] (try (f ${g.v()}) ${catchAs('e')}))`,
    () => '(fn)', () => '(fn [1] 1)', () => '(fn [a &] a)', () => '(fn ([a] 1) ([b] 2))', () => '(fn x)',
  ],
  def: [
    (g) => `(do (def d0 ${g.e()}) d0)`, () => '(do (def d1) d1)', (g) => `(do (def d2 1) (def f2 (fn [] d2)) (def d2 ${g.e()}) (f2))`,
    (g) => `[(def d3 ${g.v()}) d3]`, () => '(def)', () => '(def 1 2)', () => '(def d4 1 2)',
  ],
  recur: [() => '(recur 1)', (g) => `(loop [i 0] (if (< i 2) (recur (inc i)) (recur ${g.e()})))`, (g) => `((fn [x] (if x (recur nil) :end)) ${g.v()})`],
  throw: [(g) => `(throw ${g.e()})`, (g) => `(throw ${g.v()})`, (g) => `(throw {:error :${g.n() % 2 === 0 ? 'fuel-exhausted' : 'stale-ref'} :message "m"})`, () => '(throw)', () => '(throw 1 2)'],
  try: [
    () => '(try)', (g) => `(try ${g.e()})`, (g) => `(try ${g.t()})`, (g) => `(try ${g.e()} ${g.e()})`, (g) => `(try ${g.t()} (catch e))`,
    (g) => `(try ${g.e()} (catch e e))`, (g) => `(try ${g.t()} ${catchAs('e')})`, (g) => `(try ${g.t()} (catch Exception e [:exc (map? e)]))`,
    (g) => `(try ${g.e()} (catch e 1 2 [:last e]))`, (g) => `(try (try ${g.t()} (catch e (throw [:again e]))) (catch e e))`,
    (g) => `(try (try ${g.e()}) ${catchAs('outer')})`, (g) => `(try ${g.t()} (catch e (try ${g.t()} (catch e2 [e2 e]))))`,
    (g) => `(let [e :outer] [(try ${g.t()} (catch e :inner)) e])`, () => '(try 1 (catch 5 2))', () => '(try 1 (catch))',
  ],
  defn: [
    (g) => `(do (defn g0 [x] [x ${g.e()}]) (g0 1))`, (g) => `(do (defn g1 "doc" [] ${g.e()}) (g1))`, (g) => `(do (defn g2 ([] 0) ([a & r] [a r])) [(g2) (g2 ${g.v()} ${g.v()})])`,
    (g) => `(do (defn g3 [n] (if (< n 1) 0 (+ n (g3 (dec n))))) (g3 ${g.n()}))`, () => '(defn)', () => '(defn g4)', () => '(defn 1 [] 2)',
  ],
  when: [(g) => `(when ${g.e()} ${g.e()} ${g.e()})`, (g) => `(when ${g.v()})`, (g) => `(when ${g.v()} :yes)`, () => '(when)'],
  'when-not': [(g) => `(when-not ${g.e()} ${g.e()} ${g.e()})`, (g) => `(when-not ${g.v()})`, (g) => `(when-not ${g.v()} :yes)`],
  cond: [
    () => '(cond)', (g) => `(cond ${g.e()} ${g.e()})`, (g) => `(cond ${g.v()} 1 ${g.v()} 2 :else 3)`, (g) => `(cond ${g.v()} 1 ${g.v()} 2)`,
    (g) => `(cond ${g.t()} 1 :else 2)`, (g) => `(cond ${g.v()} 1 ${g.v()})`,
  ],
  and: [() => '(and)', (g) => `(and ${g.e()})`, (g) => `(and ${g.v()} ${g.v()} ${g.v()})`, (g) => `(and ${g.v()} ${g.t()})`, (g) => `(and ${g.e()} ${g.e()})`],
  or: [() => '(or)', (g) => `(or ${g.e()})`, (g) => `(or ${g.v()} ${g.v()} ${g.v()})`, (g) => `(or ${g.v()} ${g.t()})`, (g) => `(or ${g.e()} ${g.e()})`],
  dotimes: [
    (g) => `(let [a (atom [])] (dotimes [i ${g.n()}] (swap! a conj i)) (deref a))`, (g) => `(dotimes [i ${g.n()}] ${g.e()})`, (g) => `(dotimes [i ${g.v()}] i)`,
    () => '(dotimes [i] 1)', () => '(dotimes i 1)',
  ],
  'if-let': [(g) => `(if-let [x ${g.e()}] [:then x] [:else])`, (g) => `(if-let [x ${g.v()}] x)`, (g) => `(let [x :outer] [(if-let [x ${g.v()}] x x) x])`, () => '(if-let [x] 1)'],
  'when-let': [(g) => `(when-let [x ${g.e()}] ${g.e()} [:body x])`, (g) => `(when-let [x ${g.v()}])`, () => '(when-let (x 1) 1)'],
  '->': [(g) => `(-> ${g.e()} vector (conj 2) count)`, (g) => `(-> ${g.v()})`, () => '(-> 5 (- 2) (- 1))', () => '(->)', (g) => `(-> ${g.v()} (try ${catchAs('e')}))`],
  '->>': [(g) => `(->> ${g.e()} vector (conj [2]) count)`, () => '(->> 5 (- 2) (- 1))', () => '(->>)', () => '(->> [1 2 3] (map inc) (filter odd?) vec)'],
  comment: [() => '(comment)', (g) => `(comment ${g.t()} (undefined-name 1))`, (g) => `[(comment 1) ${g.e()}]`],
  assert: [(g) => `(assert ${g.v()})`, (g) => `(assert ${g.v()} "said")`, (g) => `(assert ${g.e()} ${g.v()})`, () => '(assert)'],
};

/**
 * Uses of the language's forms: a vector of 4–11 uses of forms of {@link FORM_SHAPES} (every
 * special and derived form, each variant of its grammar, ill-formed ones too), nested up to three
 * deep, each wrapped in a `try` that answers a failure as its kind or thrown value. A kernel whose
 * evaluator takes a variant of a form differently from the language's definition (a `try`
 * without `catch`, an `if` without `else`, a variadic arity called with nothing) answers
 * differently here. Half the programs make the uses the body of a loop of 20–79 passes in a
 * function (compiled code meets them too), and add a function that catches as many failures
 * thrown from deep nested calls, then recurses a tenth of the stack-depth quota deep.
 */
export function formProgram(r: Prng): string {
  const names = Object.keys(FORM_SHAPES);
  const form = (depth: number): string => {
    const g: FormWriter = {
      e: () => {
        const k = r.int(10);
        if (depth > 0 && k < 4) return form(depth - 1);
        return k < 8 ? r.pick(FORM_VALUES) : r.pick(FORM_FAILURES);
      },
      v: () => r.pick(FORM_VALUES),
      t: () => r.pick(FORM_FAILURES),
      n: () => r.int(8) - 2,
    };
    return r.pick(FORM_SHAPES[r.pick(names)]!)(g);
  };
  const uses = Array.from({ length: 4 + r.int(8) }, () => `(try ${form(2)} ${catchAs('e')})`);
  if (r.chance(0.5)) return `[${uses.join(' ')}]`;
  // The same uses as the body of a loop inside a function (which the compiling tiers compile,
  // until a use they leave to the interpreter); first, a function that, in one call, catches a
  // failure thrown from calls nested deep enough that its passes together unwind more frames
  // than the stack-depth quota (`$DEPTH`, the case's) minus a tenth, then recurses a tenth of
  // the quota deep. Whatever a failure unwound (call depth, handlers) must have been given back,
  // or the recursion overflows on that kernel alone. (The recursion stays shallow enough for
  // compiled code to run it on the host's own stack: a deeper one falls back to the
  // interpreter, which starts the call afresh.)
  const passes = 20 + r.int(60);
  const fp = `(defn fp [k] (loop [i 0 acc nil] (if (< i k) (recur (inc i) [${uses.join(' ')}]) acc)))`;
  const unwind = `(defn thr [n] (if (< n 1) ${r.pick(FORM_FAILURES)} (inc (thr (dec n))))) (defn unw [k probe] (loop [i 0 acc nil] (if (< i k) (recur (inc i) (try (thr (inc (quot (- $DEPTH probe -8) k))) ${catchAs('e')})) [acc (try (dp probe) ${catchAs('e')})])))`;
  return `(do (defn dp [n] (if (< n 1) 0 (inc (dp (dec n))))) ${fp} ${unwind} [(unw ${passes} (quot $DEPTH 10)) (fp 1) (fp ${passes})])`;
}
