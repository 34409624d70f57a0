import { describe, expect, it } from 'vitest';
import {
  alloc, copy, freeOld, moveBegin, neverReadsUnpublished, publicationConstants, publicationInit, publish, readAtom, readBegin,
  readsIntact, send, specModule, stampExact, store, swap, ackStep, type PublicationState,
} from './Publication.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Publication', specModule, { bugs: ['publish-after-store', 'no-handshake', 'store-not-cas'] });

const smallCfg = readRepoFile('spec/tla/MCPublication_small.cfg');
// One atom store is enough for the first two bugs; the lost update needs two.
describeTlaEquivalence('Publication', specModule, (bug) => smallCfg.replace(/Bug = "[^"]*"/, `Bug = "${bug}"`)
  .replace(/MaxStamp = \d+/, `MaxStamp = ${bug === 'store-not-cas' ? 2 : 1}`),
  ['none', 'publish-after-store', 'no-handshake', 'store-not-cas'], 20, 120_000);

const must = (s: PublicationState | undefined): PublicationState => {
  if (s === undefined) throw new Error('action not enabled');
  return s;
};

describe('Publication mirror: scenarios', () => {
  const c = publicationConstants({ NumProcs: 2, NumVals: 1, NumAddrs: 2, MaxStamp: 2, Bug: 'none' });
  it('a private value cannot be stored or sent before it is published; after, the other process reads it in place', () => {
    const s1 = must(alloc(publicationInit(c), 1));
    expect(store(c, readAtom(s1, 1), 1, 1)).toBeUndefined();
    expect(send(c, s1, 1, 2, 1)).toBeUndefined();
    const s2 = must(store(c, readAtom(must(publish(s1, 1, 1)), 1), 1, 1));
    const s3 = must(readBegin(readAtom(s2, 2), 2, 1));
    expect(s3.rd[1]).toEqual({ v: 1, a: 1 });
    expect(neverReadsUnpublished(s3) && readsIntact(s3)).toBe(true);
  });
  it('the collector frees the old copy only after every process has acknowledged the handshake', () => {
    const pub = must(send(c, must(publish(must(alloc(publicationInit(c), 1)), 1, 1)), 1, 2, 1));
    const reading = must(readBegin(pub, 2, 1));
    const swapped = must(swap(c, must(copy(must(moveBegin(reading, 1))))));
    expect(freeOld(c, swapped)).toBeUndefined();
    expect(ackStep(swapped, 2)).toBeUndefined(); // a read is in flight
    const bug = { ...c, Bug: 'no-handshake' as const };
    expect(readsIntact(must(freeOld(bug, swapped)))).toBe(false);
  });
  it('a store is a CAS of the whole word: a stale word fails, so stamps count stores exactly', () => {
    const s = must(publish(must(alloc(publicationInit(c), 1)), 1, 1));
    const once = must(store(c, readAtom(s, 1), 1, 1));
    expect(store(c, once, 1, 1)).toBeUndefined();
    const bug = { ...c, Bug: 'store-not-cas' as const };
    expect(stampExact(must(store(bug, once, 1, 1)))).toBe(false);
  });
  it('rejects bad constants', () => {
    expect(() => publicationConstants({ NumProcs: 2, NumVals: 1, NumAddrs: 2, MaxStamp: 2, Bug: 'nope' })).toThrow(ModelConstantsError);
    expect(() => publicationConstants({ NumProcs: 9, NumVals: 1, NumAddrs: 2, MaxStamp: 2, Bug: 'none' })).toThrow(ModelConstantsError);
  });
});
