/**
 * One worker thread of the optimized kernel's parallel mode: it runs the processes the
 * coordinator places on it with the kernel's language and its JIT tiers (each worker compiles
 * for itself), over the {@link SharedHeap}.
 * Each worker compiles the same prelude and program, so a lambda has the same id on every worker
 * and a closure crosses workers as `[lambda id, published captures]`.
 *
 * Kernel calls: atoms are CAS on one shared 64-bit word (`Publication.tla` `Store`); a value is
 * published before the step that makes it reachable by another process (the CAS, the child's
 * placement, the process-table store of a result: docs/adr/0039); `join` blocks on the process
 * table. Per-process state another worker may need lives in the shared heap: atom tables,
 * registers, atom creators, shared flags, validators and watches; a validator or watch runs as
 * its owner on the writer's worker (docs/adr/0040). A forked child runs on its parent's worker.
 *
 * Compiled code caches globals, validated by the runtime's namespace version. The namespace is a
 * shared atom that any worker may re-point, so a worker bumps its version whenever it sees that
 * atom's stamp change: at every global lookup and before entering compiled code. Compiled code
 * makes no kernel call that touches shared state (those deoptimize), so a call that starts after a
 * process has seen another worker's later write also sees every `def` before it (docs/adr/0045).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KernelError } from '../../spec/Errors.js';
import { readEdnForms, printEdn, printEdnOrElided, printEdnPrefix, TextTooLong } from '../../spec/codec/Edn.js';
import { PRELUDE } from '../../spec/Prelude.js';
import { AtomRef, Bytes, EMap, ESet, Fn, Keyword, List, Sym, Vector, compare, equals, walkWork, type Value } from '../../spec/Values.js';
import { KERNEL_CALL_NAMES, atomArg, checkKernelCallArity, forkNotAllowed, isKernelCallName, joinMayNotBlock, outputLine, pidArg, registerArg, spawnArg, stampArg, validatorArg, watchArg, type KernelCallName } from '../../spec/lang/kernelCalls.js';
import { MAX_CALLBACK_NESTING, callbackNestingMessage, outputCharsOf, type ErrorKind } from '../../spec/Kernel.js';
import { Compiler, type Lambda } from '../lang/front.js';
import { callState, copyState, finished, programState, run, stateValues, type ExecHost, type KernelResult, type Kont, type MState } from '../lang/machine.js';
import { createNatives, type NativeFn } from '../lang/natives.js';
import { Raised, QuotaExceeded, errorMap } from '../lang/errors.js';
import { MEMCHECK, Runtime, implOf, type Impl } from '../lang/runtime.js';
import { JitHost, type Tier2Backend } from '../kernel/jitHost.js';
import { instantiatePlans, planData, type Plan, type Tier2Code } from '../jit/tier2/index.js';
import { MutantSet, OPTIMIZED_MUTANTS } from '../mutants.js';
import { ProcStatus, SharedHeap, UnpublishedRead } from './sharedHeap.js';
import type { AtomEvent, OutputLine, ToCoordinator, ToWorker, WorkerBoot, WorkerJitStats } from './protocol.js';

const boot = workerData as WorkerBoot;
const port = parentPort!;
const heap = SharedHeap.attach(boot.buffer);
const NS_ATOM = 0;

interface Proc {
  readonly pid: number;
  state: MState;
  fuel: number;
  /** Its printed lines, each with its time on the shared clock. */
  readonly output: OutputLine[];
  /** Characters of output it printed on this worker (see `outputCharsOf`), bounded by the boot's `outputChars`. */
  printed: number;
  readonly children: Set<number>;
  readonly history: AtomEvent[];
  /** Elements of new storage its built-ins built since its last memory measurement. */
  allocated: number;
  /** When {@link Proc.allocated} passes this, what it holds is measured. */
  nextCheck: number;
  /** Whether it runs a validator or watch now (it may not fork or block). */
  callback: boolean;
}

const core = new Map<string, Fn>();
const lambdas = new Map<number, Lambda>();
const procs: Proc[] = [];
let current: Proc | null = null;
let bootDefine: ((s: Sym, v: Value) => void) | null = null;

