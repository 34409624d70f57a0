/**
 * Mode (a): a process exit while marking is a deletion (ADR 0014, Kernel.tla `Exit`). The schedule
 * is Kernel.tla's counterexample: a process loads the value of its own atom A, which the scan has
 * not reached, after the snapshot, stores it into an atom B the scan has passed and that another
 * process holds, and exits. A then stops being a root before it is scanned, so unless `exit`
 * shades A's value the sweep frees a value B still holds. The load and store are done through
 * the heap as a program's `deref`/`reset!` would (register, barrier, slot), since no op-level
 * operation moves an existing cell into another atom.
 */
import { describe, expect, it } from 'vitest';
import { createOptimizedKernel, HeapInvariantViolation, type OptimizedKernel } from '../../optimized/index.js';

function ok(k: OptimizedKernel, op: Parameters<OptimizedKernel['apply']>[0]): string {
  const out = k.apply(op);
  if (!out.ok) throw new Error(`${op.op}: ${out.message}`);
  return out.value;
}

/** Runs the schedule; returns pid 0's view of B after the cycle. Throws if an invariant fails. */
function schedule(shadeOnExit: boolean): string {
  const k = createOptimizedKernel({ gcEvacuateBelow: 2 });
  if (!shadeOnExit) k.collector.shadeOnExit = () => {}; // the missing barrier, for the teeth
  const H = k.heap;
  // pid 0 creates B (scanned first: atoms are scanned in id order) and shares it with pid 1.
  ok(k, { op: 'atom', pid: 0, value: 'nil' });
  const b = H.atomCount - 1;
  const p1 = Number(ok(k, { op: 'spawn', pid: 0 }));
  ok(k, { op: 'share', pid: 0, ref: 0, to: p1 });
  // pid 1's private atom A holds the value V, a composite (a heap cell).
  ok(k, { op: 'atom', pid: p1, value: '[1 2 3 "only in A"]' });
  const a = H.atomCount - 1;
  expect(a).toBeGreaterThan(b);
  // StartMark, then single units of work until B is scanned and A is not.
  const c = k.collector;
  c.step(1);
  expect(c.phase).toBe('mark');
  while (c.atomsScanned <= b) c.step(1);
  expect(c.atomsScanned).toBeLessThanOrEqual(a);
  // pid 1 (a program): v := deref A; reset! B v — the write runs the deletion barrier on B's old value.
  const v = H.mem.load32(H.atomSlot(a));
  c.barrier(H.mem.load32(H.atomSlot(b)));
  H.mem.store32(H.atomSlot(b), v);
  // pid 1 exits: A is no longer in any live table, so the scan will skip it.
  ok(k, { op: 'exit', pid: p1 });
  while (c.phase !== 'idle') c.step();
  k.checkInvariants();
  return k.observe().processes.find((p) => p.pid === 0)!.atoms[0]!.value;
}

describe('exit while marking shades the dropped atom table (Kernel.tla Exit)', () => {
  it('a value moved from an unscanned atom into a scanned one survives its process exit', () => {
    expect(schedule(true)).toBe('[1 2 3 "only in A"]');
  });

  it('without the shading the same schedule frees a reachable value (the test has teeth)', () => {
    expect(() => schedule(false)).toThrow(HeapInvariantViolation);
  });
});
