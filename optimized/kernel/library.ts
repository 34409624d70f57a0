/**
 * The language's environment in the optimized kernel: the core library (built-ins, kernel calls,
 * the prelude's definitions), the program namespace (`def`, hot deploy: running calls keep their
 * code), and what programs are charged: fuel for the storage built-ins create, and the heap-cell
 * quotas of a process, its tree and the kernel over what a program holds (ADR 0024).
 * @module
 */
import type { Quotas } from '../../spec/Kernel.js';
import { readEdnForms } from '../../spec/codec/Edn.js';
import { PRELUDE } from '../../spec/Prelude.js';
import { KERNEL_CALL_NAMES } from '../../spec/lang/kernelCalls.js';
import { Bytes, EMap, ESet, Fn, List, Vector, type Sym, type Value, walkWork } from '../../spec/Values.js';
import { QuotaExceeded } from '../lang/errors.js';
import { Compiler } from '../lang/front.js';
import { programState, stateValues, type MState } from '../lang/machine.js';
import { createNatives, type NativeFn } from '../lang/natives.js';
import { MEMCHECK, implOf, type Impl, type Runtime } from '../lang/runtime.js';
import type { MutantSet } from '../mutants.js';
import type { JitHost, JitLanguage } from './jitHost.js';
import { newProcess, type Process, type ProcessTable } from './processes.js';

let prelude: ReturnType<typeof readEdnForms> | undefined;
/** The prelude's forms, read once per process (reading is a pure function of the text, and forms are immutable values). */
function preludeForms(): ReturnType<typeof readEdnForms> {
  prelude ??= readEdnForms(PRELUDE);
  return prelude;
}

/** What booting the language needs: a way to run the prelude, and the seeded in-place update bug's hook. */
export interface Boot {
  /** Runs `s` in `p` to completion → its end state. */
  runToCompletion(p: Process, s: MState): MState;
  /** Called when a built-in updates vector `original` in place into `updated` (the seeded bug `in-place-update-shared`). */
  inPlace(original: Vector, updated: Vector): void;
}

/** The core library, the program namespace, and the language's charges. */
export class Library implements JitLanguage {
  /** Built-in functions and the prelude's definitions, by name. */
  private readonly core = new Map<string, Fn>();
  /** The program namespace (`def`): symbol → value. */
  private readonly namespace = new Map<Sym, Value>();
  /** While the prelude loads, where its `def`s go. */
  private bootDefine: ((sym: Sym, v: Value) => void) | null = null;
  /** Elements each process's program held at its last memory check. */
  private readonly held = new Map<number, number>();
  /** {@inheritDoc JitLanguage.heapCells} */
  readonly heapCells: number;

  /** The language of a kernel with `quotas`, running on `rt`, compiling with `jit`. */
  constructor(
    private readonly rt: Runtime,
    private readonly quotas: Quotas,
    private readonly mutants: MutantSet,
    private readonly procs: ProcessTable,
    private readonly jit: JitHost,
  ) {
    this.heapCells = quotas.heapCells;
  }

  /** {@inheritDoc JitLanguage.builtins} */
  get builtins(): ReadonlyMap<string, Fn> {
    return this.core;
  }

  /** Fills the core library: built-ins and kernel calls, then starts the JIT and loads the prelude. */
  boot(boot: Boot): void {
    const natives = createNatives({ offByOne: this.mutants.has('collection-off-by-one'), staleVersions: this.mutants.has('vmap-stale-version'), inPlace: (o, u) => boot.inPlace(o, u), maxElements: this.mutants.has('quota-not-enforced') ? Infinity : this.quotas.heapCells });
    const names = [...natives.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const make = (name: string, impl: Impl): Fn => new Fn(this.rt.nextFnId++, name, impl);
    for (const name of names) this.core.set(name, make(name, { kind: 'native', name, fn: this.metered(name, natives.get(name)!) }));
    for (const name of KERNEL_CALL_NAMES) this.core.set(name, make(name, { kind: 'kernel', name }));
    this.core.set('apply', make('apply', { kind: 'apply' }));
    this.jit.start(this);
    // The prelude defines into the core library (not the program namespace).
    const { forms, positions } = preludeForms();
    const process = newProcess(-1, Number.MAX_SAFE_INTEGER, -1, null, Number.MAX_SAFE_INTEGER);
    this.bootDefine = (sym, v) => {
      if (!(v instanceof Fn)) throw new Error(`the prelude defines a non-function ${sym.name}`);
      this.core.set(sym.name, v);
    };
    try {
      const end = boot.runToCompletion(process, programState(new Compiler(positions).program(forms).main));
      if (end.m !== 'halt') throw new Error(`the prelude failed to load: ${end.m === 'failed' ? end.msg : end.m}`);
    } finally {
      this.bootDefine = null;
    }
  }

  /** {@inheritDoc JitLanguage.global} */
  global(sym: Sym): Value | undefined {
    const v = this.namespace.get(sym);
    if (v !== undefined) return v;
    return sym.ns === null ? this.core.get(sym.name) : undefined;
  }

  /** {@inheritDoc JitLanguage.snapshot} */
  snapshot(): (sym: Sym) => Value | undefined {
    const namespace = new Map(this.namespace);
    return (sym) => namespace.get(sym) ?? (sym.ns === null ? this.core.get(sym.name) : undefined);
  }

  /** `def`: re-points the namespace (running calls keep the code they started with). */
  define(sym: Sym, v: Value): void {
    if (this.bootDefine !== null) {
      this.bootDefine(sym, v);
      return;
    }
    this.namespace.set(sym, v);
    this.rt.nsVersion++;
    this.jit.forgetSites();
  }

  /** Forgets what the program of exited process `pid` held. */
  forget(pid: number): void {
    this.held.delete(pid);
  }

  /**
   * A built-in whose work is charged: a result of n elements costs ⌊n/16⌋ extra units of fuel
   * (so a loop that copies ever larger values runs out of fuel in bounded time and memory), and a
   * single value larger than the heap-cell quota is `out-of-memory` (see {@link Library.charge});
   * the members its comparisons and hashes visit cost ⌊visited/16⌋ (so a loop that compares or
   * hashes large values runs out of fuel in bounded time too).
   */
  private metered(name: string, f: NativeFn): NativeFn {
    const charge = this.charge;
    const rt = this.rt;
    return (args) => {
      const w0 = walkWork();
      const r = f(args);
      // Reading: the members its comparisons and hashes visited.
      rt.chargeReading(walkWork() - w0);
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
   * next measurement of what the program holds. Used by {@link Library.metered} and by compiled
   * code that inlines a built-in (tier 1's `assoc`), so both charge alike.
   */
  readonly charge = (name: string, n: number, fresh: boolean): void => {
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
  memoryCheck(p: Process, state: MState): void {
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
      const q = this.procs.find(pid);
      if (q === undefined) continue;
      total += n;
      if (q.tree === p.tree) tree += n;
    }
    if (tree > this.quotas.treeHeapCells) throw new QuotaExceeded('out-of-memory', `process ${p.pid}: the programs of its tree (root ${p.tree}) hold more than treeHeapCells ${this.quotas.treeHeapCells} cells`);
    if (total > this.quotas.totalHeapCells) throw new QuotaExceeded('out-of-memory', `process ${p.pid}: the programs hold more than totalHeapCells ${this.quotas.totalHeapCells} cells`);
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