// This worker is a mutator of the shared heap's collector: its roots are the shared values its
// processes hold (walked from their machine states at the collector's root handshake).
heap.register(boot.index, function* held() {
  for (const p of procs) yield* stateValues(p.state);
});

const rt = new Runtime({ global: (s) => global(s), maxDepth: boot.stackDepth, mutant: (n) => boot.mutants.includes(n) });

/** Tier-2 requests waiting for the coordinator's module, by id. */
const tier2Pending = new Map<number, { readonly plan: Plan; readonly resolve: (c: Tier2Code) => void; readonly reject: (e: Error) => void }>();
let tier2Next = 0;

/**
 * Tier 2 on a worker: LLVM may run on one thread of a process only, so the coordinator generates
 * and emits each module (the plan goes as plain data) and the worker instantiates it for its own
 * plan (docs/adr/0045). The coordinator checked that tier 2 runs before starting the workers.
 */
const remoteTier2: Tier2Backend = {
  available: () => ({ ok: true }),
  compile: (plan, opts) =>
    new Promise<Tier2Code>((resolve, reject) => {
      const id = tier2Next++;
      try {
        post({ type: 'tier2', id, plan: planData(plan), opts });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e))); // a plan that cannot be sent: tier 1 stays
        return;
      }
      tier2Pending.set(id, { plan, resolve, reject });
    }),
};

/** The JIT (null at tier 0): the kernel's tiers, fed by this worker's view of the namespace. */
const jit = (boot.jit.tier ?? 1) === 0 ? null : new JitHost(boot.jit, rt, new MutantSet(boot.mutants.filter((m) => OPTIMIZED_MUTANTS.some((x) => x.name === m))), remoteTier2);
/** The seeded bug `parallel-jit-local-namespace`: the namespace version moves only with this worker's own `def`s. */
const localNamespaceVersion = boot.mutants.includes('parallel-jit-local-namespace');

/** The shared namespace atom's stamp when this worker last read it, and the map it held. */
let nsStamp = -1;
let nsMap: EMap | null = null;

/**
 * This worker's view of the namespace, brought up to date with the shared namespace atom: when
 * its stamp moved (a `def` on any worker), compiled code's global caches are invalidated.
 */
function namespace(): EMap | null {
  const [w, st] = heap.loadAtom(NS_ATOM);
  if (st !== nsStamp) {
    nsStamp = st;
    const ns = heap.read(w);
    nsMap = ns instanceof EMap ? ns : null;
    if (!localNamespaceVersion) {
      rt.nsVersion++;
      jit?.forgetSites();
    }
  }
  return nsMap;
}

