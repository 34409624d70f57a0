/**
 * Small multi-threaded programs over named locations and registers (litmus tests), and their
 * compiled form the operational models execute.
 * @module
 */

/** One instruction of a litmus thread. */
export type Instr =
  /** Load `addr` into register `reg`; `acq`: acquire load (LDAR); `dep`: address dependency on a register. */
  | { readonly op: 'ld'; readonly reg: string; readonly addr: string; readonly acq?: boolean; readonly dep?: string }
  /** Store constant `val` to `addr`; `rel`: release store (STLR); `dep`: data dependency on a register. */
  | { readonly op: 'st'; readonly addr: string; readonly val: number; readonly rel?: boolean; readonly dep?: string }
  /** Full fence: MFENCE (TSO), DMB SY (ARMv8), nothing under SC. */
  | { readonly op: 'fence' }
  /** Atomic CAS: `reg` gets the old value; writes `desired` if the old value is `expect`. */
  | { readonly op: 'cas'; readonly reg: string; readonly addr: string; readonly expect: number; readonly desired: number };

/** A litmus test: threads, initial memory (default 0) and what the outcome observes. */
export interface LitmusTest {
  /** Name, herdtools7 style (`MP+dmb+addr`). */
  readonly name: string;
  /** The threads' instructions, in program order. */
  readonly threads: readonly (readonly Instr[])[];
  /** Observed registers as `"<thread>:<reg>"` and final memory locations by name, in outcome order. */
  readonly observe: readonly string[];
}

/** Instruction kinds of compiled code. */
export const K_LD = 0;
/** Store. */
export const K_ST = 1;
/** Fence. */
export const K_FENCE = 2;
/** CAS. */
export const K_CAS = 3;

/** A compiled instruction: names replaced by indices. */
export interface CInstr {
  /** One of K_LD, K_ST, K_FENCE, K_CAS. */
  readonly kind: number;
  /** Register index in the thread (-1: none). */
  readonly reg: number;
  /** Location index (-1: none). */
  readonly addr: number;
  /** Stored value (store) or desired value (CAS). */
  readonly val: number;
  /** Expected value (CAS). */
  readonly expect: number;
  /** Acquire load. */
  readonly acq: boolean;
  /** Release store. */
  readonly rel: boolean;
  /** Register index the instruction depends on (-1: none). */
  readonly dep: number;
}

/** A compiled litmus test. */
export interface Compiled {
  /** The source test. */
  readonly test: LitmusTest;
  /** Location names, by index. */
  readonly locs: readonly string[];
  /** Per thread: compiled instructions. */
  readonly code: readonly (readonly CInstr[])[];
  /** Per thread: register count. */
  readonly regCount: readonly number[];
  /** Outcome readers: for each observed item, either a register (thread, index) or a location. */
  readonly observers: readonly ({ readonly thread: number; readonly reg: number } | { readonly loc: number })[];
}

/** Compiles a litmus test (names to indices). Throws on an observed name that does not exist. */
export function compile(test: LitmusTest): Compiled {
  const locs: string[] = [];
  const loc = (n: string): number => {
    let i = locs.indexOf(n);
    if (i < 0) i = locs.push(n) - 1;
    return i;
  };
  const regNames: string[][] = test.threads.map(() => []);
  const code = test.threads.map((instrs, t) => {
    const regs = regNames[t];
    const reg = (n: string): number => {
      let i = regs.indexOf(n);
      if (i < 0) i = regs.push(n) - 1;
      return i;
    };
    const depOf = (n: string | undefined): number => {
      if (n === undefined) return -1;
      const i = regs.indexOf(n);
      if (i < 0) throw new Error(`${test.name}: thread ${t} depends on register ${n} before it is loaded`);
      return i;
    };
    return instrs.map((ins): CInstr => {
      switch (ins.op) {
        case 'ld': {
          const dep = depOf(ins.dep);
          return { kind: K_LD, reg: reg(ins.reg), addr: loc(ins.addr), val: 0, expect: 0, acq: ins.acq === true, rel: false, dep };
        }
        case 'st':
          return { kind: K_ST, reg: -1, addr: loc(ins.addr), val: ins.val, expect: 0, acq: false, rel: ins.rel === true, dep: depOf(ins.dep) };
        case 'fence':
          return { kind: K_FENCE, reg: -1, addr: -1, val: 0, expect: 0, acq: false, rel: false, dep: -1 };
        case 'cas':
          return { kind: K_CAS, reg: reg(ins.reg), addr: loc(ins.addr), val: ins.desired, expect: ins.expect, acq: false, rel: false, dep: -1 };
      }
    });
  });
  const observers = test.observe.map((o) => {
    const m = /^(\d+):(\w+)$/.exec(o);
    if (m) {
      const t = Number(m[1]);
      const r = regNames[t]?.indexOf(m[2]) ?? -1;
      if (r < 0) throw new Error(`${test.name}: observed register ${o} does not exist`);
      return { thread: t, reg: r };
    }
    const l = locs.indexOf(o);
    if (l < 0) throw new Error(`${test.name}: observed location ${o} does not exist`);
    return { loc: l };
  });
  return { test, locs, code, regCount: regNames.map((r) => r.length), observers };
}

/** Formats an outcome herd-style: `1:r0=1; 1:r1=0; x=2;`. */
export function formatOutcome(c: Compiled, regs: readonly (readonly number[])[], mem: readonly number[]): string {
  return c.observers
    .map((o, i) => `${c.test.observe[i]}=${'loc' in o ? mem[o.loc] : regs[o.thread][o.reg]};`)
    .join(' ');
}
