/**
 * The one engine registry: every kernel the fuzzer, the CLI and the tests can drive, chosen by
 * name. One adapter per engine (like wasmtime's `DiffEngine` adapters): `spec`, `reference`,
 * `optimized`, `optimized+hw:<model>`, and kernels that users bring as modules
 * ({@link registerKernelModule}, `immutos fuzz --kernel-module PATH`). The built-in engines are
 * imported statically: a broken import is an error. Only a genuinely optional dependency makes
 * something unavailable, with the reason: the optimized kernel's LLVM tier (`+tier:2`) when
 * `llvm-bindings` or `llc-14` is absent.
 *
 * Kernel names: `base` followed by `+key:value` modifiers, e.g.
 * `reference`, `reference+mutant:swap-no-retry`, `optimized+hw:tso`, `optimized+hw:tso+mutant:x`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSpecKernel, specAccepts } from '../../spec/SpecEngine.js';
import { SPEC_MUTANTS } from '../../spec/SpecMutants.js';
import { OP_NAMES, type Kernel, type KernelOptions, type OpName } from '../../spec/Kernel.js';
import { createReferenceKernel, REFERENCE_MUTANTS } from '../../reference/index.js';
import { createOptimizedKernel, KERNEL_PLAIN_WORDS, OPTIMIZED_MUTANTS, PlainMemory, tier2Available, type JitConfig, type OptimizedKernelOptions } from '../../optimized/index.js';
import { CallsDiverged, createHwMemory, HW_MODELS, HW_MUTANT_NAMES, type HwCallRecord, type HwKernelCheckpoint, type HwKernelMemory } from '../../hw-model/index.js';

/** Whether an engine can be built here, and if not, why. */
export type Availability = { readonly available: true } | { readonly available: false; readonly reason: string };

/** One engine adapter: how to build a kernel of this engine and what it offers. */
export interface EngineAdapter {
  /** The base name, e.g. `reference`. */
  readonly name: string;
  /** One line for `immutos fuzz --help` and reports. */
  readonly description: string;
  /** Whether it can be built in this checkout. */
  readonly availability: Availability;
  /** The operations kernels of this engine implement (empty when unavailable). */
  readonly supports: ReadonlySet<OpName>;
  /** Names of the seeded bugs this engine can inject (`options.mutants`). */
  readonly mutants: readonly string[];
  /** Modifier keys this engine accepts besides `mutant` (e.g. `hw`). */
  readonly modifiers: readonly string[];
  /** For a kernel brought as a module: the module's absolute path (saved in case files, so replay finds it). */
  readonly module?: string;
  /**
   * Whether kernels of this engine judge `op` (default: every operation in {@link supports}).
   * An engine that models only part of an operation (the spec engine runs only the pure
   * function subset of code) says so here; a campaign leaves it out of cases it does not accept.
   */
  accepts?(op: { readonly op: string; readonly [field: string]: unknown }): boolean;
  /** Builds a fresh kernel. Only called when available. */
  build(options: KernelOptions, modifiers: Readonly<Record<string, string>>): Kernel;
  /**
   * Builds a kernel in exactly the state {@link EngineAdapter.build} gives it, reusing `spare`
   * (what a kernel built earlier by this method with the same modifiers ran on, which that
   * kernel no longer uses); returns the kernel and its own spare. Engines without it build
   * afresh every time (docs/adr/0044-kernel-reuse-in-campaigns.md).
   */
  buildReusing?(options: KernelOptions, modifiers: Readonly<Record<string, string>>, spare: KernelSpare | undefined): { readonly kernel: Kernel; readonly spare: KernelSpare };
}

/**
 * What a built kernel leaves for the next one of its engine to reuse (its memory, for the
 * optimized kernel), opaque outside its adapter.
 */
export interface KernelSpare {
  /** The engine (adapter) that made it. */
  readonly engine: string;
}

/** A parsed kernel name: base engine plus modifiers (not to be confused with spec/KernelSpec.ts, the mirror of Kernel.tla). */
export interface ParsedKernelName {
  /** The full text, e.g. `optimized+hw:tso`. */
  readonly text: string;
  /** The engine's base name. */
  readonly base: string;
  /** Seeded bugs to inject (`+mutant:<name>`, repeatable). */
  readonly mutants: readonly string[];
  /** Other modifiers, e.g. `{ hw: 'tso' }`. */
  readonly modifiers: Readonly<Record<string, string>>;
}

