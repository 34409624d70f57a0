/**
 * The litmus catalogue: SB, MP, LB, IRIW, CoRR, 2+2W and WRC, each without fences and with the
 * fences each model needs (a full fence: MFENCE on x86-TSO, DMB SY on ARMv8), plus the ARMv8
 * one-way-barrier and dependency variants. Names follow herdtools7 (`+fences` stands for
 * `+mfences` / `+dmb.sys`). Locations start at 0.
 * @module
 */
import type { Instr, LitmusTest } from '../models/program.js';

const st = (addr: string, val: number, extra: { rel?: boolean; dep?: string } = {}): Instr => ({ op: 'st', addr, val, ...extra });
const ld = (reg: string, addr: string, extra: { acq?: boolean; dep?: string } = {}): Instr => ({ op: 'ld', reg, addr, ...extra });
const F: Instr = { op: 'fence' };

/** Every litmus test, by name. Each belongs to the family named before its first `+`. */
export const LITMUS_TESTS: readonly LitmusTest[] = [
  // Store buffering: can both loads miss the other thread's store?
  { name: 'SB', threads: [[st('x', 1), ld('r0', 'y')], [st('y', 1), ld('r0', 'x')]], observe: ['0:r0', '1:r0'] },
  { name: 'SB+fences', threads: [[st('x', 1), F, ld('r0', 'y')], [st('y', 1), F, ld('r0', 'x')]], observe: ['0:r0', '1:r0'] },
  { name: 'SB+rel+acq', threads: [[st('x', 1, { rel: true }), ld('r0', 'y', { acq: true })], [st('y', 1, { rel: true }), ld('r0', 'x', { acq: true })]], observe: ['0:r0', '1:r0'] },
  // Message passing: can the reader see the flag but not the data?
  { name: 'MP', threads: [[st('x', 1), st('y', 1)], [ld('r0', 'y'), ld('r1', 'x')]], observe: ['1:r0', '1:r1'] },
  { name: 'MP+fences', threads: [[st('x', 1), F, st('y', 1)], [ld('r0', 'y'), F, ld('r1', 'x')]], observe: ['1:r0', '1:r1'] },
  { name: 'MP+rel+acq', threads: [[st('x', 1), st('y', 1, { rel: true })], [ld('r0', 'y', { acq: true }), ld('r1', 'x')]], observe: ['1:r0', '1:r1'] },
  { name: 'MP+fence+addr', threads: [[st('x', 1), F, st('y', 1)], [ld('r0', 'y'), ld('r1', 'x', { dep: 'r0' })]], observe: ['1:r0', '1:r1'] },
  // Load buffering: can each load see the other thread's later store?
  { name: 'LB', threads: [[ld('r0', 'x'), st('y', 1)], [ld('r0', 'y'), st('x', 1)]], observe: ['0:r0', '1:r0'] },
  { name: 'LB+fences', threads: [[ld('r0', 'x'), F, st('y', 1)], [ld('r0', 'y'), F, st('x', 1)]], observe: ['0:r0', '1:r0'] },
  { name: 'LB+datas', threads: [[ld('r0', 'x'), st('y', 1, { dep: 'r0' })], [ld('r0', 'y'), st('x', 1, { dep: 'r0' })]], observe: ['0:r0', '1:r0'] },
  // Independent reads of independent writes: do two readers agree on the order of two writes?
  {
    name: 'IRIW',
    threads: [[st('x', 1)], [st('y', 1)], [ld('r0', 'x'), ld('r1', 'y')], [ld('r0', 'y'), ld('r1', 'x')]],
    observe: ['2:r0', '2:r1', '3:r0', '3:r1'],
  },
  {
    name: 'IRIW+fences',
    threads: [[st('x', 1)], [st('y', 1)], [ld('r0', 'x'), F, ld('r1', 'y')], [ld('r0', 'y'), F, ld('r1', 'x')]],
    observe: ['2:r0', '2:r1', '3:r0', '3:r1'],
  },
  {
    name: 'IRIW+acqs',
    threads: [[st('x', 1)], [st('y', 1)], [ld('r0', 'x', { acq: true }), ld('r1', 'y')], [ld('r0', 'y', { acq: true }), ld('r1', 'x')]],
    observe: ['2:r0', '2:r1', '3:r0', '3:r1'],
  },
  // Coherence of read-read: two reads of one location never go back in time.
  { name: 'CoRR', threads: [[st('x', 1)], [ld('r0', 'x'), ld('r1', 'x')]], observe: ['1:r0', '1:r1'] },
  { name: 'CoRR+fences', threads: [[st('x', 1)], [ld('r0', 'x'), F, ld('r1', 'x')]], observe: ['1:r0', '1:r1'] },
  // Two pairs of writes: can each location end with the value written first?
  { name: '2+2W', threads: [[st('x', 1), st('y', 2)], [st('y', 1), st('x', 2)]], observe: ['x', 'y'] },
  { name: '2+2W+fences', threads: [[st('x', 1), F, st('y', 2)], [st('y', 1), F, st('x', 2)]], observe: ['x', 'y'] },
  // Write-to-read causality: is a write seen by one thread seen by a thread that sees its effect?
  { name: 'WRC', threads: [[st('x', 1)], [ld('r0', 'x'), st('y', 1)], [ld('r0', 'y'), ld('r1', 'x')]], observe: ['1:r0', '2:r0', '2:r1'] },
  { name: 'WRC+fences', threads: [[st('x', 1)], [ld('r0', 'x'), F, st('y', 1)], [ld('r0', 'y'), F, ld('r1', 'x')]], observe: ['1:r0', '2:r0', '2:r1'] },
  {
    name: 'WRC+data+addr',
    threads: [[st('x', 1)], [ld('r0', 'x'), st('y', 1, { dep: 'r0' })], [ld('r0', 'y'), ld('r1', 'x', { dep: 'r0' })]],
    observe: ['1:r0', '2:r0', '2:r1'],
  },
];

/** The family of a test: its name up to the first `+` (`2+2W` is a family of its own). */
export function familyOf(name: string): string {
  return name.startsWith('2+2W') ? '2+2W' : name.split('+')[0];
}
