/**
 * History files for the linearizability checker: our own JSON, Jepsen's EDN histories (one
 * operation map per line, or one vector of them) and Jepsen's text logs (`INFO jepsen.util -
 * PROCESS TYPE F VALUE` lines). Each becomes a list of {@link Op}s: an invocation paired with the
 * next completion of its process; `:info` completions and invocations that never complete have an
 * unknown outcome and return time `Infinity`.
 * @module
 */
import { readEdnAll } from '../../spec/codec/Edn.js';
import { EMap, Keyword, Vector, type Value } from '../../spec/Values.js';
import { UNKNOWN, type Op } from './checker.js';
import { MODEL_NAMES, type JepsenInput, type JepsenOutput, type ModelName } from './models.js';

/** A history file that cannot be read: one line naming what and where. */
export class HistoryFormatError extends Error {
  /** The CLI maps this kind to exit code 2. */
  readonly kind = 'bad-input';
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = 'HistoryFormatError';
  }
}

/** A history read from a file. */
export interface LoadedHistory {
  /** The format it was read as. */
  readonly format: 'json' | 'edn' | 'jepsen-log';
  /** The operations. */
  readonly ops: Op<unknown, unknown>[];
  /** The model the file names (JSON `"model"`), or the one its operations suggest. */
  readonly model: ModelName;
  /** The atom model's initial value (JSON `"initial"`), when given. */
  readonly initial?: string;
}

/** How to read a history. */
export interface ReadOptions {
  /**
   * The model it is checked against. For `kv`, a Jepsen value `[k v]` is read as key `k` and
   * value `v` (Jepsen's independent keys) unless the operation has a `:key`.
   */
  readonly model?: string;
}

/** Converts JSON to a value: integers to ints, arrays to vectors, objects to maps with string keys. */
export function jsonToValue(j: unknown): Value {
  if (j === null || typeof j === 'string' || typeof j === 'boolean') return j;
  if (typeof j === 'number') return Number.isInteger(j) ? BigInt(j) : j;
  if (Array.isArray(j)) return new Vector(j.map(jsonToValue));
  if (typeof j === 'object') return EMap.from(Object.entries(j as Record<string, unknown>).map(([k, v]) => [k, jsonToValue(v)] as const));
  throw new HistoryFormatError(`cannot read ${typeof j} as a value`);
}

const isJepsenModel = (m: string | undefined): boolean => m === undefined || m === 'register' || m === 'cas-register' || m === 'kv';

function guessModel(fs: Iterable<string>, keyed: boolean): ModelName {
  let cas = false;
  for (const f of fs) {
    if (f === 'get' || f === 'put' || f === 'append') return 'kv';
    if (f === 'cas') cas = true;
  }
  return keyed ? 'kv' : cas ? 'cas-register' : 'register';
}

// ---- JSON ----

