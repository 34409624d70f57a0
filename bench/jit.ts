/**
 * `immutos bench jit` : six system-language programs (fib, tak, nqueens, a
 * map-heavy word count, a reduce over a big vector, an Adler-32 checksum of a byte string), each
 * run as: the reference interpreter, the optimized kernel's interpreter (tier 0), its JavaScript
 * tier (tier 1), its LLVM → WebAssembly tier (tier 2, when the program is in the tier-2 subset),
 * and hand-written JavaScript of the same algorithm. Every variant must give the same result (else
 * the suite fails with {@link BenchFailed}).
 *
 * Every variant is timed alike, each in a fresh child process ({@link inProcesses}; tests time
 * them in one thread; a full run times the JIT tiers and hand JS in 3 processes each): at least
 * 200 ms of warm-up, then
 * the fastest of 5 samples per process (1 when quick),
 * each a batch of runs lasting at least 20 ms; a run is the `load` + `run` of a one-line program
 * calling functions and data defined by an untimed setup program. Printed: ms per variant and its
 * ratio to hand JavaScript, tier-1 and tier-2 compile latencies, and the geometric mean of the JIT
 * (the better of tier 1 and tier 2 per program) against hand JavaScript beside its target
 * (≤ 1.0×). The JIT kernels compile every closure on its first call (`jitThreshold: 0`), offer it
 * to tier 2 at once (`tier2Threshold: 0`) and compile tier 2 synchronously, so the first warm-up
 * run is where compilation happens (a program whose hot loop sits in a function called once would
 * otherwise never leave the interpreter: there is no on-stack replacement). Writes `jit.json`
 * under the results folder. No figure is hard-coded.
 * @module
 */
import { loadavg } from 'node:os';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { DEFAULT_QUOTAS, type Kernel, type Quotas } from '../spec/Kernel.js';
import { ReferenceKernel } from '../reference/kernel.js';
import { createOptimizedKernel } from '../optimized/kernel/OptimizedKernel.js';
import { analyze, clearCache, compileManySync, tier2Available, type Plan } from '../optimized/jit/tier2/index.js';
import { compileSource } from '../harness/jit/compileSource.js';
import { BenchFailed } from './errors.js';
import type { Tier1Stats } from '../optimized/jit/tier1.js';
import type { BenchContext } from './index.js';
import { reportJson, writeResults } from './results.js';

/** The ways a program is run. */
export type JitVariant = 'reference' | 'tier0' | 'tier1' | 'tier2' | 'js';

/** Every variant, in table order. */
export const JIT_VARIANTS: readonly JitVariant[] = ['reference', 'tier0', 'tier1', 'tier2', 'js'];

/** One benchmark program: system-language source and the hand-written JavaScript of the same algorithm. */
export interface JitProgram {
  /** Short name (a table row). */
  readonly name: string;
  /** What the input size means, e.g. `n` or `words`. */
  readonly sizeLabel: string;
  /** Input size of a full run. */
  readonly size: number;
  /** Input size of a quick run. */
  readonly quickSize: number;
  /** Input size the reference interpreter gets when smaller than `size` (it is slow), with why. */
  readonly referenceCap?: { readonly size: number; readonly quickSize: number; readonly reason: string };
  /** Untimed setup program (definitions and input data) for input size `n`. */
  readonly setup: (n: number) => string;
  /** The timed program: one expression over what the setup defined. */
  readonly call: (n: number) => string;
  /** Builds the JavaScript input for size `n` (untimed) and returns the timed function, which answers the result as EDN. */
  readonly js: (n: number) => () => string;
}

/** The time of one variant of one program. */
export interface VariantTiming {
  /** The fastest of the timed samples, in ms per run. */
  readonly ms: number;
  /** Every timed sample, in ms per run. */
  readonly runs: readonly number[];
  /** Input size this variant ran (smaller than the program's for a capped reference). */
  readonly size: number;
  /** This time divided by hand JavaScript's at the same input size. */
  readonly ratioToJs: number;
  /** The result (EDN). */
  readonly value: string;
}

