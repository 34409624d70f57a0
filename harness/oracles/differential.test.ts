// Meta-tests: the oracles can fail. Hand-broken wrappers around the spec kernel must be told apart
// from the real one, with the right typed verdict; harmless differences (error messages) must not.
import { describe, expect, it } from 'vitest';
import { createSpecKernel } from '../../spec/SpecEngine.js';
import { fail, type Kernel, type Observation, type Op, type Outcome } from '../../spec/Kernel.js';
import { FUZZ_CASE_VERSION, type CaseOp, type FuzzCase } from '../generators/case.js';
import { runDifferential } from './differential.js';
import { InvariantChecker } from './invariants.js';

const spec = (): Kernel => createSpecKernel();
const wrap = (patch: (op: Op, real: Kernel) => Outcome | undefined, observe?: (k: Kernel) => ReturnType<Kernel['observe']>): Kernel => {
  const real = createSpecKernel();
  return { name: 'broken', supports: real.supports, apply: (op) => patch(op, real) ?? real.apply(op), observe: () => (observe ? observe(real) : real.observe()) };
};
const mk = (ops: Op[]): FuzzCase => ({ version: FUZZ_CASE_VERSION, seed: 0, kernels: ['a', 'b'], ops });
const ops: Op[] = [
  { op: 'atom', pid: 0, value: '[1 2]' },
  { op: 'reset', pid: 0, ref: 0, value: ':x' },
  { op: 'cas', pid: 0, ref: 0, stamp: 0, value: ':y' },
  { op: 'deref', pid: 0, ref: 0 },
];

describe('differential oracle', () => {
  it('agrees on identical kernels, even when error messages differ', () => {
    const b = wrap((op, real) => {
      const o = real.apply(op);
      return o.ok ? o : fail(o.error, 'another message');
    });
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }]);
    expect(r.verdict.kind).toBe('agree');
  });

  it('diverges on a different ok value, at the right step, with both sides', () => {
    const b = wrap((op, real) => (op.op === 'deref' ? (real.apply(op), { ok: true, value: '[:x 9]' }) : undefined));
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }], { invariants: false });
    expect(r.verdict).toMatchObject({ kind: 'diverged', step: 3, reason: 'outcome' });
    if (r.verdict.kind === 'diverged') expect(r.verdict.sides.map((s) => s.kernel)).toEqual(['a', 'b']);
  });

  it('diverges on a different error kind (a cas that ignores stamps)', () => {
    const b = wrap((op, real) => (op.op === 'cas' ? real.apply({ ...op, stamp: 1 }) : undefined));
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }], { invariants: false });
    expect(r.verdict).toMatchObject({ kind: 'diverged', step: 2, reason: 'outcome' });
  });

  it('diverges on observations alone', () => {
    const b = wrap(() => undefined, (k) => ({ processes: k.observe().processes.map((p) => ({ ...p, output: ['ghost'] })) }));
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }], { invariants: false });
    expect(r.verdict).toMatchObject({ kind: 'diverged', step: 0, reason: 'observation' });
  });

  it('reports a kernel that throws as diverged, never as agreement', () => {
    const b = wrap((op) => {
      if (op.op === 'reset') throw new Error('boom');
      return undefined;
    });
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }]);
    expect(r.verdict).toMatchObject({ kind: 'diverged', step: 1, reason: 'threw' });
  });

  it('stops comparing at a resource error (poisoned), or compares it exactly when asked', () => {
    const b = wrap((op) => (op.op === 'reset' ? fail('out-of-memory', 'quota') : undefined));
    const poisoned = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: b }]);
    expect(poisoned.verdict).toMatchObject({ kind: 'poisoned', step: 1, kernel: 'b', error: 'out-of-memory' });
    const strict = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }, { name: 'b', kernel: wrap((op) => (op.op === 'reset' ? fail('out-of-memory', 'quota') : undefined)) }], { resourceErrors: 'compare' });
    expect(strict.verdict).toMatchObject({ kind: 'diverged', step: 1, reason: 'outcome' });
  });

  it('records every step for replay tables', () => {
    const r = runDifferential(mk(ops), [{ name: 'a', kernel: spec() }], { record: true });
    expect(r.records.map((x) => x.step)).toEqual([0, 1, 2, 3]);
    expect(r.records.every((x) => !x.differs)).toBe(true);
  });
});

