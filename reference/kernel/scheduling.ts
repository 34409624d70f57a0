/**
 * The reference kernel's scheduling: running programs quantum by quantum (one quantum = up to and
 * including the next kernel call), under a scheduler or one process at a time (`step`, `run`),
 * and how a program ended (quota errors and deadlocks end the program, not the kernel).
 * @module
 */
import { fail, ok, RESOURCE_ERRORS, type ErrorKind, type Outcome, type Pid, type Scheduler } from '../../spec/Kernel.js';
import { printEdn, TextTooLong } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import type { State, StepResult } from '../lang/machine.js';
import { errorValue } from '../lang/runtime.js';
import type { KernelParts } from './parts.js';
import { KERNEL_PID, isFinished, type KernelTables, type ProcessRecord } from './tables.js';

/** What one quantum of a program came to. */
type QuantumEnd = 'yielded' | 'blocked' | 'finished';

/** The scheduling of one reference kernel's programs. */
export class Scheduling {
  /** Scheduling over `t`; programs run through `parts` (the language host). */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler`. Each program gets one fuel budget for the whole run. Returns the number of quanta run.
   */
  runAll(scheduler: Scheduler, maxQuanta: number): number {
    const { processes, quotas } = this.t;
    for (const p of processes.values()) {
      p.fuelLeft = quotas.fuel;
      if (p.pid !== KERNEL_PID) p.account.fuel = quotas.treeFuel;
    }
    let quanta = 0;
    for (; quanta < maxQuanta; quanta++) {
      const runnable = this.runnable();
      if (runnable.length === 0) break;
      this.quantum(this.parts.processes.live(scheduler.next(runnable)));
    }
    // Whoever still waits for a process that can never finish is deadlocked.
    for (const p of processes.values()) {
      if (p.blockedOn !== null && p.program !== null && !isFinished(p.program)) {
        const msg = `deadlock: process ${p.pid} waits for process ${p.blockedOn}, which never finishes`;
        p.program = this.failedState('program-error', msg);
        p.blockedOn = null;
      }
    }
    return quanta;
  }

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    return [...this.t.processes.values()]
      .filter((p) => p.alive && p.program !== null && !isFinished(p.program) && (p.blockedOn === null || this.parts.processes.finished(p.blockedOn)))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
  }

  /** The `step` operation: runs `p`'s program up to and including its next kernel call → nil, or its outcome once finished. */
  step(p: ProcessRecord): Outcome {
    return this.alone(p, 'step', (end) => (end === 'yielded' ? ok('nil') : null));
  }

  /** The `run` operation: runs `p`'s program to completion → its outcome. */
  run(p: ProcessRecord): Outcome {
    return this.alone(p, 'run', () => null);
  }

  /** How `s`, a program, ended. */
  outcome(s: State): Outcome {
    if (s.mode === 'halt') {
      try {
        return ok(printEdn(s.value));
      } catch (e) {
        if (e instanceof TextTooLong) return fail(e.kind, e.message);
        throw e;
      }
    }
    if (s.mode === 'failed') return fail(s.kind, s.message);
    return fail('program-error', 'the program has not finished');
  }

  /**
   * Runs `p` alone with fresh fuel, quantum after quantum, until its program finishes, it would
   * block, or `stop` gives the outcome after a quantum.
   */
  private alone(p: ProcessRecord, op: 'step' | 'run', stop: (end: QuantumEnd) => Outcome | null): Outcome {
    if (p.program === null) throw new KernelError('bad-input', `process ${p.pid} has no program loaded`);
    p.fuelLeft = this.t.quotas.fuel;
    p.account.fuel = this.t.quotas.treeFuel;
    p.blockedOn = null;
    for (;;) {
      if (isFinished(p.program!)) return this.outcome(p.program!);
      const end = this.quantum(p);
      if (end === 'blocked') return fail('program-error', `join would block: process ${p.blockedOn} has not finished (no other process runs during '${op}')`);
      const out = stop(end);
      if (out !== null) return out;
    }
  }

  /** One quantum of `p`'s program; a quota error ends the program (typed) but not the kernel. */
  private quantum(p: ProcessRecord): QuantumEnd {
    let r: StepResult;
    try {
      r = this.parts.language.runQuantum(p, p.program!);
    } catch (e) {
      if (e instanceof KernelError && RESOURCE_ERRORS.includes(e.kind)) {
        p.program = this.failedState(e.kind, e.message);
        this.parts.memory.forgetOverQuota(); // what that program held is garbage now: the next collection decides again
        return 'finished';
      }
      throw e;
    }
    p.program = r.state;
    if (r.blocked) return 'blocked';
    if (isFinished(r.state)) return 'finished';
    return 'yielded';
  }

  /**
   * The end state of a program the kernel stops (quota, deadlock). Its error value is reachable
   * (`join` returns it), so it gets a cell like every reachable value; the kernel is charged for
   * it, not the stopped process (which may be over its quota already).
   */
  private failedState(kind: ErrorKind, message: string): State {
    const error = errorValue(kind, message);
    this.t.heap.alloc(error, KERNEL_PID);
    return { mode: 'failed', kind, message, error };
  }
}
