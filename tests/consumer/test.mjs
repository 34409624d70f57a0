// A consumer's test: import the reference kernel through the package's public entry point
// ('immutos/reference', resolved by Node through the package's "exports"), run a few ops and
// check the results. Prints one JSON line for the repository's own test to read.
import assert from 'node:assert/strict';
import { createReferenceKernel, REFERENCE_MUTANTS } from 'immutos/reference';
import { DEFAULT_QUOTAS } from 'immutos/spec';

const k = createReferenceKernel();
const created = k.apply({ op: 'atom', pid: 0, value: '{:hits 0}' });
assert.deepEqual(created, { ok: true, value: '#atom 0' });
const swapped = k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [m] (update m :hits inc))' });
assert.deepEqual(swapped, { ok: true, value: '{:hits 1}' });
const stale = k.apply({ op: 'cas', pid: 0, ref: 0, stamp: 0, value: '{}' });
assert.equal(stale.ok, false);
assert.equal(stale.error, 'stale-stamp');
assert.ok(REFERENCE_MUTANTS.length > 0);
assert.equal(typeof DEFAULT_QUOTAS.fuel, 'number');
console.log(JSON.stringify({ created, swapped, stale: stale.error, observe: k.observe() }));
