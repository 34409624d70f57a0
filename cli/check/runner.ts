/**
 * Runs one engine on one manifest model and judges the result against the manifest. This is the
 * in-process API: the worker threads call it, and so do the tests (vitest runs the TS source).
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCfg, type TlcConfig } from './cfg.js';
import type { ModelEntry } from './manifest.js';
import type { EngineName, EngineResult, Trace } from './result.js';
import { formatTla } from './trace.js';
import { checkWithTlaChecker, cfgWithOnlyProperty, type TlaCheckerLimits } from './tlaChecker.js';
import { interpretTlc, parseTlcOutput, runTlc, tlcProgress } from './tlc.js';
import { explore, type TraceStep } from './explorer.js';
import { instantiateMirror, loadMirror } from './mirrors.js';
import { sampledSuccessorConformance } from './conformance.js';

/** One unit of work: one engine on one model. Plain data, so it can cross to a worker thread. */
export interface Job {
  /** The manifest entry. */
  readonly model: ModelEntry;
  /** Absolute repository root the entry's paths are relative to. */
  readonly root: string;
  /** Which engine. */
  readonly engine: EngineName;
  /** The TLC jar (engine `tlc` only). */
  readonly tlcJar?: string;
  /** State limit for every engine (hitting it fails the check). */
  readonly maxStates?: number;
  /**
   * Engine `tla-checker` only: instead of a full run, compare the module with the model's mirror
   * at this many states along seeded random walks (cli/check/conformance.ts).
   */
  readonly sampled?: { readonly states: number; readonly seed: number };
}

/** Progress of a job, as reported while it runs. */
export interface JobProgress {
  /** Distinct states so far, or null when the engine does not report progress (tla-checker). */
  readonly distinctStates: number | null;
  /** Seconds since the job started. */
  readonly seconds: number;
}

/** An engine's result judged against the manifest. */
export interface JudgedResult {
  /** The model's name. */
  readonly model: string;
  /** The engine's result. */
  readonly result: EngineResult;
  /** Every difference from the manifest (empty: the result matches). */
  readonly mismatches: readonly string[];
}

/** Formats a count with thousands separators. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');


/** Converts a TS-explorer trace to the common {@link Trace} using the mirror's `toTla`. */
export function tsTrace<S>(steps: readonly TraceStep<S>[], toTla: (s: S) => Readonly<Record<string, unknown>>): Trace {
  return {
    states: steps.map((st) => ({ action: st.action, vars: Object.entries(toTla(st.state)).map(([k, v]) => [k, formatTla(v)] as const) })),
    cycleStart: null,
  };
}

