/**
 * What the reference kernel shows of its state: the implementation-independent observation of
 * spec/Kernel.ts, and the implementation-level snapshot trace validation reads.
 * @module
 */
import { printEdnOrElided } from '../../spec/codec/Edn.js';
import type { Edn, Observation, Pid, Ref } from '../../spec/Kernel.js';
import type { KernelTables } from './tables.js';

/** One atom as seen from one table entry, in {@link KernelSnapshot}. */
export interface AtomSnapshot {
  /** The ref (table key). */
  readonly ref: Ref;
  /** Internal atom identity (equal for aliases of one atom). */
  readonly atom: number;
  /** Creator pid. */
  readonly creator: Pid;
  /** Shared flag. */
  readonly shared: boolean;
  /** Current value (EDN). */
  readonly value: Edn;
  /** Current stamp. */
  readonly stamp: number;
  /** Whether a validator is installed. */
  readonly validator: boolean;
  /** Watches as `[key EDN, watcher pid]`, in key order. */
  readonly watches: readonly (readonly [Edn, Pid])[];
}

/** One live process in {@link KernelSnapshot}. */
export interface ProcessSnapshot {
  /** Pid. */
  readonly pid: Pid;
  /** Its table, ascending by ref. */
  readonly atoms: readonly AtomSnapshot[];
  /** Registers as `[reg, EDN]`, ascending. */
  readonly registers: readonly (readonly [number, Edn])[];
  /** Output lines. */
  readonly output: readonly string[];
}

/** The kernel's internal state, implementation-level (atom identities included). */
export interface KernelSnapshot {
  /** Live processes, ascending by pid. */
  readonly processes: readonly ProcessSnapshot[];
  /** The next pid to be issued. */
  readonly nextPid: number;
  /** The next ref to be issued. */
  readonly nextRef: number;
}

/** The observable state of `t`: live processes with their atoms (EDN, stamp), output and registers. */
export function observation(t: KernelTables): Observation {
  const { heap } = t;
  return {
    processes: [...t.processes.values()]
      .filter((p) => p.alive)
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({
        pid: p.pid,
        atoms: [...p.table.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([ref, a]) => ({ ref, value: printEdnOrElided(heap.read(a.handle)), stamp: a.stamp })),
        output: p.output.slice(),
        registers: [...p.registers.entries()].sort((a, b) => a[0] - b[0]).map(([reg, h]) => ({ reg, value: printEdnOrElided(heap.read(h)) })),
      })),
  };
}

/**
 * The snapshot of `t`: live processes with, per ref, the atom's internal identity, creator,
 * shared flag, value, stamp, whether it has a validator and its watches; registers as EDN; the
 * next pid and ref. Reading the registers goes through the heap, so a freed register shows up here.
 */
export function snapshot(t: KernelTables): KernelSnapshot {
  const { heap } = t;
  const processes: ProcessSnapshot[] = [];
  for (const p of [...t.processes.values()].sort((a, b) => a.pid - b.pid)) {
    if (!p.alive) continue;
    processes.push({
      pid: p.pid,
      atoms: [...p.table.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([ref, a]) => ({
          ref,
          atom: a.id,
          creator: a.creator,
          shared: a.shared,
          value: printEdnOrElided(heap.read(a.handle)),
          stamp: a.stamp,
          validator: a.validator !== null,
          watches: a.watches.list().map((w) => [printEdnOrElided(w.key), w.watcher] as const),
        })),
      registers: [...p.registers.entries()].sort((a, b) => a[0] - b[0]).map(([reg, h]) => [reg, printEdnOrElided(heap.read(h))] as const),
      output: p.output.slice(),
    });
  }
  return { processes, nextPid: t.nextPid, nextRef: t.nextRef };
}
