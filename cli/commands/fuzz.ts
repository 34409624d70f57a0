/**
 * `immutos fuzz`: a differential fuzz campaign over the selected kernels, or, with `--mutants`,
 * the seeded-bug catalogue (each mutant against the clean kernel). Glue over
 * `tests/fuzz/campaign.ts`; see docs/fuzzing.md.
 * @module
 */
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../errors.js';
import { resolve } from 'node:path';
import { autoJobs, CASES_PER_JOB, CaseStalledError, DEFAULT_CASE_TIMEOUT_SECONDS } from '../../harness/campaign/jobs.js';
import { EngineUnavailableError, KERNELS_ENV, KernelModuleError, optionalPartsMissing, registerKernelModule, selectKernels, unavailableKernels } from '../../harness/engines/registry.js';
import { ESCALATION_FACTOR, mutantTargets, parseShard, runCampaign, runMutantCampaign, select, type CampaignProgress, type CampaignResult, type MutantRow, type MutantTarget, type Selection, type Shard } from '../../harness/campaign/campaign.js';
import { formatCoverage, formatMutantTable } from '../../harness/campaign/report.js';
import { Coverage } from '../../harness/oracles/coverage.js';
import { runNonInterference, scenarioSize, type NiCampaignResult } from '../../harness/campaign/nonInterference.js';
import { describeViolation } from '../../harness/oracles/nonInterference.js';
import type { Stage } from '../stages.js';
import { progress, type Progress } from '../progress.js';
import { intFlag, secondsFlag } from '../flags.js';
import { fuzzParallel, parallelSelection, STRESS_REPEAT } from './fuzzParallel.js';

/** Parsed options of `immutos fuzz`. */
export interface FuzzFlags {
  /** Comma-separated kernel names. */
  readonly kernels?: string;
  /** Kernel modules to register (each exports `createKernel(options)`); they join the default selection. */
  readonly kernelModule?: readonly string[];
  /** Number of cases. */
  readonly runs?: string;
  /** Seconds to run. */
  readonly time?: string;
  /** Campaign seed. */
  readonly seed?: string;
  /** `i/n`. */
  readonly shard?: string;
  /** Worker processes for the differential campaign (`auto` or a positive integer). */
  readonly jobs?: string;
  /** The most seconds one case may take on several jobs (`0`: no limit). */
  readonly caseTimeout?: string;
  /** Generate programs (default on; `--no-programs` turns them off). */
  readonly programs?: boolean;
  /** Report operations the campaign never exercised without failing. */
  readonly allowUnexercised?: boolean;
  /** Trace-validate every kernel that exposes its state on every case too. */
  readonly trace?: boolean;
  /** Run the seeded-bug catalogue. */
  readonly mutants?: boolean;
  /** Print one JSON object. */
  readonly json?: boolean;
  /** Output directory for failing cases. */
  readonly out: string;
  /** Non-interference scenarios per kernel (`0`: off). */
  readonly niRuns?: string;
  /** Run only the non-interference property. */
  readonly niOnly?: boolean;
  /** Comma-separated kernels to run the non-interference property on. */
  readonly niKernels?: string;
  /** The parallel engine: the part of each case to run (a minimized case's replay). */
  readonly keep?: string;
  /** The parallel engine: runs of each case. */
  readonly repeat?: string;
  readonly stress?: string | boolean;
}

/** What `immutos fuzz` ran: the differential campaign (empty with `--ni-only`) and the non-interference property. */
export type FuzzResult = CampaignResult & {
  /** The non-interference campaign, unless turned off (`--ni-runs 0`) or no selected kernel runs programs. */
  readonly nonInterference?: NiCampaignResult;
};

/** Share of a `--time` budget the non-interference property gets when both run. */
export const NI_TIME_SHARE = 0.25;

/** Non-interference scenarios per kernel by default: one for every 20 differential cases (at least 1), 100 without `--runs`. */
export function defaultNiRuns(runs: number | undefined): number {
  return runs === undefined ? 100 : Math.max(1, Math.ceil(runs / 20));
}

const opsPerSecond = (p: CampaignProgress): number => Math.round(p.ops / Math.max(p.seconds, 1e-3));

