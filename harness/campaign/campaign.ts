/**
 * A fuzz campaign: generate cases (generators), judge them on the selected kernels (oracles),
 * shrink and save any failure. The CLI (`immutos fuzz`), the `npm start` stage and the CI tests
 * are thin glue over {@link runCampaign} and {@link runMutantCampaign}.
 *
 * Determinism: case `k` of a campaign with seed `S` is generated from `caseSeed(S, k)`, so a
 * shard `i/n` (cases with `k % n === i`) and a single case are reproducible on any machine.
 * @module
 */
import { OPTIMIZED_MUTANTS } from '../../optimized/index.js';
import { HW_MODELS, HW_MUTANTS } from '../../hw-model/index.js';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_QUOTAS, OP_NAMES, type OpName, type Quotas } from '../../spec/Kernel.js';
import { build, commonOps, kernelModulesOf, EngineUnavailableError, mutantKernelName, type EngineHandle } from '../engines/registry.js';
import { caseId, caseToJson, replayCommand, type FuzzCase } from '../generators/case.js';

export { caseId, replayCommand };
import { fuzzCaseToItf } from '../itf.js';
import { fixup } from '../generators/fixup.js';
import { rawCaseArb, type RawOp } from '../generators/ops.js';
import { authorityBlockArb } from '../generators/authority.js';
import { runDifferential, type DifferentialOptions, type Verdict } from '../oracles/differential.js';
import { isInspectable, NotModelled, TraceValidator } from '../oracles/trace.js';
import { Coverage, type CoverageReport } from '../oracles/coverage.js';
import type { Op } from '../../spec/Kernel.js';
import { ddmin } from './shrink.js';
import { MemoryStore } from '../../store/MemoryStore.js';
import { KernelPool } from '../engines/pool.js';
import { runCampaignJobs } from './jobs.js';

/** Operations that need the system language, generated only with `programs`. */
export const PROGRAM_OPS: readonly OpName[] = ['load', 'step', 'run'];

