/**
 * The one engine registry: every kernel the fuzzer, the CLI and the tests can drive, chosen by
 * name. One adapter per engine (like wasmtime's `DiffEngine` adapters): `spec`, `reference`,
 * `optimized`, `optimized+hw:<model>`. Engines whose code has not landed (or fails to load) stay
 * in the registry as *unavailable*, with the reason, so a selection naming them fails clearly
 * instead of silently shrinking.
 *
 * Kernel names (a "kernel spec"): `base` followed by `+key:value` modifiers, e.g.
 * `reference`, `reference+mutant:swap-no-retry`, `optimized+hw:tso`, `optimized+hw:tso+mutant:x`.
 *
 * @module
 */
import { createSpecKernel, specAccepts } from '../../spec/SpecKernel.js';
import { SPEC_MUTANTS } from '../../spec/SpecMutants.js';
import { OP_NAMES, type Kernel, type KernelOptions, type OpName } from '../../spec/Kernel.js';

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
  /**
   * Whether kernels of this engine judge `op` (default: every operation in {@link supports}).
   * An engine that models only part of an operation (the spec engine runs only the pure
   * function subset of code) says so here; a campaign leaves it out of cases it does not accept.
   */
  accepts?(op: { readonly op: string; readonly [field: string]: unknown }): boolean;
  /** Builds a fresh kernel. Only called when available. */
  build(options: KernelOptions, modifiers: Readonly<Record<string, string>>): Kernel;
}

/** A parsed kernel name: base engine plus modifiers. */
export interface KernelSpec {
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
  build(options?: Pick<KernelOptions, 'quotas' | 'debug'>): Kernel;
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

/** A module that failed to load, with the reason in one line. */
type Loaded = { readonly ok: true; readonly mod: Record<string, unknown> } | { readonly ok: false; readonly reason: string };

/** Imports an optional module by a path held in a variable (so a missing module is not a type error). */
async function tryImport(relative: string): Promise<Loaded> {
  try {
    const mod = (await import(/* @vite-ignore */ relative)) as Record<string, unknown>;
    return { ok: true, mod };
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0]!;
    return { ok: false, reason: /Cannot find|Failed to load|not find|ERR_MODULE_NOT_FOUND/.test(msg) ? `${relative} has not landed yet` : `${relative} failed to load: ${msg}` };
  }
}

function fnExport(loaded: Loaded, name: string): ((...args: unknown[]) => unknown) | string {
  if (!loaded.ok) return loaded.reason;
  const f = loaded.mod[name];
  return typeof f === 'function' ? (f as (...args: unknown[]) => unknown) : `its module does not export ${name}() yet`;
}

function stringsExport(loaded: Loaded, name: string): readonly string[] {
  if (!loaded.ok) return [];
  const v = loaded.mod[name];
  if (!Array.isArray(v)) return [];
  return v.map((m: unknown) => (typeof m === 'string' ? m : typeof (m as { name?: unknown })?.name === 'string' ? (m as { name: string }).name : '')).filter((s) => s !== '');
}

/** Names of the catalogue entries declaring `needs: 'multicore'`. */
function multicoreMutants(loaded: Loaded, name: string): readonly string[] {
  if (!loaded.ok) return [];
  const v = loaded.mod[name];
  if (!Array.isArray(v)) return [];
  return v.filter((m: unknown) => (m as { needs?: unknown })?.needs === 'multicore').map((m: unknown) => String((m as { name?: unknown }).name));
}

function isKernel(k: unknown): k is Kernel {
  const x = k as Partial<Kernel> | null;
  return x !== null && typeof x === 'object' && typeof x.apply === 'function' && typeof x.observe === 'function' && x.supports instanceof Set;
}

function unavailable(name: string, description: string, reason: string): EngineAdapter {
  return {
    name,
    description,
    availability: { available: false, reason },
    supports: new Set(),
    mutants: [],
    modifiers: [],
    build() {
      throw new EngineUnavailableError(name, `kernel '${name}' is not available: ${reason}`);
    },
  };
}