describe('invariant oracle', () => {
  it('flags a failed operation that changed the state', () => {
    const b = wrap((op, real) => {
      if (op.op !== 'cas') return undefined;
      real.apply({ op: 'reset', pid: op.pid, ref: op.ref, value: op.value });
      return fail('stale-stamp', 'pretend');
    });
    const r = runDifferential(mk([...ops.slice(0, 2), { op: 'cas', pid: 0, ref: 0, stamp: 7, value: ':z' }]), [{ name: 'b', kernel: b }]);
    expect(r.verdict).toMatchObject({ kind: 'diverged', reason: 'invariant' });
    if (r.verdict.kind === 'diverged') expect(r.verdict.detail).toMatch(/FailureChangesNothing/);
  });

  it('accepts a write that landed before a watch of the writer failed, and no write refused by a stale stamp', () => {
    const before = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '1', stamp: 0 }], output: [], registers: [] }] };
    const written = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '2', stamp: 1 }], output: [], registers: [] }] };
    const check = (op: CaseOp, kind: 'program-error' | 'stale-stamp', after: Observation): string | null => {
      const c = new InvariantChecker();
      expect(c.check({ op: 'atom', pid: 0, value: '1' }, { ok: true, value: '#atom 0' }, { processes: [{ pid: 0, atoms: [], output: [], registers: [] }] }, before)).toBeNull();
      return c.check(op, fail(kind, 'x'), before, after);
    };
    expect(check({ op: 'reset', pid: 0, ref: 0, value: '2' }, 'program-error', written)).toBeNull();
    expect(check({ op: 'reset', pid: 0, ref: 0, value: '3' }, 'program-error', written)).toMatch(/FailureChangesNothing/);
    expect(check({ op: 'cas', pid: 0, ref: 0, stamp: 0, value: '2' }, 'stale-stamp', written)).toMatch(/FailureChangesNothing/);
  });

  it('flags a write that bumps the stamp by two', () => {
    const b = wrap((op, real) => (op.op === 'reset' ? (real.apply(op), real.apply(op)) : undefined));
    const r = runDifferential(mk(ops), [{ name: 'b', kernel: b }]);
    expect(r.verdict.kind === 'diverged' ? r.verdict.detail : '').toMatch(/WriteBumpsStampByOne/);
  });

  it('accepts watches writing the atom again inside a write only once programs run', () => {
    const empty = { processes: [{ pid: 0, atoms: [], output: [], registers: [] }] };
    const before = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '0', stamp: 0 }], output: [], registers: [] }] };
    const rewritten = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '65', stamp: 65 }], output: [], registers: [] }] };
    const check = (loaded: boolean, op: CaseOp, value: string): string | null => {
      const c = new InvariantChecker();
      if (loaded) expect(c.check({ op: 'load', pid: 0, program: '(add-watch (atom 0) :w (fn [k r o n] nil))' }, { ok: true, value: 'nil' }, empty, empty)).toBeNull();
      expect(c.check({ op: 'atom', pid: 0, value: '0' }, { ok: true, value: '#atom 0' }, empty, before)).toBeNull();
      return c.check(op, { ok: true, value }, before, rewritten);
    };
    expect(check(true, { op: 'reset', pid: 0, ref: 0, value: '1' }, '1')).toBeNull();
    expect(check(false, { op: 'reset', pid: 0, ref: 0, value: '1' }, '1')).toMatch(/WriteBumpsStampByOne.*no program has run/);
    // a cas answers its own write's stamp, whatever the watches wrote after it
    expect(check(true, { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '1' }, '1')).toBeNull();
    expect(check(true, { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '1' }, '65')).toMatch(/cas returned 65/);
  });

  it('flags fork isolation broken (a child write visible in the parent)', () => {
    const c = new InvariantChecker();
    const before = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '1', stamp: 0 }], output: [], registers: [] }] };
    const forked = { processes: [before.processes[0]!, { pid: 1, atoms: [{ ref: 0, value: '1', stamp: 0 }], output: [], registers: [] }] };
    expect(c.check({ op: 'atom', pid: 0, value: '1' }, { ok: true, value: '#atom 0' }, { processes: [{ pid: 0, atoms: [], output: [], registers: [] }] }, before)).toBeNull();
    expect(c.check({ op: 'fork', pid: 0 }, { ok: true, value: '1' }, before, forked)).toBeNull();
    const leaked = { processes: [{ pid: 0, atoms: [{ ref: 0, value: '2', stamp: 1 }], output: [], registers: [] }, { pid: 1, atoms: [{ ref: 0, value: '2', stamp: 1 }], output: [], registers: [] }] };
    expect(c.check({ op: 'reset', pid: 1, ref: 0, value: '2' }, { ok: true, value: '2' }, forked, leaked)).toMatch(/WriteIsolation/);
  });
});