/** The seed of case `k` of a campaign seeded `seed` (a 32-bit mix; stable forever). */
export function caseSeed(seed: number, k: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A shard of the case index space: cases with `k % count === index`. */
export interface Shard {
  /** 0-based shard index. */
  readonly index: number;
  /** Number of shards. */
  readonly count: number;
}

/** Parses `i/n` (1-based `i`, as CI matrices count) into a {@link Shard}. Throws RangeError. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new RangeError(`--shard must look like i/n (e.g. 2/4), got '${text}'`);
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || i < 1 || i > n) throw new RangeError(`--shard ${text}: need 1 ≤ i ≤ n`);
  return { index: i - 1, count: n };
}

/** Why an operation is not generated in this campaign. */
export interface Exclusion {
  /** The operation. */
  readonly op: OpName;
  /** The reason, for the report. */
  readonly reason: string;
}

/** Progress of a running campaign. */
export interface CampaignProgress {
  /** Cases run. */
  readonly cases: number;
  /** Operations applied (summed over kernels). */
  readonly ops: number;
  /** Seconds since the start. */
  readonly seconds: number;
  /** Divergences found. */
  readonly divergences: number;
  /** Poisoned cases. */
  readonly poisoned: number;
}

/** A failure found, shrunk and (optionally) saved. */
export interface Failure {
  /** Index of the case in the campaign. */
  readonly index: number;
  /** Seconds from the campaign's start to the detection (before shrinking). */
  readonly detectedSeconds: number;
  /** The case as generated (after fixup). */
  readonly original: FuzzCase;
  /** The shrunk case. */
  readonly shrunk: FuzzCase;
  /** The verdict on the shrunk case. */
  readonly verdict: Verdict & { kind: 'diverged' };
  /** Where the shrunk case was written, when an output directory was given. */
  readonly file?: string;
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** Kernel names (see the registry). */
  readonly kernels: readonly string[];
  /** Number of cases (across all shards); default 1000 unless `timeSeconds` is set. Both may be set. */
  readonly runs?: number;
  /** Stop after this many seconds instead of a case count. */
  readonly timeSeconds?: number;
  /** Campaign seed. */
  readonly seed: number;
  /** Run one shard only. */
  readonly shard?: Shard;
  /** Generate programs (`load`/`step`/`run`). */
  readonly programs?: boolean;
  /** Quotas every kernel is built with. */
  readonly quotas?: Partial<Quotas>;
  /** How resource errors count (see {@link DifferentialOptions.resourceErrors}). */
  readonly resourceErrors?: 'poison' | 'compare';
  /** Build kernels in debug mode (heap invariants checked after every collection; slower). */
  readonly debug?: boolean;
  /** Also trace-validate every kernel that exposes its state (reference, optimized on every tier and backend) on every case against the TS spec step function. */
  readonly trace?: boolean;
  /** Generate malformed operations (default true). */
  readonly malformed?: boolean;
  /**
   * Start one case in four with an authority block (`harness/generators/authority.ts`: a second
   * process writes atoms the first one watches, joins, process bounds; ADR 0024). Needs programs.
   * Off by default so that the cases of a seed stay what they were; mutant campaigns and
   * `immutos fuzz --programs` turn it on.
   */
  readonly authority?: boolean;
  /** Most segments per case (default 16). */
  readonly maxSegments?: number;
  /** Stop at the first failure (default true). */
  readonly stopOnFirst?: boolean;
  /** Shrink failures (default true). */
  readonly shrink?: boolean;
  /** Directory to write shrunk failures to (none: keep in memory only). */
  readonly outDir?: string;
  /** A note stored in saved cases. */
  readonly note?: string;
  /** Called now and then with progress. */
  readonly onProgress?: (p: CampaignProgress) => void;
  /**
   * Build each case's kernels over the memory of the previous case's (default true): each starts
   * in exactly a fresh kernel's state (docs/adr/0044-kernel-reuse-in-campaigns.md). False builds
   * every kernel afresh, as replays do.
   */
  readonly reuseKernels?: boolean;
  /**
   * Worker processes to run the campaign on (default 1: this process). Each runs a shard of the
   * case space; the results are merged (`jobs.ts`, docs/adr/0046-fuzz-jobs.md).
   */
  readonly jobs?: number;
  /** Polled between cases: true ends the campaign after the current case. */
  readonly shouldStop?: () => boolean;
  /** Called as each case is about to be judged, with its index and the case (a worker tells its main process, which keeps it in case the worker never finishes it). */
  readonly onCase?: (index: number, c: FuzzCase) => void;
  /**
   * The most seconds one case may take on worker processes (default on several jobs:
   * `DEFAULT_CASE_TIMEOUT_SECONDS` of jobs.ts; 0: no limit). A worker still in a case past it, or
   * one that ends while in a case (a crash, host memory run out), is stopped and the campaign
   * fails with `CaseStalledError`, naming the case and saving it for replay. Given with one job,
   * the campaign runs on one worker process (a case that never ends cannot be stopped in this one).
   */
  readonly caseTimeoutSeconds?: number;
  /**
   * Where the indices of the cases come from, instead of the shard's stride: asked before each
   * case; undefined ends the campaign (a campaign on several jobs hands its cases out this way,
   * a few at a time, to whichever worker is free: `jobs.ts`; so it is for a campaign on one
   * process, and one on several jobs refuses it). Indices at or past `runs` end it too.
   */
  readonly nextCase?: () => Promise<number | undefined>;
  /** Called when case `index` diverges, before it is shrunk. */
  readonly onDetected?: (index: number) => void;
}

/** The result of a campaign. */
export interface CampaignResult {
  /** The kernels run. */
  readonly kernels: readonly string[];
  /** Operations generated. */
  readonly ops: readonly OpName[];
  /** Operations not generated, and why. */
  readonly excluded: readonly Exclusion[];
  /** Cases run. */
  readonly cases: number;
  /** Operations applied (summed over kernels). */
  readonly applied: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** Operations per second through all kernels. */
  readonly opsPerSecond: number;
  /** Cases that stopped comparing at a resource limit. */
  readonly poisoned: number;
  /** Cases poisoned lopsidedly (only some kernels hit the limit) and so run again with larger quotas (ADR 0059), whatever that found. */
  readonly rerun: number;
  /** Cases no selected kernel could judge (none supported all of their operations). */
  readonly unjudged: number;
  /** Failures (shrunk). */
  readonly failures: readonly Failure[];
  /** What the campaign exercised (see `harness/oracles/coverage.ts`). */
  readonly coverage: CoverageReport;
  /** Worker processes it ran on, when more than one. */
  readonly jobs?: number;
}

/** Resolved kernels of a campaign and the operations generated for them. */
export interface Selection {
  /** The handles. */
  readonly handles: readonly EngineHandle[];
  /** Operations to generate: every operation some selected kernel supports. */
  readonly ops: readonly OpName[];
  /** Operations not generated, and why. */
  readonly excluded: readonly Exclusion[];
  /** For each generated operation, the selected kernels that do not support it (they sit out the cases that contain it). */
  readonly partial: readonly { readonly op: OpName; readonly missingIn: readonly string[] }[];
}

/**
 * Resolves kernel names and computes the operations to generate: every operation some selected
 * kernel supports (programs only when asked). Each case is then judged by the kernels that
 * support all of its operations ({@link participants}); no operation is dropped because one
 * kernel lacks it.
 */
export async function select(kernels: readonly string[], programs: boolean): Promise<Selection> {
  if (kernels.length === 0) throw new RangeError('no kernel selected');
  const handles = await Promise.all(kernels.map((k) => build(k)));
  const ex: Exclusion[] = [];
  const partial: { op: OpName; missingIn: string[] }[] = [];
  const ops: OpName[] = [];
  for (const op of OP_NAMES) {
    const missingIn = handles.filter((h) => !h.supports.has(op)).map((h) => h.name);
    if (missingIn.length === handles.length) ex.push({ op, reason: 'supported by no selected kernel' });
    else if (!programs && PROGRAM_OPS.includes(op)) ex.push({ op, reason: 'programs turned off (--no-programs)' });
    else {
      ops.push(op);
      if (missingIn.length > 0) partial.push({ op, missingIn });
    }
  }
  return { handles, ops, excluded: ex, partial };
}

/**
 * The kernels that judge case `c`: those that support, and accept, every one of its operations
 * ({@link EngineHandle.judges}). A kernel that cannot run one operation of a case sits out the
 * whole case, since later steps depend on that one.
 */
export function participants(c: FuzzCase, handles: readonly EngineHandle[]): EngineHandle[] {
  return handles.filter((h) => c.ops.every((op) => h.judges(op as unknown as { readonly op: string })));
}

/**
 * Trace-validates every kernel of `handles` that exposes its internal state (the reference, the
 * optimized kernel on every tier and memory backend) on `c` against the ADR 0003 spec step
 * function (`harness/oracles/trace.ts`), each on a fresh kernel, up to the first operation that
 * function does not model (programs, functions outside its menu): returns the first divergence
 * verdict, or null when every trace is valid.
 */
export function traceVerdict(c: FuzzCase, handles: readonly EngineHandle[]): (Verdict & { kind: 'diverged' }) | null {
  for (const h of handles) {
    const k = h.build({ ...(c.quotas !== undefined ? { quotas: c.quotas } : {}) });
    if (!isInspectable(k)) continue;
    const v = new TraceValidator({}, k);
    for (let i = 0; i < c.ops.length; i++) {
      let bad;
      try {
        bad = v.step(c.ops[i] as Op);
      } catch (e) {
        if (e instanceof NotModelled) break;
        throw e;
      }
      if (bad !== null) return { kind: 'diverged', step: i, reason: 'trace', detail: `${h.name} vs TS spec: ${bad.reason} (expected ${clipText(bad.expected)}, got ${clipText(bad.actual)})`, sides: [], steps: i + 1 };
    }
  }
  return null;
}

function clipText(s: string): string {
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}

/**
 * How many times larger the resource quotas are when a poisoned case is run again because only
 * some kernels hit a resource limit (see {@link JudgeOptions.escalate}; ADR 0059).
 */
export const ESCALATION_FACTOR = 4;

/** The quotas whose exhaustion is a resource error, and so the ones {@link escalatedCase} enlarges. */
const RESOURCE_QUOTAS = ['heapCells', 'fuel', 'callbackFuel', 'treeFuel', 'treeHeapCells', 'totalHeapCells', 'treeOutputChars'] as const;

/**
 * Case `c` up to and including `step`, pinned to its quotas (the defaults where it has none)
 * with every resource quota {@link ESCALATION_FACTOR} times larger: where a kernel hit a limit
 * that another kernel did not come near, it hits it again here, and the case diverges when
 * replayed (a case that pins its quotas compares resource errors like any error).
 */
export function escalatedCase(c: FuzzCase, step: number): FuzzCase {
  const base: Quotas = { ...DEFAULT_QUOTAS, ...(c.quotas ?? {}) };
  const quotas: Record<string, number> = { ...base };
  for (const q of RESOURCE_QUOTAS) quotas[q] = Math.min(Number.MAX_SAFE_INTEGER, base[q] * ESCALATION_FACTOR);
  return { ...c, ops: c.ops.slice(0, step + 1), quotas: quotas as unknown as Quotas };
}

/** Options of {@link judge}: the oracle's, trace validation, and where kernels come from. */
export type JudgeOptions = DifferentialOptions & {
  /**
   * When a case is poisoned by a resource limit that only some kernels hit (the others answered
   * at that step), run it again up to that step with quotas {@link ESCALATION_FACTOR} times
   * larger, resource errors compared: a kernel that still hits its limit where the others answer
   * loops, leaks or over-charges, and the case diverges (the result's `escalated` is the case
   * that fails). Campaigns in `poison` mode set it; replays and shrinking do not.
   */
  readonly escalate?: boolean;
  /** Also trace-validate (the trace check of `traceVerdict`). */
  readonly trace?: boolean;
  /**
   * Build the kernels from this pool (each in exactly a fresh kernel's initial state, over the
   * memory of the pool's previous kernels: docs/adr/0044-kernel-reuse-in-campaigns.md); without
   * it every kernel is built afresh, as replays do.
   */
  readonly pool?: KernelPool;
};

/** What {@link judge} found. */
export type JudgeResult = ReturnType<typeof runDifferential> & {
  /** The case that diverged when a lopsided poisoned case was run again with larger quotas (see {@link JudgeOptions.escalate}). */
  readonly escalated?: FuzzCase;
  /** Whether the case was run again with larger quotas. */
  readonly rerun?: boolean;
};

/**
 * Builds a kernel of every handle in its initial state and runs the case through the
 * differential oracle (again with larger quotas when a resource limit poisoned it lopsidedly and
 * `options.escalate` is set).
 */
export function judge(c: FuzzCase, handles: readonly EngineHandle[], options: JudgeOptions = {}): JudgeResult {
  const r = judgeOnce(c, handles, options);
  const v = r.verdict;
  if (options.escalate !== true || v.kind !== 'poisoned' || v.lopsided.length === 0) return r;
  const e = escalatedCase(c, v.step);
  const again = judgeOnce(e, handles, { ...options, resourceErrors: 'compare' });
  if (!isDiverged(again.verdict)) return { ...r, applied: r.applied + again.applied, rerun: true };
  const detail = `${again.verdict.detail} (with every resource quota ${ESCALATION_FACTOR}× larger: ${v.kernel} hit ${v.error} again where ${v.lopsided.join(', ')} answered)`;
  return { ...again, verdict: { ...again.verdict, detail }, applied: r.applied + again.applied, escalated: e, rerun: true };
}

function judgeOnce(c: FuzzCase, handles: readonly EngineHandle[], options: JudgeOptions): ReturnType<typeof runDifferential> {
  const pool = options.pool;
  const kernels = handles.map((h) => {
    try {
      // each kernel its own fresh store: the durable calls answer from it, log positions included
      const o = { ...(c.quotas !== undefined ? { quotas: c.quotas } : {}), ...(c.debug === true ? { debug: true } : {}), store: new MemoryStore() };
      return { name: h.name, kernel: pool !== undefined ? pool.build(h, o) : h.build(o) };
    } catch (e) {
      throw new EngineUnavailableError(h.name, `building kernel '${h.name}' failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  });
  let r: ReturnType<typeof runDifferential>;
  try {
    r = runDifferential(c, kernels, options);
    options.coverage?.caseEnd?.(kernels);
  } finally {
    pool?.release();
  }
  if (options.trace === true && r.verdict.kind !== 'diverged') {
    const t = traceVerdict(c, handles);
    if (t !== null) return { ...r, verdict: t };
  }
  return r;
}

function isDiverged(v: Verdict): v is Verdict & { kind: 'diverged' } {
  return v.kind === 'diverged';
}


/**
 * Shrinks a failing case: ddmin over the raw ops (re-fixed-up), then over the concrete ops.
 * Returns the smallest still-diverging case found and its verdict.
 */
export function shrinkCase(
  raws: readonly RawOp[],
  failing: FuzzCase,
  handles: readonly EngineHandle[],
  supports: ReadonlySet<OpName>,
  options: JudgeOptions,
): { shrunk: FuzzCase; verdict: Verdict & { kind: 'diverged' } } {
  const fix = (rs: readonly RawOp[]): FuzzCase => {
    const c = fixup(rs, { seed: failing.seed, kernels: failing.kernels, supports, ...(failing.quotas !== undefined ? { quotas: failing.quotas } : {}) }).case;
    return failing.debug === true ? { ...c, debug: true } : c;
  };
  const smallRaw = ddmin(raws, (rs) => isDiverged(judge(fix(rs), handles, options).verdict), { maxMillis: 5000 });
  const base = fix(smallRaw);
  const smallOps = ddmin(base.ops, (ops) => isDiverged(judge({ ...base, ops }, handles, options).verdict), { maxMillis: 5000 });
  let shrunk: FuzzCase = { ...base, ops: smallOps };
  let verdict = judge(shrunk, handles, options).verdict;
  if (!isDiverged(verdict)) {
    shrunk = failing;
    verdict = judge(failing, handles, options).verdict;
  }
  if (!isDiverged(verdict)) throw new Error('internal: a failing case stopped failing (nondeterministic kernel?)');
  return { shrunk, verdict };
}

/** Operations an authority block needs. */
const AUTHORITY_OPS: readonly OpName[] = ['atom', 'spawn', 'share', 'load', 'run', 'reset', 'resetVals', 'swap', 'compareAndSet', 'deref'];

/**
 * The generator of a campaign's cases: case `seed` is random segments and blocks (`rawCaseArb`),
 * preceded in one case out of four by an authority block when `authority` is on. The block is
 * drawn from its own seed, so the other operations of every case are the same with and without
 * `authority`. When `common` is given (the operations every kernel supports, when some kernel
 * lacks some), one case in two uses only those, so that every kernel judges a fair share of the
 * cases and not only those without the operations it lacks.
 */
export function caseGenerator(ops: readonly OpName[], options: Pick<CampaignOptions, 'maxSegments' | 'malformed' | 'authority'> & { readonly common?: readonly OpName[] } = {}): (seed: number) => RawOp[] {
  const shape = { ...(options.maxSegments !== undefined ? { maxSegments: options.maxSegments } : {}), ...(options.malformed === false ? { malformed: false } : {}) };
  const arb = rawCaseArb({ ops, ...shape });
  const common = options.common;
  const commonArb = common !== undefined && common.length > 0 && common.length < ops.length ? rawCaseArb({ ops: common, ...shape }) : null;
  const authority = options.authority === true && AUTHORITY_OPS.every((o) => ops.includes(o));
  return (seed) => {
    const everyKernel = commonArb !== null && caseSeed(seed, 0x5a11) % 2 === 0;
    const raws = fc.sample(everyKernel ? commonArb : arb, { seed, numRuns: 1 })[0]!;
    if (everyKernel) return raws;
    if (!authority || caseSeed(seed, 0x0a17) % 4 !== 0) return raws;
    return [...fc.sample(authorityBlockArb, { seed: caseSeed(seed, 0x0a18), numRuns: 1 })[0]!, ...raws];
  };
}

/** Runs a campaign (see the module doc). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const jobs = options.jobs ?? 1;
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  // a case timeout needs a process to stop: with one job it is a worker of its own
  if (jobs > 1 || (options.caseTimeoutSeconds ?? 0) > 0) return runCampaignJobs(options, jobs);
  const sel = await select(options.kernels, options.programs ?? false);
  const supports = new Set(sel.ops);
  const generate = caseGenerator(sel.ops, { ...options, common: sel.ops.filter((o) => sel.handles.every((h) => h.supports.has(o))) });
  const pool = options.reuseKernels === false ? undefined : new KernelPool();
  const diffOptions = { resourceErrors: options.resourceErrors ?? 'poison', ...(options.trace === true ? { trace: true } : {}), ...(pool !== undefined ? { pool } : {}) } as const;
  const shard = options.shard ?? { index: 0, count: 1 };
  const runs = options.runs ?? (options.timeSeconds === undefined ? 1000 : Number.POSITIVE_INFINITY);
  const deadline = options.timeSeconds === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeSeconds * 1000;
  const t0 = performance.now();
  let cases = 0;
  let applied = 0;
  let poisoned = 0;
  let rerun = 0;
  const failures: Failure[] = [];
  let lastReport = 0;
  const progress = (): CampaignProgress => ({ cases, ops: applied, seconds: (performance.now() - t0) / 1000, divergences: failures.length, poisoned });
  const coverage = new Coverage(options.kernels, sel.ops);
  let unjudged = 0;
  let strided = shard.index;
  while (performance.now() < deadline) {
    if (options.shouldStop !== undefined) {
      // let a stop request (a message, a timer) arrive between cases
      await new Promise<void>((r) => setImmediate(r));
      if (options.shouldStop()) break;
    }
    let k: number;
    if (options.nextCase !== undefined) {
      const next = await options.nextCase();
      if (next === undefined) break;
      k = next;
    } else {
      k = strided;
      strided += shard.count;
    }
    if (k >= runs) break;
    const seed = caseSeed(options.seed, k);
    const raws = generate(seed);
    const fixedCase = fixup(raws, { seed, kernels: options.kernels, supports, ...(options.quotas !== undefined ? { quotas: options.quotas } : {}) }).case;
    const judges = participants(fixedCase, sel.handles);
    cases++;
    if (judges.length === 0) {
      unjudged++;
      continue;
    }
    // the case names the kernels that judged it, so a saved case replays on exactly those
    const judgeNames = judges.map((h) => h.name);
    const modules = kernelModulesOf(judgeNames);
    const named: FuzzCase = { ...fixedCase, kernels: judgeNames, ...(Object.keys(modules).length > 0 ? { kernelModules: modules } : {}) };
    const fixed: FuzzCase = options.debug === true ? { ...named, debug: true } : named;
    options.onCase?.(k, fixed);
    const r = judge(fixed, judges, { ...diffOptions, escalate: diffOptions.resourceErrors === 'poison', coverage });
    applied += r.applied;
    if (r.verdict.kind === 'poisoned') poisoned++;
    if (r.rerun === true) rerun++;
    if (isDiverged(r.verdict)) {
      const detectedSeconds = (performance.now() - t0) / 1000;
      options.onDetected?.(k);
      // an escalated failure is shrunk as it replays: its larger quotas pinned, resource errors compared
      const failing = r.escalated ?? fixed;
      const shrinkOptions = r.escalated !== undefined ? { ...diffOptions, resourceErrors: 'compare' as const } : diffOptions;
      const small = options.shrink === false ? { shrunk: failing, verdict: r.verdict } : shrinkCase(raws, failing, judges, supports, shrinkOptions);
      const s = r.escalated === undefined || options.shrink === false ? small : { ...small, verdict: { ...small.verdict, detail: `${small.verdict.detail} (the case pins every resource quota ${ESCALATION_FACTOR}× larger: a kernel hits a limit there that another does not)` } };
      const shrunkModules = kernelModulesOf(s.shrunk.kernels);
      const shrunk: FuzzCase = { ...s.shrunk, ...(Object.keys(shrunkModules).length > 0 ? { kernelModules: shrunkModules } : {}), expect: 'diverged', ...(options.note !== undefined ? { note: options.note } : {}) };
      let file: string | undefined;
      if (options.outDir !== undefined) {
        mkdirSync(options.outDir, { recursive: true });
        file = join(options.outDir, `${caseId(shrunk)}.json`);
        writeFileSync(file, caseToJson(shrunk));
        // the same failure as an ITF trace, for tools that read Apalache/Quint traces
        const rec = judge(shrunk, judges.filter((h) => shrunk.kernels.includes(h.name)), { ...shrinkOptions, record: true });
        writeFileSync(file.replace(/\.json$/, '.itf.json'), `${JSON.stringify(fuzzCaseToItf(shrunk, rec.records, rec.verdict))}\n`);
      }
      failures.push({ index: k, detectedSeconds, original: fixed, shrunk, verdict: s.verdict, ...(file !== undefined ? { file } : {}) });
      if (options.stopOnFirst !== false) break;
    }
    if (options.onProgress !== undefined && performance.now() - lastReport > 100) {
      lastReport = performance.now();
      options.onProgress(progress());
    }
  }
  options.onProgress?.(progress());
  const seconds = (performance.now() - t0) / 1000;
  return { kernels: options.kernels, ops: sel.ops, excluded: sel.excluded, cases, applied, seconds, opsPerSecond: seconds > 0 ? applied / seconds : 0, poisoned, rerun, unjudged, failures, coverage: coverage.report() };
}

/**
 * Quotas for mutant campaigns: small, so quota bugs show within a few operations (a tree holds 8
 * processes: a spawn loop of 12 passes its bound), yet room for a program to build a vector past
 * the optimized vector's second trie level (1,056 elements; a collection of n elements weighs 1 + n cells).
 */
export const MUTANT_QUOTAS: Partial<Quotas> = Object.freeze({ heapCells: 2_000, fuel: 200_000, stackDepth: 200, treeProcesses: 8, maxProcesses: 64, treeOutputChars: 2_048 });

/** One row of the mutant table. */
export interface MutantRow {
  /** The clean kernel the mutant is injected into, e.g. `reference` or `optimized+hw:tso`. */
  readonly base: string;
  /** The mutant. */
  readonly mutant: string;
  /** The clean kernel it was compared with (the base itself unless {@link MutantCampaignOptions.against} says otherwise). */
  readonly against: string;
  /** Whether a divergence was found within the budget. */
  readonly caught: boolean;
  /** Cases run until the first detection (or in all, when not caught). */
  readonly cases: number;
  /** Seconds until the first detection (or in all). */
  readonly seconds: number;
  /** The shrunk failing case, when caught. */
  readonly failure?: Failure;
  /** The command that replays the shrunk case, when it was written to a file. */
  readonly replay?: string;
}

/** One entry of the seeded-bug plan: a mutant and the clean kernel it is injected into. */
export interface MutantTarget {
  /** The clean kernel, e.g. `spec` or `optimized+hw:tso`. */
  readonly base: string;
  /** The mutant's name in that kernel's catalogue. */
  readonly mutant: string;
}

/** Options of {@link runMutantCampaign}. */
export interface MutantCampaignOptions {
  /**
   * The engine to inject mutants into (default `reference`). Ignored when {@link bases} or
   * {@link targets} is given.
   */
  readonly base?: string;
  /**
   * Engines whose whole catalogues run, in order (see {@link mutantTargets}): `spec`,
   * `reference`, `optimized`, `optimized+hw` (its own mutants, each on its default hardware
   * model) or `optimized+hw:<model>` (its own mutants on that model).
   */
  readonly bases?: readonly string[];
  /** Exactly these mutants (overrides {@link base}, {@link bases} and {@link mutants}). */
  readonly targets?: readonly MutantTarget[];
  /** Mutants to run (default: all the engine declares); with {@link base} only. */
  readonly mutants?: readonly string[];
  /**
   * The clean kernel to compare each mutant with (default: its own base). A different engine
   * (e.g. `spec` mutants against `reference`) shows the mutant diverges from another kernel
   * too; the campaign then generates only the operations both support.
   */
  readonly against?: string;
  /** Most cases per mutant (default 3000). */
  readonly maxCases?: number;
  /** Most seconds per mutant (default 30). */
  readonly maxSeconds?: number;
  /** Campaign seed. */
  readonly seed: number;
  /** Where to write shrunk cases. */
  readonly outDir?: string;
  /** Shrink the first failure (default true). */
  readonly shrink?: boolean;
  /**
   * Build kernels in debug mode (heap invariants checked after every collection). Default: on
   * (the optimized kernel's `gc-ignores-registers` is only observable through its debug heap checks).
   */
  readonly debug?: boolean;
  /** Called after each mutant. */
  readonly onMutant?: (row: MutantRow) => void;
}

/** The engines whose catalogues `immutos fuzz --mutants` runs when none is named, in table order. */
export const MUTANT_BASES: readonly string[] = ['spec', 'reference', 'optimized', 'optimized+hw'];

/**
 * The hardware model a mutant of the `optimized+hw` engine runs on when no model is named: a
 * weakly ordered one (`relaxed`) for mutants that declare `needs: 'multicore'` (harmless under
 * `sc` and `tso` by construction), `tso` for the rest.
 */
export async function defaultHwModel(mutant: string): Promise<string> {
  const models = await effectiveModels(mutant);
  return models.includes('tso') ? 'tso' : (models[0] ?? 'tso');
}

/**
 * The hardware models under which a mutant offered on `optimized+hw` can change a value: a
 * multi-core mutant of the optimized kernel only under `relaxed`; a hardware-model mutant under
 * the models its catalogue entry lists; any other mutant under every model.
 */
export async function effectiveModels(mutant: string): Promise<readonly string[]> {
  if (OPTIMIZED_MUTANTS.find((m) => m.name === mutant)?.needs === 'multicore') return ['relaxed'];
  return HW_MUTANTS.find((m) => m.name === mutant)?.models ?? HW_MODELS;
}

/**
 * The seeded-bug plan for `bases` (default {@link MUTANT_BASES}; unavailable engines are skipped
 * when none is named, an error when named): every mutant each engine declares, injected into that
 * engine. `optimized+hw[:<model>]` contributes only the mutants offered there and not on plain
 * `optimized` (hardware-model and multi-core mutants), so no mutant runs twice.
 */
export async function mutantTargets(bases?: readonly string[]): Promise<MutantTarget[]> {
  const named = bases !== undefined;
  const out: MutantTarget[] = [];
  const optimizedMutants = async (): Promise<ReadonlySet<string>> => {
    try {
      return new Set((await build('optimized')).adapter.mutants);
    } catch {
      return new Set();
    }
  };
  for (const base of bases ?? MUTANT_BASES) {
    const spec = base.split('+');
    const isHw = spec[0] === 'optimized' && spec.slice(1).some((m) => m === 'hw' || m.startsWith('hw:'));
    let handle: EngineHandle;
    try {
      handle = await build(isHw && !base.includes('hw:') ? `${base.replace(/\+hw$/, '')}+hw:${'tso'}` : base);
    } catch (e) {
      if (!named && e instanceof EngineUnavailableError) continue;
      throw e;
    }
    if (!isHw) {
      for (const mutant of handle.adapter.mutants) out.push({ base, mutant });
      continue;
    }
    const plain = await optimizedMutants();
    const model = /\+hw:([^+]+)/.exec(base)?.[1];
    for (const mutant of handle.adapter.mutants.filter((m) => !plain.has(m))) {
      // on a named model, only the mutants that can change a value there (others are harmless by construction)
      if (model !== undefined && !(await effectiveModels(mutant)).includes(model)) continue;
      out.push({ base: model !== undefined ? base : `${base.replace(/\+hw$/, '')}+hw:${await defaultHwModel(mutant)}`, mutant });
    }
  }
  return out;
}


/**
 * Runs, for each mutant, a campaign `base+mutant:m` vs clean `base` (or
 * {@link MutantCampaignOptions.against}; programs on, small quotas, resource errors compared,
 * debug heap checks as {@link MutantCampaignOptions.debug} says) until the first divergence or the
 * budget, and reports one row per mutant.
 */
export async function runMutantCampaign(options: MutantCampaignOptions): Promise<MutantRow[]> {
  let targets: readonly MutantTarget[];
  if (options.targets !== undefined) targets = options.targets;
  else if (options.bases !== undefined) targets = await mutantTargets(options.bases);
  else {
    const baseName = options.base ?? 'reference';
    const handle = await build(baseName);
    targets = (options.mutants ?? handle.adapter.mutants).map((mutant) => ({ base: baseName, mutant }));
  }
  const rows: MutantRow[] = [];
  for (const { base, mutant: m } of targets) {
    const against = options.against ?? base;
    const r = await runCampaign({
      kernels: [mutantKernelName(base, m), against],
      runs: options.maxCases ?? 3000,
      timeSeconds: options.maxSeconds ?? 30,
      seed: options.seed,
      programs: true,
      quotas: MUTANT_QUOTAS,
      resourceErrors: 'compare',
      debug: options.debug ?? true,
      authority: true,
      stopOnFirst: true,
      shrink: options.shrink ?? true,
      ...(options.outDir !== undefined ? { outDir: options.outDir } : {}),
      note: `mutant ${m}: must diverge with the mutant on, agree without it`,
    });
    const f = r.failures[0];
    const row: MutantRow = {
      base,
      mutant: m,
      against,
      caught: f !== undefined,
      cases: f !== undefined ? f.index + 1 : r.cases,
      seconds: f !== undefined ? f.detectedSeconds : r.seconds,
      ...(f !== undefined ? { failure: f } : {}),
      ...(f?.file !== undefined ? { replay: replayCommand(f.file) } : {}),
    };
    rows.push(row);
    options.onMutant?.(row);
  }
  return rows;
}