/** A variant that did not run, and why. */
export interface VariantSkipped {
  /** Why it did not run. */
  readonly skipped: string;
}

/** The results of one program. */
export interface JitProgramResult {
  /** The program's name. */
  readonly name: string;
  /** What the size means. */
  readonly sizeLabel: string;
  /** Input size (every variant but a capped reference). */
  readonly size: number;
  /** Each variant's timing, or why it was skipped. */
  readonly variants: Readonly<Record<JitVariant, VariantTiming | VariantSkipped>>;
  /** The common result (EDN) at `size`. */
  readonly value: string;
  /** Tier-1 compilation: arities compiled and total ms (from the kernel's `tier1.stats`, prelude included). */
  readonly tier1Compile: { readonly compiled: number; readonly ms: number };
  /** Tier-2 compilation of the program's eligible top-level functions (ms; cache cleared), or why none is eligible. */
  readonly tier2Compile: { readonly functions: readonly string[]; readonly ms: number } | VariantSkipped;
  /** Tier-2 calls served and handed back to tier 1 during the tier-2 variant's runs. */
  readonly tier2Calls: { readonly served: number; readonly fallbacks: number };
  /** The JIT (the faster of tier 1 and tier 2) against hand JavaScript. */
  readonly jitRatio: number;
  /** Which tier gave {@link jitRatio}. */
  readonly jitTier: 'tier1' | 'tier2';
}

/** The suite's results. */
export interface JitBenchReport {
  /** Whether this was a quick run. */
  readonly quick: boolean;
  /** Timed samples per variant (after the warm-up); the fastest counts. */
  readonly runs: number;
  /** Processes the JIT tiers and hand JS were each timed in (the fastest sample over all of them counts; the interpreters: one). */
  readonly processes: number;
  /** Whether each variant ran in a process of its own (else all in one thread). */
  readonly isolated: boolean;
  /** Per program. */
  readonly programs: readonly JitProgramResult[];
  /** Geometric mean of the JIT's ratio to hand JavaScript over every program. */
  readonly jitGeomean: number;
  /** The target for {@link jitGeomean}. */
  readonly target: { readonly text: string; readonly met: boolean };
  /** Why tier 2 could not run at all, if so. */
  readonly tier2Unavailable?: string;
  /** 1-minute load average at the end of the run (the machine is shared). */
  readonly loadAverage: number;
}

const TARGET = 1.0;

/** Warm-up per variant, in ms (at most 1000 runs). */
const WARM_MS = 200;

/** Quotas large enough for every program: the bench measures speed, not limits. */
const QUOTAS: Quotas = { ...DEFAULT_QUOTAS, fuel: 1e15, heapCells: 1e9, stackDepth: 100_000, treeFuel: 1e15, treeHeapCells: 1e9, totalHeapCells: 1e9, callbackFuel: 1e15 };

// ------------------------------------------------------------------ the programs

function fibJs(n: number): number {
  return n < 2 ? n : fibJs(n - 1) + fibJs(n - 2);
}

function takJs(x: number, y: number, z: number): number {
  return y < x ? takJs(takJs(x - 1, y, z), takJs(y - 1, z, x), takJs(z - 1, x, y)) : z;
}

/** Whether a queen in column `col` is safe from the queens of `b` (one decimal digit per row, nearest row lowest). */
function safeJs(b: number, col: number, d: number): boolean {
  while (b !== 0) {
    const c = (b % 10) - 1;
    if (c === col || Math.abs(c - col) === d) return false;
    b = Math.trunc(b / 10);
    d++;
  }
  return true;
}

function placeJs(n: number, b: number, row: number): number {
  if (row === n) return 1;
  let acc = 0;
  for (let col = 0; col < n; col++) if (safeJs(b, col, 1)) acc += placeJs(n, b * 10 + col + 1, row + 1);
  return acc;
}

