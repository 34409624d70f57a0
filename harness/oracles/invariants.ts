/**
 * The spec's invariants, checked on one kernel's observations after every step (judges only).
 * Holds any kernel — even alone, even a mutant compared with itself — to ADR 0003:
 *
 * - `TypeOK`: pids and refs ascending, stamps non-negative integers.
 * - `StampsMonotone`: a ref's stamp never decreases; a live process's table only grows.
 * - `FailureChangesNothing`: a failed operation (capability denial, stale stamp, validator
 *   rejection, bad input, …) leaves every observation unchanged (programs aside; and a write
 *   that landed, its stamp one up, before a watch of the writer's own failed: a failure that is
 *   no refusal of the write, such as `program-error`).
 * - `WriteBumpsStampByOne`: a successful write raises the written atom's stamp by exactly 1 and
 *   its value becomes the written value (once programs run, watches may write the atom again
 *   inside the write: then the stamp rises by more); a `cas` returns its write's stamp; atoms
 *   not aliased to it are untouched (fork isolation).
 * - `ReadsChangeNothing`: deref, hold, gc, gcStep, watch and validator operations change no atom;
 *   `deref` returns the observed `[value stamp]`; GC changes nothing at all.
 * - `ForkCopiesTable`: a forked child starts with its parent's refs, values and stamps.
 * - `ShareByCreatorOnly`: `share` succeeds only for the atom's creator (as tracked from the ops).
 * - `OutputWithinQuota`: no process holds more characters of output (each line its length plus
 *   one) than its tree may (`treeOutputChars` of the case's quotas, ADR 0057).
 * - `HoldSetsOneRegister`: `hold` sets (or clears) exactly the named register of the caller to the
 *   held value; `fork` gives the child the parent's registers, `spawn` none; no other operation
 *   changes a register (until a program runs: its code may `hold!` behind the tracker's back).
 *
 * Aliasing (which refs of which processes name the same atom) is tracked from the operations as
 * ADR 0003 defines it. Programs can create, share and fork behind the tracker's back, so after
 * the first `load` the alias-dependent checks are switched off for the rest of the case
 * (no false alarms) while the others stay on.
 * @see Atoms.tla, Fork.tla, Capabilities.tla, GC.tla
 * @module
 */
import { printEdn, readEdn } from '../../spec/codec/Edn.js';
import { DEFAULT_QUOTAS, outputCharsOf, type Observation, type Outcome, type Pid, type ProcessObservation, type Quotas } from '../../spec/Kernel.js';
import type { CaseOp } from '../generators/case.js';
import { sameObservation } from './observation.js';

interface AliasAtom {
  creator: Pid;
  shared: boolean;
}

type Entry = { value: string; stamp: number };

function entries(o: Observation): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const p of o.processes) for (const a of p.atoms) m.set(`${p.pid}:${a.ref}`, { value: a.value, stamp: a.stamp });
  return m;
}

/** The value a write operation names (canonical text), or null when it names none (`swap`, `swapVals`: a function). */
function valueNamed(name: string, o: Record<string, unknown>): string | null {
  return name === 'cas' || name === 'reset' || name === 'resetVals' || name === 'compareAndSet' ? canonical(o.value) : null;
}

function canonical(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  try {
    return printEdn(readEdn(text));
  } catch {
    return null;
  }
}

const WRITES = new Set(['reset', 'resetVals', 'cas', 'compareAndSet', 'swap', 'swapVals']);
/** Error kinds by which a kernel refuses a write (it must then change nothing); a watch's own failure after a write is none of these. */
const WRITE_REFUSALS: ReadonlySet<string> = new Set(['stale-stamp', 'validator-rejected', 'capability-denied', 'no-such-atom', 'no-such-process', 'bad-input', 'unsupported']);
const READS = new Set(['deref', 'hold', 'gc', 'gcStep', 'addWatch', 'removeWatch', 'setValidator']);
const PROGRAM = new Set(['load', 'step', 'run']);

/** Checks one kernel's successive observations against the spec's invariants. */
export class InvariantChecker {
  private readonly alias = new Map<string, number>();
  private readonly atoms: AliasAtom[] = [];
  private aliasKnown = true;

  private lastEntries: { obs: Observation; map: Map<string, Entry> } | undefined;
  /** The most output a tree may hold (the quotas the kernels were built with). */
  private readonly outputQuota: number;

