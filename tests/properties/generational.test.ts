// The optimized heap's young generation (docs/adr/0048-young-generation.md), held to the same
// observations as the reference kernel and as the same kernel without a young generation, on
// cases generated as the campaign generates them (programs, authority blocks) with a nursery so
// small that a minor collection runs after almost every operation, in increments spread over
// operations, in every phase of a major cycle, with the debug heap checks (NoDangling,
// ReachableNeverFreed, NoOldToYoung, Immutable) after every cycle. Then the corners no generated case reaches reliably: a large cell promoted
// in place and freed with its regions, and a minor collection with no room to copy into.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseGenerator, select } from '../../harness/campaign/campaign.js';
import { fixup } from '../../harness/generators/fixup.js';
import type { FuzzCase } from '../../harness/generators/case.js';
import { runDifferential } from '../../harness/oracles/differential.js';
import { createOptimizedKernel, createPlainMemory, type OptimizedKernel } from '../../optimized/index.js';
import { RegionKind } from '../../optimized/heap/Heap.js';
import { mapAssoc, mapCount, mapDissoc, mapForEach, mapGet, smallInt, WORDS } from '../../optimized/heap/values.js';
import { REGION_WORDS } from '../../optimized/heap/layout.js';
import { ReferenceKernel } from '../../reference/index.js';
import type { Op } from '../../spec/Kernel.js';
import { MemoryStore } from '../../store/MemoryStore.js';

const RUNS = 120;

function ok(k: OptimizedKernel, op: Op): string {
  const out = k.apply(op);
  if (!out.ok) throw new Error(`${op.op}: ${out.message}`);
  return out.value;
}