/** The word list of the word-count program (the same LCG as its setup program). */
function wordsJs(n: number): string[] {
  const vocab = Array.from({ length: 500 }, (_, i) => `w${(i * 7919) % 10007}`);
  const out: string[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    out.push(vocab[Math.trunc(x / 65536) % 500]!);
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff; // the low 31 bits, exactly (the product does not fit a double)
  }
  return out;
}

/** The six benchmark programs. */
export const JIT_PROGRAMS: readonly JitProgram[] = [
  {
    name: 'fib',
    sizeLabel: 'n',
    size: 25,
    quickSize: 20,
    setup: () => '(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))',
    call: (n) => `(fib ${n})`,
    js: (n) => () => String(fibJs(n)),
  },
  {
    name: 'tak',
    sizeLabel: 'x (y 12, z 6)',
    size: 18,
    quickSize: 18,
    setup: () => '(defn tak [x y z] (if (< y x) (tak (tak (dec x) y z) (tak (dec y) z x) (tak (dec z) x y)) z))',
    call: (n) => `(tak ${n} 12 6)`,
    js: (n) => () => String(takJs(n, 12, 6)),
  },
  {
    name: 'nqueens',
    sizeLabel: 'board',
    size: 8,
    quickSize: 6,
    // The board is an integer, one decimal digit (column + 1) per placed row: pure integer code.
    setup: () =>
      [
        '(defn safe? [b col d]',
        '  (if (zero? b) true',
        '    (let [c (dec (rem b 10))]',
        '      (if (= c col) false',
        '        (if (= (abs (- c col)) d) false',
        '          (recur (quot b 10) col (inc d)))))))',
        '(defn place [n b row]',
        '  (if (= row n) 1',
        '    (loop [col 0 acc 0]',
        '      (if (= col n) acc',
        '        (recur (inc col) (if (safe? b col 1) (+ acc (place n (+ (* b 10) (inc col)) (inc row))) acc))))))',
      ].join('\n'),
    call: (n) => `(place ${n} 0 0)`,
    js: (n) => () => String(placeJs(n, 0, 0)),
  },
  {
    name: 'wordcount',
    sizeLabel: 'words',
    size: 20_000,
    quickSize: 5_000,
    referenceCap: { size: 5_000, quickSize: 2_000, reason: 'every assoc copies the map and `next` copies the rest of the sequence in the reference, so a run grows quadratically' },
    setup: (n) =>
      [
        '(def vocab (vec (map (fn [i] (str "w" (rem (* i 7919) 10007))) (range 500))))',
        `(def words (loop [i 0 x 12345 acc []] (if (= i ${n}) acc (recur (inc i) (rem (+ (* x 1103515245) 12345) 2147483648) (conj acc (nth vocab (rem (quot x 65536) 500)))))))`,
        '(defn count-words [ws] (reduce (fn [m w] (assoc m w (inc (get m w 0)))) {} ws))',
        '(defn summary [m] [(count m) (get m (nth vocab 0)) (get m (nth vocab 499)) (reduce max 0 (vals m))])',
      ].join('\n'),
    call: () => '(summary (count-words words))',
    js: (n) => {
      const words = wordsJs(n);
      return () => {
        // the fastest plain JavaScript: a counting loop over a native Map
        const m = new Map<string, number>();
        for (let i = 0; i < words.length; i++) {
          const w = words[i]!;
          m.set(w, (m.get(w) ?? 0) + 1);
        }
        return `[${m.size} ${m.get('w0') ?? 'nil'} ${m.get(`w${(499 * 7919) % 10007}`) ?? 'nil'} ${Math.max(0, ...m.values())}]`;
      };
    },
  },
  {
    name: 'reduce',
    sizeLabel: 'elements',
    size: 1_000_000,
    quickSize: 100_000,
    referenceCap: { size: 5_000, quickSize: 2_000, reason: 'the reference walks a sequence in quadratic time (`next` copies the rest)' },
    setup: (n) => [`(def v (vec (range ${n})))`, '(defn add [acc x] (+ acc x))', '(defn sum-vec [xs] (reduce add 0 xs))'].join('\n'),
    call: () => '(sum-vec v)',
    js: (n) => {
      const v = Array.from({ length: n }, (_, i) => i);
      // the fastest plain JavaScript: an indexed loop (Array.prototype.reduce with a callback is ~9× slower)
      return () => {
        let acc = 0;
        for (let i = 0; i < v.length; i++) acc += v[i]!;
        return String(acc);
      };
    },
  },
  {
    name: 'adler32',
    sizeLabel: 'bytes',
    size: 100_000,
    quickSize: 20_000,
    referenceCap: { size: 10_000, quickSize: 5_000, reason: 'keeps the reference run short: its interpreter is far slower than hand JavaScript on this loop' },
    setup: (n) =>
      [
        `(def data (bytes (loop [i 0 acc []] (if (= i ${n}) acc (recur (inc i) (conj acc (rem (* i 131) 256)))))))`,
        '(defn adler [b]',
        '  (let [n (count b)]',
        '    (loop [i 0 a 1 s 0]',
        '      (if (= i n) (+ (* s 65536) a)',
        '        (let [a2 (rem (+ a (byte-at b i)) 65521)]',
        '          (recur (inc i) a2 (rem (+ s a2) 65521)))))))',
      ].join('\n'),
    call: () => '(adler data)',
    js: (n) => {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131) % 256);
      return () => {
        let a = 1;
        let s = 0;
        for (let i = 0; i < data.length; i++) {
          a = (a + data[i]!) % 65521;
          s = (s + a) % 65521;
        }
        return String(s * 65536 + a);
      };
    },
  },
];

