/**
 * One worker thread of the optimized kernel's parallel mode: it runs the processes the
 * coordinator places on it with the kernel's language (tier 0), over the {@link SharedHeap}.
 * Each worker compiles the same prelude and program, so a lambda has the same id on every worker
 * and a closure crosses workers as `[lambda id, published captures]`.
 *
 * Kernel calls: atoms are CAS on one shared 64-bit word (`Publication.tla` `Store`); a value is
 * published before the step that makes it reachable by another process (the CAS, the child's
 * placement, the process-table store of a result: docs/adr/0039); `join` blocks on the process
 * table. Validators, watches, `share!`, `fork` and registers answer `unsupported` here
 * (docs/adr/0040).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KernelError } from '../../spec/Errors.js';
import { readEdnForms, printEdn } from '../../spec/codec/Edn.js';
import { PRELUDE } from '../../spec/Prelude.js';
import { AtomRef, Bytes, EMap, ESet, Fn, Keyword, List, Sym, Vector, equals, type Value } from '../../spec/Values.js';
import { KERNEL_CALL_NAMES, atomArg, checkKernelCallArity, isKernelCallName, outputLine, pidArg, spawnArg, stampArg } from '../../spec/lang/kernelCalls.js';
import type { ErrorKind } from '../../spec/Kernel.js';
import { Compiler, type Lambda } from '../lang/front.js';
import { callState, finished, programState, run, stateValues, type ExecHost, type KernelResult, type MState } from '../lang/machine.js';
import { createNatives, type NativeFn } from '../lang/natives.js';
import { Raised, QuotaExceeded, errorMap } from '../lang/errors.js';
import { Runtime, implOf, type Impl } from '../lang/runtime.js';
import { ProcStatus, SharedHeap, UnpublishedRead } from './sharedHeap.js';
import type { AtomEvent, ToCoordinator, ToWorker, WorkerBoot } from './protocol.js';

const boot = workerData as WorkerBoot;
const port = parentPort!;
const heap = SharedHeap.attach(boot.buffer);
const NS_ATOM = 0;

interface Proc {
  readonly pid: number;
  state: MState;
  fuel: number;
  readonly output: string[];
  readonly children: Set<number>;
  /** The atoms in its table: those it created and those it was handed at spawn. */
  readonly atoms: Set<number>;
  /** The atoms it created (only the creator may share an atom). */
  readonly created: Set<number>;
  readonly history: AtomEvent[];
  /** Elements of new storage its built-ins built since its last memory measurement. */
  allocated: number;
  /** When {@link Proc.allocated} passes this, what it holds is measured. */
  nextCheck: number;
}

const core = new Map<string, Value>();
const lambdas = new Map<number, Lambda>();
const procs: Proc[] = [];
let current: Proc | null = null;
let bootDefine: ((s: Sym, v: Value) => void) | null = null;

const rt = new Runtime({ global: (s) => global(s), maxDepth: boot.stackDepth, mutant: (n) => boot.mutants.includes(n) });

function global(s: Sym): Value | undefined {
  const ns = heap.read(heap.loadAtom(NS_ATOM)[0]);
  if (ns instanceof EMap) {
    const v = ns.get(s);
    if (v !== undefined) return v;
  }
  return core.get(s.name);
}

/** Every lambda reachable from a compiled program, by id (the same ids on every worker). */
function collectLambdas(root: unknown): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (Array.isArray(o.arities) && Array.isArray(o.captures) && typeof o.id === 'number') lambdas.set(o.id, o as unknown as Lambda);
    for (const k of Object.keys(o)) stack.push(o[k]);
  }
}

heap.fnCodec = {
  encode(f) {
    const impl = implOf(f) as Impl;
    if (impl.kind === 'closure') {
      if (!lambdas.has(impl.lambda.id)) return null;
      // A prelude closure is rebuilt by name: its captures are none and its identity is the core's.
      if (f.name !== null && core.get(f.name) === f) return { name: f.name, lambda: -1, caps: [] };
      return { name: f.name, lambda: impl.lambda.id, caps: impl.caps };
    }
    return { name: f.name, lambda: -1, caps: [] };
  },
  decode(name, lambda, caps) {
    if (lambda < 0) {
      const v = name === null ? undefined : core.get(name);
      if (!(v instanceof Fn)) throw new Error(`no core function ${name}`);
      return v;
    }
    const l = lambdas.get(lambda);
    if (l === undefined) throw new Error(`no lambda ${lambda} on this worker`);
    return rt.closure(l, caps);
  },
};

function fail(kind: ErrorKind, msg: string): never {
  throw new KernelError(kind, msg);
}

