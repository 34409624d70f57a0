/**
 * TypeScript mirror of `spec/tla/Durable.tla`: the log of a durable store. Appends are staged,
 * a group commit (`Flush`) writes them to the disk, only then are they acknowledged; a crash
 * loses what is staged (in the middle of a flush it leaves a torn record at the disk's tail);
 * recovery keeps the complete records. Same variables, actions and invariants as the TLA+
 * module; pure functions over immutable states. The store implementing it: spec/Store.ts,
 * store/LmdbStore.ts.
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import { choiceConstant, expectConstantNames, intConstant, setAt, tlaRangeFn, tlaSeq, type TlaJson } from './MirrorSupport.js';

/** The seeded bugs `Durable.tla` knows (`"none"` in normal models). */
export const DURABLE_BUGS = ['none', 'ack-before-flush', 'recover-torn-tail'] as const;
/** A seeded bug of `Durable.tla`. */
export type DurableBug = (typeof DURABLE_BUGS)[number];

/** The constants of a Durable model (the cfg's `CONSTANTS`). */
export interface DurableConstants {
  /** Bound on the log's length. */
  readonly MaxLog: number;
  /** Payloads are `0..MaxVal`; `MaxVal + 1` is a torn record, `MaxVal + 2` no answer. */
  readonly MaxVal: number;
  /** The seeded bug. */
  readonly Bug: DurableBug;
}

/** A state of `Durable.tla`. */
export interface DurableState {
  /** The process runs. */
  readonly up: boolean;
  /** The process's log: durable records, then staged ones. */
  readonly log: readonly number[];
  /** The records on the disk. */
  readonly disk: readonly number[];
  /** Auxiliary: the transitions acknowledged, in order. */
  readonly ackLog: readonly number[];
  /** Auxiliary: the log at the last crash. */
  readonly pre: readonly number[];
  /** Auxiliary: every recovery so far yielded a prefix of `pre` holding `ackLog`. */
  readonly recOK: boolean;
  /** Auxiliary, `answered[t-1]`: the first as-of answer for position t, or `None`. */
  readonly answered: readonly number[];
}

const MODULE = 'Durable';

/**
 * Reads and checks a Durable model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function durableConstants(c: ModelConstants): DurableConstants {
  expectConstantNames(MODULE, c, ['MaxLog', 'MaxVal', 'Bug']);
  return { MaxLog: intConstant(MODULE, c, 'MaxLog', 1, 6), MaxVal: intConstant(MODULE, c, 'MaxVal', 0, 3), Bug: choiceConstant(MODULE, c, 'Bug', DURABLE_BUGS) };
}

/** `Torn`: the payload of a torn record. */
export const torn = (c: DurableConstants): number => c.MaxVal + 1;
/** `None`: no answer recorded. */
export const none = (c: DurableConstants): number => c.MaxVal + 2;

const isPrefix = (s: readonly number[], t: readonly number[]): boolean => s.length <= t.length && s.every((x, i) => t[i] === x);

/** `Complete(d)`: the disk without its torn tail record. */
export function complete(c: DurableConstants, d: readonly number[]): readonly number[] {
  return d.length > 0 && d[d.length - 1] === torn(c) ? d.slice(0, -1) : d;
}

/** `Init`: the process runs, nothing is logged. */
export function durableInit(c: DurableConstants): DurableState {
  return { up: true, log: [], disk: [], ackLog: [], pre: [], recOK: true, answered: Array.from({ length: c.MaxLog }, () => none(c)) };
}

/**
 * A writer appends a transition carrying `v`: the next position, staged, not durable.
 * @see Durable.tla Stage
 */
export function stage(c: DurableConstants, s: DurableState, v: number): DurableState | undefined {
  if (!s.up || s.log.length >= c.MaxLog) return undefined;
  return { ...s, log: [...s.log, v] };
}

/**
 * Group commit: every staged transition is written to the disk in one durable commit.
 * @see Durable.tla Flush
 */
export function flush(_c: DurableConstants, s: DurableState): DurableState | undefined {
  if (!s.up || s.disk.length >= s.log.length) return undefined;
  return { ...s, disk: s.log };
}

/**
 * The next transition is acknowledged, once on the disk (seeded bug `ack-before-flush`: once appended).
 * @see Durable.tla Acknowledge
 */
export function acknowledge(c: DurableConstants, s: DurableState): DurableState | undefined {
  const limit = c.Bug === 'ack-before-flush' ? s.log.length : s.disk.length;
  if (!s.up || s.ackLog.length >= c.MaxLog || s.ackLog.length >= limit) return undefined;
  return { ...s, ackLog: [...s.ackLog, s.log[s.ackLog.length]!] };
}

/**
 * The process is killed: staged transitions are lost, the disk stays.
 * @see Durable.tla Crash
 */
export function crash(_c: DurableConstants, s: DurableState): DurableState | undefined {
  if (!s.up) return undefined;
  return { ...s, up: false, pre: s.log, log: [] };
}

