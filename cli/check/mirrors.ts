/**
 * Finds and loads the TS mirror a manifest model names, from compiled JS (`dist/`) or from the
 * TypeScript source (under vitest), and instantiates it with the model's cfg constants.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { SpecInstance, SpecModule } from '../../spec/SpecModule.js';
import type { TlcConfig } from './cfg.js';

/** A mirror could not be found, loaded or instantiated. */
export class MirrorError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'MirrorError';
  }
}

/** The directory holding this build's `spec/`, `proofs/`, `cli/` (the repo root from source, `dist/` when compiled). */
export function codeRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Candidate files for a mirror name: `Atoms` → spec/Atoms, proofs/Atoms; `a/b/C` → a/b/C; each as .js, then .ts. */
export function mirrorCandidates(mirror: string, root: string = codeRoot()): string[] {
  const bases = mirror.includes('/') ? [mirror] : [`spec/${mirror}`, `proofs/${mirror}`];
  const out: string[] = [];
  for (const b of bases) for (const ext of ['.js', '.ts']) out.push(join(root, b.replace(/\.(ts|js)$/, '') + ext));
  return out;
}

const isSpecModule = (v: unknown): v is SpecModule<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { instantiate?: unknown }).instantiate === 'function';

/**
 * Loads the {@link SpecModule} of a mirror: the module's `specModule` export, else its default
 * export, else its only export that is a SpecModule (preferring one whose name is `moduleName`).
 */
export async function loadMirror(mirror: string, moduleName: string): Promise<SpecModule<unknown>> {
  const file = mirrorCandidates(mirror).find((f) => existsSync(f));
  if (!file) throw new MirrorError(`mirror ${mirror} not found (looked for ${mirrorCandidates(mirror).map((f) => f.replace(codeRoot() + '/', '')).join(', ')})`);
  const ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (isSpecModule(ns.specModule)) return ns.specModule;
  if (isSpecModule(ns.default)) return ns.default;
  const all = Object.values(ns).filter(isSpecModule);
  const named = all.filter((m) => m.name === moduleName);
  if (named.length === 1) return named[0]!;
  if (all.length === 1) return all[0]!;
  throw new MirrorError(`${file}: expected one exported SpecModule (export const specModule: SpecModule<S>), found ${all.length}`);
}

/** Instantiates a mirror with a cfg's constants. @throws MirrorError if a constant could not be read or the mirror rejects them. */
export function instantiateMirror(mod: SpecModule<unknown>, cfg: TlcConfig, cfgFile: string): SpecInstance<unknown> {
  const bad = Object.entries(cfg.unreadableConstants);
  if (bad.length > 0) throw new MirrorError(`${cfgFile}: constants a TS mirror cannot receive: ${bad.map(([k, v]) => `${k} (${v})`).join(', ')}`);
  try {
    return mod.instantiate(cfg.constants);
  } catch (e) {
    throw new MirrorError(`${mod.name}.instantiate(${cfgFile} constants) failed: ${(e as Error).message}`);
  }
}