// ------------------------------------------------------------------ running

/**
 * The time a variant counts: its fastest sample. The machine is shared and interference only ever
 * slows a sample down, so the fastest is the least disturbed; every variant, hand JS included,
 * is judged the same way (every sample is kept in `jit.json`).
 */
function fastest(xs: readonly number[]): number {
  return Math.min(...xs);
}

/** Runs `setup` untimed, then `call` once (warm-up) and `runs` times timed; every result must agree. */
function timeKernel(k: Kernel, what: string, setup: string, call: string, runs: number): { runs: number[]; value: string } {
  const step = (op: Parameters<Kernel['apply']>[0], stage: string): string => {
    const r = k.apply(op);
    if (!r.ok) throw new BenchFailed(`bench jit: ${what}: ${stage} failed: ${r.error}: ${r.message}`);
    return r.value;
  };
  step({ op: 'load', pid: 0, program: setup }, 'setup load');
  step({ op: 'run', pid: 0 }, 'setup run');
  return measure(() => {
    step({ op: 'load', pid: 0, program: call }, 'load');
    return step({ op: 'run', pid: 0 }, 'run');
  }, what, runs);
}


/**
 * Times `run` the same way for every variant: warm up for at least 200 ms (at most 1,000 runs, at
 * least one), then `runs` samples, each a batch of repetitions lasting at least 20 ms (so that
 * sub-millisecond programs are not timed at the clock's resolution); a sample is the batch's time
 * per repetition. Every result must equal the first.
 */
function measure(run: () => string, what: string, runs: number): { runs: number[]; value: string } {
  const value = run();
  const check = (v: string, at: string): void => {
    if (v !== value) throw new BenchFailed(`bench jit: ${what}: ${at} gave ${v}, the first run gave ${value}`);
  };
  const w0 = performance.now();
  let warm = 1;
  while (performance.now() - w0 < WARM_MS && warm < 1000) {
    check(run(), `warm-up ${warm + 1}`);
    warm++;
  }
  const per = Math.max((performance.now() - w0) / warm, 1e-3);
  const reps = Math.max(1, Math.ceil(20 / per));
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) check(run(), `run ${r + 1}`);
    times.push((performance.now() - t0) / reps);
  }
  return { runs: times, value };
}

