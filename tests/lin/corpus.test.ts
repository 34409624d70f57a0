/**
 * The linearizability corpus: histories of simulated correct and broken stores with known verdicts
 * (harness/lin/corpus.ts). Small ones are kept under tests/lin/corpus/ as Jepsen EDN (regenerate
 * them with LIN_CORPUS_WRITE=1); large ones are generated here. Every verdict must be definite and
 * right, within a bounded time and memory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, corpusHistory } from '../../harness/lin/corpus.js';
import { checkHistory } from '../../harness/lin/checker.js';
import { readHistory } from '../../harness/lin/formats.js';
import { builtinModel } from '../../harness/lin/models.js';

const DIR = join(import.meta.dirname, 'corpus');
const LIMITS = { timeoutMs: 30_000, maxCacheBytes: 256 * 1024 * 1024 };
const keyText = (k: unknown): string => String(k);

describe('linearizability corpus: known verdicts', () => {
  const verdicts: Record<string, { model: string; expected: string; violatedKeys: string[] }> = {};
  for (const e of CORPUS) {
    it(`${e.name}: definite and right (${e.sim.ops} operations${e.kept ? ', kept as a file' : ''})`, { timeout: 60_000 }, () => {
      const { edn, history } = corpusHistory(e);
      verdicts[e.name] = { model: e.model, expected: history.expected, violatedKeys: history.violatedKeys.map(keyText) };
      // A broken store's history has its witness on every key the bug touched with enough traffic.
      expect(history.expected).toBe(e.sim.bug === undefined || e.sim.bug === 'none' ? 'ok' : 'violation');
      const file = join(DIR, `${e.name}.edn`);
      if (e.kept) {
        if (process.env['LIN_CORPUS_WRITE'] === '1') writeFileSync(file, edn);
        expect(readFileSync(file, 'utf8')).toBe(edn);
      }
      // Read back from Jepsen EDN, as a user's file would be.
      const read = readHistory(edn, { model: e.model });
      expect(read.ops.length).toBe(history.ops.length);
      const r = checkHistory(builtinModel(e.model), read.ops, { ...LIMITS, allPartitions: true });
      expect(r.verdict).toBe(history.expected);
      const violated = r.partitions.filter((p) => p.verdict === 'violation').map((p) => keyText(p.key));
      // Every key with a witness is found; keys the bug did not touch are linearizable.
      expect(violated).toEqual(expect.arrayContaining(history.violatedKeys.map(keyText)));
      if (e.sim.badKeys !== undefined) {
        const bad = new Set(e.sim.badKeys.map(String));
        for (const p of r.partitions) if (!bad.has(keyText(p.key))) expect(p.verdict).toBe('ok');
      }
      expect(r.partitions.every((p) => p.verdict !== 'unknown')).toBe(true);
    });
  }

  it('the verdicts file lists every kept history', () => {
    const kept = Object.fromEntries(CORPUS.filter((e) => e.kept).map((e) => [e.name, verdicts[e.name]]));
    const file = join(DIR, 'verdicts.json');
    const text = JSON.stringify(kept, null, 2) + '\n';
    if (process.env['LIN_CORPUS_WRITE'] === '1') writeFileSync(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
