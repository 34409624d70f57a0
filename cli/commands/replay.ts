/**
 * `immutos replay FILE`: re-runs one saved fuzz case on its kernels (or `--kernels`) and prints a
 * step-by-step table of every kernel's outcome, the first difference marked. Exit code 1 when the
 * kernels diverge (the failure is reproduced), 0 when they agree.
 * @module
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CheckFailed, UsageError } from '../errors.js';
import { EngineUnavailableError, build } from '../../tests/engines/registry.js';
import { BadCaseError, caseFromJson, type FuzzCase } from '../../tests/generators/case.js';
import { judge } from '../fuzz/campaign.js';
import { formatStepTable } from '../fuzz/report.js';
import type { DifferentialResult } from '../../tests/oracles/differential.js';

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

/** Replays `c` on `kernels` (default: the case's) with every step recorded. */
export async function replayCase(c: FuzzCase, kernels: readonly string[] = c.kernels, resourceErrors?: 'poison' | 'compare'): Promise<DifferentialResult> {
  let handles;
  try {
    handles = await Promise.all(kernels.map((k) => build(k)));
  } catch (e) {
    if (e instanceof EngineUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  // Cases from mutant campaigns pin quotas and compare resource errors exactly.
  const mode = resourceErrors ?? (c.quotas !== undefined ? 'compare' : 'poison');
  return judge(c, handles, { record: true, resourceErrors: mode });
}

/** Registers `immutos replay`. */
export function register(program: Command): void {
  program
    .command('replay')
    .description('re-run one saved fuzz case and print every kernel\'s outcome step by step')
    .argument('<file>', 'a case written by `immutos fuzz` (or one in tests/regressions/)')
    .option('--kernels <list>', 'comma-separated kernels instead of the case\'s own')
    .option('--json', 'print the verdict and the steps as JSON')
    .action(async (file: string, flags: { kernels?: string; json?: boolean }) => {
      const c = loadCase(file);
      const kernels = flags.kernels !== undefined ? flags.kernels.split(',').map((s) => s.trim()).filter((s) => s !== '') : c.kernels;
      const r = await replayCase(c, kernels);
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
