// Quotas for `immutos run`: the flags --quota-heap/--quota-fuel/--quota-stack, and the quotas a
// program declares in its leading comment (`;; immutos run --quota-fuel N …`); flags win.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { declaredQuotas, runProgram } from '../../cli/program/runProgram.js';
import { encodeAll } from '../../spec/codec/Binary.js';
import { KernelError } from '../../spec/Errors.js';
import { DEFAULT_QUOTAS } from '../../spec/Kernel.js';
import { readEdnAll } from '../../spec/codec/Edn.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const saved = process.exitCode;
  try {
    return { code: await main(args), out, err };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = saved;
  }
}
afterEach(() => vi.restoreAllMocks());

const tmp = mkdtempSync(join(tmpdir(), 'immutos-quota-'));
function file(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

const SPIN = '(loop [i 0] (recur (inc i)))\n';
const DEEP = '(defn deep [n] (+ 1 (deep (inc n))))\n(deep 0)\n';

describe('declared quotas (leading comment)', () => {
  test('any subset, any order, on a line of the leading comment', () => {
    expect(declaredQuotas(';; a program\n;; immutos run --quota-stack 7 --quota-heap 100\n(+ 1 2)')).toEqual({ stackDepth: 7, heapCells: 100 });
    expect(declaredQuotas('; immutos run --quota-fuel 5\n')).toEqual({ fuel: 5 });
    expect(declaredQuotas('(+ 1 2)\n;; immutos run --quota-fuel 5\n')).toEqual({}); // not leading
    expect(declaredQuotas(';; nothing declared\n(+ 1 2)')).toEqual({});
    expect(declaredQuotas(encodeAll(readEdnAll('(+ 1 2)')))).toEqual({});
  });

  test('a malformed declaration is bad-input', () => {
    for (const bad of ['--seed 3', '--quota-fuel', '--quota-fuel -1', '--quota-fuel 0', '--quota-fuel 1.5', '--quota-heap lots']) {
      expect(() => declaredQuotas(`;; immutos run ${bad}\n(+ 1 2)`), bad).toThrow(KernelError);
      expect(() => declaredQuotas(`;; immutos run ${bad}\n(+ 1 2)`), bad).toThrow(/bad-input|line 1/);
    }
  });

  test('runProgram applies them, and explicit quotas override them field by field', async () => {
    const src = ';; immutos run --quota-fuel 1000 --quota-stack 50\n' + SPIN;
    const r = await runProgram(src);
    expect(r.quotas).toEqual({ ...DEFAULT_QUOTAS, fuel: 1000, stackDepth: 50 });
    expect(r.result).toMatchObject({ ok: false, error: 'fuel-exhausted' });
    expect((await runProgram(src, { kernelOptions: { quotas: { fuel: 2000 } } })).quotas).toEqual({ ...DEFAULT_QUOTAS, fuel: 2000, stackDepth: 50 });
  });
});

describe('immutos run --quota-*', () => {
  test('--quota-fuel stops an endless loop with fuel-exhausted (exit 1)', async () => {
    const r = await cli('run', file('spin.edn', SPIN), '--quota-fuel', '5000');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/uncaught fuel-exhausted in process 0: .*5000 steps/);
  });

  test('--quota-stack stops deep recursion with stack-overflow', async () => {
    const r = await cli('run', file('deep.edn', DEEP), '--quota-stack', '40');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/uncaught stack-overflow in process 0: stack depth 40 exceeded/);
  });

  test('--quota-heap stops unbounded allocation with out-of-memory; the flag overrides the file', async () => {
    const p = file('hog.edn', ';; immutos run --quota-heap 1000000\n(loop [acc nil] (recur [[1] acc]))\n');
    const r = await cli('run', p, '--quota-heap', '300', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { quotas: { heapCells: number }; result: { error: string } };
    expect(report.quotas.heapCells).toBe(300);
    expect(report.result.error).toBe('out-of-memory');
  });

  test('a quota flag that is not a positive integer is a usage error (exit 2)', async () => {
    for (const v of ['0', '-3', 'x', '1e3']) {
      const r = await cli('run', file('ok.edn', '(+ 1 2)'), '--quota-fuel', v);
      expect(r.code, v).toBe(2);
      expect(r.err).toMatch(/--quota-fuel must be a positive integer/);
    }
  });
});
