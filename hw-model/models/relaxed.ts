/**
 * A relaxed, ARMv8-like operational model (in the spirit of the Flat model of Pulte et al.,
 * "Simplifying ARM concurrency", POPL 2018): each thread performs its instructions out of program
 * order, subject to the ordering rules below, against one shared memory. A store performs by
 * writing memory for every other thread at once (other-multi-copy-atomic); before it performs,
 * only its own thread sees it, by forwarding to later loads of the same address.
 *
 * Instruction `i` waits for a program-order-earlier, not yet performed `j` when:
 * - either is a full fence (DMB SY);
 * - `j` is an acquire load (LDAR): nothing later overtakes it;
 * - `i` is a release store (STLR): it waits for everything earlier;
 * - `i` is an acquire load and `j` a release store (STLR;LDAR stay ordered: RCsc);
 * - same address, except a load after a store (which forwards the store's value instead);
 *   this keeps every location sequentially consistent (CoRR, CoWW, CoRW, CoWR);
 * - `i` depends (address or data) on the register `j` loads.
 * @module
 */
import type { MachineState, OpModel } from './model.js';
import { K_CAS, K_FENCE, K_LD, K_ST, type CInstr, type Compiled } from './program.js';

/** A relaxed machine state: memory, registers, and per thread the set of performed instructions. */
export interface RelaxedState extends MachineState {
  /** Per thread: bitmask of performed instruction indices. */
  readonly done: readonly number[];
}

/** Whether `i` must wait for the earlier `j` (see the module comment). */
function mustWait(code: readonly CInstr[], j: number, i: number): boolean {
  const a = code[j];
  const b = code[i];
  if (a.kind === K_FENCE || b.kind === K_FENCE) return true;
  if (a.kind === K_LD && a.acq) return true;
  if (b.kind === K_ST && b.rel) return true;
  if (b.kind === K_LD && b.acq && a.kind === K_ST && a.rel) return true;
  if (a.addr >= 0 && a.addr === b.addr && !(b.kind === K_LD && a.kind === K_ST)) return true;
  if (b.dep >= 0) {
    let src = -1;
    for (let k = i - 1; k >= 0; k--) {
      if ((code[k].kind === K_LD || code[k].kind === K_CAS) && code[k].reg === b.dep) {
        src = k;
        break;
      }
    }
    if (src === j) return true;
  }
  return false;
}

const waitCache = new WeakMap<Compiled, number[][]>();

/** Per thread, per instruction: bitmask of the earlier instructions it waits for. */
function waits(c: Compiled): number[][] {
  let w = waitCache.get(c);
  if (w === undefined) {
    w = c.code.map((code) => {
      if (code.length > 30) throw new Error(`${c.test.name}: threads are limited to 30 instructions`);
      return code.map((_, i) => {
        let m = 0;
        for (let j = 0; j < i; j++) if (mustWait(code, j, i)) m |= 1 << j;
        return m;
      });
    });
    waitCache.set(c, w);
  }
  return w;
}

/** The relaxed (ARMv8-like) model. */
export const relaxed: OpModel<RelaxedState> = {
  name: 'relaxed',
  init: (c: Compiled) => ({ mem: c.locs.map(() => 0), regs: c.regCount.map((n) => new Array<number>(n).fill(0)), done: c.code.map(() => 0) }),
  successors: (c, s) => {
    const w = waits(c);
    const out: RelaxedState[] = [];
    c.code.forEach((code, t) => {
      const doneT = s.done[t];
      for (let i = 0; i < code.length; i++) {
        if (doneT & (1 << i)) continue;
        if ((w[t][i] & ~doneT) !== 0) continue;
        const ins = code[i];
        const done = s.done.slice();
        done[t] = doneT | (1 << i);
        const withReg = (v: number): (readonly number[])[] => {
          const regs = s.regs.slice();
          const r = regs[t].slice();
          r[ins.reg] = v;
          regs[t] = r;
          return regs;
        };
        if (ins.kind === K_LD) {
          let v = s.mem[ins.addr];
          for (let j = i - 1; j >= 0; j--) {
            if (code[j].addr === ins.addr && code[j].kind === K_ST) {
              if ((doneT & (1 << j)) === 0) v = code[j].val; // forward from the own, unperformed store
              break;
            }
          }
          out.push({ mem: s.mem, regs: withReg(v), done });
        } else if (ins.kind === K_ST) {
          const mem = s.mem.slice();
          mem[ins.addr] = ins.val;
          out.push({ mem, regs: s.regs, done });
        } else if (ins.kind === K_FENCE) {
          out.push({ mem: s.mem, regs: s.regs, done });
        } else {
          const old = s.mem[ins.addr];
          let mem = s.mem;
          if (old === ins.expect) {
            const m = s.mem.slice();
            m[ins.addr] = ins.val;
            mem = m;
          }
          out.push({ mem, regs: withReg(old), done });
        }
      }
    });
    return out;
  },
  isFinal: (c, s) => s.done.every((d, t) => d === (c.code[t].length === 0 ? 0 : (1 << c.code[t].length) - 1)),
  key: (s) => JSON.stringify([s.mem, s.regs, s.done]),
};