function atomId(name: 'deref' | 'deref-stamp' | 'reset!' | 'reset-vals!' | 'cas!' | '%commit!' | 'compare-and-set!', v: Value | undefined): number {
  const id = atomArg(name, v).ref;
  if (!heap.isAtom(id) || !current!.atoms.has(id)) fail('capability-denied', `no atom #atom ${id} in process ${current!.pid}'s table`);
  return id;
}

/** Records an atom operation with its call and return times on the shared clock. */
function record(p: Proc, object: number, input: AtomEvent['input'], call: number, output: AtomEvent['output']): void {
  if (!boot.record) return;
  p.history.push({ object, input, output, call, ret: heap.tick() });
}

/** A store into the atom: CAS against the word just read, retrying; → the old value. */
function storeLoop(p: Proc, id: number, v: Value): Value {
  const late = PUBLISH_AFTER_STORE ? heap.publishLate(v) : null;
  const word = late?.word ?? heap.publish(v); // publish before the CAS that makes it reachable (ADR 0039)
  const call = heap.tick();
  for (;;) {
    const [w, s] = heap.loadAtom(id);
    if (heap.casAtom(id, w, s, word)) {
      if (late !== null) { lateWindow(); late.commit(); }
      const text = boot.record ? printEdn(v) : '';
      record(p, id, { op: 'reset', value: text }, call, text);
      return heap.read(w);
    }
  }
}

/** The seeded bug `publish-after-store`: a stored value's handle resolves only after the CAS. */
const PUBLISH_AFTER_STORE = boot.mutants.includes('publish-after-store');
/** The time between the CAS and the late publication under the seeded bug (about 0.2 ms). */
function lateWindow(): void {
  const until = performance.now() + 0.2;
  while (performance.now() < until) { /* the window another worker may read in */ }
}

