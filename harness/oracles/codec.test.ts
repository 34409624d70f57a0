// The codec oracle judges values by the real codec and counts them; meta-tests show it can fail:
// a broken codec (simulated by a decoder with a seeded bug) makes it report, and the differential
// oracle turns its report into a divergence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODEC_MUTANTS, decodeAll, fromBase64, toBase64 } from '../../spec/codec/Binary.js';
import { printEdn, readEdnAll } from '../../spec/codec/Edn.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { binaryLoad, LOAD_ENCODINGS, NON_CANONICAL_VARIANTS } from '../generators/binaryLoads.js';
import { adversarialValueArb, codecCoverageTextArb, opValueArb } from '../generators/ednValues.js';
import { CodecOracle } from './codec.js';
import { runDifferential } from './differential.js';

describe('codec oracle', () => {
  it('passes every generated value, adversarial ones included, and counts what it decoded', () => {
    const oracle = new CodecOracle();
    const texts = [...fc.sample(opValueArb, { seed: 1, numRuns: 300 }), ...fc.sample(adversarialValueArb, { seed: 2, numRuns: 200 }), ...fc.sample(codecCoverageTextArb, { seed: 3, numRuns: 50 })];
    for (const t of texts) expect(oracle.checkText(t)).toBeNull();
    const n = oracle.counts();
    expect(n.texts).toBeGreaterThan(0);
    expect(n.values).toBeGreaterThanOrEqual(n.texts);
  });

  it('reports every seeded decoder bug on the values the generators make', () => {
    const texts = [...fc.sample(codecCoverageTextArb, { seed: 4, numRuns: 40 }), ...fc.sample(adversarialValueArb, { seed: 5, numRuns: 100 })];
    const loads = fc.sample(codecCoverageTextArb, { seed: 6, numRuns: 40 }).flatMap((t) => Array.from({ length: NON_CANONICAL_VARIANTS }, (_, c) => binaryLoad(`(quote ${t})`, 'non-canonical', c)!));
    for (const m of CODEC_MUTANTS) {
      const oracle = new CodecOracle([m.name]);
      const reports = [...texts.map((t) => oracle.checkText(t)), ...loads.map((l) => oracle.checkBlob(l.binary))].filter((r) => r !== null);
      expect(reports.length, m.name).toBeGreaterThan(0);
      expect(reports[0]).toMatch(/^codec: /);
    }
  });

  it('in the differential oracle: a step whose values the codec changes diverges (reason invariant), by default', () => {
    const c = { version: 1, seed: 0, kernels: ['reference', 'reference'], ops: [{ op: 'atom' as const, pid: 0, value: '{:a nil :b \\😀}' }] };
    const kernels = () => [
      { name: 'a', kernel: new ReferenceKernel() },
      { name: 'b', kernel: new ReferenceKernel() },
    ];
    expect(runDifferential(c, kernels()).verdict.kind).toBe('agree');
    for (const bug of ['codec-drops-nil-entry', 'codec-astral-char']) {
      const v = runDifferential(c, kernels(), { codec: new CodecOracle([bug]) }).verdict;
      expect(v.kind, bug).toBe('diverged');
      if (v.kind === 'diverged') expect(v.reason).toBe('invariant');
    }
    // Counts are of what was judged: a value not seen before in this process is judged once.
    const oracle = new CodecOracle();
    const fresh = { ...c, ops: [{ op: 'atom' as const, pid: 0, value: "[:codec-oracle-test/counted #{1 2}]" }] };
    runDifferential(fresh, kernels(), { codec: oracle });
    expect(oracle.counts().texts).toBeGreaterThan(0);
    const before = oracle.counts().texts;
    runDifferential(fresh, kernels(), { codec: oracle });
    expect(oracle.counts().texts).toBe(before);
    expect(runDifferential(c, kernels(), { codec: false }).verdict.kind).toBe('agree');
  });

  it('binary loads: canonical blobs decode to the program, the others are refused by the canonical decoder', () => {
    const program = '(let [x (quote {:a nil :b -9223372036854775807 :c \\😀})] [x (count x)])';
    const canonical = binaryLoad(program, 'binary', 0)!;
    expect(canonical.program).toBe('');
    expect(decodeAll(fromBase64(canonical.binary)).map(printEdn)).toEqual(readEdnAll(program).map(printEdn));
    for (let c = 0; c < NON_CANONICAL_VARIANTS; c++) {
      const b = binaryLoad(program, 'non-canonical', c)!;
      expect(() => decodeAll(fromBase64(b.binary)), `variant ${c}`).toThrow();
    }
    const k = new ReferenceKernel();
    for (let c = 0; c < 40; c++) {
      const b = binaryLoad(program, 'corrupt', c)!;
      const out = k.apply({ op: 'load', pid: 0, program: b.program, binary: b.binary });
      // a flipped bit may still decode (to another program); everything else is bad-input
      if (!out.ok) expect(out.error).toBe('bad-input');
    }
    expect(binaryLoad(program, 'text', 0)).toBeNull();
    expect(binaryLoad('(unbalanced', 'binary', 0)).toBeNull();
    expect(LOAD_ENCODINGS).toContain('binary');
  });

  it('base64 is strict: one text per byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const t = toBase64(bytes);
        expect([...fromBase64(t)]).toEqual([...bytes]);
        expect(Buffer.from(bytes).toString('base64')).toBe(t);
      }),
      { numRuns: 300 },
    );
    for (const bad of ['QR==', 'QUJ=', 'Q===', 'QUJD\n', 'QU JD', 'QUJ', '====', 'QQ=A']) expect(() => fromBase64(bad), bad).toThrow();
  });
});

