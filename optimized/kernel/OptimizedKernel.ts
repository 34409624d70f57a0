/**
 * The optimized kernel: the `Kernel` interface over the flat heap, CHAMP/vector collections and
 * the incremental compacting collector. Semantics are those of ADR 0002/0003 (and the spec
 * kernel, spec/SpecEngine.ts); values cross the interface as canonical EDN only.
 *
 * This class composes the kernel's parts, one concern each (ADR 0034): the operations
 * (ops.ts), the atoms and capabilities (atoms.ts over the cells of atomCells.ts), the processes
 * (processes.ts, lifecycle.ts) and their scheduling (scheduler.ts), the language host
 * (langHost.ts, library.ts), the JIT host (jitHost.ts) and the memory (memory.ts over
 * optimized/heap and optimized/gc).
 *
 * - Atom cells (value word + stamp) live in the heap's backend memory; writes go through the
 *   collector's barrier. Per-process atom tables and atom metadata (creator, shared) are kernel
 *   tables, so `fork` copies one table: O(#atoms + #registers), independent of the heap.
 * - Garbage collection is deterministic: `gcStep` is one bounded increment; `gc` a whole cycle;
 *   between operations a pacer does work proportional to allocation.
 * - On a backend with several cores (`MemoryBackend.cores`), process `pid` runs on core
 *   `pid mod (cores-1)` and the collector on the last core; the fences the memory model needs
 *   are listed in docs/optimized.md ("Fences").
 * @module
 */
import { DEFAULT_QUOTAS, OP_NAMES, type Kernel, type KernelStats, type KernelOptions, type Observation, type Op, type OpName, type Outcome, type Pid, type ProgramHost, type Quotas, type Ref } from '../../spec/Kernel.js';
import type { Value } from '../../spec/Values.js';
import { Runtime } from '../lang/runtime.js';
import type { Tier1 } from '../jit/tier1.js';
import type { Heap } from '../heap/Heap.js';
import type { Collector } from '../gc/Collector.js';
import type { MemoryBackend } from '../memory/MemoryBackend.js';
import { MutantSet } from '../mutants.js';
import { HeapAtomCells } from './atomCells.js';
import { AtomTable } from './atoms.js';
import { JitHost } from './jitHost.js';
import { LangHost } from './langHost.js';
import { Library } from './library.js';
import { Lifecycle, type KernelWork } from './lifecycle.js';
import { KernelMemory } from './memory.js';
import { Operations } from './ops.js';
import { ProcessTable } from './processes.js';
import { Scheduler } from './scheduler.js';

export type { KernelWork } from './lifecycle.js';

/** Options of {@link createOptimizedKernel}. */
export interface OptimizedKernelOptions extends KernelOptions {
  /** The memory backend (default: a fresh plain backend). */
  readonly memory?: MemoryBackend;
  /** Words of work per `gcStep` (default 4096). */
  readonly gcStepBudget?: number;
  /** Evacuate regions whose live fraction is below this (default 0.75; above 1: every region). */
  readonly gcEvacuateBelow?: number;
  /** A young generation collected by minor collections (default true, ADR 0048). */
  readonly gcGenerational?: boolean;
  /** Young words after which the pacer runs a minor collection (default 2^16). */
  readonly gcNurseryWords?: number;
  /** A major cycle starts when the old regions hold this many times the live words in garbage and new words (default 1, ADR 0051; without a young generation: allocation of 4 × the live words). */
  readonly gcGrowthFactor?: number;
  /** Re-encode small maps that share a key set as structs during evacuation (default true). */
  readonly reencode?: boolean;
  /**
   * The highest JIT tier programs may use: 0 = interpreter only, 1 = hot closures compiled to
   * JavaScript (default). Tier 2 is enabled separately (see `optimized/jit/tier2`).
   */
  readonly tier?: 0 | 1 | 2;
  /** Calls of an arity before tier 1 compiles it (default 2; 0 compiles on first call). */
  readonly jitThreshold?: number;
  /** Calls of compiled code before tier 2 is tried (default 50). */
  readonly tier2Threshold?: number;
  /** Compile tier 2 synchronously (deterministic tests and benchmarks); default: asynchronously, off the kernel's path. */
  readonly tier2Sync?: boolean;
}

/** The operations this kernel implements: all of them. */
export const OPTIMIZED_KERNEL_OPS: ReadonlySet<OpName> = new Set<OpName>(OP_NAMES);

