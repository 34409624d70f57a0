import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HandleStack } from './HandleStack.js';

describe('HandleStack', () => {
  it('behaves as a LIFO array across chunk boundaries', () => {
    // Runs of pushes and pops long enough to cross several 4096-entry chunks both ways.
    const run = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 9000 })), { maxLength: 12 });
    fc.assert(
      fc.property(run, (ops) => {
        const s = new HandleStack();
        const model: number[] = [];
        let next = 0;
        const popped: (number | undefined)[] = [];
        const expected: (number | undefined)[] = [];
        for (const [push, n] of ops) {
          for (let i = 0; i < n; i++) {
            if (push) {
              s.push(next);
              model.push(next++);
            } else {
              popped.push(s.pop());
              expected.push(model.pop());
            }
          }
          expect(s.length).toBe(model.length);
        }
        expect(popped).toEqual(expected);
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it('pop on an empty stack is undefined', () => {
    const s = new HandleStack();
    s.push(7);
    expect(s.pop()).toBe(7);
    expect(s.pop()).toBeUndefined();
    expect(s.length).toBe(0);
  });
});
