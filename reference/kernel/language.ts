/**
 * The reference kernel's language host: loading programs and the core library, the namespace
 * (`def`), and driving the interpreter (reference/lang/machine.ts) one step at a time with fuel
 * and safe points. Kernel calls go to the handlers of reference/kernel/calls.ts.
 * @module
 */
import { decodeAll, fromBase64 } from '../../spec/codec/Binary.js';
import { readEdnForms, type Position } from '../../spec/codec/Edn.js';
import { BadInputError, KernelError } from '../../spec/Errors.js';
import { KERNEL_CALL_NAMES } from '../../spec/lang/kernelCalls.js';
import { MAX_CALLBACK_NESTING, callbackNestingMessage } from '../../spec/Kernel.js';
import { builtins } from '../../spec/lang/builtins.js';
import { EMap, Fn, List, Vector, type Sym, type Value } from '../../spec/Values.js';
import { isComposite } from '../heap.js';
import { callState, initialState, step, type Host, type Kont, type State, type StepResult } from '../lang/machine.js';
import { PRELUDE } from '../lang/prelude.js';
import { ProgramError, type Closure, type FnImpl } from '../lang/runtime.js';
import type { KernelParts } from './parts.js';
import { KERNEL_PID, isFinished, type KernelTables, type ProcessRecord } from './tables.js';

/** How a host performs a kernel call for its process. */
type KernelCaller = (name: string, args: readonly Value[], k: Kont, again: State) => StepResult;

/** The language host of one reference kernel. */
export class LanguageHost {
  private readonly programHosts = new Map<ProcessRecord, Host>();
  private readonly atomicHosts = new Map<ProcessRecord, Host>();
  /** Validators, watches and swap functions running now, one inside another (bounded by `MAX_CALLBACK_NESTING`). */
  private nesting = 0;
  private nsIndex: { handle: number; map: Map<Sym, Value> } = { handle: -1, map: new Map() };

  /** The language host over `t`; fuel, memory and kernel calls go through `parts`. */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /** Loads the core library: built-ins, kernel calls, `apply`, then the prelude (run by the kernel itself). */
  boot(): void {
    const { mutants, quotas, core } = this.t;
    const kernel = this.parts.processes.kernelProcess();
    const table = builtins({
      offByOne: mutants.has('collection-off-by-one'),
      inPlace: (original, updated) => this.inPlaceUpdate(original, updated),
      maxElements: mutants.has('quota-not-enforced') ? Infinity : quotas.heapCells,
    });
    const natives = [...table].map(([name, fn]) => Object.freeze({ kind: 'native' as const, name, fn }));
    // Built-ins by name, then kernel calls, then apply: the identity order of spec/Prelude.ts.
    for (const n of [...natives].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) core.set(n.name, this.makeFn(n.name, n, KERNEL_PID));
    for (const name of KERNEL_CALL_NAMES) core.set(name, this.makeFn(name, { kind: 'kernel', name }, KERNEL_PID));
    core.set('apply', this.makeFn('apply', { kind: 'apply' }, KERNEL_PID));
    // The prelude defines into the core library, not into the program namespace.
    const { forms, positions } = preludeForms();
    copyPositions(forms, positions, this.t.positions);
    kernel.fuelLeft = Number.MAX_SAFE_INTEGER;
    const host = this.newHost(kernel, (name, v) => core.set(name.name, v), this.atomicCaller(kernel));
    const end = this.drive(kernel, initialState(forms), host, neverYield);
    if (end.state.mode !== 'halt') throw new Error(`the prelude failed to load: ${end.state.mode === 'failed' ? end.state.message : end.state.mode}`);
  }

  /** Loads program text (EDN) into `p`, replacing any program it had. Throws bad-input on bad text. */
  loadText(p: ProcessRecord, text: string): void {
    const { forms, positions } = readEdnForms(text);
    this.loadForms(p, forms, positions);
  }

  /** Loads already-read forms into `p`. */
  loadValues(p: ProcessRecord, forms: readonly Value[]): void {
    this.loadForms(p, forms, new WeakMap());
  }

