/**
 * The non-interference campaign (ADR 0024): generates attack scenarios
 * (`harness/generators/attacks.ts`), judges each on every selected kernel that runs programs
 * (`harness/oracles/nonInterference.ts`), shrinks a violation and saves it as a case file that
 * `immutos replay` reads. `immutos fuzz` runs it after the differential campaign; see
 * docs/fuzzing.md "Non-interference".
 *
 * Scenario `k` of a campaign seeded `S` comes from {@link niScenarioSeed}`(S, k)` alone.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Quotas } from '../../spec/Kernel.js';
import { build, kernelModulesOf, registerKernelModule, type EngineHandle } from '../engines/registry.js';
import { ATTACK_SCENARIO_VERSION, attackProgramText, generateScenario, type AttackScenario, type ScenarioStep, type Stmt } from '../generators/attacks.js';
import { checkScenario, describeViolation, NI_QUOTAS, type KernelFactory, type NiCheck, type RunTrace, type StepTrace, type Violation } from '../oracles/nonInterference.js';
import { caseSeed } from './campaign.js';
import { showOp } from './report.js';
import { ddmin } from './shrink.js';

/** The case-file format version of non-interference cases. */
export const NI_CASE_VERSION = 1;

/** A saved non-interference case: self-contained (replay never runs the generator). */
export interface NiCase {
  /** {@link NI_CASE_VERSION}. */
  readonly version: number;
  /** Always `non-interference` (tells `immutos replay` which kind of case it reads). */
  readonly kind: 'non-interference';
  /** The kernel it was found on (a registry name, mutants included). */
  readonly kernel: string;
  /** When {@link kernel} is a kernel module: its name → the module's absolute path (replay registers it). */
  readonly kernelModules?: Readonly<Record<string, string>>;
  /** The scenario's seed. */
  readonly seed: number;
  /** The campaign seed and scenario index it came from, when found by a campaign. */
  readonly campaign?: { readonly seed: number; readonly index: number };
  /** The quotas the runs use. */
  readonly quotas: Partial<Quotas>;
  /** The property that was violated. */
  readonly property: Violation['property'];
  /** The violation as found (for readers; replay recomputes it). */
  readonly violation?: string;
  /** The (shrunk) scenario. */
  readonly scenario: AttackScenario;
  /** For kept cases: what replaying should find. */
  readonly expect?: 'violated' | 'holds';
  /** Free text. */
  readonly note?: string;
}

/** A file that is not a non-interference case. */
export class BadNiCaseError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'BadNiCaseError';
  }
}

/** Whether parsed JSON is a non-interference case (as opposed to a differential `FuzzCase`). */
export function isNiCaseJson(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'non-interference';
}

/** Serialises a case (readable JSON, one scenario step per line). */
export function niCaseToJson(c: NiCase): string {
  const { scenario, ...head } = c;
  const { steps, ...rest } = scenario;
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const restJson = JSON.stringify(rest, null, 2).replace(/\n}$/, '').replace(/\n/g, '\n  ');
  return `${headJson},\n  "scenario": ${restJson},\n    "steps": [\n${steps.map((s) => `      ${JSON.stringify(s)}`).join(',\n')}\n    ]\n  }\n}\n`;
}

/** Parses and checks a case. Throws {@link BadNiCaseError}. */
export function niCaseFromJson(text: string): NiCase {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BadNiCaseError(`not JSON: ${(e as Error).message}`);
  }
  if (!isNiCaseJson(raw)) throw new BadNiCaseError('not a non-interference case (kind must be "non-interference")');
  const c = raw as Partial<NiCase>;
  if (c.version !== NI_CASE_VERSION) throw new BadNiCaseError(`unsupported case version ${String(c.version)} (expected ${NI_CASE_VERSION})`);
  if (typeof c.kernel !== 'string') throw new BadNiCaseError('case.kernel must be a kernel name');
  if (c.property !== 'integrity' && c.property !== 'confidentiality') throw new BadNiCaseError('case.property must be integrity or confidentiality');
  const s = c.scenario as Partial<AttackScenario> | undefined;
  if (s === undefined || s === null || typeof s !== 'object' || s.version !== ATTACK_SCENARIO_VERSION || !Array.isArray(s.steps) || !Array.isArray(s.victim) || !Array.isArray(s.privates) || !Array.isArray(s.secrets)) {
    throw new BadNiCaseError(`case.scenario must be an attack scenario of version ${ATTACK_SCENARIO_VERSION}`);
  }
  return { ...c, quotas: c.quotas ?? NI_QUOTAS } as NiCase;
}

