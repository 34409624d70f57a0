/**
 * The reference kernel's shared tables: the records of atoms and processes, the heap, the
 * counters that issue pids, refs and identities, and the language's roots. Every part of the
 * kernel (reference/kernel/*.ts) reads and writes these; none of them owns them.
 * @module
 */
import type { Position } from '../../spec/codec/Edn.js';
import type { DurableStore } from '../../spec/Store.js';
import { DEFAULT_QUOTAS, type KernelOptions, type Pid, type Quotas, type Ref } from '../../spec/Kernel.js';
import { EMap, type Fn, type Value } from '../../spec/Values.js';
import { Heap, type Handle } from '../heap.js';
import { closureValues, type State } from '../lang/machine.js';
import { Mutants } from '../mutants.js';
import type { WatchTable } from '../watches.js';

/** An atom. Reached by processes only through their tables. */
export interface AtomRecord {
  /** Kernel-internal identity (creation order); never observable. */
  readonly id: number;
  /** The cell holding the current value. */
  handle: Handle;
  /** 0 when created, +1 per successful write. */
  stamp: number;
  /** The process that created it (the only one that may share it). */
  readonly creator: Pid;
  /** Whether it has been shared (monotonic); fork keeps shared atoms shared. */
  shared: boolean;
  /** The validator, or null. */
  validator: Fn | null;
  /** The process that installed the validator (it runs on that process's behalf, ADR 0024). */
  validatorOwner: Pid;
  /** Watches. */
  watches: WatchTable;
  /** Values by stamp, kept only for the `cas-compares-values` mutant. */
  history: Map<number, Value> | null;
  /** The name of the durable atom it is bound to (its writes go to the store), or null. */
  readonly durable: string | null;
}

/** A process. */
export interface ProcessRecord {
  /** Its pid. */
  readonly pid: Pid;
  /** The atom table: ref → atom. */
  readonly table: Map<Ref, AtomRecord>;
  /** Registers (GC roots): number → cell. */
  readonly registers: Map<number, Handle>;
  /** Everything printed, in order. */
  readonly output: string[];
  /** False once exited. */
  alive: boolean;
  /**
   * The program's machine state (running, or finished: `halt`/`failed`), or null if none.
   * @internal The interpreter's continuation representation is not public API.
   */
  program: State | null;
  /** Fuel left for the current `run`/`step` (or, under `ReferenceKernel.runAll`, the whole run). */
  fuelLeft: number;
  /** The pid this process waits for (`join`), or null. */
  blockedOn: Pid | null;
  /** The process that spawned or forked it (the only one that may `join` it); -1 for a root. */
  readonly parent: Pid;
  /** The root of its tree (quotas are counted per tree, ADR 0024). */
  readonly tree: Pid;
  /** Its tree's account, shared by every process of the tree. */
  readonly account: TreeAccount;
}

/** What a tree of processes has left in the current run (ADR 0024). */
export interface TreeAccount {
  /** Steps left to the whole tree. */
  fuel: number;
  /** Characters of output the tree's processes hold (exited ones included; see `Quotas.treeOutputChars`). */
  output: number;
}

/** Pid of the kernel itself (owner of the core library's cells); never a process. */
export const KERNEL_PID = -1;

/** The state every part of one reference kernel shares. */
export class KernelTables {
  /** The quotas in force. */
  readonly quotas: Quotas;
  /** The seeded bugs switched on. */
  readonly mutants: Mutants;
  /** The seeded bugs asked for, by name (the codec's own go to its decoder). */
  readonly mutantNames: readonly string[];
  /** Whether the heap invariants are checked after every collection. */
  readonly debug: boolean;
  /** The heap of cells. */
  readonly heap: Heap;
  /** Every process ever created (exited ones included), by pid. */
  readonly processes = new Map<Pid, ProcessRecord>();
  /** The next pid, ref, atom identity and function identity to issue. */
  nextPid = 0;
  nextRef = 0;
  nextAtomId = 0;
  nextFnId = 0;
  /**
   * The namespace atom: the program namespace (a map of symbol → value) `def` swaps. It belongs
   * to the kernel, in no process's table, and is a root of the heap.
   */
  readonly namespace: { handle: Handle; stamp: number };
  /** Where each form read from text starts (error messages). */
  readonly positions = new WeakMap<object, Position>();
  /** The core library: built-ins, kernel calls and the prelude's definitions, by name. */
  readonly core = new Map<string, Value>();
  /** Machine states being driven right now (GC roots while they run). */
  readonly active: State[] = [];
  /** Values about to be allocated at the current safe point (GC roots until they are). */
  readonly pending: Value[] = [];
  /** Processes created (spawn and fork) and forks alone. */
  created = 0;
  forks = 0;
  /** Kernel calls made by programs, by name. */
  readonly callCounts = new Map<string, number>();
  /** Values decoded from the binary encoding on a kernel path. */
  codecValues = 0;
  /** The durable store, or null when the kernel was given none. */
  readonly store: DurableStore | null;
  /** The atom bound to each durable atom name in this kernel. */
  readonly durable = new Map<string, AtomRecord>();

  /** The tables of a kernel with no process yet and an empty heap. */
  constructor(options: KernelOptions) {
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.mutants = new Mutants(options.mutants ?? []);
    this.mutantNames = options.mutants ?? [];
    this.debug = options.debug ?? false;
    this.store = options.store ?? null;
    this.heap = new Heap(closureValues, this.debug);
    // The namespace is the kernel's first atom (identity 0): user atoms are numbered after it.
    this.nextAtomId++;
    this.namespace = { handle: this.heap.alloc(EMap.EMPTY, KERNEL_PID), stamp: 0 };
  }
}

/** Whether `s` is a finished program (halted or failed). */
export function isFinished(s: State): boolean {
  return s.mode === 'halt' || s.mode === 'failed';
}

/** The lowest ref under which `table` holds `a`, if any. */
export function lowestRef(table: ReadonlyMap<Ref, AtomRecord>, a: AtomRecord): Ref | undefined {
  let best: Ref | undefined;
  for (const [r, x] of table) if (x === a && (best === undefined || r < best)) best = r;
  return best;
}
