/**
 * Built-in sequential models for the linearizability checker: a register, a compare-and-set
 * register and a key-value store (per key) over Jepsen-style operations, and the atom of ADR 0003.
 * @module
 */
import { equals, hash, Vector, type Value } from '../../spec/Values.js';
import { printEdn } from '../../spec/codec/Edn.js';
import type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';
import { hashString, UNKNOWN, type Model, type Unknown } from './checker.js';

/** A Jepsen-style request: the function (`read`, `write`, `cas`, `get`, `put`, `append`) and its argument. */
export interface JepsenInput {
  /** The function. */
  readonly f: string;
  /** The argument of the invocation (`nil` for reads; `[from to]` for `cas`). */
  readonly value: Value;
}

/** A Jepsen-style completion: `ok` (took effect, with its value) or `fail` (did not take effect). */
export interface JepsenOutput {
  /** `ok` or `fail`. */
  readonly type: 'ok' | 'fail';
  /** The value the completion carries (what a read saw). */
  readonly value: Value;
}

/** The name of a built-in model. */
export type ModelName = 'register' | 'cas-register' | 'kv' | 'atom';

/** Every built-in model name. */
export const MODEL_NAMES: readonly ModelName[] = ['register', 'cas-register', 'kv', 'atom'];

const same = (a: Value, b: Value): boolean => a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && equals(a, b));

function valueHash(v: Value): number {
  // Ints by their low bits as a double's int32 (equal ints, equal hashes), without bigint arithmetic.
  return typeof v === 'bigint' ? Number(v) | 0 : typeof v === 'string' ? hashString(v) : hash(v);
}

