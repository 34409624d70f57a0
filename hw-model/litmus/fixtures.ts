/**
 * Loads the published allowed-outcome sets (`fixtures/*.json`, one file per test family, each
 * naming its sources) and formats them like the enumerator's outcomes.
 * @module
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryModel } from '../backend.js';

/** One test's published allowed outcomes, per model. */
export interface LitmusFixture {
  /** Test name (as in the catalogue). */
  readonly name: string;
  /** Family file it came from. */
  readonly family: string;
  /** The sources the family file cites. */
  readonly sources: readonly string[];
  /** Observed registers/locations, in order. */
  readonly observe: readonly string[];
  /** Allowed outcomes per model, formatted herd-style and sorted. */
  readonly allowed: Readonly<Record<MemoryModel, readonly string[]>>;
}

interface FamilyFile {
  family: string;
  sources: string[];
  tests: { name: string; observe: string[]; allowed: Record<MemoryModel, number[][]> }[];
}

/** The folder holding the fixture files. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Reads every fixture file; throws on a malformed one. */
export function loadFixtures(dir: string = FIXTURE_DIR): LitmusFixture[] {
  const out: LitmusFixture[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const fam = JSON.parse(readFileSync(join(dir, f), 'utf8')) as FamilyFile;
    if (!Array.isArray(fam.sources) || fam.sources.length === 0) throw new Error(`${f}: no sources named`);
    for (const t of fam.tests) {
      const fmt = (vals: number[]): string => {
        if (vals.length !== t.observe.length) throw new Error(`${f}: ${t.name}: outcome ${JSON.stringify(vals)} does not match observe`);
        return t.observe.map((o, i) => `${o}=${vals[i]};`).join(' ');
      };
      const allowed = {} as Record<MemoryModel, string[]>;
      for (const m of ['sc', 'tso', 'relaxed'] as const) {
        if (!Array.isArray(t.allowed[m])) throw new Error(`${f}: ${t.name}: no outcomes for ${m}`);
        allowed[m] = t.allowed[m].map(fmt).sort();
      }
      out.push({ name: t.name, family: fam.family, sources: fam.sources, observe: t.observe, allowed });
    }
  }
  return out;
}
