import { describe, expect, it } from 'vitest';
import { Vector } from '../../spec/Values.js';
import { UNKNOWN } from './checker.js';
import { HistoryFormatError, readHistory } from './formats.js';

describe('history files', () => {
  it('reads Jepsen EDN maps, one per line: pairs invocations with completions, :info and unfinished ones pending', () => {
    const h = readHistory(`{:type :invoke, :f :write, :value 1, :process 0, :time 10}
{:type :invoke, :f :read, :value nil, :process 1, :time 11}
{:type :ok, :f :write, :value 1, :process 0, :time 12}
{:type :info, :f :start, :value nil, :process :nemesis}
{:type :ok, :f :read, :value 1, :process 1, :time 13}
{:type :invoke, :f :cas, :value [1 2], :process 0}
{:type :info, :f :cas, :value [1 2], :process 0}
{:type :invoke, :f :write, :value 3, :process 2}`);
    expect(h.format).toBe('edn');
    expect(h.model).toBe('cas-register');
    expect(h.ops.map((o) => [o.client, o.call, o.ret])).toEqual([
      [0, 0, 2],
      [1, 1, 3],
      [0, 4, Infinity],
      [2, 6, Infinity],
    ]);
    expect(h.ops[1]!.output).toEqual({ type: 'ok', value: 1n });
    expect(h.ops[2]!.output).toBe(UNKNOWN);
    expect(h.ops[3]!.output).toBe(UNKNOWN);
  });

  it('reads one vector of maps, and kv keys from [k v] tuples or :key', () => {
    const tuples = readHistory('[{:type :invoke, :f :read, :value [3 nil], :process 0} {:type :ok, :f :read, :value [3 7], :process 0}]', { model: 'kv' });
    expect(tuples.ops[0]).toMatchObject({ key: 3n, input: { f: 'read', value: null }, output: { type: 'ok', value: 7n } });
    const keyed = readHistory('{:process 0, :type :invoke, :f :append, :key "0", :value "x"}\n{:process 0, :type :ok, :f :append, :key "0", :value "x"}');
    expect(keyed.model).toBe('kv');
    expect(keyed.ops[0]).toMatchObject({ key: '0', input: { f: 'append', value: 'x' } });
    const cas = readHistory('{:type :invoke, :f :cas, :value [1 [2 3]], :process 0}\n{:type :fail, :f :cas, :value [1 [2 3]], :process 0}', { model: 'kv' });
    expect((cas.ops[0]!.input as { value: unknown }).value).toEqual(new Vector([2n, 3n]));
  });

  it('reads Jepsen log lines', () => {
    const h = readHistory('INFO  jepsen.util - 4\t:invoke\t:read\tnil\nINFO  jepsen.util - 4\t:ok\t:read\tnil\nINFO  jepsen.util - 2\t:invoke\t:cas\t[2 4]\nINFO  jepsen.util - 2\t:info\t:cas\t:timed-out\n');
    expect(h.format).toBe('jepsen-log');
    expect(h.ops).toMatchObject([
      { client: 4, call: 0, ret: 1, output: { type: 'ok', value: null } },
      { client: 2, call: 2, ret: Infinity, output: UNKNOWN },
    ]);
  });

  it('reads our JSON: values as EDN values, absent return and output as pending', () => {
    const h = readHistory('{"model": "kv", "operations": [{"client": 0, "key": "a", "call": 0, "return": 2, "input": {"f": "write", "value": 1}, "output": {"type": "ok", "value": 1}}, {"client": 1, "key": "a", "call": 1, "input": {"f": "cas", "value": [1, 2]}}]}');
    expect(h.format).toBe('json');
    expect(h.model).toBe('kv');
    expect(h.ops[0]).toMatchObject({ key: 'a', input: { value: 1n }, output: { type: 'ok', value: 1n } });
    expect(h.ops[1]).toMatchObject({ ret: Infinity, output: UNKNOWN, input: { value: new Vector([1n, 2n]) } });
    const atom = readHistory('{"model": "atom", "initial": "0", "operations": [{"client": 0, "key": 3, "call": 0, "return": 1, "input": {"op": "deref"}, "output": {"value": "0", "stamp": 0}}]}');
    expect(atom).toMatchObject({ model: 'atom', initial: '0', ops: [{ key: 3, input: { op: 'deref' } }] });
  });

  it('refuses malformed histories with one-line errors', () => {
    const bad = ['{:type :ok, :f :read, :value 1, :process 0}', '{"operations": 3}', '{"model": "queue", "operations": []}', '{:type :invoke, :f :read, :process 0}\n{:type :invoke, :f :read, :process 0}', '[1 2', 'INFO  jepsen.util - 1\t:invoke\t:read\t[1'];
    for (const text of bad) {
      expect(() => readHistory(text)).toThrow(HistoryFormatError);
      try {
        readHistory(text);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
    expect(() => readHistory('{:type :invoke, :f :read, :value 1, :process 0}', { model: 'kv' })).toThrow(/\[key value\]/);
  });
});
