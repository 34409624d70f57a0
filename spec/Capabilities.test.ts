import { describe, expect, it } from 'vitest';
import {
  access, addWatch, CAPABILITIES_BUGS, callbackChargedToOwner, callbackShare, callbackWrite, capabilitiesConstants, capabilitiesInit,
  callbacksHaveLiveOwners, capabilityIsolation, exit, join, joinOnlyChildren, newAtom, noCapabilityWithoutShare, onlyCreatorShares,
  setValidator, share, spawn, spawnTree, specModule, treeBound, writesNeedCapability,
  type CapabilitiesBug, type CapabilitiesConstants, type CapabilitiesState,
} from './Capabilities.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Capabilities', specModule, { bugs: CAPABILITIES_BUGS.filter((b) => b !== 'none') });

// 2 processes, 2 refs, 1 atom, 1 live process per tree: every seeded bug changes the reachable states.
const tinyCfg = readRepoFile('spec/tla/MCCapabilities_bug_foreignCodeChargedToWriter.cfg');
describeTlaEquivalence('Capabilities', specModule, (bug) => tinyCfg.replace(/Bug = "[^"]*"/, `Bug = "${bug}"`), CAPABILITIES_BUGS, 20, 120_000);

/** Applies a step that must be enabled. */
function must(s: CapabilitiesState | undefined): CapabilitiesState {
  if (s === undefined) throw new Error('step not enabled');
  return s;
}

const constants = (Bug: CapabilitiesBug, over: Partial<CapabilitiesConstants> = {}): CapabilitiesConstants =>
  capabilitiesConstants({ NumProcs: 3, MaxRefs: 5, MaxAtoms: 2, MaxTreeProcs: 3, Bug, ...over });

/**
 * Process 1 creates atoms 0 (ref 0) and 1 (ref 1), spawns 2 (in its tree unless `newTree`) and
 * shares atom 0 with it (ref 2): atom 1 stays private to process 1.
 */
function mailbox(c: CapabilitiesConstants, newTree = false): CapabilitiesState {
  let s = capabilitiesInit(c);
  s = must(newAtom(c, s, 1));
  s = must(newAtom(c, s, 1));
  s = must(newTree ? spawnTree(c, s, 1) : spawn(c, s, 1));
  return must(share(c, s, 1, 0, 2));
}

describe('Capabilities mirror: scenarios', () => {
  const c = constants('none');

  it('only the creator shares; the target gets a fresh ref, once', () => {
    const s = mailbox(c);
    expect(s.table[1]![2]).toBe(0);
    expect(s.shared[0]).toBe(true);
    const s3 = must(spawn(c, s, 1));
    expect(share(c, s3, 2, 2, 3)).toBeUndefined(); // process 2 is not the creator
    expect(share(c, s3, 1, 0, 2)!.nextRef).toBe(s3.nextRef); // already held: no new ref
    expect(share(c, s3, 1, 1, 2)!.grants).toContainEqual({ atom: 1, author: 1, principal: 1, to: 2 });
  });

  it('a ref outside the caller\'s table is denied (no step)', () => {
    const s = mailbox(c);
    expect(access(c, s, 2, 1)).toEqual([]);
    expect(access(c, s, 2, 2).map(capabilityIsolation)).toEqual([true]);
  });

  it('a foreign watch runs as its owner: it reaches what its owner holds, nothing of the writer', () => {
    const s = must(addWatch(c, mailbox(c), 2, 2));
    // Process 1 writes atom 0 through ref 0; the watch (owner 2) runs with 2's table: ref 2 only.
    expect(callbackWrite(c, s, 1, 0, 2, 'watch', 1)).toBeUndefined();
    const t = must(callbackWrite(c, s, 1, 0, 2, 'watch', 2));
    expect(t.step).toMatchObject({ act: 'CallbackWrite', by: 2, atom: 0, payer: 1 });
    expect(writesNeedCapability(t) && callbackChargedToOwner(t)).toBe(true);
    // Nor may it share atom 0 onward: process 2 is not its creator.
    expect(callbackShare(c, must(spawn(c, s, 1)), 1, 0, 2, 'watch', 2, 3)).toBeUndefined();
  });

  it('watch-runs-as-writer: the watch writes the writer\'s private atom', () => {
    const b = constants('watch-runs-as-writer');
    const s = must(addWatch(b, mailbox(b), 2, 2));
    const t = must(callbackWrite(b, s, 1, 0, 2, 'watch', 1));
    expect(writesNeedCapability(t)).toBe(false);
    expect(noCapabilityWithoutShare(t)).toBe(true);
  });

  it('validator-runs-as-writer: the validator shares the writer\'s atom with a third process', () => {
    const b = constants('validator-runs-as-writer');
    const s = must(spawn(b, must(setValidator(b, mailbox(b), 2, 2)), 1));
    const t = must(callbackShare(b, s, 1, 0, 2, 'validator', 0, 3));
    expect(t.grants).toContainEqual({ atom: 0, author: 2, principal: 1, to: 3 });
    expect(noCapabilityWithoutShare(t)).toBe(false);
    expect(writesNeedCapability(t) && onlyCreatorShares(t)).toBe(true);
    // Correct: the validator runs as process 2, which may not share atom 0.
    expect(callbackShare(c, must(spawn(c, must(setValidator(c, mailbox(c), 2, 2)), 1)), 1, 0, 2, 'validator', 2, 3)).toBeUndefined();
  });

  it('a foreign callback is charged to its owner\'s tree (foreign-code-charged-to-writer: the writer\'s)', () => {
    const ok = must(callbackWrite(c, must(addWatch(c, mailbox(c, true), 2, 2)), 1, 0, 2, 'watch', 2));
    expect(ok.step.payer).toBe(2);
    expect(callbackChargedToOwner(ok)).toBe(true);
    const b = constants('foreign-code-charged-to-writer');
    const bad = must(callbackWrite(b, must(addWatch(b, mailbox(b, true), 2, 2)), 1, 0, 2, 'watch', 2));
    expect(bad.step.payer).toBe(1);
    expect(callbackChargedToOwner(bad)).toBe(false);
  });

  it('exit removes the table and the callbacks the process owns (exit-keeps-callbacks: they stay)', () => {
    const s = must(setValidator(c, must(addWatch(c, mailbox(c), 2, 2)), 2, 2));
    const t = must(exit(c, s, 2));
    expect(t.table[1]!.every((a) => a < 0)).toBe(true);
    expect([t.validator[0], t.watchers[0]]).toEqual([0, 0]);
    expect(t.grants.some((g) => g.to === 2)).toBe(false);
    expect(callbacksHaveLiveOwners(t)).toBe(true);
    const b = constants('exit-keeps-callbacks');
    expect(callbacksHaveLiveOwners(must(exit(b, must(addWatch(b, mailbox(b), 2, 2)), 2)))).toBe(false);
  });

  it('only the parent joins (join-any-process: anyone)', () => {
    const s = must(spawn(c, mailbox(c), 2)); // process 3, child of 2
    expect(join(c, s, 1, 3)).toBeUndefined();
    expect(join(c, s, 3, 3)).toBeUndefined();
    expect(joinOnlyChildren(must(join(c, s, 2, 3)))).toBe(true);
    const b = constants('join-any-process');
    expect(joinOnlyChildren(must(join(b, must(spawn(b, mailbox(b), 2)), 1, 3)))).toBe(false);
  });

  it('a program\'s spawn stays within the tree bound; the spawn operation roots a new tree (no-process-limit: no bound)', () => {
    const two = constants('none', { MaxTreeProcs: 2 });
    const s = must(spawn(two, capabilitiesInit(two), 1));
    expect(spawn(two, s, 2)).toBeUndefined();
    const t = must(spawnTree(two, s, 2));
    expect([t.tree[2], t.parent[2]]).toEqual([3, 2]);
    const b = constants('no-process-limit', { MaxTreeProcs: 2 });
    expect(treeBound(b, must(spawn(b, must(spawn(b, capabilitiesInit(b), 1)), 2)))).toBe(false);
  });

  it('rejects bad constants', () => {
    expect(() => capabilitiesConstants({ NumProcs: 0, MaxRefs: 4, MaxAtoms: 2, MaxTreeProcs: 1, Bug: 'none' })).toThrow(ModelConstantsError);
    expect(() => capabilitiesConstants({ NumProcs: 2, MaxRefs: 4, MaxAtoms: 2, Bug: 'none' })).toThrow(ModelConstantsError);
    expect(() => capabilitiesConstants({ NumProcs: 2, MaxRefs: 4, MaxAtoms: 2, MaxTreeProcs: 1, Bug: 'fork-bomb' })).toThrow(ModelConstantsError);
  });
});