/** The seed of scenario `k` of a campaign seeded `seed` (disjoint from the differential cases' seeds). */
export function niScenarioSeed(seed: number, k: number): number {
  return caseSeed((seed ^ 0x4e1f_7e5c) | 0, k);
}

/** A kernel factory for a handle: a fresh kernel with the given quotas. */
export function factoryOf(h: EngineHandle): KernelFactory {
  return (quotas) => h.build({ quotas });
}

const PROGRAM_OPS = ['load', 'step', 'run'] as const;

/**
 * Which of `kernels` the property runs on: every kernel that runs programs, except the hardware
 * memory models (`+hw:`), which run the optimized kernel's authority code unchanged on a
 * simulated memory (slow; name them in `only` to include them).
 */
export async function niKernels(kernels: readonly string[], only?: readonly string[]): Promise<{ handles: EngineHandle[]; skipped: { kernel: string; reason: string }[] }> {
  const handles: EngineHandle[] = [];
  const skipped: { kernel: string; reason: string }[] = [];
  for (const k of only ?? kernels) {
    const h = await build(k);
    if (!PROGRAM_OPS.every((o) => h.supports.has(o))) skipped.push({ kernel: k, reason: 'runs no programs' });
    else if (only === undefined && /\+hw:/.test(k)) skipped.push({ kernel: k, reason: 'same authority code as the optimized kernel, on a simulated memory (name it in --ni-kernels to include it)' });
    else handles.push(h);
  }
  return { handles, skipped };
}

// ---------------------------------------------------------------- shrinking

/** Options of {@link shrinkScenario}. */
export interface ShrinkOptions {
  /** Total wall-clock budget in milliseconds (default 15 s). */
  readonly maxMillis?: number;
  /** Quotas (default {@link NI_QUOTAS}). */
  readonly quotas?: Partial<Quotas>;
}

/**
 * Shrinks a scenario that violates `property` on `make`'s kernels: drops steps, attack
 * statements, callback-body parts and victim statements (ddmin each), then tries the simplest
 * layout and no helpers. Returns the smallest still-violating scenario and its violation.
 */
