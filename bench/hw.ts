/**
 * `immutos bench hw`: what hardware that knows which lines are immutable saves. Four workloads
 * run on the simulated memory system (8 cores, x86-TSO store buffers) twice with the same seed:
 * once under the immutable-aware protocol, once under plain directory MESI that treats every line
 * as mutable. Reports coherence messages, invalidations and misses per 1,000 memory operations,
 * the reduction, total network traffic, and the simulator's speed; writes `hw.json` and `hw.svg`.
 * @module
 */
import { loadavg } from 'node:os';
import { HwMemoryBackend, type MemoryModel } from '../hw-model/backend.js';
import { createRng, type Rng } from '../hw-model/rng.js';
import type { BenchContext } from './index.js';
import { reportJson, writeResults } from './results.js';

/** Words per cache line in every workload (64-byte lines of 8-byte words). */
const LW = 8;
const CORES = 8;
const MEM_WORDS = 1 << 21;

/** Sizes of one run. */
export interface HwBenchSizes {
  /** Memory operations (approximately) per workload. */
  readonly ops: number;
}

/** One workload under one protocol. */
export interface HwProtocolFigures {
  /** Memory operations issued (loads, stores, CASes). */
  readonly ops: number;
  /** Coherence messages per 1,000 operations. */
  readonly coherencePer1k: number;
  /** Invalidations per 1,000 operations. */
  readonly invalidationsPer1k: number;
  /** L1 misses per 1,000 operations. */
  readonly missesPer1k: number;
  /** All network messages (coherence + immutable fills) per 1,000 operations. */
  readonly trafficPer1k: number;
  /** Messages by type (totals). */
  readonly messages: Readonly<Record<string, number>>;
  /** Simulated memory operations per second of wall time. */
  readonly opsPerSecond: number;
}

/** One workload's result. */
export interface HwWorkloadResult {
  /** Short id: a, b, c, d. */
  readonly id: string;
  /** What the workload does. */
  readonly name: string;
  /** Plain MESI, every line mutable. */
  readonly mesi: HwProtocolFigures;
  /** The immutable-aware protocol. */
  readonly immutable: HwProtocolFigures;
  /** Reductions in % (positive: fewer with the immutable-aware protocol). */
  readonly reduction: { readonly coherence: number; readonly invalidations: number; readonly misses: number; readonly traffic: number };
  /** The target on coherence-message reduction, if any (%). */
  readonly targetCoherenceReduction: number | null;
}

/** The whole run. */
export interface HwBenchReport {
  /** Machine simulated. */
  readonly config: { readonly cores: number; readonly model: MemoryModel; readonly l1: string; readonly llc: string; readonly lineBytes: number; readonly seed: number };
  /** Per workload. */
  readonly workloads: readonly HwWorkloadResult[];
  /** Simulator speed over every workload run, misses included (simulated memory operations per second). */
  readonly opsPerSecond: number;
  /** Simulator speed on the common path: loads of read-shared immutable data that mostly hit in L1. */
  readonly commonPathOpsPerSecond: number;
  /** The machine's 1-minute load average during the run (the speed figures depend on it). */
  readonly loadAverage: number;
  /** Targets. */
  readonly targets: { readonly readSharedCoherenceReduction: number; readonly opsPerSecond: number };
  /** Published anchors to compare with. */
  readonly anchors: readonly string[];
}

/** A workload: drives the backend with seeded operations. */
type Workload = (hw: HwMemoryBackend, rng: Rng, ops: number) => void;

/**
 * A bump allocator over a line-aligned region. When it wraps, the GC frees the region's dead
 * objects in one go (one reclaim per run of immutable lines, as a region-based collector would);
 * in these workloads the few objects still reachable at that point are ignored.
 */
class Bump {
  private next: number;
  constructor(
    private readonly base: number,
    private readonly limit: number,
    private readonly hw?: HwMemoryBackend,
  ) {
    this.next = base;
  }
  alloc(words: number): number {
    const len = Math.ceil(words / LW) * LW;
    if (this.next + len > this.limit) {
      if (this.hw !== undefined) reclaimRegion(this.hw, this.base, this.next);
      this.next = this.base;
    }
    const a = this.next;
    this.next += len;
    return a;
  }
}

/** Reclaims every immutable line of `[lo, hi)`, one call per contiguous run. */
function reclaimRegion(hw: HwMemoryBackend, lo: number, hi: number): void {
  let start = -1;
  for (let l = lo; l <= hi; l += LW) {
    const imm = l < hi && hw.memory.modeOf(l) === 'immutable';
    if (imm && start < 0) start = l;
    else if (!imm && start >= 0) {
      hw.reclaim(start, l - start);
      start = -1;
    }
  }
}

