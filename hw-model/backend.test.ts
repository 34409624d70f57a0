import { describe, expect, it } from 'vitest';
import { HwMemoryBackend, MEMORY_MODELS } from './backend.js';
import { HwFault } from './errors.js';
import { runOnBackend } from './litmus/backend-run.js';
import { LITMUS_TESTS } from './litmus/tests.js';
import { enumerate } from './models/explore.js';

const mk = (model: 'sc' | 'tso' | 'relaxed', seed = 1) => new HwMemoryBackend({ model, seed, cores: 2, memWords: 256, drainProbability: 0 });

describe('store buffers', () => {
  it('SC performs stores at once', () => {
    const hw = mk('sc');
    hw.store(0, 0, 7);
    expect(hw.buffered(0)).toBe(0);
    expect(hw.load(1, 0)).toBe(7);
  });

  it('TSO buffers a store, forwards it to its own core, hides it from others until MFENCE', () => {
    const hw = mk('tso');
    hw.store(0, 0, 7);
    expect(hw.buffered(0)).toBe(1);
    expect(hw.load(0, 0)).toBe(7);
    expect(hw.load(1, 0)).toBe(0);
    hw.fence(0);
    expect(hw.buffered(0)).toBe(0);
    expect(hw.load(1, 0)).toBe(7);
    expect(hw.stats().forwards).toBe(1);
  });

  it('TSO drains in FIFO order and a locked CAS drains the buffer', () => {
    const hw = mk('tso');
    hw.store(0, 0, 1);
    hw.store(0, 8, 2);
    hw.step();
    expect(hw.memory.peek(0)).toBe(1);
    expect(hw.memory.peek(8)).toBe(0);
    hw.store(0, 16, 3);
    expect(hw.cas(0, 24, 0, 9)).toBe(0);
    expect(hw.buffered(0)).toBe(0);
    expect([hw.memory.peek(8), hw.memory.peek(16), hw.memory.peek(24)]).toEqual([2, 3, 9]);
  });

  it('relaxed drains stores out of order but never overtakes a release store or same-address order', () => {
    let reordered = false;
    for (let seed = 1; seed <= 200; seed++) {
      const hw = mk('relaxed', seed);
      hw.store(0, 0, 1); // x
      hw.store(0, 8, 1); // y
      hw.step();
      if (hw.memory.peek(8) === 1 && hw.memory.peek(0) === 0) reordered = true;
      const r = mk('relaxed', seed);
      r.store(0, 0, 1);
      r.store(0, 8, 1, 'release');
      r.step();
      expect(r.memory.peek(8) === 1 && r.memory.peek(0) === 0).toBe(false);
      const s = mk('relaxed', seed);
      s.store(0, 0, 1);
      s.store(0, 0, 2);
      s.step();
      expect(s.memory.peek(0)).toBe(1);
    }
    expect(reordered).toBe(true);
  });

  it('DMB drains everything; an acquire load waits for older release stores', () => {
    const hw = mk('relaxed');
    hw.store(0, 0, 1);
    hw.store(0, 8, 1, 'release');
    hw.store(0, 16, 1);
    hw.load(0, 24, 'acquire');
    expect([hw.memory.peek(0), hw.memory.peek(8)]).toEqual([1, 1]);
    hw.fence(0);
    expect(hw.buffered(0)).toBe(0);
  });

  it('a store to an immutable line faults when issued, not when drained', () => {
    const hw = mk('tso');
    hw.beginInit(0, 0, 8);
    hw.store(0, 0, 5);
    hw.markImmutable(0, 8); // drains the publishing store first
    expect(hw.memory.peek(0)).toBe(5);
    expect(() => hw.store(1, 0, 6)).toThrow(HwFault);
    try {
      hw.store(0, 1, 6);
    } catch (e) {
      expect((e as HwFault).kind).toBe('immutable-write');
    }
    expect(() => hw.cas(1, 0, 5, 6)).toThrow(/immutable/);
  });

  it('rejects bad cores and bad models', () => {
    expect(() => mk('sc').load(2, 0)).toThrow(HwFault);
    expect(() => new HwMemoryBackend({ model: 'weird' as 'sc', cores: 1, memWords: 8 })).toThrow(HwFault);
  });
});

describe('litmus programs on the backend', () => {
  it('produce only outcomes the operational model allows, and show the store-side weak outcomes', () => {
    const seen = new Map<string, Set<string>>();
    for (const test of LITMUS_TESTS) {
      for (const model of MEMORY_MODELS) {
        const allowed = new Set(enumerate(test, model).outcomes);
        const got = new Set<string>();
        for (let seed = 1; seed <= 150; seed++) got.add(runOnBackend(test, model, seed));
        for (const o of got) expect(allowed.has(o), `${test.name}/${model}: ${o}`).toBe(true);
        seen.set(`${test.name}/${model}`, got);
      }
    }
    const sbWeak = '0:r0=0; 1:r0=0;';
    expect(seen.get('SB/sc')?.has(sbWeak)).toBe(false);
    expect(seen.get('SB/tso')?.has(sbWeak)).toBe(true);
    expect(seen.get('SB/relaxed')?.has(sbWeak)).toBe(true);
    expect(seen.get('SB+fences/tso')?.has(sbWeak)).toBe(false);
    expect(seen.get('MP/relaxed')?.has('1:r0=1; 1:r1=0;')).toBe(true);
    expect(seen.get('2+2W/relaxed')?.has('x=1; y=1;')).toBe(true);
  });
});
