/**
 * A generator of random programs in tier 2's numeric subset, for differential tests (test
 * support, not product code). A program is 1–3 top-level functions of 1–3 int parameters; each
 * may call the ones before it, and itself only under a guard that bounds the recursion
 * (`(pos? (rem a D))` with `a` decremented at each level), so every program terminates. Bodies
 * use `if`, `let`, `loop`/`recur` (to a loop or to the function) and the natives of
 * `TIER2_NATIVES`, on ints that include the int64 edges, so overflow and division by zero occur.
 * {@link generateByteScanProgram} generates byte-string scans (`count`, `byte-at`).
 * @module
 */
import { Bytes } from '../../spec/Values.js';
import { createRng } from '../../spec/Random.js';

/** A generated program: source text whose last form calls the last function on `args`. */
export interface NumericProgram {
  /** The whole program (defns, then the call). */
  readonly source: string;
  /** The entry function's name. */
  readonly entry: string;
  /** The entry's arguments. */
  readonly args: readonly bigint[];
}

/**
 * The passes of an accumulator loop of known range, over the accumulator's name, another operand
 * (`x`) and a modulus: grown (squared, multiplied), moved by an operand, or kept bounded by a
 * remainder. What tier 2's range analysis bounds, and must not bound by the start alone
 * (optimized/jit/tier2/ranges.ts, ADR 0063); the fuzzer's hot numeric programs use them too.
 */
export const ACCUMULATOR_STEPS: readonly ((acc: string, x: () => string, modulus: () => string) => string)[] = [
  (acc) => `(* ${acc} ${acc})`,
  (acc, x) => `(+ ${acc} ${x()})`,
  (acc, x) => `(* ${acc} ${x()})`,
  (acc, x) => `(- ${acc} ${x()})`,
  (acc, x, modulus) => `(rem (+ (* ${acc} 31) ${x()}) ${modulus()})`,
  (acc) => `(+ (rem ${acc} 1000) ${acc})`,
];
/** Moduli of the bounded passes of {@link ACCUMULATOR_STEPS}. */
export const ACCUMULATOR_MODULI: readonly string[] = ['65521', '2147483647'];
/** Moduli of an accumulator's start (a remainder of another expression). */
export const ACCUMULATOR_START_MODULI: readonly string[] = ['7', '1000', '65521'];

const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

type Ty = 'int' | 'bool';
interface FnSig {
  readonly name: string;
  readonly params: number;
  readonly ret: Ty;
}
interface Ctx {
  readonly ints: readonly string[];
  readonly bools: readonly string[];
  readonly fns: readonly FnSig[];
  /** The function being defined, when a guarded self-call may appear here (first arg must be `(dec a)`). */
  readonly self: FnSig | null;
}

