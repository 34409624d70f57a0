/**
 * Equality of two kernels' observations, field by field: the same live processes in the same
 * order, each with the same atoms (ref, EDN text, stamp), output and registers. What the
 * differential oracle compares after every step, and what the invariants call "unchanged".
 * @module
 */
import type { Observation, ProcessObservation } from '../../spec/Kernel.js';

/**
 * Whether `a` and `b` are the same observation (undefined: a kernel that threw, equal only to
 * undefined). Only the fields of {@link Observation} count; a kernel's extra fields are not
 * compared, and neither is the order in which it wrote the fields of an object.
 */
export function sameObservation(a: Observation | undefined, b: Observation | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const pa = a.processes;
  const pb = b.processes;
  if (pa.length !== pb.length) return false;
  for (let i = 0; i < pa.length; i++) if (!sameProcess(pa[i]!, pb[i]!)) return false;
  return true;
}

function sameProcess(x: ProcessObservation, y: ProcessObservation): boolean {
  if (x.pid !== y.pid) return false;
  const xa = x.atoms;
  const ya = y.atoms;
  if (xa.length !== ya.length) return false;
  for (let i = 0; i < xa.length; i++) {
    const p = xa[i]!;
    const q = ya[i]!;
    if (p.ref !== q.ref || p.stamp !== q.stamp || p.value !== q.value) return false;
  }
  const xo = x.output;
  const yo = y.output;
  if (xo.length !== yo.length) return false;
  for (let i = 0; i < xo.length; i++) if (xo[i] !== yo[i]) return false;
  // A kernel that leaves `registers` out holds none: the same as an empty list.
  const xr = x.registers ?? [];
  const yr = y.registers ?? [];
  if (xr.length !== yr.length) return false;
  for (let i = 0; i < xr.length; i++) if (xr[i]!.reg !== yr[i]!.reg || xr[i]!.value !== yr[i]!.value) return false;
  return true;
}