describe('young generation', () => {
  it(`agrees with the reference kernel and with no young generation on ${RUNS} generated cases, minors in every phase`, async () => {
    const sel = await select(['reference', 'optimized'], true);
    const supports = new Set(sel.ops);
    const generate = caseGenerator(sel.ops, { authority: true });
    const phases = new Map<string, number>();
    let promoted = 0;
    let youngFreed = 0;
    let moved = 0;
    let spanning = 0;
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const c: FuzzCase = fixup(generate(seed), { seed, kernels: ['reference', 'optimized'], supports }).case;
        const quotas = c.quotas !== undefined ? { quotas: c.quotas } : {};
        const young = createOptimizedKernel({ ...quotas, debug: true, gcNurseryWords: 32, gcStepBudget: 64, store: new MemoryStore() });
        const col = young.collector;
        const start = col.startMinor.bind(col);
        col.startMinor = () => {
          const phase = col.phase;
          const started = start();
          if (started) phases.set(phase, (phases.get(phase) ?? 0) + 1);
          return started;
        };
        const step = col.stepMinor.bind(col);
        col.stepMinor = (budget?: number) => {
          const going = step(budget);
          if (going) spanning++;
          return going;
        };
        const r = runDifferential(
          c,
          [
            { name: 'reference', kernel: new ReferenceKernel({ ...quotas, store: new MemoryStore() }) },
            { name: 'optimized (young generation)', kernel: young },
            { name: 'optimized (no young generation)', kernel: createOptimizedKernel({ ...quotas, debug: true, gcGenerational: false, gcStepBudget: 64, store: new MemoryStore() }) },
          ],
          { resourceErrors: 'poison' },
        );
        promoted += young.collector.stats.promoted;
        youngFreed += young.collector.stats.youngFreed;
        moved += young.collector.stats.moved;
        expect(r.verdict.kind === 'diverged' ? `${r.verdict.reason} at step ${r.verdict.step}: ${r.verdict.detail}` : 'agreed').toBe('agreed');
      }),
      { numRuns: RUNS, seed: 48 },
    );
    // The cases did exercise the mechanism: promotions, young garbage, evacuations, and minors
    // between the steps of a major cycle.
    expect(promoted).toBeGreaterThan(0);
    expect(youngFreed).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(0);
    expect(phases.get('idle') ?? 0).toBeGreaterThan(0);
    expect((phases.get('mark') ?? 0) + (phases.get('sweep') ?? 0) + (phases.get('evac') ?? 0)).toBeGreaterThan(0);
    // and minors left in progress between operations (a 64-word budget per increment)
    expect(spanning).toBeGreaterThan(0);
  }, 600_000);

  it('persistent maps that share structure across versions keep every version intact through minors interleaved with major cycles (heap-level workloads)', () => {
    // What no kernel operation does: new cells pointing into old values (path copying), old
    // versions kept or dropped by the host, minor increments and major steps between updates.
    const action = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('assoc' as const), key: fc.nat(300), val: fc.integer({ min: -1000, max: 1000 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('dissoc' as const), key: fc.nat(300) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'keep' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
      { weight: 3, arbitrary: fc.constant({ kind: 'gcStep' as const }) },
    );
    const run = (actions: readonly { kind: string; key?: number; val?: number }[], seeded: readonly string[]): string | null => {
      const k = createOptimizedKernel({ gcNurseryWords: 256, gcStepBudget: 32 });
      const H = k.heap;
      const c = k.collector;
      if (seeded.length > 0) H.flags.seeded = new Set(seeded);
      let cur = { w: WORDS.emptyMap, model: new Map<number, number>() };
      const kept: (typeof cur)[] = [];
      const roots = (): void => {
        k.hostRoots.clear();
        k.hostRoots.add(cur.w);
        for (const v of kept) k.hostRoots.add(v.w);
      };
      const check = (v: typeof cur): string | null => {
        if (mapCount(H, v.w) !== v.model.size) return `count ${mapCount(H, v.w)} ≠ ${v.model.size}`;
        const seen = new Map<number, number>();
        mapForEach(H, v.w, (key, val) => seen.set(key >> 1, val >> 1));
        for (const [key, val] of v.model) if (seen.get(key) !== val || mapGet(H, v.w, smallInt(key)) !== smallInt(val)) return `key ${key}: ${String(seen.get(key))} ≠ ${val}`;
        return null;
      };
      for (const a of actions) {
        if (a.kind === 'assoc') {
          cur = { w: mapAssoc(H, cur.w, smallInt(a.key!), smallInt(a.val!)), model: new Map(cur.model).set(a.key!, a.val!) };
        } else if (a.kind === 'dissoc') {
          const model = new Map(cur.model);
          model.delete(a.key!);
          cur = { w: mapDissoc(H, cur.w, smallInt(a.key!)), model };
        } else if (a.kind === 'keep') {
          kept.push(cur);
          if (kept.length > 4) kept.shift();
        } else if (a.kind === 'drop') kept.shift();
        roots();
        if (a.kind === 'gcStep') {
          c.stepMinor();
          c.step();
        } else c.pace(64);
        for (const v of [cur, ...kept]) {
          const bad = check(v);
          if (bad !== null) return bad;
        }
      }
      return null;
    };
    const property = (seeded: readonly string[]) => fc.property(fc.array(action, { minLength: 200, maxLength: 1000 }), (actions) => run(actions, seeded) === null);
    fc.assert(property([]), { numRuns: 40, seed: 4811 });
    // Teeth: a heap-level seeded bug (promotion re-encoding a map as a struct without keeping the
    // map's own cells, which versions made since share) breaks a version the host still holds.
    expect(fc.check(property(['gc-reencode-no-barrier']), { numRuns: 40, seed: 4811, endOnFailure: true }).failed).toBe(true);
  }, 300_000);

  it('long runs of persistent inserts (random key order, pacing, size) keep every key', () => {
    // Minors complete while a major cycle marks only once the old generation is large enough to
    // start one: 60,000 inserts and more.
    const run = (n: number, every: number, salt: number, seeded: readonly string[]): number => {
      const k = createOptimizedKernel();
      const H = k.heap;
      if (seeded.length > 0) H.flags.seeded = new Set(seeded);
      const keyOf = (i: number): number => (Math.imul(i ^ salt, 0x9e3779b1) >>> 2) % 0x3fffffff;
      let m = WORDS.emptyMap;
      let last = 0;
      for (let i = 0; i < n; i++) {
        m = mapAssoc(H, m, smallInt(keyOf(i)), smallInt(i));
        if (i % every === every - 1) {
          k.hostRoots.clear();
          k.hostRoots.add(m);
          k.collector.pace(H.counters.wordsAllocated - last);
          last = H.counters.wordsAllocated;
        }
      }
      let lost = 0;
      for (let i = 0; i < n; i++) if (mapGet(H, m, smallInt(keyOf(i))) !== smallInt(i)) lost++;
      return lost;
    };
    const params = fc.tuple(fc.integer({ min: 60_000, max: 90_000 }), fc.integer({ min: 64, max: 512 }), fc.nat(1 << 20));
    fc.assert(fc.property(params, ([n, every, salt]) => run(n, every, salt, []) === 0), { numRuns: 5, seed: 77 });
    // Teeth: the heap-level seeded bug `gc-minor-frees-while-marking` (a minor freeing its garbage
    // while a major cycle marks, so the marking misses cells only new, never-scanned cells share).
    expect(fc.check(fc.property(params, ([n, every, salt]) => run(n, every, salt, ['gc-minor-frees-while-marking']) === 0), { numRuns: 12, seed: 77, endOnFailure: true }).failed).toBe(true);
  }, 300_000);

  it('promotes a large cell where it is, and frees a dead one with its regions', () => {
    // No minor until asked (a huge nursery): the cells stay young until the test collects.
    const k = createOptimizedKernel({ debug: true, gcNurseryWords: 1e9 });
    const H = k.heap;
    const big = `"${'x'.repeat(3 * REGION_WORDS)}"`; // one string cell spanning several regions
    ok(k, { op: 'atom', pid: 0, value: `[${big} 1]` });
    const largeYoung = (): number[] => H.youngRegions.filter((r) => H.regionKind[r] === RegionKind.Large);
    expect(largeYoung().length).toBe(1);
    const r = largeYoung()[0]!;
    ok(k, { op: 'gcStep' }); // the minor promotes it: its regions become old, nothing is copied
    expect(H.regionYoung[r]).toBe(0);
    expect(H.regionKind[r]).toBe(RegionKind.Large);
    expect(ok(k, { op: 'deref', pid: 0, ref: 0 })).toBe(`[[${big} 1] 0]`);
    // A second one that dies young: the minor frees its handle and its regions.
    ok(k, { op: 'hold', pid: 0, reg: 0, value: big });
    ok(k, { op: 'hold', pid: 0, reg: 0, value: null });
    const dead = largeYoung()[0]!;
    const span = H.regionSpan[dead]!;
    const free = H.freeRegionCount;
    while (k.collector.phase !== 'idle') k.collector.step();
    k.collector.minor();
    expect(H.regionKind[dead]).toBe(RegionKind.Free);
    expect(H.freeRegionCount).toBeGreaterThanOrEqual(free + span);
    k.checkInvariants();
    expect(ok(k, { op: 'deref', pid: 0, ref: 0 })).toBe(`[[${big} 1] 0]`);
  });

  it('with no room to copy into, the young regions become old as they are and nothing is lost', () => {
    // No minor until asked (a huge nursery), and a memory that cannot grow past 2^19 words.
    const k = createOptimizedKernel({ debug: true, gcNurseryWords: 1e9, memory: createPlainMemory({ initialWords: 1 << 18, maxWords: 1 << 19 }) });
    const H = k.heap;
    const value = (i: number): string => `[${i} "${'v'.repeat(200)}" ${i}]`;
    let atoms = 0;
    // Live young values (each atom keeps its own) until the memory is full.
    while (k.apply({ op: 'atom', pid: 0, value: value(atoms) }).ok) atoms++;
    expect(atoms).toBeGreaterThan(100);
    const young = [...H.youngRegions];
    expect(young.length).toBeGreaterThan(1);
    const freeBefore = H.freeRegionCount;
    k.collector.minor();
    // Nothing could be copied out, so nothing was freed: the young regions are old cells regions now.
    expect(H.youngRegions).toEqual([]);
    for (const r of young) {
      expect(H.regionYoung[r]).toBe(0);
      expect(H.regionKind[r]).toBe(RegionKind.Cells);
    }
    expect(H.freeRegionCount).toBe(freeBefore);
    k.checkInvariants();
    const seen = k.observe().processes[0]!.atoms;
    expect(seen.length).toBe(atoms);
    for (const a of seen) expect(a.value).toBe(value(a.ref));
    // And the kernel goes on: a full collection, then more values.
    ok(k, { op: 'gc' });
    k.checkInvariants();
  });
});
