/**
 * The TS spec kernel: the operation-level semantics of docs/adr/0003 written straight from the
 * spec's definitions, as a {@link Kernel}, so the differential fuzzer can hold every other kernel
 * to it. Pure and simple by design: plain maps, no heap, no collector (GC is unobservable, so
 * `gc`/`gcStep` are the identity on the abstract state).
 *
 * It covers the operations that need no system language: `spawn fork exit atom deref reset cas
 * compareAndSet resetVals share hold gc gcStep`. Operations that run code (`swap`, `swapVals`,
 * `setValidator`, watches, `load`, `step`, `run`) are excluded from {@link Kernel.supports} and
 * answer `unsupported`. With no validator and no watch ever installed, every write succeeds.
 *
 * Order of checks (the same in every kernel, as the reference kernel does it): the op's name
 * (`bad-input`), the acting pid (`no-such-process`), the EDN arguments (`bad-input`), the atom
 * ref (`capability-denied` / `no-such-atom`); for `share`, the creator check before the target
 * pid; then the action itself.
 *
 * @see Atoms.tla, Fork.tla, Capabilities.tla, Heap.tla (actions named on each case below)
 * @module
 */
import { KernelError } from './Errors.js';
import { fail, ok, OP_NAMES, type Kernel, type Observation, type Op, type OpName, type Outcome, type Pid, type Ref } from './Kernel.js';
import { printEdn, readEdn } from './Edn.js';
import { AtomRef, equals, type Value } from './Values.js';

/** One atom of the abstract state (`atoms[a]` in Atoms.tla). */
interface AtomState {
  /** Current value. */
  value: Value;
  /** Canonical EDN of `value` (cached: observations print it often). */
  text: string;
  /** 0 at creation, +1 per successful write. */
  stamp: number;
  /** The pid that created the atom (the only one allowed to share it). */
  readonly creator: Pid;
  /** Whether the atom was ever shared (monotonic). */
  shared: boolean;
}

/** One live process: its atom table (ref → atom id) and registers. */
interface ProcessState {
  /** `table[p]` in Capabilities.tla: process-local ref → atom identity. */
  readonly table: Map<Ref, number>;
  /** Registers (GC roots); values are never observed. */
  readonly registers: Map<number, Value>;
}

/** The operations the spec kernel implements. */
export const SPEC_KERNEL_OPS: ReadonlySet<OpName> = new Set<OpName>([
  'spawn',
  'fork',
  'exit',
  'atom',
  'deref',
  'reset',
  'cas',
  'compareAndSet',
  'resetVals',
  'share',
  'hold',
  'gc',
  'gcStep',
]);

const KNOWN_OPS: ReadonlySet<string> = new Set<string>(OP_NAMES);

/** Raised inside the kernel to end an operation with an error outcome. */
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

/**
 * Creates a spec kernel with pid 0 alive and no atoms.
 * Quotas are not modelled: the spec never runs out of memory, fuel or stack.
 */
