import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeAll, encodeAll } from '../../spec/codec/Binary.js';
import { printEdn, readEdnAll } from '../../spec/codec/Edn.js';
import { main } from '../main.js';

const EXAMPLE = '{:a [1 2 #{3}] "b" #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" :c/d (x y) #_ 7}';
const canonical = (text: string): string => readEdnAll(text).map((v) => printEdn(v) + '\n').join('');

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'immutos-codec-'));
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, cb?: unknown) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
    if (typeof cb === 'function') (cb as () => void)();
    return true;
  }) as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write);
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const file = (name: string, data: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe('immutos encode / decode', () => {
  it('encode FILE -o OUT, then decode OUT, prints the same value (without the discarded form)', async () => {
    const src = file('in.edn', EXAMPLE);
    const bin = join(dir, 'out.bin');
    expect(await main(['encode', src, '-o', bin])).toBe(0);
    expect(decodeAll(readFileSync(bin)).map(printEdn)).toEqual(readEdnAll(EXAMPLE).map(printEdn));
    expect(await main(['decode', bin])).toBe(0);
    expect(out.join('')).toBe(canonical(EXAMPLE));
    expect(out.join('')).not.toMatch(/(^|\s)7(\s|\}|$)/);
  });

  it('several top-level forms go into one blob and come back one per line', async () => {
    const text = ':a 1 "two" [3] ; comment\n{:x #inst "2020-01-01T00:00:00Z"} #bytes "00ff" ##NaN';
    const bin = join(dir, 'many.bin');
    expect(await main(['encode', file('many.edn', text), '-o', bin])).toBe(0);
    expect(await main(['decode', bin])).toBe(0);
    expect(out.join('')).toBe(canonical(text));
    expect(out.join('').split('\n').length).toBe(readEdnAll(text).length + 1);
  });

  it('decode -o writes the text to a file', async () => {
    const bin = file('x.bin', encodeAll(readEdnAll('(a b) [c]')));
    const txt = join(dir, 'x.edn');
    expect(await main(['decode', bin, '-o', txt])).toBe(0);
    expect(readFileSync(txt, 'utf8')).toBe('(a b)\n[c]\n');
  });

  it('garbage into decode exits 2 with one line naming the byte offset', async () => {
    for (const garbage of [Buffer.from('{:a 1}'), Buffer.from([0xb1, 0x49, 0x4d, 0x01, 0xe4, 0x03, 0xdc]), Buffer.from([0xb1, 0x49, 0x4d, 0x07])]) {
      err = [];
      expect(await main(['decode', file('g.bin', garbage)])).toBe(2);
      const msg = err.join('');
      expect(msg.trimEnd().split('\n')).toHaveLength(1);
      expect(msg).toMatch(/^immutos: bad input: .*byte offset \d+/);
    }
  });

  it('bad EDN into encode exits 2 with line and column', async () => {
    expect(await main(['encode', file('bad.edn', '[1 2'), '-o', join(dir, 'o.bin')])).toBe(2);
    expect(err.join('')).toMatch(/line 1, column/);
    err = [];
    expect(await main(['encode', file('bad2.edn', Buffer.from([0x22, 0xff, 0x22])), '-o', join(dir, 'o.bin')])).toBe(2);
    expect(err.join('')).toMatch(/not valid UTF-8/);
  });

  it('refuses to write binary to a terminal, and reports missing files as usage errors', async () => {
    const desc = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      expect(await main(['encode', file('t.edn', '1')])).toBe(2);
      expect(err.join('')).toMatch(/refusing to write binary to a terminal/);
    } finally {
      if (desc) Object.defineProperty(process.stdout, 'isTTY', desc);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
    expect(await main(['decode', join(dir, 'missing.bin')])).toBe(2);
    expect(await main(['encode', join(dir, 'missing.edn'), '-o', join(dir, 'o.bin')])).toBe(2);
  });
});

describe('immutos bench', () => {
  it('lists the suites and rejects unknown ones', async () => {
    expect(await main(['bench', '--list'])).toBe(0);
    expect(out.join('')).toMatch(/^encoding\s/m);
    expect(await main(['bench', 'no-such-suite'])).toBe(2);
  });

  it('runs the encoding suite (quick) and writes JSON in which our format is smaller than plain CBOR', async () => {
    expect(await main(['bench', 'encoding', '--quick', '--results-dir', dir])).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'encoding.json'), 'utf8')) as { nodes: number; results: { format: string; bytes: number }[]; ratios: { size: number } };
    expect(report.nodes).toBeGreaterThanOrEqual(20_000);
    expect(report.results.map((r) => r.format)).toEqual(['immutos binary v1', 'cbor-x plain', 'cbor-x pack']);
    expect(report.ratios.size).toBeLessThan(1);
    expect(out.join('')).toMatch(/ours \/ cbor-x plain: size/);
  });
});

// The built CLI, end to end through real pipes (needs `npm run build`, which `npm ci` runs).
const built = join(import.meta.dirname, '../../dist/cli/main.js');
describe.skipIf(!existsSync(join(import.meta.dirname, '../../dist/cli/commands/encode.js')))('built CLI through pipes', () => {
  it('echo EXAMPLE | immutos encode | immutos decode prints the same value', () => {
    const blob = execFileSync('node', [built, 'encode'], { input: EXAMPLE });
    const text = execFileSync('node', [built, 'decode'], { input: blob }).toString();
    expect(text).toBe(canonical(EXAMPLE));
  });

  it('garbage into decode exits 2 with a one-line message', () => {
    const r = spawnSync('node', [built, 'decode'], { input: 'not a blob' });
    expect(r.status).toBe(2);
    expect(r.stderr.toString().trimEnd().split('\n')).toHaveLength(1);
  });
});
