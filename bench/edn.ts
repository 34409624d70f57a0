/**
 * The `edn` benchmark suite: the ImmutOS EDN reader (`readEdn`, spec/codec/Edn.ts, the reader
 * every kernel and command uses) against edn-data's `parseEDNString` on the shapes of
 * {@link generateEdnShapes}. Per shape: the speed-up (edn-data's time / ours), median over rounds
 * with its spread, after a warm-up; within a round the (shape, reader) runs go in a random order.
 * @module
 */
import { cpus } from 'node:os';
import { parseEDNString } from 'edn-data';
import { mulberry32, shuffle } from '../spec/Random.js';
import { equals } from '../spec/Values.js';
import { readEdn } from '../spec/codec/Edn.js';
import { generateEdnShapes } from './ednShapes.js';
import type { BenchContext } from './index.js';
import { median } from './rows.js';
import { reportJson, writeResults } from './results.js';

/**
 * The edn-data options used: the closest plain-JS equivalent of ImmutOS values that keeps every
 * kind apart: maps as `Map` (any key), sets as `Set`, lists as arrays, keywords, symbols and
 * characters as edn-data's tagged objects (`{key}`, `{sym}`, `{char}`), tags by its defaults
 * (`#inst` → `Date`, others `{tag, val}`). Its integers are JS numbers (ours are int64 bigints).
 */
export const EDN_DATA_OPTIONS = { mapAs: 'map', setAs: 'set', listAs: 'array', keywordAs: 'object', symbolAs: 'object', charAs: 'object' } as const;

/** Parameters of one run. */
export interface EdnBenchOptions {
  /** Generator seed (default 1). */
  readonly seed?: number;
  /** Size scale of every shape (1: full size, the map/set-heavy text about 4 MB). */
  readonly scale?: number;
  /** Timed rounds (default 9). */
  readonly rounds?: number;
  /** Untimed warm-up rounds (default 2). */
  readonly warmup?: number;
}

/** The figures of one shape. */
export interface EdnShapeResult {
  /** Shape name. */
  readonly shape: string;
  /** What the text holds. */
  readonly description: string;
  /** Text length in KB (UTF-16 code units / 1024). */
  readonly kb: number;
  /** Median time of our reader, ms. */
  readonly oursMs: number;
  /** Median time of edn-data, ms. */
  readonly ednDataMs: number;
  /** Median over rounds of (edn-data time / our time) in that round: above 1, ours is faster. */
  readonly speedup: number;
  /** Smallest and largest per-round speed-up. */
  readonly spread: readonly [number, number];
}

/** The result of {@link runEdnBench}. */
export interface EdnReport {
  /** When the run finished (ISO 8601). */
  readonly date: string;
  /** Node version, CPU model, cores, and the CPU this process obtained (CPU time / wall time). */
  readonly machine: { readonly node: string; readonly cpu: string; readonly cores: number; readonly cpuObtained: number };
  /** The options used. */
  readonly options: Required<EdnBenchOptions>;
  /** The edn-data options. */
  readonly ednDataOptions: typeof EDN_DATA_OPTIONS;
  /** One row per shape. */
  readonly results: readonly EdnShapeResult[];
  /** Geometric mean of the speed-ups. */
  readonly geomean: number;
  /** The smallest speed-up of any shape. */
  readonly worst: number;
}