/** When a bump region wraps, the GC reclaims the dead objects it reuses (line by line). */
function reclaimStale(hw: HwMemoryBackend, a: number, len: number): void {
  for (let l = a; l < a + len; l += LW) if (hw.memory.modeOf(l) === 'immutable') hw.reclaim(l, LW);
}

/** Allocates, initialises and publishes an immutable object of `words` words on `core`. */
function publishObject(hw: HwMemoryBackend, heap: Bump, core: number, words: number, seed: number): number {
  const a = heap.alloc(words);
  const len = Math.ceil(words / LW) * LW;
  reclaimStale(hw, a, len);
  hw.beginInit(core, a, len);
  for (let k = 0; k < words; k++) hw.store(core, a + k, seed + k);
  hw.markImmutable(a, len);
  return a;
}

/** (a) Immutable values read-shared by all cores: core 0 publishes a data set, every core reads it. */
const readShared: Workload = (hw, rng, ops) => {
  const objects = 4096; // 4,096 one-line objects = 256 KiB: larger than an L1, smaller than the LLC
  const heap = new Bump(0, objects * LW);
  const addrs = new Int32Array(objects);
  for (let i = 0; i < objects; i++) addrs[i] = publishObject(hw, heap, 0, LW, i * LW);
  const hot = 256;
  for (let i = 0; i < ops; i++) {
    const core = i % CORES;
    // 80% of reads go to a hot subset, 20% anywhere (a skewed read mix).
    const o = rng.next() < 0.8 ? rng.int(hot) : rng.int(objects);
    hw.load(core, addrs[o] + (i & (LW - 1)));
  }
};

/** (b) A contended atom: every core swaps the atom to a new immutable value (read, build, CAS, retry). */
const contendedAtom: Workload = (hw, rng, ops) => {
  const atom = MEM_WORDS - LW; // the atom's line
  const heaps = Array.from({ length: CORES }, (_, c) => new Bump(c * 65536, (c + 1) * 65536, hw));
  const valueWords = 4;
  hw.store(0, atom, publishObject(hw, heaps[0], 0, valueWords, 0));
  hw.fence(0);
  let issued = 0;
  while (issued < ops) {
    const core = rng.int(CORES);
    // swap!: deref, read the value, allocate the new value, CAS; a failed CAS retries next turn.
    const old = hw.load(core, atom);
    let sum = 0;
    for (let k = 0; k < valueWords; k++) sum += hw.load(core, old + k);
    const fresh = publishObject(hw, heaps[core], core, valueWords, sum + 1);
    hw.cas(core, atom, old, fresh);
    issued += 2 + 2 * valueWords;
  }
};

/** (c) GC evacuation: readers deref handles while the GC copies each object to to-space, publishes it, and swaps the handle. */
const gcEvacuation: Workload = (hw, rng, ops) => {
  const objects = 1024;
  const objWords = LW;
  const handles = MEM_WORDS - 2 * objects; // handle table: mutable words (8 per line)
  const spaceWords = objects * objWords;
  const spaces = [0, spaceWords];
  let from = 0;
  let heap = new Bump(spaces[from], spaces[from] + spaceWords);
  for (let i = 0; i < objects; i++) hw.store(0, handles + i, publishObject(hw, heap, 0, objWords, i));
  hw.fence(0);
  let issued = 0;
  let next = 0; // next object the GC evacuates
  let to = new Bump(spaces[1 - from], spaces[1 - from] + spaceWords);
  while (issued < ops) {
    // One GC step on core 0 for every 8 reader operations by cores 1..7.
    if (rng.int(8) === 0) {
      const h = hw.load(0, handles + next);
      const dst = to.alloc(objWords);
      reclaimStale(hw, dst, objWords);
      hw.beginInit(0, dst, objWords);
      for (let k = 0; k < objWords; k++) hw.store(0, dst + k, hw.load(0, h + k));
      hw.markImmutable(dst, objWords);
      hw.cas(0, handles + next, h, dst);
      issued += 2 + 2 * objWords;
      if (++next === objects) {
        // Cycle done: from-space is garbage once every reader re-read its handles (they do, each op).
        hw.reclaim(spaces[from], spaceWords);
        from = 1 - from;
        next = 0;
        heap = to;
        to = new Bump(spaces[1 - from], spaces[1 - from] + spaceWords);
      }
    } else {
      const core = 1 + rng.int(CORES - 1);
      const i = rng.int(objects);
      const h = hw.load(core, handles + i);
      hw.load(core, h + rng.int(objWords));
      issued += 2;
    }
  }
  void heap;
};

