/**
 * `immutos fuzz`: a differential fuzz campaign over the selected kernels, or, with `--mutants`,
 * the seeded-bug catalogue (each mutant against the clean kernel). Glue over
 * `tests/fuzz/campaign.ts`; see docs/fuzzing.md.
 * @module
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { CheckFailed, UsageError } from '../errors.js';
import { EngineUnavailableError, KERNELS_ENV, selectKernels, unavailableKernels } from '../../tests/engines/registry.js';
import { parseShard, runCampaign, runMutantCampaign, select, type CampaignProgress, type CampaignResult, type MutantRow, type Shard } from '../fuzz/campaign.js';
import { formatMutantTable } from '../fuzz/report.js';
import type { Stage } from '../stages.js';

/** Parsed options of `immutos fuzz`. */
export interface FuzzFlags {
  /** Comma-separated kernel names. */
  readonly kernels?: string;
  /** Number of cases. */
  readonly runs?: string;
  /** Seconds to run. */
  readonly time?: string;
  /** Campaign seed. */
  readonly seed?: string;
  /** `i/n`. */
  readonly shard?: string;
  /** Generate programs. */
  readonly programs?: boolean;
  /** Trace-validate the reference kernel on every case too. */
  readonly trace?: boolean;
  /** Run the seeded-bug catalogue. */
  readonly mutants?: boolean;
  /** Print one JSON object. */
  readonly json?: boolean;
  /** Output directory for failing cases. */
  readonly out: string;
}

function posInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got '${text}'`);
  return n;
}

function posNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got '${text}'`);
  return n;
}

/** Reports progress: a bar on a TTY, a plain line every few seconds otherwise. */
function progressReporter(total: number | undefined, quiet: boolean): { update: (p: CampaignProgress) => void; stop: () => void } {
  if (quiet) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: ' {bar} {value}/{total} cases | {opsps} ops/s | {divergences} divergences | {poisoned} poisoned', stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { opsps: 0, divergences: 0, poisoned: 0 });
    return {
      update: (p) => {
        if (total === undefined) bar.setTotal(p.cases);
        bar.update(p.cases, { opsps: Math.round(p.ops / Math.max(p.seconds, 1e-3)), divergences: p.divergences, poisoned: p.poisoned });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p) => {
      if (p.seconds - last < 5) return;
      last = p.seconds;
      process.stderr.write(`  ${p.cases} cases, ${Math.round(p.ops / Math.max(p.seconds, 1e-3))} ops/s, ${p.divergences} divergences, ${p.poisoned} poisoned (${p.seconds.toFixed(0)} s)\n`);
    },
    stop: () => {},
  };
}

