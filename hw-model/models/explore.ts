/**
 * Runs litmus programs on the operational models: every behaviour (exhaustive search of the
 * interleavings) or one seeded interleaving.
 * @module
 */
import type { MemoryModel } from '../backend.js';
import { createRng } from '../rng.js';
import type { MachineState, OpModel } from './model.js';
import { compile, formatOutcome, type Compiled, type LitmusTest } from './program.js';
import { relaxed } from './relaxed.js';
import { sc } from './sc.js';
import { tso } from './tso.js';

/** The operational model for each memory model. */
export const OP_MODELS: { readonly sc: typeof sc; readonly tso: typeof tso; readonly relaxed: typeof relaxed } = { sc, tso, relaxed };

/** The operational model of `model`, with its state type erased to {@link MachineState}. */
function opModel(model: MemoryModel): OpModel<MachineState> {
  // Sound: every function of the model only ever receives states the same model produced.
  return OP_MODELS[model] as unknown as OpModel<MachineState>;
}

/** Result of an exhaustive enumeration. */
export interface Enumeration {
  /** Every reachable final outcome, sorted. */
  readonly outcomes: readonly string[];
  /** Distinct machine states visited. */
  readonly states: number;
}

/**
 * Every outcome `test` can produce under `model`: a depth-first search over all interleavings,
 * deduplicating states. Throws if `maxStates` is exceeded or a non-final state has no step.
 */
export function enumerate(test: LitmusTest | Compiled, model: MemoryModel, maxStates = 1_000_000): Enumeration {
  const c = 'code' in test ? test : compile(test);
  const m = opModel(model);
  const seen = new Set<string>();
  const outcomes = new Set<string>();
  const stack: MachineState[] = [m.init(c)];
  seen.add(m.key(stack[0]));
  while (stack.length > 0) {
    const s = stack.pop() as MachineState;
    if (m.isFinal(c, s)) {
      outcomes.add(formatOutcome(c, s.regs, s.mem));
      continue;
    }
    const next = m.successors(c, s);
    if (next.length === 0) throw new Error(`${c.test.name} under ${model}: stuck state ${m.key(s)}`);
    for (const n of next) {
      const k = m.key(n);
      if (!seen.has(k)) {
        if (seen.size >= maxStates) throw new Error(`${c.test.name} under ${model}: more than ${maxStates} states`);
        seen.add(k);
        stack.push(n);
      }
    }
  }
  return { outcomes: [...outcomes].sort(), states: seen.size };
}

/** One seeded interleaving of `test` under `model`: at each step a PRNG picks among the enabled steps. */
export function runSeeded(test: LitmusTest | Compiled, model: MemoryModel, seed: number): string {
  const c = 'code' in test ? test : compile(test);
  const m = opModel(model);
  const rng = createRng(seed);
  let s = m.init(c);
  while (!m.isFinal(c, s)) {
    const next = m.successors(c, s);
    if (next.length === 0) throw new Error(`${c.test.name} under ${model}: stuck`);
    s = next[rng.int(next.length)];
  }
  return formatOutcome(c, s.regs, s.mem);
}