export function createSpecKernel(): Kernel {
  const processes = new Map<Pid, ProcessState>([[0, { table: new Map(), registers: new Map() }]]);
  const atoms: AtomState[] = [];
  let nextPid = 1;
  let nextRef = 0;

  function proc(pid: unknown): ProcessState {
    if (!isNat(pid)) refuse('bad-input', `pid must be a non-negative integer, got ${JSON.stringify(pid)}`);
    const p = processes.get(pid);
    if (p === undefined) refuse('no-such-process', `no live process ${pid}`);
    return p;
  }

  /** The atom `ref` names in `p`'s table. @see Capabilities.tla Access */
  function lookup(p: ProcessState, ref: unknown): AtomState {
    if (!isNat(ref)) refuse('bad-input', `ref must be a non-negative integer, got ${JSON.stringify(ref)}`);
    const a = p.table.get(ref);
    if (a !== undefined) return atoms[a]!;
    if (ref < nextRef) refuse('capability-denied', `ref ${ref} is not in the caller's atom table`);
    refuse('no-such-atom', `ref ${ref} was never issued`);
  }

  /** A successful write: new value, stamp + 1. @see Atoms.tla Write */
  function write(a: AtomState, v: Value): void {
    a.value = v;
    a.text = printEdn(v);
    a.stamp += 1;
  }

  function step(op: Op): string {
    switch (op.op) {
      case 'spawn': {
        // Spawn: a process with an empty table (not an action of its own in the TLA+ modules).
        proc(op.pid);
        const child = nextPid++;
        processes.set(child, { table: new Map(), registers: new Map() });
        return String(child);
      }
      case 'fork': {
        // @see Fork.tla Fork: private atoms get a new identity (same value and stamp), shared stay.
        const parent = proc(op.pid);
        const child = nextPid++;
        const table = new Map<Ref, number>();
        for (const [ref, id] of parent.table) {
          const a = atoms[id]!;
          if (a.shared) table.set(ref, id);
          else {
            atoms.push({ value: a.value, text: a.text, stamp: a.stamp, creator: child, shared: false });
            table.set(ref, atoms.length - 1);
          }
        }
        processes.set(child, { table, registers: new Map(parent.registers) });
        return String(child);
      }
      case 'exit': {
        // Exit: the process and its table stop being roots (not modelled in the TLA+ modules).
        proc(op.pid);
        processes.delete(op.pid);
        return 'nil';
      }
      case 'atom': {
        // @see Atoms.tla NewAtom, Capabilities.tla NewAtom
        const p = proc(op.pid);
        const v = parse(op.value, 'value');
        const ref = nextRef++;
        atoms.push({ value: v, text: printEdn(v), stamp: 0, creator: op.pid, shared: false });
        p.table.set(ref, atoms.length - 1);
        return printEdn(new AtomRef(ref));
      }
      case 'deref': {
        // @see Atoms.tla Deref
        const a = lookup(proc(op.pid), op.ref);
        return `[${a.text} ${a.stamp}]`;
      }
      case 'reset': {
        // @see Atoms.tla Reset
        const p = proc(op.pid);
        const v = parse(op.value, 'value');
        const a = lookup(p, op.ref);
        write(a, v);
        return a.text;
      }
      case 'resetVals': {
        // @see Atoms.tla Reset (also returning the old value)
        const p = proc(op.pid);
        const v = parse(op.value, 'value');
        const a = lookup(p, op.ref);
        const old = a.text;
        write(a, v);
        return `[${old} ${a.text}]`;
      }
      case 'cas': {
        // @see Atoms.tla CAS: writes iff the stamp is unchanged.
        const p = proc(op.pid);
        const v = parse(op.value, 'value');
        const a = lookup(p, op.ref);
        if (!isNat(op.stamp)) refuse('bad-input', `stamp must be a non-negative integer`);
        if (op.stamp !== a.stamp) refuse('stale-stamp', `stamp ${op.stamp} is not the atom's stamp ${a.stamp}`);
        write(a, v);
        return String(a.stamp);
      }
      case 'compareAndSet': {
        // @see Atoms.tla Write, guarded by value equality instead of StampMatches (Clojure compare-and-set!).
        const p = proc(op.pid);
        const expected = parse(op.expected, 'expected');
        const v = parse(op.value, 'value');
        const a = lookup(p, op.ref);
        if (!equals(a.value, expected)) return 'false';
        write(a, v);
        return 'true';
      }
      case 'share': {
        // @see Capabilities.tla Share: only the creator may share; the target gets the lowest ref
        // it already has for the atom, or a fresh one.
        const p = proc(op.pid);
        const a = lookup(p, op.ref);
        if (a.creator !== op.pid) refuse('capability-denied', `process ${op.pid} did not create the atom behind ref ${op.ref}`);
        const target = proc(op.to);
        const id = p.table.get(op.ref)!;
        a.shared = true;
        let existing: Ref | undefined;
        for (const [r, other] of target.table) if (other === id && (existing === undefined || r < existing)) existing = r;
        if (existing !== undefined) return printEdn(new AtomRef(existing));
        const ref = nextRef++;
        target.table.set(ref, id);
        return printEdn(new AtomRef(ref));
      }
      case 'hold': {
        // @see Heap.tla Roots: registers are roots, never observed.
        const p = proc(op.pid);
        if (!isNat(op.reg)) refuse('bad-input', `reg must be a non-negative integer`);
        if (op.value === null) p.registers.delete(op.reg);
        else p.registers.set(op.reg, parse(op.value, 'value'));
        return 'nil';
      }
      case 'gc':
      case 'gcStep':
        // @see Heap.tla Collect, GC.tla ReachableNeverFreed: collection never changes what any process observes.
        return 'nil';
      default:
        refuse('unsupported', `the spec kernel does not implement ${(op as { op: string }).op}`);
    }
  }

  return {
    name: 'spec',
    supports: SPEC_KERNEL_OPS,
    apply(op: Op): Outcome {
      if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op: unknown }).op as string)) {
        return fail('bad-input', `unknown operation ${JSON.stringify((op as { op?: unknown } | null)?.op)}`);
      }
      if (!SPEC_KERNEL_OPS.has(op.op)) return fail('unsupported', `the spec kernel does not implement ${op.op}`);
      try {
        return ok(step(op));
      } catch (e) {
        if (e instanceof Refused) return e.outcome;
        throw e;
      }
    },
    observe(): Observation {
      const out: { pid: Pid; atoms: { ref: Ref; value: string; stamp: number }[]; output: string[] }[] = [];
      for (const pid of [...processes.keys()].sort((a, b) => a - b)) {
        const p = processes.get(pid)!;
        const refs = [...p.table.keys()].sort((a, b) => a - b);
        out.push({
          pid,
          atoms: refs.map((ref) => {
            const a = atoms[p.table.get(ref)!]!;
            return { ref, value: a.text, stamp: a.stamp };
          }),
          output: [],
        });
      }
      return { processes: out };
    },
  };
}
