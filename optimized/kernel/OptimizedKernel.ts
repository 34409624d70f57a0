/**
 * The optimized kernel: the `Kernel` interface over the flat heap, CHAMP/vector collections and
 * the incremental compacting collector. Semantics are those of ADR 0002/0003 (and the spec
 * kernel, spec/SpecEngine.ts); values cross the interface as canonical EDN only.
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
import { isNat, readOpArgument } from '../../spec/OpInput.js';
import { KernelError } from '../../spec/Errors.js';
import { decodeAll, fromBase64 } from '../../spec/codec/Binary.js';
import { printEdn, readEdn } from '../../spec/codec/Edn.js';
import { DEFAULT_QUOTAS, fail, ok, OP_NAMES, PROCESS_CREATION_FUEL, type Kernel, type KernelStats, type KernelOptions, type Observation, type Op, type OpName, type Outcome, type Pid, type ProgramHost, type Quotas, type Ref } from '../../spec/Kernel.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Vector, compare, type Value } from '../../spec/Values.js';
import { readEdnForms, type Position } from '../../spec/codec/Edn.js';
import { PRELUDE } from '../../spec/Prelude.js';
import { KERNEL_CALL_NAMES, atomArg, checkKernelCallArity, forkNotAllowed, isKernelCallName, joinMayNotBlock, kernelCallIsPure, kernelCallYields, outputLine, pidArg, registerArg, spawnArg, stampArg, validatorArg, watchArg, type KernelCallHandlers, type KernelCallName } from '../../spec/lang/kernelCalls.js';
import { QuotaExceeded, Raised, errorMap } from '../lang/errors.js';
import { Compiler, type Arity, type Node } from '../lang/front.js';
import { callState, copyState, finished, programState, run, stateValues, type CompiledArity, type ExecHost, type KernelResult, type Kont, type MState } from '../lang/machine.js';
import { createNatives, truthy, type NativeFn } from '../lang/natives.js';
import { MEMCHECK, Runtime, implOf, type Impl } from '../lang/runtime.js';
import { Tier1, type Tier2Hook } from '../jit/tier1.js';
import { analyze, compileAsync, compileSync, hasReduceDriver, tier2Available, type Plan, type Resolver, type Tier2Code } from '../jit/tier2/index.js';
import { Heap, HeapExhausted } from '../heap/Heap.js';
import { eqWords, forgetFnCell, fromHeap, initImmortals, toHeap } from '../heap/values.js';
import { Collector } from '../gc/Collector.js';
import { checkHeap, ImmutableChecker } from '../gc/invariants.js';
import { createPlainMemory, type MemoryBackend } from '../memory/MemoryBackend.js';
import { MutantSet } from '../mutants.js';
import { WatchList, withWatch, withoutWatch } from './watchList.js';

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

const KNOWN_OPS: ReadonlySet<string> = new Set<string>(OP_NAMES);

interface Process {
  readonly pid: Pid;
  readonly table: Map<Ref, number>;
  readonly regs: Map<number, number>;
  /** Printed lines and recorded watch events. */
  readonly output: string[];
  /** The loaded program's state, or null. */
  prog: MState | null;
  /** The pid a `join` waits for. */
  blockedOn: Pid | null;
  /** Fuel left for the current run. */
  fuel: number;
  /** The process that spawned or forked it (the only one that may `join` it); -1 for a root. */
  readonly parent: Pid;
  /** The root of its tree (quotas are counted per tree, ADR 0024). */
  readonly tree: Pid;
  /** Its tree's account, shared by every process of the tree. */
  readonly account: TreeAccount;
}

/** What a tree of processes has left in the current run (ADR 0024). */
interface TreeAccount {
  /** Steps left to the whole tree. */
  fuel: number;
}

/** A watch on an atom: a recording watch (`fn` null, the `addWatch` op) or a program's function. */
interface Watch {
  readonly key: Value;
  readonly watcher: Pid;
  readonly fn: Fn | null;
}

