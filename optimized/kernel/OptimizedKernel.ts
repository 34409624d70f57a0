/**
 * The optimized kernel: the `Kernel` interface over the flat heap, CHAMP/vector collections and
 * the incremental compacting collector. Semantics are those of ADR 0002/0003 (and the spec
 * kernel, spec/SpecKernel.ts); values cross the interface as canonical EDN only.
 *
 * - Atom slots (value word + stamp) live in the heap's backend memory; writes go through the
 *   collector's barrier. Per-process atom tables and atom metadata (creator, shared) are kernel
 *   tables, so `fork` copies one table: O(#atoms + #registers), independent of the heap.
 * - Garbage collection is deterministic: `gcStep` is one bounded increment; `gc` a whole cycle;
 *   between operations a pacer does work proportional to allocation.
 * - On a backend with several cores (`MemoryBackend.cores`), process `pid` runs on core
 *   `pid mod (cores-1)` and the collector on the last core; the fences the memory model needs
 *   are listed in docs/optimized.md ("Fences").
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { printEdn, readEdn, readEdnAll } from '../../spec/Edn.js';
import { DEFAULT_QUOTAS, fail, ok, OP_NAMES, type Kernel, type KernelOptions, type Observation, type Op, type OpName, type Outcome, type Pid, type Quotas, type Ref } from '../../spec/Kernel.js';
import { AtomRef, type Value } from '../../spec/Values.js';
import { Heap, HeapExhausted } from '../heap/Heap.js';
import { eqWords, fromHeap, initImmortals, toHeap } from '../heap/values.js';
import { Collector } from '../gc/Collector.js';
import { checkHeap, ImmutableChecker } from '../gc/invariants.js';
import { createPlainMemory, type MemoryBackend } from '../memory/MemoryBackend.js';
import { MutantSet } from '../mutants.js';

/** Options of {@link createOptimizedKernel}. */
export interface OptimizedKernelOptions extends KernelOptions {
  /** The memory backend (default: a fresh plain backend). */
  readonly memory?: MemoryBackend;
  /** Words of work per `gcStep` (default 4096). */
  readonly gcStepBudget?: number;
  /** Evacuate regions whose live fraction is below this (default 0.5; above 1: every region). */
  readonly gcEvacuateBelow?: number;
  /** Re-encode small maps that share a key set as structs during evacuation (default true). */
  readonly reencode?: boolean;
}

/** The operations this kernel implements (the op level; the system language is not built yet). */
export const OPTIMIZED_KERNEL_OPS: ReadonlySet<OpName> = new Set<OpName>(['spawn', 'fork', 'exit', 'atom', 'deref', 'reset', 'cas', 'compareAndSet', 'resetVals', 'share', 'hold', 'gc', 'gcStep']);

const KNOWN_OPS: ReadonlySet<string> = new Set<string>(OP_NAMES);

interface Process {
  readonly table: Map<Ref, number>;
  readonly regs: Map<number, number>;
}

/** Work counters of the kernel (tests count work instead of time). */
export interface KernelWork {
  /** Atom-table entries and registers copied by `fork`. */
  forkCopies: number;
}

class Refused extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.ok ? 'ok' : outcome.message);
  }
}

