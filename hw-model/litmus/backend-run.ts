/**
 * Runs a litmus test on the interactive {@link HwMemoryBackend} (caches, directory, store
 * buffers) under one seeded interleaving, so the backend's behaviours can be compared with the
 * exhaustive operational models. Each location gets its own cache line.
 * @module
 */
import { HwMemoryBackend, type MemoryModel } from '../backend.js';
import { compile, formatOutcome, K_CAS, K_FENCE, K_LD, type Compiled, type LitmusTest } from '../models/program.js';
import { createRng } from '../rng.js';

/** Executes `test` on a fresh backend under `model`; the PRNG (`seed`) picks thread steps and drains. */
export function runOnBackend(test: LitmusTest | Compiled, model: MemoryModel, seed: number): string {
  const c = 'code' in test ? test : compile(test);
  const lineWords = 8;
  const hw = new HwMemoryBackend({ model, seed, cores: c.code.length, memWords: Math.max(1, c.locs.length) * lineWords, drainProbability: 0.3 });
  const rng = createRng(seed ^ 0x5bd1e995);
  const pc = c.code.map(() => 0);
  const regs = c.regCount.map((n) => new Array<number>(n).fill(0));
  for (;;) {
    const live = pc.map((p, t) => (p < c.code[t].length ? t : -1)).filter((t) => t >= 0);
    if (live.length === 0) break;
    // Sometimes let a buffer drain instead of running an instruction.
    if (rng.next() < 0.2) hw.step();
    const t = live[rng.int(live.length)];
    const ins = c.code[t][pc[t]++];
    const addr = ins.addr * lineWords;
    if (ins.kind === K_LD) regs[t][ins.reg] = hw.load(t, addr, ins.acq ? 'acquire' : 'plain');
    else if (ins.kind === K_FENCE) hw.fence(t);
    else if (ins.kind === K_CAS) regs[t][ins.reg] = hw.cas(t, addr, ins.expect, ins.val);
    else hw.store(t, addr, ins.val, ins.rel ? 'release' : 'plain');
  }
  hw.drainAll();
  return formatOutcome(c, regs, c.locs.map((_, i) => hw.memory.peek(i * lineWords)));
}
