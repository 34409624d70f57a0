import { describe, expect, it } from 'vitest';
import { HwFault } from './errors.js';
import { MemorySystem } from './memsys.js';
import { createRng } from './rng.js';

const mk = (immutableAware = true, cores = 4) => new MemorySystem({ cores, memWords: 4096, l1Sets: 4, l1Ways: 2, llcSets: 16, llcWays: 4, immutableAware });

describe('directory MESI on mutable lines', () => {
  it('grants E to a lone reader, S to later readers, and invalidates sharers on a write', () => {
    const m = mk();
    m.read(0, 0);
    expect(m.l1StateOf(0, 0)).toBe('E');
    m.read(1, 0);
    expect([m.l1StateOf(0, 0), m.l1StateOf(1, 0)]).toEqual(['S', 'S']);
    m.read(2, 0);
    m.write(1, 3, 42);
    expect([m.l1StateOf(0, 0), m.l1StateOf(1, 0), m.l1StateOf(2, 0)]).toEqual(['I', 'M', 'I']);
    const s = m.stats();
    expect(s.invalidations).toBe(2);
    expect(s.messages.Upgrade).toBe(1);
    expect(s.messages.Inv).toBe(2);
    expect(s.messages.InvAck).toBe(2);
    expect(m.read(0, 3)).toBe(42);
    expect(m.l1StateOf(1, 0)).toBe('S');
    expect(m.checkInvariants()).toBeNull();
  });

  it('CAS takes ownership and compares', () => {
    const m = mk();
    expect(m.cas(0, 8, 0, 5)).toBe(0);
    expect(m.cas(1, 8, 0, 6)).toBe(5);
    expect(m.peek(8)).toBe(5);
    expect(m.l1StateOf(1, 8)).toBe('M');
    expect(m.l1StateOf(0, 8)).toBe('I');
  });

  it('evicts with the LRU victim and sends Put messages', () => {
    const m = mk(true, 1);
    // 4 sets × 2 ways, 8-word lines: lines 0, 4, 8 map to set 0.
    m.write(0, 0, 1);
    m.read(0, 32);
    m.read(0, 0);
    m.read(0, 64); // evicts line 4 (address 32), the least recently used
    expect(m.l1StateOf(0, 32)).toBe('I');
    expect(m.l1StateOf(0, 0)).toBe('M');
    expect(m.stats().messages.PutE).toBe(1);
  });
});

describe('immutable lines', () => {
  it('are read-shared by every core with no coherence message, never invalidated, and writes fault', () => {
    const m = mk();
    m.beginInit(0, 64, 16);
    m.write(0, 64, 9);
    m.write(0, 72, 10);
    expect(() => m.write(1, 64, 1)).toThrow(HwFault);
    m.markImmutable(64, 16);
    const before = m.stats().coherenceMessages;
    for (let c = 0; c < 4; c++) expect(m.read(c, 64) + m.read(c, 72)).toBe(19);
    for (let c = 0; c < 4; c++) expect(m.l1StateOf(c, 64)).toBe('IMM');
    expect(m.stats().coherenceMessages).toBe(before);
    expect(m.stats().messages.ImmGet).toBeGreaterThan(0);
    let kind = '';
    try {
      m.write(2, 64, 0);
    } catch (e) {
      kind = (e as HwFault).kind;
    }
    expect(kind).toBe('immutable-write');
    expect(() => m.cas(0, 72, 10, 11)).toThrow(/immutable/);
    expect(m.stats().invalidations).toBe(0);
    expect(m.stats().faults).toBe(3);
    expect(m.checkInvariants()).toBeNull();
  });

  it('plain MESI tracks the same lines in the directory (messages), but still faults on writes', () => {
    const m = mk(false);
    m.beginInit(0, 64, 8);
    m.write(0, 64, 9);
    m.markImmutable(64, 8);
    const before = m.stats().coherenceMessages;
    for (let c = 0; c < 4; c++) m.read(c, 64);
    expect(m.stats().coherenceMessages).toBeGreaterThan(before);
    expect(m.l1StateOf(1, 64)).toBe('S');
    expect(() => m.write(1, 64, 0)).toThrow(HwFault);
  });

  it('reclaim drops every immutable copy and makes the lines allocatable again', () => {
    const m = mk();
    m.beginInit(0, 0, 8);
    m.markImmutable(0, 8);
    m.read(1, 0);
    m.read(2, 0);
    m.reclaim(0, 8);
    expect(m.stats().reclaimDrops).toBe(2);
    expect(m.l1StateOf(1, 0)).toBe('I');
    expect(m.modeOf(0)).toBe('mutable');
    m.beginInit(3, 0, 8);
    m.write(3, 0, 1);
    expect(m.checkInvariants()).toBeNull();
  });

  it('rejects misaligned ranges and bad addresses with typed faults', () => {
    const m = mk();
    const kindOf = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return (e as HwFault).kind;
      }
      return 'none';
    };
    expect(kindOf(() => m.markImmutable(3, 8))).toBe('bad-range');
    expect(kindOf(() => m.read(0, 1 << 20))).toBe('bad-address');
    expect(kindOf(() => m.read(9, 0))).toBe('bad-core');
    expect(kindOf(() => new MemorySystem({ cores: 2, memWords: 64, lineWords: 6 }))).toBe('bad-config');
  });
});

describe('protocol invariants under a seeded random workload', () => {
  it.each([true, false])('hold with immutableAware=%s', (aware) => {
    const m = mk(aware);
    const rng = createRng(7);
    const expected = new Float64Array(4096);
    let nextFree = 2048;
    const published: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const c = rng.int(4);
      const r = rng.next();
      if (r < 0.4) {
        const a = rng.int(256);
        expect(m.read(c, a)).toBe(expected[a]);
      } else if (r < 0.6) {
        const a = rng.int(256);
        m.write(c, a, i);
        expected[a] = i;
      } else if (r < 0.8 && published.length > 0) {
        const a = published[rng.int(published.length)] + rng.int(8);
        expect(m.read(c, a)).toBe(expected[a]);
      } else if (nextFree + 8 <= 4096) {
        m.beginInit(c, nextFree, 8);
        for (let k = 0; k < 8; k++) {
          m.write(c, nextFree + k, i + k);
          expected[nextFree + k] = i + k;
        }
        m.markImmutable(nextFree, 8);
        published.push(nextFree);
        nextFree += 8;
      }
      if (i % 997 === 0) expect(m.checkInvariants()).toBeNull();
    }
    expect(m.checkInvariants()).toBeNull();
  });
});