function kernelCall(name: string, args: readonly Value[]): KernelResult {
  const p = current!;
  if (!isKernelCallName(name)) throw new Raised('program-error', `unknown kernel call ${name}`);
  checkKernelCallArity(name, args);
  const done = (value: Value, yields = true): KernelResult => ({ value, yields });
  switch (name) {
    case 'atom': {
      const call = heap.tick();
      const id = heap.newAtom(heap.publish(args[0]!));
      record(p, id, { op: 'create', value: boot.record ? printEdn(args[0]!) : '' }, call, true);
      p.atoms.add(id);
      p.created.add(id);
      return done(new AtomRef(id));
    }
    case 'deref': {
      const id = atomId(name, args[0]);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const v = heap.read(w);
      record(p, id, { op: 'deref' }, call, { value: boot.record ? printEdn(v) : '', stamp: s });
      return done(v);
    }
    case 'deref-stamp': {
      const id = atomId(name, args[0]);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const v = heap.read(w);
      record(p, id, { op: 'deref' }, call, { value: boot.record ? printEdn(v) : '', stamp: s });
      return done(new Vector([v, BigInt(s)]));
    }
    case 'reset!': {
      storeLoop(p, atomId(name, args[0]), args[1]!);
      return done(args[1]!);
    }
    case 'reset-vals!': {
      const old = storeLoop(p, atomId(name, args[0]), args[1]!);
      return done(new Vector([old, args[1]!]));
    }
    case 'cas!': case '%commit!': {
      const id = atomId(name, args[0]);
      const stamp = Number(stampArg(args[1]));
      const late = PUBLISH_AFTER_STORE ? heap.publishLate(args[2]!) : null;
      const word = late?.word ?? heap.publish(args[2]!);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const ok = s === stamp && heap.casAtom(id, w, s, word);
      if (late !== null) { if (ok) lateWindow(); late.commit(); }
      record(p, id, { op: 'cas', stamp, value: boot.record ? printEdn(args[2]!) : '' }, call, ok ? { stamp: stamp + 1 } : 'stale');
      if (name === '%commit!') return done(ok);
      if (!ok) fail('stale-stamp', `stamp ${stamp} is not the stamp of #atom ${id}`);
      return done(BigInt(stamp + 1));
    }
    case 'compare-and-set!': {
      const id = atomId(name, args[0]);
      const word = heap.publish(args[2]!);
      const call = heap.tick();
      for (;;) {
        const [w, s] = heap.loadAtom(id);
        const cur = heap.read(w);
        const input = { op: 'compareAndSet', expected: boot.record ? printEdn(args[1]!) : '', value: boot.record ? printEdn(args[2]!) : '' } as const;
        if (!equals(cur, args[1]!)) {
          record(p, id, input, call, false);
          return done(false);
        }
        if (heap.casAtom(id, w, s, word)) {
          record(p, id, input, call, true);
          return done(true);
        }
      }
    }
    case 'spawn': {
      const f = spawnArg(args[0]);
      for (const x of args.slice(1)) {
        if (x instanceof AtomRef && !p.created.has(x.ref)) fail('capability-denied', `process ${p.pid} did not create #atom ${x.ref} and may not share it`);
      }
      const pid = heap.newPid();
      // The function and the arguments are published before the child is placed (ADR 0039).
      const word = heap.publish(new Vector([f, ...args.slice(1)]));
      p.children.add(pid);
      post({ type: 'spawn', pid, parent: p.pid, word });
      return done(BigInt(pid));
    }
    case 'join': {
      const target = Number(pidArg('join', args[0]));
      const st = heap.status(target);
      if (st === ProcStatus.none) fail('no-such-process', `no process ${target}`);
      if (!p.children.has(target)) fail('capability-denied', target === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target} and may not join it`);
      if (st === ProcStatus.running) return { blocked: true };
      const v = heap.read(heap.resultWord(target));
      if (st === ProcStatus.failed) {
        const m = v instanceof EMap ? v : errorMap('program-error', 'failed');
        const msg = m.get(Keyword.of('message'));
        const kind = m.get(Keyword.of('error'));
        throw new Raised('program-error', `process ${target} failed: ${typeof msg === 'string' ? msg : ''}`, errorMap(kind instanceof Keyword ? kind.name : 'program-error', typeof msg === 'string' ? msg : ''));
      }
      return done(v);
    }
    case 'self': return done(BigInt(p.pid), false);
    case 'println': p.output.push(outputLine(args, false)); return done(null, false);
    case 'prn': p.output.push(outputLine(args, true)); return done(null, false);
    case 'exit': {
      const v = args[0] ?? null;
      return { value: v, yields: true, halt: true };
    }
    case 'gc': return done(null);
    case 'share!': {
      const id = atomArg(name, args[0]).ref;
      if (!p.created.has(id)) fail('capability-denied', `process ${p.pid} did not create #atom ${id} and may not share it`);
      return fail('unsupported', 'share! is not supported by the parallel mode (optimized+workers) yet');
    }
    default:
      return fail('unsupported', `${name} is not supported by the parallel mode (optimized+workers) yet`);
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

/**
 * A built-in whose result is charged as in the single-threaded kernel: a result of n ≥ 16
 * elements of new storage costs ⌊n/16⌋ fuel and counts towards the next measurement of what the
 * process holds; a single value over the heap quota is `out-of-memory`.
 */
function metered(name: string, f: NativeFn): NativeFn {
  return (args) => {
    const r = f(args);
    const n = elementsOf(r);
    if (n < 16) return r;
    if (n > boot.heapCells) throw new QuotaExceeded('out-of-memory', `process ${rt.pid}: ${name} would build a value of ${n} elements, over the heap quota of ${boot.heapCells} cells`);
    const shared = (r instanceof List && r.isSuffix) || args.includes(r) || (r instanceof Vector && args.some((x) => x instanceof Vector && x.sharesStorageWith(r)));
    if (shared) return r;
    rt.fuel -= n >> 4;
    if (rt.fuel < 0) rt.outOfFuel();
    rt.allocated += n;
    return r;
  };
}

/**
 * The per-process heap quota (docs/adr/0040): measures the values reachable from the process's
 * machine state — its private values and the shared values it has materialized, each counted
 * once, weighed as the single-threaded kernels weigh them (a collection of n elements 1 + n
 * cells, a string one more per 8 characters) — and ends the process with `out-of-memory` over
 * `heapCells`. Runs when its built-ins have built another quota's worth of elements.
 */
function memoryCheck(state: MState): void {
  const budget = boot.heapCells;
  rt.nextCheck = rt.allocated + budget;
  const seen = new Set<object>();
  const todo: Value[] = [...stateValues(state)];
  let held = 0;
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (typeof v === 'string') held += v.length >> 3;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Vector || v instanceof List) {
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
    if (held > budget) throw new QuotaExceeded('out-of-memory', `process ${rt.pid} exceeded its heap quota of ${budget} cells`);
  }
}

function define(s: Sym, v: Value): void {
  if (bootDefine !== null) return bootDefine(s, v);
  const word = heap.publish(v);
  void word;
  for (;;) {
    const [w, st] = heap.loadAtom(NS_ATOM);
    const ns = heap.read(w);
    const next = (ns instanceof EMap ? ns : EMap.from([])).assoc(s, v);
    if (heap.casAtom(NS_ATOM, w, st, heap.publish(next))) return;
  }
}

const host: ExecHost = {
  kernelCall: (name, args) => kernelCall(name, args),
  define,
  compiled: () => null,
  memoryCheck: (state) => memoryCheck(state),
};

function post(m: ToCoordinator): void {
  port.postMessage(m);
}

function bootLanguage(): void {
  const natives = createNatives({ offByOne: false, inPlace: () => {}, maxElements: boot.heapCells });
  const names = [...natives.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const make = (name: string, impl: Impl): Fn => new Fn(rt.nextFnId++, name, impl);
  for (const name of names) core.set(name, make(name, { kind: 'native', name, fn: metered(name, natives.get(name)!) }));
  for (const name of KERNEL_CALL_NAMES) core.set(name, make(name, { kind: 'kernel', name }));
  core.set('apply', make('apply', { kind: 'apply' }));
  const { forms, positions } = readEdnForms(PRELUDE);
  const prog = new Compiler(positions).program(forms);
  collectLambdas(prog);
  bootDefine = (s, v) => { core.set(s.name, v); };
  rt.fuel = Number.MAX_SAFE_INTEGER;
  let s = programState(prog.main);
  for (;;) {
    s = run(s, rt, host, true).state;
    if (finished(s)) break;
  }
  if (s.m !== 'halt') throw new Error('the prelude failed to load on a worker');
  bootDefine = null;
}

bootLanguage();
const program = (() => {
  const { forms, positions } = readEdnForms(boot.source);
  const prog = new Compiler(positions).program(forms);
  collectLambdas(prog);
  return prog;
})();

/** Ends `p` with its final machine state: publishes the result, tells the coordinator. */
function end(p: Proc, s: MState): void {
  procs.splice(procs.indexOf(p), 1);
  if (s.m === 'halt') {
    heap.finish(p.pid, ProcStatus.done, heap.publish(s.v));
    post({ type: 'exit', pid: p.pid, output: p.output, result: { ok: true, value: printEdn(s.v) }, history: p.history });
  } else if (s.m === 'failed') {
    heap.finish(p.pid, ProcStatus.failed, heap.publish(errorMap(s.kind, s.msg)));
    post({ type: 'exit', pid: p.pid, output: p.output, result: { ok: false, error: s.kind, message: s.msg }, history: p.history });
  }
}

let scheduled = false;
function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(loop);
  }
}