export function shrinkScenario(make: KernelFactory, s: AttackScenario, property: Violation['property'], options: ShrinkOptions = {}): { scenario: AttackScenario; violation: Violation } {
  const deadline = performance.now() + (options.maxMillis ?? 15_000);
  const left = (): number => Math.max(0, deadline - performance.now());
  const quotas = options.quotas ?? NI_QUOTAS;
  const violates = (c: AttackScenario): boolean => !checkScenario(make, c, { only: property, quotas }).verdict.ok;
  let cur = s;
  const tryReplace = (c: AttackScenario): void => {
    if (left() > 0 && violates(c)) cur = c;
  };
  cur = { ...cur, steps: ddmin(cur.steps, (steps) => violates({ ...cur, steps }), { maxMillis: left() * 0.5 }) };
  // statements of each attack program, then the parts of each callback body
  for (let i = 0; i < cur.steps.length && left() > 0; i++) {
    const st = cur.steps[i]!;
    if (st.act !== 'load' || st.program.length < 1) continue;
    const withProgram = (program: readonly Stmt[]): AttackScenario => ({ ...cur, steps: cur.steps.map((x, j) => (j === i ? { ...st, program } : x)) });
    const small = ddmin(st.program, (p) => violates(withProgram(p)), { maxMillis: left() * 0.3 });
    cur = withProgram(small);
    for (let j = 0; j < small.length && left() > 0; j++) {
      const stmt = small[j]!;
      if (stmt.body === undefined || stmt.body.length < 2) continue;
      const withBody = (body: readonly string[]): AttackScenario => withProgram(small.map((x, m) => (m === j ? { ...stmt, body } : x)));
      const body = ddmin(stmt.body, (b) => violates(withBody(b)), { maxMillis: left() * 0.3 });
      cur = withBody(body);
      small[j] = { ...stmt, body };
    }
  }
  if (cur.victim.length > 0 && left() > 0) {
    const victim = ddmin(cur.victim, (v) => violates({ ...cur, victim: v }), { maxMillis: left() * 0.5 });
    if (victim.length < cur.victim.length) cur = { ...cur, victim };
    if (left() > 0 && violates({ ...cur, victim: [] })) cur = { ...cur, victim: [] };
  }
  for (let n = cur.privates.length - 1; n >= 1 && left() > 0; n--) tryReplace({ ...cur, privates: cur.privates.slice(0, n) });
  if (cur.helpers > 0) tryReplace({ ...cur, helpers: 0 });
  if (cur.layout !== 'victim-p0') tryReplace({ ...cur, layout: 'victim-p0' });
  const check = checkScenario(make, cur, { only: property, quotas });
  if (check.verdict.ok) {
    // nondeterminism would be a kernel bug; fall back to the original
    const again = checkScenario(make, s, { only: property, quotas });
    if (again.verdict.ok) throw new Error('internal: a violating scenario stopped violating (nondeterministic kernel?)');
    return { scenario: s, violation: again.verdict.violation };
  }
  return { scenario: cur, violation: check.verdict.violation };
}

/** Sizes of a scenario, for reports: steps, attack statements, victim statements. */
export function scenarioSize(s: AttackScenario): string {
  const stmts = s.steps.reduce((n, st) => n + (st.act === 'load' ? st.program.length : 0), 0);
  return `${s.steps.length} steps, ${stmts} attack statements, ${s.victim.length} victim statements`;
}

// ---------------------------------------------------------------- the campaign

/** Options of {@link runNonInterference}. */
export interface NiCampaignOptions {
  /** Kernel names; the property runs on those that run programs (see {@link niKernels}). */
  readonly kernels: readonly string[];
  /** Run exactly these kernels instead (e.g. `optimized+hw:tso`). */
  readonly only?: readonly string[];
  /** Scenarios per kernel (default 100 unless `timeSeconds` is set). */
  readonly runs?: number;
  /** Stop after this many seconds. */
  readonly timeSeconds?: number;
  /** Campaign seed. */
  readonly seed: number;
  /** Stop a kernel at its first violation (default true). */
  readonly stopOnFirst?: boolean;
  /** Shrink violations (default true). */
  readonly shrink?: boolean;
  /** Shrinking budget per violation, in milliseconds (default 15 s). */
  readonly shrinkMillis?: number;
  /** Where to write violating cases. */
  readonly outDir?: string;
  /** Called now and then with the scenarios run and the violations found. */
  readonly onProgress?: (p: { readonly scenarios: number; readonly violations: number; readonly seconds: number }) => void;
}

/** One violation found by a campaign. */
export interface NiFailure {
  /** The kernel. */
  readonly kernel: string;
  /** The scenario's index in the campaign. */
  readonly index: number;
  /** The scenario as generated. */
  readonly original: AttackScenario;
  /** The shrunk scenario. */
  readonly shrunk: AttackScenario;
  /** The violation of the shrunk scenario. */
  readonly violation: Violation;
  /** Seconds from the start to the detection. */
  readonly detectedSeconds: number;
  /** Where the case was written. */
  readonly file?: string;
}

/** The result of {@link runNonInterference}. */
export interface NiCampaignResult {
  /** The kernels the property ran on. */
  readonly kernels: readonly string[];
  /** Kernels not run, and why. */
  readonly skipped: readonly { readonly kernel: string; readonly reason: string }[];
  /** Scenarios run per kernel. */
  readonly perKernel: readonly { readonly kernel: string; readonly scenarios: number; readonly violations: number }[];
  /** Scenarios run in all (summed over kernels). */
  readonly scenarios: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** The violations. */
  readonly failures: readonly NiFailure[];
}