  /** Loads a program given as base64 text of its binary encoding into `p`; bad-input when it does not decode. */
  loadBinary(p: ProcessRecord, base64: string): void {
    const counter = { nodes: 0 };
    const forms = decodeAll(fromBase64(base64), { mutants: this.t.mutantNames, counter });
    this.t.codecValues += counter.nodes;
    this.loadForms(p, forms, new WeakMap());
  }

  /**
   * Runs `p`'s machine from `s` for one quantum: until it halts, fails, blocks, or performs a
   * kernel call. One step = one unit of fuel; every step ends at a safe point.
   */
  runQuantum(p: ProcessRecord, s: State): StepResult {
    return this.drive(p, s, this.programHost(p), (r) => r.yielded);
  }

  /**
   * Runs `p`'s machine from `s` until it halts, fails or blocks, kernel calls included (code that
   * runs inside an operation: validators, watches, the `swap` op's function, a function's source).
   */
  runAtomic(p: ProcessRecord, s: State): StepResult {
    return this.drive(p, s, this.atomicHost(p), neverYield);
  }

  /** Calls `f` with `args` to completion, atomically (validators, watches, the `swap` op's function). */
  callSync(p: ProcessRecord, f: Value, args: readonly Value[]): Value {
    const end = this.nest(p, () => {
      for (const a of args) if (isComposite(a)) this.t.heap.alloc(a, p.pid);
      return this.runAtomic(p, callState(f, args)).state;
    });
    if (end.mode === 'halt') return end.value;
    if (end.mode === 'failed') throw new ProgramError(end.message, end.error);
    throw new ProgramError('a validator, watch or swap function may not block (join)');
  }

  /**
   * Runs `f` (a validator, watch or swap function of `p`) one level deeper than the code running
   * now: `stack-overflow` instead when that would be more than `MAX_CALLBACK_NESTING` levels.
   */
  nest<T>(p: ProcessRecord, f: () => T): T {
    if (this.nesting >= MAX_CALLBACK_NESTING) throw new KernelError('stack-overflow', callbackNestingMessage(p.pid));
    this.nesting++;
    try {
      return f();
    } finally {
      this.nesting--;
    }
  }

  /** Evaluates `src` (the text of a function) in `p` → the function; bad-input when it is not one. */
  compileFn(p: ProcessRecord, src: string): Fn {
    const { forms, positions } = readEdnForms(src);
    if (forms.length !== 1) throw new BadInputError(`expected one function form, found ${forms.length}`, 0, { line: 1, column: 1 });
    copyPositions(forms, positions, this.t.positions);
    const s = initialState(forms);
    if (s.mode === 'eval') this.t.heap.alloc(s.form, p.pid);
    const end = this.runAtomic(p, s).state;
    if (end.mode === 'failed') throw new KernelError('bad-input', `function source failed to evaluate: ${end.message}`);
    if (end.mode !== 'halt' || !(end.value instanceof Fn)) throw new KernelError('bad-input', `not a function: ${src}`);
    return end.value;
  }

  /** A new function value owned by `owner` (allocated in the heap). */
  makeFn(name: string | null, impl: FnImpl, owner: number): Fn {
    const f = new Fn(this.t.nextFnId++, name, impl);
    this.t.heap.alloc(f, owner);
    return f;
  }

  private loadForms(p: ProcessRecord, forms: readonly Value[], positions: WeakMap<object, Position>): void {
    copyPositions(forms, positions, this.t.positions);
    const s = initialState(forms);
    if (s.mode === 'eval') this.t.heap.alloc(s.form, p.pid);
    p.program = s;
    p.blockedOn = null;
    p.fuelLeft = this.t.quotas.fuel;
  }

  /** The `in-place-update-shared` mutant: a built-in's update overwrites the cell an atom holds. */
  private inPlaceUpdate(original: Vector, updated: Vector): void {
    const { mutants, heap, processes } = this.t;
    if (!mutants.has('in-place-update-shared')) return;
    const h = heap.handleOf(original);
    if (h === undefined) return;
    for (const p of processes.values()) for (const a of p.table.values()) if (a.handle === h) heap.overwrite(h, updated);
  }

