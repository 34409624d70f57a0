/**
 * The `encoding` benchmark suite: the ImmutOS binary format against plain CBOR (cbor-x) on one
 * generated Lisp AST, in one run: size, median encode time and median decode time of each.
 * @module
 */
import { cpus } from 'node:os';
import { decode, encode } from '../spec/codec/Binary.js';
import { equals } from '../spec/Values.js';
import { PACK_OPTIONS, PLAIN_OPTIONS, cborCodec, fromCbor, toCbor } from './cborProfile.js';
import type { BenchContext } from './index.js';
import { median, spreadOf } from './rows.js';
import { reportJson, writeResults } from './results.js';
import { generateLispAst } from './lispAst.js';

/** Parameters of one encoding benchmark run. */
export interface EncodingBenchOptions {
  /** Nodes in the generated AST (default 200,000). */
  readonly nodes?: number;
  /** Generator seed (default 1). */
  readonly seed?: number;
  /** Timed repetitions per measurement, after the warm-up (default 21). */
  readonly reps?: number;
  /** Untimed warm-up repetitions (default 5). */
  readonly warmup?: number;
}

/** The measurements of one format. */
export interface FormatResult {
  /** Format name. */
  readonly format: string;
  /** Encoded size in bytes. */
  readonly bytes: number;
  /** Median time to encode the value, ms (for cbor-x: the prepared JS data, without mapping). */
  readonly encodeMs: number;
  /** Median time to decode to the codec's own data, ms (for our format: to values). */
  readonly decodeMs: number;
  /** (max − min) / median of the decode times. */
  readonly decodeSpread: number;
  /** Median CPU time (user + system, all threads, GC included) of the same decode, ms: less sensitive to a loaded machine. */
  readonly decodeCpuMs: number;
  /** Median time to decode all the way to ImmutOS values, ms. */
  readonly decodeToValuesMs: number;
}

/** The result of {@link runEncodingBench}. */
export interface EncodingReport {
  /** When the run finished (ISO 8601). */
  readonly date: string;
  /** Node version and CPU model of the machine. */
  readonly machine: { readonly node: string; readonly cpu: string; readonly cores: number };
  /** The options used. */
  readonly options: Required<EncodingBenchOptions>;
  /** Nodes actually generated. */
  readonly nodes: number;
  /** One row per format: ours first, then cbor-x plain, then cbor-x with `pack`. */
  readonly results: readonly FormatResult[];
  /** Ours divided by cbor-x plain (below 1 means ours is smaller/faster). */
  readonly ratios: {
    readonly size: number;
    readonly encode: number;
    /** Our decode to values vs cbor-x's decode to plain JS data (the harder target). */
    readonly decodeVsRaw: number;
    /** Our decode to values vs cbor-x's decode plus mapping to values (like for like). */
    readonly decodeVsValues: number;
    /** CPU time of our decode vs cbor-x's decode to plain JS data. */
    readonly decodeCpuVsRaw: number;
  };
}

