/**
 * Judges the atom history of a parallel run (optimized/parallel/, `optimized+workers:N`) by
 * linearizability, atom by atom: every atom operation a process performed, with its call and
 * return times on the shared clock, must fit one sequential order of the atom model (ADR 0003)
 * that respects real time. Judges only: it never runs a kernel.
 * @module
 */
import type { ParallelReport } from '../../optimized/parallel/ParallelRuntime.js';
import type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';
import { atomModel, checkLinearizable, type Operation } from './linearizability.js';

/** The verdict on a parallel run's atom history. */
export interface ParallelHistoryVerdict {
  /** Every atom's history is linearizable. */
  readonly ok: boolean;
  /** Atoms judged (those created by a process). */
  readonly atoms: number;
  /** Operations judged. */
  readonly operations: number;
  /** The first atom whose history is not linearizable (or undecided), with a one-line reason. */
  readonly failure: { readonly atom: number; readonly reason: string } | null;
}

/** Checks each atom's recorded history of `report` (recorded with `record: true`). */
export function judgeParallelHistory(report: ParallelReport, maxSteps = 5_000_000): ParallelHistoryVerdict {
  const initial = new Map<number, string>();
  const byAtom = new Map<number, Operation<AtomInput, AtomOutput>[]>();
  for (const p of report.processes) {
    for (const e of p.history) {
      if (e.input.op === 'create') { initial.set(e.object, e.input.value); continue; }
      const ops = byAtom.get(e.object) ?? [];
      ops.push({ client: p.pid, object: e.object, call: e.call, ret: e.ret, input: e.input, output: e.output });
      byAtom.set(e.object, ops);
    }
  }
  let operations = 0;
  for (const [atom, ops] of [...byAtom].sort((a, b) => a[0] - b[0])) {
    const init = initial.get(atom);
    if (init === undefined) return { ok: false, atoms: initial.size, operations, failure: { atom, reason: `operations on #atom ${atom}, which no recorded process created` } };
    operations += ops.length;
    const v = checkLinearizable(atomModel(init), ops, maxSteps);
    if (!v.ok) return { ok: false, atoms: initial.size, operations, failure: { atom, reason: `no linearization of its ${ops.length} operations (longest prefix ${v.longestPrefix.length})` } };
  }
  return { ok: true, atoms: initial.size, operations, failure: null };
}
