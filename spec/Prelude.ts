/**
 * The part of the system language's core library that is defined in the language itself:
 * higher-order functions (they call back into programs) and `swap!`, which is literally "read
 * with a stamp, apply, commit if the stamp is unchanged, else retry". This text is part of the
 * language's semantics, so every kernel evaluates it, in this order, when it starts (ADR 0016).
 *
 * Function identities (spec/Values.ts `Fn.id`, printed `#fn [id name]`) are issued in one
 * order by every kernel: the pure built-ins sorted by name, then {@link KERNEL_CALL_NAMES} in
 * order, then `apply`, then the functions this prelude creates as it is evaluated, then the
 * program's, in evaluation order.
 * @module
 */
import { Keyword, Sym, type Value } from './Values.js';
import { KERNEL_CALL_NAMES } from './lang/kernelCalls.js';

/** The kernel calls of the language, in the order their function values are created (defined in spec/lang/kernelCalls.ts). */
export { KERNEL_CALL_NAMES };

/**
 * The class markers of the Clojure-style catch clause. A `try`'s last form `(catch …)` is read as:
 * - `(catch C name handler…)` when `C` is one of these markers and `name` a symbol: binds `name`;
 * - otherwise `(catch name handler…)` when `name` is a symbol: binds `name` (so `(catch e e)`
 *   and `(catch e (get e :error))` bind `e`, whatever the handler's first form is);
 * - anything else is a `program-error` when the `try` is evaluated.
 *
 * The markers are the symbols `Exception`, `Throwable`, `ExceptionInfo`, `Object` (Clojure) and
 * the keyword `:default` (ClojureScript). Every marker catches every catchable error: there is
 * no class hierarchy to filter on (ADR 0012). A marker is a marker only in first position with a
 * symbol after it: `(catch Exception)` binds a local named `Exception`.
 */
export const CATCH_CLASSES: readonly string[] = Object.freeze(['Exception', 'Throwable', 'ExceptionInfo', 'Object', ':default']);

/** Whether `form` (the item after `catch`) is one of the {@link CATCH_CLASSES}: an unqualified symbol, or `:default`. */
export function isCatchClass(form: Value | undefined): boolean {
  if (form instanceof Sym) return form.ns === null && form.name !== ':default' && CATCH_CLASSES.includes(form.name);
  if (form instanceof Keyword) return form.ns === null && CATCH_CLASSES.includes(`:${form.name}`);
  return false;
}

/** Source text of the prelude, evaluated once when a kernel starts. */
export const PRELUDE = `
(defn swap! [a f & args]
  (loop []
    (let [rs (deref-stamp a)
          new (apply f (first rs) args)]
      (if (%commit! a (second rs) new) new (recur)))))

(defn swap-vals! [a f & args]
  (loop []
    (let [rs (deref-stamp a)
          old (first rs)
          new (apply f old args)]
      (if (%commit! a (second rs) new) [old new] (recur)))))

(defn map
  ([f coll]
   (loop [s (seq coll) acc []]
     (if s (recur (next s) (conj acc (f (first s)))) (%to-list acc))))
  ([f c1 c2]
   (loop [s1 (seq c1) s2 (seq c2) acc []]
     (if (and s1 s2)
       (recur (next s1) (next s2) (conj acc (f (first s1) (first s2))))
       (%to-list acc)))))

(defn mapv [f coll] (vec (map f coll)))

(defn filter [pred coll]
  (loop [s (seq coll) acc []]
    (if s
      (recur (next s) (if (pred (first s)) (conj acc (first s)) acc))
      (%to-list acc))))

(defn filterv [pred coll] (vec (filter pred coll)))

(defn remove [pred coll] (filter (fn [x] (not (pred x))) coll))

(defn reduce
  ([f coll]
   (let [s (seq coll)]
     (if s (reduce f (first s) (next s)) (f))))
  ([f init coll]
   (loop [acc init s (seq coll)]
     (if s (recur (f acc (first s)) (next s)) acc))))

(defn some [pred coll]
  (loop [s (seq coll)]
    (when s
      (let [r (pred (first s))]
        (if r r (recur (next s)))))))

(defn every? [pred coll]
  (loop [s (seq coll)]
    (if s (if (pred (first s)) (recur (next s)) false) true)))

(defn update [m k f & args] (assoc m k (apply f (get m k) args)))

(defn update-in [m ks f & args]
  (let [k (first ks)]
    (if (next ks)
      (assoc m k (apply update-in (get m k) (next ks) f args))
      (assoc m k (apply f (get m k) args)))))

(defn assoc-in [m ks v]
  (let [k (first ks)]
    (if (next ks) (assoc m k (assoc-in (get m k) (next ks) v)) (assoc m k v))))

(defn comp [& fs]
  (fn [& args]
    (let [rs (reverse fs)]
      (loop [v (apply (first rs) args) more (next rs)]
        (if more (recur ((first more) v) (next more)) v)))))

(defn partial [f & bound] (fn [& args] (apply f (concat bound args))))

(defn complement [f] (fn [& args] (not (apply f args))))

(defn constantly [x] (fn [& args] x))

(defn run! [f coll] (reduce (fn [_ x] (f x) nil) nil coll))

(defn sort-by [keyfn coll]
  (map second (sort (map (fn [x] [(keyfn x) x]) coll))))

(defn frequencies [coll]
  (reduce (fn [m x] (assoc m x (inc (get m x 0)))) {} coll))

(defn group-by [f coll]
  (reduce (fn [m x] (let [k (f x)] (assoc m k (conj (get m k []) x)))) {} coll))
`;