function refuse(kind: Parameters<typeof fail>[0], message: string): never {
  throw new Refused(fail(kind, message));
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parse(text: unknown, what: string): Value {
  if (typeof text !== 'string') refuse('bad-input', `${what} must be EDN text`);
  try {
    return readEdn(text);
  } catch (e) {
    if (e instanceof KernelError) refuse(e.kind, `${what}: ${e.message}`);
    refuse('bad-input', `${what}: ${String(e)}`);
  }
}

/** The optimized kernel. */
export class OptimizedKernel implements Kernel {
  readonly name = 'optimized';
  readonly supports = OPTIMIZED_KERNEL_OPS;
  /** The heap (exposed for tests and benchmarks). */
  readonly heap: Heap;
  /** The collector. */
  readonly collector: Collector;
  /** Work counters. */
  readonly work: KernelWork = { forkCopies: 0 };
  private readonly processes = new Map<Pid, Process>();
  private readonly creator: number[] = [];
  private readonly shared: boolean[] = [];
  private readonly holders: number[] = [];
  private nextPid = 1;
  private nextRef = 0;
  private readonly quotas: Quotas;
  private readonly mutants: MutantSet;
  private readonly debug: boolean;
  private readonly immutable = new ImmutableChecker();
  /** Value history per atom, kept only for the `cas-compares-values` mutant. */
  private readonly history = new Map<number, Map<number, string>>();
  /** Value words the host holds (benchmarks, tests): roots like registers. */
  readonly hostRoots = new Set<number>();
  /** Cores of the backend (1 when it has none). */
  private readonly nCores: number;
  /** The core the collector runs on (the last one). */
  readonly collectorCore: number;
  private core = 0;

  /** Creates a kernel with one process (pid 0). */
  constructor(options: OptimizedKernelOptions = {}) {
    this.quotas = { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) };
    this.mutants = new MutantSet(options.mutants ?? []);
    this.debug = options.debug ?? false;
    this.heap = new Heap(options.memory ?? createPlainMemory({ initialWords: 1 << 18 }));
    initImmortals(this.heap);
    // S: the immortal cells (nil, booleans, interned names) are visible to every core.
    this.heap.mem.fence();
    this.heap.flags.hashMismatch = this.mutants.has('hash-mismatch');
    this.heap.flags.inPlaceShared = this.mutants.has('in-place-update-shared');
    this.collector = new Collector(
      this.heap,
      {
        registerRoots: () => this.registerRoots(),
        atomLive: (id) => (this.holders[id] ?? 0) > 0,
      },
      {
        stepBudget: options.gcStepBudget,
        evacuateBelow: options.gcEvacuateBelow,
        reencode: options.reencode,
        ignoreRegisters: this.mutants.has('gc-ignores-registers'),
        dropPublishFence: this.mutants.has('drop-publish-fence'),
      },
    );
    const cores = this.heap.mem.cores ?? 1;
    this.nCores = Number.isInteger(cores) && cores > 1 ? cores : 1;
    this.collectorCore = this.nCores - 1;
    if (this.debug) {
      this.heap.onFree = (h) => this.immutable.forget(h);
      this.collector.onCycle = () => this.checkInvariants();
    }
    this.processes.set(0, { table: new Map(), regs: new Map() });
  }

  private *registerRoots(): Iterable<number> {
    for (const p of this.processes.values()) yield* p.regs.values();
    yield* this.hostRoots;
  }

  /** Every root value word: registers, host roots, live atom slots. */
  *roots(): Iterable<number> {
    yield* this.registerRoots();
    for (let id = 0; id < this.heap.atomCount; id++) if ((this.holders[id] ?? 0) > 0) yield this.heap.mem.load32(this.heap.atomSlot(id));
  }

  /** Checks the GC.tla heap invariants now (throws HeapInvariantViolation). */
  checkInvariants(): void {
    checkHeap(this.heap, this.roots());
    this.immutable.check(this.heap);
  }

  /** The core process `pid` runs on: `pid mod (cores-1)`, the last core being the collector's. */
  coreOf(pid: Pid): number {
    return this.nCores > 1 ? pid % (this.nCores - 1) : 0;
  }

  private onCore(core: number): void {
    this.core = core;
    this.heap.mem.setCore?.(core);
  }

  /**
   * Runs collector work on the collector core. The mutator first reaches a safepoint: a full
   * fence on its core (S in docs/optimized.md "Fences"), so the collector sees every cell the
   * mutator wrote; the collector itself never waits for mutators.
   */
  private collecting<T>(work: () => T): T {
    const back = this.core;
    if (back === this.collectorCore) return work();
    this.heap.mem.fence();
    this.onCore(this.collectorCore);
    try {
      return work();
    } finally {
      this.onCore(back);
    }
  }

  private proc(pid: unknown): Process {
    if (!isNat(pid)) refuse('bad-input', `pid must be a non-negative integer, got ${JSON.stringify(pid)}`);
    const p = this.processes.get(pid);
    if (p === undefined) refuse('no-such-process', `no live process ${pid}`);
    return p;
  }

  private lookup(p: Process, ref: unknown): number {
    if (!isNat(ref)) refuse('bad-input', `ref must be a non-negative integer, got ${JSON.stringify(ref)}`);
    const id = p.table.get(ref);
    if (id !== undefined) return id;
    if (ref < this.nextRef) refuse('capability-denied', `ref ${ref} is not in the caller's atom table`);
    refuse('no-such-atom', `ref ${ref} was never issued`);
  }

  /** Converts `v` into the heap, charging its composite values to `pid`, enforcing the heap-cell quota. */
  private intern(v: Value, pid: Pid): number {
    const H = this.heap;
    const w = toHeap(H, v, pid);
    if (!this.mutants.has('quota-not-enforced') && H.liveCells(pid) > this.quotas.heapCells) {
      // Garbage may still be charged: collect (the new value is held as a host root meanwhile).
      this.hostRoots.add(w);
      this.collecting(() => this.collector.collect());
      this.hostRoots.delete(w);
      if (H.liveCells(pid) > this.quotas.heapCells) refuse('out-of-memory', `process ${pid} exceeds its quota of ${this.quotas.heapCells} heap cells`);
    }
    return w;
  }

  private slot(id: number): number {
    return this.heap.atomSlot(id);
  }

  private valueOf(id: number): number {
    return this.heap.mem.load32(this.slot(id));
  }

  private stampOf(id: number): number {
    return this.heap.mem.load32(this.slot(id) + 1);
  }

  private text(w: number): string {
    return printEdn(fromHeap(this.heap, w));
  }

  /** Writes `w` into atom `id`: barrier, value, stamp + 1. @see GC.tla StoreAtom */
  private write(id: number, w: number): void {
    const m = this.heap.mem;
    const s = this.slot(id);
    this.collector.barrier(m.load32(s));
    m.store32(s, w);
    m.store32(s + 1, m.load32(s + 1) + 1);
    if (this.mutants.has('cas-compares-values')) this.remember(id);
  }

  private remember(id: number): void {
    let h = this.history.get(id);
    if (h === undefined) this.history.set(id, (h = new Map()));
    h.set(this.stampOf(id), this.text(this.valueOf(id)));
  }

  private newAtom(value: number, stamp: number, creator: Pid): number {
    const id = this.heap.newAtom(value, stamp);
    this.creator[id] = creator;
    this.shared[id] = false;
    this.holders[id] = 0;
    if (this.mutants.has('cas-compares-values')) this.remember(id);
    return id;
  }

  private step(op: Op): string {
    switch (op.op) {
      case 'spawn': {
        this.proc(op.pid);
        const child = this.nextPid++;
        this.processes.set(child, { table: new Map(), regs: new Map() });
        return String(child);
      }
      case 'fork': {
        const parent = this.proc(op.pid);
        const child = this.nextPid++;
        const table = new Map<Ref, number>();
        const sharePrivate = this.mutants.has('fork-shares-private');
        for (const [ref, id] of parent.table) {
          if (this.shared[id] || sharePrivate) table.set(ref, id);
          else {
            const copy = this.newAtom(this.valueOf(id), this.stampOf(id), child);
            if (this.mutants.has('cas-compares-values')) this.history.set(copy, new Map(this.history.get(id)));
            table.set(ref, copy);
            this.holders[copy] = 0;
          }
          this.holders[table.get(ref)!]!++;
          this.work.forkCopies++;
        }
        const regs = new Map(parent.regs);
        this.work.forkCopies += regs.size;
        this.processes.set(child, { table, regs });
        return String(child);
      }
      case 'exit': {
        const p = this.proc(op.pid);
        // The table stops being a root set: while marking, shade its values first (Kernel.tla Exit).
        this.collector.shadeOnExit([...p.table.values()].map((id) => this.valueOf(id)));
        for (const id of p.table.values()) this.holders[id]!--;
        this.processes.delete(op.pid);
        return 'nil';
      }
      case 'atom': {
        const p = this.proc(op.pid);
        const w = this.intern(parse(op.value, 'value'), op.pid);
        const ref = this.nextRef++;
        const id = this.newAtom(w, 0, op.pid);
        p.table.set(ref, id);
        this.holders[id] = 1;
        return printEdn(new AtomRef(ref));
      }
      case 'deref': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        return `[${this.text(this.valueOf(id))} ${this.stampOf(id)}]`;
      }
      case 'reset': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        const w = this.intern(parse(op.value, 'value'), op.pid);
        this.write(id, w);
        return this.text(w);
      }
      case 'resetVals': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        const w = this.intern(parse(op.value, 'value'), op.pid);
        const old = this.text(this.valueOf(id));
        this.write(id, w);
        return `[${old} ${this.text(w)}]`;
      }
      case 'cas': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        if (!isNat(op.stamp)) refuse('bad-input', 'stamp must be a non-negative integer');
        const w = this.intern(parse(op.value, 'value'), op.pid);
        const stamp = this.stampOf(id);
        if (op.stamp !== stamp) {
          const then = this.mutants.has('cas-compares-values') ? this.history.get(id)?.get(op.stamp) : undefined;
          if (then === undefined || then !== this.text(this.valueOf(id))) refuse('stale-stamp', `stamp ${op.stamp} is not the atom's stamp ${stamp}`);
        }
        this.write(id, w);
        return String(this.stampOf(id));
      }
      case 'compareAndSet': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        const expected = this.intern(parse(op.expected, 'expected'), op.pid);
        this.hostRoots.add(expected);
        let w: number;
        try {
          w = this.intern(parse(op.value, 'value'), op.pid);
        } finally {
          this.hostRoots.delete(expected);
        }
        if (!eqWords(this.heap, this.valueOf(id), expected)) return 'false';
        this.write(id, w);
        return 'true';
      }
      case 'share': {
        const p = this.proc(op.pid);
        const id = this.lookup(p, op.ref);
        const target = this.proc(op.to);
        if (this.creator[id] !== op.pid && !this.mutants.has('share-by-non-creator')) refuse('capability-denied', `process ${op.pid} did not create the atom behind ref ${op.ref}`);
        this.shared[id] = true;
        let existing: Ref | undefined;
        for (const [r, other] of target.table) if (other === id && (existing === undefined || r < existing)) existing = r;
        if (existing !== undefined) return printEdn(new AtomRef(existing));
        const ref = this.nextRef++;
        target.table.set(ref, id);
        this.holders[id]!++;
        return printEdn(new AtomRef(ref));
      }
      case 'hold': {
        const p = this.proc(op.pid);
        if (!isNat(op.reg)) refuse('bad-input', 'reg must be a non-negative integer');
        if (op.value === null) p.regs.delete(op.reg);
        else p.regs.set(op.reg, this.intern(parse(op.value, 'value'), op.pid));
        return 'nil';
      }
      case 'gc':
        this.collector.collect();
        return 'nil';
      case 'gcStep':
        this.collector.step();
        return 'nil';
      default:
        refuse('unsupported', `the optimized kernel does not implement ${(op as { op: string }).op} yet`);
    }
  }

  /** Performs one operation; never throws for a program's or caller's fault. */
  apply(op: Op): Outcome {
    if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op: unknown }).op as string)) {
      return fail('bad-input', `unknown operation ${JSON.stringify((op as { op?: unknown } | null)?.op)}`);
    }
    if (!OPTIMIZED_KERNEL_OPS.has(op.op)) {
      // Malformed input is bad-input whatever the op (as in every kernel); the rest is unsupported.
      if (op.op === 'load') {
        try {
          readEdnAll(String((op as { program?: unknown }).program));
        } catch (e) {
          if (e instanceof KernelError) return fail(e.kind, e.message);
        }
      }
      return fail('unsupported', `the optimized kernel does not implement ${op.op} yet`);
    }
    const before = this.heap.counters.wordsAllocated;
    const gcOp = op.op === 'gc' || op.op === 'gcStep';
    const pid = (op as { pid?: unknown }).pid;
    this.onCore(gcOp ? this.collectorCore : isNat(pid) ? this.coreOf(pid) : 0);
    let out: Outcome;
    try {
      out = ok(this.step(op));
    } catch (e) {
      if (e instanceof Refused) out = e.outcome;
      else if (e instanceof HeapExhausted) out = fail('out-of-memory', e.message);
      else if (e instanceof KernelError) out = fail(e.kind, e.message);
      else throw e;
    }
    if (!gcOp) {
      // S: the end of an operation is the mutator's safepoint (a context switch): a full fence.
      this.heap.mem.fence();
      const allocated = this.heap.counters.wordsAllocated - before;
      this.collecting(() => this.collector.pace(allocated));
    }
    this.heap.mem.tick?.();
    return out;
  }

  /** The observable state: live processes by pid, atoms by ref, values as canonical EDN. */
  observe(): Observation {
    const processes = [...this.processes.keys()].sort((a, b) => a - b).map((pid) => {
      const p = this.processes.get(pid)!;
      this.onCore(this.coreOf(pid)); // a process observes its atoms from its own core
      const refs = [...p.table.keys()].sort((a, b) => a - b);
      return {
        pid,
        atoms: refs.map((ref) => {
          const id = p.table.get(ref)!;
          return { ref, value: this.text(this.valueOf(id)), stamp: this.stampOf(id) };
        }),
        output: [] as string[],
      };
    });
    return { processes };
  }
}

/** Creates an optimized kernel (pid 0 alive), on `options.memory` or a fresh plain backend. */
export function createOptimizedKernel(options: OptimizedKernelOptions = {}): OptimizedKernel {
  return new OptimizedKernel(options);
}