/** A file name for a case. */
export function niCaseId(kernel: string, seed: number): string {
  return `ni-${kernel.replace(/[^a-z0-9]+/gi, '-')}-${seed.toString(16).padStart(8, '0')}`;
}

/** Runs the non-interference property over generated scenarios (see the module doc). */
export async function runNonInterference(options: NiCampaignOptions): Promise<NiCampaignResult> {
  const t0 = performance.now();
  const sel = await niKernels(options.kernels, options.only);
  const runs = options.runs ?? (options.timeSeconds === undefined ? 100 : Number.POSITIVE_INFINITY);
  const deadline = options.timeSeconds === undefined ? Number.POSITIVE_INFINITY : t0 + options.timeSeconds * 1000;
  const counts = new Map(sel.handles.map((h) => [h.name, { scenarios: 0, violations: 0 }]));
  const done = new Set<string>();
  const failures: NiFailure[] = [];
  let total = 0;
  let lastReport = 0;
  for (let k = 0; k < runs && performance.now() < deadline && done.size < sel.handles.length; k++) {
    const seed = niScenarioSeed(options.seed, k);
    const scenario = generateScenario(seed);
    for (const h of sel.handles) {
      if (done.has(h.name) || performance.now() >= deadline) continue;
      const make = factoryOf(h);
      const check = checkScenario(make, scenario);
      const c = counts.get(h.name)!;
      c.scenarios++;
      total++;
      if (!check.verdict.ok) {
        c.violations++;
        const detectedSeconds = (performance.now() - t0) / 1000;
        const v = check.verdict.violation;
        const s = options.shrink === false ? { scenario, violation: v } : shrinkScenario(make, scenario, v.property, { ...(options.shrinkMillis !== undefined ? { maxMillis: options.shrinkMillis } : {}) });
        let file: string | undefined;
        if (options.outDir !== undefined) {
          mkdirSync(options.outDir, { recursive: true });
          file = join(options.outDir, `${niCaseId(h.name, seed)}.json`);
          const saved: NiCase = {
            version: NI_CASE_VERSION,
            kind: 'non-interference',
            kernel: h.name,
            ...(Object.keys(kernelModulesOf([h.name])).length > 0 ? { kernelModules: kernelModulesOf([h.name]) } : {}),
            seed,
            campaign: { seed: options.seed, index: k },
            quotas: NI_QUOTAS,
            property: s.violation.property,
            violation: describeViolation(s.violation),
            scenario: s.scenario,
            expect: 'violated',
          };
          writeFileSync(file, niCaseToJson(saved));
        }
        failures.push({ kernel: h.name, index: k, original: scenario, shrunk: s.scenario, violation: s.violation, detectedSeconds, ...(file !== undefined ? { file } : {}) });
        if (options.stopOnFirst !== false) done.add(h.name);
      }
      if (options.onProgress !== undefined && performance.now() - lastReport > 200) {
        lastReport = performance.now();
        options.onProgress({ scenarios: total, violations: failures.length, seconds: (performance.now() - t0) / 1000 });
      }
    }
  }
  options.onProgress?.({ scenarios: total, violations: failures.length, seconds: (performance.now() - t0) / 1000 });
  return {
    kernels: sel.handles.map((h) => h.name),
    skipped: sel.skipped,
    perKernel: sel.handles.map((h) => ({ kernel: h.name, ...counts.get(h.name)! })),
    scenarios: total,
    seconds: (performance.now() - t0) / 1000,
    failures,
  };
}

// ---------------------------------------------------------------- replay

/** Replays a case on `kernel` (default: the case's own) → the full check with every run's trace. */
export async function replayNiCase(c: NiCase, kernel: string = c.kernel): Promise<NiCheck> {
  for (const path of Object.values(c.kernelModules ?? {})) await registerKernelModule(path);
  const h = await build(kernel);
  return checkScenario(factoryOf(h), c.scenario, { quotas: c.quotas });
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}