/** The differential campaign's progress: cases, ops/s, divergences, poisoned cases. */
function progressReporter(total: number | undefined, quiet: boolean): Progress<CampaignProgress> {
  return progress<CampaignProgress>({
    total,
    quiet,
    done: (p) => p.cases,
    bar: 'cases | {opsps} ops/s | {divergences} divergences | {poisoned} poisoned',
    fields: (p) => (p === null ? { opsps: 0, divergences: 0, poisoned: 0 } : { opsps: opsPerSecond(p), divergences: p.divergences, poisoned: p.poisoned }),
    line: (p) => `${p.cases} cases, ${opsPerSecond(p)} ops/s, ${p.divergences} divergences, ${p.poisoned} poisoned`,
    every: 5,
  });
}

/** Where the non-interference property is. */
interface NiProgress {
  readonly scenarios: number;
  readonly violations: number;
  readonly seconds: number;
}

/** The non-interference property's progress: scenarios and violations. */
function niProgressReporter(total: number | undefined, quiet: boolean): Progress<NiProgress> {
  return progress<NiProgress>({
    total,
    quiet,
    done: (p) => p.scenarios,
    bar: 'scenarios | {violations} non-interference violations',
    fields: (p) => ({ violations: p?.violations ?? 0 }),
    line: (p) => `${p.scenarios} non-interference scenarios, ${p.violations} violations`,
    every: 5,
  });
}

/** What {@link fuzzOnce} resolved from the flags, shared by its parts. */
interface FuzzPlan {
  readonly flags: FuzzFlags;
  readonly kernels: readonly string[];
  readonly sel: Selection;
  readonly seed: number;
  readonly shard: Shard | undefined;
  readonly runs: number | undefined;
  /** Worker processes of the differential campaign. */
  readonly jobs: number;
  /** Seconds for the differential campaign. */
  readonly diffTime: number | undefined;
  /** Non-interference scenarios per kernel, when bounded by a count. */
  readonly niRuns: number | undefined;
  /** Seconds for the non-interference property. */
  readonly niTime: number | undefined;
  readonly quiet: boolean;
  readonly print: (s: string) => void;
  /** ` --kernel-module PATH` for each registered kernel module (reproduction commands). */
  readonly moduleWords: string;
}

/**
 * Registers the kernel modules named by `--kernel-module` → the ` --kernel-module PATH` words a
 * reproduction command needs (empty when none).
 */
async function registerModules(flags: FuzzFlags): Promise<{ readonly words: string; readonly names: readonly string[] }> {
  const paths: string[] = [];
  const names: string[] = [];
  for (const path of flags.kernelModule ?? []) {
    try {
      names.push(await registerKernelModule(path));
    } catch (e) {
      if (e instanceof KernelModuleError) throw new UsageError(e.message);
      throw e;
    }
    paths.push(resolve(path));
  }
  return { words: paths.map((p) => ` --kernel-module ${p}`).join(''), names };
}

/**
 * Runs a normal campaign as the CLI does and prints the report; returns the result. The
 * non-interference property runs after the differential campaign (`--ni-runs`, `--ni-only`,
 * `--ni-kernels`; docs/fuzzing.md "Non-interference").
 */