function loop(): void {
  scheduled = false;
  if (procs.length === 0) return;
  const seen = heap.wakeValue();
  let progressed = false;
  for (const p of [...procs]) {
    current = p;
    rt.pid = p.pid;
    rt.fuel = p.fuel;
    rt.fuelQuota = boot.fuel;
    rt.depth = 0;
    rt.allocated = p.allocated;
    rt.nextCheck = p.nextCheck;
    let s: MState;
    let blocked = false;
    try {
      const r = run(p.state, rt, host, false);
      s = r.state;
      blocked = r.blocked;
    } catch (e) {
      if (e instanceof UnpublishedRead) {
        s = { m: 'failed', kind: 'program-error', msg: `process ${p.pid}: ${e.message}`, err: errorMap('program-error', e.message) };
      } else {
        if (!(e instanceof QuotaExceeded)) throw e;
        s = { m: 'failed', kind: e.kind, msg: e.message, err: errorMap(e.kind, e.message) };
      }
    }
    p.fuel = rt.fuel;
    p.allocated = rt.allocated;
    p.nextCheck = rt.nextCheck;
    p.state = s;
    current = null;
    if (finished(s)) { end(p, s); progressed = true; } else if (!blocked) progressed = true;
  }
  if (!progressed && procs.length > 0) heap.waitWake(seen, 5);
  schedule();
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    const atoms = new Set<number>();
    const state: MState = m.pid === 0 && m.word === 0 ? programState(program.main) : (() => {
      const fv = heap.read(m.word) as Vector;
      // spawn shares the atoms passed as arguments (and only those) with the child
      for (const x of fv.items.slice(1)) if (x instanceof AtomRef) atoms.add(x.ref);
      return callState(fv.items[0]!, fv.items.slice(1));
    })();
    procs.push({ pid: m.pid, state, fuel: boot.fuel, output: [], children: new Set(), atoms, created: new Set(), history: [], allocated: 0, nextCheck: boot.heapCells });
    schedule();
  } else if (m.type === 'crash') {
    throw new Error('worker crash requested (fault injection)');
  }
});
post({ type: 'ready' });