const show = (v: Value): string => {
  const s = printEdn(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
};

function describeJepsen(input: JepsenInput, output: JepsenOutput | Unknown): string {
  const arg = input.f === 'read' || input.f === 'get' ? '' : ` ${show(input.value)}`;
  if (output === UNKNOWN) return `${input.f}${arg} → ?`;
  if (output.type === 'fail') return `${input.f}${arg} → fail`;
  return input.f === 'read' || input.f === 'get' ? `${input.f} → ${show(output.value)}` : `${input.f}${arg}`;
}

/** A one-line error about a request the model does not know. */
export class ModelInputError extends Error {
  /** The CLI maps this kind to exit code 2. */
  readonly kind = 'bad-input';
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}

function casArgs(v: Value): Vector {
  if (v instanceof Vector && v.size === 2) return v;
  throw new ModelInputError(`a cas takes [from to], got ${show(v)}`);
}

function jepsenModel(name: ModelName, cas: boolean, kv: boolean): Model<Value, JepsenInput, JepsenOutput> {
  // A kv store's absent key reads as nil or "".
  const isRead = (s: Value, v: Value): boolean => same(s, v) || (kv && s === null && v === '');
  return {
    init: () => null,
    hash: valueHash,
    equal: same,
    describeState: show,
    describeOperation: describeJepsen,
    step(s, input, output) {
      const f = input.f;
      switch (f) {
        case 'get':
        case 'put':
        case 'append':
          if (!kv) throw new ModelInputError(`the ${name} model has no operation ${f}`);
      }
      switch (f) {
        case 'read':
        case 'get':
          // A read that failed or timed out took no effect and saw nothing.
          return output === UNKNOWN || output.type === 'fail' || isRead(s, output.value) ? s : undefined;
        case 'write':
        case 'put':
          return output !== UNKNOWN && output.type === 'fail' ? s : input.value;
        case 'append': {
          if (output !== UNKNOWN && output.type === 'fail') return s;
          if (typeof input.value !== 'string' || (s !== null && typeof s !== 'string')) throw new ModelInputError(`append takes strings, got ${show(input.value)}`);
          return (s ?? '') + input.value;
        }
        case 'cas': {
          if (!cas) throw new ModelInputError(`the ${name} model has no operation ${f}`);
          const args = casArgs(input.value);
          const from = args.at(0)!;
          const to = args.at(1)!;
          const matches = isRead(s, from);
          if (output === UNKNOWN) return matches ? to : s;
          // A failed cas observed a value other than `from` (as etcd and Porcupine read it).
          if (output.type === 'fail') return matches ? undefined : s;
          return matches ? to : undefined;
        }
        default:
          throw new ModelInputError(`the ${name} model has no operation ${f}`);
      }
    },
  };
}

/** A register holding one value (initially nil): `read` and `write`. */
export function registerModel(): Model<Value, JepsenInput, JepsenOutput> {
  return jepsenModel('register', false, false);
}

/**
 * A compare-and-set register (initially nil): `read`, `write`, `cas [from to]`. A `cas` that
 * completed with `fail` observed a value other than `from`.
 */
export function casRegisterModel(): Model<Value, JepsenInput, JepsenOutput> {
  return jepsenModel('cas-register', true, false);
}

/**
 * One key of a key-value store (initially absent; a read of an absent key sees nil or ""):
 * `read`/`get`, `write`/`put`, `append` (strings), `cas [from to]`. Histories are partitioned by key.
 */
export function kvModel(): Model<Value, JepsenInput, JepsenOutput> {
  return jepsenModel('kv', true, true);
}

// ---- the atom model (ADR 0003: values and stamps) ----

/** An atom's sequential state. */
export interface AtomState {
  /** The current value (any comparable text, e.g. EDN). */
  readonly value: string;
  /** The stamp: +1 per successful write. */
  readonly stamp: number;
}

/** The sequential atom of ADR 0003, starting from `initial` at stamp 0. */
export function atomModel(initial: string): Model<AtomState, AtomInput, AtomOutput> {
  return {
    init: () => ({ value: initial, stamp: 0 }),
    key: (s) => `${s.stamp}:${s.value}`,
    hash: (s) => (Math.imul(s.stamp, 0x9e3779b1) ^ hashString(s.value)) | 0,
    equal: (a, b) => a.stamp === b.stamp && a.value === b.value,
    describeState: (s) => `${s.value} @${s.stamp}`,
    describeOperation(input, output) {
      const out = output === UNKNOWN ? '?' : typeof output === 'object' ? JSON.stringify(output) : String(output);
      switch (input.op) {
        case 'deref':
          return `deref → ${out}`;
        case 'reset':
          return `reset ${input.value}`;
        case 'cas':
          return `cas @${input.stamp} ${input.value} → ${out}`;
        case 'compareAndSet':
          return `compareAndSet ${input.expected} ${input.value} → ${out}`;
      }
    },
    step(s, input, output) {
      switch (input.op) {
        case 'deref': {
          if (output === UNKNOWN) return s;
          const o = output as { value: string; stamp: number };
          return typeof o === 'object' && o !== null && 'value' in o && o.value === s.value && o.stamp === s.stamp ? s : undefined;
        }
        case 'reset':
          return output === UNKNOWN || output === input.value ? { value: input.value, stamp: s.stamp + 1 } : undefined;
        case 'cas':
          if (input.stamp === s.stamp) return output === UNKNOWN || (typeof output === 'object' && output !== null && 'stamp' in output && output.stamp === s.stamp + 1) ? { value: input.value, stamp: s.stamp + 1 } : undefined;
          return output === UNKNOWN || output === 'stale' ? s : undefined;
        case 'compareAndSet':
          if (input.expected === s.value) return output === UNKNOWN || output === true ? { value: input.value, stamp: s.stamp + 1 } : undefined;
          return output === UNKNOWN || output === false ? s : undefined;
      }
    },
  };
}

/** The built-in model named `name` (the atom model starts from `initial`, default "nil"). */
export function builtinModel(name: ModelName, initial = 'nil'): Model<unknown, unknown, unknown> {
  switch (name) {
    case 'register':
      return registerModel() as Model<unknown, unknown, unknown>;
    case 'cas-register':
      return casRegisterModel() as Model<unknown, unknown, unknown>;
    case 'kv':
      return kvModel() as Model<unknown, unknown, unknown>;
    case 'atom':
      return atomModel(initial) as Model<unknown, unknown, unknown>;
  }
}
