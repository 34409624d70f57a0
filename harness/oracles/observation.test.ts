import { describe, expect, test } from 'vitest';
import type { Observation } from '../../spec/Kernel.js';
import { sameObservation } from './observation.js';

const base = (): Observation => ({
  processes: [
    { pid: 0, atoms: [{ ref: 0, value: '[1 2]', stamp: 3 }, { ref: 1, value: 'nil', stamp: 0 }], output: ['hi'], registers: [{ reg: 2, value: ':k' }] },
    { pid: 1, atoms: [{ ref: 0, value: '[1 2]', stamp: 3 }], output: [], registers: [] },
  ],
});

describe('sameObservation', () => {
  test('equal observations built apart are the same, whatever the order of their fields', () => {
    const a = base();
    const b = JSON.parse(JSON.stringify(base())) as Observation;
    expect(sameObservation(a, b)).toBe(true);
    const reordered: Observation = { processes: a.processes.map((p) => ({ registers: p.registers, output: p.output, atoms: p.atoms.map((e) => ({ stamp: e.stamp, value: e.value, ref: e.ref })), pid: p.pid })) };
    expect(sameObservation(a, reordered)).toBe(true);
    expect(sameObservation(undefined, undefined)).toBe(true);
  });

  test('any one field changed makes them differ, as their JSON would', () => {
    const edits: ((o: { processes: { pid: number; atoms: { ref: number; value: string; stamp: number }[]; output: string[]; registers: { reg: number; value: string }[] }[] }) => void)[] = [
      (o) => (o.processes[1]!.pid = 2),
      (o) => o.processes.pop(),
      (o) => (o.processes[0]!.atoms[1]!.ref = 2),
      (o) => (o.processes[0]!.atoms[0]!.value = '[1 3]'),
      (o) => (o.processes[0]!.atoms[0]!.stamp = 4),
      (o) => o.processes[0]!.atoms.pop(),
      (o) => (o.processes[0]!.output[0] = 'ho'),
      (o) => o.processes[1]!.output.push('x'),
      (o) => (o.processes[0]!.registers[0]!.reg = 3),
      (o) => (o.processes[0]!.registers[0]!.value = ':j'),
      (o) => o.processes[1]!.registers.push({ reg: 0, value: 'nil' }),
    ];
    for (const edit of edits) {
      const b = JSON.parse(JSON.stringify(base())) as Parameters<(typeof edits)[number]>[0];
      edit(b);
      expect(JSON.stringify(b)).not.toBe(JSON.stringify(base()));
      expect(sameObservation(base(), b)).toBe(false);
      expect(sameObservation(b, base())).toBe(false);
    }
    expect(sameObservation(base(), undefined)).toBe(false);
  });

  test('a process without a registers field holds none', () => {
    const a = base();
    const { registers: _dropped, ...rest } = a.processes[1]!;
    const b: Observation = { processes: [a.processes[0]!, rest as Observation['processes'][number]] };
    expect(sameObservation(a, b)).toBe(true);
  });
});
