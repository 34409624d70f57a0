// Pins fast-check's seed so CI runs are reproducible; set FC_SEED to explore other seeds.
import fc from 'fast-check';

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261124;
fc.configureGlobal({ seed, numRuns: 100 });

// A map may hold its entries as pairs or, until they are asked for, as keys and values in one
// array (spec/Values.ts EMap.adoptSortedFlat): `toEqual` compares two maps by their entries, so
// the representation a map happens to be in (or a kernel's subclass of EMap) does not make equal
// maps differ, and maps with different entries still do.
import { expect } from 'vitest';
import { EMap } from '../spec/Values.js';

type Tester = Parameters<typeof expect.addEqualityTesters>[0][number];
const mapsByEntries: Tester = function (a, b, testers) {
  if (!(a instanceof EMap) || !(b instanceof EMap)) return undefined;
  return this.equals(a.entries, b.entries, testers);
};
expect.addEqualityTesters([mapsByEntries]);
