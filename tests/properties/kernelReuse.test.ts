// A campaign builds each case's kernels over the memory the previous case's kernels ran on
// (harness/engines/pool.ts, docs/adr/0044-kernel-reuse-in-campaigns.md). The property: after any
// case, a kernel built that way and a freshly built one give identical observations on the next
// case — every operation's outcome, every observation, the work counters the campaign's coverage
// reads — and, on the hardware model, the simulated memory is in exactly the state a fresh one is.
// The first case is generated as the campaign generates them (programs, authority blocks, so
// processes, atoms, watches, validators, registers, durable atoms, JIT-compiled code and GC
// slices are left behind), sometimes under small quotas (so quotas are exhausted), on clean
// kernels and on mutants; the test checks that those leftovers did occur. Fixed seeds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseGenerator, MUTANT_QUOTAS, select } from '../../harness/campaign/campaign.js';
import { build, type EngineHandle, type KernelSpare } from '../../harness/engines/registry.js';
import { KernelPool } from '../../harness/engines/pool.js';
import { fixup } from '../../harness/generators/fixup.js';
import type { FuzzCase } from '../../harness/generators/case.js';
import { runDifferential, type StepRecord } from '../../harness/oracles/differential.js';
import { HwKernelMemory } from '../../hw-model/index.js';
import { RESOURCE_ERRORS, type Kernel, type KernelStats, type Op, type Quotas } from '../../spec/Kernel.js';
import { MemoryStore } from '../../store/MemoryStore.js';

/** Kernels whose build reuses memory; mutants included (one single-core, one multi-core, one of the simulator). */
const KERNELS = ['optimized', 'optimized+hw:sc', 'optimized+hw:tso', 'optimized+hw:relaxed', 'optimized+mutant:gc-allocates-white', 'optimized+hw:relaxed+mutant:drop-publish-fence', 'optimized+hw:tso+mutant:hw-no-forwarding'];
const RUNS = 12;
/**
 * Appended to every first case: a held register, an atom, a program that builds a vector (past
 * the quotas of {@link TIGHT}: exhausted there) and runs compiled code, and collection slices
 * (a cycle left mid-way on the hardware model, whose slices are small).
 */
const LEFTOVERS: readonly Op[] = [
  { op: 'hold', pid: 0, reg: 7, value: '[1 2 3 "held"]' },
  { op: 'atom', pid: 0, value: '{:left [1 2 3] :over "x"}' },
  { op: 'load', pid: 0, program: '(defn grow [v i] (if (< i 3000) (grow (conj v i) (inc i)) v)) (grow [] 0)' },
  { op: 'run', pid: 0 },
  { op: 'gcStep' },
  { op: 'gcStep' },
];
/** Quotas small enough that generated cases exhaust them (heap cells, fuel, processes). */
const TIGHT: Partial<Quotas> = { ...MUTANT_QUOTAS, heapCells: 300, fuel: 20_000, treeProcesses: 3, maxProcesses: 4 };

interface Ran {
  readonly records: readonly StepRecord[];
  readonly stats: KernelStats | undefined;
}

/** Runs `c` on `kernel` alone, recording every step. */
function run(c: FuzzCase, name: string, kernel: Kernel): Ran {
  const r = runDifferential(c, [{ name, kernel }], { record: true, resourceErrors: 'compare' });
  return { records: r.records, stats: kernel.stats?.() };
}

/** What the campaign compares of a run: each step's outcome and observation (or what was thrown), and the counters. */
function seen(r: Ran): string {
  return JSON.stringify({ steps: r.records.map((s) => s.sides.map((x) => [x.outcome ?? null, x.observation ?? null, x.threw ?? null, x.invariant ?? null])), stats: r.stats ?? null });
}

/** The simulated memory of the kernel `pool` handed out last, if it runs on one. */
function lentMemory(pool: KernelPool): HwKernelMemory | undefined {
  const lent = (pool as unknown as { readonly lent: readonly { readonly spare: KernelSpare }[] }).lent;
  const m = (lent.at(-1)?.spare as unknown as { readonly memory?: unknown } | undefined)?.memory;
  return m instanceof HwKernelMemory ? m : undefined;
}

