/**
 * `immutos repl` as a user meets it, through real pipes and signals (the built CLI, which
 * `npm run build` makes): Ctrl-C (SIGINT) interrupts a running input and keeps the session,
 * Ctrl-C twice at an empty prompt leaves, `:load`, `:kernel` and `:reset` start what they say.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ReplHost } from '../../cli/program/replSession.js';

const built = join(import.meta.dirname, '../../dist/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'immutos-repl-'));
/** Fuel enough that an endless loop is still running when the test interrupts it. */
const ENDLESS = ['--quota-fuel', '1000000000000', '--quota-tree-fuel', '1000000000000'];

/** A REPL child process with its output so far and a way to wait for text in it. */
function repl(...args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; waitFor: (text: string, ms?: number) => Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [built, 'repl', ...args], { env: { ...process.env, HOME: home } });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) (out.includes(w.text) ? w.resolve() : waiters.push(w));
  };
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), check()));
  child.stderr.on('data', (d: Buffer) => ((out += d.toString()), check()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (text: string, ms = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${text}' in REPL output:\n${out}`)), ms);
      waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      check();
    });
  return { child, out: () => out, waitFor, exit };
}

describe.skipIf(!existsSync(join(import.meta.dirname, '../../dist/cli/program/replWorker.js')))('immutos repl (built CLI)', () => {
  for (const kernel of ['reference', 'optimized']) {
    test(`Ctrl-C interrupts an endless loop on ${kernel}; the definitions made before still work; Ctrl-D leaves`, async () => {
      const r = repl('--kernel', kernel, ...ENDLESS);
      r.child.stdin.write('(defn twice [n] (* n 2))\n(def a (atom 0))\n');
      await r.waitFor('=> a');
      r.child.stdin.write('(do (swap! a inc) (loop [] (recur)))\n');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      r.child.kill('SIGINT');
      await r.waitFor('interrupted');
      r.child.stdin.write('(twice 21)\n');
      await r.waitFor('=> 42');
      r.child.stdin.write('(deref a)\n'); // the interrupted input left no trace
      await r.waitFor('=> 0');
      r.child.stdin.end();
      expect(await r.exit).toBe(0);
      expect(r.out()).not.toMatch(/fuel-exhausted/);
    });
  }

  test('Ctrl-C twice at an empty prompt leaves', async () => {
    const r = repl();
    await r.waitFor('immutos> ');
    r.child.kill('SIGINT');
    await r.waitFor('press Ctrl-C again');
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  test(':load evaluates a file in the session; :kernel switches to a fresh kernel; a bad kernel is refused', async () => {
    const file = join(home, 'lib.edn');
    writeFileSync(file, '(defn triple [n] (* 3 n))\n(println "loaded")\n');
    const r = repl();
    r.child.stdin.write(`:load ${file}\n(triple 5)\n`);
    await r.waitFor('=> 15');
    expect(r.out()).toMatch(/loaded\n/);
    r.child.stdin.write(':kernel nope\n');
    await r.waitFor("still on 'reference'");
    r.child.stdin.write(':kernel optimized+tier:0\n(triple 5)\n');
    await r.waitFor('unable to resolve symbol: triple');
    expect(r.out()).toMatch(/a fresh kernel 'optimized\+tier:0': definitions made before are lost/);
    r.child.stdin.end();
    expect(await r.exit).toBe(0);
  });

  test('an unknown or program-less kernel is one line and exit 2', async () => {
    for (const kernel of ['nope', 'spec']) {
      const r = repl('--kernel', kernel);
      r.child.stdin.end();
      expect(await r.exit, kernel).toBe(2);
      expect(r.out().trim().split('\n'), kernel).toHaveLength(1);
    }
  });

  test('--workers 2: processes run on workers, definitions persist, Ctrl-C interrupts and keeps the session', async () => {
    const r = repl('--workers', '2', ...ENDLESS);
    await r.waitFor("on kernel 'optimized+workers:2'");
    r.child.stdin.write('(defn twice [n] (* n 2))\n(def a (atom 0))\n');
    await r.waitFor('=> a');
    r.child.stdin.write('(run! join (mapv (fn [i] (spawn (fn [x] (swap! x inc) (println "bumped")) a)) (range 3)))\n');
    await r.waitFor('[3] bumped');
    r.child.stdin.write('(do (swap! a inc) (loop [] (recur)))\n');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    r.child.kill('SIGINT');
    await r.waitFor('interrupted');
    r.child.stdin.write('(twice (deref a))\n');
    await r.waitFor('=> 6'); // the three bumps, not the interrupted one
    r.child.stdin.end();
    expect(await r.exit).toBe(0);
  });

  test('a bad worker count is one line and exit 2', async () => {
    for (const args of [['--workers', '0'], ['--kernel', 'optimized+workers:x'], ['--kernel', 'reference+tier:0', '--workers', '2']]) {
      const r = repl(...args);
      r.child.stdin.end();
      expect(await r.exit, args.join(' ')).toBe(2);
      expect(r.out().trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

describe('the REPL session (in-process)', () => {
  test(':reset and :kernel start a fresh kernel; inputs keep their order', async () => {
    const host = await ReplHost.start('reference');
    expect(await host.eval({ text: '(def x 41)' })).toEqual({ interrupted: false, text: '=> x\n' });
    expect(await host.eval({ text: '(inc x)' })).toEqual({ interrupted: false, text: '=> 42\n' });
    await host.switchKernel('optimized');
    expect(host.kernel).toBe('optimized');
    expect(await host.eval({ text: '(inc x)' })).toMatchObject({ text: expect.stringMatching(/^error: program-error: unable to resolve symbol: x/) });
    await expect(host.switchKernel('spec')).rejects.toThrow(/kernel 'spec' cannot run programs/);
    expect(host.kernel).toBe('optimized');
    await host.close();
  });

  test('a session on the parallel mode answers as the reference kernel does, input after input', async () => {
    const inputs = [
      '(def a (atom {:n 0}))',
      '(defn bump [x k] (dotimes [i k] (swap! x update :n inc)) (println "bumped" k) k)',
      '(def ps [(spawn bump a 50) (spawn bump a 70)])',
      '(mapv join ps)',
      '(get (deref a) :n)',
      '(defn bump [x k] :redeployed)',
      '(join (spawn bump a 1))',
      '(hold! 3 [:kept])',
      '(held 3)',
      '(deref nosuch)',
    ];
    const ref = await ReplHost.start('reference');
    const par = await ReplHost.start('optimized+workers:2');
    for (const text of inputs) {
      const want = await ref.eval({ text });
      const got = await par.eval({ text });
      expect(got.interrupted, text).toBe(false);
      const kind = (x: typeof want): string => (x.interrupted ? '' : x.text.replace(/^(error: [a-z-]+):.*$/gm, '$1'));
      expect(kind(got), text).toBe(kind(want));
    }
    await ref.close();
    await par.close();
    await expect(ReplHost.start('optimized+workers:0')).rejects.toThrow(/workers/);
  });
});