/** Compiles the program's tier-2-eligible top-level functions (one opt + llc run, cache cleared) and times it. */
function tier2Compile(setup: string): JitProgramResult['tier2Compile'] {
  const src = compileSource(setup);
  const plans: Plan[] = [];
  const names: string[] = [];
  const reasons: string[] = [];
  for (const [name, lambda] of src.fns) {
    for (const arity of lambda.arities) {
      const a = analyze(arity, src.resolve);
      if (a.ok) {
        plans.push(a.plan);
        names.push(name);
      } else reasons.push(`${name}: ${a.reason}`);
    }
  }
  if (plans.length === 0) return { skipped: `not in the tier-2 subset (${reasons.join('; ')})` };
  clearCache();
  const codes = compileManySync(plans);
  return { functions: names, ms: codes[0]!.compileMs };
}

/** What timing one variant of one program gives. */
export interface VariantRun {
  /** Every timed sample, in ms per run. */
  readonly runs: number[];
  /** The result (EDN). */
  readonly value: string;
  /** The JIT kernel's compiler statistics (tier 1 and tier 2 variants). */
  readonly stats?: Tier1Stats;
}

/** One variant of one program to time: which, at which input size, with how many samples. */
export interface VariantRequest {
  readonly program: string;
  readonly variant: JitVariant;
  readonly size: number;
  readonly runs: number;
}

/** Times one variant of one program in this thread (the setup untimed). */
export function timeVariant(req: VariantRequest): VariantRun {
  const p = JIT_PROGRAMS.find((q) => q.name === req.program);
  if (p === undefined) throw new BenchFailed(`bench jit: no program named ${req.program}`);
  const { size: n, runs } = req;
  const what = `${p.name} ${req.variant}${req.variant === 'reference' ? ` (${n})` : ''}`;
  switch (req.variant) {
    case 'js':
      return measure(p.js(n), what, runs);
    case 'reference':
      return timeKernel(new ReferenceKernel({ quotas: QUOTAS }), what, p.setup(n), p.call(n), runs);
    case 'tier0':
      return timeKernel(createOptimizedKernel({ quotas: QUOTAS, tier: 0 }), what, p.setup(n), p.call(n), runs);
    case 'tier1': {
      const k = createOptimizedKernel({ quotas: QUOTAS, tier: 1, jitThreshold: 0 });
      return { ...timeKernel(k, what, p.setup(n), p.call(n), runs), stats: { ...k.tier1!.stats } };
    }
    case 'tier2': {
      const k = createOptimizedKernel({ quotas: QUOTAS, tier: 2, jitThreshold: 0, tier2Threshold: 0, tier2Sync: true });
      return { ...timeKernel(k, what, p.setup(n), p.call(n), runs), stats: { ...k.tier1!.stats } };
    }
  }
}

/** Where variants are timed: in this thread, or each in a fresh process. */
export type VariantExecutor = (req: VariantRequest) => Promise<VariantRun>;

/** Times every variant in this thread, one after another (type feedback and garbage of earlier variants stay around). */
export const inThisThread: VariantExecutor = (req) => Promise.resolve(timeVariant(req));

/**
 * Times each variant in a fresh child process: a V8 of its own, so no variant runs with the type
 * feedback, compiled code or garbage another left behind (the way JMH forks a JVM per
 * benchmark). Needs the compiled module (`dist/bench/jit-worker.js`).
 */
export const inProcesses: VariantExecutor = (req) =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./jit-worker.js', import.meta.url)), [JSON.stringify(req)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    let done = false;
    child.once('message', (m: { ok: true; run: VariantRun } | { ok: false; error: string }) => {
      done = true;
      if (m.ok) resolve(m.run);
      else reject(new BenchFailed(m.error));
    });
    child.once('error', (e) => {
      done = true;
      reject(e);
    });
    child.once('exit', (code, signal) => {
      if (!done) reject(new BenchFailed(`bench jit: the process timing ${req.program} ${req.variant} ended (${signal ?? `exit code ${code}`}) before answering`));
    });
  });

