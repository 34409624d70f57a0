/**
 * `immutos replay FILE`: re-runs one saved fuzz case on its kernels (or `--kernels`) and prints a
 * step-by-step table of every kernel's outcome, the first difference marked. Exit code 1 when the
 * kernels diverge (the failure is reproduced), 0 when they agree. A non-interference case
 * (`"kind": "non-interference"`) is re-run on its kernel: the runs with and without the attacker
 * (or with other secrets) side by side, exit code 1 when the property is violated.
 * @module
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { fuzzCaseToItf } from '../../harness/itf.js';
import { CheckFailed, UsageError } from '../errors.js';
import { EngineUnavailableError, KernelModuleError, registerKernelModule } from '../../harness/engines/registry.js';
import { BadCaseError, caseFromJson, type FuzzCase } from '../../harness/generators/case.js';
import { replayCase } from '../../harness/campaign/replay.js';
import { formatStepTable } from '../../harness/campaign/report.js';
import { formatNiReplay, isNiCaseJson, niCaseFromJson, replayNiCase, BadNiCaseError, type NiCase } from '../../harness/campaign/nonInterference.js';
import type { DifferentialResult } from '../../harness/oracles/differential.js';

/** Loads a case file; bad files are usage errors. */
export function loadCase(file: string): FuzzCase {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return caseFromJson(text);
  } catch (e) {
    if (e instanceof BadCaseError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Loads `file` as a non-interference case, or returns null when it is another kind of case. */
export function loadNiCase(file: string): NiCase | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null; // loadCase reports it
  }
  if (!isNiCaseJson(raw)) return null;
  try {
    return niCaseFromJson(text);
  } catch (e) {
    if (e instanceof BadNiCaseError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Replays a non-interference case on its kernel (or the first of `kernels`) and prints the step table; exit code 1 when violated. */
async function replayNi(file: string, c: NiCase, kernels: readonly string[] | undefined, json: boolean): Promise<void> {
  const kernel = kernels?.[0] ?? c.kernel;
  let check;
  try {
    check = await replayNiCase(c, kernel);
  } catch (e) {
    if (e instanceof EngineUnavailableError || e instanceof KernelModuleError) throw new UsageError(e.message);
    throw e;
  }
  if (json) process.stdout.write(`${JSON.stringify({ file, kernel, verdict: check.verdict, attack: check.attack, solo: check.solo, other: check.other ?? null })}\n`);
  else {
    process.stdout.write(`non-interference case ${file}: scenario seed ${c.seed}, ${c.scenario.steps.length} steps, kernel ${kernel}${c.campaign !== undefined ? ` (campaign seed ${c.campaign.seed}, scenario ${c.campaign.index})` : ''}\n`);
    if (c.note !== undefined) process.stdout.write(`note: ${c.note}\n`);
    process.stdout.write(`\n${formatNiReplay(c, kernel, check)}\n`);
  }
  if (!check.verdict.ok) throw new CheckFailed(`non-interference violated (${check.verdict.violation.property}) at ${check.verdict.violation.label}`);
}

/** Replays `c` on `kernels` (default: the case's), with kernel errors as usage errors. */
async function replayOrExplain(c: FuzzCase, kernels: readonly string[]): Promise<DifferentialResult> {
  try {
    return await replayCase(c, kernels);
  } catch (e) {
    if (e instanceof EngineUnavailableError || e instanceof KernelModuleError) throw new UsageError(e.message);
    throw e;
  }
}

/** Registers `immutos replay`. */
export function register(program: Command): void {
  program
    .command('replay')
    .description('re-run one saved fuzz case and print every kernel\'s outcome step by step')
    .argument('<file>', 'a case written by `immutos fuzz` (or one in tests/regressions/); non-interference cases too')
    .option('--kernels <list>', 'comma-separated kernels instead of the case\'s own')
    .option('--kernel-module <path...>', 'register a kernel of your own (a module exporting createKernel) so that --kernels can name it')
    .option('--json', 'print the verdict and the steps as JSON')
    .option('--itf <file>', 'also write the replayed steps as an ITF trace (the trace format of Apalache and Quint)')
    .action(async (file: string, flags: { kernels?: string; kernelModule?: string[]; json?: boolean; itf?: string }) => {
      for (const path of flags.kernelModule ?? []) {
        try {
          await registerKernelModule(path);
        } catch (e) {
          if (e instanceof KernelModuleError) throw new UsageError(e.message);
          throw e;
        }
      }
      const listed = flags.kernels !== undefined ? flags.kernels.split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
      const ni = loadNiCase(file);
      if (ni !== null) return replayNi(file, ni, listed, flags.json === true);
      const c = loadCase(file);
      const kernels = listed ?? c.kernels;
      const r = await replayOrExplain(c, kernels);
      if (flags.itf !== undefined) {
        try {
          writeFileSync(flags.itf, `${JSON.stringify(fuzzCaseToItf(c, r.records, r.verdict, `immutos replay ${file}`))}\n`);
        } catch (e) {
          throw new UsageError(`cannot write ${flags.itf}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ file, kernels, verdict: r.verdict, steps: r.records.map((s) => ({ step: s.step, op: s.op, differs: s.differs, outcomes: s.sides.map((x) => ({ kernel: x.kernel, outcome: x.outcome ?? null, threw: x.threw ?? null, invariant: x.invariant ?? null })) })) })}\n`);
      } else {
        process.stdout.write(`case ${file}: seed ${c.seed}, ${c.ops.length} operations, kernels ${kernels.join(', ')}${c.quotas !== undefined ? `, quotas ${JSON.stringify(c.quotas)}` : ''}\n`);
        if (c.note !== undefined) process.stdout.write(`note: ${c.note}\n`);
        for (const f of c.fixups ?? []) process.stdout.write(`fixup: ${f}\n`);
        process.stdout.write(`\n${formatStepTable(kernels, r.records, r.verdict)}\n`);
      }
      if (r.verdict.kind === 'diverged') throw new CheckFailed(`diverged at step ${r.verdict.step} (${r.verdict.reason})`);
    });
}