describe('kernels built over a previous case’s memory', () => {
  it(`behave exactly as fresh kernels on the next case (${KERNELS.length} kernels × ${RUNS} pairs of generated cases)`, async () => {
    const sel = await select(['reference', 'optimized'], true);
    const supports = new Set(sel.ops);
    const generate = caseGenerator(sel.ops, { authority: true });
    const mk = (seed: number, quotas: Partial<Quotas> | undefined, kernels: readonly string[]): FuzzCase => fixup(generate(seed), { seed, kernels, supports, ...(quotas !== undefined ? { quotas } : {}) }).case;
    const leftovers = new Map<string, number>();
    const note = (what: string): void => {
      leftovers.set(what, (leftovers.get(what) ?? 0) + 1);
    };
    let compared = 0;
    for (const name of KERNELS) {
      const h: EngineHandle = await build(name);
      await fc.assert(
        fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 0x7fffffff }), fc.boolean(), fc.boolean(), (seedA, seedB, smallA, debugB) => {
          const generated = mk(seedA, smallA ? TIGHT : undefined, [name]);
          const first: FuzzCase = { ...generated, ops: [...generated.ops, ...LEFTOVERS] };
          const next = { ...mk(seedB, undefined, [name]), ...(debugB ? { debug: true } : {}) };
          const options = (c: FuzzCase) => ({ ...(c.quotas !== undefined ? { quotas: c.quotas } : {}), ...(c.debug === true ? { debug: true } : {}), store: new MemoryStore() });
          // the dirty case, on a pooled kernel
          const pool = new KernelPool();
          const dirty = pool.build(h, options(first));
          const a = run(first, name, dirty);
          for (const s of a.records) {
            const o = s.sides[0]?.outcome;
            if (o !== undefined && !o.ok) note(RESOURCE_ERRORS.includes(o.error) ? 'quota exhausted' : `error ${o.error}`);
            if (o?.ok === true && /out-of-memory|fuel|quota|limit/.test(o.value)) note('quota exhausted in a program');
            if (o?.ok === true) note(String(s.op.op));
          }
          const st = a.stats;
          if ((st?.spawns ?? 0) > 0) note('processes spawned');
          if (Object.keys(st?.kernelCalls ?? {}).length > 0) note('programs made kernel calls');
          if (Object.keys(st?.kernelCalls ?? {}).some((k) => k.startsWith('durable'))) note('durable atoms used');
          const obs = a.records.at(-1)?.sides[0]?.observation;
          if ((obs?.processes ?? []).some((p) => (p.registers ?? []).length > 0)) note('registers held');
          if ((obs?.processes ?? []).some((p) => p.atoms.length > 0)) note('atoms held');
          pool.release();
          // the next case: on the reused memory, and on a fresh kernel
          const reused = pool.build(h, options(next));
          expect(pool.counts.reused).toBe(1);
          // on the simulator: the memory after a replayed construction is the memory after a live one
          const replayed = lentMemory(pool)?.checkpoint();
          if (replayed !== undefined) {
            const other = new KernelPool();
            other.build(h, options(next)); // a first build: constructed live (and recorded)
            expect(replayed).toEqual(lentMemory(other)!.checkpoint());
            note('simulated memory compared');
          }
          const b = run(next, name, reused);
          const fresh = run(next, name, h.build(options(next)));
          expect(seen(b)).toBe(seen(fresh));
          compared++;
        }),
        { numRuns: RUNS, seed: 42 },
      );
    }
    expect(compared).toBe(KERNELS.length * RUNS);
    // what the dirty cases left behind (the property is only as good as these)
    for (const what of ['simulated memory compared', 'durable atoms used', 'processes spawned', 'programs made kernel calls', 'registers held', 'atoms held', 'quota exhausted', 'addWatch', 'setValidator', 'load', 'run', 'gcStep', 'gc', 'fork', 'hold', 'swap']) {
      expect.soft(leftovers.get(what) ?? 0, `${what} (seen: ${[...leftovers.keys()].join(', ')})`).toBeGreaterThan(0);
    }
  }, 600_000);
});