/** Runs one program in every variant. `progress` is called after each variant. */
export async function runJitProgram(
  p: JitProgram,
  quick: boolean,
  runs: number,
  tier2Reason: string | undefined,
  progress: (variant: JitVariant) => void = () => {},
  exec: VariantExecutor = inThisThread,
  processes = 1,
): Promise<JitProgramResult> {
  const n = quick ? p.quickSize : p.size;
  const refN = p.referenceCap === undefined ? n : quick ? p.referenceCap.quickSize : p.referenceCap.size;
  // The JIT tiers and hand JS are timed `processes` times (each in its own process with
  // `inProcesses`): the samples of all count, so a time is the fastest sample of the least
  // disturbed process. The interpreters, there for scale, are timed once.
  const time = async (variant: JitVariant, size = n): Promise<VariantRun> => {
    const outs: VariantRun[] = [];
    const times = variant === 'reference' || variant === 'tier0' ? 1 : processes;
    for (let i = 0; i < times; i++) outs.push(await exec({ program: p.name, variant, size, runs }));
    for (const o of outs) if (o.value !== outs[0]!.value) throw new BenchFailed(`bench jit: ${p.name} ${variant}: one process gave ${o.value}, another ${outs[0]!.value}`);
    return { runs: outs.flatMap((o) => o.runs), value: outs[0]!.value, ...(outs[0]!.stats !== undefined ? { stats: outs[0]!.stats } : {}) };
  };
  const js = await time('js');
  progress('js');
  const jsMs = fastest(js.runs);
  const timing = (t: VariantRun, size: number, base: number): VariantTiming => ({ ms: fastest(t.runs), runs: t.runs, size, ratioToJs: fastest(t.runs) / base, value: t.value });
  const check = (variant: JitVariant, value: string, expected: string, size: number): void => {
    if (value !== expected) throw new BenchFailed(`bench jit: ${p.name} (${p.sizeLabel} ${size}): ${variant} gave ${value}, hand JavaScript gave ${expected}`);
  };

  const variants: Partial<Record<JitVariant, VariantTiming | VariantSkipped>> = {};
  variants.js = timing(js, n, jsMs);

  // The reference, at its (possibly smaller) size, against hand JS at the same size.
  const refJs = refN !== n ? await time('js', refN) : js;
  const ref = await time('reference', refN);
  check('reference', ref.value, refJs.value, refN);
  variants.reference = timing(ref, refN, fastest(refJs.runs));
  progress('reference');

  const t0 = await time('tier0');
  check('tier0', t0.value, js.value, n);
  variants.tier0 = timing(t0, n, jsMs);
  progress('tier0');

  const t1 = await time('tier1');
  check('tier1', t1.value, js.value, n);
  variants.tier1 = timing(t1, n, jsMs);
  const stats1 = t1.stats!;
  progress('tier1');

  let tier2Calls = { served: 0, fallbacks: 0 };
  let tier2CompileResult: JitProgramResult['tier2Compile'];
  if (tier2Reason !== undefined) {
    variants.tier2 = { skipped: tier2Reason };
    tier2CompileResult = { skipped: tier2Reason };
  } else {
    const t2 = await time('tier2');
    check('tier2', t2.value, js.value, n);
    const s = t2.stats!;
    tier2Calls = { served: s.tier2Calls, fallbacks: s.tier2Fallbacks };
    tier2CompileResult = tier2Compile(p.setup(n));
    // Tier 2 counts only when it served calls; otherwise the kernel ran tier 1 throughout.
    variants.tier2 = s.tier2Calls > 0 ? timing(t2, n, jsMs) : { skipped: 'skipped' in tier2CompileResult ? tier2CompileResult.skipped : 'no call reached tier-2 code' };
  }
  progress('tier2');

  const t2v = variants.tier2;
  const useTier2 = !('skipped' in t2v) && t2v.ms < variants.tier1.ms;
  const jitMs = useTier2 ? t2v.ms : variants.tier1.ms;
  return {
    name: p.name,
    sizeLabel: p.sizeLabel,
    size: n,
    variants: variants as Record<JitVariant, VariantTiming | VariantSkipped>,
    value: js.value,
    tier1Compile: { compiled: stats1.compiled, ms: stats1.compileMs },
    tier2Compile: tier2CompileResult,
    tier2Calls,
    jitRatio: jitMs / jsMs,
    jitTier: useTier2 ? 'tier2' : 'tier1',
  };
}

