/**
 * A child process of `immutos bench kernel`: builds one persistent map of `n` int keys of one kind
 * (`optimized`, `immutable`, `native`) and prints its peak resident set size in MiB, so each
 * structure's memory is measured in a process of its own (the OS's count, not the JS heap's).
 * Usage: `node rssChild.js KIND N`.
 * @module
 */
import { createOptimizedKernel } from '../optimized/index.js';
import { key, persistentInserts } from './mapWorkload.js';
import * as Immutable from 'immutable';

/** Builds the map of `kind` with `n` keys and answers something of it (so it stays alive). */
function build(kind: string, n: number): number {
  if (kind === 'optimized') return persistentInserts(createOptimizedKernel(), n);
  if (kind === 'immutable') {
    let im = Immutable.Map<number, number>();
    for (let i = 0; i < n; i++) im = im.set(key(i), i);
    return im.size;
  }
  if (kind === 'native') {
    const nat = new Map<number, number>();
    for (let i = 0; i < n; i++) nat.set(key(i), i);
    return nat.size;
  }
  throw new RangeError(`unknown kind '${kind}' (expected optimized, immutable or native)`);
}

const kind = process.argv[2] ?? '';
const n = Number(process.argv[3] ?? '1000000');
const before = process.resourceUsage().maxRSS;
const kept = build(kind, n);
const peak = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ kind, n, baselineMiB: before / 1024, peakMiB: peak / 1024, kept: kept !== -1 })}\n`);
