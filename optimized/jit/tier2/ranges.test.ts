/**
 * The tier-2 range analysis on known shapes: remainders bound a loop's accumulators (Adler-32),
 * a variable a loop keeps growing is unknown, and the seeded bug bounds it by its start alone.
 * Its soundness on random programs is the differential test's (differential.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../../harness/jit/compileSource.js';
import type { Node } from '../../lang/front.js';
import { analyze } from './eligible.js';
import { analyzeRanges, type Range, type RangeOptions } from './ranges.js';

/** Every node of `n`'s tree (a `recur`'s link to its loop is not a child). */
function nodes(n: Node, out: Node[] = []): Node[] {
  out.push(n);
  for (const [k, v] of Object.entries(n)) {
    if (k === 'loop') continue;
    if (Array.isArray(v)) for (const x of v) if (typeof x === 'object' && x !== null && 't' in x) nodes(x as Node, out);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && 't' in v) nodes(v as Node, out);
  }
  return out;
}

/**
 * The ranges of every read of the variables bound by the `let`s and `loop`s of `entry` in
 * `source`, by name: `names` lists the names those forms bind, in the order they appear.
 */
function readsOf(source: string, entry: string, names: readonly string[], opts: RangeOptions = {}): (name: string) => (Range | undefined)[] {
  const prog = compileSource(source);
  const a = analyze(prog.fns.get(entry)!.arities[0]!, prog.resolve);
  if (!a.ok) throw new Error(a.reason);
  const ranges: ReadonlyMap<Node, Range> = analyzeRanges(a.plan, 0, opts);
  const all = nodes(a.plan.fns[0]!.arity.body);
  const slots = all.flatMap((n) => (n.t === 'let' || n.t === 'loop' ? n.slots : []));
  return (name) => {
    const slot = slots[names.indexOf(name)];
    return all.filter((n) => n.t === 'local' && n.slot === slot).map((n) => ranges.get(n));
  };
}

const ADLER = '(defn adler [b] (let [n (count b)] (loop [i 0 a 1 s 0] (if (= i n) (+ (* s 65536) a) (let [a2 (rem (+ a (byte-at b i)) 65521)] (recur (inc i) a2 (rem (+ s a2) 65521)))))))';

describe('tier-2 range analysis', () => {
  it('bounds the accumulators of Adler-32 by their modulus, and leaves the counter unbounded above', () => {
    const reads = readsOf(ADLER, 'adler', ['n', 'i', 'a', 's', 'a2']);
    for (const name of ['a', 's', 'a2']) {
      const rs = reads(name);
      expect(rs.length, name).toBeGreaterThan(0);
      for (const r of rs) {
        expect(r, name).toBeDefined();
        expect(r!.lo >= -65520n && r!.hi <= 65520n, `${name}: ${r!.lo}..${r!.hi}`).toBe(true);
      }
    }
    expect(reads('i').length).toBeGreaterThan(0);
    for (const r of reads('i')) expect(r === undefined || r.hi > 1n << 62n).toBe(true);
  });

  it('knows nothing of a variable a loop keeps growing; the seeded bug bounds it by its start', () => {
    const src = '(defn sq [n] (loop [i 0 acc 7] (if (< i n) (recur (inc i) (* acc acc)) acc)))';
    const clean = readsOf(src, 'sq', ['i', 'acc'])('acc');
    expect(clean.length).toBeGreaterThan(0);
    for (const r of clean) expect(r === undefined || r.hi >= (1n << 63n) - 1n).toBe(true);
    const seeded = readsOf(src, 'sq', ['i', 'acc'], { loopInitOnly: true })('acc');
    expect(seeded.length).toBe(clean.length);
    for (const r of seeded) expect(r).toEqual({ lo: 7n, hi: 7n });
  });
});