/**
 * Runs every program (quick: smaller inputs, one timed run) and gathers the report. `exec` says
 * where variants are timed ({@link inProcesses} for `immutos bench jit`).
 */
export async function runJitBenchReport(
  quick: boolean,
  programs: readonly JitProgram[] = JIT_PROGRAMS,
  progress?: (program: string, variant: JitVariant) => void,
  exec: VariantExecutor = inThisThread,
): Promise<JitBenchReport> {
  const runs = quick ? 1 : 5;
  const avail = tier2Available();
  const tier2Unavailable = avail.ok ? undefined : `tier 2 unavailable: ${avail.reason ?? 'unknown reason'}`;
  const results: JitProgramResult[] = [];
  // Separate processes can land in different modes of V8's (and the machine's) behaviour for the
  // whole run: a full run times each variant in 3 processes.
  const processes = exec === inProcesses && !quick ? 3 : 1;
  for (const p of programs) results.push(await runJitProgram(p, quick, runs, tier2Unavailable, (v) => progress?.(p.name, v), exec, processes));
  const jitGeomean = Math.exp(results.reduce((s, r) => s + Math.log(r.jitRatio), 0) / results.length);
  return {
    quick,
    runs,
    processes,
    isolated: exec === inProcesses,
    programs: results,
    jitGeomean,
    target: { text: `≤ ${TARGET}`, met: jitGeomean <= TARGET },
    ...(tier2Unavailable !== undefined ? { tier2Unavailable } : {}),
    loadAverage: loadavg()[0]!,
  };
}

// ------------------------------------------------------------------ the report

function cell(v: VariantTiming | VariantSkipped, ownSize: number): string {
  if ('skipped' in v) return 'n/a';
  const ms = v.ms >= 100 ? v.ms.toFixed(0) : v.ms >= 10 ? v.ms.toFixed(1) : v.ms.toFixed(2);
  const ratio = v.ratioToJs >= 100 ? v.ratioToJs.toFixed(0) : v.ratioToJs.toFixed(2);
  return `${ms} (${ratio}×)${v.size !== ownSize ? '*' : ''}`;
}

