/**
 * Trace validation property: ≥ 10^4 random operation sequences (several processes, forks,
 * shares, validators, watches, registers, collections) with a fixed seed; every step of the
 * reference kernel (in debug mode: heap invariants checked after every collection) must map
 * to the spec's action or a stutter. TRACE_RUNS / TRACE_SEED override the defaults.
 * The meta-tests show the validator catches seeded bugs at the op level.
 */
import { describe, expect, test } from 'vitest';
import type { Op } from '../../spec/Kernel.js';
import { Prng } from '../../reference/index.js';
import { TraceValidator, type InspectableKernel, type TraceViolation } from '../../harness/oracles/trace.js';
import { createOptimizedKernel } from '../../optimized/index.js';
import { createHwMemory } from '../../hw-model/index.js';
import { nextOp } from '../../harness/generators/traceOps.js';

const RUNS = Number(process.env.TRACE_RUNS ?? 10_000);
const SEED = Number(process.env.TRACE_SEED ?? 20261124);
const MAX_LEN = 30;

/** Runs `runs` random sequences; returns the first violation (with its sequence) and action counts. */
function campaign(runs: number, seed: number, mutants: string[] = [], make?: (mutants: string[]) => InspectableKernel): { violation: (TraceViolation & { ops: Op[]; run: number }) | null; actions: Map<string, number>; steps: number } {
  const rng = new Prng(seed);
  const actions = new Map<string, number>();
  let steps = 0;
  for (let run = 0; run < runs; run++) {
    const v = new TraceValidator({ debug: true, mutants }, make?.(mutants));
    const len = 1 + Math.floor(rng.next() * MAX_LEN);
    const ops: Op[] = [];
    for (let i = 0; i < len; i++) {
      const op = nextOp(rng, v.spec);
      ops.push(op);
      const bad = v.step(op);
      steps++;
      if (bad !== null) return { violation: { ...bad, ops, run }, actions, steps };
    }
    for (const a of v.actions) actions.set(a, (actions.get(a) ?? 0) + 1);
  }
  return { violation: null, actions, steps };
}

describe('trace validation of the reference kernel', () => {
  test(`${RUNS} random op sequences (seed ${SEED}) map step by step to spec actions or stutters`, () => {
    const t0 = performance.now();
    const { violation, actions, steps } = campaign(RUNS, SEED);
    const seconds = (performance.now() - t0) / 1000;
    if (violation !== null) {
      throw new Error(`run ${violation.run}, step ${violation.step}: ${violation.reason}\n op: ${JSON.stringify(violation.op)}\n expected: ${violation.expected}\n actual:   ${violation.actual}\n replay: ${JSON.stringify(violation.ops)}`);
    }
    // every action of the spec was exercised, and refusals/reads (stutters) too
    for (const a of ['NewAtom', 'Deref', 'Reset', 'CAS', 'CompareAndSet', 'Swap', 'SetValidator', 'AddWatch', 'RemoveWatch', 'Share', 'Spawn', 'Fork', 'Exit', 'Hold', 'Drop', 'Stutter'])
      expect(actions.get(a) ?? 0, a).toBeGreaterThan(0);
    console.log(`trace validation: ${RUNS} sequences, ${steps} steps in ${seconds.toFixed(1)} s; actions ${JSON.stringify(Object.fromEntries(actions))}`);
  });

  // Meta-tests: the validator must notice op-level seeded bugs.
  for (const m of ['fork-shares-private', 'share-by-non-creator', 'reset-skips-validator', 'cas-compares-values', 'hash-mismatch', 'watch-before-write', 'gc-ignores-registers']) {
    test(`catches the seeded bug ${m}`, () => {
      const { violation } = campaign(2_000, SEED, [m]);
      expect(violation).not.toBeNull();
    });
  }
});

/** The optimized kernel on each tier and memory backend, read through its `inspect()`. */
const OPTIMIZED: Readonly<Record<string, (mutants: string[]) => InspectableKernel>> = {
  optimized: (mutants) => createOptimizedKernel({ debug: true, mutants }),
  'optimized+tier:0': (mutants) => createOptimizedKernel({ debug: true, mutants, tier: 0 }),
  'optimized+hw:relaxed': (mutants) => createOptimizedKernel({ debug: true, mutants, memory: createHwMemory('relaxed') }),
};

describe('trace validation of the optimized kernel (every tier and memory backend)', () => {
  for (const [name, make] of Object.entries(OPTIMIZED)) {
    // the hardware model simulates every memory access: fewer sequences there
    const runs = name.includes('+hw') ? 300 : 1_500;
    test(`${name}: ${runs} random op sequences (seed ${SEED}) map step by step to spec actions or stutters`, () => {
      const { violation, actions } = campaign(runs, SEED, [], make);
      if (violation !== null) throw new Error(`run ${violation.run}, step ${violation.step}: ${violation.reason}\n expected: ${violation.expected}\n actual:   ${violation.actual}\n replay: ${JSON.stringify(violation.ops)}`);
      for (const a of ['NewAtom', 'Swap', 'SetValidator', 'AddWatch', 'Share', 'Fork', 'Hold', 'Drop']) expect(actions.get(a) ?? 0, a).toBeGreaterThan(0);
    }, 300_000);
  }
  for (const m of ['fork-shares-private', 'share-by-non-creator', 'cas-compares-values', 'hold-clears-registers', 'fork-drops-register']) {
    test(`catches the seeded bug ${m}`, () => {
      expect(campaign(2_000, SEED, [m], OPTIMIZED.optimized).violation).not.toBeNull();
    }, 300_000);
  }
});
