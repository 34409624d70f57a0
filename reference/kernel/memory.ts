/**
 * The reference kernel's memory management: the roots of the heap, the stop-the-world collection,
 * safe points and the heap quotas of processes, trees and the kernel (ADR 0024). The heap itself
 * (cells, handles, mark-sweep) is reference/heap.ts.
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import type { Pid } from '../../spec/Kernel.js';
import type { Value } from '../../spec/Values.js';
import type { Handle } from '../heap.js';
import { stateValues } from '../lang/machine.js';
import { KERNEL_PID, isFinished, type KernelTables, type ProcessRecord } from './tables.js';

/** Collection and heap quotas over one kernel's tables. */
export class Memory {
  private gcThreshold = 20_000;
  private collections = 0;
  /**
   * Processes over a heap bound at the last collection, with the reason ({@link processesOverQuota});
   * forgotten when a program ends with a quota error or a process exits (what it held may be garbage).
   */
  private overAtGc = new Map<Pid, string>();
  private allocsSeen = -1;

  /** Memory management over `t`. */
  constructor(private readonly t: KernelTables) {}

  /** Number of collections run so far. */
  get gcCount(): number {
    return this.collections;
  }

  /** A full stop-the-world collection; in debug mode, the heap invariants are checked after it. @see GC.tla */
  collect(): void {
    const { heap, pending } = this.t;
    heap.collect(this.roots(), [...this.rootValues(), ...pending]);
    this.collections++;
    this.overAtGc = this.processesOverQuota();
    this.gcThreshold = Math.max(20_000, heap.size);
    // Pending values are about to be allocated (safe points run just before an allocation).
    if (this.t.debug) heap.checkInvariants(this.roots(), this.rootValues(), pending);
  }

  /** Runs `f` with `values` kept as roots (values about to be allocated or still in use by the caller). */
  withPending<T>(values: readonly Value[], f: () => T): T {
    const { pending } = this.t;
    const n = pending.length;
    pending.push(...values);
    try {
      return f();
    } finally {
      pending.length = n;
    }
  }

  /** Forgets which processes were over a heap bound at the last collection: the next one decides again. */
  forgetOverQuota(): void {
    this.overAtGc.clear();
  }

  /** A safe point: collect when due; enforce `p`'s heap quota (out-of-memory). */
  safePoint(p: ProcessRecord): void {
    const { heap, quotas, mutants } = this.t;
    if (heap.totalAllocated === this.allocsSeen) return; // nothing allocated since the last check
    this.allocsSeen = heap.totalAllocated;
    const enforce = !mutants.has('quota-not-enforced');
    // Live weight only falls at a collection: a bound `p` was over at the last one, it is over still.
    const known = this.overAtGc.get(p.pid);
    if (known !== undefined && enforce) throw new KernelError('out-of-memory', known);
    const over = (): string | null => (p.pid === KERNEL_PID ? null : this.overQuota(p));
    // Over a bound counting garbage: collect and decide, but at most once per 1/8 of the quota of
    // allocated weight, so a process living near its quota does not pay a collection every few steps.
    const collect = heap.allocatedSinceGc >= this.gcThreshold || (heap.weightSinceGc >= Math.max(16, quotas.heapCells / 8) && over() !== null);
    if (collect) this.collect();
    const why = collect ? over() : null;
    if (why !== null && enforce) throw new KernelError('out-of-memory', why);
  }

  /** The cells the collector starts from: the namespace, every live table and (unless a mutant drops them) the registers. */
  private *roots(): Generator<Handle> {
    yield this.t.namespace.handle;
    for (const p of this.t.processes.values()) {
      if (!p.alive) continue;
      for (const a of p.table.values()) yield a.handle;
      if (!this.t.mutants.has('gc-ignores-registers')) yield* p.registers.values();
    }
  }

  /** The values the collector starts from: the core library, running and finished programs, validators and watches. */
  private *rootValues(): Generator<Value> {
    yield* this.t.core.values();
    for (const s of this.t.active) yield* stateValues(s);
    for (const p of this.t.processes.values()) {
      if (p.program !== null && (p.alive || isFinished(p.program))) yield* stateValues(p.program);
      if (!p.alive) continue;
      for (const a of p.table.values()) {
        if (a.validator !== null) yield a.validator;
        for (const w of a.watches.list()) {
          yield w.key;
          if (w.fn !== null) yield w.fn;
        }
      }
    }
  }

  /**
   * Every live process over a heap bound right after a collection, with the reason: its next
   * allocation is refused without another collection (nothing it allocates can bring it under).
   * O(processes).
   */
  private processesOverQuota(): Map<Pid, string> {
    const { heap, quotas, processes } = this.t;
    const out = new Map<Pid, string>();
    const total = heap.weight;
    const byTree = new Map<Pid, number>();
    for (const q of processes.values()) byTree.set(q.tree, (byTree.get(q.tree) ?? 0) + heap.liveCells(q.pid));
    for (const q of processes.values()) {
      if (!q.alive || q.pid === KERNEL_PID) continue;
      const own = heap.liveCells(q.pid);
      const tree = byTree.get(q.tree) ?? 0;
      if (own > quotas.heapCells) out.set(q.pid, `process ${q.pid} exceeded its heap quota of ${quotas.heapCells} cells`);
      else if (total > quotas.totalHeapCells) out.set(q.pid, `process ${q.pid}: the kernel's heap holds ${total} cells, over totalHeapCells ${quotas.totalHeapCells}`);
      else if (tree > quotas.treeHeapCells) out.set(q.pid, `process ${q.pid}: its tree (root ${q.tree}) holds ${tree} cells, over treeHeapCells ${quotas.treeHeapCells}`);
    }
    return out;
  }

  /** Which heap bound `p` is over (its own, its tree's, the kernel's), or null (ADR 0024). */
  private overQuota(p: ProcessRecord): string | null {
    const { heap, quotas, processes } = this.t;
    if (heap.liveCells(p.pid) > quotas.heapCells) return `process ${p.pid} exceeded its heap quota of ${quotas.heapCells} cells`;
    const total = heap.weight;
    if (total > quotas.totalHeapCells) return `process ${p.pid}: the kernel's heap holds ${total} cells, over totalHeapCells ${quotas.totalHeapCells}`;
    if (total <= quotas.treeHeapCells) return null; // no tree can hold more than the whole heap
    // Cells a process allocated stay charged to its tree after it exits (a child cannot launder
    // what it built into atoms by ending): every process of the tree counts, living or ended.
    let tree = 0;
    for (const q of processes.values()) if (q.tree === p.tree) tree += heap.liveCells(q.pid);
    if (tree > quotas.treeHeapCells) return `process ${p.pid}: its tree (root ${p.tree}) holds ${tree} cells, over treeHeapCells ${quotas.treeHeapCells}`;
    return null;
  }
}
