/**
 * Tier 2 unit tests: the analysis (what is eligible, and why not), the numeric edge cases
 * against the reference interpreter, fuel charged as tier 1 charges it, the depth quota, and the
 * asynchronous compiler.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ReferenceKernel } from '../../../reference/kernel.js';
import { INT64_MAX, INT64_MIN, Vector } from '../../../spec/Values.js';
import { analyze, compileAsync, compileManySync, tier2Available, type Plan, type Tier2Code } from './index.js';
import { compileSource } from '../../../harness/jit/compileSource.js';

const available = tier2Available();
if (!available.ok) console.warn(`[tier 2] unit tests that compile are skipped: ${available.reason}`);
const withLlc = available.ok ? describe : describe.skip;

function planOf(source: string, name: string): ReturnType<typeof analyze> {
  const p = compileSource(source);
  const l = p.fns.get(name);
  if (l === undefined) throw new Error(`no ${name}`);
  return analyze(l.arities[0]!, p.resolve);
}

function mustPlan(source: string, name: string): Plan {
  const a = planOf(source, name);
  if (!a.ok) throw new Error(a.reason);
  return a.plan;
}

describe('tier-2 analysis', () => {
  it.each([
    ['(defn f [x] (str x))', 'native str is not in the tier-2 subset'],
    ['(defn f [x] (if (pos? x) x nil))', 'nil'],
    ['(defn f [x] (if (pos? x) 1 true))', 'both an int and a boolean'],
    ['(defn f [x] (fn [] x))', 'closure'],
    ['(defn f [x] (+ x 1.5))', 'unsupported type'],
    ['(defn f [x] (quot x))', 'quot with 1 arguments'],
    ['(defn f [x] (+ x (recur x)))', 'outside a tail position'],
    ['(defn f [x] (loop [b true] (if b (recur 1) 2)))', 'passes an int where the loop binds a boolean'],
    ['(defn g [& xs] 1) (defn f [x] (g x))', 'no fixed arity'],
    ['(defn f [x] (f))', 'another arity'],
    ['(defn f [x] (+ (try x (catch e 0)) 1))', '`try`'],
    ['(defn f [x] (< x true))', 'of a boolean'],
  ])('refuses %s', (source, reason) => {
    const a = planOf(source, 'f');
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.reason).toContain(reason);
  });

  it('accepts mutual recursion through globals (the entry is compiled once) and lists the globals it depends on', () => {
    const a = planOf('(defn ev? [n] (if (zero? n) true (od? (dec n)))) (defn od? [n] (if (zero? n) false (ev? (dec n))))', 'ev?');
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.plan.fns.map((f) => [f.name, f.ret])).toEqual([
      ['entry', 'bool'],
      ['od?', 'bool'],
    ]);
    expect(a.plan.deps.map((s) => s.name).sort()).toEqual(['dec', 'ev?', 'od?', 'zero?']);
  });

  it('says why tier 2 is unavailable when llc-14 is not on the PATH', async () => {
    vi.resetModules();
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-dir';
    try {
      const fresh = await import('./backend.js');
      expect(fresh.llcAvailable()).toEqual({ ok: false, reason: expect.stringContaining('llc-14 is not on the PATH') });
    } finally {
      process.env.PATH = saved;
    }
  });

  it('types a function that returns only through recursion as returning its base case', () => {
    const a = planOf('(defn f [n] (if (pos? n) (f (dec n)) (= n 0)))', 'f');
    expect(a.ok && a.plan.fns[0]!.ret).toBe('bool');
  });
});

const EDGES = [INT64_MIN, INT64_MIN + 1n, -7n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 7n, INT64_MAX - 1n, INT64_MAX, 3037000499n, 3037000500n, -3037000500n, 1n << 32n, -(1n << 31n)];
const BINARY = ['+', '-', '*', 'quot', 'rem', 'mod', 'max', 'min', '<', '>', '<=', '>=', '==', '=', 'not='];
const UNARY = ['-', 'inc', 'dec', 'abs', 'zero?', 'pos?', 'neg?', 'even?', 'odd?', 'not', '+', '*', 'max', '<'];

withLlc('tier-2 code', () => {
  const kernel = new ReferenceKernel();
  const referenceValue = (expr: string): string => {
    const o = kernel.apply({ op: 'load', pid: 0, program: expr });
    const r = o.ok ? kernel.apply({ op: 'run', pid: 0 }) : o;
    return r.ok ? r.value : `error:${r.error}`;
  };
  const shown = (c: Tier2Code, args: bigint[]): string => {
    const r = c.entry(args, 1_000_000, 1, 100);
    return r.status === 'ok' ? String(r.value) : 'error:program-error';
  };

  let binary: Tier2Code[] = [];
  let unary: Tier2Code[] = [];
  beforeAll(() => {
    // One module for every operator (one llc run).
    const plans = [...BINARY.map((op) => mustPlan(`(defn f [a b] (${op} a b))`, 'f')), ...UNARY.map((op) => mustPlan(`(defn f [a] (${op} a))`, 'f'))];
    const codes = compileManySync(plans);
    binary = codes.slice(0, BINARY.length);
    unary = codes.slice(BINARY.length);
  });

  it('every binary native agrees with the reference on the int64 edges (error = fallback)', () => {
    const diffs: string[] = [];
    BINARY.forEach((op, i) => {
      for (const x of EDGES)
        for (const y of EDGES) {
          const want = referenceValue(`(${op} ${x} ${y})`);
          const got = shown(binary[i]!, [x, y]);
          if (got !== want) diffs.push(`(${op} ${x} ${y}): tier 2 ${got}, reference ${want}`);
        }
    });
    expect(diffs).toEqual([]);
  });

  it('every unary native agrees with the reference on the int64 edges', () => {
    const diffs: string[] = [];
    UNARY.forEach((op, i) => {
      for (const x of EDGES) {
        const want = referenceValue(`(${op} ${x})`);
        const got = shown(unary[i]!, [x]);
        if (got !== want) diffs.push(`(${op} ${x}): tier 2 ${got}, reference ${want}`);
      }
    });
    expect(diffs).toEqual([]);
  });

  const FIB = '(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))';
  const calls = (n: number): number => (n < 2 ? 1 : 1 + calls(n - 1) + calls(n - 2));

  it('charges 1 fuel per closure call and 1 per recur, and falls back exactly when fuel runs out', () => {
    const [fib, sum] = compileManySync([mustPlan(FIB, 'fib'), mustPlan('(defn sum [n] (loop [i 1 acc 0] (if (<= i n) (recur (inc i) (+ acc i)) acc)))', 'sum')]);
    // The entry's own call is the caller's to charge: fib(n) makes calls(n) - 1 more.
    const needFib = calls(18) - 1;
    expect(fib!.entry([18n], needFib, 1, 100)).toEqual({ status: 'ok', value: 2584n, fuelLeft: 0 });
    expect(fib!.entry([18n], needFib - 1, 1, 100)).toEqual({ status: 'fallback' });
    expect(fib!.entry([18n], needFib + 5, 1, 100)).toEqual({ status: 'ok', value: 2584n, fuelLeft: 5 });
    // sum(n) recurs n times.
    expect(sum!.entry([1000n], 1000, 1, 1)).toEqual({ status: 'ok', value: 500500n, fuelLeft: 0 });
    expect(sum!.entry([1000n], 999, 1, 1)).toEqual({ status: 'fallback' });
  });

  it('reduce drivers charge 2 fuel per item whichever loop runs (items in 32 or 64 bits), and fall back on overflow, fuel or depth', () => {
    const [leaf, inner] = compileManySync([mustPlan('(defn add [acc x] (+ acc x))', 'add'), mustPlan('(defn add2 [acc x] (loop [i 0 a acc] (if (< i 2) (recur (inc i) (+ a x)) a)))', 'add2')]);
    const small = new Vector(Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    const wide = new Vector(Array.from({ length: 1000 }, (_, i) => BigInt(i) + (i === 500 ? 1n << 40n : 0n)));
    const sum = (v: Vector): bigint => v.items.reduce((a: bigint, x) => a + (x as bigint), 0n);
    for (const v of [small, wide]) {
      // the leaf's loop without checks (fuel for every item) and the checked loop give the same fuel
      expect(leaf!.reduce!(5n, v, 1e6, 1, 10)).toEqual({ status: 'ok', value: 5n + sum(v), fuelLeft: 1e6 - 2000 });
      expect(leaf!.reduce!(5n, v, 2000, 1, 10)).toEqual({ status: 'ok', value: 5n + sum(v), fuelLeft: 0 });
      expect(leaf!.reduce!(5n, v, 1999, 1, 10)).toEqual({ status: 'fallback' });
      expect(leaf!.reduce!(5n, v, 1e6, 10, 10)).toEqual({ status: 'fallback' });
      expect(leaf!.reduce!(INT64_MAX - 400_000n, v, 1e6, 1, 10)).toEqual({ status: 'fallback' });
      // a function that charges fuel itself (2 recurs per item) runs the checked loop
      expect(inner!.reduce!(0n, v, 1e6, 1, 10)).toEqual({ status: 'ok', value: 2n * sum(v), fuelLeft: 1e6 - 4000 });
      expect(inner!.reduce!(0n, v, 3999, 1, 10)).toEqual({ status: 'fallback' });
    }
  });

  it('falls back when a call would exceed the depth quota (depth counts the entry activation)', () => {
    const [fib] = compileManySync([mustPlan(FIB, 'fib')]);
    // fib(10) nests 10 activations: the entry at depth 1, its deepest callee at depth 10.
    expect(fib!.entry([10n], 1e6, 1, 10).status).toBe('ok');
    expect(fib!.entry([10n], 1e6, 1, 9).status).toBe('fallback');
    expect(fib!.entry([10n], 1e6, 2, 10).status).toBe('fallback');
  });

  it('falls back on deep recursion the engine cannot hold instead of crashing', () => {
    const [down] = compileManySync([mustPlan('(defn down [n] (if (pos? n) (+ 1 (down (dec n))) 0))', 'down')]);
    expect(down!.entry([5000n], 1e9, 1, 10_000)).toEqual({ status: 'ok', value: 5000n, fuelLeft: 1e9 - 5000 });
    expect(down!.entry([20_000n], 1e9, 1, 10_000)).toEqual({ status: 'fallback' });
    // With a quota larger than any engine stack, the engine's RangeError becomes a fallback too.
    expect(down!.entry([50_000_000n], 1e12, 1, 1e12)).toEqual({ status: 'fallback' });
  });

  it('compiles asynchronously (llc in a child process) and reports the compile latency', async () => {
    const code = await compileAsync(mustPlan('(defn tri [n] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc i)) acc)))', 'tri'));
    expect(code.entry([100n], 1000, 1, 1)).toEqual({ status: 'ok', value: 4950n, fuelLeft: 900 });
    expect(code.compileMs).toBeGreaterThan(0);
    expect(code.deps.map((s) => s.name).sort()).toEqual(['+', '<', 'inc']);
  });

  it('compiles wide constants exactly', () => {
    const [k] = compileManySync([mustPlan(`(defn k [x] (if (pos? x) ${INT64_MIN} (- ${INT64_MAX} ${1n << 53n} 9007199254740993)))`, 'k')]);
    expect(k!.entry([1n], 1, 1, 1)).toMatchObject({ value: INT64_MIN });
    expect(k!.entry([0n], 1, 1, 1)).toMatchObject({ value: INT64_MAX - (1n << 53n) - 9007199254740993n });
  });
});
