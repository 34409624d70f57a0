import { describe, expect, test } from 'vitest';
import { counterexampleToItf, jsonToItf, tlaTextToItf } from './itf.js';
import { build } from './engines/registry.js';
import { judge } from './campaign/campaign.js';
import { fuzzCaseToItf } from './itf.js';
import type { FuzzCase } from './generators/case.js';

describe('ITF traces', () => {
  test('reads TLA+ values as model checkers print them', () => {
    expect(tlaTextToItf('42')).toEqual({ '#bigint': '42' });
    expect(tlaTextToItf('-7')).toEqual({ '#bigint': '-7' });
    expect(tlaTextToItf('TRUE')).toBe(true);
    expect(tlaTextToItf('<<false, TRUE>>')).toEqual({ '#tup': [false, true] });
    expect(tlaTextToItf('TRUEx')).toEqual({ '#unserializable': 'TRUEx' });
    expect(tlaTextToItf('"a \\"b\\""')).toBe('a "b"');
    expect(tlaTextToItf('{1, 2}')).toEqual({ '#set': [{ '#bigint': '1' }, { '#bigint': '2' }] });
    expect(tlaTextToItf('<<>>')).toEqual({ '#tup': [] });
    expect(tlaTextToItf('[a |-> 1, b |-> {}]')).toEqual({ a: { '#bigint': '1' }, b: { '#set': [] } });
    expect(tlaTextToItf('(p1 :> <<1, "x">> @@ p2 :> <<>>)')).toEqual({
      '#map': [
        [{ '#unserializable': 'p1' }, { '#tup': [{ '#bigint': '1' }, 'x'] }],
        [{ '#unserializable': 'p2' }, { '#tup': [] }],
      ],
    });
    // what it cannot read stays visible, never silently dropped
    expect(tlaTextToItf('{1, 2')).toEqual({ '#unserializable': '{1, 2' });
    expect(tlaTextToItf('1 + 2')).toEqual({ '#unserializable': '1 + 2' });
  });

  test('JSON values: integers are bigints, doubles unserializable', () => {
    expect(jsonToItf({ op: 'cas', pid: 0, stamp: 3, v: 1.5, xs: [true] })).toEqual({ op: 'cas', pid: { '#bigint': '0' }, stamp: { '#bigint': '3' }, v: { '#unserializable': '1.5' }, xs: [true] });
  });

  test('a counterexample keeps its variables, actions and lasso', () => {
    const t = counterexampleToItf(
      [
        { action: 'Init', vars: [['x', '0'], ['s', '{}']] },
        { action: 'Inc', vars: [['x', '1'], ['s', '{1}']] },
      ],
      0,
      { model: 'Toy', engine: 'tla-checker', violated: 'Bound' },
    );
    expect(t.vars).toEqual(['x', 's', 'mbt::actionTaken']);
    expect(t.loop).toBe(0);
    expect(t['#meta'].violated).toBe('Bound');
    expect(t.states[1]).toEqual({ '#meta': { index: 1 }, x: { '#bigint': '1' }, s: { '#set': [{ '#bigint': '1' }] }, 'mbt::actionTaken': 'Inc' });
  });

  test('a fuzz failure: one state per operation with every kernel outcome and state, the divergence marked', async () => {
    const handles = [await build('reference'), await build('reference+mutant:swap-no-retry')];
    const c: FuzzCase = {
      version: 1,
      seed: 1,
      kernels: handles.map((h) => h.name),
      ops: [
        { op: 'atom', pid: 0, value: '0' },
        { op: 'fork', pid: 0 },
        { op: 'load', pid: 0, program: '(swap! (atom-ref 0) inc)' },
        { op: 'deref', pid: 0, ref: 0 },
      ],
    };
    const r = judge(c, handles, { record: true });
    const t = fuzzCaseToItf(c, r.records, r.verdict);
    expect(t.vars).toEqual(['op', 'outcome', 'processes', 'differs']);
    expect(t.states).toHaveLength(r.records.length);
    expect(t.states[0]!.op).toEqual({ op: 'atom', pid: { '#bigint': '0' }, value: '0' });
    expect(Object.keys(t.states[0]!.outcome as object)).toEqual(handles.map((h) => h.name));
    expect(t['#meta'].verdict).toBe(r.verdict.kind);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });
});