  /** A checker for kernels built with `quotas` (the defaults where absent). */
  constructor(quotas: Partial<Quotas> = {}) {
    this.outputQuota = quotas.treeOutputChars ?? DEFAULT_QUOTAS.treeOutputChars;
  }

  /**
   * Checks the step `op` → `outcome` from `before` to `after`; returns a violation or null.
   * `unchanged` (whether the two observations are equal) may be passed when already known.
   */
  check(op: CaseOp, outcome: Outcome, before: Observation, after: Observation, unchanged?: boolean): string | null {
    const v = this.checkStep(op, outcome, before, after, unchanged ?? sameObservation(before, after));
    this.track(op, outcome, after);
    return v;
  }

  /**
   * Whether the failed write `op` landed before a watch of the writer's own failed: the written
   * ref's stamp moved as {@link landing} allows a write's. A watch runs after the write and its
   * failure, when the watch is the writer's own, is the writer's; the write stays
   * (docs/language.md, "a failing watch leaves the write in place"), and what the watch did before
   * failing is program code. A refused write never moves a stamp.
   */
  private landedBeforeWatchFailed(op: CaseOp, eb: ReadonlyMap<string, Entry>, ea: ReadonlyMap<string, Entry>): boolean {
    if (!WRITES.has(op.op)) return false;
    const o = op as Record<string, unknown>;
    const key = `${String(o.pid)}:${String(o.ref)}`;
    const b = eb.get(key);
    const a = ea.get(key);
    return b !== undefined && a !== undefined && this.landing(op.op, key, valueNamed(op.op, o), b, a) === null;
  }

  /**
   * How the write `name` of `written` (canonical text; null when the op names no value) on `key`
   * may move its entry from `b` to `a`: the stamp one up and the written value; or, once programs
   * run (watches may exist), the stamp more than one up and any value, the watches of the atom
   * having written it in turn (docs/language.md, "Nested callbacks": the writes up to the nesting
   * bound stand). Null when it may, else the violation.
   */
  private landing(name: string, key: string, written: string | null, b: Entry, a: Entry): string | null {
    if (a.stamp === b.stamp + 1) return written !== null && a.value !== written ? `WriteBumpsStampByOne: ${name} on ${key} wrote ${written} but the atom reads ${a.value}` : null;
    if (a.stamp > b.stamp + 1 && !this.aliasKnown) return null;
    return `WriteBumpsStampByOne: ${name} on ${key} moved the stamp from ${b.stamp} to ${a.stamp}${this.aliasKnown ? ' (no program has run, so no watch can have written it again)' : ''}`;
  }

  private entriesOf(o: Observation): Map<string, Entry> {
    if (this.lastEntries?.obs === o) return this.lastEntries.map;
    return entries(o);
  }

