/**
 * `immutos bench kernel`: the optimized kernel's figures from one run, as ratios with their
 * targets beside them: 10^6 map inserts and lookups against Immutable.js (persistent
 * and `withMutations`) and native `Map`; vector push and random get; a transient build against
 * native; fork time at 10^2, 10^4, 10^6 live values; the GC's longest mutator pause at 10^4 and
 * 10^6 live values against a stop-the-world collection of the same heap; memory per entry.
 * Writes `kernel.json` and `kernel.svg` under the results folder. Nothing here is hard-coded:
 * every figure is measured in this run.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as Immutable from 'immutable';
import { createOptimizedKernel, createPlainMemory, type OptimizedKernel } from '../optimized/index.js';
import { builderAssoc, builderFreeze, mapBuilder, mapGet, smallInt, vecBuilder, vecBuilderPush, vecFreeze, vecNth, WORDS } from '../optimized/heap/values.js';
import { vecConj } from '../optimized/collections/vector.js';
import { champWords } from '../optimized/collections/champ.js';
import type { BenchContext } from './index.js';
import { key, persistentInserts } from './mapWorkload.js';
import { shuffle } from '../spec/Random.js';
import { reportJson, writeResults } from './results.js';

/** One measured throughput. */
export interface Throughput {
  /** Operations. */
  readonly ops: number;
  /** Milliseconds. */
  readonly ms: number;
  /** Millions of operations per second. */
  readonly mops: number;
  /** (slowest − fastest) / fastest over the repeats. */
  readonly spread: number;
}

/** One ratio with its target. */
export interface TargetCheck {
  /** What is compared. */
  readonly name: string;
  /** The measured ratio. */
  readonly value: number;
  /** The target, in words. */
  readonly target: string;
  /** Whether the target is met. */
  readonly met: boolean;
}

/** The suite's results. */
export interface KernelBenchReport {
  /** Entries per map / items per vector. */
  readonly n: number;
  /** Map inserts. */
  readonly mapInsert: Readonly<Record<'optimizedPersistent' | 'optimizedTransient' | 'immutablePersistent' | 'immutableWithMutations' | 'nativeMap', Throughput>>;
  /** Map lookups. */
  readonly mapLookup: Readonly<Record<'optimized' | 'immutable' | 'nativeMap', Throughput>>;
  /** Vector push (persistent and transient) and random get. */
  readonly vector: Readonly<Record<'optimizedPush' | 'optimizedTransientPush' | 'immutablePush' | 'nativePush' | 'optimizedGet' | 'immutableGet' | 'nativeGet', Throughput>>;
  /** Fork time (ms, median) by live values. */
  readonly forkMs: Readonly<Record<string, number>>;
  /** The (shuffled) order the fork sizes were measured in, after a warm-up round. */
  readonly forkOrder: readonly number[];
  /** Peak resident set size (MiB) of a process that builds one persistent map of `n` keys, by kind. */
  readonly rssMiB: Readonly<Record<'optimized' | 'immutable' | 'native', number>>;
  /** GC: longest incremental step vs a stop-the-world collection, by live values. */
  readonly gc: Readonly<Record<string, { readonly maxPauseMs: number; readonly steps: number; readonly stopTheWorldMs: number }>>;
  /** Minor collections during `n` persistent inserts: how many, in how many increments, and the increments' pauses (each the minimum over identical runs). */
  readonly minor: { readonly count: number; readonly increments: number; readonly medianMs: number; readonly p99Ms: number; readonly maxMs: number };
  /** Bytes per map entry. */
  readonly bytesPerEntry: Readonly<Record<'optimized' | 'immutable' | 'nativeMap', number>>;
  /** The ratios and targets. */
  readonly targets: readonly TargetCheck[];
  /** 1-minute load average during the run (the machine is shared). */
  readonly loadAverage: number;
}

/** Repetitions of each throughput measurement; the fastest counts (the machine is shared). */
let REPS = 2;

function time(ops: number, f: () => void): Throughput {
  let ms = Infinity;
  let slowest = 0;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    f();
    const took = performance.now() - t0;
    ms = Math.min(ms, took);
    slowest = Math.max(slowest, took);
  }
  return { ops, ms, mops: ops / ms / 1000, spread: (slowest - ms) / ms };
}

