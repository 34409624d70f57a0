// The generators reach every adversarial kind of value, and binary loads of every kind, within the
// first few hundred cases of a default campaign's generator (all operations, seed 1): what the
// fuzzer is meant to throw at the kernels does get thrown.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashInt } from '../../optimized/heap/values.js';
import { decodeAll, fromBase64 } from '../../spec/codec/Binary.js';
import { readEdn } from '../../spec/codec/Edn.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { Bytes, EMap, ESet, INT64_MIN, type Value } from '../../spec/Values.js';
import type { CaseOp } from './case.js';
import { fixup } from './fixup.js';
import { rawCaseArb } from './ops.js';

const CASES = 300;

function readOrNull(t: string): Value | undefined | 'too-deep' {
  try {
    return readEdn(t);
  } catch (e) {
    return /nesting deeper/.test((e as Error).message) ? 'too-deep' : undefined;
  }
}

const optimizedHash = (k: bigint): number => hashInt(Number(BigInt.asIntN(32, k)), Number(k >> 32n));

function collides(v: Value): boolean {
  const keys = v instanceof EMap ? v.entries.map((e) => e[0]) : v instanceof ESet ? v.items : [];
  const hs = keys.filter((k): k is bigint => typeof k === 'bigint').map(optimizedHash);
  return new Set(hs).size < hs.length;
}

const KINDS: Record<string, (t: string, v: Value | undefined | 'too-deep', op: CaseOp) => boolean> = {
  'vector of 1024+ items': (t) => /^\[(-?\d+ ){1023,}/.test(t),
  'int64 keys with one 32-bit hash': (_t, v) => v !== undefined && v !== 'too-deep' && v !== null && collides(v),
  'nesting of 1000 levels': (t) => /^(\[|\(|\{:k |#\{|#my\/t ){1000}/.test(t),
  'nesting past the limit': (_t, v) => v === 'too-deep',
  'byte string of 1 KB+': (_t, v) => v instanceof Bytes && v.data.length >= 1024,
  'astral character': (t) => /\\[\u{10000}-\u{10ffff}]/u.test(t),
  '-0.0': (t) => /(^|[\s[({])-0\.0($|[\s\])}])/.test(t),
  NaN: (t) => t.includes('##NaN'),
  'int64 minimum': (_t, v) => v === INT64_MIN,
  'binary load': (_t, _v, op) => op.op === 'load' && typeof op.binary === 'string' && op.program === '',
  'binary load refused by the decoder': (_t, _v, op) => {
    if (op.op !== 'load' || typeof op.binary !== 'string') return false;
    try {
      decodeAll(fromBase64(op.binary));
      return false;
    } catch {
      return true;
    }
  },
};

describe('generator reach', () => {
  it(`meets every adversarial kind within ${CASES} cases`, () => {
    const first = new Map<string, number>();
    const raws = fc.sample(rawCaseArb({ ops: OP_NAMES }), { seed: 1, numRuns: CASES });
    raws.forEach((r, i) => {
      const c = fixup(r, { seed: i, kernels: ['reference', 'optimized'], supports: new Set(OP_NAMES) }).case;
      for (const op of c.ops) {
        const o = op as { readonly [f: string]: unknown };
        const texts = [o.value, o.expected].filter((x): x is string => typeof x === 'string');
        if (typeof o.program === 'string') texts.push(o.program);
        if (texts.length === 0) texts.push('');
        for (const t of texts) {
          const v = o.program === t ? undefined : readOrNull(t);
          for (const [kind, f] of Object.entries(KINDS)) if (!first.has(kind) && f(t, v, op)) first.set(kind, i);
        }
      }
    });
    expect(Object.keys(KINDS).filter((k) => !first.has(k))).toEqual([]);
  });
});
