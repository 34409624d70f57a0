/**
 * The receiving side of `immutos bench parallel`'s hand-off measurement, as a worker thread
 * (ImmutOS: a handle in a shared atom, looked up in place; Node: a structured clone by
 * `postMessage`) or as a child process (`child_process.fork`: the map serialized as JSON).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedHeap } from '../optimized/parallel/sharedHeap.js';

/** A request to the peer. */
export type PeerRequest =
  | { readonly kind: 'immutos'; readonly atom: number; readonly key: number }
  | { readonly kind: 'clone'; readonly map: Map<number, number>; readonly key: number }
  | { readonly kind: 'json'; readonly text: string; readonly key: number };

/** Answers a request: the value under `key` in the map handed over. */
function answer(heap: SharedHeap | null, m: PeerRequest): number {
  switch (m.kind) {
    case 'immutos': {
      const word = heap!.loadAtom(m.atom)[0];
      return Number(heap!.mapGet(word, BigInt(m.key)) ?? -1n);
    }
    case 'clone': return m.map.get(m.key) ?? -1;
    case 'json': return new Map<number, number>(JSON.parse(m.text) as [number, number][]).get(m.key) ?? -1;
  }
}

if (parentPort !== null) {
  const heap = (workerData as { buffer?: SharedArrayBuffer } | null)?.buffer !== undefined ? SharedHeap.attach((workerData as { buffer: SharedArrayBuffer }).buffer) : null;
  const port = parentPort;
  port.on('message', (m: PeerRequest) => port.postMessage(answer(heap, m)));
} else if (process.send !== undefined) {
  process.on('message', (m: PeerRequest) => process.send!(answer(null, m)));
}
