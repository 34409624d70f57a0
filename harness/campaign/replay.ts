/**
 * Replay: re-running one saved case (a differential case or a non-interference case) on its
 * kernels, or on others, with every step recorded. What `immutos replay` and the regression
 * tests run; kernel modules a case names are registered first, so a case found on a user's
 * kernel replays from its file alone.
 * @module
 */
import { readFileSync } from 'node:fs';
import { build, registerKernelModule } from '../engines/registry.js';
import { BadCaseError, caseFromJson, type FuzzCase } from '../generators/case.js';
import type { DifferentialResult } from '../oracles/differential.js';
import { judge } from './campaign.js';
import { isNiCaseJson, niCaseFromJson, type NiCase } from './nonInterference.js';

/** A case file: a differential case or a non-interference case. */
export type CaseFile = { readonly kind: 'differential'; readonly case: FuzzCase } | { readonly kind: 'non-interference'; readonly case: NiCase };

/**
 * Reads a case file. Throws {@link BadCaseError} (or `BadNiCaseError`) when it is not a case, and
 * the file system's error when it cannot be read.
 */
export function readCaseFile(file: string): CaseFile {
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BadCaseError(`not JSON: ${(e as Error).message}`);
  }
  if (isNiCaseJson(raw)) return { kind: 'non-interference', case: niCaseFromJson(text) };
  return { kind: 'differential', case: caseFromJson(text) };
}

/** Registers the kernel modules a case names (`kernelModules`). */
export async function registerCaseModules(c: { readonly kernelModules?: Readonly<Record<string, string>> }): Promise<void> {
  for (const path of Object.values(c.kernelModules ?? {})) await registerKernelModule(path);
}

/**
 * Replays `c` on `kernels` (default: the case's own) with every step recorded. Cases from
 * mutant campaigns pin quotas and compare resource errors exactly; others poison on a resource
 * error, as campaigns do (override with `resourceErrors`).
 * @throws EngineUnavailableError for a kernel that cannot be built here; KernelModuleError for a
 * module the case names that does not load.
 */
export async function replayCase(c: FuzzCase, kernels: readonly string[] = c.kernels, resourceErrors?: 'poison' | 'compare'): Promise<DifferentialResult> {
  await registerCaseModules(c);
  const handles = await Promise.all(kernels.map((k) => build(k)));
  const mode = resourceErrors ?? (c.quotas !== undefined ? 'compare' : 'poison');
  return judge(c, handles, { record: true, resourceErrors: mode });
}