function readJson(doc: unknown, opts: ReadOptions): LoadedHistory {
  const o = doc as { model?: unknown; initial?: unknown; operations?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.operations)) throw new HistoryFormatError('a JSON history is an object with an "operations" array');
  if (o.model !== undefined && (typeof o.model !== 'string' || !(MODEL_NAMES as readonly string[]).includes(o.model))) throw new HistoryFormatError(`unknown model ${JSON.stringify(o.model)} (one of ${MODEL_NAMES.join(', ')})`);
  const named = opts.model ?? (o.model as string | undefined);
  const jepsen = isJepsenModel(named);
  const fs = new Set<string>();
  let keyed = false;
  const ops = (o.operations as unknown[]).map((raw, i): Op<unknown, unknown> => {
    const op = raw as { client?: unknown; key?: unknown; call?: unknown; return?: unknown; input?: unknown; output?: unknown };
    const where = `operation ${i}`;
    if (typeof op !== 'object' || op === null) throw new HistoryFormatError(`${where} is not an object`);
    if (typeof op.call !== 'number') throw new HistoryFormatError(`${where} has no numeric "call"`);
    if (op.return !== undefined && op.return !== null && typeof op.return !== 'number') throw new HistoryFormatError(`${where} has a "return" that is not a number`);
    if (op.input === undefined) throw new HistoryFormatError(`${where} has no "input"`);
    const client = typeof op.client === 'number' || typeof op.client === 'string' ? op.client : 0;
    const unknown = op.output === undefined || op.output === null;
    const ret = op.return === undefined || op.return === null ? Infinity : op.return;
    let input: unknown = op.input;
    let output: unknown = unknown ? UNKNOWN : op.output;
    if (jepsen) {
      const inp = op.input as { f?: unknown; value?: unknown };
      if (typeof inp !== 'object' || inp === null || typeof inp.f !== 'string') throw new HistoryFormatError(`${where}: "input" is {"f": NAME, "value": V}`);
      fs.add(inp.f);
      input = { f: inp.f, value: jsonToValue(inp.value ?? null) } satisfies JepsenInput;
      if (!unknown) {
        const out = op.output as { type?: unknown; value?: unknown };
        if (typeof out !== 'object' || out === null || (out.type !== 'ok' && out.type !== 'fail')) throw new HistoryFormatError(`${where}: "output" is {"type": "ok"|"fail", "value": V}`);
        output = { type: out.type, value: jsonToValue(out.value ?? null) } satisfies JepsenOutput;
      }
    }
    if (op.key !== undefined) keyed = true;
    const key = op.key === undefined ? undefined : jepsen ? jsonToValue(op.key) : op.key;
    return { client, key, call: op.call, ret, input, output };
  });
  const model = (named ?? guessModel(fs, keyed)) as ModelName;
  return { format: 'json', ops, model, ...(typeof o.initial === 'string' ? { initial: o.initial } : {}) };
}

// ---- Jepsen events (EDN maps or log lines) ----

interface Event {
  readonly process: Value;
  readonly type: string;
  readonly f: string;
  readonly value: Value;
  readonly key?: Value;
  readonly where: string;
}

const kwName = (v: Value | undefined): string | undefined => (v instanceof Keyword ? v.fullName : typeof v === 'string' ? v : undefined);

function eventsToOps(events: readonly Event[], opts: ReadOptions, format: 'edn' | 'jepsen-log'): LoadedHistory {
  const fs = new Set<string>();
  let keyed = false;
  for (const e of events) {
    fs.add(e.f);
    if (e.key !== undefined) keyed = true;
  }
  const model = (opts.model ?? guessModel(fs, keyed)) as ModelName;
  const tuples = model === 'kv';
  const split = (e: Event, v: Value): { key: Value | undefined; value: Value } => {
    if (e.key !== undefined) return { key: e.key, value: v };
    if (!tuples) return { key: undefined, value: v };
    if (v instanceof Vector && v.size === 2) return { key: v.at(0)!, value: v.at(1)! };
    throw new HistoryFormatError(`${e.where}: a kv operation's value is [key value] (or the map has a :key), got ${String(v)}`);
  };
  const open = new Map<unknown, { index: number; event: Event; key: Value | undefined; value: Value }>();
  const ops: (Op<JepsenInput, JepsenOutput> | undefined)[] = [];
  const pid = (p: Value): unknown => (typeof p === 'bigint' || typeof p === 'string' ? p : String(p));
  events.forEach((e, t) => {
    const id = pid(e.process);
    if (e.type === 'invoke') {
      if (open.has(id)) throw new HistoryFormatError(`${e.where}: process ${String(e.process)} invokes again before its last invocation completed`);
      const { key, value } = split(e, e.value);
      open.set(id, { index: ops.length, event: e, key, value });
      ops.push({ client: typeof e.process === 'bigint' ? Number(e.process) : String(e.process), key, call: t, ret: Infinity, input: { f: e.f, value }, output: UNKNOWN });
      return;
    }
    if (e.type !== 'ok' && e.type !== 'fail' && e.type !== 'info') throw new HistoryFormatError(`${e.where}: unknown :type ${e.type}`);
    const inv = open.get(id);
    if (inv === undefined) {
      if (e.type === 'info') return; // an :info with no invocation (a nemesis, a crash note)
      throw new HistoryFormatError(`${e.where}: process ${String(e.process)} completes an operation it never invoked`);
    }
    open.delete(id);
    if (inv.event.f !== e.f) throw new HistoryFormatError(`${e.where}: completion :${e.f} of an invocation of :${inv.event.f}`);
    const op = ops[inv.index]!;
    if (e.type === 'info') return; // outcome unknown: pending forever
    const value = e.type === 'ok' ? split(e, e.value).value : inv.value;
    ops[inv.index] = { ...op, ret: t, output: { type: e.type, value } };
  });
  return { format, ops: ops as Op<unknown, unknown>[], model };
}