function global(s: Sym): Value | undefined {
  const v = namespace()?.get(s);
  return v !== undefined ? v : core.get(s.name);
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

function truthy(v: Value): boolean {
  return v !== null && v !== false;
}

function short(v: Value): string {
  const s = printEdnPrefix(v, 41);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** This worker's copies of processes' atom tables (`ref → atom id`), refreshed from the shared lists on a miss. */
const tables = new Map<number, { head: number; readonly refs: Map<number, number> }>();

/** The atom table of `pid`, brought up to date with the shared list. */
function tableOf(pid: number): Map<number, number> {
  let t = tables.get(pid);
  if (t === undefined) {
    t = { head: 0, refs: new Map() };
    tables.set(pid, t);
  }
  if (heap.tableHead(pid) !== t.head) {
    const { head, entries } = heap.tableSince(pid, t.head);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [r, id] = entries[i]!;
      if (!t.refs.has(r)) t.refs.set(r, id);
    }
    t.head = head;
  }
  return t.refs;
}

/** The atom `ref` names in `pid`'s table, or undefined. */
function resolve(pid: number, ref: number): number | undefined {
  return tables.get(pid)?.refs.get(ref) ?? tableOf(pid).get(ref);
}

/** The lowest name `pid` has for atom `id`, or undefined. */
function lowestRef(pid: number, id: number): number | undefined {
  let best: number | undefined;
  for (const [r, x] of tableOf(pid)) if (x === id && (best === undefined || r < best)) best = r;
  return best;
}

/** Gives `pid` a name for atom `id`: the lowest it has, else the id itself if free in its table, else a fresh one. */
function grantName(pid: number, id: number): number {
  const have = lowestRef(pid, id);
  if (have !== undefined) return have;
  const ref = resolve(pid, id) === undefined ? id : heap.freshRef();
  heap.grant(pid, ref, id);
  return ref;
}

/** The atom a kernel call's first argument names in the caller's table, and that name. */
function atomId(name: KernelCallName, v: Value | undefined): [number, number] {
  const ref = atomArg(name, v).ref;
  const id = resolve(current!.pid, ref);
  if (id === undefined) fail('capability-denied', `no atom #atom ${ref} in process ${current!.pid}'s table`);
  return [id, ref];
}

/** Records an atom operation with its call and return times on the shared clock. */
function record(p: Proc, object: number, input: AtomEvent['input'], call: number, output: AtomEvent['output']): void {
  if (!boot.record) return;
  p.history.push({ object, input, output, call, ret: heap.tick() });
}

/** Validators and watches running now on this worker, one inside another. */
let nesting = 0;

/**
 * Runs a validator or watch installed by `owner` for a write by the current process (ADR 0024,
 * docs/adr/0040): own code runs like any call of the writer's; another process's code runs as
 * that process — its table, `self`, output and registers — on this worker, with at most
 * `callbackFuel` steps charged to it. Its failure never fails the writer: a failing validator
 * rejects the write, a failing watch leaves `[:watch-failed key :kind]` in its owner's output.
 * An exited owner's code never runs (a validator then passes, a watch is skipped).
 */
function runAs(owner: number, fn: Value, args: readonly Value[], what: { readonly kind: 'validator' } | { readonly kind: 'watch'; readonly key: Value }): Value {
  const writer = current!;
  const own = owner === writer.pid;
  if (!own && heap.exited(owner)) return what.kind === 'validator' ? true : null;
  const ctx: Proc = own ? writer : { pid: owner, state: { m: 'halt', v: null }, fuel: 0, output: [], printed: 0, children: new Set(), history: writer.history, allocated: 0, nextCheck: boot.heapCells, callback: true };
  const saved = { pid: rt.pid, fuel: rt.fuel, depth: rt.depth, allocated: rt.allocated, nextCheck: rt.nextCheck, quota: rt.fuelQuota, callback: writer.callback };
  const budget = own ? rt.fuel : boot.callbackFuel;
  current = ctx;
  ctx.callback = true;
  rt.pid = owner;
  rt.fuel = budget;
  rt.depth = 0;
  if (!own) {
    rt.fuelQuota = boot.callbackFuel;
    rt.allocated = 0;
    rt.nextCheck = boot.heapCells;
  }
  let end: MState;
  try {
    // Nested too deep (a watch writing the atom it watches): this code fails, at the same depth as in the single-threaded kernels.
    if (nesting >= MAX_CALLBACK_NESTING) throw new QuotaExceeded('stack-overflow', callbackNestingMessage(owner));
    nesting++;
    let r: ReturnType<typeof run>;
    try {
      r = run(callState(fn, args), rt, host, true);
    } finally {
      nesting--;
    }
    end = r.blocked ? { m: 'failed', kind: 'program-error', msg: 'a validator or watch may not block (join)', err: errorMap('program-error', 'a validator or watch may not block (join)') } : r.state;
  } catch (e) {
    if (!(e instanceof QuotaExceeded) && !(e instanceof UnpublishedRead)) throw e;
    const kind = e instanceof QuotaExceeded ? e.kind : 'program-error';
    end = { m: 'failed', kind, msg: e.message, err: errorMap(kind, e.message) };
  } finally {
    const used = budget - Math.max(0, rt.fuel);
    current = writer;
    writer.callback = saved.callback;
    rt.pid = saved.pid;
    rt.depth = saved.depth;
    rt.fuelQuota = saved.quota;
    rt.fuel = own ? rt.fuel : saved.fuel;
    if (!own) {
      rt.allocated = saved.allocated;
      rt.nextCheck = saved.nextCheck;
      heap.charge(owner, used);
    }
  }
  if (!own && ctx.output.length > 0) post({ type: 'output', pid: owner, output: ctx.output });
  if (end.m === 'halt') return end.v;
  const failure = end.m === 'failed' ? { kind: end.kind, message: end.msg } : { kind: 'program-error', message: 'a validator or watch did not finish' };
  // Own code's quota errors end the writer's program, as in the single-threaded kernels (they cannot be caught).
  if (own && (failure.kind === 'stack-overflow' || failure.kind === 'fuel-exhausted' || failure.kind === 'out-of-memory')) throw new QuotaExceeded(failure.kind, failure.message);
  if (own) throw new Raised('program-error', failure.message, end.m === 'failed' ? end.err : errorMap('program-error', failure.message));
  if (what.kind === 'validator') fail('validator-rejected', `the validator of process ${owner} failed (${failure.kind}: ${failure.message})`);
  post({ type: 'output', pid: owner, output: [{ t: heap.tick(), line: printEdnOrElided(new Vector([Keyword.of('watch-failed'), what.key, Keyword.of(failure.kind)])) }] });
  return null;
}

/** Checks `v` against atom `id`'s validator, before the CAS that would store it. @see Atoms.tla Write */
function validate(id: number, v: Value): void {
  const word = heap.validatorWord(id);
  if (word === 0) return;
  const entry = heap.read(word) as Vector;
  if (!truthy(runAs(Number(entry.items[1] as bigint), entry.items[0]!, [v], { kind: 'validator' }))) fail('validator-rejected', `validator rejected ${short(v)}`);
}

/** Runs atom `id`'s watches after a write from `old` to `v` (the writer names the atom `ref`). */
function notify(id: number, ref: number, old: Value, v: Value): void {
  const word = heap.watchesWord(id);
  if (word === 0) return;
  for (const w of (heap.read(word) as Vector).items) {
    const [key, ownerV, fn] = (w as Vector).items;
    const owner = Number(ownerV as bigint);
    if (owner !== current!.pid && heap.exited(owner)) continue;
    // The watch gets the atom under its owner's name for it.
    const name = owner === current!.pid ? ref : lowestRef(owner, id);
    if (name === undefined) continue;
    runAs(owner, fn!, [key!, new AtomRef(name), old, v], { kind: 'watch', key: key! });
  }
}

/** A store into the atom: validator, then CAS against the word just read, retrying, then the watches; → the old value. */
function storeLoop(p: Proc, id: number, ref: number, v: Value): Value {
  validate(id, v);
  const late = PUBLISH_AFTER_STORE ? heap.publishLate(v) : null;
  const word = late?.word ?? heap.publish(v); // publish before the CAS that makes it reachable (ADR 0039)
  const call = heap.tick();
  for (;;) {
    const [w, s] = heap.loadAtom(id);
    if (heap.casAtom(id, w, s, word)) {
      if (late !== null) { lateWindow(); late.commit(); }
      const text = boot.record ? printEdnOrElided(v) : '';
      record(p, id, { op: 'reset', value: text }, call, text);
      const old = heap.read(w);
      notify(id, ref, old, v);
      return old;
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

/** The registers of `pid` (a map register → value). */
function registers(pid: number): { readonly word: number; readonly map: EMap } {
  const word = heap.registersWord(pid);
  return { word, map: word === 0 ? EMap.from([]) : (heap.read(word) as EMap) };
}

function kernelCall(name: string, args: readonly Value[], k: Kont): KernelResult {
  const p = current!;
  if (!isKernelCallName(name)) throw new Raised('program-error', `unknown kernel call ${name}`);
  checkKernelCallArity(name, args);
  const done = (value: Value, yields = true): KernelResult => ({ value, yields });
  switch (name) {
    case 'atom': {
      const call = heap.tick();
      const id = heap.newAtom(heap.publish(args[0]!), 0, p.pid);
      heap.grant(p.pid, id, id);
      record(p, id, { op: 'create', value: boot.record ? printEdnOrElided(args[0]!) : '' }, call, true);
      return done(new AtomRef(id));
    }
    case 'deref': {
      const [id] = atomId(name, args[0]);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const v = heap.read(w);
      record(p, id, { op: 'deref' }, call, { value: boot.record ? printEdnOrElided(v) : '', stamp: s });
      return done(v);
    }
    case 'deref-stamp': {
      const [id] = atomId(name, args[0]);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const v = heap.read(w);
      record(p, id, { op: 'deref' }, call, { value: boot.record ? printEdnOrElided(v) : '', stamp: s });
      return done(new Vector([v, BigInt(s)]));
    }
    case 'reset!': {
      const [id, ref] = atomId(name, args[0]);
      storeLoop(p, id, ref, args[1]!);
      return done(args[1]!);
    }
    case 'reset-vals!': {
      const [id, ref] = atomId(name, args[0]);
      const old = storeLoop(p, id, ref, args[1]!);
      return done(new Vector([old, args[1]!]));
    }
    case 'cas!': case '%commit!': {
      const [id, ref] = atomId(name, args[0]);
      const stamp = Number(stampArg(args[1]));
      const v = args[2]!;
      // A stale stamp fails before the validator runs; the validator runs before the CAS.
      if (heap.loadAtom(id)[1] === stamp) validate(id, v);
      const late = PUBLISH_AFTER_STORE ? heap.publishLate(v) : null;
      const word = late?.word ?? heap.publish(v);
      const call = heap.tick();
      const [w, s] = heap.loadAtom(id);
      const ok = s === stamp && heap.casAtom(id, w, s, word);
      if (late !== null) { if (ok) lateWindow(); late.commit(); }
      record(p, id, { op: 'cas', stamp, value: boot.record ? printEdnOrElided(v) : '' }, call, ok ? { stamp: stamp + 1 } : 'stale');
      if (ok) notify(id, ref, heap.read(w), v);
      if (name === '%commit!') return done(ok);
      if (!ok) fail('stale-stamp', `stamp ${stamp} is not the stamp of #atom ${ref}`);
      return done(BigInt(stamp + 1));
    }
    case 'compare-and-set!': {
      const [id, ref] = atomId(name, args[0]);
      const word = heap.publish(args[2]!);
      const call = heap.tick();
      let validated = false;
      for (;;) {
        const [w, s] = heap.loadAtom(id);
        const cur = heap.read(w);
        const input = { op: 'compareAndSet', expected: boot.record ? printEdnOrElided(args[1]!) : '', value: boot.record ? printEdnOrElided(args[2]!) : '' } as const;
        if (!equals(cur, args[1]!)) {
          record(p, id, input, call, false);
          return done(false);
        }
        if (!validated) {
          validate(id, args[2]!);
          validated = true;
          continue; // the validator may have taken time: re-read before the CAS
        }
        if (heap.casAtom(id, w, s, word)) {
          record(p, id, input, call, true);
          notify(id, ref, cur, args[2]!);
          return done(true);
        }
      }
    }
    case 'set-validator!': {
      const [id] = atomId(name, args[0]);
      const f = validatorArg(args[1]);
      if (f !== null && !truthy(runAs(p.pid, f, [heap.read(heap.loadAtom(id)[0])], { kind: 'validator' }))) fail('validator-rejected', 'the current value fails the new validator');
      heap.setValidatorWord(id, f === null ? 0 : heap.publish(new Vector([f, BigInt(p.pid)])));
      return done(null);
    }
    case 'add-watch': case 'remove-watch': {
      const [id] = atomId(name, args[0]);
      const key = args[1]!;
      const f = name === 'add-watch' ? watchArg(args[2]) : null;
      for (;;) {
        const old = heap.watchesWord(id);
        const list = old === 0 ? [] : (heap.read(old) as Vector).items.filter((w) => !equals((w as Vector).items[0]!, key));
        if (f !== null) list.push(new Vector([key, BigInt(p.pid), f]));
        list.sort((a, b) => compare((a as Vector).items[0]!, (b as Vector).items[0]!));
        if (heap.casWatchesWord(id, old, list.length === 0 ? 0 : heap.publish(new Vector(list)))) break;
      }
      return done(args[0]!);
    }
    case 'share!': {
      const ref = atomArg(name, args[0]).ref;
      const id = resolve(p.pid, ref);
      // the creator check comes first: a process that may not share an atom learns nothing about other pids
      if (id === undefined || heap.creator(id) !== p.pid) fail('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
      const to = Number(pidArg('share!', args[1]));
      if (heap.status(to) === ProcStatus.none || heap.exited(to)) fail('no-such-process', `no process ${to}`);
      heap.markShared(id);
      return done(new AtomRef(grantName(to, id)));
    }
    case 'spawn': {
      const f = spawnArg(args[0]);
      const rest = args.slice(1);
      const shared: [number, number][] = [];
      for (const x of rest) {
        if (!(x instanceof AtomRef)) continue;
        const id = resolve(p.pid, x.ref);
        if (id === undefined || heap.creator(id) !== p.pid) fail('capability-denied', `process ${p.pid} did not create #atom ${x.ref} and may not share it`);
        shared.push([x.ref, id]);
      }
      const pid = heap.newPid();
      // spawn shares the atoms passed as arguments (and only those) with the child, under the same names
      for (const [ref, id] of shared) {
        heap.markShared(id);
        heap.grant(pid, ref, id);
      }
      // The function and the arguments are published before the child is placed (ADR 0039).
      const word = heap.publish(new Vector([f, ...rest]));
      heap.setStartWord(pid, word); // a root until the child ends (the message carries only the word)
      p.children.add(pid);
      post({ type: 'spawn', pid, parent: p.pid, word });
      return done(BigInt(pid));
    }
    case 'fork': {
      if (p.callback) forkNotAllowed();
      const pid = heap.newPid();
      // The child's table: shared atoms stay shared; a private atom becomes a new atom holding
      // the same value word and stamp (no value is copied), its validator kept, no watches.
      const copies = new Map<number, number>();
      for (const [ref, id] of [...tableOf(p.pid)].sort((a, b) => a[0] - b[0])) {
        let target = id;
        if (!heap.isShared(id)) {
          let copy = copies.get(id);
          if (copy === undefined) {
            const [w, s] = heap.loadAtom(id);
            copy = heap.newAtom(w, s, pid);
            const vw = heap.validatorWord(id);
            if (vw !== 0) heap.setValidatorWord(copy, heap.publish(new Vector([(heap.read(vw) as Vector).items[0]!, BigInt(pid)])));
            copies.set(id, copy);
          }
          target = copy;
        }
        heap.grant(pid, ref, target);
      }
      heap.casRegistersWord(pid, 0, heap.registersWord(p.pid));
      // The child continues the same computation on this worker (its continuation is this
      // worker's), with half of the fuel left.
      const fuel = Math.floor(Math.max(0, rt.fuel) / 2);
      rt.fuel -= fuel;
      p.children.add(pid);
      const child: Proc = { pid, state: copyState({ m: 'ret', v: null, k }), fuel, output: [], printed: 0, children: new Set(), history: [], allocated: 0, nextCheck: boot.heapCells, callback: false };
      procs.push(child);
      post({ type: 'forked', pid, parent: p.pid });
      return done(BigInt(pid));
    }
    case 'join': {
      const target = Number(pidArg('join', args[0]));
      const st = heap.status(target);
      if (st === ProcStatus.none) fail('no-such-process', `no process ${target}`);
      if (!p.children.has(target)) fail('capability-denied', target === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target} and may not join it`);
      if (st === ProcStatus.running) {
        if (p.callback) joinMayNotBlock();
        return { blocked: true };
      }
      const v = heap.read(heap.resultWord(target));
      if (st === ProcStatus.failed) {
        // A result word 0: the process's worker died (the coordinator publishes nothing).
        const m = v instanceof EMap ? v : errorMap('worker-died', `process ${target} ended: its worker died`);
        const msg = m.get(Keyword.of('message'));
        const kind = m.get(Keyword.of('error'));
        throw new Raised('program-error', `process ${target} failed: ${typeof msg === 'string' ? msg : ''}`, errorMap(kind instanceof Keyword ? kind.name : 'program-error', typeof msg === 'string' ? msg : ''));
      }
      return done(v);
    }
    case 'self': return done(BigInt(p.pid), false);
    case 'println':
    case 'prn': {
      const line = outputLine(args, name === 'prn');
      const chars = outputCharsOf(line);
      if (p.printed + chars > boot.outputChars) throw new QuotaExceeded('out-of-memory', `process ${p.pid}: a line of ${chars} characters would take its output (holding ${p.printed}) over the output quota of ${boot.outputChars} characters`);
      p.printed += chars;
      p.output.push({ t: heap.tick(), line });
      return done(null, false);
    }
    case 'exit': {
      const v = args[0] ?? null;
      heap.markExited(p.pid);
      return { value: v, yields: true, halt: true };
    }
    case 'hold!': {
      const reg = BigInt(registerArg('hold!', args[0]));
      const v = args[1]!;
      for (;;) {
        const { word, map } = registers(p.pid);
        const next = v === null ? map.dissoc(reg) : map.assoc(reg, v);
        if (heap.casRegistersWord(p.pid, word, heap.publish(next))) break;
      }
      return done(null, false);
    }
    case 'held': {
      const reg = registerArg('held', args[0]);
      return done(registers(p.pid).map.get(reg) ?? null, false);
    }
    case 'gc': return done(null);
    case 'durable-atom':
    case 'history':
    case 'basis':
    case 'as-of':
    case 'since':
      throw new Raised('program-error', `${name}: durable atoms are not available in the parallel mode (--workers); run on one kernel with --db PATH`);
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
 * Charges built-in `name` for a result of `n` elements as the single-threaded kernel does: a
 * single value over the heap quota is `out-of-memory`; new storage (`fresh`) of n ≥ 16 elements
 * costs ⌊n/16⌋ fuel and counts towards the next measurement of what the process holds, which
 * compiled code hands to the interpreter. Used by the built-ins and by code tier 1 inlines.
 */
function charge(name: string, n: number, fresh: boolean): void {
  if (n < 16) return;
  if (n > boot.heapCells) throw new QuotaExceeded('out-of-memory', `process ${rt.pid}: ${name} would build a value of ${n} elements, over the heap quota of ${boot.heapCells} cells`);
  if (!fresh) return;
  rt.fuel -= n >> 4;
  if (rt.fuel < 0) rt.outOfFuel();
  rt.allocated += n;
  if (rt.allocated > rt.nextCheck && rt.inCompiled > 0) throw MEMCHECK;
}

/**
 * A built-in whose result is charged (see {@link charge}); a result that is an argument, or shares
 * one's storage, is not new storage. The members its comparisons and hashes visit cost
 * ⌊visited/16⌋ fuel, as in the single-threaded kernel.
 */
function metered(name: string, f: NativeFn): NativeFn {
  return (args) => {
    const w0 = walkWork();
    const r = f(args);
    rt.chargeReading(walkWork() - w0);
    const n = elementsOf(r);
    if (n < 16) return r;
    const shared = (r instanceof List && r.isSuffix) || args.includes(r) || (r instanceof Vector && args.some((x) => x instanceof Vector && x.sharesStorageWith(r)));
    charge(name, n, !shared);
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
    if (heap.casAtom(NS_ATOM, w, st, heap.publish(next))) {
      if (localNamespaceVersion) rt.nsVersion++;
      return;
    }
  }
}

const host: ExecHost = {
  kernelCall: (name, args, k) => kernelCall(name, args, k),
  define,
  compiled: (_fn, arity) => {
    if (jit === null) return null;
    const code = jit.compiled(arity);
    if (code !== null) namespace(); // a def on another worker before this call invalidates the caches the code reads
    return code;
  },
  memoryCheck: (state) => memoryCheck(state),
};

/** What this worker's JIT has done so far. */
function jitStats(): WorkerJitStats {
  const st = jit?.tier1?.stats;
  return { compiled: st?.compiled ?? 0, tier2Compiled: st?.tier2Compiled ?? 0, tier2Calls: st?.tier2Calls ?? 0 };
}

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
  jit?.start({
    builtins: core,
    global,
    snapshot: () => {
      const ns = namespace();
      return (sym) => ns?.get(sym) ?? core.get(sym.name);
    },
    charge,
    heapCells: boot.heapCells,
  });
  const { forms, positions } = readEdnForms(PRELUDE);
  const prog = new Compiler(positions).program(forms);
  collectLambdas(prog);
  bootDefine = (s, v) => {
    if (!(v instanceof Fn)) throw new Error(`the prelude defines a non-function ${s.name}`);
    core.set(s.name, v);
  };
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
/** Compiles program text (every worker compiles the same texts in the same order, so lambda ids agree). */
function compile(source: string): ReturnType<Compiler['program']> {
  const { forms, positions } = readEdnForms(source);
  const prog = new Compiler(positions).program(forms);
  collectLambdas(prog);
  return prog;
}
let program = compile(boot.source);
/** The children of process 0 across the inputs of a session (it may join a child of an earlier input). */
const children0 = new Set<number>();

/** The result of a program that halted with `v`: its text, or `out-of-memory` when that is too long. */
function haltedWith(v: Value): { ok: true; value: string } | { ok: false; error: 'out-of-memory'; message: string } {
  try {
    return { ok: true, value: printEdn(v) };
  } catch (e) {
    if (e instanceof TextTooLong) return { ok: false, error: 'out-of-memory', message: e.message };
    throw e;
  }
}

/** Ends `p` with its final machine state: publishes the result, tells the coordinator. */
function end(p: Proc, s: MState): void {
  procs.splice(procs.indexOf(p), 1);
  if (s.m === 'halt') {
    heap.finish(p.pid, ProcStatus.done, heap.publish(s.v));
    post({ type: 'exit', pid: p.pid, output: p.output, result: haltedWith(s.v), history: p.history, jit: jitStats() });
  } else if (s.m === 'failed') {
    heap.finish(p.pid, ProcStatus.failed, heap.publish(errorMap(s.kind, s.msg)));
    post({ type: 'exit', pid: p.pid, output: p.output, result: { ok: false, error: s.kind, message: s.msg }, history: p.history, jit: jitStats() });
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
  if (procs.length === 0) {
    heap.park(); // no process: nothing held, the collector need not wait for this worker
    return;
  }
  const seen = heap.wakeValue();
  let progressed = false;
  for (const p of [...procs]) {
    heap.safepoint(); // between two scheduling points: no handle word in a local
    current = p;
    rt.pid = p.pid;
    p.fuel -= heap.takeCharged(p.pid); // steps its validators and watches took for other processes' writes
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
  if (m.type === 'start' || (m.type === 'load' && m.run)) heap.unpark();
  if (m.type === 'start' && m.crash === true) throw new Error('worker crash requested (fault injection)');
  if (m.type === 'start' && m.crashInCell === true) heap.afterTake = () => process.exit(70); // ends this thread, not the process
  if (m.type === 'start') {
    const state: MState = m.pid === 0 && m.word === 0 ? programState(program.main) : (() => {
      const fv = heap.read(m.word) as Vector;
      return callState(fv.items[0]!, fv.items.slice(1));
    })();
    procs.push({ pid: m.pid, state, fuel: boot.fuel, output: [], printed: 0, children: m.pid === 0 ? children0 : new Set(), history: [], allocated: 0, nextCheck: boot.heapCells, callback: false });
    schedule();
  } else if (m.type === 'load') {
    // A session's next input: compiled on every worker; the worker of process 0 runs it there.
    let failure: string | null = null;
    try {
      program = compile(m.source);
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    if (!m.run) return;
    if (failure !== null) {
      heap.finish(0, ProcStatus.failed, heap.publish(errorMap('bad-input', failure)));
      post({ type: 'exit', pid: 0, output: [], result: { ok: false, error: 'bad-input', message: failure }, history: [], jit: jitStats() });
      return;
    }
    procs.push({ pid: 0, state: programState(program.main), fuel: boot.fuel, output: [], printed: 0, children: children0, history: [], allocated: 0, nextCheck: boot.heapCells, callback: false });
    schedule();
  } else if (m.type === 'tier2-code') {
    const req = tier2Pending.get(m.id);
    if (req === undefined) return;
    tier2Pending.delete(m.id);
    try {
      if (m.emitted === null) throw new Error(m.error ?? 'tier 2 failed');
      req.resolve(instantiatePlans([req.plan], m.emitted)[0]!);
    } catch (e) {
      req.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
});
post({ type: 'ready' });
