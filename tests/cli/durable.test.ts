/**
 * `immutos repl --db DIR` and `immutos run --db DIR` through the built CLI: durable atoms and
 * definitions survive a SIGKILL of the REPL, and `run` continues where the REPL stopped.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const built = join(import.meta.dirname, '../../dist/cli/main.js');
const home = mkdtempSync(join(tmpdir(), 'immutos-durable-'));

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
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  const waitFor = (text: string, ms = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${text}' in REPL output:\n${out}`)), ms);
      waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      check();
    });
  return { child, out: () => out, waitFor, exit };
}

describe.skipIf(!existsSync(join(import.meta.dirname, '../../dist/cli/program/definitions.js')))('--db (built CLI)', () => {
  for (const kernel of ['reference', 'optimized']) {
    test(`on ${kernel}: a durable atom, its history and a function survive a SIGKILL of the REPL`, async () => {
      const db = join(home, `db-${kernel}`);
      const first = repl('--kernel', kernel, '--db', db);
      first.child.stdin.write('(defn twice [n] (* n 2))\n(def c (durable-atom :counter 1))\n');
      await first.waitFor('=> c');
      first.child.stdin.write('(swap! c twice)\n');
      await first.waitFor('=> 2');
      first.child.stdin.write('(swap! c + 40)\n');
      await first.waitFor('=> 42'); // acknowledged: durable before the REPL answered
      first.child.kill('SIGKILL');
      expect(await first.exit).toBe(-1);

      const second = repl('--kernel', kernel, '--db', db);
      second.child.stdin.write('(deref c)\n');
      await second.waitFor('=> 42');
      second.child.stdin.write('(history c)\n');
      await second.waitFor('=> [[2 0 1] [4 1 2] [5 2 42]]'); // t 1 and 3 recorded the two definitions
      second.child.stdin.write('(twice 21)\n');
      await second.waitFor('42]]\nimmutos> => 42\n'); // the function defined before the kill
      second.child.stdin.write('[(twice 50) (as-of 4)]\n');
      await second.waitFor('=> [100 {:counter 2, :immutos/definitions ["(defn twice [n] (* n 2))" "(def c (durable-atom :counter 1))"]}]');
      second.child.stdin.end();
      expect(await second.exit).toBe(0);
      expect(second.out()).not.toMatch(/error/);

      // `run` on the same database: the definitions come first, the atom continues
      const prog = join(home, `prog-${kernel}.edn`);
      writeFileSync(prog, '(def c (durable-atom :counter 0)) (swap! c inc) [(twice (deref c)) (basis)]\n');
      const r = spawnSync(process.execPath, [built, 'run', '--kernel', kernel, '--db', db, prog], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('=> [86 6]\n');
    }, 120_000);
  }

  test('Ctrl-C with --db rebuilds the session from the database: no durable write is made twice', async () => {
    const r = repl('--db', join(home, 'db-interrupt'), '--quota-fuel', '1000000000000', '--quota-tree-fuel', '1000000000000');
    r.child.stdin.write('(defn bump [n] (+ n 1))\n(def c (durable-atom :c 0))\n(swap! c bump)\n');
    await r.waitFor('=> 1');
    r.child.stdin.write('(loop [] (recur))\n');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    r.child.kill('SIGINT');
    await r.waitFor('interrupted');
    r.child.stdin.write('[(bump (deref c)) (history c)]\n');
    await r.waitFor('=> [2 [[2 0 0] [4 1 1]]]');
    r.child.stdin.end();
    expect(await r.exit).toBe(0);
  }, 60_000);

  test('a --db path that is not a database is a usage error naming it', () => {
    const file = join(home, 'not-a-db');
    writeFileSync(file, 'x');
    const prog = join(home, 'sum.edn');
    writeFileSync(prog, '(+ 1 2)\n');
    const r = spawnSync(process.execPath, [built, 'run', '--db', file, prog], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot open the database at ${file}`);
  });

  test('without --db the durable calls say how to get a database', () => {
    const prog = join(home, 'nodb.edn');
    writeFileSync(prog, '(durable-atom :x 1)\n');
    const r = spawnSync(process.execPath, [built, 'run', prog], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/program-error.*no durable store \(run with --db PATH/);
  });
});
