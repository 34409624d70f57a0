/**
 * `immutos store`: tools for the durable store. `immutos store crash` runs the crash harness
 * (harness/store/crash.ts): a child process doing durable swaps is killed with SIGKILL again and
 * again, and after each kill the reopened database must hold every acknowledged transition,
 * nothing half-written, and unchanged as-of answers. Guide: docs/store.md.
 * @module
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

interface CrashCliOptions {
  kills: string;
  seed: string;
  writers: string;
  dir?: string;
  maxDelay: string;
  mode: string;
  json?: boolean;
}

const positiveInt = (name: string, text: string, min = 1): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} takes an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
};

/** Registers `immutos store` and its subcommands. */
export function register(program: Command): void {
  const store = program
    .command('store')
    .description('durable-store tools: `store crash` kills a writing process again and again and checks that no acknowledged write is lost');
  store
    .command('crash')
    .description('crash harness: SIGKILL a child doing durable swaps at random points, reopen, check every acknowledged transition, every record and past as-of answers')
    .option('--kills <n>', 'children to kill', '20')
    .option('--seed <n>', 'seed of every random choice (kill delays, values, samples)', '1')
    .option('--writers <n>', 'concurrent writers in the child (they share group commits)', '4')
    .option('--max-delay <ms>', 'longest wait before a kill, after the child is ready', '60')
    .option('--mode <mode>', 'commit: writers await commit (group commit); flush: rounds of staged swaps and one flush; ack-before-commit: a seeded bug the harness must catch', 'commit')
    .option('--dir <path>', 'database directory (default: a temporary one, removed after a passing run)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: CrashCliOptions) => {
      const kills = positiveInt('--kills', opts.kills);
      const seed = positiveInt('--seed', opts.seed, 0);
      const writers = positiveInt('--writers', opts.writers);
      const maxDelayMs = positiveInt('--max-delay', opts.maxDelay, 0);
      const modes = ['commit', 'flush', 'ack-before-commit'] as const;
      const mode = modes.find((m) => m === opts.mode);
      if (mode === undefined) throw new UsageError(`--mode takes one of ${modes.join(', ')}, got ${JSON.stringify(opts.mode)}`);
      const { runCrashCampaign } = await import('../../harness/store/crash.js');
      const every = Math.max(1, Math.floor(kills / 20));
      const result = await runCrashCampaign({
        kills, seed, writers, maxDelayMs, mode, ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
        onProgress: (p) => {
          if (!opts.json && (p.kills % every === 0 || p.kills === p.of)) process.stderr.write(`[store crash] ${p.kills}/${p.of} kills, ${p.acked} acknowledged transitions checked, basis ${p.basis}\n`);
        },
      });
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        process.stdout.write(`kills: ${result.kills} (children that finished first: ${result.finished})\n`);
        process.stdout.write(`acknowledged transitions checked: ${result.acked}, lost: ${result.lost}\n`);
        process.stdout.write(`as-of answers re-checked: ${result.asOfChecks}; final basis: ${result.basis}; ${result.seconds.toFixed(1)} s\n`);
        for (const f of result.failures) process.stdout.write(`FAIL ${f}\n`);
        process.stdout.write(result.failures.length === 0 ? 'OK\n' : `database kept at ${result.dir}\nreplay: ${result.replay}\n`);
      }
      if (result.failures.length > 0) process.exitCode = 1;
    });
}