/** Runs the TS explorer on a model (its mirror, the cfg's invariants, constraint and deadlock rule). */
async function runTs(job: Job, cfg: TlcConfig, onProgress: (p: JobProgress) => void): Promise<EngineResult> {
  const m = job.model;
  const t0 = performance.now();
  const fail = (message: string): EngineResult => ({
    engine: 'ts', status: 'error', violated: null, message, distinctStates: null, seconds: (performance.now() - t0) / 1000,
    statesPerSecond: null, warnings: [], trace: null,
  });
  if (m.mirror === null) return fail('the model has no mirror');
  let inst;
  try {
    inst = instantiateMirror(await loadMirror(m.mirror, m.module), cfg, m.cfg);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (cfg.symmetry !== null) return fail(`the cfg has SYMMETRY ${cfg.symmetry}; the TS explorer does not reduce by symmetry, so its counts would differ`);
  if (cfg.constraints.length > 0 && inst.constraint === undefined) return fail(`the cfg has CONSTRAINT ${cfg.constraints.join(', ')} but the mirror has no constraint()`);
  const missing = cfg.invariants.filter((n) => !(n in inst.invariants));
  if (missing.length > 0) return fail(`the mirror lacks invariant(s) ${missing.join(', ')} named in ${m.cfg}`);
  const r = explore(inst, {
    ...(job.maxStates !== undefined ? { maxStates: job.maxStates } : {}),
    checkDeadlock: cfg.checkDeadlock,
    invariants: cfg.invariants,
    onProgress: (p) => onProgress({ distinctStates: p.distinctStates, seconds: p.seconds }),
  });
  const base = { engine: 'ts' as const, distinctStates: r.distinctStates, seconds: r.seconds, statesPerSecond: r.statesPerSecond, warnings: [] };
  const o = r.outcome;
  switch (o.kind) {
    case 'pass': return { ...base, status: 'pass', violated: null, message: cfg.properties.length > 0 ? `safety only: PROPERTY ${cfg.properties.join(', ')} not checked by the TS engine` : '', trace: null };
    case 'violation': return { ...base, status: 'violation', violated: o.invariant, message: `invariant ${o.invariant} violated`, trace: tsTrace(o.trace, inst.toTla) };
    case 'deadlock': return { ...base, status: 'deadlock', violated: null, message: 'deadlock', trace: tsTrace(o.trace, inst.toTla) };
    case 'max-states': return { ...base, status: 'max-states', violated: null, message: `stopped at the max-states limit ${fmtInt(o.limit)}`, trace: null };
    case 'error': return { ...base, status: 'error', violated: null, message: o.message, trace: tsTrace(o.trace, inst.toTla) };
  }
}

/**
 * Runs the TLA+ engine on a model by sampling: the module (through tla-checker's stepping API) and
 * the mirror must have the same initial states and the same successors at `job.sampled.states`
 * states met along seeded random walks over the mirror.
 */
async function runSampled(job: Job, cfgSource: string, cfg: TlcConfig): Promise<EngineResult> {
  const m = job.model;
  const { states, seed } = job.sampled!;
  const t0 = performance.now();
  const base = { engine: 'tla-checker' as const, violated: null, distinctStates: null, statesPerSecond: null, warnings: [], trace: null, sampled: states };
  if (m.mirror === null) return { ...base, status: 'error', message: 'a sampled run needs a mirror; the model has none', seconds: 0 };
  const inst = instantiateMirror(await loadMirror(m.mirror, m.module), cfg, m.cfg);
  const v = sampledSuccessorConformance(readFileSync(resolve(job.root, m.tla), 'utf8'), cfgSource, inst, states, seed);
  const seconds = (performance.now() - t0) / 1000;
  if (v.mismatch !== null) return { ...base, status: 'nonconforming', message: `after ${v.checked} of ${states} sampled states (seed ${seed}): ${v.mismatch}`, seconds };
  return { ...base, status: 'pass', message: `sampled: the same initial states, and the same successors at ${states} states on seeded random walks (seed ${seed}); --full runs the module in full`, seconds };
}

/** Runs TLC on a model, naming a temporal violation by re-checking each PROPERTY alone when there are several. */
async function runTlcJob(job: Job, cfgSource: string, cfg: TlcConfig, onProgress: (p: JobProgress) => void): Promise<EngineResult> {
  const m = job.model;
  if (job.tlcJar === undefined) throw new Error('engine tlc needs a jar');
  const tla = resolve(job.root, m.tla);
  const t0 = performance.now();
  const run = await runTlc(job.tlcJar, tla, cfgSource, m.module, (line) => {
    const n = tlcProgress(line);
    if (n !== null) onProgress({ distinctStates: n, seconds: (performance.now() - t0) / 1000 });
  });
  const out = parseTlcOutput(run.output);
  let res = interpretTlc(out, cfg, run.seconds, run.exitCode);
  if (res.status === 'violation' && res.violated === null && cfg.properties.length > 1) {
    for (const p of cfg.properties) {
      const one = parseTlcOutput((await runTlc(job.tlcJar, tla, cfgWithOnlyProperty(cfgSource, p), m.module)).output);
      if (one.status === 'property') { res = { ...res, violated: p }; break; }
    }
  }
  return res;
}

/** Runs one job and judges it; never throws for a model problem (that becomes an `error` result). */
export async function runJob(job: Job, onProgress: (p: JobProgress) => void = () => {}): Promise<JudgedResult> {
  const m = job.model;
  let result: EngineResult;
  let cfg: TlcConfig | null = null;
  try {
    const cfgSource = readFileSync(resolve(job.root, m.cfg), 'utf8');
    cfg = parseCfg(cfgSource, m.cfg);
    if (job.engine === 'tla-checker' && job.sampled !== undefined) {
      result = await runSampled(job, cfgSource, cfg);
    } else if (job.engine === 'tla-checker') {
      const limits: TlaCheckerLimits = job.maxStates !== undefined ? { maxStates: job.maxStates } : {};
      result = checkWithTlaChecker(readFileSync(resolve(job.root, m.tla), 'utf8'), cfgSource, m.cfg, limits);
    } else if (job.engine === 'tlc') {
      result = await runTlcJob(job, cfgSource, cfg, onProgress);
    } else {
      result = await runTs(job, cfg, onProgress);
    }
  } catch (e) {
    result = { engine: job.engine, status: 'error', violated: null, message: (e as Error).message, distinctStates: null, seconds: 0, statesPerSecond: null, warnings: [], trace: null };
  }
  return { model: m.name, result, mismatches: judge(m, cfg, result) };
}

/**
 * Every way `r` differs from what the manifest expects of `m`: the result, the violated name,
 * the pinned distinct-state count (compared on a pass, the one result every engine reaches by
 * exploring the whole graph), any
 * warning, a max-states stop, an engine error, and a `liveness` flag that disagrees with the cfg.
 * The TS engine checks safety only, so on a model expected to violate a PROPERTY it must pass.
 */
export function judge(m: ModelEntry, cfg: TlcConfig | null, r: EngineResult): string[] {
  const out: string[] = [];
  if (r.warnings.length > 0) out.push(`checker warning(s): ${r.warnings.join('; ')}`);
  if (r.status === 'max-states') out.push(`stopped at a state/depth limit: ${r.message}`);
  if (r.status === 'error') { out.push(`error: ${r.message}`); return out; }
  if (r.status === 'nonconforming') { out.push(`the TS mirror departs from the TLA+ module: ${r.message}`); return out; }
  if (cfg !== null && m.liveness !== cfg.properties.length > 0) out.push(m.liveness ? 'manifest says liveness, but the cfg has no PROPERTY' : 'the cfg has a PROPERTY but the manifest says liveness: false');
  const expectsProperty = m.expect !== 'pass' && cfg !== null && cfg.properties.includes(m.expect.violation) && !cfg.invariants.includes(m.expect.violation);
  const want = m.expect === 'pass' || (r.engine === 'ts' && expectsProperty) ? null : m.expect.violation;
  if (want === null) {
    if (r.status === 'violation') out.push(`expected pass, got a violation of ${r.violated ?? '(unnamed)'}`);
    else if (r.status === 'deadlock') out.push('expected pass, got a deadlock');
  } else if (r.status !== 'violation') {
    out.push(`expected a violation of ${want}, got ${r.status}`);
  } else if (r.violated !== want) {
    out.push(`expected a violation of ${want}, got a violation of ${r.violated ?? '(unnamed)'}`);
  }
  // Only a pass explores the whole graph in every engine: at a violation (invariant or PROPERTY)
  // the count depends on the engine's search order and where it stops, so it is never compared.
  if (m.distinctStates !== null && r.status === 'pass' && r.distinctStates !== null && r.distinctStates !== m.distinctStates) {
    out.push(`distinct states ${fmtInt(r.distinctStates)} ≠ pinned ${fmtInt(m.distinctStates)}`);
  }
  return out;
}