/**
 * The process is killed in the middle of a flush: a torn record is left at the disk's tail.
 * @see Durable.tla CrashInFlush
 */
export function crashInFlush(c: DurableConstants, s: DurableState): DurableState | undefined {
  if (!s.up || s.disk.length >= s.log.length) return undefined;
  return { ...s, up: false, disk: [...s.disk, torn(c)], pre: s.log, log: [] };
}

/**
 * The database is reopened: the complete records are the log again (seeded bug
 * `recover-torn-tail`: the torn record is kept).
 * @see Durable.tla Recover
 */
export function recover(c: DurableConstants, s: DurableState): DurableState | undefined {
  if (s.up) return undefined;
  const r = c.Bug === 'recover-torn-tail' ? s.disk : complete(c, s.disk);
  return { ...s, up: true, log: r, disk: r, recOK: s.recOK && isPrefix(r, s.pre) && isPrefix(s.ackLog, r) };
}

/**
 * A reader asks for the database as of acknowledged position `t`; the first answer is recorded.
 * @see Durable.tla AsOf
 */
export function asOf(c: DurableConstants, s: DurableState, t: number): DurableState | undefined {
  if (!s.up || t < 1 || t > s.ackLog.length || t > s.log.length || s.answered[t - 1] !== none(c)) return undefined;
  return { ...s, answered: setAt(s.answered, t - 1, s.log[t - 1]!) };
}

/** `TypeOK`. */
export function typeOK(c: DurableConstants, s: DurableState): boolean {
  const seq = (xs: readonly number[]): boolean => xs.length <= c.MaxLog && xs.every((x) => Number.isInteger(x) && x >= 0 && x <= torn(c));
  return typeof s.up === 'boolean' && seq(s.log) && seq(s.disk) && seq(s.ackLog) && seq(s.pre) && typeof s.recOK === 'boolean'
    && s.answered.length === c.MaxLog && s.answered.every((x) => Number.isInteger(x) && x >= 0 && x <= none(c));
}

/** `AckedSurvive`: every acknowledged transition is on the disk, so it survives any crash. */
export function ackedSurvive(s: DurableState): boolean {
  return isPrefix(s.ackLog, s.disk);
}

/** `RecoverPrefix`: every recovery yielded a prefix of the log before the crash holding every acknowledged transition. */
export function recoverPrefix(s: DurableState): boolean {
  return s.recOK;
}

/** `AsOfStable`: an as-of answer for a past position never changes. */
export function asOfStable(c: DurableConstants, s: DurableState): boolean {
  if (!s.up) return true;
  return s.answered.every((a, i) => a === none(c) || (i < s.log.length && s.log[i] === a));
}

/** `toTla`: the state in tla-checker's JSON form. */
export function durableToTla(s: DurableState): Record<string, TlaJson> {
  return {
    ackLog: tlaSeq(s.ackLog),
    answered: tlaRangeFn(1, s.answered),
    disk: tlaSeq(s.disk),
    log: tlaSeq(s.log),
    pre: tlaSeq(s.pre),
    recOK: s.recOK,
    up: s.up,
  };
}

/** Builds the Durable state machine for one model's constants. */
export function instantiateDurable(constants: ModelConstants): SpecInstance<DurableState> {
  const c = durableConstants(constants);
  const vals = Array.from({ length: c.MaxVal + 1 }, (_, v) => v);
  const positions = Array.from({ length: c.MaxLog }, (_, i) => i + 1);
  const one = (name: string, f: (s: DurableState) => DurableState | undefined): SpecAction<DurableState> => ({ name, next: (s) => { const t = f(s); return t === undefined ? [] : [t]; } });
  const many = (name: string, f: (s: DurableState) => (DurableState | undefined)[]): SpecAction<DurableState> => ({ name, next: (s) => f(s).filter((t): t is DurableState => t !== undefined) });
  const key = (s: DurableState): string => `${s.up ? 1 : 0}${s.recOK ? 1 : 0}|${s.log.join('')}|${s.disk.join('')}|${s.ackLog.join('')}|${s.pre.join('')}|${s.answered.join('')}`;
  return {
    init: () => [durableInit(c)],
    actions: [
      many('Stage', (s) => vals.map((v) => stage(c, s, v))),
      one('Flush', (s) => flush(c, s)),
      one('Acknowledge', (s) => acknowledge(c, s)),
      one('Crash', (s) => crash(c, s)),
      one('CrashInFlush', (s) => crashInFlush(c, s)),
      one('Recover', (s) => recover(c, s)),
      many('AsOf', (s) => positions.map((t) => asOf(c, s, t))),
    ],
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      AckedSurvive: ackedSurvive,
      RecoverPrefix: recoverPrefix,
      AsOfStable: (s) => asOfStable(c, s),
    },
    key,
    toTla: durableToTla,
  };
}

/** The Durable mirror (`spec/tla/Durable.tla`). */
export const specModule: SpecModule<DurableState> = { name: MODULE, instantiate: instantiateDurable };
