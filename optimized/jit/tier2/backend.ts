/**
 * Tier-2 back end: LLVM IR text → `llc-14 -march=wasm32 -filetype=obj` → a WebAssembly module.
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

/** The cached module for `ir`, if any. */
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

/** Compiles IR to a WebAssembly module, blocking (tests and benchmarks only). */
export function emitSync(ir: string): WasmModule {
  const key = irHash(ir);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let obj: Buffer;
  try {
    obj = execFileSync(LLC, LLC_ARGS, { input: ir, maxBuffer: MAX_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw llcFailed(e, (e as { stderr?: Buffer }).stderr);
  }
  const m = new Wasm.Module(obj);
  remember(key, m);
  return m;
}

/** Compiles IR to a WebAssembly module in a child process and WebAssembly's async compiler. */
export async function emitAsync(ir: string): Promise<WasmModule> {
  const key = irHash(ir);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const obj = await new Promise<Buffer>((resolve, reject) => {
    const child = execFile(LLC, LLC_ARGS, { encoding: 'buffer', maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      if (err !== null) reject(llcFailed(err, stderr));
      else resolve(stdout);
    });
    child.stdin?.on('error', () => undefined); // llc missing: reported through the callback
    child.stdin?.end(ir);
  });
  const m = await Wasm.compile(obj);
  remember(key, m);
  return m;
}

let llcState: { ok: boolean; reason?: string } | null = null;

/**
 * Whether `llc-14` is on the PATH (checked once, by looking at the file system: cheap enough
 * for the kernel's path). A toolchain that cannot target wasm32 shows as a
 * {@link Tier2CompileError} at the first compilation.
 */
export function llcAvailable(): { ok: boolean; reason?: string } {
  if (llcState !== null) return llcState;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  const found = dirs.some((d) => {
    try {
      accessSync(join(d, LLC), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  llcState = found ? { ok: true } : { ok: false, reason: `${LLC} is not on the PATH (Debian package llvm-14)` };
  return llcState;
}