  private checkStep(op: CaseOp, outcome: Outcome, before: Observation, after: Observation, same: boolean): string | null {
    // TypeOK
    let prevPid = -1;
    for (const p of after.processes) {
      if (!(p.pid > prevPid)) return `TypeOK: pids not ascending at ${p.pid}`;
      prevPid = p.pid;
      let prevRef = -1;
      for (const a of p.atoms) {
        if (!(a.ref > prevRef)) return `TypeOK: refs of process ${p.pid} not ascending at ${a.ref}`;
        if (!Number.isSafeInteger(a.stamp) || a.stamp < 0) return `TypeOK: stamp ${a.stamp} of ${p.pid}:${a.ref}`;
        prevRef = a.ref;
      }
      let prevReg = -1;
      for (const r of p.registers ?? []) {
        if (!(Number.isSafeInteger(r.reg) && r.reg > prevReg)) return `TypeOK: registers of process ${p.pid} not ascending at ${r.reg}`;
        prevReg = r.reg;
      }
      // OutputWithinQuota (a process's output is part of its tree's); output changes only with the observation
      if (same) continue;
      let chars = 0;
      for (const line of p.output) chars += outputCharsOf(line);
      if (chars > this.outputQuota) return `OutputWithinQuota: process ${p.pid} holds ${chars} characters of output, over treeOutputChars ${this.outputQuota}`;
    }
    const eb = this.entriesOf(before);
    const ea = entries(after);
    this.lastEntries = { obs: after, map: ea };
    const pidsAfter = new Map<Pid, ProcessObservation>(after.processes.map((p) => [p.pid, p]));
    // StampsMonotone
    for (const [k, e] of eb) {
      const x = ea.get(k);
      const pid = Number(k.split(':')[0]);
      if (x === undefined) {
        if (pidsAfter.has(pid)) return `StampsMonotone: ref ${k} vanished from a live process's table`;
        continue;
      }
      if (x.stamp < e.stamp) return `StampsMonotone: stamp of ${k} went from ${e.stamp} to ${x.stamp}`;
    }
    const name = op.op;
    if (PROGRAM.has(name)) return null;
    if (!outcome.ok) {
      if (same || (!WRITE_REFUSALS.has(outcome.error) && this.landedBeforeWatchFailed(op, eb, ea))) return null;
      return `FailureChangesNothing: ${name} failed with ${outcome.error} but the state changed`;
    }
    const o = op as Record<string, unknown>;
    const regs = this.checkRegisters(name, o, outcome, before, after);
    if (regs !== null) return regs;
    const key = `${String(o.pid)}:${String(o.ref)}`;
    if (name === 'gc' || name === 'gcStep') return same ? null : `ReadsChangeNothing: ${name} changed the observation`;
    if (READS.has(name)) {
      for (const [k, e] of eb) {
        const x = ea.get(k);
        if (x !== undefined && (x.value !== e.value || x.stamp !== e.stamp)) return `ReadsChangeNothing: ${name} changed ${k}`;
      }
      if (name === 'deref') {
        const e = eb.get(key);
        if (e !== undefined && outcome.value !== `[${e.value} ${e.stamp}]`) return `ReadsChangeNothing: deref returned ${outcome.value} but ${key} is [${e.value} ${e.stamp}]`;
      }
      return null;
    }
    if (WRITES.has(name)) {
      if (name === 'compareAndSet' && outcome.value === 'false') {
        return this.unchangedAtoms(eb, ea, null, name);
      }
      const b = eb.get(key);
      const a = ea.get(key);
      if (b === undefined || a === undefined) return `WriteBumpsStampByOne: ${name} succeeded on ${key}, which is not in the table`;
      const landed = this.landing(name, key, name === 'swap' ? outcome.value : valueNamed(name, o), b, a);
      if (landed !== null) return landed;
      if (name === 'cas' && outcome.value !== String(b.stamp + 1)) return `WriteBumpsStampByOne: cas returned ${outcome.value}, its write's stamp is ${b.stamp + 1}`;
      return this.unchangedAtoms(eb, ea, key, name);
    }
    if (name === 'fork' || name === 'spawn') {
      const child = pidsAfter.get(Number(outcome.value));
      if (child === undefined) return `${name} returned ${outcome.value} but no such process is observed`;
      if (name === 'spawn' && child.atoms.length > 0) return `Spawn: a spawned process starts with atoms`;
      if (name === 'fork') {
        const parent = before.processes.find((p) => p.pid === o.pid);
        if (parent !== undefined && JSON.stringify(parent.atoms) !== JSON.stringify(child.atoms)) return `ForkCopiesTable: the child's table differs from the parent's`;
      }
      return this.unchangedAtoms(eb, ea, null, name);
    }
    if (name === 'share') {
      const id = this.alias.get(key);
      if (this.aliasKnown && id !== undefined && this.atoms[id]!.creator !== o.pid) return `ShareByCreatorOnly: process ${String(o.pid)} shared ${key}, created by ${this.atoms[id]!.creator}`;
      return this.unchangedAtoms(eb, ea, null, name);
    }
    if (name === 'exit' || name === 'atom') return this.unchangedAtoms(eb, ea, null, name);
    return null;
  }