/** Generates the program of `seed` (deterministic). */
export function generateNumericProgram(seed: number): NumericProgram {
  const r = createRng(seed).next;
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  let fresh = 0;
  const edges = [MAX, MIN, MAX - 1n, MIN + 1n, 1n << 32n, -(1n << 31n), 3037000499n, -3037000500n];
  const literal = (): bigint => {
    const k = r();
    if (k < 0.25) return pick(edges);
    if (k < 0.32) return BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)));
    return BigInt(int(21) - 10);
  };
  const show = (v: bigint): string => v.toString();

  const intExpr = (c: Ctx, d: number): string => {
    if (d <= 0 || r() < 0.2) return c.ints.length > 0 && r() < 0.6 ? pick(c.ints) : show(literal());
    const e = (): string => intExpr(c, d - 1);
    const b = (): string => boolExpr(c, d - 1);
    const k = int(15);
    switch (k) {
      case 0:
        return `(+ ${Array.from({ length: int(4) }, e).join(' ')})`;
      case 1:
        return r() < 0.3 ? `(- ${e()})` : `(- ${e()} ${e()}${r() < 0.2 ? ` ${e()}` : ''})`;
      case 2:
        return `(* ${e()} ${e()})`;
      case 3:
        return `(${pick(['inc', 'dec', 'abs'])} ${e()})`;
      case 4:
        return `(${pick(['quot', 'rem', 'mod'])} ${e()} ${r() < 0.7 ? show(BigInt(pick([1, 2, 3, 7, -1, -2, -5, 0]))) : e()})`;
      case 5:
        return `(${pick(['max', 'min'])} ${Array.from({ length: 1 + int(3) }, e).join(' ')})`;
      case 6:
      case 7:
        return `(if ${b()} ${e()} ${e()})`;
      case 8: {
        const x = `x${fresh++}`;
        const inner: Ctx = { ...c, ints: [...c.ints, x] };
        return `(let [${x} ${e()}] ${intExpr(inner, d - 1)})`;
      }
      case 9: {
        const callable = c.fns.filter((f) => f.ret === 'int');
        if (callable.length === 0) return e();
        const f = pick(callable);
        return `(${f.name} ${Array.from({ length: f.params }, e).join(' ')})`;
      }
      case 10: {
        // A bounded counting loop: `(< i K)` runs K times.
        if (r() < 0.5) return accLoop(c, d, int(6));
        const i = `i${fresh}`;
        const acc = `acc${fresh++}`;
        const inner: Ctx = { ...c, ints: [...c.ints, i, acc], self: null };
        return `(loop [${i} 0 ${acc} ${e()}] (if (< ${i} ${int(6)}) (recur (inc ${i}) ${intExpr(inner, d - 1)}) ${intExpr(inner, d - 1)}))`;
      }
      case 11:
        if (c.self !== null && c.self.ret === 'int') return `(${c.self.name} (dec a)${Array.from({ length: c.self.params - 1 }, () => ` ${e()}`).join('')})`;
        return `(do ${e()} ${e()})`;
      default:
        return c.ints.length > 0 ? pick(c.ints) : show(literal());
    }
  };

  /**
   * A loop of `k` passes over an accumulator of known range (a small start, a remainder) that
   * each pass grows, wraps or keeps bounded: what the code generator's range analysis bounds
   * (optimized/jit/tier2/ranges.ts), and must not bound by the start alone.
   */
  const accLoop = (c: Ctx, d: number, k: number): string => {
    const e = (): string => intExpr(c, d - 1);
    const i = `i${fresh}`;
    const acc = `acc${fresh++}`;
    const inner: Ctx = { ...c, ints: [...c.ints, i, acc], self: null };
    const start = r() < 0.5 ? show(BigInt(int(21) - 10)) : `(rem ${e()} ${pick(ACCUMULATOR_START_MODULI)})`;
    const x = (): string => (r() < 0.5 ? pick([i, show(literal())]) : e());
    const step = r() < 1 / 7 ? intExpr(inner, d - 1) : pick(ACCUMULATOR_STEPS)(acc, x, () => pick(ACCUMULATOR_MODULI));
    return `(loop [${i} 0 ${acc} ${start}] (if (< ${i} ${k}) (recur (inc ${i}) ${step}) ${r() < 0.7 ? acc : intExpr(inner, d - 1)}))`;
  };

  const boolExpr = (c: Ctx, d: number): string => {
    if (d <= 0 || r() < 0.15) return c.bools.length > 0 && r() < 0.5 ? pick(c.bools) : pick(['true', 'false']);
    const e = (): string => intExpr(c, d - 1);
    const b = (): string => boolExpr(c, d - 1);
    switch (int(8)) {
      case 0:
      case 1:
        return `(${pick(['<', '>', '<=', '>=', '==', '=', 'not='])} ${Array.from({ length: 1 + int(3) }, e).join(' ')})`;
      case 2:
        return `(${pick(['zero?', 'pos?', 'neg?', 'even?', 'odd?'])} ${e()})`;
      case 3:
        return `(not ${r() < 0.5 ? b() : e()})`;
      case 4:
        return `(if ${b()} ${b()} ${b()})`;
      case 5:
        return `(${pick(['=', 'not='])} ${b()} ${b()})`;
      case 6: {
        const callable = c.fns.filter((f) => f.ret === 'bool');
        if (callable.length === 0) return `(< ${e()} ${e()})`;
        const f = pick(callable);
        return `(${f.name} ${Array.from({ length: f.params }, e).join(' ')})`;
      }
      default: {
        const x = `y${fresh++}`;
        return `(let [${x} ${b()}] ${boolExpr({ ...c, bools: [...c.bools, x] }, d - 1)})`;
      }
    }
  };

  const names = ['a', 'b', 'c'];
  const fns: FnSig[] = [];
  const defs: string[] = [];
  const count = 1 + int(3);
  for (let k = 0; k < count; k++) {
    const params = 1 + int(3);
    const ret: Ty = k < count - 1 && r() < 0.3 ? 'bool' : 'int';
    const sig: FnSig = { name: `f${k}`, params, ret };
    const base: Ctx = { ints: names.slice(0, params), bools: [], fns: [...fns], self: null };
    const body = (c: Ctx): string => (ret === 'int' ? intExpr(c, 4) : boolExpr(c, 4));
    let text: string;
    const guard = `(pos? (rem a ${2 + int(4)}))`;
    switch (ret === 'int' ? int(5) : int(2)) {
      case 0:
        text = body(base);
        break;
      case 4: // the function's value is an accumulator loop
        text = accLoop(base, 3, 2 + int(8));
        break;
      case 1: // recur to the function, bounded by the guard
        text = `(if ${guard} (recur (dec a)${names
          .slice(1, params)
          .map(() => ` ${intExpr(base, 2)}`)
          .join('')}) ${body(base)})`;
        break;
      default: // guarded self-calls (possibly several: a small tree of calls)
        text = `(if ${guard} ${intExpr({ ...base, self: sig }, 4)} ${body(base)})`;
    }
    defs.push(`(defn ${sig.name} [${names.slice(0, params).join(' ')}] ${text})`);
    fns.push(sig);
  }
  const entry = fns.at(-1)!;
  const args = Array.from({ length: entry.params }, () => (r() < 0.8 ? BigInt(int(41) - 20) : literal()));
  return { source: `${defs.join('\n')}\n(${entry.name} ${args.map(show).join(' ')})`, entry: entry.name, args };
}

