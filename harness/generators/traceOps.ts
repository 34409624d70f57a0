/**
 * Random operation sequences for trace validation: several processes, forks, shares, writes
 * with validators and watches, registers and collections. Each op is chosen from the current
 * spec state (live pids, refs in tables), mostly valid, sometimes not (a foreign ref, a dead
 * pid, a stale stamp), so that both actions and refusals are exercised.
 * @module
 */
import type { Op, Pid } from '../../spec/Kernel.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { FN_MENU, VALIDATOR_MENU } from '../oracles/trace.js';
import type { SpecKernelState } from '../../spec/SpecEngine.js';

/** A source of random numbers in [0, 1). */
export interface Rng {
  /** The next number. */
  next(): number;
}

/** EDN values the generator writes (includes equal-but-differently-written keys). */
export const VALUE_POOL: readonly string[] = ['0', '1', '-1', '5', '13', ':a', 'nil', '"s"', '[1 2]', '(1 2)', '{:k 1}', '#{1 2}', '[1 [2 [3]]]', '#bytes "00ff"', '1.5', '[13]'];
/** Watch keys (vector and list forms of the same key included). */
export const KEY_POOL: readonly string[] = [':w', ':v', '[1 2]', '(1 2)', '0'];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const chance = (rng: Rng, p: number): boolean => rng.next() < p;

const WEIGHTS: readonly [Op['op'], number][] = [
  ['atom', 12],
  ['deref', 7],
  ['reset', 9],
  ['cas', 8],
  ['compareAndSet', 6],
  ['swap', 7],
  ['swapVals', 3],
  ['resetVals', 4],
  ['setValidator', 4],
  ['addWatch', 4],
  ['removeWatch', 3],
  ['share', 9],
  ['spawn', 5],
  ['fork', 6],
  ['exit', 2],
  ['hold', 4],
  ['gc', 5],
];
const TOTAL = WEIGHTS.reduce((s, [, w]) => s + w, 0);

/** Chooses the next op given the spec state `s`. */
export function nextOp(rng: Rng, s: SpecKernelState): Op {
  let r = rng.next() * TOTAL;
  let kind: Op['op'] = 'gc';
  for (const [k, w] of WEIGHTS) {
    if ((r -= w) < 0) {
      kind = k;
      break;
    }
  }
  const live = [...s.procs.keys()];
  const pid: Pid = live.length > 0 && chance(rng, 0.93) ? pick(rng, live) : Math.floor(rng.next() * (s.nextPid + 2));
  const own = [...(s.procs.get(pid)?.table.keys() ?? [])];
  const anyRefs = [...s.procs.values()].flatMap((p) => [...p.table.keys()]);
  const ref = own.length > 0 && chance(rng, 0.8) ? pick(rng, own) : anyRefs.length > 0 && chance(rng, 0.8) ? pick(rng, anyRefs) : s.nextRef + Math.floor(rng.next() * 3);
  const atomIndex = s.procs.get(pid)?.table.get(ref);
  const current = atomIndex === undefined ? undefined : s.atoms[atomIndex];
  const value = pick(rng, VALUE_POOL);
  switch (kind) {
    case 'atom':
      return { op: 'atom', pid, value };
    case 'deref':
      return { op: 'deref', pid, ref };
    case 'reset':
      return { op: 'reset', pid, ref, value };
    case 'resetVals':
      return { op: 'resetVals', pid, ref, value };
    case 'cas': {
      const stamp = current === undefined ? 0 : chance(rng, 0.7) ? current.stamp : Math.max(0, current.stamp + pick(rng, [-2, -1, 1]));
      return { op: 'cas', pid, ref, stamp, value };
    }
    case 'compareAndSet': {
      const expected = current !== undefined && chance(rng, 0.6) ? printEdn(current.value) : pick(rng, VALUE_POOL);
      return { op: 'compareAndSet', pid, ref, expected, value };
    }
    case 'swap':
    case 'swapVals':
      return { op: kind, pid, ref, fn: pick(rng, Object.keys(FN_MENU)) };
    case 'setValidator':
      return { op: 'setValidator', pid, ref, fn: chance(rng, 0.25) ? null : pick(rng, Object.keys(VALIDATOR_MENU)) };
    case 'addWatch':
      return { op: 'addWatch', pid, ref, key: pick(rng, KEY_POOL) };
    case 'removeWatch':
      return { op: 'removeWatch', pid, ref, key: pick(rng, KEY_POOL) };
    case 'share': {
      const to = live.length > 0 && chance(rng, 0.9) ? pick(rng, live) : s.nextPid + 1;
      return { op: 'share', pid, ref, to };
    }
    case 'spawn':
      return { op: 'spawn', pid };
    case 'fork':
      return { op: 'fork', pid };
    case 'exit':
      return { op: 'exit', pid: pid === 0 && chance(rng, 0.7) && live.length > 1 ? pick(rng, live) : pid };
    case 'hold':
      return { op: 'hold', pid, reg: Math.floor(rng.next() * 3), value: chance(rng, 0.2) ? null : value };
    default:
      return { op: 'gc' };
  }
}
