// Synchronous code nests at most MAX_CALLBACK_NESTING deep. A watch that writes the atom it
// watches ran inside the last one until the host's own stack ran out: a host RangeError the
// program could catch (`program-error: Maximum call stack size exceeded (at line …)` with one
// position per level), at a depth each kernel reached differently — the reference answered 372
// or 531 writes, the optimized kernel 393 or 478, depending on the JavaScript engine's state.
// The default campaign found it (tests/regressions/watch-writes-its-atom.json).
import { describe, expect, it } from 'vitest';
import { MAX_CALLBACK_NESTING } from '../../spec/Kernel.js';
import { PROGRAM_KERNELS as KERNELS, runPrograms } from '../support/programs.js';
import { runParallel } from '../../optimized/parallel/ParallelRuntime.js';

const run = (make: (typeof KERNELS)[number][1], text: string) => runPrograms(make, [text]);

const OWN_WATCH = '(def a (atom 0)) (add-watch a :k (fn [k r o n] (swap! a inc))) (try (swap! a inc) (catch e [:caught (get e :error)]))';
const OWN_VALIDATOR = '(def a (atom 0)) (set-validator! a (fn [v] (do (swap! a inc) true))) (try (swap! a inc) (catch e [:caught (get e :error)]))';
const FOREIGN_WATCH = '(def a (atom 0)) (def c (spawn (fn [m] (add-watch m :k (fn [k r o n] (swap! m inc)))) a)) (join c) (swap! a inc) (deref a)';

describe('callbacks nest at most MAX_CALLBACK_NESTING deep', () => {
  it('is 64', () => expect(MAX_CALLBACK_NESTING).toBe(64));

  for (const [name, make] of KERNELS) {
    describe(`${name} kernel`, () => {
      it('a watch writing the atom it watches ends its program with stack-overflow, which cannot be caught', () => {
        const o = run(make, OWN_WATCH).outcome(0);
        expect(o).toMatchObject({ ok: false, error: 'stack-overflow' });
        expect(o !== null && o !== undefined && !o.ok ? o.message : '').toBe('process 0: validators, watches and swap functions nested more than 64 deep');
      });

      it('so does a validator that writes the atom it validates', () => {
        expect(run(make, OWN_VALIDATOR).outcome(0)).toMatchObject({ ok: false, error: 'stack-overflow' });
      });

      it('another process\'s watch doing it fails as that process\'s code: the writer goes on, every write up to the bound stands', () => {
        const r = run(make, FOREIGN_WATCH);
        // The writer's write, then the watch's own nested writes up to the bound.
        expect(r.outcome(0)).toMatchObject({ ok: true, value: String(MAX_CALLBACK_NESTING + 1) });
        expect(r.output(1)).toEqual(['[:watch-failed :k :stack-overflow]']);
      });
    });
  }

  it('parallel mode: the same bound, the same answers', { timeout: 60_000 }, async () => {
    const own = await runParallel(OWN_WATCH, { workers: 1, timeoutMs: 50_000 });
    expect(own.result).toMatchObject({ ok: false, error: 'stack-overflow' });
    const foreign = await runParallel(FOREIGN_WATCH, { workers: 1, timeoutMs: 50_000 });
    expect(foreign.result).toEqual({ ok: true, value: String(MAX_CALLBACK_NESTING + 1) });
    expect(foreign.processes.find((p) => p.pid === 1)!.output).toEqual(['[:watch-failed :k :stack-overflow]']);
  });
});
