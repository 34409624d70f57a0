/**
 * Tier 2 on byte strings: parameter kinds inferred from `count`/`byte-at` and calls, refusals,
 * a checksum against the reference interpreter, the fallback on a bad index or an argument of
 * the wrong kind, memory growth for a large input, and tier 1's wrapper handing byte strings over.
 */
import { describe, expect, it } from 'vitest';
import { ReferenceKernel } from '../../../reference/kernel.js';
import { createOptimizedKernel, type OptimizedKernel } from '../../kernel/OptimizedKernel.js';
import { Bytes } from '../../../spec/Values.js';
import { analyze, compileSync, tier2Available, type Plan } from './index.js';
import { compileSource } from '../../../harness/jit/compileSource.js';

const available = tier2Available();
if (!available.ok) console.warn(`[tier 2] byte-string tests that compile are skipped: ${available.reason}`);
const withLlc = available.ok ? describe : describe.skip;

const ADLER = `(defn adler [b]
  (let [n (count b)]
    (loop [i 0 a 1 s 0]
      (if (= i n) (+ (* s 65536) a)
        (let [a2 (rem (+ a (byte-at b i)) 65521)]
          (recur (inc i) a2 (rem (+ s a2) 65521)))))))`;

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

/** Adler-32 as the program computes it (s·65536 + a), in plain JS. */
function adlerJs(data: Uint8Array): bigint {
  let a = 1;
  let s = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return BigInt(s) * 65536n + BigInt(a);
}

function referenceValue(source: string): string {
  const k = new ReferenceKernel();
  const loaded = k.apply({ op: 'load', pid: 0, program: source });
  if (!loaded.ok) throw new Error(`${loaded.error}: ${loaded.message}`);
  const r = k.apply({ op: 'run', pid: 0 });
  return r.ok ? r.value : `${r.error}`;
}

const bytesLiteral = (data: Uint8Array): string => `(bytes [${[...data].join(' ')}])`;

describe('tier-2 analysis of byte strings', () => {
  it('types a parameter used with count/byte-at as bytes, the others as ints, through calls', () => {
    const p = mustPlan('(defn at2 [i b] (byte-at b i)) (defn f [x b] (+ x (count b) (at2 0 b)))', 'f');
    expect(p.fns.map((f) => [f.name, f.params])).toEqual([
      ['entry', ['int', 'bytes']],
      ['at2', ['int', 'bytes']],
    ]);
    // A parameter merely passed on to a bytes parameter is bytes too (it is typed by the callee).
    const q = mustPlan('(defn g [b] (count b)) (defn f [b n] (if (pos? n) (g b) 0))', 'f');
    expect(q.fns[0]!.params).toEqual(['bytes', 'int']);
  });

  it.each([
    ['(defn f [b] (+ (count b) b))', '+ of a byte string'],
    ['(defn f [b] (do (count b) b))', 'returns a byte string'],
    ['(defn f [b] (if (pos? (count b)) b 0))', 'both a byte string and an int'],
    ['(defn f [b] (= (count b) 0 b))', '= of a byte string'],
    ['(defn f [x] (count (inc x)))', 'count of something other than a byte-string parameter'],
    ['(defn f [b] (byte-at b true))', 'byte-at with a boolean as the index'],
    ['(defn g [x] (inc x)) (defn f [b] (+ (count b) (g b)))', 'inc of a byte string'],
  ])('refuses %s', (source, reason) => {
    const a = planOf(source, 'f');
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.reason).toContain(reason);
  });
});

