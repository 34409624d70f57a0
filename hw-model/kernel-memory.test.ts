import { describe, expect, it } from 'vitest';
import { HwFault } from './errors.js';
import { BackendExhausted } from '../spec/Memory.js';
import { CallsDiverged, createHwMemory, createRestorableRng, createRng, HW_MODELS } from './index.js';

const kindOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    return e instanceof HwFault ? e.kind : `other: ${String(e)}`;
  }
  return 'none';
};

describe('HwKernelMemory (the optimized kernel backend shape)', () => {
  it('loads, stores int32 words, CASes and grows, keeping contents', () => {
    const m = createHwMemory('tso', { initialWords: 64, maxWords: 1024 });
    expect(m.name).toBe('hw:tso');
    m.store32(5, 2 ** 31 + 7);
    expect(m.load32(5)).toBe((2 ** 31 + 7) | 0);
    expect(m.cas32(6, 0, 9)).toBe(0);
    expect(m.cas32(6, 0, 10)).toBe(9);
    m.grow(300);
    expect(m.size()).toBeGreaterThanOrEqual(300);
    expect(m.load32(6)).toBe(9);
    expect(m.load32(299)).toBe(0);
    expect(() => m.grow(5000)).toThrow(BackendExhausted); // the contract's exhaustion error: kernels answer out-of-memory
    const custom = createHwMemory('sc', { initialWords: 64, maxWords: 128, exhausted: (w) => new RangeError(`no ${w}`) });
    expect(() => custom.grow(1000)).toThrow(RangeError);
  });

  it('publishing a whole line makes it an immutable line; a partial line stays mutable but its published words fault (strict)', () => {
    const m = createHwMemory('sc', { initialWords: 256, publishedWrites: 'fault' });
    for (let a = 16; a < 40; a++) m.store32(a, a);
    m.publish(16, 24); // line 16..31 fully, line 32..47 partly
    expect(m.hw.memory.modeOf(16)).toBe('immutable');
    expect(m.hw.memory.modeOf(32)).toBe('mutable');
    expect(kindOf(() => m.store32(20, 0))).toBe('immutable-write');
    expect(kindOf(() => m.store32(35, 0))).toBe('immutable-write');
    expect(kindOf(() => m.cas32(39, 39, 0))).toBe('immutable-write');
    expect(kindOf(() => m.store32(40, 1))).toBe('none');
    m.setCore(2);
    expect(m.load32(17)).toBe(17);
    expect(m.hw.memory.l1StateOf(2, 17)).toBe('IMM');
    m.retire(16, 24);
    expect(m.hw.memory.modeOf(16)).toBe('mutable');
    expect(m.hw.memory.l1StateOf(2, 17)).toBe('I');
    expect(kindOf(() => m.store32(20, 0))).toBe('none');
    expect(m.hw.memory.checkInvariants()).toBeNull();
  });

  it('by default a write to a published word demotes it: its immutable line is reclaimed and goes back to MESI', () => {
    const m = createHwMemory('sc', { initialWords: 256 });
    for (let a = 0; a < 32; a++) m.store32(a, a);
    m.publish(0, 32);
    m.setCore(1);
    m.load32(3);
    m.load32(20);
    m.setCore(0);
    m.store32(3, 99); // e.g. the kernel's hash cache
    expect(m.demotions).toBe(1);
    expect(m.isPublished(3)).toBe(false);
    expect(m.isPublished(4)).toBe(true);
    expect(m.hw.memory.modeOf(3)).toBe('mutable');
    expect(m.hw.memory.modeOf(20)).toBe('immutable');
    expect(m.hw.memory.l1StateOf(1, 3)).toBe('I');
    expect(m.hw.memory.l1StateOf(1, 20)).toBe('IMM');
    m.setCore(1);
    expect(m.load32(3)).toBe(99);
    m.publish(3, 1); // re-published: the line is whole again
    expect(m.hw.memory.modeOf(3)).toBe('immutable');
    m.retire(0, 32);
    expect(m.hw.memory.modeOf(3)).toBe('mutable');
    expect(m.hw.memory.checkInvariants()).toBeNull();
  });

  it('setCore selects who issues: under TSO another core sees a store only after a fence', () => {
    const m = createHwMemory('tso', { initialWords: 64 });
    m.setCore(0);
    m.store32(3, 42);
    m.setCore(1);
    const before = m.load32(3);
    m.setCore(0);
    m.fence();
    m.setCore(1);
    expect(m.load32(3)).toBe(42);
    expect(m.hw.stats().drains).toBeGreaterThan(0);
    expect([0, 42]).toContain(before);
    expect(kindOf(() => m.setCore(9))).toBe('bad-core');
  });

  it('knows the three models and rejects others', () => {
    expect([...HW_MODELS]).toEqual(['sc', 'tso', 'relaxed']);
    expect(kindOf(() => createHwMemory('power'))).toBe('bad-config');
  });
});

