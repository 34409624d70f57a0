/**
 * `immutos bench [SUITE...]`: runs benchmark suites from the registry in `bench/index.ts`
 * (all of them when none is named), prints each suite's table and writes its JSON results.
 * @module
 */
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../errors.js';

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
      for (const name of chosen) {
        out(`== bench ${name} ==`);
        try {
          await suites[name]!.run({ out, resultsDir: opts.resultsDir, quick: opts.quick === true });
        } catch (e) {
          if (e instanceof BenchFailed) throw new CheckFailed(e.message); // exit 1
          throw e;
        }
      }
    });
}
