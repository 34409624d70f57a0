/**
 * Runs system-language programs on the kernels that run them (reference and optimized), for the
 * regression tests that state one behaviour of both: each program in a tree of its own, to the end.
 * @module
 */
import type { KernelOptions, Outcome, Pid } from '../../spec/Kernel.js';
import { createReferenceKernel, seededScheduler } from '../../reference/index.js';
import { createOptimizedKernel } from '../../optimized/index.js';

/** What a scenario needs of a kernel (both kernels have it). */
export interface ProgramKernel {
  apply: ReturnType<typeof createReferenceKernel>['apply'];
  observe: ReturnType<typeof createReferenceKernel>['observe'];
  load(pid: Pid, text: string): void;
  runAll(scheduler: { next(runnable: readonly Pid[]): Pid }): number;
  results(): readonly { readonly pid: Pid; readonly outcome: Outcome | null }[];
  processList(): readonly { readonly pid: Pid; readonly alive: boolean; readonly output: readonly string[] }[];
}

/** The kernels that run programs, by name. */
export const PROGRAM_KERNELS: readonly [string, (o: KernelOptions) => ProgramKernel][] = [
  ['reference', (o) => createReferenceKernel(o)],
  ['optimized', (o) => createOptimizedKernel(o)],
];

/** Runs `programs` (the first in process 0, each further one in a tree of its own) to the end. */
export function runPrograms(make: (o: KernelOptions) => ProgramKernel, programs: readonly string[], options: KernelOptions = {}) {
  const k = make(options);
  const roots: Pid[] = [0];
  programs.forEach((text, i) => {
    let pid = 0;
    if (i > 0) {
      const r = k.apply({ op: 'spawn', pid: 0 });
      if (!r.ok) throw new Error(r.message);
      pid = Number(r.value);
      roots.push(pid);
    }
    k.load(pid, text);
  });
  k.runAll(seededScheduler(0));
  const results = new Map(k.results().map((r) => [r.pid, r.outcome]));
  const shown = (o: Outcome | null | undefined): string => (o === null || o === undefined ? 'none' : o.ok ? o.value : `!${o.error}`);
  return {
    k,
    /** The pids of the roots, in program order. */
    roots,
    /** Process `pid`'s outcome (null: none yet; undefined: no such process). */
    outcome: (pid: Pid): Outcome | null | undefined => results.get(pid),
    /** The result of root `i`'s program, as EDN or `!kind`. */
    root: (i: number): string => shown(results.get(roots[i]!)),
    /** Every process's result by pid. */
    all: (): Map<Pid, string> => new Map([...results].map(([pid, o]) => [pid, shown(o)])),
    /** What process `pid` printed. */
    output: (pid: Pid): readonly string[] => k.processList().find((p) => p.pid === pid)?.output ?? [],
    /** Messages of the failed processes. */
    messages: (): string[] => [...results.values()].flatMap((o) => (o !== null && !o.ok ? [o.message] : [])),
  };
}
