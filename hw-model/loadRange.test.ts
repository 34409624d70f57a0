/**
 * `loadRange` (a run of words at once) is exactly `load32` word by word in address order: the
 * same values and the same simulator state afterwards — caches, LRU order, directory, store
 * buffers, drains, counters and messages — on every memory model, line size and seeded hardware
 * bug, after arbitrary stores, CASes, fences, ticks and publications on several cores.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHwMemory, HW_MODELS, HW_MUTANT_NAMES } from './index.js';
import type { HwKernelMemory } from './kernel-memory.js';

type Op =
  | { readonly k: 'core'; readonly core: number }
  | { readonly k: 'store'; readonly addr: number; readonly value: number }
  | { readonly k: 'cas'; readonly addr: number; readonly value: number }
  | { readonly k: 'load'; readonly addr: number }
  | { readonly k: 'range'; readonly addr: number; readonly n: number }
  | { readonly k: 'fence' }
  | { readonly k: 'tick' }
  | { readonly k: 'publish'; readonly addr: number; readonly n: number };

const WORDS = 2048;
const addr = fc.nat({ max: WORDS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('core' as const), core: fc.nat({ max: 3 }) }),
  fc.record({ k: fc.constant('store' as const), addr, value: fc.integer() }),
  fc.record({ k: fc.constant('cas' as const), addr, value: fc.integer() }),
  fc.record({ k: fc.constant('load' as const), addr }),
  { arbitrary: fc.record({ k: fc.constant('range' as const), addr, n: fc.nat({ max: 70 }) }), weight: 3 },
  fc.record({ k: fc.constant('fence' as const) }),
  fc.record({ k: fc.constant('tick' as const) }),
  fc.record({ k: fc.constant('publish' as const), addr, n: fc.integer({ min: 1, max: 64 }) }),
);

/** Runs `ops` on `m`; a range is read with `loadRange` when `ranged`, else word by word. Returns every value read (and each fault's text). */
function run(m: HwKernelMemory, ops: readonly Op[], ranged: boolean): unknown[] {
  const seen: unknown[] = [];
  const buf = new Int32Array(80);
  const published = new Set<number>();
  for (const o of ops) {
    try {
      switch (o.k) {
        case 'core':
          m.setCore(o.core % m.cores);
          break;
        case 'store':
          if (!published.has(o.addr)) m.store32(o.addr, o.value);
          break;
        case 'cas':
          if (!published.has(o.addr)) seen.push(m.cas32(o.addr, o.value, o.value + 1));
          break;
        case 'load':
          seen.push(m.load32(o.addr));
          break;
        case 'range': {
          const n = Math.min(o.n, WORDS - o.addr);
          if (ranged) m.loadRange(o.addr, n, buf);
          else for (let i = 0; i < n; i++) buf[i] = m.load32(o.addr + i);
          seen.push([...buf.subarray(0, n)]);
          break;
        }
        case 'fence':
          m.fence();
          break;
        case 'tick':
          m.tick();
          break;
        case 'publish': {
          const n = Math.min(o.n, WORDS - o.addr);
          m.publish(o.addr, n);
          for (let i = 0; i < n; i++) published.add(o.addr + i);
          break;
        }
      }
    } catch (e) {
      seen.push(`fault: ${(e as Error).message}`);
    }
  }
  return seen;
}

describe('HwKernelMemory.loadRange', () => {
  it('equals load32 word by word: same values, same simulator state after (every model, line size, seeded bug)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...HW_MODELS),
        fc.constantFrom(4, 8, 16),
        fc.option(fc.constantFrom(...HW_MUTANT_NAMES), { nil: undefined }),
        fc.nat({ max: 1000 }),
        fc.array(op, { minLength: 1, maxLength: 120 }),
        (model, lineWords, mutant, seed, ops) => {
          const options = { initialWords: WORDS, cores: 4, lineWords, seed, ...(mutant !== undefined ? { mutants: [mutant] } : {}) };
          const a = createHwMemory(model, options);
          const b = createHwMemory(model, options);
          expect(run(a, ops, true)).toEqual(run(b, ops, false));
          expect(a.checkpoint()).toEqual(b.checkpoint());
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('a range read out of bounds faults at the same word as loads do, after the same reads', () => {
    for (const model of HW_MODELS) {
      const a = createHwMemory(model, { initialWords: 256, maxWords: 256 });
      const b = createHwMemory(model, { initialWords: 256, maxWords: 256 });
      const buf = new Int32Array(32);
      let fa = '';
      let fb = '';
      try {
        a.loadRange(240, 32, buf);
      } catch (e) {
        fa = (e as Error).message;
      }
      try {
        for (let i = 0; i < 32; i++) b.load32(240 + i);
      } catch (e) {
        fb = (e as Error).message;
      }
      expect(fa).not.toBe('');
      expect(fa).toBe(fb);
      expect(a.checkpoint()).toEqual(b.checkpoint());
    }
  });
});