  /**
   * `HoldSetsOneRegister` and `ForkCopiesRegisters` for a successful non-program step: registers
   * change only through `hold` (the caller's named register becomes the held value or empty), a
   * forked child starts with its parent's registers and a spawned one with none.
   */
  private checkRegisters(name: string, o: Record<string, unknown>, outcome: Outcome & { ok: true }, before: Observation, after: Observation): string | null {
    const show = (p: ProcessObservation | undefined): string => JSON.stringify(p?.registers ?? []);
    const beforeBy = new Map(before.processes.map((p) => [p.pid, p]));
    if (name === 'fork' || name === 'spawn') {
      const child = after.processes.find((p) => String(p.pid) === outcome.value);
      const expected = name === 'fork' ? show(beforeBy.get(o.pid as Pid)) : '[]';
      if (child !== undefined && show(child) !== expected) return `${name === 'fork' ? 'ForkCopiesRegisters' : 'Spawn'}: the child's registers are ${show(child)}, expected ${expected}`;
    }
    for (const p of after.processes) {
      const b = beforeBy.get(p.pid);
      if (b === undefined) continue;
      if (name === 'hold' && p.pid === o.pid) {
        const rest = (q: ProcessObservation): string => JSON.stringify((q.registers ?? []).filter((r) => r.reg !== o.reg));
        if (rest(p) !== rest(b)) return `HoldSetsOneRegister: hold of register ${String(o.reg)} changed another register of process ${p.pid}`;
        const now = (p.registers ?? []).find((r) => r.reg === o.reg);
        const want = o.value === null ? null : canonical(o.value);
        if (o.value === null ? now !== undefined : want !== null && now?.value !== want) {
          return `HoldSetsOneRegister: register ${String(o.reg)} of process ${p.pid} reads ${now === undefined ? 'empty' : now.value} after holding ${want ?? 'nil (cleared)'}`;
        }
        continue;
      }
      if (this.aliasKnown && show(p) !== show(b)) return `HoldSetsOneRegister: ${name} changed the registers of process ${p.pid} (${show(b)} → ${show(p)})`;
    }
    return null;
  }

  /** Every entry present before and after is unchanged, except those aliased to `written`. */
  private unchangedAtoms(eb: Map<string, Entry>, ea: Map<string, Entry>, written: string | null, name: string): string | null {
    const wid = written === null ? undefined : this.alias.get(written);
    for (const [k, e] of eb) {
      if (k === written) continue;
      const x = ea.get(k);
      if (x === undefined || (x.value === e.value && x.stamp === e.stamp)) continue;
      if (!this.aliasKnown) continue;
      const id = this.alias.get(k);
      if (wid !== undefined && id === wid) continue;
      return `WriteIsolation: ${name}${written !== null ? ` on ${written}` : ''} changed ${k} (${e.value} @${e.stamp} → ${x.value} @${x.stamp}), which is not the same atom`;
    }
    if (written !== null && wid !== undefined && this.aliasKnown) {
      const w = ea.get(written)!;
      for (const [k, id] of this.alias) {
        const x = ea.get(k);
        if (id === wid && x !== undefined && (x.value !== w.value || x.stamp !== w.stamp)) return `WriteIsolation: ${k} names the same atom as ${written} but reads ${x.value} @${x.stamp}`;
      }
    }
    return null;
  }

  /** Updates the alias tracker after a step. */
  private track(op: CaseOp, outcome: Outcome, after: Observation): void {
    const o = op as Record<string, unknown>;
    if (PROGRAM.has(op.op)) {
      if (op.op === 'load' && outcome.ok) this.aliasKnown = false;
    } else if (outcome.ok) {
      const pid = o.pid as Pid;
      switch (op.op) {
        case 'atom': {
          const ref = Number(/#atom (\d+)/.exec(outcome.value)?.[1]);
          this.atoms.push({ creator: pid, shared: false });
          this.alias.set(`${pid}:${ref}`, this.atoms.length - 1);
          break;
        }
        case 'fork': {
          const child = Number(outcome.value);
          for (const [k, id] of [...this.alias]) {
            const [p, r] = k.split(':');
            if (Number(p) !== pid) continue;
            if (this.atoms[id]!.shared) this.alias.set(`${child}:${r}`, id);
            else {
              this.atoms.push({ creator: child, shared: false });
              this.alias.set(`${child}:${r}`, this.atoms.length - 1);
            }
          }
          break;
        }
        case 'share': {
          const id = this.alias.get(`${pid}:${String(o.ref)}`);
          const ref = Number(/#atom (\d+)/.exec(outcome.value)?.[1]);
          if (id !== undefined) {
            this.atoms[id]!.shared = true;
            this.alias.set(`${String(o.to)}:${ref}`, id);
          }
          break;
        }
        case 'exit':
          for (const k of [...this.alias.keys()]) if (k.startsWith(`${pid}:`)) this.alias.delete(k);
          break;
      }
    }
    // Any observed ref the tracker does not know (e.g. made by a program) gets a fresh identity.
    for (const p of after.processes) {
      for (const a of p.atoms) {
        const k = `${p.pid}:${a.ref}`;
        if (!this.alias.has(k)) {
          this.atoms.push({ creator: p.pid, shared: false });
          this.alias.set(k, this.atoms.length - 1);
        }
      }
    }
  }
}