function time(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** Generates the AST and measures every format; deterministic inputs, measured times. */
export function runEncodingBench(options: EncodingBenchOptions = {}): EncodingReport {
  const opts: Required<EncodingBenchOptions> = { nodes: options.nodes ?? 200_000, seed: options.seed ?? 1, reps: options.reps ?? 21, warmup: options.warmup ?? 5 };
  const { ast, nodes } = generateLispAst(opts.nodes, opts.seed);

  const ours = encode(ast);
  const back = decode(ours);
  if (!equals(back, ast) || !sameBytes(encode(back), ours)) throw new Error('encoding bench: our format did not round-trip the AST');

  const cborData = toCbor(ast);
  const codecs = [
    { format: 'cbor-x plain', ...cborCodec(PLAIN_OPTIONS) },
    { format: 'cbor-x pack', ...cborCodec(PACK_OPTIONS) },
  ].map((c) => {
    const bytes = c.encoder.encode(cborData) as Uint8Array;
    const copy = Uint8Array.from(bytes); // cbor-x may reuse its buffer
    if (!equals(fromCbor(c.decoder.decode(copy)), ast)) throw new Error(`encoding bench: ${c.format} did not round-trip the AST`);
    return { ...c, bytes: copy };
  });

  // Each format is timed in its own phase (warm-up, then reps), so the garbage a format leaves
  // is collected on its own time; two rounds of phases spread machine noise over all formats.
  type Job = { format: string; bytes: number; enc: () => unknown; dec: () => unknown; decVal: (() => unknown) | null };
  const jobs: Job[] = [
    { format: 'immutos binary v1', bytes: ours.length, enc: () => encode(ast), dec: () => decode(ours), decVal: null },
    ...codecs.map((c) => ({ format: c.format, bytes: c.bytes.length, enc: () => c.encoder.encode(cborData), dec: () => c.decoder.decode(c.bytes), decVal: () => fromCbor(c.decoder.decode(c.bytes)) })),
  ];
  const samples = jobs.map(() => ({ enc: [] as number[], dec: [] as number[], decCpu: [] as number[], val: [] as number[] }));
  let sink: unknown = null;
  const rounds = 2;
  for (let round = 0; round < rounds; round++) {
    jobs.forEach((job, j) => {
      const s = samples[j]!;
      const reps = Math.ceil(opts.reps / rounds);
      for (let rep = 0; rep < opts.warmup + reps; rep++) {
        const keep = rep >= opts.warmup;
        const e = time(() => (sink = job.enc()));
        const c0 = process.cpuUsage();
        const d = time(() => (sink = job.dec()));
        const c = process.cpuUsage(c0);
        const v = job.decVal === null ? d : time(() => (sink = job.decVal!()));
        if (keep) {
          s.enc.push(e);
          s.dec.push(d);
          s.decCpu.push((c.user + c.system) / 1000);
          s.val.push(v);
        }
      }
    });
  }
  void sink;

  const results: FormatResult[] = jobs.map((job, j) => ({
    format: job.format,
    bytes: job.bytes,
    encodeMs: median(samples[j]!.enc),
    decodeMs: median(samples[j]!.dec),
    decodeSpread: spreadOf(samples[j]!.dec),
    decodeCpuMs: median(samples[j]!.decCpu),
    decodeToValuesMs: median(samples[j]!.val),
  }));
  const [o, p] = [results[0]!, results[1]!];
  return {
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    options: opts,
    nodes,
    results,
    ratios: { size: o.bytes / p.bytes, encode: o.encodeMs / p.encodeMs, decodeVsRaw: o.decodeMs / p.decodeMs, decodeVsValues: o.decodeToValuesMs / p.decodeToValuesMs, decodeCpuVsRaw: o.decodeCpuMs / p.decodeCpuMs },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats a report as the table the bench command prints. */
export function formatEncodingReport(r: EncodingReport): string[] {
  const lines = [
    `encoding: ${r.nodes.toLocaleString('en-US')}-node Lisp AST (seed ${r.options.seed}), median of ${r.options.reps} runs after ${r.options.warmup} warm-up; ${r.machine.node}, ${r.machine.cpu}`,
    '',
    `${'format'.padEnd(20)}${'size KB'.padStart(10)}${'encode ms'.padStart(11)}${'decode ms'.padStart(11)}${'(cpu ms)'.padStart(10)}${'→values ms'.padStart(12)}`,
  ];
  for (const x of r.results) {
    lines.push(`${x.format.padEnd(20)}${(x.bytes / 1024).toFixed(1).padStart(10)}${x.encodeMs.toFixed(2).padStart(11)}${x.decodeMs.toFixed(2).padStart(11)}${x.decodeCpuMs.toFixed(2).padStart(10)}${x.decodeToValuesMs.toFixed(2).padStart(12)}`);
  }
  const pct = (x: number): string => `${x.toFixed(2)}×`;
  lines.push(
    '',
    `ours / cbor-x plain: size ${pct(r.ratios.size)}, encode ${pct(r.ratios.encode)}, decode ${pct(r.ratios.decodeVsRaw)} (cpu ${pct(r.ratios.decodeCpuVsRaw)}) vs cbor-x to plain JS data, ${pct(r.ratios.decodeVsValues)} vs cbor-x + mapping to values`,
    '(decode: wall-clock median; cpu: process CPU time of the same decodes, GC threads included; cbor-x decodes to plain',
    ' JS data, →values adds the mapping to ImmutOS values; ours decodes straight to values)',
  );
  return lines;
}

/** The suite's entry point for `immutos bench encoding`: measures, prints, writes `encoding.json`. */
export async function runEncodingSuite(ctx: BenchContext): Promise<EncodingReport> {
  const report = runEncodingBench(ctx.quick ? { nodes: 20_000, reps: 5, warmup: 2 } : {});
  for (const line of formatEncodingReport(report)) ctx.out(line);
  const [ours, plain] = report.results;
  if (ours !== undefined && plain !== undefined) {
    ctx.record({ name: `binary decode, ${report.nodes}-node Lisp AST (to values)`, value: ours.decodeMs, unit: 'ms', better: 'lower', spread: ours.decodeSpread, peer: { name: 'cbor-x to plain JS data', value: plain.decodeMs }, target: { of: 'ratio', atMost: 1 } });
  }
  writeResults(ctx, { 'encoding.json': reportJson(report) });
  return report;
}