/** Generates the shapes, checks both readers accept each (ours yielding the generated value), and times them. */
export function runEdnBench(options: EdnBenchOptions = {}): EdnReport {
  const opts: Required<EdnBenchOptions> = { seed: options.seed ?? 1, scale: options.scale ?? 1, rounds: options.rounds ?? 9, warmup: options.warmup ?? 2 };
  const shapes = generateEdnShapes(opts.seed, opts.scale);
  for (const s of shapes) {
    if (!equals(readEdn(s.text), s.value)) throw new Error(`edn bench: our reader misread shape ${s.name}`);
    parseEDNString(s.text, EDN_DATA_OPTIONS);
  }
  const readers = [(t: string): unknown => readEdn(t), (t: string): unknown => parseEDNString(t, EDN_DATA_OPTIONS)];
  const times = shapes.map(() => [[] as number[], [] as number[]]);
  const order = mulberry32(opts.seed ^ 0x5eed);
  let sink: unknown = null;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    const jobs: [number, number][] = [];
    shapes.forEach((_, i) => jobs.push([i, 0], [i, 1]));
    shuffle(jobs, order);
    for (const [i, r] of jobs) {
      const t0 = performance.now();
      sink = readers[r]!(shapes[i]!.text);
      const dt = performance.now() - t0;
      if (round >= opts.warmup) times[i]![r]!.push(dt);
    }
  }
  void sink;
  const cpu = process.cpuUsage(cpu0);
  const cpuObtained = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  const results = shapes.map((s, i): EdnShapeResult => {
    const [ours, theirs] = times[i]! as [number[], number[]];
    const ratios = ours.map((t, k) => theirs[k]! / t);
    return {
      shape: s.name,
      description: s.description,
      kb: s.text.length / 1024,
      oursMs: median(ours),
      ednDataMs: median(theirs),
      speedup: median(ratios),
      spread: [Math.min(...ratios), Math.max(...ratios)],
    };
  });
  return {
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, cpuObtained },
    options: opts,
    ednDataOptions: EDN_DATA_OPTIONS,
    results,
    geomean: Math.exp(results.reduce((a, r) => a + Math.log(r.speedup), 0) / results.length),
    worst: Math.min(...results.map((r) => r.speedup)),
  };
}

/** Formats a report as the table the bench command prints. */
export function formatEdnReport(r: EdnReport): string[] {
  const lines = [
    `edn: readEdn (spec/codec/Edn.ts) vs edn-data parseEDNString ${JSON.stringify(r.ednDataOptions)}`,
    `seed ${r.options.seed}, scale ${r.options.scale}, median of ${r.options.rounds} rounds after ${r.options.warmup} warm-up, runs in random order; ${r.machine.node}, ${r.machine.cpu}, CPU obtained ${r.machine.cpuObtained.toFixed(2)} of ${r.machine.cores} cores`,
    '',
    `${'shape'.padEnd(18)}${'KB'.padStart(8)}${'ours ms'.padStart(10)}${'edn-data ms'.padStart(13)}${'speed-up'.padStart(10)}${'(min–max)'.padStart(14)}`,
  ];
  for (const x of r.results) {
    lines.push(`${x.shape.padEnd(18)}${x.kb.toFixed(0).padStart(8)}${x.oursMs.toFixed(2).padStart(10)}${x.ednDataMs.toFixed(2).padStart(13)}${(x.speedup.toFixed(2) + '×').padStart(10)}${`${x.spread[0].toFixed(2)}–${x.spread[1].toFixed(2)}`.padStart(14)}`);
  }
  lines.push('', `speed-up = edn-data time / ours (above 1: ours faster); geomean ${r.geomean.toFixed(2)}×, worst ${r.worst.toFixed(2)}× (target ≥ 3× on every shape)`, '');
  for (const x of r.results) lines.push(`  ${x.shape}: ${x.description}`);
  lines.push('  (maps and sets are written in a random order, as a hash map prints, not in canonical order)');
  return lines;
}

/** The suite's entry point for `immutos bench edn`: measures, prints, writes `edn.json`. */
export async function runEdnSuite(ctx: BenchContext): Promise<EdnReport> {
  const report = runEdnBench(ctx.quick ? { scale: 0.1, rounds: 3, warmup: 1 } : {});
  for (const line of formatEdnReport(report)) ctx.out(line);
  // ours / edn-data: a 3× speed-up is a ratio of at most 1/3
  for (const r of report.results) ctx.record({ name: `EDN parse, ${r.shape} (${r.kb.toFixed(0)} KB)`, value: r.oursMs, unit: 'ms', better: 'lower', spread: r.speedup > 0 ? (r.spread[1] - r.spread[0]) / r.speedup : 0, peer: { name: 'edn-data', value: r.ednDataMs }, target: { of: 'ratio', atMost: 1 / 3 } });
  writeResults(ctx, { 'edn.json': reportJson(report) });
  return report;
}
