/**
 * Writing a suite's results: every suite leaves `<suite>.json` (and some an SVG) under the results
 * folder and says where.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './index.js';

/** A report as the suites write it: indented JSON ending in a newline. */
export function reportJson(report: unknown): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** Writes `files` (file name → contents) under `ctx.resultsDir`, prints `wrote …`, and answers the paths. */
export function writeResults(ctx: BenchContext, files: Readonly<Record<string, string>>): string[] {
  mkdirSync(ctx.resultsDir, { recursive: true });
  const paths = Object.entries(files).map(([name, text]) => {
    const path = join(ctx.resultsDir, name);
    writeFileSync(path, text);
    return path;
  });
  ctx.out(`\nwrote ${paths.join(' and ')}`);
  return paths;
}
