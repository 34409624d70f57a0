/**
 * The model manifest (`spec/tla/manifest.json`): every finite model `immutos check` runs, with
 * its expected result and pinned distinct-state count. See docs/check.md for the format.
 * @module
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';

/** What a model is expected to do: pass, or violate the named invariant (or property). */
export type Expectation = 'pass' | { readonly violation: string };

/** One model of the manifest. */
export interface ModelEntry {
  /** Unique model name, e.g. `MCAtoms_small`; what `immutos check NAME` selects. */
  readonly name: string;
  /** The TLA+ module name (the `---- MODULE X ----` of the `.tla`). */
  readonly module: string;
  /** Path of the `.tla` file, relative to the repository root. */
  readonly tla: string;
  /** Path of the `.cfg` file, relative to the repository root. */
  readonly cfg: string;
  /** The TS mirror's module (`Atoms` → `spec/Atoms.ts` or `proofs/Atoms.ts`; a path with `/` is taken from the root), or null. */
  readonly mirror: string | null;
  /** Expected result. */
  readonly expect: Expectation;
  /** Pinned distinct-state count (null: not pinned, e.g. for violations whose count depends on search order). */
  readonly distinctStates: number | null;
  /** Excluded from the default run (`--big` includes it). */
  readonly big: boolean;
  /** The model checks temporal properties (PROPERTY in its cfg). */
  readonly liveness: boolean;
  /**
   * The embedded TLA+ engine takes long on this model: by default (`immutos check`, `immutos
   * start`) a passing model with a mirror is compared with its module by sampling on it instead of
   * checked in full; `--full` checks it in full (docs/check.md).
   */
  readonly slowTla?: boolean;
  /** Optional free text. */
  readonly description?: string;
}

/** A loaded manifest. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  readonly path: string;
  /** Absolute repository root the model paths are relative to. */
  readonly root: string;
  /** The models, in file order. */
  readonly models: readonly ModelEntry[];
}

/** A manifest that does not follow the format; the message names the file, the model and the field. */
export class ManifestError extends UsageError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const FIELDS = new Set(['name', 'module', 'tla', 'cfg', 'mirror', 'expect', 'distinctStates', 'big', 'liveness', 'slowTla', 'description']);

/** The repository root: the nearest ancestor of this file holding `package.json` (works from `dist/` and from source). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The default manifest path, `spec/tla/manifest.json` under the repository root. */
export function defaultManifestPath(): string {
  return join(repoRoot(), 'spec', 'tla', 'manifest.json');
}

/**
 * Checks a parsed manifest and returns its models. `where` names the file in messages;
 * `root`, when given, is used to check that every `tla`/`cfg` path exists.
 * @throws ManifestError naming the first problem found.
 */
export function validateManifest(json: unknown, where: string, root?: string): ModelEntry[] {
  const fail = (msg: string): never => { throw new ManifestError(`${where}: ${msg}`); };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the top level must be an object { "models": [...] }');
  const top = json as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'models' && k !== 'description' && k !== '$comment') fail(`unknown top-level key "${k}"`);
  if (!Array.isArray(top.models)) fail('"models" must be an array');
  const seen = new Set<string>();
  const out: ModelEntry[] = [];
  (top.models as unknown[]).forEach((raw, idx) => {
    const at = (f: string): string => `model #${idx}${typeof (raw as { name?: unknown })?.name === 'string' ? ` (${(raw as { name: string }).name})` : ''}: ${f}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at('must be an object'));
    const m = raw as Record<string, unknown>;
    for (const k of Object.keys(m)) if (!FIELDS.has(k)) fail(at(`unknown field "${k}" (known: ${[...FIELDS].join(', ')})`));
    const str = (f: string): string => {
      if (typeof m[f] !== 'string' || (m[f] as string).length === 0) fail(at(`"${f}" must be a non-empty string`));
      return m[f] as string;
    };
    const bool = (f: string): boolean => {
      if (typeof m[f] !== 'boolean') fail(at(`"${f}" must be true or false`));
      return m[f] as boolean;
    };
    const name = str('name');
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail(at('"name" may contain only letters, digits, "_", "-" and "."'));
    if (seen.has(name)) fail(at(`duplicate model name "${name}"`));
    seen.add(name);
    const module = str('module');
    const tla = str('tla');
    const cfg = str('cfg');
    if (!tla.endsWith('.tla')) fail(at('"tla" must be a path ending in .tla'));
    if (!cfg.endsWith('.cfg')) fail(at('"cfg" must be a path ending in .cfg'));
    if (!(tla.replace(/^.*\//, '') === `${module}.tla`)) fail(at(`"tla" file name must be ${module}.tla (the module name)`));
    if (!('mirror' in m) || (m.mirror !== null && (typeof m.mirror !== 'string' || m.mirror.length === 0))) fail(at('"mirror" must be a module name or null'));
    let expect: Expectation;
    if (m.expect === 'pass') expect = 'pass';
    else if (typeof m.expect === 'object' && m.expect !== null && !Array.isArray(m.expect)
      && Object.keys(m.expect).length === 1 && typeof (m.expect as { violation?: unknown }).violation === 'string'
      && ((m.expect as { violation: string }).violation).length > 0) expect = { violation: (m.expect as { violation: string }).violation };
    else expect = fail(at('"expect" must be "pass" or { "violation": "InvariantName" }'));
    const ds = m.distinctStates;
    if (!('distinctStates' in m) || (ds !== null && (typeof ds !== 'number' || !Number.isInteger(ds) || ds < 1))) fail(at('"distinctStates" must be a positive integer or null'));
    const entry: ModelEntry = {
      name, module, tla, cfg, mirror: (m.mirror as string | null), expect, distinctStates: ds as number | null,
      big: bool('big'), liveness: bool('liveness'),
      ...(m.slowTla !== undefined ? { slowTla: bool('slowTla') } : {}),
      ...(m.description !== undefined ? { description: typeof m.description === 'string' ? m.description : fail(at('"description" must be a string')) } : {}),
    };
    if (root !== undefined) {
      for (const f of [tla, cfg]) if (!existsSync(resolve(root, f))) fail(at(`file not found: ${f} (paths are relative to ${root})`));
    }
    out.push(entry);
  });
  return out;
}

/**
 * Loads and validates a manifest file. Paths inside are relative to `root` (default: the repository root).
 * @throws ManifestError if the file is missing, not JSON, or not in the format.
 */
export function loadManifest(path: string = defaultManifestPath(), root: string = repoRoot()): Manifest {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new ManifestError(`manifest not found: ${abs}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new ManifestError(`${abs}: not valid JSON: ${(e as Error).message}`);
  }
  return { path: abs, root, models: validateManifest(json, abs, root) };
}
