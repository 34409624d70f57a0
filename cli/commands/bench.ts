/**
 * `immutos bench [SUITE...]`: runs benchmark suites from the registry in `bench/index.ts`
 * (all of them when none is named), prints each suite's table and writes its JSON results.
 * @module
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckFailed, UsageError } from '../errors.js';

/** Adds the suite's headline rows to `<suite>.json` under `dir` (creating it when the suite wrote none). */
function addRows(dir: string, suite: string, rows: readonly unknown[]): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${suite}.json`);
  let report: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) report = parsed as Record<string, unknown>;
  } catch {
    // no JSON from the suite yet: the rows are the report
  }
  writeFileSync(path, JSON.stringify({ ...report, rows }, null, 2) + '\n');
}

/** Registers `immutos bench`. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('run benchmark suites (all when none is named); `--list` shows them')
    .argument('[suite...]', 'suites to run (see --list)')
    .option('--list', 'list the suites and exit')
    .option('--quick', 'smaller inputs and fewer repetitions (a smoke run)')
    .option('--results-dir <dir>', 'where to write <suite>.json', 'bench/results')
    .action(async (names: string[], opts: { list?: boolean; quick?: boolean; resultsDir: string }) => {
      // Loaded on use: the suites pull in dev-only comparison libraries (cbor-x).
      const { suites } = await import('../../bench/index.js');
      const { BenchFailed } = await import('../../bench/errors.js');
      const out = (line: string): void => void process.stdout.write(line + '\n');
      if (opts.list) {
        for (const [name, s] of Object.entries(suites)) out(`${name.padEnd(12)} ${s.description}`);
        return;
      }
      const chosen = names.length > 0 ? names : Object.keys(suites);
      const unknown = chosen.filter((n) => !(n in suites));
      if (unknown.length > 0) throw new UsageError(`unknown bench suite ${unknown.join(', ')} (known: ${Object.keys(suites).join(', ')})`);
      const { judgeRow, formatRows, rowsSvg } = await import('../../bench/rows.js');
      const all: import('../../bench/rows.js').JudgedRow[] = [];
      for (const name of chosen) {
        out(`== bench ${name} ==`);
        const rows: import('../../bench/rows.js').JudgedRow[] = [];
        try {
          await suites[name]!.run({ out, resultsDir: opts.resultsDir, quick: opts.quick === true, record: (row) => void rows.push(judgeRow(name, row)) });
        } catch (e) {
          if (e instanceof BenchFailed) throw new CheckFailed(e.message); // exit 1
          throw e;
        } finally {
          if (rows.length > 0) {
            addRows(opts.resultsDir, name, rows);
            writeFileSync(join(opts.resultsDir, `${name}-ratios.svg`), rowsSvg(name, rows));
          }
        }
        all.push(...rows);
      }
      if (all.length > 0) {
        out('');
        out(`== headline figures, each with its peer measured in the same run${opts.quick === true ? ' (--quick: smaller inputs, not for targets)' : ''} ==`);
        for (const line of formatRows(all)) out(line);
        const missed = all.filter((r) => r.met === false).length;
        const judged = all.filter((r) => r.met !== undefined).length;
        out(`targets met in this run: ${judged - missed} of ${judged}`);
      }
    });
}