/** The report as text lines: the table, the compile latencies, the geometric mean beside its target. */
export function formatJitReport(r: JitBenchReport): string[] {
  const lines: string[] = [];
  const W = 19;
  lines.push(`JIT: ms per run, fastest of ${r.runs} sample${r.runs === 1 ? '' : 's'} (each a batch of runs lasting ≥ 20 ms) after ≥ 200 ms of warm-up, the same for every variant (× hand-written JavaScript at the same input)`);
  lines.push(
    r.isolated
      ? `each variant timed in ${r.processes === 1 ? 'a fresh process' : `fresh processes (JIT tiers and hand JS: ${r.processes} each, the fastest sample of all counts; interpreters: 1)`}, so no type feedback, compiled code or garbage from other variants`
      : 'every variant timed in one thread, one after another (type feedback and garbage of earlier variants stay around)',
  );
  lines.push('program'.padEnd(22) + ['reference', 'opt. interp (t0)', 'tier 1 (JS)', 'tier 2 (wasm)', 'hand JS'].map((h) => h.padStart(W)).join('') + '   JIT/JS');
  for (const p of r.programs) {
    const row = `${p.name} ${p.sizeLabel.split(' ')[0]}=${p.size.toLocaleString('en-US')}`.padEnd(22);
    const cells = JIT_VARIANTS.map((v) => cell(p.variants[v], p.size).padStart(W)).join('');
    lines.push(`${row}${cells}   ${p.jitRatio.toFixed(2)} (${p.jitTier === 'tier1' ? 't1' : 't2'})`);
  }
  const notes: string[] = [];
  for (const p of r.programs) {
    const ref = p.variants.reference;
    if (!('skipped' in ref) && ref.size !== p.size) {
      const cap = JIT_PROGRAMS.find((q) => q.name === p.name)?.referenceCap?.reason ?? 'capped';
      notes.push(`  * ${p.name}: the reference ran ${p.sizeLabel} = ${ref.size.toLocaleString('en-US')} (${cap}); its ratio is against hand JS at that size`);
    }
    const t2 = p.variants.tier2;
    if ('skipped' in t2) notes.push(`  ${p.name}: tier 2 n/a: ${t2.skipped}`);
  }
  if (notes.length > 0) lines.push(...notes);
  lines.push('');
  lines.push('compile latency'.padEnd(22) + 'tier 1 (arities, total ms)'.padStart(28) + 'tier 2 (functions: ms, one opt + llc run, cache cleared)'.padStart(54));
  for (const p of r.programs) {
    const t2 = 'skipped' in p.tier2Compile ? 'n/a' : `${p.tier2Compile.functions.join(', ')}: ${p.tier2Compile.ms.toFixed(1)} ms`;
    lines.push(p.name.padEnd(22) + `${p.tier1Compile.compiled}, ${p.tier1Compile.ms.toFixed(2)} ms`.padStart(28) + t2.padStart(54));
  }
  lines.push('');
  lines.push(`tier-2 calls served / handed back to tier 1: ${r.programs.map((p) => `${p.name} ${p.tier2Calls.served}/${p.tier2Calls.fallbacks}`).join(', ')}`);
  if (r.tier2Unavailable !== undefined) lines.push(r.tier2Unavailable);
  lines.push('');
  lines.push('ratio'.padEnd(58) + 'measured'.padStart(10) + '  target');
  lines.push(`${'JIT (best of tier 1/2 per program) / hand JS, geomean'.padEnd(58)}${r.jitGeomean.toFixed(2).padStart(10)}  ${r.target.text.padEnd(7)}  ${r.target.met ? 'met' : 'NOT met'}`);
  lines.push(`all ${r.programs.length} programs gave identical results in every variant that ran`);
  lines.push(`(machine load average ${r.loadAverage.toFixed(1)}: the machine is shared; figures are from this one run)`);
  return lines;
}

/** The `jit` bench suite: runs, prints, writes `jit.json`. */
export async function runJitBench(ctx: BenchContext): Promise<JitBenchReport> {
  let bar: cliProgress.SingleBar | undefined;
  if (process.stderr.isTTY) {
    bar = new cliProgress.SingleBar({ format: ' {bar} {value}/{total} variants | {what}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(JIT_PROGRAMS.length * 5, 0, { what: '' });
  }
  let report: JitBenchReport;
  try {
    report = await runJitBenchReport(ctx.quick, JIT_PROGRAMS, (program, variant) => bar?.increment(1, { what: `${program} ${variant}` }), inProcesses);
  } finally {
    bar?.stop();
  }
  for (const line of formatJitReport(report)) ctx.out(line);
  ctx.record({ name: `JIT / hand JS, geomean of ${report.programs.length} programs`, value: report.jitGeomean, unit: '×', better: 'lower', target: { of: 'value', atMost: TARGET } });
  const wc = report.programs.find((p) => p.name === 'wordcount');
  if (wc !== undefined) ctx.record({ name: 'JIT / hand JS, word count', value: wc.jitRatio, unit: '×', better: 'lower', target: { of: 'value', atMost: 1.5 } });
  writeResults(ctx, { 'jit.json': reportJson(report) });
  return report;
}
