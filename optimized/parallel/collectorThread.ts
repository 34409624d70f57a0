/**
 * The collector's thread in the parallel mode (started by the coordinator beside the workers,
 * docs/adr/0042): runs {@link SharedCollector} collections over the shared heap while the
 * workers run — when an allocator asks (its space is full), when the current space is half
 * used, or back to back when collection is forced — until the coordinator sets the stop word.
 * In the checked mode it poisons freed space and checks the heap invariant after each
 * collection, posting what it finds to the coordinator.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedCollector } from './collector.js';
import { GcState, H, SharedHeap, spaceUsed } from './sharedHeap.js';
import type { CollectorBoot, FromCollector } from './protocol.js';

const boot = workerData as CollectorBoot;
const heap = SharedHeap.attach(boot.buffer);
const w = heap.words;
const collector = new SharedCollector(heap, boot.workers);
const port = parentPort!;

/** Whether the current space (or the handle table) is at least half used. */
function halfFull(): boolean {
  const used = spaceUsed(w, Atomics.load(w, H.curSpace));
  const freeHandles = (Atomics.load(w, H.freeTail) - Atomics.load(w, H.freeHead)) | 0;
  const handlesUsed = Math.min(Atomics.load(w, H.nextHandle), w[H.handleCap]!) - freeHandles;
  return used * 2 >= w[H.cellCap]! || handlesUsed * 2 >= w[H.handleCap]!;
}

port.postMessage({ type: 'ready' } satisfies FromCollector);
while (Atomics.load(w, H.gcStop) === 0 && Atomics.load(w, H.gcState) === GcState.on) {
  if (boot.force || Atomics.load(w, H.gcRequest) !== 0 || halfFull()) {
    const r = boot.mode === 'stop-the-world' ? collector.stopTheWorld(boot.check) : collector.collect(boot.check);
    if (r === null) break;
    if (boot.check) {
      const errors = collector.check();
      if (errors.length > 0) port.postMessage({ type: 'invariant', errors } satisfies FromCollector);
    }
    if (boot.force) Atomics.wait(w, H.gcStop, 0, boot.intervalMs);
  } else {
    Atomics.wait(w, H.gcRequest, 0, 2);
  }
}
port.postMessage({ type: 'stopped' } satisfies FromCollector);
