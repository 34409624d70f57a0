/**
 * x86-TSO (Sewell et al., CACM 2010; Owens et al. TPHOLs 2009): each thread has a FIFO store
 * buffer; a store enters the buffer; a load reads the newest buffered store to its address, else
 * memory; the oldest buffered store may drain to memory at any time; MFENCE and a locked CAS are
 * enabled only when the thread's buffer is empty (the CAS is then atomic on memory).
 * Acquire/release annotations and dependencies change nothing (every x86 load is an acquire and
 * every store a release).
 * @module
 */
import type { MachineState, OpModel } from './model.js';
import { K_CAS, K_FENCE, K_LD, K_ST, type Compiled } from './program.js';

/** A TSO machine state: memory, registers, program counters and FIFO store buffers. */
export interface TsoState extends MachineState {
  /** Per thread: index of the next instruction. */
  readonly pc: readonly number[];
  /** Per thread: buffered stores, oldest first, as [location, value]. */
  readonly sb: readonly (readonly (readonly [number, number])[])[];
}

/** The x86-TSO model. */
export const tso: OpModel<TsoState> = {
  name: 'tso',
  init: (c: Compiled) => ({
    mem: c.locs.map(() => 0),
    regs: c.regCount.map((n) => new Array<number>(n).fill(0)),
    pc: c.code.map(() => 0),
    sb: c.code.map(() => []),
  }),
  successors: (c, s) => {
    const out: TsoState[] = [];
    c.code.forEach((code, t) => {
      const buf = s.sb[t];
      // Drain the oldest buffered store.
      if (buf.length > 0) {
        const [a, v] = buf[0];
        const mem = s.mem.slice();
        mem[a] = v;
        const sb = s.sb.slice();
        sb[t] = buf.slice(1);
        out.push({ ...s, mem, sb });
      }
      const ins = code[s.pc[t]];
      if (ins === undefined) return;
      const pc = s.pc.slice();
      pc[t]++;
      const withReg = (v: number): (readonly number[])[] => {
        const regs = s.regs.slice();
        const r = regs[t].slice();
        r[ins.reg] = v;
        regs[t] = r;
        return regs;
      };
      if (ins.kind === K_LD) {
        let v = s.mem[ins.addr];
        for (let i = buf.length - 1; i >= 0; i--) {
          if (buf[i][0] === ins.addr) {
            v = buf[i][1];
            break;
          }
        }
        out.push({ ...s, pc, regs: withReg(v) });
      } else if (ins.kind === K_ST) {
        const sb = s.sb.slice();
        sb[t] = [...buf, [ins.addr, ins.val] as const];
        out.push({ ...s, pc, sb });
      } else if (ins.kind === K_FENCE) {
        if (buf.length === 0) out.push({ ...s, pc });
      } else if (ins.kind === K_CAS) {
        if (buf.length === 0) {
          const old = s.mem[ins.addr];
          let mem = s.mem;
          if (old === ins.expect) {
            const m = s.mem.slice();
            m[ins.addr] = ins.val;
            mem = m;
          }
          out.push({ ...s, pc, mem, regs: withReg(old) });
        }
      }
    });
    return out;
  },
  isFinal: (c, s) => s.pc.every((p, t) => p === c.code[t].length) && s.sb.every((b) => b.length === 0),
  key: (s) => JSON.stringify([s.mem, s.regs, s.pc, s.sb]),
};