/** (d) A fuzz-like mix: allocations, reads of shared immutable data through atoms, atom updates. */
const fuzzMix: Workload = (hw, rng, ops) => {
  const atoms = 64;
  const atomBase = MEM_WORDS - atoms * LW; // one atom per line
  const heaps = Array.from({ length: CORES }, (_, c) => new Bump(c * 196608, (c + 1) * 196608, hw));
  for (let a = 0; a < atoms; a++) hw.store(0, atomBase + a * LW, publishObject(hw, heaps[0], 0, 8, a));
  hw.fence(0);
  let issued = 0;
  while (issued < ops) {
    const core = rng.int(CORES);
    const r = rng.next();
    const atom = atomBase + rng.int(atoms) * LW;
    if (r < 0.6) {
      // deref + read a few fields of the shared value
      const v = hw.load(core, atom);
      for (let k = 0; k < 4; k++) hw.load(core, v + rng.int(8));
      issued += 5;
    } else if (r < 0.85) {
      // swap!: read, build a new 8-word value from the old, CAS
      const v = hw.load(core, atom);
      let s = 0;
      for (let k = 0; k < 8; k++) s += hw.load(core, v + k);
      const fresh = publishObject(hw, heaps[core], core, 8, s);
      hw.cas(core, atom, v, fresh);
      issued += 18;
    } else {
      // private allocation that nobody else reads (a temporary)
      const t = publishObject(hw, heaps[core], core, 16, issued);
      hw.load(core, t);
      issued += 17;
    }
  }
};

const WORKLOADS: readonly { id: string; name: string; run: Workload; target: number | null }[] = [
  { id: 'a', name: 'immutable values read-shared by all cores', run: readShared, target: 90 },
  { id: 'b', name: 'contended atom (swap! with CAS retry)', run: contendedAtom, target: null },
  { id: 'c', name: 'GC evacuation (copy, publish, swap handle)', run: gcEvacuation, target: null },
  { id: 'd', name: 'fuzz-like mix (alloc, shared reads, atom updates)', run: fuzzMix, target: null },
];

const L1_SETS = 64;
const L1_WAYS = 4;
const LLC_SETS = 2048;
const LLC_WAYS = 16;

function runOne(w: Workload, immutableAware: boolean, ops: number, seed: number, model: MemoryModel): HwProtocolFigures {
  const hw = new HwMemoryBackend({ model, seed, cores: CORES, memWords: MEM_WORDS, lineWords: LW, l1Sets: L1_SETS, l1Ways: L1_WAYS, llcSets: LLC_SETS, llcWays: LLC_WAYS, immutableAware });
  const t0 = performance.now();
  w(hw, createRng(seed), ops);
  hw.drainAll();
  const seconds = (performance.now() - t0) / 1000;
  const s = hw.stats();
  const n = s.issued;
  const per = (x: number): number => (1000 * x) / n;
  return {
    ops: n,
    coherencePer1k: per(s.coherenceMessages),
    invalidationsPer1k: per(s.invalidations),
    missesPer1k: per(s.misses),
    trafficPer1k: per(s.totalMessages),
    messages: s.messages,
    opsPerSecond: n / seconds,
  };
}

/** Simulated loads per second on the common path: 8 cores reading a hot set of immutable lines (mostly L1 hits). */
function measureCommonPath(model: MemoryModel, seed: number): number {
  const hw = new HwMemoryBackend({ model, seed, cores: CORES, memWords: MEM_WORDS, lineWords: LW, l1Sets: L1_SETS, l1Ways: L1_WAYS, llcSets: LLC_SETS, llcWays: LLC_WAYS });
  const heap = new Bump(0, 1 << 16);
  const objs = Array.from({ length: 128 }, (_, i) => publishObject(hw, heap, 0, LW, i));
  const rng = createRng(seed);
  const n = 2_000_000;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += hw.load(i & (CORES - 1), objs[rng.int(128)] + (i & (LW - 1)));
  const seconds = (performance.now() - t0) / 1000;
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return n / seconds;
}

const reductionPct = (mesi: number, imm: number): number => (mesi === 0 ? 0 : (100 * (mesi - imm)) / mesi);