describe('codec oracle memory', () => {
  it('a value it reported is reported again (so a failing case stays failing while it is shrunk)', () => {
    const oracle = new CodecOracle(['codec-astral-char']);
    expect(oracle.checkText('[\\😀 :memo]')).toMatch(/^codec: /);
    expect(oracle.checkText('[\\😀 :memo]')).toMatch(/^codec: /);
    expect(new CodecOracle().checkText('[\\😀 :memo]')).toBeNull();
  });
});

describe('binary loads on the kernels', () => {
  it('a program loaded as binary runs like the same program loaded as text; decoded values are counted; malformed blobs are bad-input', async () => {
    const { createOptimizedKernel } = await import('../../optimized/index.js');
    const makers = [() => new ReferenceKernel(), () => createOptimizedKernel()];
    const programs = fc.sample(codecCoverageTextArb, { seed: 9, numRuns: 5 }).map((v) => `(let [x (quote ${v})] [x (count x) {:n nil}])`);
    for (const make of makers) {
      for (const program of programs) {
        const text = make();
        const bin = make();
        const fields = binaryLoad(program, 'binary', 0)!;
        expect(text.apply({ op: 'load', pid: 0, program })).toEqual({ ok: true, value: 'nil' });
        expect(bin.apply({ op: 'load', pid: 0, program: '', binary: fields.binary })).toEqual({ ok: true, value: 'nil' });
        const a = text.apply({ op: 'run', pid: 0 });
        expect(a.ok).toBe(true);
        expect(bin.apply({ op: 'run', pid: 0 })).toEqual(a);
        const counter = { nodes: 0 };
        decodeAll(fromBase64(fields.binary), { counter });
        expect(bin.stats?.().codecValues).toBe(counter.nodes);
        expect(text.stats?.().codecValues).toBe(0);
      }
      const k = make();
      const blob = binaryLoad('(+ 1 2)', 'binary', 0)!.binary;
      for (const op of [
        { op: 'load' as const, pid: 0, program: '', binary: `${blob}=` },
        { op: 'load' as const, pid: 0, program: '(+ 1 2)', binary: blob },
        { op: 'load' as const, pid: 0, program: '', binary: toBase64(Uint8Array.of(0xb1, 0x49, 0x4d, 2)) },
        { op: 'load' as const, pid: 0, program: '', binary: 7 as unknown as string },
      ]) {
        const out = k.apply(op);
        expect(out.ok ? 'ok' : out.error, JSON.stringify(op)).toBe('bad-input');
      }
    }
  });
});
