import { describe, expect, it } from 'vitest';
import {
  acknowledge, ackedSurvive, stage, asOf, asOfStable, crash, crashInFlush, DURABLE_BUGS, durableConstants, durableInit, flush, recover,
  recoverPrefix, specModule, type DurableBug, type DurableState,
} from './Durable.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Durable', specModule, { bugs: DURABLE_BUGS.filter((b) => b !== 'none') });

const smallCfg = readRepoFile('spec/tla/MCDurable_small.cfg');
// log of 1: every seeded bug changes the reachable states, and each state set stays small
describeTlaEquivalence('Durable', specModule, (bug) => smallCfg.replace(/MaxLog = 2/, 'MaxLog = 1').replace(/Bug = "[^"]*"/, `Bug = "${bug}"`), DURABLE_BUGS);

/** Applies a step that must be enabled. */
function must(s: DurableState | undefined): DurableState {
  if (s === undefined) throw new Error('step not enabled');
  return s;
}
const constants = (Bug: DurableBug) => durableConstants({ MaxLog: 3, MaxVal: 1, Bug });

describe('Durable mirror: scenarios', () => {
  it('acknowledgement waits for the flush; a crash loses only staged transitions; as-of answers stay', () => {
    const c = constants('none');
    let s = must(stage(c, must(stage(c, durableInit(c), 1)), 0));
    expect(acknowledge(c, s)).toBeUndefined(); // nothing is on the disk yet
    s = must(acknowledge(c, must(flush(c, s))));
    s = must(asOf(c, must(stage(c, s, 1)), 1));
    s = must(recover(c, must(crash(c, s))));
    expect(s.log).toEqual([1, 0]); // the staged third transition is gone
    expect([ackedSurvive(s), recoverPrefix(s), asOfStable(c, s)]).toEqual([true, true, true]);
  });

  it('a crash in the middle of a flush leaves a torn tail that recovery drops', () => {
    const c = constants('none');
    const s = must(crashInFlush(c, must(stage(c, durableInit(c), 1))));
    expect(s.disk).toEqual([2]); // Torn = MaxVal + 1
    expect(must(recover(c, s)).log).toEqual([]);
  });

  it('ack-before-flush acknowledges what a crash then loses', () => {
    const c = constants('ack-before-flush');
    const s = must(acknowledge(c, must(stage(c, durableInit(c), 1))));
    expect(ackedSurvive(s)).toBe(false);
  });

  it('recover-torn-tail recovers a record that was never written whole', () => {
    const c = constants('recover-torn-tail');
    const s = must(recover(c, must(crashInFlush(c, must(stage(c, durableInit(c), 0))))));
    expect(s.log).toEqual([2]);
    expect(recoverPrefix(s)).toBe(false);
  });

  it('rejects bad constants', () => {
    expect(() => durableConstants({ MaxLog: 3, MaxVal: 1, Bug: 'nope' })).toThrow(ModelConstantsError);
    expect(() => durableConstants({ MaxLog: 0, MaxVal: 1, Bug: 'none' })).toThrow(ModelConstantsError);
  });
});
