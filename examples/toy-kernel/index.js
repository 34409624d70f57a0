/**
 * immutos-toy-kernel: a small, independent ImmutOS kernel brought from outside the ImmutOS
 * repository, implementing the `Kernel` interface (spec/Kernel.ts) for the operations that need
 * no system language: processes (`spawn`, `fork`, `exit`), atoms (`atom`, `deref`, `reset`,
 * `cas`, `compareAndSet`, `resetVals`), capabilities (`share`), registers (`hold`) and the
 * collector hooks (`gc`, `gcStep`, no-ops: values live as long as JavaScript keeps them).
 *
 * It takes from `immutos/spec` only the value model and the EDN codec (values travel as EDN
 * text; equality is structural) and the shared constants (default quotas, error kinds).
 * Everything else is written here from the documented rules:
 * - pids come from one counter starting at 0 (process 0 exists from the start); refs from
 *   another global counter starting at 0;
 * - a ref outside the caller's table is `capability-denied`; a dead or never-created pid is
 *   `no-such-process`; malformed fields are `bad-input`;
 * - checks run in one order: operation name, acting pid, EDN arguments, atom ref, then (for
 *   `share`) the creator check before the target pid;
 * - every atom has a stamp, 0 when created, +1 per successful write;
 * - `fork` copies the atom table: a private atom becomes a new atom of the child holding the
 *   same value and stamp, a shared atom stays shared; registers are copied;
 * - only an atom's creator may share it; `share` answers the lowest ref the target already has
 *   for the atom, or issues a fresh one;
 * - a process tree (a root started by the `spawn` operation, or process 0, with everything
 *   forked from it) holds at most `treeProcesses` live processes, the kernel `maxProcesses`:
 *   one more is `process-limit`.
 *
 * Not modelled: heap-cell accounting (`out-of-memory` is never answered) and anything that runs
 * code (see README.md).
 *
 * @module
 */
import { AtomRef, DEFAULT_QUOTAS, ERROR_KINDS, Vector, equals, printEdn, readEdn } from 'immutos/spec';

/**
 * @typedef {import('immutos/spec').Kernel} Kernel
 * @typedef {import('immutos/spec').KernelOptions} KernelOptions
 * @typedef {import('immutos/spec').KernelStats} KernelStats
 * @typedef {import('immutos/spec').Observation} Observation
 * @typedef {import('immutos/spec').Op} Op
 * @typedef {import('immutos/spec').OpName} OpName
 * @typedef {import('immutos/spec').Outcome} Outcome
 * @typedef {import('immutos/spec').ErrorKind} ErrorKind
 * @typedef {import('immutos/spec').Quotas} Quotas
 * @typedef {import('immutos/spec').Value} Value
 */

/** The kernel's name, as `--kernels` spells it. */
export const name = 'toy';

/** One line for `immutos fuzz` reports. */
export const description = 'a small kernel from outside the repository: processes, atoms, capabilities, registers (no programs, no heap quotas)';

/**
 * Seeded bugs `createKernel` injects when `options.mutants` names them, so that a campaign can
 * show the fuzzer finds them.
 * @type {readonly { name: string, description: string }[]}
 */
export const mutants = Object.freeze([
  { name: 'lost-update', description: '`cas` ignores the stamp: a write based on a stale read overwrites a newer one' },
  { name: 'share-any', description: 'any process holding a ref may share the atom, not only its creator' },
  { name: 'fork-shares-private', description: '`fork` gives the child the parent\'s private atoms instead of copies' },
]);

/**
 * Every operation of the Kernel interface: a name outside this list is `bad-input`, a name in it
 * that the toy kernel does not run is `unsupported`.
 * @type {readonly OpName[]}
 */
const OPERATIONS = Object.freeze(['spawn', 'fork', 'exit', 'atom', 'deref', 'reset', 'cas', 'compareAndSet', 'swap', 'swapVals', 'resetVals', 'setValidator', 'addWatch', 'removeWatch', 'share', 'hold', 'gc', 'gcStep', 'load', 'step', 'run']);

/** @type {ReadonlySet<OpName>} */
const SUPPORTED = new Set(['spawn', 'fork', 'exit', 'atom', 'deref', 'reset', 'cas', 'compareAndSet', 'resetVals', 'share', 'hold', 'gc', 'gcStep']);

/** An operation failed with an error kind: thrown inside the kernel, turned into an Outcome by `apply`. */
class Refusal {
  /**
   * @param {ErrorKind} kind
   * @param {string} message
   */
  constructor(kind, message) {
    this.kind = kind;
    this.message = message;
  }
}

/**
 * @param {ErrorKind} kind
 * @param {string} message
 * @returns {never}
 */
function refuse(kind, message) {
  if (!ERROR_KINDS.includes(kind)) throw new Error(`unknown error kind ${kind}`);
  throw new Refusal(kind, message);
}

