/**
 * `immutos check [MODEL...]`: model-checks every manifest model with the embedded tla-checker
 * (or TLC with `--tlc`) and the TS mirror explorer, and compares each result with the manifest.
 * Exit 0 when everything matches, 1 on any difference, 2 on bad usage. See docs/check.md.
 * @module
 */
import { Option, type Command } from 'commander';
import { runCheck, type EngineChoice } from '../check/check.js';
import { renderReport, reportJson } from '../check/report.js';
import { tlcJarFrom } from '../check/tlc.js';
import { CheckFailed, UsageError } from '../errors.js';
import type { Stage } from '../stages.js';

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
    .option('--tlc <jar>', 'use the official TLC (tla2tools.jar + java) as the TLA+ engine (or set IMMUTOS_TLC_JAR)')
    .addOption(new Option('--engine <engine>', 'which engines run').choices(['tla', 'ts', 'both']).default('both'))
    .option('--manifest <path>', 'manifest file (default: spec/tla/manifest.json)')
    .option('--parallel <n>', 'worker threads (default: available cores)', positiveInt('--parallel'))
    .option('--max-states <n>', 'state limit for every engine; reaching it fails the check', positiveInt('--max-states'))
    .action(async (models: string[], o: { json?: boolean; big?: boolean; tlc?: string; engine: EngineChoice; manifest?: string; parallel?: number; maxStates?: number }) => {
      const report = await runCheck({
        models,
        big: o.big ?? false,
        engine: o.engine,
        tlcJar: tlcJarFrom(o.tlc),
        ...(o.manifest !== undefined ? { manifest: o.manifest } : {}),
        ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
        ...(o.maxStates !== undefined ? { maxStates: o.maxStates } : {}),
        progress: 'auto',
      });
      process.stdout.write(o.json ? reportJson(report) : renderReport(report));
      if (!report.ok) throw new CheckFailed(`${report.runs.filter((j) => j.mismatches.length > 0).length} model run(s) differ from the manifest`);
    });
}

/** The `npm start` stage: the default check (every non-big model, both engines), summarised in one line. */
export const checkStage: Stage = {
  name: 'check',
  run: async () => {
    const report = await runCheck({ progress: 'auto' });
    process.stdout.write(renderReport(report));
    const bad = report.runs.filter((j) => j.mismatches.length > 0).length;
    const speed = report.speed ? `; TS explorer ${Math.round(report.speed.tsStatesPerSecond).toLocaleString('en-US')} states/s vs ${report.speed.tlaEngine} ${Math.round(report.speed.tlaStatesPerSecond).toLocaleString('en-US')} on ${report.speed.model}` : '';
    return { ok: report.ok, summary: `${report.models.length} models, ${report.runs.length} runs, ${bad} differ from the manifest${speed}` };
  },
};