/** Adapter for a kernel factory `create(options) → Kernel` found in an optional module. */
function factoryAdapter(
  name: string,
  description: string,
  loaded: Loaded,
  factory: string,
  mutantsExport: string,
  modifiers: readonly string[],
  extraOptions: (mods: Readonly<Record<string, string>>) => Record<string, unknown> = () => ({}),
): EngineAdapter {
  const create = fnExport(loaded, factory);
  if (typeof create === 'string') return unavailable(name, description, create);
  let probe: unknown;
  try {
    probe = create({});
  } catch (e) {
    return unavailable(name, description, `${factory}({}) threw: ${String((e as Error)?.message ?? e)}`);
  }
  if (!isKernel(probe)) return unavailable(name, description, `${factory}({}) did not return a Kernel`);
  const supports = probe.supports;
  return {
    name,
    description,
    availability: { available: true },
    supports,
    mutants: stringsExport(loaded, mutantsExport),
    modifiers,
    build(options, mods) {
      const k = create({ ...options, ...extraOptions(mods) });
      if (!isKernel(k)) throw new EngineUnavailableError(name, `${factory}() did not return a Kernel`);
      return k;
    },
  };
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
  /** Adapters by base name, in display order. */
  readonly adapters: ReadonlyMap<string, EngineAdapter>;
  /** Hardware memory models the `optimized+hw:<model>` engine accepts (empty when unavailable). */
  readonly hwModels: readonly string[];
}

let cached: Promise<Registry> | undefined;

/**
 * Loads the registry (once per process). Optional engines are imported dynamically so that a
 * checkout without them still runs; each absent one is listed with the reason.
 */
export function loadRegistry(): Promise<Registry> {
  cached ??= (async () => {
    const [reference, optimized, hw] = await Promise.all([
      tryImport('../../reference/index.js'),
      tryImport('../../optimized/index.js'),
      tryImport('../../hw-model/index.js'),
    ]);
    const adapters = new Map<string, EngineAdapter>();
    /** The hardware model's seeded bugs (hw-model/mutants.ts), offered on `optimized+hw:<model>`. */
    const hwMutantNames: ReadonlySet<string> = new Set(stringsExport(hw, 'HW_MUTANT_NAMES'));
    adapters.set('spec', {
      name: 'spec',
      description: 'the TS spec kernel (spec/SpecKernel.ts): ADR 0003 semantics, no language',
      availability: { available: true },
      supports: createSpecKernel().supports,
      mutants: SPEC_MUTANTS.map((m) => m.name),
      modifiers: [],
      accepts: specAccepts,
      build: (options) => createSpecKernel({ ...(options.quotas !== undefined ? { quotas: options.quotas } : {}), ...(options.mutants !== undefined ? { mutants: options.mutants } : {}) }),
    });
    adapters.set('reference', factoryAdapter('reference', 'the reference kernel (reference/): clarity first, the oracle', reference, 'createReferenceKernel', 'REFERENCE_MUTANTS', []));
    const optimizedAdapter = factoryAdapter('optimized', 'the optimized kernel (optimized/)', optimized, 'createOptimizedKernel', 'OPTIMIZED_MUTANTS', ['hw', 'tier'], (mods) => {
      // Campaigns exercise compiled code: tier 1 compiles every closure on its first call, and
      // tier 2 (the default where llc-14 is present) compiles a numeric function after 3 calls, synchronously so that runs
      // are reproducible. `+tier:1` stops at JavaScript, `+tier:0` keeps the interpreter only.
      // Without llc-14 (tier 2 unavailable) the default is tier 1; `+tier:2` then fails with the reason.
      const t2 = fnExport(optimized, 'tier2Available');
      const tier2Default = typeof t2 !== 'string' && (t2() as { ok: boolean }).ok;
      const tier = mods.tier === undefined ? (tier2Default ? 2 : 1) : Number(mods.tier);
      if (tier !== 0 && tier !== 1 && tier !== 2) throw new EngineUnavailableError(`optimized+tier:${mods.tier}`, `unknown tier '${mods.tier}' (known: 0, 1, 2)`);
      const jit = { tier, jitThreshold: 0, tier2Threshold: 3, tier2Sync: true };
      if (mods.hw === undefined) return jit;
      const makeMemory = fnExport(hw, 'createHwMemory');
      if (typeof makeMemory === 'string') throw new EngineUnavailableError(`optimized+hw:${mods.hw}`, `hardware model not available: ${makeMemory}`);
      // The hardware model's own seeded bugs (`+mutant:hw-…`) go to the memory, the rest to the kernel.
      const hwMutants = (mods.mutants ?? '').split(',').filter((m) => m !== '' && hwMutantNames.has(m));
      return { ...jit, memory: makeMemory(mods.hw, hwMutants.length > 0 ? { mutants: hwMutants } : {}), gcStepBudget: HW_GC_STEP_BUDGET };
    });
    // Mutants that need a multi-core weakly ordered backend (`needs: 'multicore'`) are offered on
    // `optimized+hw:<model>` only: on the plain backend they change nothing.
    const multicore = new Set(multicoreMutants(optimized, 'OPTIMIZED_MUTANTS'));
    adapters.set('optimized', { ...optimizedAdapter, mutants: optimizedAdapter.mutants.filter((m) => !multicore.has(m)) });
    const hwModels = hw.ok && Array.isArray(hw.mod.HW_MODELS) ? (hw.mod.HW_MODELS as unknown[]).filter((m): m is string => typeof m === 'string') : [];
    const hwReason = !optimizedAdapter.availability.available
      ? `needs the optimized kernel (${optimizedAdapter.availability.reason})`
      : !hw.ok
        ? hw.reason
        : typeof hw.mod.createHwMemory !== 'function'
          ? 'hw-model/index.js does not export createHwMemory(model) yet'
          : undefined;
    adapters.set(
      'optimized+hw',
      hwReason === undefined
        ? {
            ...optimizedAdapter,
            name: 'optimized+hw',
            description: `the optimized kernel on the hardware memory model (${hwModels.join(', ') || 'models'})`,
            mutants: [...optimizedAdapter.mutants, ...hwMutantNames],
            build(options, mods) {
              // hardware mutants are the memory's, not the kernel's
              const all = options.mutants ?? [];
              const kernelMutants = all.filter((m) => !hwMutantNames.has(m));
              const rest = { ...options };
              delete (rest as { mutants?: readonly string[] }).mutants;
              return optimizedAdapter.build({ ...rest, ...(kernelMutants.length > 0 ? { mutants: kernelMutants } : {}) }, { ...mods, mutants: all.join(',') });
            },
          }
        : unavailable('optimized+hw', 'the optimized kernel on the hardware memory model', hwReason),
    );
    return { adapters, hwModels };
  })();
  return cached;
}