function readEdnHistory(text: string, opts: ReadOptions): LoadedHistory {
  let forms: Value[];
  try {
    forms = readEdnAll(text);
  } catch (e) {
    throw new HistoryFormatError(`not a history (JSON, EDN or a Jepsen log): ${(e as Error).message}`);
  }
  const maps = forms.length === 1 && forms[0] instanceof Vector ? forms[0].items : forms;
  const events: Event[] = [];
  maps.forEach((m, i) => {
    const where = `operation map ${i + 1}`;
    if (!(m instanceof EMap)) throw new HistoryFormatError(`${where} is not a map`);
    const get = (k: string): Value | undefined => m.entries.find(([key]) => key instanceof Keyword && key.ns === null && key.name === k)?.[1];
    const process = get('process');
    if (process === undefined || process === null || process instanceof Keyword) return; // the nemesis and other non-client events
    const type = kwName(get('type'));
    const f = kwName(get('f'));
    if (type === undefined || f === undefined) throw new HistoryFormatError(`${where} needs :type and :f`);
    const key = get('key');
    events.push({ process, type, f, value: get('value') ?? null, ...(key !== undefined ? { key } : {}), where });
  });
  return eventsToOps(events, opts, 'edn');
}

const LOG_LINE = /^\s*\S+\s+jepsen\.util\s+-\s+(\S+)\s+:(\S+)\s+:(\S+)\s*(.*)$/;

function readJepsenLog(text: string, opts: ReadOptions): LoadedHistory {
  const events: Event[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = LOG_LINE.exec(line);
    if (m === null) throw new HistoryFormatError(`line ${i + 1} is not a Jepsen log line (LEVEL jepsen.util - PROCESS :TYPE :F VALUE)`);
    const [, proc, type, f, rest] = m as unknown as [string, string, string, string, string];
    if (!/^\d+$/.test(proc)) return; // :nemesis
    let value: Value = null;
    try {
      const forms = readEdnAll(rest);
      value = forms.length === 0 ? null : forms[0]!;
    } catch (e) {
      throw new HistoryFormatError(`line ${i + 1}: ${(e as Error).message}`);
    }
    events.push({ process: BigInt(proc), type, f, value, where: `line ${i + 1}` });
  });
  return eventsToOps(events, opts, 'jepsen-log');
}

/** Reads a history in any of the supported formats (told apart by their first characters). */
export function readHistory(text: string, opts: ReadOptions = {}): LoadedHistory {
  const t = text.trimStart();
  if (t.startsWith('{') && /^\{\s*"/.test(t)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new HistoryFormatError(`bad JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    return readJson(doc, opts);
  }
  if (/^\S+\s+jepsen\.util\s+-/.test(t)) return readJepsenLog(text, opts);
  return readEdnHistory(text, opts);
}

/** Prints `ops` (Jepsen-style ones: register, CAS register, kv) as our JSON history format. */
export function toJsonHistory(model: ModelName, ops: readonly Op<JepsenInput, JepsenOutput>[], print: (v: Value) => unknown): string {
  const lines = ops.map((op) =>
    JSON.stringify({
      client: op.client,
      ...(op.key !== undefined ? { key: print(op.key as Value) } : {}),
      call: op.call,
      ...(op.ret !== Infinity ? { return: op.ret } : {}),
      input: { f: op.input.f, value: print(op.input.value) },
      ...(op.output !== UNKNOWN ? { output: { type: op.output.type, value: print(op.output.value) } } : {}),
    }),
  );
  return `{"model": ${JSON.stringify(model)}, "operations": [\n${lines.join(',\n')}\n]}\n`;
}
