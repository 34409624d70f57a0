/**
 * `immutos run` and `immutos repl` as a user meets them: exit codes, output, error positions,
 * binary input, the kernel choice; and the REPL session logic (multi-line input, commands).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { ReplSession, openBrackets } from '../../cli/commands/repl.js';
import { encodeAll } from '../../spec/codec/Binary.js';
import { readEdnAll } from '../../spec/codec/Edn.js';
import { createReferenceKernel } from '../../reference/index.js';

/** Runs the CLI in-process; returns exit code, stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const saved = process.exitCode;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = saved;
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'immutos-run-'));
function file(name: string, content: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

afterEach(() => vi.restoreAllMocks());

describe('immutos run', () => {
  test('prints an example\'s expected output and exits 0', async () => {
    const r = await cli('run', 'examples/byte_strings.edn');
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync('examples/byte_strings.expected', 'utf8'));
  });

  test('an uncaught error exits 1 with the kind, message and the form\'s position', async () => {
    const r = await cli('run', file('bad.edn', '(println "before")\n(defn f [x]\n  (inc x))\n(f :oops)\n'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('before\n');
    expect(r.err).toMatch(/uncaught program-error in process 0: inc: expected a number.*line 3, column 3/);
  });

  test('unreadable EDN is bad input (exit 2) with line and column', async () => {
    const r = await cli('run', file('broken.edn', '(def x [1 2)\n'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad input.*line 1/);
  });

  test('runs the binary AST (recognised by its magic bytes)', async () => {
    const forms = readEdnAll('(def a (atom 20)) (swap! a + 22) (println "binary!") (deref a)');
    const r = await cli('run', file('prog.bin', encodeAll(forms)));
    expect(r.code).toBe(0);
    expect(r.out).toBe('binary!\n=> 42\n');
  });

  test('--json prints one report with every process and the result', async () => {
    const r = await cli('run', 'examples/fork_isolation.edn', '--json', '--seed', '3');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.seed).toBe(3);
    expect(report.result).toEqual({ ok: true, value: ':parent-value' });
    expect(report.processes.map((p: { pid: number }) => p.pid)).toEqual([0, 1]);
  });

  test('the optimized kernel runs programs too, with the same output', async () => {
    const ref = await cli('run', 'examples/byte_strings.edn');
    const opt = await cli('run', 'examples/byte_strings.edn', '--kernel', 'optimized');
    expect(opt.code).toBe(0);
    expect(opt.out).toBe(ref.out);
  });

  test('a kernel that cannot run programs is refused clearly', async () => {
    const r = await cli('run', 'examples/byte_strings.edn', '--kernel', 'spec');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^immutos: kernel 'spec' cannot run programs: it does not implement load\/.*\(spec\/Kernel\.ts ProgramHost\)\n$/);
  });

  test('every kernel name the registry resolves runs programs: tiers, hardware models, mutants', async () => {
    const ref = await cli('run', 'examples/byte_strings.edn');
    for (const kernel of ['optimized+tier:0', 'optimized+tier:1', 'optimized+hw:sc', 'optimized+hw:relaxed', 'reference+mutant:swap-no-retry']) {
      const r = await cli('run', 'examples/byte_strings.edn', '--kernel', kernel);
      expect(r.code, kernel).toBe(0);
      expect(r.out, kernel).toBe(ref.out);
    }
    const json = JSON.parse((await cli('run', 'examples/collections.edn', '--kernel', 'optimized+tier:0', '--mutant', 'collection-off-by-one', '--json')).out);
    expect(json.kernel).toBe('optimized+tier:0+mutant:collection-off-by-one');
  });

  test('an unknown kernel, modifier or mutant is one line and exit 2', async () => {
    for (const [kernel, why] of [['nope', /unknown kernel 'nope'/], ['optimized+hw:weird', /unknown hardware model 'weird'/], ['optimized+tier:7', /unknown tier '7'/], ['reference+mutant:nope', /has no mutant 'nope'/]] as const) {
      const r = await cli('run', 'examples/byte_strings.edn', '--kernel', kernel);
      expect(r.code, kernel).toBe(2);
      expect(r.err, kernel).toMatch(why);
      expect(r.err.trim().split('\n'), kernel).toHaveLength(1);
    }
  });

  test('--help lists the kernels that run programs', async () => {
    const { Command } = await import('commander');
    const { register, KERNEL_HELP } = await import('../../cli/commands/run.js');
    const program = new Command('immutos');
    register(program);
    const kernel = program.commands.find((c) => c.name() === 'run')!.options.find((o) => o.long === '--kernel')!;
    expect(kernel.description).toBe(KERNEL_HELP);
    expect(KERNEL_HELP).toMatch(/: reference, optimized, optimized\+tier:0, optimized\+hw:sc, optimized\+hw:tso, optimized\+hw:relaxed /);
    expect(KERNEL_HELP).not.toMatch(/\bspec\b/);
  });

  test('a mutant can be injected from the command line', async () => {
    const clean = await cli('run', 'examples/collections.edn');
    const mutant = await cli('run', 'examples/collections.edn', '--mutant', 'collection-off-by-one');
    expect(clean.code).toBe(0);
    expect(mutant.code).toBe(1);
  });
});

describe('immutos repl', () => {
  test('multi-line input waits for balanced brackets (strings, chars and comments ignored)', () => {
    expect(openBrackets('(defn f [x]')).toBe(1);
    expect(openBrackets('(let [x {:a (f')).toBe(4);
    expect(openBrackets('(str ")" \\( ; (((\n)')).toBe(0);
    expect(openBrackets('"unterminated (')).toBeGreaterThan(0);
  });

  test('a session keeps definitions, prints new output and results, and answers commands', () => {
    const s = new ReplSession(createReferenceKernel());
    expect(s.eval('(def a (atom 1))')).toBe('=> a\n');
    expect(s.eval('(defn bump []\n  (swap! a inc))')).toBe('=> bump\n');
    expect(s.eval('(println "hi") (bump)')).toBe('hi\n=> 2\n');
    expect(s.eval('(defn bump [] (swap! a + 10)) (bump)')).toBe('=> 12\n');
    expect(s.eval('(inc :x)')).toMatch(/^error: program-error: inc: expected a number/);
    expect(s.eval('(def x [1 2')).toMatch(/^error: bad-input/);
    expect(s.eval(':help')).toMatch(/:quit/);
    expect(s.eval(':atoms')).toMatch(/process 0 #atom 0 = 12 \(stamp 2\)/);
  });
});
