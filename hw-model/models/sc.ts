/**
 * Sequential consistency (Lamport 1979): one instruction of some thread at a time, each performed
 * atomically on memory in program order. Fences are no-ops.
 * @module
 */
import type { MachineState, OpModel } from './model.js';
import { K_CAS, K_LD, K_ST, type Compiled } from './program.js';

/** An SC machine state: memory, registers, and each thread's next instruction. */
export interface ScState extends MachineState {
  /** Per thread: index of the next instruction. */
  readonly pc: readonly number[];
}

/** The SC model. */
export const sc: OpModel<ScState> = {
  name: 'sc',
  init: (c: Compiled) => ({ mem: c.locs.map(() => 0), regs: c.regCount.map((n) => new Array<number>(n).fill(0)), pc: c.code.map(() => 0) }),
  successors: (c, s) => {
    const out: ScState[] = [];
    c.code.forEach((code, t) => {
      const ins = code[s.pc[t]];
      if (ins === undefined) return;
      const pc = s.pc.slice();
      pc[t]++;
      let mem = s.mem;
      let regs = s.regs;
      const setReg = (v: number): void => {
        const rs = s.regs.slice();
        const r = rs[t].slice();
        r[ins.reg] = v;
        rs[t] = r;
        regs = rs;
      };
      if (ins.kind === K_LD) setReg(s.mem[ins.addr]);
      else if (ins.kind === K_ST) {
        const m = s.mem.slice();
        m[ins.addr] = ins.val;
        mem = m;
      } else if (ins.kind === K_CAS) {
        const old = s.mem[ins.addr];
        setReg(old);
        if (old === ins.expect) {
          const m = s.mem.slice();
          m[ins.addr] = ins.val;
          mem = m;
        }
      }
      out.push({ mem, regs, pc });
    });
    return out;
  },
  isFinal: (c, s) => s.pc.every((p, t) => p === c.code[t].length),
  key: (s) => JSON.stringify([s.mem, s.regs, s.pc]),
};
