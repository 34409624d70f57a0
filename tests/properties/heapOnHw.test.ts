/**
 * The optimized heap's readers on the simulated memory, which answers runs of words at once
 * (`loadRange`: vector leaves, trie nodes, string units): every value round-trips and prints as
 * the spec printer prints it, on every memory model, as on plain memory
 * (optimized/heap/values.test.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equals } from '../../spec/Values.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { arbValue } from '../../harness/generators/specValues.js';
import { Heap } from '../../optimized/heap/Heap.js';
import { fromHeap, heapText, initImmortals, toHeap } from '../../optimized/heap/values.js';
import { createHwMemory, HW_MODELS } from '../../hw-model/index.js';

describe.each(HW_MODELS)('heap values on the simulated memory (%s)', (model) => {
  it('round-trip and print as the spec printer does, read through range reads', () => {
    const mem = createHwMemory(model, { initialWords: 1 << 16, lineWords: 8, seed: 3 });
    expect(mem.loadRange).toBeTypeOf('function');
    const H = new Heap(mem);
    initImmortals(H);
    fc.assert(
      fc.property(arbValue, fc.nat({ max: 3 }), (v, core) => {
        mem.setCore(0);
        const w = toHeap(H, v);
        if (core !== 0) mem.fence(); // as the kernel publishes a value before another core reads it
        mem.setCore(core); // on core 0, the writer's own buffered stores are forwarded
        expect(heapText(H, w)).toBe(printEdn(v));
        expect(equals(fromHeap(H, w), v)).toBe(true);
        mem.tick();
      }),
      { numRuns: 150, seed: 20261207 },
    );
  });
});