/**
 * A non-negative safe integer (pids, refs, stamps, registers).
 * @param {unknown} x
 * @returns {x is number}
 */
function isNat(x) {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * A field for a message.
 * @param {unknown} x
 */
function shown(x) {
  try {
    return typeof x === 'bigint' ? `${x}n` : (JSON.stringify(x) ?? String(x));
  } catch {
    return Object.prototype.toString.call(x);
  }
}

/**
 * An atom: its current value and stamp, who created it, whether it was ever shared.
 * @typedef {{ value: Value, stamp: number, creator: number, shared: boolean }} Atom
 */

/**
 * A process: its atom table (ref → atom), registers (number → value), its tree's root.
 * @typedef {{ pid: number, alive: boolean, tree: number, table: Map<number, Atom>, registers: Map<number, Value> }} Proc
 */

/**
 * Builds a toy kernel with process 0.
 * @param {KernelOptions} [options]
 * @returns {Kernel}
 */
export function createKernel(options = {}) {
  /** @type {Quotas} */
  const quotas = { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) };
  const bugs = new Set(options.mutants ?? []);
  for (const m of bugs) if (!mutants.some((x) => x.name === m)) throw new RangeError(`the toy kernel has no mutant '${m}'`);

  /** @type {Map<number, Proc>} */
  const procs = new Map();
  let nextPid = 0;
  let nextRef = 0;
  const counts = { spawns: 0, forks: 0, gcCycles: 0 };

  /**
   * A new live process, root of its own tree unless `tree` is given.
   * @param {number | null} tree
   */
  function newProcess(tree) {
    const pid = nextPid++;
    /** @type {Proc} */
    const p = { pid, alive: true, tree: tree ?? pid, table: new Map(), registers: new Map() };
    procs.set(pid, p);
    return p;
  }
  newProcess(null);

  /**
   * The live process `pid`.
   * @param {unknown} pid
   */
  function proc(pid) {
    if (!isNat(pid)) refuse('bad-input', `pid must be a non-negative integer, got ${shown(pid)}`);
    const p = procs.get(pid);
    if (p === undefined || !p.alive) refuse('no-such-process', `no process ${pid}`);
    return p;
  }

  /**
   * An EDN argument.
   * @param {unknown} text
   * @param {string} what
   * @returns {Value}
   */
  function value(text, what) {
    if (typeof text !== 'string') refuse('bad-input', `${what} must be EDN text`);
    try {
      return readEdn(text);
    } catch (e) {
      const kind = /** @type {{ kind?: unknown }} */ (e)?.kind;
      if (typeof kind === 'string' && ERROR_KINDS.includes(/** @type {ErrorKind} */ (kind))) refuse(/** @type {ErrorKind} */ (kind), `${what}: ${/** @type {Error} */ (e).message}`);
      if (e instanceof RangeError) refuse('program-error', `${what}: ${e.message}`); // an integer outside 64 bits
      throw e;
    }
  }

  /**
   * The atom `ref` names in `p`'s table.
   * @param {Proc} p
   * @param {unknown} ref
   */
  function atomOf(p, ref) {
    if (!isNat(ref)) refuse('bad-input', `ref must be a non-negative integer, got ${shown(ref)}`);
    const a = p.table.get(ref);
    if (a === undefined) refuse('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
    return a;
  }

  /**
   * Room for one more process in `tree` (ADR 0024): `process-limit` otherwise.
   * @param {number} tree
   * @param {number} by
   */
  function roomFor(tree, by) {
    let live = 0;
    let inTree = 0;
    for (const q of procs.values()) {
      if (!q.alive) continue;
      live++;
      if (q.tree === tree) inTree++;
    }
    if (live >= quotas.maxProcesses) refuse('process-limit', `${live} live processes (maxProcesses ${quotas.maxProcesses})`);
    if (inTree >= quotas.treeProcesses) refuse('process-limit', `the tree of process ${by} has ${inTree} live processes (treeProcesses ${quotas.treeProcesses})`);
  }

  /**
   * A write: new value, stamp + 1.
   * @param {Atom} a
   * @param {Value} v
   */
  function write(a, v) {
    a.value = v;
    a.stamp += 1;
  }

  /**
   * One operation; throws a Refusal on failure.
   * @param {Op} op
   * @returns {string} the result as EDN
   */
  function perform(op) {
    const opName = op !== null && typeof op === 'object' ? /** @type {{ op?: unknown }} */ (op).op : undefined;
    if (typeof opName !== 'string' || !OPERATIONS.includes(/** @type {OpName} */ (opName))) refuse('bad-input', `unknown operation ${shown(opName)}`);
    if (!SUPPORTED.has(/** @type {OpName} */ (opName))) refuse('unsupported', `the toy kernel does not run ${opName}`);
    if (op.op === 'gc') {
      counts.gcCycles++;
      return 'nil';
    }
    if (op.op === 'gcStep') return 'nil';
    const p = proc(op.pid);
    switch (op.op) {
      case 'spawn': {
        const tree = nextPid; // a spawned process is the root of a new tree
        roomFor(tree, p.pid);
        counts.spawns++;
        return String(newProcess(null).pid);
      }
      case 'fork': {
        roomFor(p.tree, p.pid);
        const child = newProcess(p.tree);
        counts.forks++;
        /** @type {Map<Atom, Atom>} */
        const copies = new Map();
        for (const [ref, a] of p.table) {
          if (a.shared || bugs.has('fork-shares-private')) {
            child.table.set(ref, a);
            continue;
          }
          let c = copies.get(a);
          if (c === undefined) copies.set(a, (c = { value: a.value, stamp: a.stamp, creator: child.pid, shared: false }));
          child.table.set(ref, c);
        }
        for (const [reg, v] of p.registers) child.registers.set(reg, v);
        return String(child.pid);
      }
      case 'exit':
        p.alive = false;
        p.table.clear();
        p.registers.clear();
        return 'nil';
      case 'atom': {
        const v = value(op.value, 'value');
        const ref = nextRef++;
        p.table.set(ref, { value: v, stamp: 0, creator: p.pid, shared: false });
        return printEdn(new AtomRef(ref));
      }
      case 'deref': {
        const a = atomOf(p, op.ref);
        return printEdn(new Vector([a.value, BigInt(a.stamp)]));
      }
      case 'reset': {
        const v = value(op.value, 'value');
        write(atomOf(p, op.ref), v);
        return printEdn(v);
      }
      case 'resetVals': {
        const v = value(op.value, 'value');
        const a = atomOf(p, op.ref);
        const old = a.value;
        write(a, v);
        return printEdn(new Vector([old, v]));
      }
      case 'cas': {
        const v = value(op.value, 'value');
        const a = atomOf(p, op.ref);
        if (!isNat(op.stamp)) refuse('bad-input', `stamp must be a non-negative integer, got ${shown(op.stamp)}`);
        if (a.stamp !== op.stamp && !bugs.has('lost-update')) refuse('stale-stamp', `stamp ${op.stamp} is stale (the atom's stamp is ${a.stamp})`);
        write(a, v);
        return String(a.stamp);
      }
      case 'compareAndSet': {
        const expected = value(op.expected, 'expected');
        const v = value(op.value, 'value');
        const a = atomOf(p, op.ref);
        if (!equals(a.value, expected)) return 'false';
        write(a, v);
        return 'true';
      }
      case 'share': {
        const a = atomOf(p, op.ref);
        if (a.creator !== p.pid && !bugs.has('share-any')) refuse('capability-denied', `process ${p.pid} did not create #atom ${op.ref} and may not share it`);
        const target = proc(op.to);
        a.shared = true;
        let lowest = -1;
        for (const [r, x] of target.table) if (x === a && (lowest < 0 || r < lowest)) lowest = r;
        if (lowest >= 0) return printEdn(new AtomRef(lowest));
        const ref = nextRef++;
        target.table.set(ref, a);
        return printEdn(new AtomRef(ref));
      }
      case 'hold': {
        if (!isNat(op.reg)) refuse('bad-input', `reg must be a non-negative integer, got ${shown(op.reg)}`);
        if (op.value === null) p.registers.delete(op.reg);
        else p.registers.set(op.reg, value(op.value, 'value'));
        return 'nil';
      }
    }
    return refuse('unsupported', `the toy kernel does not run ${opName}`);
  }

  return {
    name,
    supports: SUPPORTED,
    /**
     * Performs one operation; never throws.
     * @param {Op} op
     * @returns {Outcome}
     */
    apply(op) {
      try {
        return { ok: true, value: perform(op) };
      } catch (e) {
        if (e instanceof Refusal) return { ok: false, error: e.kind, message: e.message };
        return { ok: false, error: 'program-error', message: `internal error in the toy kernel: ${/** @type {Error} */ (e)?.stack ?? String(e)}` };
      }
    },
    /** @returns {Observation} */
    observe() {
      return {
        processes: [...procs.values()]
          .filter((p) => p.alive)
          .sort((a, b) => a.pid - b.pid)
          .map((p) => ({
            pid: p.pid,
            atoms: [...p.table.entries()].sort((x, y) => x[0] - y[0]).map(([ref, a]) => ({ ref, value: printEdn(a.value), stamp: a.stamp })),
            output: [],
            registers: [...p.registers.entries()].sort((x, y) => x[0] - y[0]).map(([reg, v]) => ({ reg, value: printEdn(v) })),
          })),
      };
    },
    /** @returns {KernelStats} */
    stats() {
      return { ...counts };
    },
  };
}

export default createKernel;
