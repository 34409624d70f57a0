/**
 * Tier 2 against the reference interpreter on random programs of the numeric subset: the same
 * value, or a fallback exactly when the reference ends in a program error (overflow, division
 * by zero, `byte-at` out of range), on numeric programs and on byte-string scans. Also meta-tests: the seeded miscompile (`<` as `<=`) and the seeded range bug (overflow checks dropped on a loop variable's initial range) are caught by the same property.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReferenceKernel } from '../../../reference/kernel.js';
import { RESOURCE_ERRORS, type Outcome } from '../../../spec/Kernel.js';
import { analyze, compileManySync, tier2Available, type Plan, type Tier2Code, type Tier2Options } from './index.js';
import { compileSource } from '../../../harness/jit/compileSource.js';
import { generateByteScanProgram, generateNumericProgram, type ByteScanProgram, type NumericProgram } from '../../../harness/jit/programs.js';

const available = tier2Available();
if (!available.ok) console.warn(`[tier 2] differential tests skipped: ${available.reason}`);
const suite = available.ok ? describe : describe.skip;

const SEED = Number(process.env.TIER2_SEED ?? 20240607);
const BATCH = 25;
const RUNS = Number(process.env.TIER2_BATCHES ?? 16);
const FUEL = 10_000_000;
const MAX_DEPTH = 10_000;

/** The verdict of one program: agreement, a resource limit hit by the reference (not compared), or a difference. */
type Verdict = { readonly kind: 'agree' | 'poisoned' } | { readonly kind: 'diverged'; readonly detail: string };

let kernel = new ReferenceKernel();
let programsRun = 0;

function reference(source: string): Outcome {
  // A fresh kernel now and then keeps the namespace small; `defn`s of the same names replace each other.
  if (++programsRun % 50 === 0) kernel = new ReferenceKernel();
  const loaded = kernel.apply({ op: 'load', pid: 0, program: source });
  if (!loaded.ok) return loaded;
  return kernel.apply({ op: 'run', pid: 0 });
}

function judge(p: NumericProgram | ByteScanProgram, ref: Outcome, code: Tier2Code, tally?: { ok: number; fallback: number }): Verdict {
  if (!ref.ok && RESOURCE_ERRORS.includes(ref.error)) return { kind: 'poisoned' };
  const r = code.entry(p.args, FUEL, 1, MAX_DEPTH);
  if (r.status === 'fallback') {
    if (tally !== undefined) tally.fallback++;
    return !ref.ok && ref.error === 'program-error' ? { kind: 'agree' } : { kind: 'diverged', detail: `tier 2 fell back; reference: ${ref.ok ? ref.value : `${ref.error}: ${ref.message}`}` };
  }
  if (tally !== undefined) tally.ok++;
  if (!ref.ok) return { kind: 'diverged', detail: `tier 2 returned ${String(r.value)}; reference: ${ref.error}: ${ref.message}` };
  return String(r.value) === ref.value ? { kind: 'agree' } : { kind: 'diverged', detail: `tier 2 returned ${String(r.value)}; reference: ${ref.value}` };
}

/** Plans a generated program's entry; every generated program must be eligible. */
function plan(p: NumericProgram | ByteScanProgram): Plan {
  const prog = compileSource(p.source);
  const lambda = prog.fns.get(p.entry);
  if (lambda === undefined) throw new Error(`no function ${p.entry} in\n${p.source}`);
  const a = analyze(lambda.arities[0]!, prog.resolve);
  if (!a.ok) throw new Error(`generated program not eligible: ${a.reason}\n${p.source}`);
  return a.plan;
}

const programs = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(generateNumericProgram);
const scans = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(generateByteScanProgram);
const SCAN_RUNS = Number(process.env.TIER2_SCAN_BATCHES ?? 8);

/** The property over a batch of programs (compiled by one llc run: its start-up dominates). */
function property(opts: Tier2Options, tally?: { ok: number; fallback: number }, gen: fc.Arbitrary<NumericProgram | ByteScanProgram> = programs) {
  return fc.property(fc.array(gen, { minLength: BATCH, maxLength: BATCH }), (batch) => {
    const refs = batch.map((p) => reference(p.source));
    const codes = compileManySync(batch.map(plan), opts);
    batch.forEach((p, i) => {
      const v = judge(p, refs[i]!, codes[i]!, tally);
      if (v.kind === 'diverged') throw new Error(`${v.detail}\nprogram:\n${p.source}`);
    });
  });
}

suite('tier 2 vs the reference interpreter', () => {
  it(`agrees on ${RUNS * BATCH} random numeric programs (seed ${SEED})`, () => {
    const tally = { ok: 0, fallback: 0 };
    fc.assert(property({}, tally), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    // The property means something only if both outcomes occur often.
    expect(tally.ok).toBeGreaterThan((RUNS * BATCH) / 4);
    expect(tally.fallback).toBeGreaterThan((RUNS * BATCH) / 20);
    console.log(`[tier 2] ${tally.ok} values and ${tally.fallback} fallbacks agreed with the reference`);
  });

  it(`agrees on ${SCAN_RUNS * BATCH} random byte-string scans (seed ${SEED})`, () => {
    const tally = { ok: 0, fallback: 0 };
    fc.assert(property({}, tally, scans), { seed: SEED, numRuns: SCAN_RUNS, endOnFailure: true });
    expect(tally.ok).toBeGreaterThan((SCAN_RUNS * BATCH) / 4);
    expect(tally.fallback).toBeGreaterThan((SCAN_RUNS * BATCH) / 20);
    console.log(`[tier 2] byte-string scans: ${tally.ok} values and ${tally.fallback} fallbacks agreed with the reference`);
  });

  it(`agrees without the optimizer too (llc alone: what runs where opt-14 is missing), ${(RUNS / 4) * BATCH} programs`, () => {
    const tally = { ok: 0, fallback: 0 };
    fc.assert(property({ optimize: false }, tally), { seed: SEED + 1, numRuns: RUNS / 4, endOnFailure: true });
    expect(tally.ok).toBeGreaterThan((RUNS * BATCH) / 16);
  });

  it('catches the seeded range bug (loop variables bounded by their initial values: dropped overflow checks) with the same property', () => {
    const out = fc.check(property({ rangeLoopInit: true }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    expect(out.failed).toBe(true);
    console.log(`[tier 2] range bug caught in batch ${out.numRuns} (of ${BATCH} programs): ${String(out.errorInstance).split('\n')[0]}`);
  });

  it('catches the seeded miscompile (`<` compiled as `<=`) with the same property', () => {
    const out = fc.check(property({ miscompileCompare: true }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    expect(out.failed).toBe(true);
    console.log(`[tier 2] miscompile caught in batch ${out.numRuns} (of ${BATCH} programs): ${String(out.errorInstance).split('\n')[0]}`);
  });
});
