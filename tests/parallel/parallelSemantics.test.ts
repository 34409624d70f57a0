/**
 * The parallel mode (`immutos run --workers 2`) against the oracle: programs that use
 * validators and watches of processes on another worker (run as their owner: its table, `self`,
 * output), `share!` (only by the creator), `fork` (private atoms copied, shared ones kept,
 * registers copied) and registers print exactly what the reference kernel prints. Each program
 * in tests/parallel/programs/ is written so that every schedule prints the same. Needs the
 * compiled worker (`npm run build`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { gcTotals } from '../../optimized/parallel/ParallelRuntime.js';
import { failureMessage, renderReport, runProgram } from '../../cli/program/runProgram.js';
import { parallelFailure, renderParallelReport, runParallelProgram } from '../../cli/program/parallelProgram.js';

const dir = new URL('./programs/', import.meta.url);
const programs = readdirSync(dir).filter((f) => f.endsWith('.edn')).sort();

describe('parallel mode = reference kernel', () => {
  test('the programs are there', () => {
    expect(programs.length).toBeGreaterThanOrEqual(5);
  });
  for (const name of programs) {
    test(`${name} prints on 2 workers what it prints on the reference kernel`, async () => {
      const source = readFileSync(new URL(name, dir));
      const ref = await runProgram(source);
      expect(failureMessage(ref)).toBeNull();
      const par = await runParallelProgram(source, { workers: 2, timeoutMs: 30_000 });
      expect(parallelFailure(par)).toBeNull();
      expect(renderParallelReport(par)).toBe(renderReport(ref));
    });
  }

  test("a watch installed by a process on another worker runs as that process: the writer's atoms are out of its reach", async () => {
    const r = await runParallelProgram(readFileSync(new URL('watch_as_owner.edn', dir)), { workers: 2, timeoutMs: 30_000 });
    const writer = r.processes.find((p) => p.pid === 0)!;
    const watcher = r.processes.find((p) => p.pid === 2)!;
    expect(watcher.worker).not.toBe(writer.worker);
    expect(watcher.output.filter((l) => l.startsWith('watch as 2')).length).toBe(2);
    expect(watcher.output.filter((l) => l === 'secret: :capability-denied').length).toBe(2);
  });

  test('a validator installed by a process on another worker runs as that process before the write', async () => {
    const r = await runParallelProgram(readFileSync(new URL('validator_as_owner.edn', dir)), { workers: 2, timeoutMs: 30_000 });
    const owner = r.processes.find((p) => p.pid === 2)!;
    expect(owner.worker).not.toBe(r.processes.find((p) => p.pid === 0)!.worker);
    expect(owner.output.some((l) => l === 'validator as 2 checks 50')).toBe(true);
    expect(r.processes.find((p) => p.pid === 0)!.output).toContain('big: :validator-rejected');
  });

  test("a foreign validator or watch that runs away is charged to its owner and stopped by the callback fuel, not the writer's", async () => {
    const prog = `
(def box (atom 0))
(defn spin [b] (add-watch b :spin (fn [k r o n] (loop [] (recur)))) :ok)
(join (spawn spin box))
(reset! box 1)
(reset! box 2)
(deref box)`;
    const r = await runParallelProgram(prog, { workers: 2, timeoutMs: 30_000, quotas: { callbackFuel: 5_000, fuel: 1_000_000 } });
    expect(r.result).toEqual({ ok: true, value: '2' });
    expect(r.processes.find((p) => p.pid === 1)!.output).toEqual(['[:watch-failed :spin :fuel-exhausted]', '[:watch-failed :spin :fuel-exhausted]']);
  });
});

// How much this file's runs collected (IMMUTOS_PARALLEL_GC=force,check makes every run collect back to back).
afterAll(() => {
  const t = gcTotals();
  console.log(`shared-heap collections in ${t.runs} parallel run(s) of this file: ${t.collections}`);
});