function stepOps(st: StepTrace): string {
  return st.ops.length === 0 ? '(skipped)' : st.ops.map((o) => showOp(o)).join('; ');
}

/**
 * The replay table: one row per step of the run with the attacker, with the outcome each run
 * gave (`-` where a run has no such step), `>>` on the violating step; then the violation and
 * the programs in full.
 */
export function formatNiReplay(c: NiCase, kernel: string, check: NiCheck): string {
  const v = check.verdict.ok ? null : check.verdict.violation;
  const second: RunTrace = v?.property === 'integrity' || check.other === undefined ? check.solo : check.other;
  const secondName = second === check.solo ? 'without the attacker' : 'other secrets';
  const byPlan = new Map(second.steps.map((s) => [s.plan, s]));
  const lines: string[] = [];
  const w = 52;
  const ow = 40;
  lines.push(`${'   '} ${'step'.padStart(4)} ${'who / what'.padEnd(w)} ${'with the attacker'.padEnd(ow)} ${secondName}`);
  lines.push('-'.repeat(12 + w + 2 * ow));
  for (const st of check.attack.steps) {
    const mark = v !== null && st.plan === v.plan ? '>> ' : '   ';
    const twin = byPlan.get(st.plan);
    const id = st.scenarioStep === null ? 'set' : String(st.scenarioStep);
    lines.push(`${mark} ${id.padStart(4)} ${clip(`${st.label} — ${stepOps(st)}`, w).padEnd(w)} ${clip(st.outcome, ow).padEnd(ow)} ${twin === undefined ? '-' : clip(twin.outcome, ow)}`);
  }
  lines.push('');
  if (v === null) lines.push(`verdict: non-interference holds (${check.attack.steps.length} steps, ${check.other === undefined ? 'integrity' : 'integrity and confidentiality'} checked)`);
  else {
    lines.push(`verdict: VIOLATED (${v.property}) at ${v.scenarioStep === null ? 'setup' : `step ${v.scenarioStep}`}: ${v.label}`);
    lines.push(`  ${v.what}`);
    lines.push(`    ${v.property === 'integrity' ? 'with the attacker:   ' : 'with the secrets:    '} ${clip(v.left, 400)}`);
    lines.push(`    ${v.property === 'integrity' ? 'without the attacker:' : 'with other secrets:  '} ${clip(v.right, 400)}`);
    lines.push(`  ${v.summary}`);
  }
  lines.push('', `kernel ${kernel}; victim pids ${check.attack.victimPids.join(' ')}, attacker pids ${check.attack.attackerPids.join(' ')} (run with the attacker)`);
  const load = check.attack.steps.find((s) => s.label.startsWith("setup: load the victim's program"));
  const program = load?.ops[0] !== undefined && load.ops[0].op === 'load' ? load.ops[0].program : null;
  if (program !== null) lines.push(`victim program: ${program}`);
  for (const st of check.attack.steps) {
    const op = st.ops[0];
    if (st.who === 'attacker' && op !== undefined && op.op === 'load') lines.push(`attack program (step ${st.scenarioStep}, pid ${op.pid}): ${op.program}`);
  }
  return lines.join('\n');
}

/** The attack programs of a scenario's steps, for reports (holes unfilled). */
export function describeScenario(s: AttackScenario): string[] {
  const lines = [`layout ${s.layout}, ${s.helpers} helper(s), secrets ${JSON.stringify(s.secrets)}, privates ${JSON.stringify(s.privates)}`, `victim: ${s.victim.map((x) => x.code).join(' ')}`];
  s.steps.forEach((st: ScenarioStep, i) => {
    if (st.act === 'load') lines.push(`${i}: ${st.who}[${st.proc}] load ${attackProgramText(st.program)}`);
    else if (st.act === 'op') lines.push(`${i}: ${st.who}[${st.proc}] op ${JSON.stringify(st.op)}`);
    else lines.push(`${i}: ${st.who}[${st.proc}] ${st.act}`);
  });
  return lines;
}