withLlc('tier-2 code on byte strings', () => {
  const adler = compileSync(mustPlan(ADLER, 'adler'));

  it('computes adler32 as the reference does, and charges fuel as tier 1 (1 per recur)', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) % 256);
    expect(adler.kinds).toEqual(['bytes']);
    const r = adler.entry([new Bytes(data)], 1000, 1, 100);
    expect(r).toEqual({ status: 'ok', value: adlerJs(data), fuelLeft: 1000 - data.length });
    expect(referenceValue(`${ADLER}\n(adler ${bytesLiteral(data)})`)).toBe(String(adlerJs(data)));
    expect(adler.entry([new Bytes(new Uint8Array(0))], 10, 1, 100)).toEqual({ status: 'ok', value: 1n, fuelLeft: 10 });
  });

  it('grows the memory for a large byte string and still reads small ones right afterwards', () => {
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251);
    expect(adler.entry([new Bytes(big)], 1e9, 1, 100)).toMatchObject({ status: 'ok', value: adlerJs(big) });
    const small = Uint8Array.of(1, 2, 3);
    expect(adler.entry([new Bytes(small)], 1e9, 1, 100)).toMatchObject({ status: 'ok', value: adlerJs(small) });
  });

  it('falls back on an index out of range (negative, equal to the count, huge) where the reference raises', () => {
    const src = '(defn at [b i] (byte-at b i))';
    const at = compileSync(mustPlan(src, 'at'));
    const b = new Bytes(Uint8Array.of(10, 20, 30));
    expect(at.entry([b, 2n], 10, 1, 10)).toEqual({ status: 'ok', value: 30n, fuelLeft: 10 });
    for (const i of [-1n, 3n, 1n << 40n, -(1n << 63n)]) {
      expect(at.entry([b, i], 10, 1, 10)).toEqual({ status: 'fallback' });
      expect(referenceValue(`${src}\n(at ${bytesLiteral(b.data)} ${i})`)).toBe('program-error');
    }
  });

  it('falls back when an argument is not of the kind of its parameter', () => {
    const b = new Bytes(Uint8Array.of(1));
    expect(adler.entry([5n], 10, 1, 10)).toEqual({ status: 'fallback' });
    const at = compileSync(mustPlan('(defn at [b i] (byte-at b i))', 'at'));
    expect(at.entry([b, b], 10, 1, 10)).toEqual({ status: 'fallback' });
  });

  it('two byte-string parameters and a loop rebinding one of them', () => {
    const src = `(defn dot [x y] (loop [i 0 acc 0 z x] (if (< i (min (count x) (count y))) (recur (inc i) (+ acc (* (byte-at z i) (byte-at y i))) (if (even? i) y x)) acc)))`;
    const dot = compileSync(mustPlan(src, 'dot'));
    expect(dot.kinds).toEqual(['bytes', 'bytes']);
    const x = Uint8Array.from({ length: 50 }, (_, i) => i * 3);
    const y = Uint8Array.from({ length: 40 }, (_, i) => 255 - i);
    const r = dot.entry([new Bytes(x), new Bytes(y)], 1000, 1, 10);
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(String(r.value)).toBe(referenceValue(`${src}\n(dot ${bytesLiteral(x)} ${bytesLiteral(y)})`));
  });
});

withLlc('tier 1 hands byte strings to tier 2', () => {
  const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 131) % 256);
  const setup = `(def data (bytes [${[...data].join(' ')}]))\n${ADLER}`;
  const run = (k: OptimizedKernel | ReferenceKernel, call: string) => {
    expect(k.apply({ op: 'load', pid: 0, program: `${setup}\n${call}` }).ok).toBe(true);
    return k.apply({ op: 'run', pid: 0 });
  };

  it('serves adler32 calls in tier 2', () => {
    const k = createOptimizedKernel({ tier: 2, jitThreshold: 0, tier2Threshold: 1, tier2Sync: true });
    const r = run(k, `(vector ${Array(5).fill('(adler data)').join(' ')})`);
    expect(r).toMatchObject({ ok: true, value: `[${Array(5).fill(String(adlerJs(data))).join(' ')}]` });
    expect(k.tier1!.stats.tier2Installed).toBe(1);
    expect(k.tier1!.stats.tier2Calls).toBeGreaterThan(0);
  });

  it('re-runs in tier 1 a call whose argument is not a byte string, with the reference\'s error', () => {
    const call = `(do (adler data) (adler data) (adler data) (adler 7))`;
    const k = createOptimizedKernel({ tier: 2, jitThreshold: 0, tier2Threshold: 1, tier2Sync: true });
    const r = run(k, call);
    const ref = run(new ReferenceKernel(), call);
    expect(ref.ok).toBe(false);
    expect(r).toMatchObject({ ok: false, error: ref.ok ? 'none' : ref.error });
    expect(k.tier1!.stats.tier2Calls).toBeGreaterThan(0);
  });
});
