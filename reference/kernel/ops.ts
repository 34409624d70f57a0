/**
 * The reference kernel's operations (spec/Kernel.ts `Op`): each one's inputs read by the checks of
 * spec/OpInput.ts, then the action, performed by the part it concerns.
 * @module
 */
import { printEdn } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import { fail, ok, type Op, type Outcome } from '../../spec/Kernel.js';
import { readFnSource, readLoadInput, readNat, readOp, readOpArgument } from '../../spec/OpInput.js';
import { AtomRef, IntOverflowError, Vector, equals } from '../../spec/Values.js';
import type { KernelParts } from './parts.js';
import type { KernelTables, ProcessRecord } from './tables.js';

/** The operations of one reference kernel. */
export class Operations {
  /** Operations over `t`, performed by `parts`. */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /** Performs `op` → its outcome; never throws. */
  apply(op: Op): Outcome {
    try {
      return this.perform(op);
    } catch (e) {
      return toOutcome(e);
    }
  }

  /** Loads the program a `load` carries (EDN text or base64 of its binary encoding) into `p`. */
  load(p: ProcessRecord, program: unknown, binary: unknown): void {
    const input = readLoadInput(program, binary);
    if ('base64' in input) this.parts.language.loadBinary(p, input.base64);
    else this.parts.language.loadText(p, input.text);
  }

  /**
   * One operation. Checks run in the order every kernel uses (spec/SpecEngine.ts): the op's
   * name (`bad-input`), the acting pid (`no-such-process`), the EDN arguments (`bad-input`),
   * the atom ref (`capability-denied` / `no-such-atom`); for `share`, the creator check before
   * the target pid; then the action itself. (Function sources of `swap`, `setValidator` are
   * evaluated after the ref is resolved: evaluating code is part of the action.)
   */
  private perform(input: Op): Outcome {
    const op = readOp(input);
    const { atoms, processes, language, memory, scheduling } = this.parts;
    switch (op.op) {
      case 'gc':
        memory.collect();
        return ok('nil');
      case 'gcStep':
        return ok('nil'); // stop-the-world: a whole collection happens at `gc` or at need
    }
    const p = processes.live(op.pid);
    switch (op.op) {
      case 'spawn':
        return ok(String(processes.spawnRoot(p).pid));
      case 'fork':
        return ok(String(processes.fork(p, p.program).pid));
      case 'exit':
        processes.exit(p);
        return ok('nil');
      case 'atom': {
        const v = readOpArgument(op.value, 'value');
        return ok(printEdn(atoms.create(p, v)));
      }
      case 'deref': {
        const a = atoms.resolve(p, op.ref);
        return ok(printEdn(new Vector([atoms.value(a), BigInt(a.stamp)])));
      }
      case 'reset': {
        const v = readOpArgument(op.value, 'value');
        const a = atoms.resolve(p, op.ref);
        atoms.reset(p, a, op.ref, v);
        return ok(printEdn(v));
      }
      case 'cas': {
        const v = readOpArgument(op.value, 'value');
        atoms.resolve(p, op.ref);
        return ok(String(atoms.cas(p, op.ref, readNat(op.stamp, 'stamp'), v)));
      }
      case 'compareAndSet': {
        const expected = readOpArgument(op.expected, 'expected');
        const v = readOpArgument(op.value, 'value');
        const a = atoms.resolve(p, op.ref);
        if (!equals(atoms.value(a), expected)) return ok('false');
        atoms.write(p, a, op.ref, v);
        return ok('true');
      }
      case 'swap':
      case 'swapVals': {
        const a = atoms.resolve(p, op.ref);
        const f = language.compileFn(p, readFnSource(op.fn));
        const old = atoms.value(a);
        const v = language.callSync(p, f, [old]);
        atoms.write(p, a, op.ref, v);
        return ok(printEdn(op.op === 'swap' ? v : new Vector([old, v])));
      }
      case 'resetVals': {
        const v = readOpArgument(op.value, 'value');
        const a = atoms.resolve(p, op.ref);
        const old = atoms.value(a);
        atoms.reset(p, a, op.ref, v);
        return ok(printEdn(new Vector([old, v])));
      }
      case 'setValidator': {
        const a = atoms.resolve(p, op.ref);
        atoms.setValidator(p, a, op.fn === null ? null : language.compileFn(p, readFnSource(op.fn)));
        return ok('nil');
      }
      case 'addWatch': {
        const key = readOpArgument(op.key, 'key');
        const a = atoms.resolve(p, op.ref);
        this.t.heap.alloc(key, p.pid); // the key is held by the kernel: it lives in the heap like any value
        atoms.addWatch(a, key, p.pid, null);
        return ok('nil');
      }
      case 'removeWatch': {
        const key = readOpArgument(op.key, 'key');
        const a = atoms.resolve(p, op.ref);
        atoms.removeWatch(a, key);
        return ok('nil');
      }
      case 'share':
        return ok(printEdn(new AtomRef(atoms.share(p, op.ref, op.to))));
      case 'hold': {
        const reg = readNat(op.reg, 'reg');
        if (op.value === null) p.registers.delete(reg);
        else {
          const v = readOpArgument(op.value, 'value');
          memory.withPending([v], () => memory.safePoint(p));
          p.registers.set(reg, this.t.heap.alloc(v, p.pid));
        }
        return ok('nil');
      }
      case 'load':
        this.load(p, op.program, op.binary);
        return ok('nil');
      case 'step':
        return scheduling.step(p);
      case 'run':
        return scheduling.run(p);
    }
  }
}

/** The outcome of an operation that threw `e`. */
function toOutcome(e: unknown): Outcome {
  if (e instanceof KernelError) return fail(e.kind, e.message);
  if (e instanceof IntOverflowError) return fail('program-error', e.message);
  const err = e as Error;
  return fail('program-error', `internal error in the reference kernel: ${err?.stack ?? String(e)}`);
}
