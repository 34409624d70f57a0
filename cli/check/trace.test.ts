import { describe, expect, test } from 'vitest';
import { formatTla, parseTlaCheckerTrace, renderTrace } from './trace.js';

describe('trace', () => {
  test('formatTla prints the checker JSON forms in TLA+ syntax', () => {
    expect(formatTla({ __tuple: [1, 's', true] })).toBe('<<1, "s", TRUE>>');
    expect(formatTla({ __fn: [[{ __model: 'p1' }, [1, 2]], [{ __model: 'p2' }, []]] })).toBe('(p1 :> {1, 2} @@ p2 :> {})');
    expect(formatTla({ fld: 1, other: [false] })).toBe('[fld |-> 1, other |-> {FALSE}]');
  });

  test('a state whose value spans lines is joined; unchanged steps show as stuttering', () => {
    const t = parseTlaCheckerTrace(['State 0\n  x = [a |-> 1,\n    b |-> 2]\n  y = 0\nState 1\n  x = [a |-> 1,\n    b |-> 2]\n  y = 0\n'])!;
    expect(t.states[0]!.vars).toEqual([['x', '[a |-> 1, b |-> 2]'], ['y', '0']]);
    expect(renderTrace(t)).toMatch(/1\s+\(no change: stuttering\)/);
  });
});