let gcFn: (() => void) | undefined;
function forceGc(): void {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

function heapUsed(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

function mapBench(n: number): Pick<KernelBenchReport, 'mapInsert' | 'mapLookup' | 'bytesPerEntry'> {
  const k = createOptimizedKernel();
  const H = k.heap;
  // Persistent inserts, with the collector paced between inserts (the map is a host root).
  let m = WORDS.emptyMap;
  const optimizedPersistent = time(n, () => {
    m = persistentInserts(k, n);
  });
  k.hostRoots.clear();
  k.hostRoots.add(m);
  let t = 0;
  const optimizedTransient = time(n, () => {
    const b = mapBuilder(H, 2);
    for (let i = 0; i < n; i++) builderAssoc(H, b, smallInt(key(i)), smallInt(i));
    t = builderFreeze(H, b);
  });
  let sink = 0;
  const optimizedLookup = time(n, () => {
    for (let i = 0; i < n; i++) sink += mapGet(H, t, smallInt(key(i)));
  });
  const mapBytes = (champWords(H, H.mem.load32(H.addr(t >>> 1) + 5) >>> 1, 2) + 6) * 4;

  let im = Immutable.Map<number, number>();
  const immutablePersistent = time(n, () => {
    im = Immutable.Map<number, number>();
    for (let i = 0; i < n; i++) im = im.set(key(i), i);
  });
  let im2 = Immutable.Map<number, number>();
  const immutableWithMutations = time(n, () => {
    im2 = Immutable.Map<number, number>().withMutations((mm) => {
      for (let i = 0; i < n; i++) mm.set(key(i), i);
    });
  });
  const immutableLookup = time(n, () => {
    for (let i = 0; i < n; i++) sink += im2.get(key(i)) ?? 0;
  });
  let native = new Map<number, number>();
  const nativeMap = time(n, () => {
    native = new Map();
    for (let i = 0; i < n; i++) native.set(key(i), i);
  });
  const nativeLookup = time(n, () => {
    for (let i = 0; i < n; i++) sink += native.get(key(i)) ?? 0;
  });
  // Memory: JS heap growth of one more map of each kind (ours lives in the backend's buffer).
  native = new Map();
  im = Immutable.Map();
  const before = heapUsed();
  const im3 = Immutable.Map<number, number>().withMutations((mm) => {
    for (let i = 0; i < n; i++) mm.set(key(i), i);
  });
  const afterImm = heapUsed();
  const nat = new Map<number, number>();
  for (let i = 0; i < n; i++) nat.set(key(i), i);
  const afterNat = heapUsed();
  if (im3.size + nat.size + sink === -1) throw new Error('unreachable');
  return {
    mapInsert: { optimizedPersistent, optimizedTransient, immutablePersistent, immutableWithMutations, nativeMap },
    mapLookup: { optimized: optimizedLookup, immutable: immutableLookup, nativeMap: nativeLookup },
    bytesPerEntry: { optimized: mapBytes / n, immutable: (afterImm - before) / n, nativeMap: (afterNat - afterImm) / n },
  };
}

function vectorBench(n: number): KernelBenchReport['vector'] {
  const k = createOptimizedKernel();
  const H = k.heap;
  let v = WORDS.emptyVector >>> 1;
  const optimizedPush = time(n, () => {
    v = WORDS.emptyVector >>> 1;
    let last = H.counters.wordsAllocated;
    for (let i = 0; i < n; i++) {
      v = vecConj(H, v, smallInt(i));
      if ((i & 255) === 255) {
        k.hostRoots.clear();
        k.hostRoots.add(v << 1);
        k.collector.pace(H.counters.wordsAllocated - last);
        last = H.counters.wordsAllocated;
      }
    }
  });
  let tv = 0;
  const optimizedTransientPush = time(n, () => {
    const b = vecBuilder(H);
    for (let i = 0; i < n; i++) vecBuilderPush(H, b, smallInt(i));
    tv = vecFreeze(H, b);
  });
  let il = Immutable.List<number>();
  const immutablePush = time(n, () => {
    il = Immutable.List<number>();
    for (let i = 0; i < n; i++) il = il.push(i);
  });
  let arr: number[] = [];
  const nativePush = time(n, () => {
    arr = [];
    for (let i = 0; i < n; i++) arr.push(i);
  });
  let sink = 0;
  const idx = (i: number): number => key(i) % n;
  const optimizedGet = time(n, () => {
    for (let i = 0; i < n; i++) sink += vecNth(H, tv, idx(i));
  });
  const immutableGet = time(n, () => {
    for (let i = 0; i < n; i++) sink += il.get(idx(i)) ?? 0;
  });
  const nativeGet = time(n, () => {
    for (let i = 0; i < n; i++) sink += arr[idx(i)]!;
  });
  if (sink === -1) throw new Error('unreachable');
  return { optimizedPush, optimizedTransientPush, immutablePush, nativePush, optimizedGet, immutableGet, nativeGet };
}

/** A kernel whose pid 0 holds `live` values (a map of `live` int entries in atom 0) and 10 atoms. */
function kernelWithLive(live: number): OptimizedKernel {
  // Pre-sized so that no GC step includes the plain backend's growth copy: growing a plain
  // ArrayBuffer copies it (an allocator pause, not a collector one; the shared backend grows in place).
  const k = createOptimizedKernel({ memory: createPlainMemory({ initialWords: Math.max(1 << 21, live * 48) }) });
  const H = k.heap;
  const b = mapBuilder(H, 2);
  for (let i = 0; i < live; i++) builderAssoc(H, b, smallInt(key(i)), smallInt(i));
  const m = builderFreeze(H, b);
  k.hostRoots.add(m); // a root before any operation can start a collection
  k.apply({ op: 'atom', pid: 0, value: 'nil' });
  // Atom 0 gets the big map as its value (as a program would), through the barrier.
  k.collector.barrier(H.mem.load32(H.atomSlot(0)));
  H.mem.store32(H.atomSlot(0), m);
  for (let i = 1; i < 10; i++) k.apply({ op: 'atom', pid: 0, value: String(i) });
  k.hostRoots.delete(m);
  // A long-lived heap: everything promoted to the old generation, as a minor collection leaves it.
  k.collector.minor();
  return k;
}

/**
 * Fork time by live values: one warm-up round on the smallest heap first (so no size absorbs
 * V8's warm-up), then the sizes in a shuffled order (printed), the median of 201 forks each.
 */
function forkBench(sizes: readonly number[]): { readonly ms: Record<string, number>; readonly order: readonly number[] } {
  const out: Record<string, number> = {};
  const forks = (live: number, record: boolean): void => {
    const k = kernelWithLive(live);
    // Settle the collector first: the pacer piggybacks GC work on any operation while a cycle
    // is in progress, and that work is the allocator's, not fork's (fork allocates nothing).
    k.collector.collect();
    const samples: number[] = [];
    for (let r = 0; r < 201; r++) {
      const t0 = performance.now();
      const res = k.apply({ op: 'fork', pid: 0 });
      samples.push(performance.now() - t0);
      if (!res.ok) throw new Error(`fork failed: ${res.message}`);
      k.apply({ op: 'exit', pid: Number(res.value) });
    }
    samples.sort((a, b) => a - b);
    if (record) out[String(live)] = samples[samples.length >> 1]!;
  };
  forks(Math.min(...sizes), false);
  const order = shuffle([...sizes], Math.random);
  for (const live of order) forks(live, true);
  return { ms: out, order };
}

/**
 * GC pauses. The collector is deterministic, so the same heap collected again takes the same
 * steps: each step's pause is the minimum over `reps` identical runs (which filters out the
 * scheduler's preemptions on this shared machine), and the longest such step is the maximum
 * mutator pause. The stop-the-world figure is the minimum over `reps` whole collections.
 */
function gcBench(sizes: readonly number[], reps = 3): KernelBenchReport['gc'] {
  const out: Record<string, { maxPauseMs: number; steps: number; stopTheWorldMs: number }> = {};
  for (const live of sizes) {
    const prepare = (): OptimizedKernel => {
      const k = kernelWithLive(live);
      // Settle any collection the pacer started, then make garbage (a tenth of the live size)
      // directly in the heap, so the measured cycle starts from idle on a known heap.
      while (k.collector.phase !== 'idle') k.collector.step();
      const g = mapBuilder(k.heap, 2);
      for (let i = 0; i < Math.max(100, live / 10); i++) builderAssoc(k.heap, g, smallInt(i), smallInt(i));
      builderFreeze(k.heap, g);
      return k;
    };
    let perStep: number[] = [];
    for (let r = 0; r < reps; r++) {
      const c = prepare().collector;
      const times: number[] = [];
      do {
        const s = performance.now();
        c.step();
        times.push(performance.now() - s);
      } while (c.phase !== 'idle');
      perStep = r === 0 ? times : perStep.map((t, i) => Math.min(t, times[i] ?? Infinity));
    }
    let stw = Infinity;
    for (let r = 0; r < reps; r++) {
      const k = prepare();
      const t0 = performance.now();
      k.collector.collect();
      stw = Math.min(stw, performance.now() - t0);
    }
    out[String(live)] = { maxPauseMs: Math.max(...perStep), steps: perStep.length, stopTheWorldMs: stw };
  }
  return out;
}

/** The collector's default step budget (words of work per `gcStep`), at which pauses are measured. */
const STEP_BUDGET = 4096;

/**
 * Minor collection increments of {@link STEP_BUDGET} words during `n` persistent inserts (each a
 * mutator pause; the first of a minor also queues its roots). The collector is deterministic, so
 * the same inserts run the same increments: each one's pause is the minimum over `reps` identical
 * runs (which filters out the scheduler's preemptions), as for the major cycle's steps.
 */
function minorBench(n: number, reps = 3): KernelBenchReport['minor'] {
  const runs: number[][] = [];
  let minors = 0;
  for (let r = 0; r < reps; r++) {
    // Pre-sized, as for the major cycle's steps: a growth of the plain backend is the allocator's
    // pause (a copy of the heap), not the collector's.
    const k = createOptimizedKernel({ memory: createPlainMemory({ initialWords: Math.max(1 << 21, n * 16) }) });
    const c = k.collector;
    const stepMinor = c.stepMinor.bind(c);
    const pauses: number[] = [];
    // The pacer's turn, done as increments of the default step budget, each timed (as the
    // major cycle's steps are timed at that budget).
    c.stepMinor = (budget = STEP_BUDGET) => {
      let going = true;
      for (let done = 0; going && done < budget; done += STEP_BUDGET) {
        const t0 = performance.now();
        going = stepMinor(STEP_BUDGET);
        pauses.push(performance.now() - t0);
      }
      return going;
    };
    persistentInserts(k, n);
    runs.push(pauses);
    minors = c.stats.minors;
  }
  const per = runs[0]!.map((_, i) => Math.min(...runs.map((p) => p[i] ?? Infinity)));
  const sorted = [...per].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: minors, increments: per.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0 };
}

/** Peak RSS (MiB) of a child process building one persistent map of `n` keys, for each kind. */
function rssBench(n: number): KernelBenchReport['rssMiB'] {
  const child = fileURLToPath(new URL('./rssChild.js', import.meta.url));
  const one = (kind: string): number => {
    const r = spawnSync(process.execPath, [child, kind, String(n)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rss child ${kind} failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { peakMiB: number }).peakMiB;
  };
  return { optimized: one('optimized'), immutable: one('immutable'), native: one('native') };
}

/** Runs the whole suite with maps and vectors of `n` entries (10^6 by default). */
export function runKernelBenchReport(n = 1_000_000, forkSizes: readonly number[] = [100, 10_000, 1_000_000], gcSizes: readonly number[] = [10_000, 1_000_000], reps = 3): KernelBenchReport {
  REPS = reps;
  const maps = mapBench(n);
  const vector = vectorBench(n);
  const fork = forkBench(forkSizes);
  const forkMs = fork.ms;
  const gc = gcBench(gcSizes);
  const minor = minorBench(n);
  const fmin = String(forkSizes[0]);
  const fmax = String(forkSizes[forkSizes.length - 1]);
  const gmax = String(gcSizes[gcSizes.length - 1]);
  const rss = rssBench(n);
  const persistentRatio = maps.mapInsert.optimizedPersistent.mops / maps.mapInsert.immutablePersistent.mops;
  const transientRatio = maps.mapInsert.optimizedTransient.ms / maps.mapInsert.nativeMap.ms;
  const forkRatio = forkMs[fmax]! / forkMs[fmin]!;
  const pauseRatio = gc[gmax]!.maxPauseMs / gc[gmax]!.stopTheWorldMs;
  const minorRatio = minor.maxMs / gc[gmax]!.stopTheWorldMs;
  const targets: TargetCheck[] = [
    { name: 'persistent insert throughput / Immutable.js persistent', value: persistentRatio, target: '≥ 2.5', met: persistentRatio >= 2.5 },
    { name: 'transient build time / native Map', value: transientRatio, target: '≤ 1.2', met: transientRatio <= 1.2 },
    { name: 'peak RSS, one persistent map / native Map', value: rss.optimized / rss.native, target: '≤ 1', met: rss.optimized <= rss.native },
    { name: `fork(${fmax}) / fork(${fmin})`, value: forkRatio, target: '≤ 1.5', met: forkRatio <= 1.5 },
    { name: `max GC pause / stop-the-world at ${gmax} live`, value: pauseRatio, target: '≤ 0.01', met: pauseRatio <= 0.01 },
    { name: `longest minor increment / stop-the-world at ${gmax} live`, value: minorRatio, target: '≤ 0.01', met: minorRatio <= 0.01 },
    { name: 'bytes per entry / Immutable.js', value: maps.bytesPerEntry.optimized / maps.bytesPerEntry.immutable, target: '< 1', met: maps.bytesPerEntry.optimized < maps.bytesPerEntry.immutable },
  ];
  return { n, ...maps, vector, forkMs, forkOrder: fork.order, gc, minor, rssMiB: rss, targets, loadAverage: loadavg()[0]! };
}

/** The report as text lines. */
export function formatKernelReport(r: KernelBenchReport): string[] {
  const f = (t: Throughput): string => `${t.mops.toFixed(2)} M/s (${t.ms.toFixed(0)} ms)`;
  const lines: string[] = [];
  lines.push(`maps, ${r.n.toLocaleString('en-US')} int keys (each figure: the fastest of ${REPS} runs):`);
  for (const [k, v] of Object.entries(r.mapInsert)) lines.push(`  insert  ${k.padEnd(24)} ${f(v)}`);
  for (const [k, v] of Object.entries(r.mapLookup)) lines.push(`  lookup  ${k.padEnd(24)} ${f(v)}`);
  lines.push(`vectors, ${r.n.toLocaleString('en-US')} items:`);
  for (const [k, v] of Object.entries(r.vector)) lines.push(`  ${k.padEnd(32)} ${f(v)}`);
  lines.push(`peak RSS of a process building one map of ${r.n.toLocaleString('en-US')} keys (a process each):`);
  for (const [k, v] of Object.entries(r.rssMiB)) lines.push(`  ${k.padEnd(12)} ${v.toFixed(0)} MiB`);
  lines.push(`fork (median of 201; after a warm-up round, sizes in the order ${r.forkOrder.join(', ')}):`);
  for (const [k, v] of Object.entries(r.forkMs)) lines.push(`  ${Number(k).toLocaleString('en-US').padStart(10)} live values  ${(v * 1000).toFixed(1)} µs`);
  lines.push('GC (same heap, incremental steps vs stop-the-world; per step: min of 3 identical runs):');
  for (const [k, v] of Object.entries(r.gc)) lines.push(`  ${Number(k).toLocaleString('en-US').padStart(10)} live values  max pause ${v.maxPauseMs.toFixed(3)} ms over ${v.steps} steps; stop-the-world ${v.stopTheWorldMs.toFixed(1)} ms`);
  lines.push(`minor collections during the ${r.n.toLocaleString('en-US')} persistent inserts: ${r.minor.count} in ${r.minor.increments} increments (per increment: min of 3 identical runs): median ${r.minor.medianMs.toFixed(3)} ms, p99 ${r.minor.p99Ms.toFixed(3)} ms, max ${r.minor.maxMs.toFixed(3)} ms`);
  lines.push('memory per map entry:');
  for (const [k, v] of Object.entries(r.bytesPerEntry)) lines.push(`  ${k.padEnd(12)} ${v.toFixed(1)} bytes`);
  lines.push('');
  lines.push('ratio'.padEnd(58) + 'measured'.padStart(10) + '  target   ');
  for (const t of r.targets) lines.push(`${t.name.padEnd(58)}${t.value.toFixed(t.value < 0.1 ? 4 : 2).padStart(10)}  ${t.target.padEnd(7)}  ${t.met ? 'met' : 'NOT met'}`);
  lines.push(`(machine load average ${r.loadAverage.toFixed(1)}: the machine is shared; ratios are from this one run)`);
  return lines;
}

/** A bar chart of the ratios against their targets. */
export function kernelSvg(r: KernelBenchReport): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rowH = 34;
  const width = 760;
  const height = 60 + rowH * r.targets.length + 20;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="20" y="22" font-size="14" font-weight="bold">Optimized kernel: measured ratio vs target (log scale, n = ${r.n.toLocaleString('en-US')})</text>`);
  const x0 = 330;
  const w = 380;
  const lo = Math.log10(1e-4);
  const hi = Math.log10(100);
  const sx = (v: number): number => x0 + ((Math.log10(Math.max(1e-4, Math.min(100, v))) - lo) / (hi - lo)) * w;
  for (const tick of [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100]) {
    parts.push(`<line x1="${sx(tick).toFixed(1)}" y1="40" x2="${sx(tick).toFixed(1)}" y2="${height - 20}" stroke="#ddd"/>`);
    parts.push(`<text x="${sx(tick).toFixed(1)}" y="${height - 6}" text-anchor="middle" font-size="9">${tick}</text>`);
  }
  r.targets.forEach((t, i) => {
    const y = 50 + i * rowH;
    const targetValue = Number(t.target.replace(/[^0-9.]/g, ''));
    parts.push(`<text x="20" y="${y + 14}">${esc(t.name)}</text>`);
    parts.push(`<rect x="${x0}" y="${y + 4}" width="${(sx(t.value) - x0).toFixed(1)}" height="14" fill="${t.met ? '#4f81bd' : '#c0504d'}"/>`);
    parts.push(`<line x1="${sx(targetValue).toFixed(1)}" y1="${y}" x2="${sx(targetValue).toFixed(1)}" y2="${y + 22}" stroke="black" stroke-width="2"/>`);
    parts.push(`<text x="${(sx(t.value) + 4).toFixed(1)}" y="${y + 15}" font-size="10">${t.value.toFixed(t.value < 0.1 ? 4 : 2)} (target ${esc(t.target)})</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** The `kernel` bench suite: runs, prints, writes `kernel.json` and `kernel.svg`. */
export async function runKernelBench(ctx: BenchContext): Promise<KernelBenchReport> {
  const report = ctx.quick ? runKernelBenchReport(100_000, [100, 10_000, 100_000], [10_000, 100_000]) : runKernelBenchReport();
  for (const line of formatKernelReport(report)) ctx.out(line);
  const ins = report.mapInsert;
  ctx.record({ name: `persistent map insert, ${report.n} keys`, value: ins.optimizedPersistent.mops, unit: 'M/s', better: 'higher', spread: ins.optimizedPersistent.spread, peer: { name: 'Immutable.js', value: ins.immutablePersistent.mops }, target: { of: 'ratio', atLeast: 2.5 } });
  ctx.record({ name: `transient build, ${report.n} keys`, value: ins.optimizedTransient.ms, unit: 'ms', better: 'lower', spread: ins.optimizedTransient.spread, peer: { name: 'native Map', value: ins.nativeMap.ms }, target: { of: 'ratio', atMost: 1.2 } });
  ctx.record({ name: `peak RSS, one ${report.n}-entry persistent map`, value: report.rssMiB.optimized, unit: 'MiB', better: 'lower', peer: { name: 'native Map', value: report.rssMiB.native }, target: { of: 'ratio', atMost: 1 } });
  ctx.record({ name: `peak RSS, one ${report.n}-entry persistent map`, value: report.rssMiB.optimized, unit: 'MiB', better: 'lower', peer: { name: 'Immutable.js', value: report.rssMiB.immutable } });
  const sizes = Object.keys(report.forkMs).map(Number).sort((a, b) => a - b);
  ctx.record({ name: `fork at ${sizes[sizes.length - 1]} live values`, value: report.forkMs[String(sizes[sizes.length - 1])]! * 1000, unit: 'µs', better: 'lower', peer: { name: `fork at ${sizes[0]}`, value: report.forkMs[String(sizes[0])]! * 1000 }, target: { of: 'ratio', atMost: 1.5 } });
  writeResults(ctx, { 'kernel.json': reportJson(report), 'kernel.svg': kernelSvg(report) });
  return report;
}