/** Runs a normal campaign as the CLI does and prints the report; returns the result. */
export async function fuzzOnce(flags: FuzzFlags, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<CampaignResult> {
  const runs = posInt(flags.runs, '--runs');
  const time = posNumber(flags.time, '--time');
  const seed = posInt(flags.seed, '--seed') ?? Math.floor(Math.random() * 0x7fffffff);
  let shard: Shard | undefined;
  try {
    shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const kernels = await selectKernels(flags.kernels);
  let sel;
  try {
    sel = await select(kernels, flags.programs ?? false);
  } catch (e) {
    if (e instanceof EngineUnavailableError || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const quiet = flags.json === true;
  if (!quiet) {
    print(`kernels: ${kernels.join(', ')}${flags.kernels === undefined && process.env[KERNELS_ENV] === undefined ? ' (every available kernel)' : ''}\n`);
    for (const u of await unavailableKernels()) print(`  not available: ${u.name} — ${u.reason}\n`);
    print(`operations generated: ${sel.ops.join(' ')}\n`);
    for (const e of sel.excluded) print(`  excluded: ${e.op} — ${e.reason}\n`);
    print(`seed ${seed}${shard !== undefined ? `, shard ${shard.index + 1}/${shard.count}` : ''}, ${runs !== undefined ? `${runs} cases` : ''}${runs !== undefined && time !== undefined ? ', ' : ''}${time !== undefined ? `${time} s` : ''}${runs === undefined && time === undefined ? '1000 cases' : ''}\n`);
  }
  const total = runs !== undefined ? Math.ceil((runs - (shard?.index ?? 0)) / (shard?.count ?? 1)) : time === undefined ? 1000 : undefined;
  const bar = progressReporter(total, quiet);
  const result = await runCampaign({
    kernels,
    ...(runs !== undefined ? { runs } : {}),
    ...(time !== undefined ? { timeSeconds: time } : {}),
    seed,
    ...(shard !== undefined ? { shard } : {}),
    programs: flags.programs ?? false,
    ...(flags.trace === true ? { trace: true } : {}),
    outDir: flags.out,
    onProgress: bar.update,
  });
  bar.stop();
  if (quiet) {
    print(
      `${JSON.stringify({
        kernels,
        seed,
        shard: shard !== undefined ? `${shard.index + 1}/${shard.count}` : null,
        ops: result.ops,
        excluded: result.excluded,
        cases: result.cases,
        operations: result.applied,
        seconds: result.seconds,
        operationsPerSecond: Math.round(result.opsPerSecond),
        poisoned: result.poisoned,
        failures: result.failures.map((f) => ({ file: f.file ?? null, caseIndex: f.index, caseSeed: f.shrunk.seed, step: f.verdict.step, reason: f.verdict.reason, detail: f.verdict.detail, shrunkOps: f.shrunk.ops.length, originalOps: f.original.ops.length })),
      })}\n`,
    );
  } else {
    print(`${result.cases} cases, ${result.applied} operations in ${result.seconds.toFixed(2)} s: ${Math.round(result.opsPerSecond)} operations/s; ${result.failures.length} divergences, ${result.poisoned} poisoned\n`);
    for (const f of result.failures) {
      print(`\nDIVERGED (case ${f.index}, case seed ${f.shrunk.seed}) at step ${f.verdict.step} (${f.verdict.reason}): ${f.verdict.detail}\n`);
      print(`shrunk from ${f.original.ops.length} to ${f.shrunk.ops.length} operations${f.file !== undefined ? ` → ${f.file}` : ''}\n`);
      if (f.file !== undefined) print(`replay with: npx immutos replay ${f.file}\n`);
      print(`reproduce the campaign with: npx immutos fuzz --kernels ${kernels.join(',')} --seed ${seed}${runs !== undefined ? ` --runs ${runs}` : ''}${flags.programs ? ' --programs' : ''}${shard !== undefined ? ` --shard ${shard.index + 1}/${shard.count}` : ''}\n`);
    }
  }
  return result;
}

/** Runs the seeded-bug catalogue and prints the table; returns the rows. */
export async function fuzzMutants(flags: FuzzFlags, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<MutantRow[]> {
  const seed = posInt(flags.seed, '--seed') ?? 1;
  const maxCases = posInt(flags.runs, '--runs') ?? 3000;
  const maxSeconds = posNumber(flags.time, '--time') ?? 30;
  const base = flags.kernels ?? 'reference';
  if (base.includes(',')) throw new UsageError('--mutants takes one base kernel in --kernels (e.g. --kernels reference)');
  if (flags.json !== true) print(`mutant campaign: ${base}+mutant:<m> vs ${base}, programs on, seed ${seed}, at most ${maxCases} cases / ${maxSeconds} s per mutant\n\n`);
  let rows: MutantRow[];
  try {
    rows = await runMutantCampaign({
      base,
      seed,
      maxCases,
      maxSeconds,
      outDir: flags.out,
      onMutant: (r) => {
        if (flags.json !== true && !process.stdout.isTTY) print(`  ${r.mutant}: ${r.caught ? `caught after ${r.cases} cases, ${r.seconds.toFixed(2)} s` : 'NOT caught'}\n`);
      },
    });
  } catch (e) {
    if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.json === true) {
    print(`${JSON.stringify({ base, seed, rows: rows.map((r) => ({ mutant: r.mutant, caught: r.caught, cases: r.cases, seconds: r.seconds, file: r.failure?.file ?? null })) })}\n`);
  } else {
    print(`\n${formatMutantTable(rows)}\n`);
    for (const r of rows) if (r.failure?.file !== undefined) print(`  ${r.mutant}: npx immutos replay ${r.failure.file}\n`);
  }
  return rows;
}

/** Registers `immutos fuzz`. */
export function register(program: Command): void {
  program
    .command('fuzz')
    .description('differential fuzzing of the kernels against each other and the spec (see docs/fuzzing.md)')
    .option('--kernels <list>', `comma-separated kernels (default: $${KERNELS_ENV}, else every available kernel)`)
    .option('--runs <n>', 'number of cases (with --mutants: most cases per mutant)')
    .option('--time <seconds>', 'run for this long instead (with --mutants: most seconds per mutant)')
    .option('--seed <s>', 'campaign seed (printed; default random, 1 with --mutants)')
    .option('--shard <i/n>', 'run the i-th of n deterministic slices of the case space (CI matrices)')
    .option('--programs', 'also generate system-language programs (load/step/run)')
    .option('--trace', 'also validate every step of the reference kernel against the TS spec step function')
    .option('--mutants', 'run the seeded-bug catalogue: each mutant against the clean kernel')
    .option('--json', 'print one JSON object instead of text')
    .option('--out <dir>', 'where shrunk failing cases are written', '.fuzz-out')
    .action(async (flags: FuzzFlags) => {
      if (flags.mutants) {
        const rows = await fuzzMutants(flags);
        const missed = rows.filter((r) => !r.caught).map((r) => r.mutant);
        if (missed.length > 0) throw new CheckFailed(`mutants not caught: ${missed.join(', ')}`);
        return;
      }
      const r = await fuzzOnce(flags);
      if (r.failures.length > 0) throw new CheckFailed(`${r.failures.length} divergence(s); replay: npx immutos replay ${r.failures[0]!.file ?? ''}`);
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
    const summary = `${r.kernels.join(' vs ')}: ${r.cases} cases, ${Math.round(r.opsPerSecond)} ops/s, ${r.failures.length} divergences${r.failures[0]?.file !== undefined ? ` (npx immutos replay ${r.failures[0].file})` : ''}`;
    return { ok: r.failures.length === 0, summary };
  },
};
