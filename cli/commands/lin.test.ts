import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'immutos-lin-'));
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    out.push(String(chunk));
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

const file = (name: string, data: string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

const GOOD = `{:type :invoke, :f :write, :value [0 1], :process 0}
{:type :invoke, :f :read, :value [0 nil], :process 1}
{:type :ok, :f :write, :value [0 1], :process 0}
{:type :ok, :f :read, :value [0 1], :process 1}
{:type :invoke, :f :write, :value [1 5], :process 0}
{:type :info, :f :write, :value [1 5], :process 0}
`;
const BAD = `${GOOD}{:type :invoke, :f :read, :value [0 nil], :process 2}
{:type :ok, :f :read, :value [0 nil], :process 2}
`;

describe('immutos lin', () => {
  it('exits 0 for a linearizable Jepsen EDN history', async () => {
    expect(await main(['lin', file('good.edn', GOOD), '--model', 'kv'])).toBe(0);
    expect(out.join('')).toMatch(/^linearizable: 3 operations, 2 partitions, model kv/);
    expect(existsSync(join(dir, 'good.lin.html'))).toBe(false);
  });

  it('exits 1 for a violation, names the key and draws the picture next to the file', async () => {
    expect(await main(['lin', file('bad.edn', BAD), '--model', 'kv'])).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/^not linearizable/);
    expect(text).toMatch(/key 0: not linearizable; .* cannot place operation 3 \(client 2: read → nil\)/);
    const html = readFileSync(join(dir, 'bad.lin.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('class="op stuck"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('--html draws any history; --json prints the result', async () => {
    const pic = join(dir, 'pic.html');
    expect(await main(['lin', file('good.edn', GOOD), '-m', 'kv', '--html', pic, '--json'])).toBe(0);
    const r = JSON.parse(out.join('')) as { verdict: string; partitions: { key: string; verdict: string }[]; picture: string };
    expect(r.verdict).toBe('ok');
    expect(r.partitions.map((p) => p.key)).toEqual(['0', '1']);
    expect(r.picture).toBe(pic);
    expect(readFileSync(pic, 'utf8')).toContain('linearizable');
  });

  it('exits 3 when it cannot decide in time', async () => {
    const ops: string[] = [];
    for (let i = 0; i < 60; i++) ops.push(`{"client": ${i}, "call": 0, "return": 1000, "input": {"f": "write", "value": ${i}}, "output": {"type": "ok", "value": ${i}}}`);
    for (let i = 0; i < 60; i++) ops.push(`{"client": ${100 + i}, "call": 0, "return": 1000, "input": {"f": "read", "value": null}, "output": {"type": "ok", "value": ${(i * 7) % 60}}}`);
    const f = file('hard.json', `{"model": "register", "operations": [${ops.join(',')}]}`);
    expect(await main(['lin', f, '--timeout', '0.2'])).toBe(3);
    expect(out.join('')).toMatch(/^not decided \(timeout 0.2 s\)/);
  });

  it('reads our JSON with the atom model', async () => {
    const f = file('atom.json', '{"model": "atom", "initial": "0", "operations": [{"client": 0, "key": 1, "call": 0, "return": 1, "input": {"op": "reset", "value": "5"}, "output": "5"}, {"client": 1, "key": 1, "call": 2, "return": 3, "input": {"op": "deref"}, "output": {"value": "0", "stamp": 0}}]}');
    expect(await main(['lin', f, '--no-picture'])).toBe(1);
    expect(existsSync(join(dir, 'atom.lin.html'))).toBe(false);
  });

  it('takes a model module by path', async () => {
    const m = file('counter.mjs', 'export default { init: () => 0, step: (s, input, output) => (input === "inc" ? s + 1 : output === s ? s : undefined) };\n');
    const h = file('counter.json', '{"operations": [{"client": 0, "call": 0, "return": 1, "input": "inc", "output": null}, {"client": 1, "call": 2, "return": 3, "input": "get", "output": 1}]}');
    expect(await main(['lin', h, '--model', m])).toBe(0);
  });

  it('exits 2 with one line for bad input', async () => {
    expect(await main(['lin', file('x.edn', '{:type :ok, :f :read, :value 1, :process 0}')])).toBe(2);
    expect(err.join('')).toMatch(/^immutos: bad input: operation map 1: process 0 completes an operation it never invoked\n$/);
    err.length = 0;
    expect(await main(['lin', join(dir, 'missing.edn')])).toBe(2);
    expect(await main(['lin', file('y.edn', GOOD), '--model', 'no-such-model.mjs'])).toBe(2);
  });
});
