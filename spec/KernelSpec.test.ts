import { describe, expect, it } from 'vitest';
import {
  CAS, capabilityIsolation, Deref, Exit, Fork, forkIsolation, initState, isRefusal, NewAtom, Reset, Share,
  Spawn, staleStampNeverWrites, type KernelState, type KResult, type ValueDomain,
} from './KernelActions.js';
import { HANDLE_DOMAIN, kernelConstants, kernelInit, kernelModel, specModule, type KernelModelState } from './KernelSpec.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { cfgConstants, describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Kernel', specModule, { bugs: ['gc-ignores-atom-tables'], includeBig: true, timeout: 120_000 });

// One process, no writes: the heap, the collector and the atom actions (the step API is slow).
const kernelSmall = readRepoFile('spec/tla/MCKernel_small.cfg');
const kernelTiny = (bug: string): string =>
  kernelSmall.replace('NumProcs = 2', 'NumProcs = 1').replace('MaxRefs = 2', 'MaxRefs = 1').replace('MaxStamp = 1', 'MaxStamp = 0').replace(/Bug = "[^"]*"/, `Bug = "${bug}"`);
describeTlaEquivalence('Kernel', specModule, kernelTiny, process.env.IMMUTOS_SPEC_FULL === '1' ? ['none', 'gc-ignores-atom-tables'] : ['none'], 50, 120_000);

/** Opaque string values: the generic actions only compare them. */
const STR: ValueDomain<string> = { equals: (a, b) => a === b, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0), accepts: (v, x) => x !== v };
const get = <V>(r: KResult<V>): KernelState<V> => {
  if (isRefusal(r)) throw new Error(`refused: ${r.refused}`);
  return r;
};

describe('Kernel generic actions: any bound, opaque values', () => {
  it('runs far past every model bound (300 processes, 600 atoms) keeping the invariants', () => {
    let s = initState<string>(0);
    for (let i = 0; i < 300; i++) {
      s = get(Spawn(s, 0));
      s = get(NewAtom(s, 0, `v${i}`));
      s = get(NewAtom(s, i + 1, `w${i}`));
      s = get(Share(s, 0, 3 * i, i + 1)); // 0 created ref 3i; i+1 gets the fresh ref 3i+2
      s = get(Deref(s, i + 1, 3 * i + 2));
      s = get(CAS(STR, s, i + 1, 3 * i + 2, 0, `x${i}`));
    }
    expect(s.atoms.length).toBe(600);
    expect(s.nextRef).toBe(900);
    expect(capabilityIsolation(s) && forkIsolation(s) && staleStampNeverWrites(s)).toBe(true);
  });

  it('refuses with the kernels\' error kinds and changes nothing', () => {
    let s = get(Spawn(get(NewAtom(initState<string>(0), 0, 'a')), 0));
    expect(Deref(s, 1, 0)).toEqual({ refused: 'capability-denied' });
    expect(Deref(s, 1, 7)).toEqual({ refused: 'capability-denied' }); // ADR 0024: never issued or not ours, one answer
    expect(Deref(s, 9, 0)).toEqual({ refused: 'no-such-process' });
    expect(CAS(STR, s, 0, 0, 3, 'b')).toEqual({ refused: 'stale-stamp' });
    s = get(Share(s, 0, 0, 1));
    expect(Share(s, 1, 1, 0)).toEqual({ refused: 'capability-denied' }); // not the creator
    const guarded: KernelState<string> = { ...s, atoms: [{ ...s.atoms[0]!, validator: 'bad' }] };
    expect(Reset(STR, guarded, 0, 0, 'bad')).toEqual({ refused: 'validator-rejected' });
  });

  it('fork gives the child a new atom for a private ref and the same atom for a shared one', () => {
    let s = get(NewAtom(get(NewAtom(initState<string>(0), 0, 'p')), 0, 's'));
    s = get(Share(s, 0, 1, 0)); // sharing with oneself marks the atom shared
    s = get(Fork(s, 0));
    const child = s.procs.get(1)!.table;
    expect(child.get(0)).toBe(2);
    expect(child.get(1)).toBe(1);
    expect([s.atoms[2]!.value, s.atoms[2]!.creator]).toEqual(['p', 1]);
    s = get(Reset(STR, s, 1, 0, 'q'));
    expect(s.atoms[0]!.value).toBe('p');
    expect(forkIsolation(s)).toBe(true);
    // the seeded bug of Fork.tla, done by hand: the child shares the parent's private atom
    const leaky: KernelState<string> = { ...s, procs: new Map([...s.procs, [1, { ...s.procs.get(1)!, table: new Map([[0, 0]]) }]]) };
    expect(forkIsolation(get(Reset(STR, leaky, 1, 0, 'z')))).toBe(false);
  });

  it('exit while marking shades the values of the table it drops (the case the model checker found)', () => {
    const c = kernelConstants(cfgConstants(readRepoFile('spec/tla/MCKernel_small.cfg')));
    const m = kernelModel(c);
    const step = (s: KernelModelState | undefined, f: (t: KernelModelState) => KernelModelState | undefined): KernelModelState => {
      const t = f(s!);
      expect(t).toBeDefined();
      return t!;
    };
    // p1 holds h only through atom 1; after the snapshot it stores h into atom 0 (already
    // scanned), shared with its child p2, and exits before atom 1 is scanned.
    let s = kernelInit(c);
    s = { k: get(Share(get(NewAtom(s.k, 1, 0)), 1, 0, 1)), h: s.h };
    s = step(s, (t) => m.Fork(t, 1));
    s = step(s, (t) => m.Alloc(t, 1, 0, 0));
    const k1 = { k: get(NewAtom(s.k, 1, 1)), h: s.h }; // atom 1 := h (needs MaxAtoms 2: built by hand)
    s = step(k1, (t) => m.Drop(t, 1, 1));
    s = step(s, m.StartMark);
    s = step(s, (t) => m.Deref(t, 1, 1));
    s = step(s, m.ScanAtom);
    s = { k: get(Reset(HANDLE_DOMAIN, s.k, 1, 0, 1)), h: s.h };
    s = step(s, (t) => m.Exit(t, 1));
    expect(s.h.colour[1]).toBe('grey');
  });

  it('rejects bad constants', () => {
    expect(() => kernelConstants({ ...cfgConstants(readRepoFile('spec/tla/MCKernel_small.cfg')), Bug: 'nope' })).toThrow(ModelConstantsError);
  });
});