  /** The host of `p`'s program: its kernel calls end a quantum and may block or fork. */
  private programHost(p: ProcessRecord): Host {
    let h = this.programHosts.get(p);
    if (h === undefined) {
      const calls = this.parts.calls;
      h = this.newHost(p, (name, v) => this.define(p, name, v), (name, args, k, again) => calls.programCall(p, name, args, k, again));
      this.programHosts.set(p, h);
    }
    return h;
  }

  /** The host of code `p` runs inside an operation: its kernel calls may neither block nor fork. */
  private atomicHost(p: ProcessRecord): Host {
    let h = this.atomicHosts.get(p);
    if (h === undefined) {
      h = this.newHost(p, (name, v) => this.define(p, name, v), this.atomicCaller(p));
      this.atomicHosts.set(p, h);
    }
    return h;
  }

  private atomicCaller(p: ProcessRecord): KernelCaller {
    const calls = this.parts.calls;
    return (name, args, k, again) => calls.atomicCall(p, name, args, k, again);
  }

  private newHost(p: ProcessRecord, define: (name: Sym, v: Value) => void, kernelCall: KernelCaller): Host {
    const { heap, mutants, quotas, positions } = this.t;
    return {
      positions,
      mutants,
      stackDepth: quotas.stackDepth,
      global: (name) => this.global(name),
      define,
      alloc: (v) => {
        if (isComposite(v)) heap.alloc(v, p.pid);
      },
      newFn: (name, impl: Closure) => this.makeFn(name, impl, p.pid),
      work: (v, args, walked) => this.parts.processes.chargeWork(p, v, args, walked),
      kernelCall,
    };
  }

  private global(name: Sym): Value | undefined {
    // The namespace is the EMap in the namespace atom; a JS index of it is rebuilt after each `def`.
    const { namespace, heap, core } = this.t;
    if (this.nsIndex.handle !== namespace.handle) {
      const ns = heap.read(namespace.handle) as EMap;
      this.nsIndex = { handle: namespace.handle, map: new Map(ns.entries.map(([k, v]) => [k as Sym, v])) };
    }
    const defined = this.nsIndex.map.get(name);
    return defined !== undefined ? defined : name.ns === null ? core.get(name.name) : undefined;
  }

  /** `def`: swaps the namespace atom (code is a value; running calls keep the code they started with). */
  private define(p: ProcessRecord, name: Sym, v: Value): void {
    const { namespace, heap } = this.t;
    const next = (heap.read(namespace.handle) as EMap).assoc(name, v);
    this.parts.memory.withPending([next], () => this.parts.memory.safePoint(p));
    namespace.handle = heap.alloc(next, p.pid);
    namespace.stamp += 1;
  }

  /** Steps `p`'s machine from `s` with `host` until it finishes, blocks, or `ends` says the quantum is over. */
  private drive(p: ProcessRecord, s: State, host: Host, ends: (r: StepResult) => boolean): StepResult {
    const { active } = this.t;
    const slot = active.length;
    active.push(s);
    try {
      for (;;) {
        if (isFinished(s)) return { state: s, yielded: false };
        this.parts.processes.chargeStep(p);
        const r = step(s, host);
        s = r.state;
        active[slot] = s;
        this.parts.memory.safePoint(p);
        if (r.blocked || ends(r)) return r;
      }
    } finally {
      active.length = slot;
    }
  }
}

/** Code run inside an operation (and the prelude) runs through its kernel calls. */
function neverYield(): boolean {
  return false;
}

let preludeCache: { forms: readonly Value[]; positions: WeakMap<object, Position> } | null = null;
/** The prelude's forms, read once per module load (forms are immutable values, safe to share). */
function preludeForms(): { forms: readonly Value[]; positions: WeakMap<object, Position> } {
  if (preludeCache === null) preludeCache = readEdnForms(PRELUDE);
  return preludeCache;
}

/** Copies the positions of every collection inside `forms` from `from` into `to`. */
function copyPositions(forms: readonly Value[], from: WeakMap<object, Position>, to: WeakMap<object, Position>): void {
  const stack: Value[] = [...forms];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const pos = from.get(v);
    if (pos !== undefined) to.set(v, pos);
    if (v instanceof List || v instanceof Vector) stack.push(...v.items);
    else if (v instanceof EMap) for (const [a, b] of v.entries) stack.push(a, b);
  }
}
