import { describe, expect, test } from 'vitest';
import { CfgError, parseCfg } from './cfg.js';

describe('parseCfg', () => {
  test('reads constants of every plain kind, in order, and the sections', () => {
    const c = parseCfg(`\\* a comment
(* a block
   comment INVARIANT Hidden *)
CONSTANTS
  N = 3
  Neg = -2
  Name = "a \\"q\\""
  Flag = TRUE
  Procs = {p1, p2}
  Pairs = {<<1, 2>>, <<3, 4>>}
  Rec = [a |-> 1, b |-> {x}]
  Sub <- Other
  Fn = a :> 1 @@ b :> 2
  After = 7
SPECIFICATION Spec
INVARIANT TypeOK
INVARIANTS Inv1 Inv2
PROPERTY Live
CONSTRAINT Bound
CHECK_DEADLOCK FALSE
`, 'x.cfg');
    expect(c.constants).toEqual({ N: 3, Neg: -2, Name: 'a "q"', Flag: true, Procs: ['p1', 'p2'], Pairs: [[1, 2], [3, 4]], Rec: { a: 1, b: ['x'] }, After: 7 });
    expect(Object.keys(c.unreadableConstants).sort()).toEqual(['Fn', 'Sub']);
    expect(c.specification).toBe('Spec');
    expect(c.invariants).toEqual(['TypeOK', 'Inv1', 'Inv2']);
    expect(c.properties).toEqual(['Live']);
    expect(c.constraints).toEqual(['Bound']);
    expect(c.checkDeadlock).toBe(false);
  });

  test('deadlock checking is on by default (TLC rule), INIT/NEXT read', () => {
    const c = parseCfg('INIT Init NEXT Next');
    expect(c.checkDeadlock).toBe(true);
    expect([c.init, c.next, c.specification]).toEqual(['Init', 'Next', null]);
  });

  test('rejects malformed files with the file and line', () => {
    expect(() => parseCfg('CONSTANTS\n N 3', 'bad.cfg')).toThrow(/bad\.cfg:2/);
    expect(() => parseCfg('Foo', 'bad.cfg')).toThrow(CfgError);
    expect(() => parseCfg('CHECK_DEADLOCK maybe', 'bad.cfg')).toThrow(/TRUE or FALSE/);
    expect(() => parseCfg('CONSTANT S = "open', 'bad.cfg')).toThrow(/unterminated string/);
  });
});