describe('HwKernelMemory checkpoints and recorded calls', () => {
  /** A deterministic workload on several cores: stores, loads, CASes, fences, publishing, ticks, growth. */
  const work = (m: ReturnType<typeof createHwMemory>, salt: number): number[] => {
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      m.setCore(i % m.cores);
      const a = (i * 37 + salt) % 256;
      if (i % 5 === 0) m.fence();
      if (i % 3 === 0) m.store32(a, i + salt);
      else if (i % 7 === 0) seen.push(m.cas32(a, i, -i));
      else seen.push(m.load32(a));
      if (i % 50 === 0) m.tick();
      if (i === 200) m.publish(512, 32);
      if (i === 300) m.grow(4096);
    }
    seen.push(m.hw.stats().drains, m.hw.stats().totalMessages, m.size());
    return seen;
  };

  it('restore puts back every part of the state: the same calls then answer the same, with the same counters', () => {
    for (const model of HW_MODELS) {
      const m = createHwMemory(model, { initialWords: 1024 });
      work(m, 1);
      const cp = m.checkpoint();
      const first = work(m, 2);
      m.restore(cp);
      expect(work(m, 2)).toEqual(first);
      // and a memory restored to its creation state behaves as a new one
      const pristine = createHwMemory(model, { initialWords: 1024 });
      const fresh = pristine.checkpoint();
      work(pristine, 3);
      pristine.restore(fresh);
      expect(work(pristine, 4)).toEqual(work(createHwMemory(model, { initialWords: 1024 }), 4));
    }
  });

  it('a replay answers the recorded loads, and ends in the recorded end state', () => {
    const m = createHwMemory('relaxed', { initialWords: 1024 });
    const start = m.checkpoint();
    m.startRecording();
    const live = work(m, 5);
    const record = m.endRecording();
    const end = m.checkpoint();
    m.restore(start);
    m.startReplay(record);
    const replayed = work(m, 5).slice(0, -3); // the simulator's own counters are not calls: compare after endReplay
    m.endReplay(end);
    expect(replayed).toEqual(live.slice(0, -3));
    expect(m.checkpoint()).toEqual(end);
  });

  it('a replay that makes another call, or fewer calls, throws CallsDiverged', () => {
    const m = createHwMemory('tso', { initialWords: 1024 });
    m.startRecording();
    m.store32(3, 7);
    m.load32(3);
    const record = m.endRecording();
    const end = m.checkpoint();
    m.startReplay(record);
    expect(() => m.store32(3, 8)).toThrow(CallsDiverged);
    m.startReplay(record);
    m.store32(3, 7);
    expect(() => m.endReplay(end)).toThrow(CallsDiverged);
  });
});

describe('createRestorableRng', () => {
  it('gives the sequence createRng gives, and replays it from a saved state', () => {
    const a = createRng(99);
    const b = createRestorableRng(99);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    const s = b.state;
    const ys = Array.from({ length: 10 }, () => b.int(1000));
    b.state = s;
    expect(Array.from({ length: 10 }, () => b.int(1000))).toEqual(ys);
  });
});