/** A selected kernel that can be built any number of times (one fresh kernel per case). */
export interface EngineHandle {
  /** The kernel name as selected. */
  readonly name: string;
  /** The adapter behind it. */
  readonly adapter: EngineAdapter;
  /** Its operations. */
  readonly supports: ReadonlySet<OpName>;
  /** Whether it judges `op`: an operation it supports and, where its engine says so, accepts ({@link EngineAdapter.accepts}). */
  judges(op: { readonly op: string; readonly [field: string]: unknown }): boolean;
  /** Builds a fresh kernel (quotas from the case may override the defaults). */
  build(options?: Pick<KernelOptions, 'quotas' | 'debug' | 'store'>): Kernel;
  /**
   * Builds a kernel in exactly the state {@link EngineHandle.build} gives it, reusing `spare`
   * (returned with a kernel of this handle that is no longer used) where its engine can;
   * returns the kernel and the spare to hand back once the kernel is done with (undefined:
   * nothing to reuse).
   */
  buildReusing(options: Pick<KernelOptions, 'quotas' | 'debug' | 'store'>, spare: KernelSpare | undefined): { readonly kernel: Kernel; readonly spare: KernelSpare | undefined };
}

/** An unknown or unavailable kernel was selected. */
export class EngineUnavailableError extends Error {
  /** Creates the error for the kernel `name`. */
  constructor(
    /** The kernel name as selected. */
    readonly kernel: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}

/** A kernel module that cannot be used: it does not load, or does not export a kernel factory. */
export class KernelModuleError extends Error {
  /** Creates the error for the module at `path`. */
  constructor(
    /** The module path as given. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'KernelModuleError';
  }
}

/** Whether `k` has the shape of a {@link Kernel}. */
export function isKernel(k: unknown): k is Kernel {
  const x = k as Partial<Kernel> | null;
  return x !== null && typeof x === 'object' && typeof x.apply === 'function' && typeof x.observe === 'function' && x.supports instanceof Set;
}

/** A built kernel, checked to be one. */
function checked(name: string, k: unknown): Kernel {
  if (!isKernel(k)) throw new EngineUnavailableError(name, `kernel '${name}': its factory did not return a Kernel (apply, observe, supports)`);
  return k;
}

/**
 * Words of collector work per `gcStep` on `optimized+hw:<model>`. The collector runs on its own
 * core there, and a `gcStep` is the slice it runs between two mutator operations: slices this
 * small leave an evacuation half done across operations, so mutators on other cores follow
 * handles swapped while the collector's stores are still buffered (docs/optimized.md "Fences").
 */
export const HW_GC_STEP_BUDGET = 64;

/** The registry: every known engine, available or not. */
export interface Registry {
  /** Adapters by base name, in display order (built-in engines, then kernel modules). */
  readonly adapters: ReadonlyMap<string, EngineAdapter>;
  /** Hardware memory models the `optimized+hw:<model>` engine accepts. */
  readonly hwModels: readonly string[];
  /** Optional parts that are absent here (e.g. the LLVM tier), with the reason. */
  readonly optional: readonly { readonly name: string; readonly reason: string }[];
}

/** The optimized kernel's options for a `+tier:` modifier (default: the highest tier available here). */
function tierOptions(mods: Readonly<Record<string, string>>): Required<JitConfig> {
  // Campaigns exercise compiled code: tier 1 compiles every closure on its first call, and
  // tier 2 (the default where LLVM is present) compiles a numeric function after 3 calls,
  // synchronously so that runs are reproducible. `+tier:1` stops at JavaScript, `+tier:0` keeps
  // the interpreter only. Without LLVM the default is tier 1; `+tier:2` then fails with the reason.
  const t2 = tier2();
  const tier = mods.tier === undefined ? (t2.ok ? 2 : 1) : Number(mods.tier);
  if (tier !== 0 && tier !== 1 && tier !== 2) throw new EngineUnavailableError(`optimized+tier:${mods.tier}`, `unknown tier '${mods.tier}' (known: 0, 1, 2)`);
  if (tier === 2 && !t2.ok) throw new EngineUnavailableError('optimized+tier:2', `tier 2 (LLVM) is not available here: ${t2.reason ?? 'unknown reason'}`);
  return { tier, jitThreshold: 0, tier2Threshold: 3, tier2Sync: true };
}

let tier2Cache: { readonly ok: boolean; readonly reason?: string } | undefined;
/** Whether the LLVM tier runs here (checked once). */
function tier2(): { readonly ok: boolean; readonly reason?: string } {
  tier2Cache ??= tier2Available();
  return tier2Cache;
}

/** Mutants that need a multi-core weakly ordered backend: offered on `optimized+hw:<model>` only. */
const MULTICORE_MUTANTS: ReadonlySet<string> = new Set(OPTIMIZED_MUTANTS.filter((m) => m.needs === 'multicore').map((m) => m.name));
const HW_MUTANT_SET: ReadonlySet<string> = new Set(HW_MUTANT_NAMES);

/** The built-in engines. */
function builtinAdapters(): Map<string, EngineAdapter> {
  const adapters = new Map<string, EngineAdapter>();
  adapters.set('spec', {
    name: 'spec',
    description: 'the TS spec kernel (spec/SpecEngine.ts): ADR 0003 semantics, no language',
    availability: { available: true },
    supports: createSpecKernel().supports,
    mutants: SPEC_MUTANTS.map((m) => m.name),
    modifiers: [],
    accepts: specAccepts,
    build: (options) => createSpecKernel({ ...(options.quotas !== undefined ? { quotas: options.quotas } : {}), ...(options.mutants !== undefined ? { mutants: options.mutants } : {}) }),
  });
  adapters.set('reference', {
    name: 'reference',
    description: 'the reference kernel (reference/): clarity first, the oracle',
    availability: { available: true },
    supports: createReferenceKernel().supports,
    mutants: REFERENCE_MUTANTS.map((m) => m.name),
    modifiers: [],
    build: (options) => createReferenceKernel(options),
  });
  const optimizedSupports = createOptimizedKernel({ tier: 0 }).supports;
  adapters.set('optimized', {
    name: 'optimized',
    description: 'the optimized kernel (optimized/): flat heap, concurrent compacting GC, JIT tiers',
    availability: { available: true },
    supports: optimizedSupports,
    mutants: OPTIMIZED_MUTANTS.map((m) => m.name).filter((m) => !MULTICORE_MUTANTS.has(m)),
    modifiers: ['tier'],
    build: (options, mods) => createOptimizedKernel({ ...options, ...tierOptions(mods) }),
    buildReusing(options, mods, spare) {
      // the kernel's plain memory, zeroed, is the one a fresh kernel would allocate
      let memory: PlainMemory;
      if (spare instanceof PlainSpare) {
        memory = spare.memory;
        memory.clear(KERNEL_PLAIN_WORDS);
      } else memory = new PlainMemory({ initialWords: KERNEL_PLAIN_WORDS });
      return { kernel: createOptimizedKernel({ ...options, ...tierOptions(mods), memory }), spare: spare instanceof PlainSpare ? spare : new PlainSpare(memory) };
    },
  });
  adapters.set('optimized+hw', {
    name: 'optimized+hw',
    description: `the optimized kernel on the hardware memory model (${HW_MODELS.join(', ')})`,
    availability: { available: true },
    supports: optimizedSupports,
    mutants: [...OPTIMIZED_MUTANTS.map((m) => m.name), ...HW_MUTANT_NAMES],
    modifiers: ['hw', 'tier'],
    build(options, mods) {
      const hw = hwKernel(options, mods);
      return hw.make(hw.newMemory());
    },
    buildReusing(options, mods, spare) {
      const hw = hwKernel(options, mods);
      const mine = spare instanceof HwSpare ? spare : new HwSpare(hw.newMemory());
      const memory = mine.memory;
      const make = (): Kernel => hw.make(memory);
      // constructions differ only by these options (the handle fixes model, tier and mutants)
      const key = JSON.stringify([options.quotas ?? null, options.debug ?? false]);
      const done = mine.constructions.get(key);
      if (done !== undefined) {
        // the kernel's own tables are rebuilt with the memory answering from the recorded
        // construction; then the memory is put in the state that construction left it in
        memory.startReplay(done.calls);
        try {
          const kernel = make();
          memory.endReplay(done.end);
          return { kernel, spare: mine };
        } catch (e) {
          if (!(e instanceof CallsDiverged)) throw e;
          mine.constructions.delete(key); // this construction is not the one recorded: record it again, below
        }
      }
      memory.restore(mine.pristine);
      memory.startRecording();
      const kernel = make();
      const calls = memory.endRecording();
      mine.constructions.set(key, { calls, end: memory.checkpoint() });
      return { kernel, spare: mine };
    },
  });
  return adapters;
}

/**
 * How the `optimized+hw` engine builds a kernel from `options`: a new simulated memory of the
 * model the modifiers name (with the hardware mutants, which are the memory's, not the kernel's),
 * and the optimized kernel over a given memory (with the kernel's mutants).
 */
function hwKernel(options: KernelOptions, mods: Readonly<Record<string, string>>): { readonly newMemory: () => HwKernelMemory; readonly make: (memory: HwKernelMemory) => Kernel } {
  const all = options.mutants ?? [];
  const kernelMutants = all.filter((m) => !HW_MUTANT_SET.has(m));
  const hwMutants = all.filter((m) => HW_MUTANT_SET.has(m));
  const rest: KernelOptions = { ...(options.quotas !== undefined ? { quotas: options.quotas } : {}), ...(options.debug !== undefined ? { debug: options.debug } : {}), ...(options.store !== undefined ? { store: options.store } : {}) };
  return {
    newMemory: () => createHwMemory(mods.hw ?? 'sc', hwMutants.length > 0 ? { mutants: hwMutants } : {}),
    make: (memory) => createOptimizedKernel({ ...rest, ...(kernelMutants.length > 0 ? { mutants: kernelMutants } : {}), ...tierOptions(mods), memory, gcStepBudget: HW_GC_STEP_BUDGET }),
  };
}

/** The spare of the `optimized` engine: the plain memory a kernel ran on. */
class PlainSpare implements KernelSpare {
  readonly engine = 'optimized';
  constructor(readonly memory: PlainMemory) {}
}

/**
 * The spare of the `optimized+hw` engine: the simulated memory a kernel ran on, the state it
 * was created in, and the kernel constructions recorded on it (by quotas and debug mode): every
 * call a construction made to the memory, with what loads answered, and the state it left.
 */
class HwSpare implements KernelSpare {
  readonly engine = 'optimized+hw';
  /** The memory's state when created. */
  readonly pristine: HwKernelCheckpoint;
  /** Recorded constructions by key. */
  readonly constructions = new Map<string, { readonly calls: HwCallRecord; readonly end: HwKernelCheckpoint }>();
  constructor(readonly memory: HwKernelMemory) {
    this.pristine = memory.checkpoint();
  }
}

let registry: { adapters: Map<string, EngineAdapter>; hwModels: readonly string[]; optional: { name: string; reason: string }[] } | undefined;

/** The registry (built once per process). */
function theRegistry(): { adapters: Map<string, EngineAdapter>; hwModels: readonly string[]; optional: { name: string; reason: string }[] } {
  if (registry === undefined) {
    const t2 = tier2();
    registry = { adapters: builtinAdapters(), hwModels: HW_MODELS, optional: t2.ok ? [] : [{ name: 'optimized+tier:2', reason: `the LLVM tier is not available: ${t2.reason ?? 'unknown reason'} (optional: install llvm-bindings against LLVM 14 and llc-14)` }] };
  }
  return registry;
}

/** Optional parts that are absent here, with the reason (e.g. the LLVM tier); empty when everything is present. */
export function optionalPartsMissing(): readonly { readonly name: string; readonly reason: string }[] {
  return theRegistry().optional;
}

/** Loads the registry: every built-in engine and every kernel module registered so far. */
export async function loadRegistry(): Promise<Registry> {
  return theRegistry();
}

/** What a kernel module may export (see docs/oracle-guide.md "Bring your own kernel"). */
export interface KernelModuleExports {
  /** The kernel factory: `createKernel(options)` (or the default export). */
  readonly createKernel?: (options: KernelOptions) => Kernel;
  /** The engine's name in campaigns and case files (default: the file name). */
  readonly name?: string;
  /** One line describing it. */
  readonly description?: string;
  /** Names of seeded bugs the factory injects when asked (`options.mutants`), for `+mutant:<name>`. */
  readonly mutants?: readonly (string | { readonly name: string })[];
}

/** Kernel modules registered so far, by absolute path → engine name. */
const modulePaths = new Map<string, string>();

/** The engine name a module file gets when it exports none: its file name, lower-cased, non-alphanumerics as '-'. */
function nameFromPath(path: string): string {
  const file = path.split(/[\\/]/).at(-1)!.replace(/\.(m?js|cjs|ts)$/, '');
  const name = file.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return name === '' ? 'module' : name;
}

/** A module's absolute path: a file path, or a package name resolved from `baseDir` as Node resolves it. */
function modulePath(path: string, baseDir: string): string {
  const asFile = isAbsolute(path) ? path : resolve(baseDir, path);
  if (existsSync(asFile) || path.startsWith('.') || isAbsolute(path)) return asFile;
  try {
    return createRequire(join(baseDir, 'package.json')).resolve(path);
  } catch {
    return asFile; // the import below reports it
  }
}

/**
 * Imports a kernel module (a file path, or the name of an installed package, exporting `createKernel(options) → Kernel`, or a default
 * export doing so; optionally `name`, `description` and `mutants`) and registers it as an
 * engine, which then takes part in campaigns, shrinking and replay like a built-in one. Returns
 * the engine's name. Registering the same file twice is a no-op. `baseDir` resolves a relative
 * path (default: the working directory).
 * @throws KernelModuleError when the file does not load, exports no factory, its factory throws
 * or returns no kernel, or its name clashes with another engine.
 */
export async function registerKernelModule(path: string, baseDir: string = process.cwd()): Promise<string> {
  const abs = modulePath(path, baseDir);
  const known = modulePaths.get(abs);
  if (known !== undefined) return known;
  let mod: KernelModuleExports & { readonly default?: unknown };
  try {
    mod = (await import(/* @vite-ignore */ pathToFileURL(abs).href)) as KernelModuleExports & { readonly default?: unknown };
  } catch (e) {
    throw new KernelModuleError(path, `kernel module ${path} does not load: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const factory = typeof mod.createKernel === 'function' ? mod.createKernel : typeof mod.default === 'function' ? (mod.default as (options: KernelOptions) => Kernel) : undefined;
  if (factory === undefined) throw new KernelModuleError(path, `kernel module ${path} exports no kernel factory (export function createKernel(options) returning a Kernel, or a default export)`);
  const name = typeof mod.name === 'string' ? mod.name : nameFromPath(abs);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new KernelModuleError(path, `kernel module ${path}: its name '${name}' is not a kernel name (lower-case letters, digits and '-', starting with a letter)`);
  const reg = theRegistry();
  const clash = reg.adapters.get(name);
  if (clash !== undefined) throw new KernelModuleError(path, `kernel module ${path}: the name '${name}' is taken by ${clash.module !== undefined ? `the kernel module ${clash.module}` : 'a built-in kernel'} (export a different name)`);
  let probe: unknown;
  try {
    probe = factory({});
  } catch (e) {
    throw new KernelModuleError(path, `kernel module ${path}: createKernel({}) threw: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  if (!isKernel(probe)) throw new KernelModuleError(path, `kernel module ${path}: createKernel({}) did not return a Kernel (an object with apply, observe and a Set of supported operations)`);
  const unknownOps = [...probe.supports].filter((op) => !(OP_NAMES as readonly string[]).includes(op));
  if (unknownOps.length > 0) throw new KernelModuleError(path, `kernel module ${path}: supports names operations the Kernel interface does not have: ${unknownOps.join(', ')}`);
  const mutants = Array.isArray(mod.mutants) ? mod.mutants.map((m) => (typeof m === 'string' ? m : m.name)).filter((m): m is string => typeof m === 'string') : [];
  reg.adapters.set(name, {
    name,
    description: typeof mod.description === 'string' ? mod.description : `kernel module ${abs}`,
    availability: { available: true },
    supports: new Set(probe.supports),
    mutants,
    modifiers: [],
    module: abs,
    build: (options) => checked(name, factory(options)),
  });
  modulePaths.set(abs, name);
  return name;
}

/** The kernel modules among `kernels` (by base name): name → absolute path, for case files. */
export function kernelModulesOf(kernels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const reg = theRegistry();
  for (const k of kernels) {
    const base = parseKernelName(k).base;
    const a = reg.adapters.get(base);
    if (a?.module !== undefined) out[base] = a.module;
  }
  return out;
}

/** Every kernel module registered so far (absolute paths), for reproduction commands. */
export function registeredKernelModules(): string[] {
  return [...modulePaths.keys()];
}

/** Parses a kernel name such as `optimized+hw:tso+mutant:hash-mismatch`. Throws on bad syntax. */
export function parseKernelName(text: string): ParsedKernelName {
  const parts = text.trim().split('+');
  const base = parts[0]!;
  if (base === '' || !/^[a-z][a-z0-9-]*$/.test(base)) throw new EngineUnavailableError(text, `bad kernel name '${text}'`);
  const mutants: string[] = [];
  const modifiers: Record<string, string> = {};
  for (const part of parts.slice(1)) {
    const i = part.indexOf(':');
    if (i <= 0 || i === part.length - 1) throw new EngineUnavailableError(text, `bad modifier '+${part}' in '${text}' (expected +key:value)`);
    const key = part.slice(0, i);
    const value = part.slice(i + 1);
    if (key === 'mutant') mutants.push(value);
    else modifiers[key] = value;
  }
  return { text, base, mutants, modifiers };
}

/**
 * The worker count of a parallel-mode name, `optimized+workers:N[+tier:T]` (`optimized+workers`
 * alone: null count, meaning the number of cores), or undefined when `name` is not one. The
 * parallel mode runs programs on worker threads (optimized/parallel/, docs/adr/0040); it is not
 * an op-at-a-time `Kernel`, so {@link build} refuses it and `immutos run` and the parallel fuzz
 * engine (harness/campaign/parallelCampaign.ts) run it. Its JIT: {@link workersJit}.
 * @throws EngineUnavailableError for a bad count, or a modifier other than `+tier:`.
 */
export function parseWorkersKernel(name: string): number | null | undefined {
  const m = /^optimized\+workers(?::([^+]*))?((?:\+.*)?)$/.exec(name.trim());
  if (m === null) return undefined;
  for (const part of m[2]!.split('+').slice(1)) {
    if (!part.startsWith('tier:')) throw new EngineUnavailableError(name, `the parallel mode takes a '+tier:' modifier only, not '+${part}' in '${name}'`);
  }
  if (m[2] !== '') workersJit(name); // an unknown tier fails here
  if (m[1] === undefined) return null;
  const n = Number(m[1]);
  if (!/^[0-9]+$/.test(m[1]) || n < 1 || n > 256) throw new EngineUnavailableError(name, `bad worker count '${m[1]}' in '${name}' (expected 1..256)`);
  return n;
}

/** The `+tier:T` modifier of a kernel name, or undefined. */
export function tierModifier(name: string): string | undefined {
  return /\+tier:([^+]*)/.exec(name)?.[1];
}

/**
 * The JIT of every worker of the parallel mode for kernel name `name` (`optimized+workers:N`, or
 * `optimized` run with `--workers`): its `+tier:T` read as {@link build} reads it for the
 * op-at-a-time optimized kernel (code compiled on its first call; without `+tier:`, the highest
 * tier available here), except that tier-2 compilations are asynchronous: the workers ask the
 * coordinator's thread, the one thread that may run LLVM (docs/adr/0045).
 * @throws EngineUnavailableError for an unknown tier, or tier 2 where LLVM is absent.
 */
export function workersJit(name: string): JitConfig {
  const tier = tierModifier(name);
  return { ...tierOptions(tier === undefined ? {} : { tier }), tier2Sync: false };
}

/** The kernel name for `base` with `mutant` injected. */
export function mutantKernelName(base: string, mutant: string): string {
  return `${base}+mutant:${mutant}`;
}

/**
 * Resolves a kernel name to a buildable handle. Throws {@link EngineUnavailableError} for an
 * unknown engine, an unavailable one (with the reason), an unknown modifier or mutant.
 */
export async function build(name: string): Promise<EngineHandle> {
  const reg = theRegistry();
  if (parseWorkersKernel(name) !== undefined) throw new EngineUnavailableError(name, `'${name}' is the parallel mode, which runs whole programs on worker threads rather than one operation at a time: use \`immutos run --workers N\` or the parallel fuzz engine (harness/campaign/parallelCampaign.ts)`);
  const spec = parseKernelName(name);
  const hasHw = spec.modifiers.hw !== undefined;
  const adapter = reg.adapters.get(hasHw && spec.base === 'optimized' ? 'optimized+hw' : spec.base);
  if (adapter === undefined) throw new EngineUnavailableError(name, `unknown kernel '${spec.base}' (known: ${[...reg.adapters.keys()].filter((k) => !k.includes('+')).join(', ')}, optimized+hw:<model>; a kernel of your own: --kernel-module PATH)`);
  if (!adapter.availability.available) throw new EngineUnavailableError(name, `kernel '${name}' is not available: ${adapter.availability.reason}`);
  for (const key of Object.keys(spec.modifiers)) {
    if (!adapter.modifiers.includes(key)) throw new EngineUnavailableError(name, `kernel '${spec.base}' takes no '+${key}:' modifier`);
  }
  if (hasHw && !reg.hwModels.includes(spec.modifiers.hw!)) {
    throw new EngineUnavailableError(name, `unknown hardware model '${spec.modifiers.hw}' (known: ${reg.hwModels.join(', ')})`);
  }
  if (spec.modifiers.tier !== undefined) tierOptions(spec.modifiers); // an unknown tier, or tier 2 without LLVM, fails here rather than per case
  for (const m of spec.mutants) {
    if (!adapter.mutants.includes(m)) {
      throw new EngineUnavailableError(name, `kernel '${spec.base}' has no mutant '${m}' (known: ${adapter.mutants.join(', ') || 'none'})`);
    }
  }
  return {
    name,
    adapter,
    supports: adapter.supports,
    judges(op) {
      if (typeof op.op !== 'string' || !(OP_NAMES as readonly string[]).includes(op.op)) return true; // an unknown operation: every kernel refuses it alike
      return adapter.supports.has(op.op as OpName) && (adapter.accepts?.(op) ?? true);
    },
    build(options = {}) {
      return adapter.build({ ...options, ...(spec.mutants.length > 0 ? { mutants: spec.mutants } : {}) }, spec.modifiers);
    },
    buildReusing(options, spare) {
      const o = { ...options, ...(spec.mutants.length > 0 ? { mutants: spec.mutants } : {}) };
      if (adapter.buildReusing === undefined) return { kernel: adapter.build(o, spec.modifiers), spare: undefined };
      return adapter.buildReusing(o, spec.modifiers, spare?.engine === adapter.name ? spare : undefined);
    },
  };
}

/**
 * Every kernel name that is available here: one per engine, `optimized+hw:<m>` per model, and
 * the optimized kernel's interpreter beside its compiled tiers (`optimized+tier:0`; every other
 * optimized kernel compiles each function on its first call, so the interpreter's function
 * paths run nowhere else).
 */
export async function availableKernels(): Promise<string[]> {
  const reg = await loadRegistry();
  const names: string[] = [];
  for (const a of reg.adapters.values()) {
    if (!a.availability.available) continue;
    if (a.name === 'optimized+hw') names.push(...reg.hwModels.map((m) => `optimized+hw:${m}`));
    else names.push(a.name);
    if (a.name === 'optimized') names.push('optimized+tier:0');
  }
  return names;
}

/** Every engine or optional part that is not available here, with the reason (for reports). */
export async function unavailableKernels(): Promise<{ name: string; reason: string }[]> {
  const reg = theRegistry();
  const out: { name: string; reason: string }[] = [];
  for (const a of reg.adapters.values()) if (!a.availability.available) out.push({ name: a.name === 'optimized+hw' ? 'optimized+hw:<model>' : a.name, reason: a.availability.reason });
  out.push(...reg.optional);
  return out;
}

/** The environment variable that selects kernels when `--kernels` is not given. */
export const KERNELS_ENV = 'IMMUTOS_KERNELS';

/**
 * The kernel names to use: `--kernels` if given, else `$IMMUTOS_KERNELS`, else every available
 * kernel. Names are comma-separated.
 */
export async function selectKernels(flag?: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const text = flag ?? env[KERNELS_ENV];
  if (text !== undefined && text.trim() !== '') return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return availableKernels();
}

/** The operations every handle supports, and for each excluded op which kernels lack it. */
export function commonOps(handles: readonly EngineHandle[], wanted: Iterable<OpName>): { ops: Set<OpName>; excluded: { op: OpName; missingIn: string[] }[] } {
  const ops = new Set<OpName>();
  const excluded: { op: OpName; missingIn: string[] }[] = [];
  for (const op of wanted) {
    const missingIn = handles.filter((h) => !h.supports.has(op)).map((h) => h.name);
    if (missingIn.length === 0) ops.add(op);
    else excluded.push({ op, missingIn });
  }
  return { ops, excluded };
}