/** The optimized kernel. */
export class OptimizedKernel implements Kernel, ProgramHost {
  readonly name = 'optimized';
  readonly supports = OPTIMIZED_KERNEL_OPS;
  /** The heap (exposed for tests and benchmarks). */
  readonly heap: Heap;
  /** The collector. */
  readonly collector: Collector;
  /** Work counters. */
  readonly work: KernelWork = { forkCopies: 0 };
  /** The quotas in force. */
  readonly quotas: Quotas;
  /** Value words the host holds (benchmarks, tests): roots like registers. */
  readonly hostRoots: Set<number>;
  /** The core the collector runs on (the last one). */
  readonly collectorCore: number;
  /** Programs' runtime: fuel, call depth, function identities. */
  readonly rt: Runtime;
  private readonly procs: ProcessTable;
  private readonly mem: KernelMemory;
  private readonly atoms: AtomTable;
  private readonly scheduler: Scheduler;
  private readonly jit: JitHost;
  private readonly library: Library;
  private readonly lang: LangHost;
  private readonly ops: Operations;

  /** Creates a kernel with one process (pid 0). */
  constructor(options: OptimizedKernelOptions = {}) {
    const quotas: Quotas = { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) };
    const mutants = new MutantSet(options.mutants ?? []);
    this.quotas = quotas;
    const procs = (this.procs = new ProcessTable(quotas, mutants));
    const mem = (this.mem = new KernelMemory(
      { ...options, debug: options.debug ?? false, seeded: options.mutants ?? [] },
      quotas,
      mutants,
      {
        *registers() {
          for (const p of procs.values()) yield* p.regs.values();
        },
        atomLive: (id) => this.atoms.isLive(id),
        treeOf: (pid) => procs.find(pid)?.tree,
        owners: () => procs.values(),
      },
    ));
    this.heap = mem.heap;
    this.collector = mem.collector;
    this.hostRoots = mem.hostRoots;
    this.collectorCore = mem.collectorCore;
    const rt = (this.rt = new Runtime({ global: (sym) => this.library.global(sym), maxDepth: quotas.stackDepth, mutant: (n) => mutants.has(n) }));
    const scheduler = (this.scheduler = new Scheduler(rt, quotas, mutants, procs, mem, {
      toCompletion: (p) => this.lang.toCompletion(p),
      toSchedulingPoint: (p) => this.lang.toSchedulingPoint(p),
    }));
    // Storing a value costs a running program fuel for the words its conversion writes (⌊words/16⌋).
    mem.meter = (pid, words) => {
      if (scheduler.runningPid === pid) rt.chargeReading(words);
    };
    const atoms = (this.atoms = new AtomTable(new HeapAtomCells(mem.heap, mem.collector), mem.heap, mutants, {
      intern: (v, pid) => mem.intern(v, pid),
      find: (pid) => procs.find(pid),
      notice: (p, line) => procs.notice(p, line),
      callSync: (p, f, args) => scheduler.callSync(p, f, args),
      validates: (writer, owner, fn, v) => scheduler.validates(writer, owner, fn, v),
      runWatch: (writer, owner, fn, key, args) => scheduler.runWatch(writer, owner, fn, key, args),
    }, options.store ?? null));
    const jit = (this.jit = new JitHost(options, rt, mutants));
    const library = (this.library = new Library(rt, quotas, mutants, procs, jit));
    const lifecycle = new Lifecycle(procs, atoms, mem, library, mutants, this.work);
    const codecMutants = (options.mutants ?? []).filter((m) => m.startsWith('codec-'));
    this.lang = new LangHost({ rt, quotas, mutants, codecMutants, procs, atoms, mem, lifecycle, scheduler, library, jit });
    this.ops = new Operations({ quotas, mutants, procs, atoms, mem, lifecycle, scheduler, lang: this.lang });
    library.boot({ runToCompletion: (p, s) => scheduler.runToCompletion(p, s), inPlace: (o, u) => atoms.inPlace(o, u) });
  }

  /** The JIT's first tier (null until the language boots). */
  get tier1(): Tier1 | null {
    return this.jit.tier1;
  }

  /** Every root value word: registers, host roots, live atom slots. */
  roots(): Iterable<number> {
    return this.mem.roots();
  }

  /** Checks the GC.tla heap invariants now (throws HeapInvariantViolation). */
  checkInvariants(): void {
    this.mem.checkInvariants();
  }

  /** The core process `pid` runs on: `pid mod (cores-1)`, the last core being the collector's. */
  coreOf(pid: Pid): number {
    return this.mem.coreOf(pid);
  }

  /** Loads program text into `pid` (replacing its program). Throws bad-input on malformed text. */
  load(pid: Pid, text: string): void {
    this.lang.load(pid, text);
  }

  /**
   * Loads a program given as a binary blob (base64 text of `encodeAll(forms)`) into `pid`.
   * Throws bad-input when the text is not base64 or the blob does not decode.
   */
  loadBinary(pid: Pid, base64: string): void {
    this.lang.loadBinary(pid, base64);
  }

  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void {
    this.lang.loadValues(pid, forms);
  }

  /** Completed collection cycles so far. */
  get gcCount(): number {
    return this.collector.stats.cycles;
  }

  /** Performs one operation; never throws for a program's or caller's fault. */
  apply(op: Op): Outcome {
    return this.ops.apply(op);
  }

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    return this.procs.runnable();
  }

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler` (one choice = one quantum: up to and including the next kernel call), exactly as
   * the reference kernel's `runAll` does. Each process and each tree gets one fuel budget for the
   * whole run (ADR 0024). Returns the number of quanta run.
   */
  runAll(scheduler: { next(runnable: readonly Pid[]): Pid }, maxQuanta = Number.MAX_SAFE_INTEGER): number {
    return this.scheduler.runAll(scheduler, maxQuanta);
  }

  /** How each process's program ended (null while running or without a program), ascending by pid; exited processes included. */
  results(): { readonly pid: Pid; readonly outcome: Outcome | null }[] {
    return this.procs.results();
  }

  /** Every process ever created (alive or exited), ascending by pid: pid, alive, output. */
  processList(): { pid: Pid; alive: boolean; output: readonly string[] }[] {
    return this.procs.processList();
  }

  /** Work counters for coverage reports: collection cycles, evacuations, forks, spawns, values decoded from binary. */
  stats(): KernelStats {
    const c = this.collector.stats;
    return { gcCycles: c.cycles, evacuations: c.moved, forks: this.procs.forks, spawns: this.procs.spawns, codecValues: this.lang.codecValues, kernelCalls: Object.fromEntries(this.lang.callCounts) };
  }

  /**
   * The kernel's internal state at the operation level, for trace validation against the spec
   * (harness/oracles/trace.ts): live processes ascending by pid, each atom of a table with its
   * identity (equal for aliases), creator, shared flag, value, stamp, whether it has a validator
   * and its watches `[key EDN, watcher]` in key order; registers; output; the next pid and ref.
   */
  inspect(): {
    readonly processes: readonly {
      readonly pid: Pid;
      readonly atoms: readonly { readonly ref: Ref; readonly atom: number; readonly creator: Pid; readonly shared: boolean; readonly value: string; readonly stamp: number; readonly validator: boolean; readonly watches: readonly (readonly [string, Pid])[] }[];
      readonly registers: readonly (readonly [number, string])[];
      readonly output: readonly string[];
    }[];
    readonly nextPid: Pid;
    readonly nextRef: Ref;
  } {
    const processes = [...this.procs.pids()].sort((a, b) => a - b).map((pid) => {
      const p = this.procs.find(pid)!;
      this.mem.onCore(this.mem.coreOf(pid));
      const refs = [...p.table.keys()].sort((a, b) => a - b);
      return {
        pid,
        atoms: refs.map((ref) => {
          const id = p.table.get(ref)!;
          const d = this.atoms.describe(id);
          return { ref, atom: id, creator: d.creator, shared: d.shared, value: this.atoms.shownText(id), stamp: this.atoms.stamp(id), validator: d.validator, watches: d.watches };
        }),
        registers: [...p.regs.keys()].sort((a, b) => a - b).map((reg) => [reg, this.mem.shownText(p.regs.get(reg)!)] as const),
        output: p.output.slice(),
      };
    });
    return { processes, nextPid: this.procs.nextPid, nextRef: this.atoms.nextRef };
  }

  /** The observable state: live processes by pid, atoms by ref, registers by number, values as canonical EDN. */
  observe(): Observation {
    const processes = [...this.procs.pids()].sort((a, b) => a - b).map((pid) => {
      const p = this.procs.find(pid)!;
      this.mem.onCore(this.mem.coreOf(pid)); // a process observes its atoms from its own core
      const refs = [...p.table.keys()].sort((a, b) => a - b);
      return {
        pid,
        atoms: refs.map((ref) => {
          const id = p.table.get(ref)!;
          return { ref, value: this.atoms.shownText(id), stamp: this.atoms.stamp(id) };
        }),
        output: p.output.slice(),
        registers: [...p.regs.keys()].sort((a, b) => a - b).map((reg) => ({ reg, value: this.mem.shownText(p.regs.get(reg)!) })),
      };
    });
    return { processes };
  }
}

/** Creates an optimized kernel (pid 0 alive), on `options.memory` or a fresh plain backend. */
export function createOptimizedKernel(options: OptimizedKernelOptions = {}): OptimizedKernel {
  return new OptimizedKernel(options);
}