/** A generated byte-string program: like {@link NumericProgram}, its entry takes a byte string first. */
export interface ByteScanProgram {
  /** The whole program (defns, then the call). */
  readonly source: string;
  /** The entry function's name. */
  readonly entry: string;
  /** The entry's arguments: a byte string, then an int. */
  readonly args: readonly [Bytes, bigint];
}

/**
 * Generates the byte-string program of `seed` (deterministic): an entry `(scan b x)` that walks
 * `b` in a `loop` (forwards, or backwards by `(- (count b) 1 i)`) folding an int accumulator
 * with `byte-at` at indices that may step outside the string (so some calls end in an error),
 * optionally through a helper `(at b i)` and a helper taking the byte string on to `count`.
 * Ints include the int64 edges, so overflow occurs too.
 */
export function generateByteScanProgram(seed: number): ByteScanProgram {
  const r = createRng(seed).next;
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const helpers = r() < 0.5;
  const edges = [MAX, MIN, 1n << 32n, 3037000499n];
  const lit = (): string => (r() < 0.1 ? pick(edges) : BigInt(int(21) - 10)).toString();
  const byteAt = (idx: string): string => (helpers && r() < 0.4 ? `(at b ${idx})` : `(byte-at b ${idx})`);
  const len = (): string => (helpers && r() < 0.4 ? '(len b)' : '(count b)');
  const index = (): string => {
    const k = r();
    if (k < 0.55) return 'i';
    if (k < 0.7) return `(- ${len()} 1 i)`;
    if (k < 0.8) return `(+ i ${int(3) - 1})`;
    if (k < 0.9) return `(rem x ${len()})`;
    return String(int(5));
  };
  const expr = (d: number): string => {
    if (d <= 0 || r() < 0.2) return pick(['acc', 'x', 'i', lit(), byteAt(index()), len()]);
    const e = (): string => expr(d - 1);
    switch (int(9)) {
      case 0:
      case 1:
        return `(+ ${e()} ${e()})`;
      case 2:
        return `(- ${e()} ${e()})`;
      case 3:
        return `(* ${e()} ${e()})`;
      case 4:
        return `(${pick(['rem', 'mod', 'quot'])} ${e()} ${pick(['256', '65521', '7', e()])})`;
      case 5:
        return `(if (${pick(['<', '>', '=', '<='])} ${e()} ${e()}) ${e()} ${e()})`;
      case 6:
        return `(${pick(['max', 'min'])} ${e()} ${e()})`;
      default:
        return byteAt(index());
    }
  };
  const defs: string[] = [];
  if (helpers) defs.push('(defn at [b i] (byte-at b i))', '(defn len [s] (count s))');
  const step = r() < 0.5 ? '(inc i)' : `(+ i ${1 + int(3)})`;
  const bound = r() < 0.85 ? len() : `(+ ${len()} ${1 + int(2)})`;
  defs.push(`(defn scan [b x] (loop [i 0 acc x] (if (< i ${bound}) (recur ${step} ${expr(3)}) ${r() < 0.5 ? 'acc' : expr(2)})))`);
  const n = r() < 0.1 ? 0 : 1 + int(24);
  const data = Uint8Array.from({ length: n }, () => int(256));
  const x = BigInt(int(41) - 20);
  return { source: `${defs.join('\n')}\n(scan (bytes [${[...data].join(' ')}]) ${x})`, entry: 'scan', args: [new Bytes(data), x] };
}