/** Runs the four workloads under both protocols. */
export function runHwBenchReport(opts: { ops?: number; seed?: number; model?: MemoryModel } = {}): HwBenchReport {
  const ops = opts.ops ?? 2_000_000;
  const seed = opts.seed ?? 2026;
  const model = opts.model ?? 'tso';
  // Warm the JIT up on every path first, so the first workload measured is not penalised.
  for (const w of WORKLOADS) for (const aware of [false, true]) runOne(w.run, aware, Math.min(ops, 50_000), seed + 1, model);
  const commonPathOpsPerSecond = measureCommonPath(model, seed);
  let totalOps = 0;
  let totalSeconds = 0;
  const workloads = WORKLOADS.map((w): HwWorkloadResult => {
    const mesi = runOne(w.run, false, ops, seed, model);
    const immutable = runOne(w.run, true, ops, seed, model);
    for (const f of [mesi, immutable]) {
      totalOps += f.ops;
      totalSeconds += f.ops / f.opsPerSecond;
    }
    return {
      id: w.id,
      name: w.name,
      mesi,
      immutable,
      reduction: {
        coherence: reductionPct(mesi.coherencePer1k, immutable.coherencePer1k),
        invalidations: reductionPct(mesi.invalidationsPer1k, immutable.invalidationsPer1k),
        misses: reductionPct(mesi.missesPer1k, immutable.missesPer1k),
        traffic: reductionPct(mesi.trafficPer1k, immutable.trafficPer1k),
      },
      targetCoherenceReduction: w.target,
    };
  });
  return {
    config: { cores: CORES, model, l1: `${(L1_SETS * L1_WAYS * LW * 8) / 1024} KiB ${L1_WAYS}-way per core`, llc: `${(LLC_SETS * LLC_WAYS * LW * 8) / 1024} KiB ${LLC_WAYS}-way shared`, lineBytes: LW * 8, seed },
    workloads,
    opsPerSecond: totalOps / totalSeconds,
    commonPathOpsPerSecond,
    loadAverage: loadavg()[0],
    targets: { readSharedCoherenceReduction: 90, opsPerSecond: 2_000_000 },
    anchors: [
      'DeNovo (Choi et al., PACT 2011): up to 70% less network traffic than MESI',
      'Cuesta et al. (ISCA 2011): classifying private/read-only blocks left 66% of blocks untracked by the directory',
    ],
  };
}

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${x >= 0 ? '' : '+'}${Math.abs(x).toFixed(1)}%${x >= 0 ? ' fewer' : ' more'}`;

/** The report as text lines (the table `immutos bench hw` prints). */
export function formatHwReport(r: HwBenchReport): string[] {
  const out: string[] = [];
  out.push(`${r.config.cores} cores, ${r.config.model} store buffers, L1 ${r.config.l1}, LLC ${r.config.llc}, ${r.config.lineBytes}-byte lines, seed ${r.config.seed}`);
  out.push('per 1,000 memory operations; "coherence" = directory protocol messages, "traffic" = coherence + immutable-line fills');
  out.push('');
  out.push(`${'workload'.padEnd(52)} ${'protocol'.padEnd(10)} ${'coherence'.padStart(10)} ${'invalid.'.padStart(9)} ${'misses'.padStart(8)} ${'traffic'.padStart(9)} ${'ops/s'.padStart(11)}`);
  for (const w of r.workloads) {
    const row = (label: string, p: string, f: HwProtocolFigures): string =>
      `${label.padEnd(52)} ${p.padEnd(10)} ${f1(f.coherencePer1k).padStart(10)} ${f1(f.invalidationsPer1k).padStart(9)} ${f1(f.missesPer1k).padStart(8)} ${f1(f.trafficPer1k).padStart(9)} ${Math.round(f.opsPerSecond).toLocaleString('en-US').padStart(11)}`;
    out.push(row(`(${w.id}) ${w.name}`, 'MESI', w.mesi));
    out.push(row('', 'immutable', w.immutable));
    const target = w.targetCoherenceReduction === null ? '(target: report as measured)' : `(target ≥ ${w.targetCoherenceReduction}% fewer: ${w.reduction.coherence >= w.targetCoherenceReduction ? 'met' : 'NOT met'})`;
    out.push(`${''.padEnd(52)} reduction  coherence ${pct(w.reduction.coherence)}, invalidations ${pct(w.reduction.invalidations)}, misses ${pct(w.reduction.misses)}, traffic ${pct(w.reduction.traffic)} ${target}`);
  }
  out.push('');
  const ok = (x: number): string => (x >= r.targets.opsPerSecond ? 'met' : 'NOT met');
  out.push(`simulator speed, common path (L1 hits on shared immutable data): ${Math.round(r.commonPathOpsPerSecond).toLocaleString('en-US')} simulated memory ops/s (target ≥ ${r.targets.opsPerSecond.toLocaleString('en-US')}: ${ok(r.commonPathOpsPerSecond)})`);
  out.push(`simulator speed, all workloads above (misses included): ${Math.round(r.opsPerSecond).toLocaleString('en-US')} simulated memory ops/s (${ok(r.opsPerSecond)}); machine load average ${r.loadAverage.toFixed(1)}`);
  out.push(`anchors: ${r.anchors.join('; ')}`);
  return out;
}

/** A hand-written SVG bar chart: per workload, MESI vs immutable-aware, for three metrics. */
export function hwSvg(r: HwBenchReport): string {
  const metrics: { key: 'coherencePer1k' | 'invalidationsPer1k' | 'missesPer1k' | 'trafficPer1k'; title: string }[] = [
    { key: 'coherencePer1k', title: 'coherence messages / 1k ops' },
    { key: 'invalidationsPer1k', title: 'invalidations / 1k ops' },
    { key: 'missesPer1k', title: 'L1 misses / 1k ops' },
    { key: 'trafficPer1k', title: 'all messages / 1k ops' },
  ];
  const panelW = 300;
  const panelH = 220;
  const top = 50;
  const width = panelW * metrics.length + 40;
  const height = top + panelH + 70;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="20" y="20" font-size="14" font-weight="bold">Immutable-aware coherence vs plain MESI (${r.config.cores} cores, ${r.config.model})</text>`);
  parts.push(`<rect x="20" y="30" width="10" height="10" fill="#c0504d"/><text x="34" y="39">plain MESI</text><rect x="110" y="30" width="10" height="10" fill="#4f81bd"/><text x="124" y="39">immutable-aware</text>`);
  metrics.forEach((m, mi) => {
    const x0 = 20 + mi * panelW;
    const max = Math.max(1e-9, ...r.workloads.flatMap((w) => [w.mesi[m.key], w.immutable[m.key]]));
    parts.push(`<text x="${x0 + 10}" y="${top + 12}" font-weight="bold">${esc(m.title)}</text>`);
    const baseY = top + panelH;
    parts.push(`<line x1="${x0 + 10}" y1="${baseY}" x2="${x0 + panelW - 20}" y2="${baseY}" stroke="#333"/>`);
    const groupW = (panelW - 30) / r.workloads.length;
    r.workloads.forEach((w, wi) => {
      const gx = x0 + 15 + wi * groupW;
      const barW = groupW / 2 - 6;
      [
        [w.mesi[m.key], '#c0504d'],
        [w.immutable[m.key], '#4f81bd'],
      ].forEach(([v, color], bi) => {
        const h = ((v as number) / max) * (panelH - 40);
        const bx = gx + bi * (barW + 2);
        parts.push(`<rect class="bar" x="${bx.toFixed(1)}" y="${(baseY - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
        parts.push(`<text x="${(bx + barW / 2).toFixed(1)}" y="${(baseY - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${(v as number).toFixed(0)}</text>`);
      });
      parts.push(`<text x="${(gx + barW).toFixed(1)}" y="${baseY + 14}" text-anchor="middle">(${w.id})</text>`);
    });
  });
  const legendY = top + panelH + 36;
  parts.push(`<text x="20" y="${legendY}">${esc(r.workloads.map((w) => `(${w.id}) ${w.name}: ${w.reduction.coherence.toFixed(1)}% fewer coherence messages`).slice(0, 2).join('   '))}</text>`);
  parts.push(`<text x="20" y="${legendY + 16}">${esc(r.workloads.map((w) => `(${w.id}) ${w.name}: ${w.reduction.coherence.toFixed(1)}% fewer coherence messages`).slice(2).join('   '))}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** The `hw` bench suite: runs, prints the table, writes `hw.json` and `hw.svg` under `resultsDir`. */
export async function runHwBench(ctx: BenchContext): Promise<HwBenchReport> {
  const report = runHwBenchReport(ctx.quick ? { ops: 200_000 } : {});
  for (const line of formatHwReport(report)) ctx.out(line);
  writeResults(ctx, { 'hw.json': reportJson(report), 'hw.svg': hwSvg(report) });
  return report;
}
