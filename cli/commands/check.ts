/**
 * `immutos check [MODEL...]`: model-checks every manifest model with the embedded tla-checker
 * (or TLC with `--tlc`) and the TS mirror explorer, and compares each result with the manifest.
 * Exit 0 when everything matches, 1 on any difference, 2 on bad usage. See docs/check.md.
 * @module
 */
import { Option, type Command } from 'commander';
import { planCheck, runCheck, type CheckOptions, type EngineChoice } from '../check/check.js';
import { fmtDuration } from '../check/estimate.js';
import { renderReport, reportJson, type CheckReport } from '../check/report.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { counterexampleToItf } from '../../harness/itf.js';
import { tlcJarFrom } from '../check/tlc.js';
import { CheckFailed, UsageError } from '../errors.js';
import type { Stage, StageOptions } from '../stages.js';

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  return n;
};

/** Registers `immutos check`. */
export function register(program: Command): void {
  program
    .command('check')
    .description('model-check the TLA+ modules and their TS mirrors against spec/tla/manifest.json')
    .argument('[models...]', 'model names from the manifest (default: all but big ones)')
    .option('--json', 'print a machine-readable JSON report on stdout')
    .option('--big', 'include the big models in the default set')
    .option('--full', 'run tla-checker in full on every model (by default, models marked slowTla are checked on it by sampling: see docs/check.md)')
    .option('--samples <n>', 'states a sampled tla-checker run compares (default 200)', positiveInt('--samples'))
    .option('--sample-seed <n>', 'seed of the sampled runs\' random walks (default 1)', positiveInt('--sample-seed'))
    .option('--tlc <jar>', 'use the official TLC (tla2tools.jar + java) as the TLA+ engine (or set IMMUTOS_TLC_JAR)')
    .addOption(new Option('--engine <engine>', 'which engines run').choices(['tla', 'ts', 'both']).default('both'))
    .option('--manifest <path>', 'manifest file (default: spec/tla/manifest.json)')
    .option('--parallel <n>', 'worker threads (default: available cores)', positiveInt('--parallel'))
    .option('--max-states <n>', 'state limit for every engine; reaching it fails the check', positiveInt('--max-states'))
    .option('--itf <dir>', 'write every counterexample as an ITF trace (the trace format of Apalache and Quint) into this directory')
    .action(async (models: string[], o: { json?: boolean; big?: boolean; full?: boolean; samples?: number; sampleSeed?: number; tlc?: string; engine: EngineChoice; manifest?: string; parallel?: number; maxStates?: number; itf?: string }) => {
      const report = await runCheck({
        models,
        big: o.big ?? false,
        full: o.full ?? false,
        ...(o.samples !== undefined ? { samples: o.samples } : {}),
        ...(o.sampleSeed !== undefined ? { sampleSeed: o.sampleSeed } : {}),
        engine: o.engine,
        tlcJar: tlcJarFrom(o.tlc),
        ...(o.manifest !== undefined ? { manifest: o.manifest } : {}),
        ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
        ...(o.maxStates !== undefined ? { maxStates: o.maxStates } : {}),
        progress: 'auto',
      });
      process.stdout.write(o.json ? reportJson(report) : renderReport(report));
      if (o.itf !== undefined) {
        const files = writeItf(report, o.itf);
        if (!o.json) process.stdout.write(files.length === 0 ? `no counterexample to write as ITF\n` : files.map((f) => `ITF trace: ${f}\n`).join(''));
      }
      if (!report.ok) throw new CheckFailed(`${report.runs.filter((j) => j.mismatches.length > 0).length} model run(s) differ from the manifest`);
    });
}

/** Writes each counterexample of `report` as `<dir>/<model>.<engine>.itf.json` → the files written. */
function writeItf(report: CheckReport, dir: string): string[] {
  const files: string[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const r of report.runs) {
      if (r.result.trace === null) continue;
      const file = join(dir, `${r.model}.${r.result.engine}.itf.json`);
      const trace = counterexampleToItf(r.result.trace.states, r.result.trace.cycleStart, { model: r.model, engine: r.result.engine, violated: r.result.violated });
      writeFileSync(file, `${JSON.stringify(trace)}\n`);
      files.push(file);
    }
  } catch (e) {
    throw new UsageError(`cannot write ITF traces into ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
  return files;
}

/** The check the main job runs: the default `immutos check` (with `--full`, tla-checker in full on every model). */
function stageCheckOptions(opts: StageOptions): CheckOptions {
  return { progress: 'auto', full: opts.full };
}

/**
 * The `npm start` stage: the default check (every non-big model on the TS explorer, and on
 * tla-checker, by sampling on the `slowTla` ones unless `--full`), summarised in one line.
 */
export const checkStage: Stage = {
  name: 'check',
  plan: (opts) => {
    const p = planCheck(stageCheckOptions(opts));
    const byEngine = new Map<string, string[]>();
    for (const j of p.jobs) {
      const engine = j.sampled !== undefined ? `${j.engine} by sampling (${j.sampled.states} states)` : j.engine;
      byEngine.set(engine, [...(byEngine.get(engine) ?? []), j.model.name]);
    }
    const order = new Map(p.models.map((m, i) => [m.name, i]));
    const lines = [...byEngine].map(([engine, names]) => {
      const sorted = names.sort((a, b) => order.get(a)! - order.get(b)!);
      return `${engine} on ${sorted.length} model(s): ${sorted.join(', ')}`;
    });
    if (p.jobs.some((j) => j.sampled !== undefined)) lines.push('--full runs tla-checker in full on the sampled models too');
    lines.push(`${p.jobs.length} jobs on ${p.lanes} worker thread(s), about ${fmtDuration(p.seconds)}`);
    return { lines, seconds: p.seconds };
  },
  run: async (opts) => {
    const report = await runCheck(stageCheckOptions(opts));
    process.stdout.write(renderReport(report));
    const bad = report.runs.filter((j) => j.mismatches.length > 0).length;
    const speed = report.speed ? `; TS explorer ${Math.round(report.speed.tsStatesPerSecond).toLocaleString('en-US')} states/s vs ${report.speed.tlaEngine} ${Math.round(report.speed.tlaStatesPerSecond).toLocaleString('en-US')} on ${report.speed.model}` : '';
    return { ok: report.ok, summary: `${report.models.length} models, ${report.runs.length} runs, ${bad} differ from the manifest${speed}` };
  },
};