/** A process record: the root of a new tree (`account` a fresh one) or a member of `inTreeOf`'s tree. */
function newProcess(pid: Pid, fuel: number, parent: Pid, inTreeOf: Process | null, treeFuel: number): Process {
  const account = inTreeOf?.account ?? { fuel: treeFuel };
  return { pid, table: new Map(), regs: new Map(), output: [], prog: null, blockedOn: null, fuel, parent, tree: inTreeOf?.tree ?? pid, account };
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

/** An operation's EDN argument, or the operation refused (spec/OpInput.ts). */
function parse(text: unknown, what: string): Value {
  try {
    return readOpArgument(text, what);
  } catch (e) {
    return refuse((e as KernelError).kind, (e as KernelError).message);
  }
}

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
  private readonly processes = new Map<Pid, Process>();
  private readonly creator: number[] = [];
  private readonly shared: boolean[] = [];
  private readonly holders: number[] = [];
  private nextPid = 1;
  private nextRef = 0;
  /** The quotas in force. */
  readonly quotas: Quotas;
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
  private coreNow = 0;
  /** Programs' runtime: fuel, call depth, function identities. */
  readonly rt: Runtime;
  /** The JIT's first tier (null until the language boots). */
  tier1: Tier1 | null = null;
  private readonly tier: 0 | 1 | 2;
  private readonly jitThreshold: number;
  private readonly tier2Threshold: number;
  private readonly tier2Sync: boolean;
  /** Built-in functions and the prelude's definitions, by name. */
  private readonly core = new Map<string, Fn>();
  /** The program namespace (`def`): symbol → value. */
  private readonly namespace = new Map<Sym, Value>();
  private bootDefine: ((sym: Sym, v: Value) => void) | null = null;
  /** Validators by atom id. */
  private readonly validators = new Map<number, Fn>();
  /** Watches by atom id, in canonical key order. */
  private readonly watches = new Map<number, WatchList>(); // persistent lists: O(log n) to add or remove (watchList.ts)
  /** The last value read from each atom, with the value word it came from. */
  private readonly derefCache = new Map<number, { w: number; v: Value }>();
  /** The creator of every process ever created (for `join`, ADR 0024). */
  private readonly parents = new Map<Pid, Pid>();
  /** Who installed each atom's validator (it runs on that process's behalf, ADR 0024). */
  private readonly validatorOwners = new Map<number, Pid>();
  /** Fuel a program's `fork`s handed to children during the current drive (not steps of the tree). */
  private forkGiven = 0;
  /** Processes created (spawn and fork) and forks alone, for {@link OptimizedKernel.stats}. */
  private created = 0;
  private forks = 0;
  /** Kernel calls made by programs, by name. */
  private readonly callCounts = new Map<string, number>();
  /** Values decoded from the binary encoding on a kernel path. */
  protected codecValues = 0;
  /** The seeded decoder bugs asked for (handed to the binary decoder of `load`). */
  private readonly codecMutants: readonly string[];
  /** Elements each process's program held at its last memory check. */
  private readonly held = new Map<Pid, number>();
  /** Output of exited processes (for {@link OptimizedKernel.processList}). */
  private readonly exitedOutput = new Map<Pid, readonly string[]>();
  /** End states of exited processes (for `join`). */
  private readonly ended = new Map<Pid, MState | null>();
  /** Nesting of program runs (validators and watches run inside a run). */
  private running = 0;
  /** The `in-place-update-shared` seeded bug is on. */
  private inPlaceBug = false;

  /** Creates a kernel with one process (pid 0). */
  constructor(options: OptimizedKernelOptions = {}) {
    this.quotas = { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) };
    this.mutants = new MutantSet(options.mutants ?? []);
    this.codecMutants = (options.mutants ?? []).filter((m) => m.startsWith('codec-'));
    this.debug = options.debug ?? false;
    this.heap = new Heap(options.memory ?? createPlainMemory({ initialWords: 1 << 18 }));
    initImmortals(this.heap);
    // S: the immortal cells (nil, booleans, interned names) are visible to every core.
    this.heap.mem.fence();
    this.heap.flags.hashMismatch = this.mutants.has('hash-mismatch');
    this.heap.flags.inPlaceShared = this.mutants.has('in-place-update-shared');
    this.heap.flags.seeded = new Set(options.mutants ?? []);
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
    this.heap.onFree = (h) => forgetFnCell(this.heap, h);
    if (this.debug) {
      this.heap.onFree = (h) => {
        this.immutable.forget(h);
        forgetFnCell(this.heap, h);
      };
      this.collector.onCycle = () => this.checkInvariants();
    }
    this.tier = options.tier ?? 1;
    this.jitThreshold = options.jitThreshold ?? 2;
    this.tier2Threshold = options.tier2Threshold ?? 50;
    this.tier2Sync = options.tier2Sync ?? false;
    this.rt = new Runtime({ global: (sym) => this.global(sym), maxDepth: this.quotas.stackDepth, mutant: (n) => this.mutants.has(n) });
    this.rt.kernelPure = (name, args) => this.pureCall(name, args);
    this.processes.set(0, newProcess(0, this.quotas.fuel, -1, null, this.quotas.treeFuel));
    this.bootLanguage();
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
    this.coreNow = core;
    this.heap.mem.setCore?.(core);
  }

  /**
   * Runs collector work on the collector core. The mutator first reaches a safepoint: a full
   * fence on its core (S in docs/optimized.md "Fences"), so the collector sees every cell the
   * mutator wrote; the collector itself never waits for mutators.
   */
  private collecting<T>(work: () => T): T {
    const back = this.coreNow;
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
    refuse('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
  }

  /** Converts `v` into the heap, charging its composite values to `pid`, enforcing the heap-cell quota. */
  private intern(v: Value, pid: Pid): number {
    const H = this.heap;
    const w = toHeap(H, v, pid);
    if (!this.mutants.has('quota-not-enforced') && this.overHeap(pid) !== null) {
      // Garbage may still be charged: collect (the new value is held as a host root meanwhile).
      this.hostRoots.add(w);
      this.collecting(() => this.collector.collect());
      this.hostRoots.delete(w);
      const why = this.overHeap(pid);
      if (why !== null) refuse('out-of-memory', why);
    }
    return w;
  }

  /** Which heap bound process `pid` is over (its own, its tree's, the kernel's), or null (ADR 0024). */
  private overHeap(pid: Pid): string | null {
    const H = this.heap;
    if (H.liveCells(pid) > this.quotas.heapCells) return `process ${pid} exceeds its quota of ${this.quotas.heapCells} heap cells`;
    const p = this.processes.get(pid);
    if (p === undefined) return null;
    let tree = 0;
    let total = 0;
    for (const q of this.processes.values()) {
      const c = H.liveCells(q.pid);
      total += c;
      if (q.tree === p.tree) tree += c;
    }
    if (total > this.quotas.totalHeapCells) return `process ${pid}: the processes hold ${total} heap cells, over totalHeapCells ${this.quotas.totalHeapCells}`;
    if (tree > this.quotas.treeHeapCells) return `process ${pid}: its tree (root ${p.tree}) holds ${tree} heap cells, over treeHeapCells ${this.quotas.treeHeapCells}`;
    return null;
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
      case 'spawn':
        return String(this.newChild(this.proc(op.pid), true).pid);
      case 'fork': {
        const parent = this.proc(op.pid);
        return String(this.forkProcess(parent, parent.prog === null ? null : copyState(parent.prog)).pid);
      }
      case 'exit':
        this.exitProcess(this.proc(op.pid));
        return 'nil';
      case 'atom': {
        const p = this.proc(op.pid);
        return printEdn(this.createAtom(p, parse(op.value, 'value')));
      }
      case 'swap':
      case 'swapVals': {
        const p = this.proc(op.pid);
        const id = this.lookup(p, op.ref);
        const f = this.compileFn(p, op.fn);
        const old = this.readAtom(id);
        const v = this.callSync(p, f, [old]);
        this.writeAtom(p, id, op.ref, v, 'write');
        return printEdn(op.op === 'swap' ? v : new Vector([old, v]));
      }
      case 'setValidator': {
        const p = this.proc(op.pid);
        const id = this.lookup(p, op.ref);
        this.setValidator(p, id, op.fn === null ? null : this.compileFn(p, op.fn));
        return 'nil';
      }
      case 'addWatch': {
        const p = this.proc(op.pid);
        const key = parse(op.key, 'key');
        const id = this.lookup(p, op.ref);
        this.watches.set(id, withWatch(this.watches.get(id) ?? [], { key, watcher: p.pid, fn: null }));
        return 'nil';
      }
      case 'removeWatch': {
        const p = this.proc(op.pid);
        const key = parse(op.key, 'key');
        const id = this.lookup(p, op.ref);
        this.watches.set(id, withoutWatch(this.watches.get(id) ?? [], key));
        return 'nil';
      }
      case 'load': {
        const p = this.proc(op.pid);
        if (typeof op.program !== 'string') refuse('bad-input', 'program must be EDN text');
        if (op.binary === undefined) this.load(p.pid, op.program);
        else {
          if (typeof op.binary !== 'string') refuse('bad-input', 'binary must be base64 text');
          if (op.program !== '') refuse('bad-input', 'a load carries its program as EDN text or as binary, not both (program must be empty)');
          this.loadBinary(p.pid, op.binary);
        }
        return 'nil';
      }
      case 'step':
      case 'run': {
        const p = this.proc(op.pid);
        if (p.prog === null) refuse('bad-input', `process ${p.pid} has no program loaded`);
        p.fuel = this.quotas.fuel;
        p.account.fuel = this.quotas.treeFuel;
        p.blockedOn = null;
        for (;;) {
          if (finished(p.prog!)) {
            const end = p.prog as Extract<MState, { m: 'halt' | 'failed' }>;
            if (end.m === 'halt') return printEdn(end.v);
            refuse(end.kind, end.msg);
          }
          const r = this.quantum(p, op.op === 'run');
          if (r === 'blocked') refuse('program-error', `join would block: process ${p.blockedOn} has not finished (no other process runs during '${op.op}')`);
          if (op.op === 'step' && r === 'yielded') return 'nil';
        }
      }
      case 'deref': {
        const id = this.lookup(this.proc(op.pid), op.ref);
        return `[${this.text(this.valueOf(id))} ${this.stampOf(id)}]`;
      }
      case 'reset': {
        const p = this.proc(op.pid);
        const v = parse(op.value, 'value');
        const id = this.lookup(p, op.ref);
        this.writeAtom(p, id, op.ref, v, 'reset');
        return printEdn(v);
      }
      case 'resetVals': {
        const p = this.proc(op.pid);
        const v = parse(op.value, 'value');
        const id = this.lookup(p, op.ref);
        const old = this.readAtom(id);
        this.writeAtom(p, id, op.ref, v, 'reset');
        return printEdn(new Vector([old, v]));
      }
      case 'cas': {
        const p = this.proc(op.pid);
        const v = parse(op.value, 'value');
        const id = this.lookup(p, op.ref);
        if (!isNat(op.stamp)) refuse('bad-input', 'stamp must be a non-negative integer');
        this.casStamp(p, id, op.ref, op.stamp, v);
        return String(this.stampOf(id));
      }
      case 'compareAndSet': {
        const p = this.proc(op.pid);
        const expected = parse(op.expected, 'expected');
        const v = parse(op.value, 'value');
        const id = this.lookup(p, op.ref);
        if (!this.atomEquals(id, expected, p.pid)) return 'false';
        this.writeAtom(p, id, op.ref, v, 'write');
        return 'true';
      }
      case 'share':
        return printEdn(new AtomRef(this.share(this.proc(op.pid), op.ref, op.to)));
      case 'hold': {
        const p = this.proc(op.pid);
        if (!isNat(op.reg)) refuse('bad-input', 'reg must be a non-negative integer');
        if (op.value === null) {
          if (this.mutants.has('hold-clears-registers')) p.regs.clear();
          else p.regs.delete(op.reg);
        } else {
          const v = parse(op.value, 'value');
          p.regs.set(op.reg, this.intern(v, op.pid));
        }
        return 'nil';
      }
      case 'gc':
        this.collector.collect();
        return 'nil';
      case 'gcStep':
        this.collector.step();
        return 'nil';
      default:
        refuse('unsupported', `the optimized kernel does not implement ${(op as { op: string }).op}`);
    }
  }

  // ---------------------------------------------------------------- atoms (shared by ops and programs)

  /** A new atom holding `v` in `p`'s table → its ref. @see Atoms.tla NewAtom */
  private createAtom(p: Process, v: Value): AtomRef {
    const w = this.intern(v, p.pid);
    const ref = this.nextRef++;
    const id = this.newAtom(w, 0, p.pid);
    p.table.set(ref, id);
    this.holders[id] = 1;
    return new AtomRef(ref);
  }

  /** The value of atom `id` (converted once per value word: the handle is stable while the atom holds it). */
  private readAtom(id: number): Value {
    const w = this.valueOf(id);
    const c = this.derefCache.get(id);
    if (c !== undefined && c.w === w) return c.v;
    const v = fromHeap(this.heap, w);
    this.derefCache.set(id, { w, v });
    return v;
  }

  /**
   * Writes `v` into atom `id` (named `ref` by the writer `p`): validator first (a failing one
   * changes nothing), then the value and stamp + 1, then the watches. @see Atoms.tla Write
   */
  private writeAtom(p: Process, id: number, ref: Ref, v: Value, how: 'reset' | 'write'): void {
    const list = this.watches.get(id);
    const validator = this.validators.get(id) ?? null;
    const needOld = (list !== undefined && list.length > 0) || this.mutants.has('watch-before-write');
    const old = needOld ? this.readAtom(id) : null;
    const watchesFirst = this.mutants.has('watch-before-write');
    if (watchesFirst) this.notify(p, id, ref, old, v);
    if (validator !== null && !(how === 'reset' && this.mutants.has('reset-skips-validator'))) {
      const owner = this.validatorOwners.get(id) ?? p.pid;
      if (!truthy(this.callback(p, owner, validator, [v], { kind: 'validator' }))) throw new KernelError('validator-rejected', `validator rejected ${short(v)}`);
    }
    const w = this.intern(v, p.pid);
    this.write(id, w);
    this.derefCache.set(id, { w, v });
    if (!watchesFirst) this.notify(p, id, ref, old, v);
  }

  private notify(p: Process, id: number, ref: Ref, old: Value, v: Value): void {
    for (const w of this.watches.get(id) ?? []) {
      if (w.fn === null) {
        const watcher = this.processes.get(w.watcher);
        if (watcher !== undefined) watcher.output.push(printEdn(new Vector([w.key, old, v])));
      } else {
        // The watch gets the atom under its owner's name for it (the writer's, for its own watches).
        const owner = this.processes.get(w.watcher);
        const asWriter = w.watcher === p.pid || this.mutants.has('watch-runs-as-writer') || owner === undefined;
        const name = asWriter ? ref : lowestRef(owner.table, id);
        if (name === undefined) continue;
        this.callback(p, w.watcher, w.fn, [w.key, new AtomRef(name), old, v], { kind: 'watch', key: w.key });
      }
    }
  }

  /**
   * Runs a validator or watch installed by `ownerPid` for a write by `writer` (ADR 0024): on the
   * owner's behalf (its table, output, registers, heap account). Own code runs like any call of
   * the writer's. Foreign code gets at most `callbackFuel` steps, charged to the owner's tree; its
   * failure never fails the writer: a failing validator rejects the write, a failing watch leaves
   * `[:watch-failed key :kind]` in its owner's output.
   */
  private callback(writer: Process, ownerPid: Pid, fn: Fn, args: readonly Value[], what: { kind: 'validator' } | { kind: 'watch'; key: Value }): Value {
    const asWriter = this.mutants.has(what.kind === 'validator' ? 'validator-runs-as-writer' : 'watch-runs-as-writer');
    const owner = this.processes.get(ownerPid);
    if (asWriter || ownerPid === writer.pid) return this.callSync(writer, fn, args);
    if (owner === undefined) return what.kind === 'validator' ? true : null; // exit removes its code; never run it as someone else
    if (this.mutants.has('foreign-code-charged-to-writer')) {
      // Seeded bug: the owner's code runs on the writer's fuel and its failure is the writer's.
      const saved = owner.fuel;
      owner.fuel = this.running > 0 ? this.rt.fuel : writer.fuel;
      this.running++;
      try {
        const end = this.drive(owner, callState(fn, args), true).state;
        if (this.running > 1) this.rt.fuel = owner.fuel;
        if (end.m === 'halt') return end.v;
        if (end.m === 'failed') throw new Raised('program-error', end.msg, end.err);
        throw new Raised('program-error', 'a validator, watch or swap function may not block (join)');
      } finally {
        this.running--;
        owner.fuel = saved;
      }
    }
    const saved = owner.fuel;
    const savedBlocked = owner.blockedOn;
    owner.fuel = Math.max(0, Math.min(this.quotas.callbackFuel, owner.account.fuel));
    let failure: { kind: string; message: string };
    this.running++;
    try {
      const end = this.drive(owner, callState(fn, args), true).state;
      if (end.m === 'halt') return end.v;
      failure = end.m === 'failed' ? { kind: end.kind, message: end.msg } : { kind: 'program-error', message: 'a validator or watch may not block (join)' };
    } catch (e) {
      const f = failureOf(e);
      if (f === null) throw e;
      failure = f;
    } finally {
      this.running--;
      owner.fuel = saved;
      owner.blockedOn = savedBlocked;
    }
    if (what.kind === 'validator') throw new KernelError('validator-rejected', `the validator of process ${owner.pid} failed (${failure.kind}: ${failure.message})`);
    owner.output.push(printEdn(new Vector([Keyword.of('watch-failed'), what.key, Keyword.of(failure.kind)])));
    return null;
  }

  /** Whether atom `id` holds a value equal to `v`, compared in the heap (hash and structure). */
  private atomEquals(id: number, v: Value, pid: Pid): boolean {
    const w = this.intern(v, pid);
    return eqWords(this.heap, this.valueOf(id), w);
  }

  /** `cas`: writes iff `stamp` is the atom's stamp → the new stamp. @see Atoms.tla CAS */
  private casStamp(p: Process, id: number, ref: Ref, stamp: number, v: Value): number {
    const current = this.stampOf(id);
    if (stamp !== current) {
      const then = this.mutants.has('cas-compares-values') ? this.history.get(id)?.get(stamp) : undefined;
      if (then === undefined || then !== this.text(this.valueOf(id))) throw new KernelError('stale-stamp', `stamp ${stamp} is stale (the atom's stamp is ${current})`);
    }
    this.writeAtom(p, id, ref, v, 'write');
    return this.stampOf(id);
  }

  private setValidator(p: Process, id: number, f: Fn | null): void {
    if (f !== null && !truthy(this.callSync(p, f, [this.readAtom(id)]))) throw new KernelError('validator-rejected', 'the current value fails the new validator');
    if (f === null) this.validators.delete(id);
    else this.validators.set(id, f);
    this.validatorOwners.set(id, p.pid);
  }

  /** `share`: only the creator may share; the target gets the lowest ref it has for the atom, or a fresh one. @see Atoms.tla Share */
  private share(p: Process, ref: Ref, to: unknown): Ref {
    const id = this.lookup(p, ref);
    // the creator check comes first (Kernel.tla Share): a process that may not share an atom learns nothing about other pids
    if (this.creator[id] !== p.pid && !this.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
    const target = this.proc(to);
    this.shared[id] = true;
    let existing: Ref | undefined;
    for (const [r, other] of target.table) if (other === id && (existing === undefined || r < existing)) existing = r;
    if (existing !== undefined) return existing;
    const fresh = this.nextRef++;
    target.table.set(fresh, id);
    this.holders[id]!++;
    return fresh;
  }

  /**
   * Fork (ADR 0003): the child's table has the parent's refs; a private atom is re-pointed at a
   * new atom (same value word, same stamp, validator kept, no watches); shared atoms stay shared.
   * O(#atoms + #registers): no value is copied. @see Fork.tla Fork
   */
  private forkProcess(parent: Process, prog: MState | null): Process {
    const child = this.newChild(parent, false);
    this.forks++;
    const sharePrivate = this.mutants.has('fork-shares-private');
    const copies = new Map<number, number>();
    for (const [ref, id] of parent.table) {
      let target = id;
      if (!this.shared[id] && !sharePrivate) {
        let copy = copies.get(id);
        if (copy === undefined) {
          copy = this.newAtom(this.valueOf(id), this.stampOf(id), child.pid);
          if (this.mutants.has('cas-compares-values')) this.history.set(copy, new Map(this.history.get(id)));
          const validator = this.validators.get(id);
          if (validator !== undefined) {
            this.validators.set(copy, validator);
            this.validatorOwners.set(copy, child.pid);
          }
          this.holders[copy] = 0;
          copies.set(id, copy);
        }
        target = copy;
      }
      child.table.set(ref, target);
      this.holders[target]!++;
      this.work.forkCopies++;
    }
    const dropLast = this.mutants.has('fork-drops-register') && parent.regs.size > 0 ? Math.max(...parent.regs.keys()) : -1;
    for (const [r, w] of parent.regs) if (r !== dropLast) child.regs.set(r, w);
    this.work.forkCopies += parent.regs.size;
    child.prog = prog;
    return child;
  }

  /**
   * A new live process created by `creator`: in `creator`'s tree, or (`newTree`, the `spawn`
   * operation) the root of a new one; `process-limit` when the tree or the kernel has no room.
   * @see Capabilities.tla TreeBound
   */
  private newChild(creator: Process, newTree: boolean): Process {
    const tree = newTree ? this.nextPid : creator.tree;
    if (!this.mutants.has('no-process-limit')) {
      const live = this.processes.size;
      let inTree = 0;
      for (const q of this.processes.values()) if (q.tree === tree) inTree++;
      if (live >= this.quotas.maxProcesses) throw new KernelError('process-limit', `the kernel already runs ${live} processes (maxProcesses ${this.quotas.maxProcesses})`);
      if (inTree >= this.quotas.treeProcesses) throw new KernelError('process-limit', `the tree of process ${creator.pid} already has ${inTree} live processes (treeProcesses ${this.quotas.treeProcesses})`);
    }
    const child = newProcess(this.nextPid++, this.quotas.fuel, creator.pid, newTree ? null : creator, this.quotas.treeFuel);
    this.processes.set(child.pid, child);
    this.created++;
    this.parents.set(child.pid, creator.pid);
    return child;
  }

  /** Ends `p`: its table and registers stop being roots; its program's end state stays for `join`. */
  private exitProcess(p: Process): void {
    // The table stops being a root set: while marking, shade its values first (Kernel.tla Exit).
    this.collector.shadeOnExit([...p.table.values()].map((id) => this.valueOf(id)));
    for (const id of p.table.values()) {
      if (--this.holders[id]! > 0) continue;
      // Nobody can name this atom any more: forget what the language kept about it.
      this.derefCache.delete(id);
      this.validators.delete(id);
      this.validatorOwners.delete(id);
      this.watches.delete(id);
    }
    // Code of an exited process never runs again (ADR 0024): its validators and watches go.
    for (const [id, owner] of this.validatorOwners) {
      if (owner !== p.pid) continue;
      this.validators.delete(id);
      this.validatorOwners.delete(id);
    }
    for (const [id, list] of this.watches) if (list.some((w) => w.watcher === p.pid)) this.watches.set(id, list.filter((w) => w.watcher !== p.pid));
    this.held.delete(p.pid);
    this.exitedOutput.set(p.pid, p.output);
    this.processes.delete(p.pid);
    this.ended.set(p.pid, p.prog);
  }

  // ---------------------------------------------------------------- the language

  private bootLanguage(): void {
    this.inPlaceBug = this.mutants.has('in-place-update-shared');
    const natives = createNatives({ offByOne: this.mutants.has('collection-off-by-one'), staleVersions: this.mutants.has('vmap-stale-version'), inPlace: (o, u) => this.inPlace(o, u), maxElements: this.mutants.has('quota-not-enforced') ? Infinity : this.quotas.heapCells });
    const names = [...natives.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const make = (name: string, impl: Impl): Fn => new Fn(this.rt.nextFnId++, name, impl);
    for (const name of names) this.core.set(name, make(name, { kind: 'native', name, fn: this.metered(name, natives.get(name)!) }));
    for (const name of KERNEL_CALL_NAMES) this.core.set(name, make(name, { kind: 'kernel', name }));
    this.core.set('apply', make('apply', { kind: 'apply' }));
    this.tier1 = new Tier1({
      ...(this.tier === 2 ? { tier2: this.tier2Hook() } : {}),
      rt: this.rt,
      builtins: this.core,
      charge: this.charge,
      heapCells: this.quotas.heapCells,
      bugs: { wrongOverflow: this.mutants.has('jit-wrong-overflow'), wrongCapture: this.mutants.has('jit-wrong-capture'), staleCode: this.mutants.has('jit-stale-code'), fallbackDropsArg: this.mutants.has('jit-fallback-args'), offByOne: this.mutants.has('collection-off-by-one') },
    });
    // The prelude defines into the core library (not the program namespace).
    const { forms, positions } = readEdnForms(PRELUDE);
    const boot = newProcess(-1, Number.MAX_SAFE_INTEGER, -1, null, Number.MAX_SAFE_INTEGER);
    this.bootDefine = (sym, v) => {
      if (!(v instanceof Fn)) throw new Error(`the prelude defines a non-function ${sym.name}`);
      this.core.set(sym.name, v);
    };
    try {
      const end = this.drive(boot, programState(new Compiler(positions).program(forms).main), true);
      if (end.state.m !== 'halt') throw new Error(`the prelude failed to load: ${end.state.m === 'failed' ? end.state.msg : end.state.m}`);
    } finally {
      this.bootDefine = null;
    }
  }

  /**
   * A built-in whose work is charged: a result of n elements costs ⌊n/16⌋ extra units of fuel
   * (so a loop that copies ever larger values runs out of fuel in bounded time and memory), and a
   * single value larger than the heap-cell quota is `out-of-memory` (see {@link charge}).
   */
  private metered(name: string, f: NativeFn): NativeFn {
    const charge = this.charge;
    return (args) => {
      const r = f(args);
      const n = elementsOf(r);
      if (n < 16) return r;
      // Only new storage costs fuel: a result that is an argument, or shares one's storage, is free.
      const shared = (r instanceof List && r.isSuffix) || args.includes(r) || (r instanceof Vector && args.some((x) => x instanceof Vector && x.sharesStorageWith(r)));
      charge(name, n, !shared);
      return r;
    };
  }

  /**
   * Charges built-in `name` for a result of `n` elements: over the heap-cell quota it is
   * `out-of-memory`; when it is new storage (`fresh`) it costs ⌊n/16⌋ fuel and counts towards the
   * next measurement of what the program holds. Used by {@link metered} and by compiled code that
   * inlines a built-in (tier 1's `assoc`), so both charge alike.
   */
  private readonly charge = (name: string, n: number, fresh: boolean): void => {
    const rt = this.rt;
    if (n < 16) return;
    if (n > this.quotas.heapCells && !this.mutants.has('quota-not-enforced')) throw new QuotaExceeded('out-of-memory', `process ${rt.pid}: ${name} would build a value of ${n} elements, over the heap quota of ${this.quotas.heapCells} cells`);
    if (!fresh) return;
    rt.fuel -= n >> 4;
    if (rt.fuel < 0) rt.outOfFuel();
    rt.allocated += n;
    // Time to measure what the program holds: the interpreter does it, from its machine state.
    // Compiled code hands over (the call re-runs interpreted), so the quota is enforced at the
    // same points on every tier: once per quota's worth of elements built.
    if (rt.allocated > rt.nextCheck && rt.inCompiled > 0) throw MEMCHECK;
  };

  /**
   * Measures what a program's state holds (values reachable from its machine state, counted once
   * each, weighed as the quotas count: a collection of n elements weighs 1 + n cells, a string
   * one more per 8 characters); over the heap-cell quota it is `out-of-memory`, and over the tree's
   * or the kernel's bound (with what the other programs held at their last measurement) too.
   * Runs when built-ins have built another quota's worth of elements since the last measurement
   * (amortized O(1)).
   */
  private memoryCheck(p: Process, state: MState): void {
    const rt = this.rt;
    const budget = this.quotas.heapCells;
    rt.nextCheck = rt.allocated + budget;
    if (this.mutants.has('quota-not-enforced')) return;
    const seen = new Set<object>();
    const todo: Value[] = [...stateValues(state)];
    let held = 0;
    while (todo.length > 0) {
      const v = todo.pop()!;
      if (typeof v === 'string') held += v.length >> 3;
      if (v === null || typeof v !== 'object' || seen.has(v)) continue;
      seen.add(v);
      if (v instanceof Vector || v instanceof List) {
        // Read through `at`: `items` would stop a vector from appending in place.
        const n = v.size;
        held += 1 + n;
        for (let i = 0; i < n; i++) {
          const x = v.at(i)!;
          if (x !== null && typeof x === 'object') todo.push(x);
          else if (typeof x === 'string') held += x.length >> 3;
        }
      } else if (v instanceof ESet) {
        held += 1 + v.items.length;
        for (const x of v.items) if ((x !== null && typeof x === 'object') || typeof x === 'string') todo.push(x);
      } else if (v instanceof EMap) {
        held += 1 + v.size;
        for (const [k, x] of v.entries) todo.push(k, x);
      } else if (v instanceof Fn) {
        const impl = implOf(v);
        if (impl.kind === 'closure') for (const c of impl.caps) todo.push(c);
        held += 1;
      } else held += 1;
      if (held > budget) throw new QuotaExceeded('out-of-memory', `process ${p.pid} holds more than its heap quota of ${budget} cells`);
    }
    // The tree's and the kernel's bounds, over what each program held at its last check (ADR 0024).
    this.held.set(p.pid, held);
    let tree = 0;
    let total = 0;
    for (const [pid, n] of this.held) {
      const q = this.processes.get(pid);
      if (q === undefined) continue;
      total += n;
      if (q.tree === p.tree) tree += n;
    }
    if (tree > this.quotas.treeHeapCells) throw new QuotaExceeded('out-of-memory', `process ${p.pid}: the programs of its tree (root ${p.tree}) hold more than treeHeapCells ${this.quotas.treeHeapCells} cells`);
    if (total > this.quotas.totalHeapCells) throw new QuotaExceeded('out-of-memory', `process ${p.pid}: the programs hold more than totalHeapCells ${this.quotas.totalHeapCells} cells`);
  }

  /** Hands hot arities in the numeric subset to tier 2 (LLVM → WebAssembly, optimized/jit/tier2). */
  private tier2Hook(): Tier2Hook {
    const avail = tier2Available();
    if (!avail.ok) throw new KernelError('unsupported', `JIT tier 2 is not available: ${avail.reason ?? 'unknown reason'}`);
    const resolve: Resolver = (sym) => {
      const v = this.global(sym);
      if (!(v instanceof Fn)) return null;
      const impl = implOf(v);
      return impl.kind === 'closure' ? { lambda: impl.lambda } : impl.kind === 'native' ? { native: impl.name } : null;
    };
    const opts = { miscompileCompare: this.mutants.has('jit-tier2-compare') };
    const reducers = new WeakMap<Arity, { code: Tier2Code | null; valid: () => boolean }>();
    /**
     * Compiles `plan` (synchronously under `tier2Sync`, else off the main path) and hands the code
     * to `ready` with a check that the globals it depends on are still what they are now; false
     * when a synchronous compilation failed (a failed asynchronous one leaves tier 1 in place).
     */
    const compile = (plan: Plan, ready: (code: Tier2Code, stillValid: () => boolean) => void): boolean => {
      const snapshot = new Map(this.namespace);
      const at = (sym: Sym): Value | undefined => snapshot.get(sym) ?? (sym.ns === null ? this.core.get(sym.name) : undefined);
      const done = (code: Tier2Code): void => {
        const stats = this.tier1!.stats;
        stats.tier2Compiled++;
        stats.tier2CompileMs += code.compileMs;
        ready(code, () => code.deps.every((d) => this.global(d) === at(d)));
      };
      if (!this.tier2Sync) {
        compileAsync(plan, opts).then(done, () => undefined);
        return true;
      }
      try {
        done(compileSync(plan, opts));
        return true;
      } catch {
        return false;
      }
    };
    return {
      threshold: this.tier2Threshold,
      offer: (arity, install) => {
        // Only code that loops or calls other functions repays a trip through the wasm boundary
        // (a leaf like (fn [a b] (+ a b)) runs faster in tier 1).
        if (!loopsOrCalls(arity.body, resolve)) return false;
        const a = analyze(arity, resolve);
        return a.ok && compile(a.plan, (code, stillValid) => install(code.entry, stillValid));
      },
      reducer: (arity) => {
        // One compilation per reducing function (leaves included: the driver's loop is what repays
        // the trip into wasm), at its first `reduce` over a vector; valid while its globals are.
        let r = reducers.get(arity);
        if (r === undefined) {
          const state: { code: Tier2Code | null; valid: () => boolean } = { code: null, valid: () => false };
          reducers.set(arity, state);
          const a = analyze(arity, resolve);
          if (a.ok && hasReduceDriver(a.plan))
            compile(a.plan, (code, stillValid) => {
              state.code = code;
              state.valid = stillValid;
            });
          r = state;
        }
        if (r.code === null) return null;
        if (!r.valid()) {
          // A global the code calls was redefined: tier 1 for good.
          r.code = null;
          return null;
        }
        return r.code.reduce ?? null;
      },
    };
  }

  /** The seeded bug `in-place-update-shared`: an update of a vector that an atom holds overwrites the atom's cell. */
  private inPlace(original: Vector, updated: Vector): void {
    if (!this.inPlaceBug) return;
    for (const [id, c] of this.derefCache) {
      if (c.v !== original || this.valueOf(id) !== c.w) continue;
      const w = this.intern(updated, this.creator[id] ?? 0);
      this.heap.mem.store32(this.slot(id), w);
      this.derefCache.set(id, { w, v: updated });
    }
  }

  private global(sym: Sym): Value | undefined {
    const v = this.namespace.get(sym);
    if (v !== undefined) return v;
    return sym.ns === null ? this.core.get(sym.name) : undefined;
  }

  /** `def`: re-points the namespace (running calls keep the code they started with). */
  private define(sym: Sym, v: Value): void {
    if (this.bootDefine !== null) {
      this.bootDefine(sym, v);
      return;
    }
    this.namespace.set(sym, v);
    this.rt.nsVersion++;
    this.tier1?.forgetSites();
  }

  /** Loads program text into `pid` (replacing its program). Throws bad-input on malformed text. */
  load(pid: Pid, text: string): void {
    const p = this.proc(pid);
    const { forms, positions } = readEdnForms(text);
    this.loadForms(p, forms, positions);
    this.tier1?.forgetSites();
  }

  /**
   * Loads a program given as a binary blob (base64 text of `encodeAll(forms)`) into `pid`.
   * Throws bad-input when the text is not base64 or the blob does not decode.
   */
  loadBinary(pid: Pid, base64: string): void {
    const counter = { nodes: 0 };
    const forms = decodeAll(fromBase64(base64), { mutants: this.codecMutants, counter });
    this.codecValues += counter.nodes;
    this.loadValues(pid, forms);
  }

  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void {
    this.loadForms(this.proc(pid), forms);
    this.tier1?.forgetSites();
  }

  /** Completed collection cycles so far. */
  get gcCount(): number {
    return this.collector.stats.cycles;
  }

  /** Loads already-read forms into `pid`. */
  private loadForms(p: Process, forms: readonly Value[], positions: WeakMap<object, Position> = new WeakMap()): void {
    p.prog = programState(new Compiler(positions).program(forms).main);
    p.blockedOn = null;
    p.fuel = this.quotas.fuel;
  }

  private hostFor(p: Process, atomic: boolean): ExecHost {
    return {
      kernelCall: (name, args, k) => this.kernelCall(p, atomic, name, args, k),
      define: (sym, v) => this.define(sym, v),
      memoryCheck: (state) => this.memoryCheck(p, state),
      compiled: (fn, arity) => {
        if (this.tier < 1) return null;
        if (arity.jit.deopts > 2) return null; // it keeps reaching kernel calls: stay interpreted
        if (++arity.jit.calls <= this.jitThreshold) return null;
        return this.callCompiled;
      },
    };
  }

  private readonly callCompiled: CompiledArity = (fn, arity, args) => this.tier1!.callArity(fn, arity, args);

  /** Runs `p` from `s` until it finishes, blocks, or (unless `atomic`) yields; one fuel budget in `p.fuel`. */
  private drive(p: Process, s: MState, atomic: boolean): { state: MState; yielded: boolean; blocked: boolean } {
    const rt = this.rt;
    const savedPid = rt.pid;
    const savedFuel = rt.fuel;
    const savedDepth = rt.depth;
    const savedAllocated = rt.allocated;
    const savedCheck = rt.nextCheck;
    const nested = savedPid !== -1 || this.running > 0;
    const savedGiven = this.forkGiven;
    this.forkGiven = 0;
    // A step costs the process and its tree (ADR 0024): run on the smaller of the two budgets.
    const ownFuel = p.fuel;
    const fromTree = p.account.fuel < ownFuel;
    const cap = Math.max(0, fromTree ? p.account.fuel : ownFuel);
    rt.pid = p.pid;
    rt.fuel = cap;
    if (!nested) {
      rt.allocated = 0;
      rt.nextCheck = this.quotas.heapCells;
    }
    rt.fuelQuota = this.quotas.fuel;
    rt.depth = 0;
    try {
      return run(s, rt, this.hostFor(p, atomic), atomic);
    } catch (e) {
      if (fromTree && e instanceof QuotaExceeded && e.kind === 'fuel-exhausted') throw new QuotaExceeded('fuel-exhausted', `process ${p.pid}: its tree (root ${p.tree}) used up the tree's fuel (${this.quotas.treeFuel} steps)`);
      throw e;
    } finally {
      const used = cap - Math.max(0, rt.fuel);
      p.fuel = ownFuel - used;
      p.account.fuel -= used - this.forkGiven;
      this.forkGiven = savedGiven;
      if (nested) {
        rt.pid = savedPid;
        rt.fuel = savedFuel;
        rt.depth = savedDepth;
        rt.allocated = Math.max(savedAllocated, rt.allocated);
        rt.nextCheck = savedCheck;
      }
    }
  }

  /** One quantum of `p`'s program; a quota error ends the program (typed) but not the kernel. */
  private quantum(p: Process, untilDone: boolean): 'yielded' | 'blocked' | 'finished' {
    for (;;) {
      let r: { state: MState; yielded: boolean; blocked: boolean };
      this.running++;
      try {
        r = this.drive(p, p.prog!, false);
      } catch (e) {
        const q = quotaOf(e);
        if (q === null) throw e;
        p.prog = { m: 'failed', kind: q.kind, msg: q.message, err: errorMap(q.kind, q.message) };
        return 'finished';
      } finally {
        this.running--;
      }
      p.prog = r.state;
      if (!this.processes.has(p.pid)) {
        this.ended.set(p.pid, r.state);
        return 'finished';
      }
      if (r.blocked) return 'blocked';
      if (finished(r.state)) return 'finished';
      if (!untilDone) return 'yielded';
    }
  }

  /** Calls `f` with `args` to completion, atomically (validators, watches, the `swap` op's function). */
  private callSync(p: Process, f: Value, args: readonly Value[]): Value {
    const fuel = p.fuel;
    p.fuel = this.running > 0 ? this.rt.fuel : this.quotas.fuel;
    this.running++;
    let end: MState;
    try {
      end = this.drive(p, callState(f, args), true).state;
    } finally {
      this.running--;
      if (this.running === 0) p.fuel = fuel;
    }
    if (end.m === 'halt') return end.v;
    if (end.m === 'failed') throw new Raised('program-error', end.msg, end.err);
    throw new Raised('program-error', 'a validator, watch or swap function may not block (join)');
  }

  /** Evaluates `src` (the text of one function) in `p` → the function. */
  private compileFn(p: Process, src: unknown): Fn {
    if (typeof src !== 'string') refuse('bad-input', `fn must be the text of a function, got ${JSON.stringify(src)}`);
    const { forms, positions } = readEdnForms(src);
    if (forms.length !== 1) refuse('bad-input', `expected one function form, found ${forms.length}`);
    const fuel = p.fuel;
    p.fuel = this.quotas.fuel;
    let end: MState;
    this.running++;
    try {
      end = this.drive(p, programState(new Compiler(positions).program(forms).main), true).state;
    } finally {
      this.running--;
      p.fuel = fuel;
    }
    if (end.m === 'failed') refuse('bad-input', `function source failed to evaluate: ${end.msg}`);
    if (end.m !== 'halt' || !(end.v instanceof Fn)) refuse('bad-input', `not a function: ${src}`);
    return end.v;
  }

  /** The atom `ref` names in `p`'s table, with the language's error messages. */
  private resolveLang(p: Process, ref: Ref): number {
    const id = p.table.get(ref);
    if (id !== undefined) return id;
    throw new KernelError('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
  }

  /** `self` and `held`: kernel calls that only read the caller's own state (compiled code may perform them). */
  private pureCall(name: string, args: readonly Value[]): Value {
    const p = this.processes.get(this.rt.pid);
    if (p === undefined) throw new Error('pureCall: no running process');
    if (!isKernelCallName(name) || !kernelCallIsPure(name)) throw new Error(`pureCall: ${name} is not a pure kernel call`);
    checkKernelCallArity(name, args);
    return name === 'self' ? BigInt(p.pid) : this.heldValue(p, args[0]);
  }

  /** What register `v` (an integer) of `p` holds, or nil. */
  private heldValue(p: Process, v: Value | undefined): Value {
    const reg = registerArg('held', v);
    const w = reg >= 0n && reg <= BigInt(Number.MAX_SAFE_INTEGER) ? p.regs.get(Number(reg)) : undefined;
    return w === undefined ? null : fromHeap(this.heap, w);
  }

  private kernelCall(p: Process, atomic: boolean, name: string, args: readonly Value[], k: Kont): KernelResult {
    if (!isKernelCallName(name)) throw new Raised('program-error', `unknown kernel call ${name}`);
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    checkKernelCallArity(name, args);
    const yields = kernelCallYields(name);
    return this.callHandlers[name]({ p, atomic, name, args, k, done: (value) => ({ value, yields }) });
  }

  /** The heap id of the atom a kernel call's first argument names in the caller's table, and its ref. */
  private callAtom(c: OptCall): [number, Ref] {
    const ref = atomArg(c.name, c.args[0]).ref;
    return [this.resolveLang(c.p, ref), ref];
  }

  /** The kernel calls of the language (spec/lang/kernelCalls.ts), one handler each. */
  private readonly callHandlers: KernelCallHandlers<OptCall, KernelResult> = {
    atom: (c) => c.done(this.createAtom(c.p, c.args[0]!)),
    deref: (c) => c.done(this.readAtom(this.callAtom(c)[0])),
    'deref-stamp': (c) => {
      const id = this.callAtom(c)[0];
      return c.done(new Vector([this.readAtom(id), BigInt(this.stampOf(id))]));
    },
    'reset!': (c) => c.done(this.resetTo(c, this.callAtom(c))),
    'reset-vals!': (c) => {
      const at = this.callAtom(c);
      return c.done(new Vector([this.readAtom(at[0]), this.resetTo(c, at)]));
    },
    'cas!': (c) => {
      const [id, ref] = this.callAtom(c);
      return c.done(BigInt(this.casStamp(c.p, id, ref, Number(stampArg(c.args[1])), c.args[2]!)));
    },
    '%commit!': (c) => this.writeIf(c, (id) => this.stampOf(id) === Number(c.args[1]) || this.mutants.has('swap-no-retry')),
    'compare-and-set!': (c) => this.writeIf(c, (id) => this.atomEquals(id, c.args[1]!, c.p.pid)),
    'set-validator!': (c) => {
      const id = this.callAtom(c)[0];
      this.setValidator(c.p, id, validatorArg(c.args[1]));
      return c.done(null);
    },
    'add-watch': (c) => {
      const id = this.callAtom(c)[0];
      this.watches.set(id, withWatch(this.watches.get(id) ?? [], { key: c.args[1]!, watcher: c.p.pid, fn: watchArg(c.args[2]) }));
      return c.done(c.args[0]!);
    },
    'remove-watch': (c) => {
      const id = this.callAtom(c)[0];
      this.watches.set(id, withoutWatch(this.watches.get(id) ?? [], c.args[1]!));
      return c.done(c.args[0]!);
    },
    'share!': (c) => c.done(new AtomRef(this.shareLang(c.p, this.callAtom(c)[1], Number(pidArg('share!', c.args[1]))))),
    fork: (c) => {
      if (c.atomic) forkNotAllowed();
      this.chargeCreation();
      const child = this.forkProcess(c.p, copyState({ m: 'ret', v: null, k: c.k }));
      // The child continues the same computation: it gets half of what is left (ADR 0024).
      child.fuel = Math.floor(Math.max(0, this.rt.fuel) / 2);
      this.rt.fuel -= child.fuel;
      this.forkGiven += child.fuel;
      return c.done(BigInt(child.pid));
    },
    spawn: (c) => {
      const { p } = c;
      const f = spawnArg(c.args[0]);
      this.chargeCreation();
      const rest = c.args.slice(1);
      for (const x of rest) {
        if (x instanceof AtomRef && this.creator[this.resolveLang(p, x.ref)] !== p.pid && !this.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create ${short(x)} and may not share it`);
      }
      const child = this.newChild(p, false);
      child.prog = callState(
        f,
        rest.map((x) => (x instanceof AtomRef ? new AtomRef(this.shareLang(p, x.ref, child.pid)) : x)),
      );
      return c.done(BigInt(child.pid));
    },
    self: (c) => c.done(BigInt(c.p.pid)),
    held: (c) => c.done(this.heldValue(c.p, c.args[0])),
    exit: (c) => {
      const v = c.args[0] ?? null;
      c.p.prog = { m: 'halt', v };
      this.exitProcess(c.p);
      return { value: v, yields: true, halt: true };
    },
    join: (c) => this.joinCall(c),
    println: (c) => c.done((c.p.output.push(outputLine(c.args, false)), null)),
    prn: (c) => c.done((c.p.output.push(outputLine(c.args, true)), null)),
    'hold!': (c) => {
      const reg = Number(registerArg('hold!', c.args[0]));
      if (c.args[1] === null) c.p.regs.delete(reg);
      else c.p.regs.set(reg, this.intern(c.args[1]!, c.p.pid));
      return c.done(null);
    },
    gc: (c) => {
      this.collecting(() => this.collector.collect());
      return c.done(null);
    },
  };

  /** `reset!` and `reset-vals!`: points the atom `at` at the second argument (validator checked) → that value. */
  private resetTo(c: OptCall, at: [number, Ref]): Value {
    this.writeAtom(c.p, at[0], at[1], c.args[1]!, 'reset');
    return c.args[1]!;
  }

  /** `%commit!` and `compare-and-set!`: writes the third argument when `ok` holds of the atom → whether it wrote. */
  private writeIf(c: OptCall, ok: (id: number) => boolean): KernelResult {
    const [id, ref] = this.callAtom(c);
    if (!ok(id)) return c.done(false);
    this.writeAtom(c.p, id, ref, c.args[2]!, 'write');
    return c.done(true);
  }

  /** `(join pid)`: the result of a child that has finished, else the caller blocks. */
  private joinCall(c: OptCall): KernelResult {
    const { p } = c;
    const pid = pidArg('join', c.args[0]);
    const target = Number(pid);
    const live = this.processes.get(target);
    if (live === undefined && !this.ended.has(target)) throw new KernelError('no-such-process', `no process ${pid}`);
    if (this.parents.get(target) !== p.pid && !this.mutants.has('join-any-process')) throw new KernelError('capability-denied', target === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target} and may not join it`);
    const end = live !== undefined ? live.prog : this.ended.get(target)!;
    if (live !== undefined && !(end === null || finished(end))) {
      if (c.atomic) joinMayNotBlock();
      p.blockedOn = target;
      return { blocked: true };
    }
    p.blockedOn = null;
    if (end !== null && end.m === 'failed') throw new Raised('program-error', `process ${target} failed: ${end.msg}`, errorMap(end.kind, end.msg));
    return c.done(end !== null && end.m === 'halt' ? end.v : null);
  }

  /** A program's `spawn` or `fork` costs {@link PROCESS_CREATION_FUEL} of the running budget, created or refused. */
  private chargeCreation(): void {
    this.rt.fuel -= PROCESS_CREATION_FUEL;
    if (this.rt.fuel < 0) this.rt.outOfFuel();
  }

  /** `share!` from a program (the reference's messages). */
  private shareLang(p: Process, ref: Ref, to: Pid): Ref {
    const target = this.processes.get(to);
    const id = this.resolveLang(p, ref);
    if (this.creator[id] !== p.pid && !this.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
    if (target === undefined) throw new KernelError('no-such-process', `no process ${to}`);
    return this.share(p, ref, to);
  }

  /** Performs one operation; never throws for a program's or caller's fault. */
  apply(op: Op): Outcome {
    if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op: unknown }).op as string)) {
      return fail('bad-input', `unknown operation ${JSON.stringify((op as { op?: unknown } | null)?.op)}`);
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
      else if (e instanceof Raised) out = fail(e.kind, e.message);
      else if (e instanceof QuotaExceeded) out = fail(e.kind, e.message);
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

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    const done = (pid: Pid): boolean => {
      const q = this.processes.get(pid);
      return q === undefined || (q.prog !== null && finished(q.prog));
    };
    return [...this.processes.values()]
      .filter((p) => p.prog !== null && !finished(p.prog) && (p.blockedOn === null || done(p.blockedOn)))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
  }

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler` (one choice = one quantum: up to and including the next kernel call), exactly as
   * the reference kernel's `runAll` does. Each process and each tree gets one fuel budget for the
   * whole run (ADR 0024). Returns the number of quanta run.
   */
  runAll(scheduler: { next(runnable: readonly Pid[]): Pid }, maxQuanta = Number.MAX_SAFE_INTEGER): number {
    for (const p of this.processes.values()) {
      p.fuel = this.quotas.fuel;
      p.account.fuel = this.quotas.treeFuel;
    }
    let quanta = 0;
    for (; quanta < maxQuanta; quanta++) {
      const runnable = this.runnable();
      if (runnable.length === 0) break;
      const p = this.processes.get(scheduler.next(runnable))!;
      const before = this.heap.counters.wordsAllocated;
      this.onCore(this.coreOf(p.pid));
      this.quantum(p, false);
      this.heap.mem.fence();
      const allocated = this.heap.counters.wordsAllocated - before;
      this.collecting(() => this.collector.pace(allocated));
      this.heap.mem.tick?.();
    }
    // Whoever still waits for a process that can never finish is deadlocked.
    for (const p of this.processes.values()) {
      if (p.blockedOn !== null && p.prog !== null && !finished(p.prog)) {
        const msg = `deadlock: process ${p.pid} waits for process ${p.blockedOn}, which never finishes`;
        p.prog = { m: 'failed', kind: 'program-error', msg, err: errorMap('program-error', msg) };
        p.blockedOn = null;
      }
    }
    return quanta;
  }

  /** How each process's program ended (null while running or without a program), ascending by pid; exited processes included. */
  results(): { readonly pid: Pid; readonly outcome: Outcome | null }[] {
    const ends = new Map<Pid, MState | null>(this.ended);
    for (const p of this.processes.values()) ends.set(p.pid, p.prog);
    return [...ends.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([pid, s]) => ({ pid, outcome: s === null || !finished(s) ? null : s.m === 'halt' ? ok(printEdn(s.v)) : s.m === 'failed' ? fail(s.kind, s.msg) : null }));
  }

  /** Every process ever created (alive or exited), ascending by pid: pid, alive, output. */
  processList(): { pid: Pid; alive: boolean; output: readonly string[] }[] {
    const all = new Map<Pid, { pid: Pid; alive: boolean; output: readonly string[] }>();
    for (const [pid, output] of this.exitedOutput) all.set(pid, { pid, alive: false, output: output.slice() });
    for (const p of this.processes.values()) all.set(p.pid, { pid: p.pid, alive: true, output: p.output.slice() });
    return [...all.values()].sort((a, b) => a.pid - b.pid);
  }

  /** Work counters for coverage reports: collection cycles, evacuations, forks, spawns, values decoded from binary. */
  stats(): KernelStats {
    const c = this.collector.stats;
    return { gcCycles: c.cycles, evacuations: c.moved, forks: this.forks, spawns: this.created - this.forks, codecValues: this.codecValues, kernelCalls: Object.fromEntries(this.callCounts) };
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
    const processes = [...this.processes.keys()].sort((a, b) => a - b).map((pid) => {
      const p = this.processes.get(pid)!;
      this.onCore(this.coreOf(pid));
      const refs = [...p.table.keys()].sort((a, b) => a - b);
      return {
        pid,
        atoms: refs.map((ref) => {
          const id = p.table.get(ref)!;
          const watches = [...(this.watches.get(id) ?? [])].sort((x, y) => compare(x.key, y.key)).map((w) => [printEdn(w.key), w.watcher] as const);
          return { ref, atom: id, creator: this.creator[id]!, shared: this.shared[id] === true, value: this.text(this.valueOf(id)), stamp: this.stampOf(id), validator: this.validators.has(id), watches };
        }),
        registers: [...p.regs.keys()].sort((a, b) => a - b).map((reg) => [reg, this.text(p.regs.get(reg)!)] as const),
        output: p.output.slice(),
      };
    });
    return { processes, nextPid: this.nextPid, nextRef: this.nextRef };
  }

  /** The observable state: live processes by pid, atoms by ref, registers by number, values as canonical EDN. */
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
        output: p.output.slice(),
        registers: [...p.regs.keys()].sort((a, b) => a - b).map((reg) => ({ reg, value: this.text(p.regs.get(reg)!) })),
      };
    });
    return { processes };
  }
}

/** Whether a tree has a loop, a `recur`, or a call of something that may be a closure. */
function loopsOrCalls(n: Node, resolve: Resolver): boolean {
  switch (n.t) {
    case 'loop':
    case 'recur':
      return true;
    case 'call':
      // A local head is the function itself (a named fn) or a closure; a global may name one.
      if (n.fn.t === 'local' || n.fn.t === 'cap') return true;
      if (n.fn.t === 'global') {
        const r = resolve(n.fn.sym);
        if (r !== null && 'lambda' in r) return true;
      }
      return n.args.some((x) => loopsOrCalls(x, resolve));
    case 'if':
      return loopsOrCalls(n.test, resolve) || loopsOrCalls(n.then, resolve) || loopsOrCalls(n.else, resolve);
    case 'do':
      return n.body.some((x) => loopsOrCalls(x, resolve));
    case 'let':
      return n.inits.some((x) => loopsOrCalls(x, resolve)) || loopsOrCalls(n.body, resolve);
    default:
      return false;
  }
}

/** Elements a built-in's result holds at its top level (0 for scalars). */
function elementsOf(v: Value): number {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? v.length : 0;
  if (v instanceof List || v instanceof Vector) return v.size;
  if (v instanceof ESet) return v.items.length;
  if (v instanceof EMap) return v.size;
  if (v instanceof Bytes) return v.length;
  return 0;
}

function short(v: Value): string {
  const t = printEdn(v);
  return t.length > 40 ? t.slice(0, 37) + '...' : t;
}

/** The quota error `e` is, if any (from the language or the heap). */
/** The lowest ref under which `table` holds atom `id`, if any. */
function lowestRef(table: ReadonlyMap<Ref, number>, id: number): Ref | undefined {
  let best: Ref | undefined;
  for (const [r, x] of table) if (x === id && (best === undefined || r < best)) best = r;
  return best;
}

/** The error kind and message of anything a program run can throw, or null for a host fault. */
function failureOf(e: unknown): { kind: string; message: string } | null {
  if (e instanceof Refused) return e.outcome.ok ? null : { kind: e.outcome.error, message: e.outcome.message };
  if (e instanceof QuotaExceeded || e instanceof Raised || e instanceof KernelError) return { kind: e.kind, message: e.message };
  if (e instanceof HeapExhausted) return { kind: 'out-of-memory', message: e.message };
  return null;
}

function quotaOf(e: unknown): { kind: 'out-of-memory' | 'fuel-exhausted' | 'stack-overflow'; message: string } | null {
  if (e instanceof QuotaExceeded) return { kind: e.kind, message: e.message };
  if (e instanceof Refused && !e.outcome.ok && (e.outcome.error === 'out-of-memory' || e.outcome.error === 'fuel-exhausted' || e.outcome.error === 'stack-overflow')) return { kind: e.outcome.error, message: e.outcome.message };
  if (e instanceof KernelError && (e.kind === 'out-of-memory' || e.kind === 'fuel-exhausted' || e.kind === 'stack-overflow')) return { kind: e.kind, message: e.message };
  if (e instanceof HeapExhausted) return { kind: 'out-of-memory', message: e.message };
  return null;
}

/** Creates an optimized kernel (pid 0 alive), on `options.memory` or a fresh plain backend. */
export function createOptimizedKernel(options: OptimizedKernelOptions = {}): OptimizedKernel {
  return new OptimizedKernel(options);
}

/** What a kernel call's handler gets: the caller, the arguments, the continuation. */
interface OptCall {
  readonly p: Process;
  /** Whether the call runs inside a validator, watch or swap function (it may not block or fork). */
  readonly atomic: boolean;
  readonly name: KernelCallName;
  readonly args: readonly Value[];
  /** The continuation after the call. */
  readonly k: Kont;
  /** The call's result `value` (a scheduling point or not, as the kernel-call table says). */
  readonly done: (value: Value) => KernelResult;
}