/** Parses a kernel name such as `optimized+hw:tso+mutant:hash-mismatch`. Throws on bad syntax. */
export function parseKernelSpec(text: string): KernelSpec {
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

/** The kernel name for `base` with `mutant` injected. */
export function mutantKernelName(base: string, mutant: string): string {
  return `${base}+mutant:${mutant}`;
}

/**
 * Resolves a kernel name to a buildable handle. Throws {@link EngineUnavailableError} for an
 * unknown engine, an unavailable one (with the reason), an unknown modifier or mutant.
 */
export async function build(name: string): Promise<EngineHandle> {
  const reg = await loadRegistry();
  const spec = parseKernelSpec(name);
  const hasHw = spec.modifiers.hw !== undefined;
  const adapter = reg.adapters.get(hasHw && spec.base === 'optimized' ? 'optimized+hw' : spec.base);
  if (adapter === undefined) throw new EngineUnavailableError(name, `unknown kernel '${spec.base}' (known: ${[...reg.adapters.keys()].filter((k) => !k.includes('+')).join(', ')}, optimized+hw:<model>)`);
  if (!adapter.availability.available) throw new EngineUnavailableError(name, `kernel '${name}' is not available: ${adapter.availability.reason}`);
  for (const key of Object.keys(spec.modifiers)) {
    if (!adapter.modifiers.includes(key)) throw new EngineUnavailableError(name, `kernel '${spec.base}' takes no '+${key}:' modifier`);
  }
  if (hasHw && reg.hwModels.length > 0 && !reg.hwModels.includes(spec.modifiers.hw!)) {
    throw new EngineUnavailableError(name, `unknown hardware model '${spec.modifiers.hw}' (known: ${reg.hwModels.join(', ')})`);
  }
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
  };
}

/** Every kernel name that is available here (one per engine; `optimized+hw:<m>` per model). */
export async function availableKernels(): Promise<string[]> {
  const reg = await loadRegistry();
  const names: string[] = [];
  for (const a of reg.adapters.values()) {
    if (!a.availability.available) continue;
    if (a.name === 'optimized+hw') names.push(...reg.hwModels.map((m) => `optimized+hw:${m}`));
    else names.push(a.name);
  }
  return names;
}

/** Every engine that is not available, with the reason (for reports). */
export async function unavailableKernels(): Promise<{ name: string; reason: string }[]> {
  const reg = await loadRegistry();
  const out: { name: string; reason: string }[] = [];
  for (const a of reg.adapters.values()) if (!a.availability.available) out.push({ name: a.name === 'optimized+hw' ? 'optimized+hw:<model>' : a.name, reason: a.availability.reason });
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
