// `immutos check --itf DIR`: each counterexample is written as an ITF trace (Apalache/Quint's format).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from './check.js';

describe('immutos check --itf', () => {
  it('writes the counterexample of a seeded-bug model as an ITF trace per engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immutos-itf-'));
    const p = new Command('immutos').exitOverride();
    register(p);
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await p.parseAsync(['check', 'HwMemory_small_bug_noinv', '--itf', dir, '--parallel', '1'], { from: 'user' });
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
    expect(out).toMatch(/ITF trace: /);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['HwMemory_small_bug_noinv.tla-checker.itf.json', 'HwMemory_small_bug_noinv.ts.itf.json']);
    for (const f of files) {
      const t = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(t['#meta'].format).toBe('ITF');
      expect(t['#meta'].violated).toBe('SWMR');
      expect(t.vars).toContain('mbt::actionTaken');
      expect(t.states.length).toBeGreaterThan(1);
      // every variable of every state is read into an ITF value, none left as text
      expect(JSON.stringify(t)).not.toContain('#unserializable');
      for (const s of t.states) for (const v of t.vars) expect(s).toHaveProperty([v]);
    }
  });
});
