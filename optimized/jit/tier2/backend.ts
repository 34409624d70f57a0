/**
 * Tier-2 back end: LLVM IR text → `opt-14` (inlining and scalar clean-up, ADR 0049) →
 * `llc-14 -march=wasm32 -filetype=obj` → a WebAssembly module. Without `opt-14`, or when its
 * output would need anything the module cannot import, the IR goes to `llc-14` as generated.
 *
 * The relocatable object `llc` writes is instantiated directly, without `wasm-ld`: generated code
 * has no data, no globals and no function imports, so its only import is `env.__linear_memory`
 * and its call instructions already hold final function indices; the entry is exported through
 * the `wasm-export-name` attribute (see docs/adr/0017-jit-tier2-wasm.md). Modules are cached by IR hash.
 * @module
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Wasm, type WasmModule } from './wasm.js';

/** The LLVM static compiler tier 2 runs. */
export const LLC = 'llc-14';
const LLC_ARGS = ['-march=wasm32', '-filetype=obj', '-O2', '-o', '-', '-'];
/** The LLVM optimizer run before `llc` (from the same Debian package, llvm-14). */
export const OPT = 'opt-14';
/**
 * What `opt` runs: inlining (a `reduce` driver calls its function once per item; `llc` never
 * inlines), then scalar clean-up: `jump-threading` takes an inlined function's fallback straight
 * to the driver's exit, `loop-rotate` puts the loop's checks after its body, so that `licm` keeps
 * fuel in a register and, after `gvn`, hoists the loop-invariant status check.
 * Not `instcombine`: it turns the overflow checks of `*` into 128-bit multiplies, which wasm32
 * lowers to a runtime-library call the module cannot import.
 */
const OPT_ARGS = ['-passes=cgscc(inline),function(sroa,early-cse,simplifycfg,gvn,jump-threading,simplifycfg,loop(loop-rotate),loop-mssa(licm),gvn,loop-mssa(licm),simplifycfg,dse,simplifycfg)', '-S', '-o', '-', '-'];
/** What a generated module may import: its memory and llc's shadow-stack pointer. */
const ALLOWED_IMPORTS = new Set(['env.__linear_memory', 'env.__stack_pointer']);
const MAX_OUTPUT = 64 * 1024 * 1024;

/** An error of the tier-2 toolchain (llc missing or failing): the caller stays in tier 1. */
export class Tier2CompileError extends Error {
  override readonly name = 'Tier2CompileError';
}

/** Modules kept (the oldest goes first): redeployed code leaves stale entries behind. */
const CACHE_LIMIT = 256;
const cache = new Map<string, WasmModule>();

function remember(key: string, m: WasmModule): void {
  cache.set(key, m);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

/** The cache key of an IR text. */
export function irHash(ir: string): string {
  return createHash('sha256').update(ir).digest('hex');
}

/** The cache key of an IR text compiled with (`optimize`) or without the optimizer. */
function keyOf(ir: string, optimize: boolean): string {
  return optimize ? irHash(ir) : `${irHash(ir)}:plain`;
}

/** The cached module for `ir` (compiled with the optimizer), if any. */
export function cached(ir: string): WasmModule | undefined {
  return cache.get(irHash(ir));
}

/** Number of modules in the in-memory cache. */
export function cacheSize(): number {
  return cache.size;
}

/** Empties the in-memory cache (tests, benchmarks). */
export function clearCache(): void {
  cache.clear();
}

function llcFailed(e: unknown, stderr: string | Buffer | undefined): Tier2CompileError {
  const msg = e instanceof Error ? e.message : String(e);
  return new Tier2CompileError(`${LLC} failed: ${msg}${stderr !== undefined && stderr.length > 0 ? `\n${stderr.toString()}` : ''}`);
}

/** Whether module `m` imports only what tier 2 provides. */
function importsAllowed(m: WasmModule): boolean {
  return Wasm.Module.imports(m).every((i) => ALLOWED_IMPORTS.has(`${i.module}.${i.name}`));
}

function llcSync(ir: string | Buffer): Buffer {
  try {
    return execFileSync(LLC, LLC_ARGS, { input: ir, maxBuffer: MAX_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw llcFailed(e, (e as { stderr?: Buffer }).stderr);
  }
}

/** `opt`'s output for `ir`, or null when `opt` is missing or fails (the IR then goes to llc as it is). */
function optSync(ir: string): Buffer | null {
  if (!optAvailable()) return null;
  try {
    return execFileSync(OPT, OPT_ARGS, { input: ir, maxBuffer: MAX_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
}

/**
 * Compiles IR to a WebAssembly module, blocking (tests and benchmarks only); through `opt-14`
 * first unless `optimize` is false.
 */
export function emitSync(ir: string, optimize = true): WasmModule {
  const key = keyOf(ir, optimize);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let m: WasmModule | null = null;
  const optimized = optimize ? optSync(ir) : null;
  if (optimized !== null) {
    try {
      m = new Wasm.Module(llcSync(optimized));
    } catch {
      m = null; // the IR as generated is compiled below: its own error, if any, is the one reported
    }
  }
  if (m === null || !importsAllowed(m)) m = new Wasm.Module(llcSync(ir));
  remember(key, m);
  return m;
}

/** Runs `cmd args` with `input` on stdin in a child process → its stdout. */
function run(cmd: string, args: readonly string[], input: string | Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'buffer', maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      if (err !== null) reject(llcFailed(err, stderr));
      else resolve(stdout);
    });
    child.stdin?.on('error', () => undefined); // the tool missing: reported through the callback
    child.stdin?.end(input);
  });
}

/**
 * Compiles IR to a WebAssembly module in child processes and WebAssembly's async compiler;
 * through `opt-14` first unless `optimize` is false.
 */
export async function emitAsync(ir: string, optimize = true): Promise<WasmModule> {
  const key = keyOf(ir, optimize);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let m: WasmModule | null = null;
  if (optimize && optAvailable()) {
    try {
      m = await Wasm.compile(await run(LLC, LLC_ARGS, await run(OPT, OPT_ARGS, ir)));
    } catch {
      m = null; // the IR as generated is compiled below: its own error, if any, is the one reported
    }
  }
  if (m === null || !importsAllowed(m)) m = await Wasm.compile(await run(LLC, LLC_ARGS, ir));
  remember(key, m);
  return m;
}

let llcState: { ok: boolean; reason?: string } | null = null;
let optState: boolean | null = null;

/** Whether `cmd` is an executable file in a directory of the PATH. */
function onPath(cmd: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  return dirs.some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether `opt-14` is on the PATH (checked once). Without it, tier 2 compiles the IR as generated. */
export function optAvailable(): boolean {
  optState ??= onPath(OPT);
  return optState;
}

/**
 * Whether `llc-14` is on the PATH (checked once, by looking at the file system: cheap enough
 * for the kernel's path). A toolchain that cannot target wasm32 shows as a
 * {@link Tier2CompileError} at the first compilation.
 */
export function llcAvailable(): { ok: boolean; reason?: string } {
  if (llcState !== null) return llcState;
  llcState = onPath(LLC) ? { ok: true } : { ok: false, reason: `${LLC} is not on the PATH (Debian package llvm-14)` };
  return llcState;
}