export async function fuzzOnce(flags: FuzzFlags, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<FuzzResult> {
  const runs = intFlag(flags.runs, '--runs');
  const time = secondsFlag(flags.time, '--time');
  const niRunsFlag = intFlag(flags.niRuns, '--ni-runs');
  const niOnly = flags.niOnly === true;
  if (niOnly && niRunsFlag === 0) throw new UsageError('--ni-only with --ni-runs 0 runs nothing');
  const niOn = niOnly || niRunsFlag !== 0;
  // --ni-only: --runs/--time bound the property; otherwise it gets one scenario per 20 cases, or a share of --time
  const niRuns = niRunsFlag ?? (niOnly ? (runs ?? (time === undefined ? 100 : undefined)) : time !== undefined && runs === undefined ? undefined : defaultNiRuns(runs));
  const niTime = time === undefined ? undefined : niOnly ? time : time * NI_TIME_SHARE;
  const diffTime = time === undefined ? undefined : niOn && !niOnly ? time - (niTime ?? 0) : time;
  const seed = intFlag(flags.seed, '--seed') ?? Math.floor(Math.random() * 0x7fffffff);
  let shard: Shard | undefined;
  try {
    shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const jobs = jobsFlag(flags.jobs, runs, shard);
  const moduleWords = (await registerModules(flags)).words;
  const kernels = await selectKernels(flags.kernels);
  let sel: Selection;
  try {
    sel = await select(kernels, flags.programs ?? true);
  } catch (e) {
    if (e instanceof EngineUnavailableError || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const plan: FuzzPlan = { flags, kernels, sel, seed, shard, runs, jobs, diffTime, niRuns, niTime, quiet: flags.json === true, print, moduleWords };
  const result: CampaignResult = niOnly
    ? { kernels, ops: sel.ops, excluded: sel.excluded, cases: 0, applied: 0, seconds: 0, opsPerSecond: 0, poisoned: 0, rerun: 0, unjudged: 0, failures: [], coverage: new Coverage(kernels, sel.ops).report() }
    : await differentialPart(plan);
  const nonInterference = niOn ? await nonInterferencePart(plan) : undefined;
  if (plan.quiet) printJson(plan, result, nonInterference);
  return nonInterference === undefined ? result : { ...result, nonInterference };
}

/**
 * The `--jobs` flag → worker processes: a positive integer, or `auto` (the default): one per core,
 * at most one per {@link CASES_PER_JOB} cases of the (shard's) case count (see {@link autoJobs}).
 */
export function jobsFlag(text: string | undefined, runs: number | undefined, shard: Shard | undefined): number {
  if (text !== undefined && text !== 'auto') return intFlag(text, '--jobs', 1)!;
  if (runs === undefined) return autoJobs(undefined);
  return autoJobs(Math.ceil(Math.max(0, runs - (shard?.index ?? 0)) / (shard?.count ?? 1)));
}

/** The differential campaign of `immutos fuzz`, with its report. */
async function differentialPart(p: FuzzPlan): Promise<CampaignResult> {
  const { flags, kernels, sel, seed, shard, runs, jobs, diffTime, quiet, print } = p;
  if (!quiet) {
    print(`kernels: ${kernels.join(', ')}${flags.kernels === undefined && process.env[KERNELS_ENV] === undefined ? ' (every available kernel)' : ''}\n`);
    for (const u of await unavailableKernels()) print(`  not available: ${u.name} — ${u.reason}\n`);
    print(`operations generated: ${sel.ops.join(' ')}\n`);
    for (const pm of sel.partial) print(`  ${pm.op}: judged without ${pm.missingIn.join(', ')} (not supported there: those kernels sit out the cases that contain it)\n`);
    for (const e of sel.excluded) print(`  not generated: ${e.op} — ${e.reason}\n`);
    print(`seed ${seed}${shard !== undefined ? `, shard ${shard.index + 1}/${shard.count}` : ''}, ${runs !== undefined ? `${runs} cases` : ''}${runs !== undefined && diffTime !== undefined ? ', ' : ''}${diffTime !== undefined ? `${+diffTime.toFixed(2)} s` : ''}${runs === undefined && diffTime === undefined ? '1000 cases' : ''}${jobs > 1 ? `, on ${jobs} jobs (worker processes)` : ''}\n`);
  }
  const total = runs !== undefined ? Math.ceil((runs - (shard?.index ?? 0)) / (shard?.count ?? 1)) : diffTime === undefined ? 1000 : undefined;
  const bar = progressReporter(total, quiet);
  const caseTimeout = flags.caseTimeout === '0' ? 0 : secondsFlag(flags.caseTimeout, '--case-timeout');
  const reproduce = `npx immutos fuzz${p.moduleWords} --kernels ${kernels.join(',')} --seed ${seed}${runs !== undefined ? ` --runs ${runs}` : ''}${flags.programs === false ? ' --no-programs' : ''}${shard !== undefined ? ` --shard ${shard.index + 1}/${shard.count}` : ''}`;
  let result: CampaignResult;
  try {
    result = await runCampaign({
      kernels,
      ...(runs !== undefined ? { runs } : {}),
      ...(diffTime !== undefined ? { timeSeconds: diffTime } : {}),
      seed,
      ...(shard !== undefined ? { shard } : {}),
      programs: flags.programs ?? true,
      // with programs, one case in four starts with an authority block (ADR 0024)
      authority: flags.programs ?? true,
      ...(flags.trace === true ? { trace: true } : {}),
      outDir: flags.out,
      jobs,
      ...(caseTimeout !== undefined ? { caseTimeoutSeconds: caseTimeout } : {}),
      onProgress: bar.update,
    });
  } catch (e) {
    bar.stop();
    if (!(e instanceof CaseStalledError)) throw e;
    if (!quiet) {
      print(`\nSTALLED (case ${e.index}, case seed ${e.caseSeed}): the case ${e.reason}\n`);
      if (e.file !== undefined) print(`the case as generated (not shrunk) → ${e.file}\nreplay with: npx immutos replay ${e.file}\n`);
      print(`reproduce the campaign with: ${reproduce}\n`);
    }
    throw new CheckFailed(e.message);
  }
  bar.stop();
  if (!quiet) {
    print(`${result.cases} cases, ${result.applied} operations in ${result.seconds.toFixed(2)} s: ${Math.round(result.opsPerSecond)} operations/s; ${result.failures.length} divergences, ${result.poisoned} poisoned${result.rerun > 0 ? `, ${result.rerun} run again with quotas ${ESCALATION_FACTOR}× larger (only some kernels hit a limit)` : ''}${result.unjudged > 0 ? `, ${result.unjudged} judged by no kernel` : ''}\n`);
    print(`\n${formatCoverage(result.coverage)}\n`);
    for (const f of result.failures) {
      print(`\nDIVERGED (case ${f.index}, case seed ${f.shrunk.seed}) at step ${f.verdict.step} (${f.verdict.reason}): ${f.verdict.detail}\n`);
      print(`shrunk from ${f.original.ops.length} to ${f.shrunk.ops.length} operations${f.file !== undefined ? ` → ${f.file}` : ''}\n`);
      if (f.file !== undefined) print(`replay with: npx immutos replay ${f.file}\n`);
      print(`reproduce the campaign with: ${reproduce}\n`);
    }
  }
  return result;
}

/** The reproduction command of a non-interference violation: scenario `index` is the last one run. */
function niReproduce(kernel: string, seed: number, index: number, moduleWords = ''): string {
  return `npx immutos fuzz${moduleWords} --ni-only --kernels ${kernel} --seed ${seed} --ni-runs ${index + 1}`;
}

/** The non-interference property of `immutos fuzz`, with its report (undefined when no selected kernel runs programs). */
async function nonInterferencePart(p: FuzzPlan): Promise<NiCampaignResult | undefined> {
  const { flags, kernels, seed, niRuns, niTime, quiet, print } = p;
  const only = flags.niKernels !== undefined ? flags.niKernels.split(',').map((x) => x.trim()).filter((x) => x !== '') : undefined;
  let ni: NiCampaignResult;
  const bar = niProgressReporter(undefined, quiet);
  try {
    ni = await runNonInterference({
      kernels,
      ...(only !== undefined ? { only } : {}),
      seed,
      ...(niRuns !== undefined ? { runs: niRuns } : {}),
      ...(niTime !== undefined ? { timeSeconds: niTime } : {}),
      outDir: flags.out,
      onProgress: bar.update,
    });
  } catch (e) {
    if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
    throw e;
  } finally {
    bar.stop();
  }
  if (ni.kernels.length === 0) {
    if (!quiet) print(`\nnon-interference: not run (no selected kernel runs programs${ni.skipped.length > 0 ? `: ${ni.skipped.map((x) => `${x.kernel} — ${x.reason}`).join('; ')}` : ''})\n`);
    return undefined;
  }
  if (!quiet) {
    print(`\nnon-interference (ADR 0024): victim vs attacker scenarios on ${ni.kernels.join(', ')}, seed ${seed}${niRuns !== undefined ? `, ${niRuns} scenarios per kernel` : ''}${niTime !== undefined ? `, ${+niTime.toFixed(2)} s` : ''}\n`);
    for (const x of ni.skipped) print(`  not run on ${x.kernel} — ${x.reason}\n`);
    print(`${ni.scenarios} scenario${ni.scenarios === 1 ? '' : 's'} in ${ni.seconds.toFixed(2)} s (${ni.perKernel.map((x) => `${x.kernel} ${x.scenarios}`).join(', ')}); ${ni.failures.length} violation${ni.failures.length === 1 ? '' : 's'}\n`);
    for (const f of ni.failures) {
      print(`\nVIOLATED non-interference on ${f.kernel} (scenario ${f.index}, scenario seed ${f.shrunk.seed}): ${describeViolation(f.violation)}\n`);
      print(`shrunk from ${scenarioSize(f.original)} to ${scenarioSize(f.shrunk)}${f.file !== undefined ? ` → ${f.file}` : ''}\n`);
      if (f.file !== undefined) print(`replay with: npx immutos replay ${f.file}\n`);
      print(`reproduce with: ${niReproduce(f.kernel, seed, f.index, p.moduleWords)}\n`);
    }
  }
  return ni;
}

/** The one JSON object of `immutos fuzz --json`. */
function printJson(p: FuzzPlan, result: CampaignResult, ni: NiCampaignResult | undefined): void {
  const { kernels, seed, shard } = p;
  p.print(
    `${JSON.stringify({
      kernels,
      seed,
      shard: shard !== undefined ? `${shard.index + 1}/${shard.count}` : null,
      jobs: p.jobs,
      ops: result.ops,
      excluded: result.excluded,
      partial: p.sel.partial,
      unjudged: result.unjudged,
      coverage: result.coverage,
      cases: result.cases,
      operations: result.applied,
      seconds: result.seconds,
      operationsPerSecond: Math.round(result.opsPerSecond),
      poisoned: result.poisoned,
      rerunWithLargerQuotas: result.rerun,
      failures: result.failures.map((f) => ({ file: f.file ?? null, caseIndex: f.index, caseSeed: f.shrunk.seed, step: f.verdict.step, reason: f.verdict.reason, detail: f.verdict.detail, shrunkOps: f.shrunk.ops.length, originalOps: f.original.ops.length })),
      nonInterference:
        ni === undefined
          ? null
          : {
              kernels: ni.kernels,
              skipped: ni.skipped,
              perKernel: ni.perKernel,
              scenarios: ni.scenarios,
              seconds: ni.seconds,
              violations: ni.failures.map((f) => ({
                kernel: f.kernel,
                scenarioIndex: f.index,
                scenarioSeed: f.shrunk.seed,
                property: f.violation.property,
                step: f.violation.scenarioStep,
                label: f.violation.label,
                what: f.violation.what,
                left: f.violation.left,
                right: f.violation.right,
                summary: f.violation.summary,
                file: f.file ?? null,
                replay: f.file !== undefined ? `npx immutos replay ${f.file}` : null,
                reproduce: niReproduce(f.kernel, seed, f.index, p.moduleWords),
              })),
            },
    })}\n`,
  );
}

/**
 * Runs the seeded-bug catalogue and prints the table; returns the rows. Without `--kernels`,
 * every engine's catalogue runs (`spec`, `reference`, `optimized`, and the hardware-model
 * mutants of `optimized+hw`), each mutant against the clean kernel of its base; `--kernels`
 * names the bases to run (e.g. `reference` or `spec,optimized+hw:tso`).
 */
export async function fuzzMutants(flags: FuzzFlags, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<MutantRow[]> {
  const seed = intFlag(flags.seed, '--seed') ?? 1;
  const maxCases = intFlag(flags.runs, '--runs') ?? 3000;
  const maxSeconds = secondsFlag(flags.time, '--time') ?? 30;
  const modules = await registerModules(flags);
  const named = flags.kernels?.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bases = named !== undefined && named.length > 0 ? named : undefined;
  for (const b of bases ?? []) {
    if (b.includes('+mutant:')) throw new UsageError(`--mutants takes base kernels in --kernels, not mutants ('${b}'): e.g. --kernels reference`);
  }
  let targets: MutantTarget[];
  try {
    // kernel modules join the default catalogues (each mutant against its own clean module kernel)
    targets = bases === undefined ? [...(await mutantTargets()), ...(modules.names.length > 0 ? await mutantTargets(modules.names) : [])] : await mutantTargets(bases);
  } catch (e) {
    if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  const baseNames = [...new Set(targets.map((t) => t.base))];
  if (flags.json !== true) {
    print(`mutant campaign: <base>+mutant:<m> vs <base> for ${targets.length} mutants of ${baseNames.join(', ') || 'no kernel'}${bases === undefined ? ' (every catalogue)' : ''}\n`);
    print(`programs on, seed ${seed}, at most ${maxCases} cases / ${maxSeconds} s per mutant\n`);
    if (bases === undefined) for (const u of await unavailableKernels()) print(`  not available: ${u.name} — ${u.reason}\n`);
    print('\n');
  }
  let rows: MutantRow[];
  try {
    rows = await runMutantCampaign({
      targets,
      seed,
      maxCases,
      maxSeconds,
      outDir: flags.out,
      onMutant: (r) => {
        if (flags.json !== true && !process.stdout.isTTY) print(`  ${r.base}+mutant:${r.mutant}: ${r.caught ? `caught after ${r.cases} cases, ${r.seconds.toFixed(2)} s` : 'NOT caught'}\n`);
      },
    });
  } catch (e) {
    if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.json === true) {
    print(
      `${JSON.stringify({
        bases: baseNames,
        seed,
        maxCases,
        maxSeconds,
        caught: rows.filter((r) => r.caught).length,
        total: rows.length,
        rows: rows.map((r) => ({
          base: r.base,
          mutant: r.mutant,
          against: r.against,
          caught: r.caught,
          cases: r.cases,
          seconds: r.seconds,
          reason: r.failure?.verdict.reason ?? null,
          step: r.failure?.verdict.step ?? null,
          shrunkOps: r.failure?.shrunk.ops.length ?? null,
          file: r.failure?.file ?? null,
          replay: r.replay ?? null,
        })),
      })}\n`,
    );
  } else {
    print(`\n${formatMutantTable(rows)}\n`);
  }
  return rows;
}

/** Registers `immutos fuzz`. */
export function register(program: Command): void {
  program
    .command('fuzz')
    .description('differential fuzzing of the kernels against each other and the spec (see docs/fuzzing.md)')
    .addHelpText('after', () => {
      const missing = optionalPartsMissing();
      return missing.length === 0 ? '\nOptional parts: all present (the LLVM tier runs here).' : `\n${missing.map((m) => `Not available: ${m.name} — ${m.reason}`).join('\n')}`;
    })
    .option('--kernels <list>', `comma-separated kernels (default: $${KERNELS_ENV}, else every available kernel; with --mutants: the base kernels whose catalogues run, default all)`)
    .option('--kernel-module <path...>', 'a kernel of your own: a module exporting createKernel(options) → Kernel (and optionally name, mutants); it joins the selection (docs/oracle-guide.md)')
    .option('--runs <n>', 'number of cases (with --mutants: most cases per mutant)')
    .option('--time <seconds>', 'run for this long instead (with --mutants: most seconds per mutant)')
    .option('--seed <s>', 'campaign seed (printed; default random, 1 with --mutants)')
    .option('--shard <i/n>', 'run the i-th of n deterministic slices of the case space (CI matrices)')
    .option('--case-timeout <seconds>', `the most seconds one case may take before its worker process is stopped and the case reported as stalled, saved for replay (default with 2 jobs or more: ${DEFAULT_CASE_TIMEOUT_SECONDS}; given with --jobs 1, the campaign runs on one worker process; 0: no limit)`)
    .option('--jobs <n>', `worker processes for the differential campaign, sharing its cases (default auto: one per core, at most one per ${CASES_PER_JOB} cases; 1 runs in this process)`)
    .option('--programs', 'generate system-language programs (load/step/run; the default)')
    .option('--no-programs', 'do not generate programs')
    .option('--allow-unexercised', 'report operations the campaign never exercised without failing')
    .option('--trace', 'also validate every step of each selected kernel that exposes its state (reference, optimized on every tier and backend) against the TS spec step function')
    .option('--mutants', 'run the seeded-bug catalogue of every kernel (or of --kernels): each mutant against the clean kernel of its base')
    .option('--json', 'print one JSON object instead of text')
    .option('--out <dir>', 'where shrunk failing cases are written', '.fuzz-out')
    .option('--ni-runs <n>', 'non-interference scenarios per kernel (default: one per 20 cases; 0 turns the property off)')
    .option('--ni-only', 'run only the non-interference property (victim vs attacker, ADR 0024)')
    .option('--ni-kernels <list>', 'kernels to run the non-interference property on (default: the selected kernels that run programs, hardware models excepted)')
    .option('--keep <part>', 'parallel engine (--kernels optimized+workers:N): run only this part of each case, as a minimized failure prints it (PROCESS:OP.OP…/…)')
    .option('--repeat <n>', 'parallel engine: run each case n times, under as many interleavings (a stress campaign; default 1)')
    .option('--stress [n]', `parallel engine: a stress campaign, each case run n times (default ${STRESS_REPEAT}; the same as --repeat n)`)
    .action(async (flags: FuzzFlags) => {
      if (parallelSelection(flags.kernels) !== undefined) {
        if (flags.mutants === true || flags.shard !== undefined || flags.trace === true || flags.kernelModule !== undefined || flags.jobs !== undefined) throw new UsageError('the parallel engine (optimized+workers:N) takes --runs, --time, --seed, --keep, --repeat, --stress, --json and --out only');
        await fuzzParallel(flags);
        return;
      }
      if (flags.keep !== undefined || flags.repeat !== undefined || flags.stress !== undefined) throw new UsageError('--keep, --repeat and --stress belong to the parallel engine: --kernels optimized+workers:N');
      if (flags.mutants) {
        if (flags.jobs !== undefined) throw new UsageError('--jobs applies to the differential campaign; --mutants runs each mutant on one thread (its cases-to-detection figure depends on case order)');
        const rows = await fuzzMutants(flags);
        const missed = rows.filter((r) => !r.caught).map((r) => `${r.base}+mutant:${r.mutant}`);
        if (missed.length > 0) throw new CheckFailed(`mutants not caught: ${missed.join(', ')}`);
        return;
      }
      const r = await fuzzOnce(flags);
      const problems: string[] = [];
      const missing = r.cases > 0 ? r.coverage.unexercised : [];
      if (missing.length > 0 && flags.allowUnexercised !== true) problems.push(`the campaign never exercised ${missing.join(', ')} (run more cases with --runs or --time, or pass --allow-unexercised)`);
      if (r.failures.length > 0) problems.push(`${r.failures.length} divergence(s); replay: npx immutos replay ${r.failures[0]!.file ?? ''}`);
      const ni = r.nonInterference?.failures ?? [];
      if (ni.length > 0) problems.push(`${ni.length} non-interference violation(s); replay: npx immutos replay ${ni[0]!.file ?? ''}`);
      if (problems.length > 0) throw new CheckFailed(problems.join('; '));
    });
}

/** Seconds the `npm start` fuzz stage runs (shorter under `CI`, overridable by `IMMUTOS_FUZZ_SECONDS`). */
export function stageSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env.IMMUTOS_FUZZ_SECONDS);
  if (Number.isFinite(override) && override > 0) return override;
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' ? 20 : 60;
}

/** The `fuzz` stage of the main job: a fixed-seed campaign over every available kernel. */
export const fuzzStage: Stage = {
  name: 'fuzz',
  run: async () => {
    const seconds = stageSeconds();
    const r = await fuzzOnce({ time: String(seconds), seed: '1', programs: true, out: '.fuzz-out' });
    const missing = r.coverage.unexercised;
    const ni = r.nonInterference;
    const niSummary = ni === undefined ? '' : `; non-interference: ${ni.scenarios} scenarios, ${ni.failures.length} violations${ni.failures[0]?.file !== undefined ? ` (npx immutos replay ${ni.failures[0].file})` : ''}`;
    const exercised = missing.length === 0 ? `every one of ${r.ops.length} operations exercised` : `NOT exercised: ${missing.join(', ')}`;
    const summary = `${r.kernels.join(' vs ')}: ${r.cases} cases, ${Math.round(r.opsPerSecond)} ops/s, ${r.failures.length} divergences${r.failures[0]?.file !== undefined ? ` (npx immutos replay ${r.failures[0].file})` : ''}, ${exercised}${niSummary}`;
    return { ok: r.failures.length === 0 && (ni?.failures.length ?? 0) === 0 && missing.length === 0, summary };
  },
};
