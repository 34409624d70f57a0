#!/usr/bin/env node
// Copies the GC-CORE and GC-INVARIANTS sections of spec/tla/GC.tla into the proof modules that
// need them (tla-checker has no INSTANCE).  `node proofs/sync-gc-core.mjs --check` exits 1 when a
// proof module's copy differs from GC.tla (the test suite runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['proofs/GCRefinement.tla', 'proofs/GCInductive.tla'];
const SECTIONS = ['GC-DEFS', 'GC-CORE', 'GC-INVARIANTS'];

/** The text between `\* BEGIN name` (its whole line) and `\* END name`. */
export function section(text, name) {
  const b = text.indexOf(`\\* BEGIN ${name}`);
  const e = text.indexOf(`\\* END ${name}`);
  if (b < 0 || e < b) throw new Error(`section ${name} not found`);
  const start = text.indexOf('\n', b) + 1;
  return { start, end: e, body: text.slice(start, e) };
}

export function synced(gcText, proofText) {
  let out = proofText;
  for (const name of SECTIONS) {
    const src = section(gcText, name).body;
    const dst = section(out, name);
    out = out.slice(0, dst.start) + src + out.slice(dst.end);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const gc = readFileSync(join(root, 'spec/tla/GC.tla'), 'utf8');
  let stale = false;
  for (const t of TARGETS) {
    const cur = readFileSync(join(root, t), 'utf8');
    const next = synced(gc, cur);
    if (next !== cur) {
      if (process.argv.includes('--check')) { console.error(`${t} is out of sync with spec/tla/GC.tla`); stale = true; }
      else { writeFileSync(join(root, t), next); console.log(`updated ${t}`); }
    }
  }
  process.exit(stale ? 1 : 0);
}
