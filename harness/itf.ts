/**
 * Traces in the Informal Trace Format (ITF, the JSON trace format of Apalache and Quint): model
 * checking counterexamples and fuzz failures, written so that other tools (Quint's
 * model-based testing, the ITF trace viewer, the `itf` Rust crate) can read them.
 *
 * A trace is `{ "#meta", "vars", "states" }`; each state maps every variable to an ITF value:
 * integers as `{"#bigint": "n"}`, sets as `{"#set": [...]}`, tuples as `{"#tup": [...]}`,
 * functions as `{"#map": [[k, v], ...]}`, records as objects, sequences as arrays, strings and
 * booleans as themselves, and anything else as `{"#unserializable": "text"}`.
 * @module
 */
import type { Observation, Outcome } from '../spec/Kernel.js';
import type { FuzzCase } from './generators/case.js';
import type { StepRecord, Verdict } from './oracles/differential.js';

/** An ITF value. */
export type ItfValue =
  | boolean
  | string
  | readonly ItfValue[]
  | { readonly '#bigint': string }
  | { readonly '#set': readonly ItfValue[] }
  | { readonly '#tup': readonly ItfValue[] }
  | { readonly '#map': readonly (readonly [ItfValue, ItfValue])[] }
  | { readonly '#unserializable': string }
  | { readonly [field: string]: ItfValue };

/** One ITF state: variable → value, plus `#meta` (its index). */
export interface ItfState {
  /** `{ index }`, the state's position in the trace. */
  readonly '#meta': { readonly index: number };
  /** The variables. */
  readonly [variable: string]: ItfValue | { readonly index: number };
}

/** An ITF trace. */
export interface ItfTrace {
  /** Format, source and what the trace shows. */
  readonly '#meta': Readonly<Record<string, string | number | boolean>>;
  /** The variable names, in order. */
  readonly vars: readonly string[];
  /** For a lasso (a liveness counterexample): the index of the state the last one loops back to. */
  readonly loop?: number;
  /** The states, first to last. */
  readonly states: readonly ItfState[];
}

/** The `#meta` fields every trace starts with. */
function meta(source: string, description: string, extra: Readonly<Record<string, string | number | boolean>> = {}): Readonly<Record<string, string | number | boolean>> {
  return { format: 'ITF', 'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html', source, description, ...extra };
}

/** A JSON value (numbers become integers or `#unserializable` doubles, `null` becomes an empty tuple) as an ITF value. */
export function jsonToItf(v: unknown): ItfValue {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? { '#bigint': String(v) } : { '#unserializable': String(v) };
  if (typeof v === 'bigint') return { '#bigint': v.toString() };
  if (v === null || v === undefined) return { '#tup': [] };
  if (Array.isArray(v)) return v.map(jsonToItf);
  if (v instanceof Set) return { '#set': [...v].map(jsonToItf) };
  if (v instanceof Map) return { '#map': [...v].map(([k, x]) => [jsonToItf(k), jsonToItf(x)] as const) };
  const out: Record<string, ItfValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = jsonToItf(x);
  return out;
}

// ------------------------------------------------------------------ TLA+ values printed as text

/** A TLA+ value as model checkers print it (`{1, 2}`, `<<a, b>>`, `[f |-> 1]`, `(1 :> 2 @@ 3 :> 4)`, `"s"`, `TRUE`, `m1`). */
export function tlaTextToItf(text: string): ItfValue {
  const p = new TlaReader(text);
  const v = p.value();
  p.skip();
  if (!p.done()) return { '#unserializable': text };
  return v;
}

/** A small reader of printed TLA+ values; anything it does not know becomes `#unserializable`. */
class TlaReader {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private eat(tok: string): boolean {
    this.skip();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }

  private list(close: string): ItfValue[] {
    const out: ItfValue[] = [];
    if (this.eat(close)) return out;
    for (;;) {
      out.push(this.value());
      if (this.eat(close)) return out;
      if (!this.eat(',')) throw new Error(`expected , or ${close}`);
    }
  }

  value(): ItfValue {
    this.skip();
    const start = this.i;
    try {
      if (this.eat('<<')) return { '#tup': this.list('>>') };
      if (this.eat('{')) return { '#set': this.list('}') };
      if (this.eat('[')) {
        const rec: Record<string, ItfValue> = {};
        if (this.eat(']')) return rec;
        for (;;) {
          this.skip();
          const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
          if (m === null || !this.s.slice(this.i + m[0].length).trimStart().startsWith('|->')) throw new Error('not a record');
          this.i += m[0].length;
          this.eat('|->');
          rec[m[0]] = this.value();
          if (this.eat(']')) return rec;
          if (!this.eat(',')) throw new Error('expected , or ]');
        }
      }
      if (this.eat('(')) {
        const pairs: [ItfValue, ItfValue][] = [];
        for (;;) {
          const k = this.value();
          if (!this.eat(':>')) throw new Error('expected :>');
          pairs.push([k, this.value()]);
          if (this.eat(')')) return { '#map': pairs };
          if (!this.eat('@@')) throw new Error('expected @@ or )');
        }
      }
      if (this.s[this.i] === '"') {
        let j = this.i + 1;
        let out = '';
        while (j < this.s.length && this.s[j] !== '"') {
          if (this.s[j] === '\\' && j + 1 < this.s.length) j++;
          out += this.s[j];
          j++;
        }
        this.i = j + 1;
        return out;
      }
      const num = /^-?\d+/.exec(this.s.slice(this.i));
      if (num !== null) {
        this.i += num[0].length;
        return { '#bigint': num[0] };
      }
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
      if (word !== null) {
        this.i += word[0].length;
        // TLC prints TRUE/FALSE; tla-checker prints true/false
        if (word[0] === 'TRUE' || word[0] === 'true') return true;
        if (word[0] === 'FALSE' || word[0] === 'false') return false;
        return { '#unserializable': word[0] }; // a model value
      }
      throw new Error('unknown value');
    } catch {
      // give up on this value: the rest of the text, unparsed
      const rest = this.s.slice(start);
      this.i = this.s.length;
      return { '#unserializable': rest.trim() };
    }
  }
}

/** One state of a model-checking counterexample: the action that led to it and each variable as printed. */
export interface PrintedState {
  /** The action (null when the engine does not say). */
  readonly action: string | null;
  /** Variable → value printed in TLA+ syntax. */
  readonly vars: readonly (readonly [string, string])[];
}

/**
 * A model-checking counterexample as an ITF trace. Each state also carries the action that led to
 * it under `mbt::actionTaken` (Quint's convention).
 */
export function counterexampleToItf(states: readonly PrintedState[], cycleStart: number | null, info: { readonly model: string; readonly engine: string; readonly violated: string | null }): ItfTrace {
  const vars = states[0]?.vars.map(([k]) => k) ?? [];
  return {
    '#meta': meta(info.model, `counterexample found by ${info.engine}${info.violated !== null ? `: ${info.violated} violated` : ''}`, { engine: info.engine, ...(info.violated !== null ? { violated: info.violated } : {}) }),
    vars: [...vars, 'mbt::actionTaken'],
    ...(cycleStart !== null ? { loop: cycleStart } : {}),
    states: states.map((st, index) => {
      const s: Record<string, ItfValue | { index: number }> = { '#meta': { index } };
      for (const [k, v] of st.vars) s[k] = tlaTextToItf(v);
      s['mbt::actionTaken'] = st.action ?? (index === 0 ? 'init' : '');
      return s as ItfState;
    }),
  };
}

// ------------------------------------------------------------------ fuzz failures

/** An outcome as an ITF record. */
function outcomeToItf(o: Outcome | undefined, threw: string | undefined): ItfValue {
  if (threw !== undefined) return { threw };
  if (o === undefined) return { '#unserializable': 'not run' };
  return o.ok ? { ok: true, value: o.value } : { ok: false, error: o.error, message: o.message };
}

/** An observation as an ITF value: a function from pid to the process (atoms by ref, output, registers). */
function observationToItf(o: Observation | undefined): ItfValue {
  if (o === undefined) return { '#unserializable': 'not observed' };
  return {
    '#map': o.processes.map((p) => [
      { '#bigint': String(p.pid) },
      {
        atoms: { '#map': p.atoms.map((a) => [{ '#bigint': String(a.ref) }, { value: a.value, stamp: { '#bigint': String(a.stamp) } }] as const) },
        output: p.output,
        registers: { '#map': p.registers.map((r) => [{ '#bigint': String(r.reg) }, r.value] as const) },
      },
    ] as const),
  };
}

/**
 * A replayed fuzz case as an ITF trace: state `i` is the kernels' state after operation `i`
 * (`op`, each kernel's `outcome` and `processes` by kernel name, `differs`); the verdict and the
 * case's seed are in `#meta`. Values stay EDN text, as the kernels answer them.
 */
export function fuzzCaseToItf(c: FuzzCase, records: readonly StepRecord[], verdict: Verdict, source = 'immutos fuzz'): ItfTrace {
  const kernels = records[0]?.sides.map((s) => s.kernel) ?? [...c.kernels];
  return {
    '#meta': meta(source, `fuzz case (seed ${c.seed}) on ${kernels.join(', ')}: ${verdict.kind}${verdict.kind === 'diverged' ? ` at step ${verdict.step} (${verdict.reason})` : ''}`, { seed: c.seed, verdict: verdict.kind, ...(verdict.kind === 'diverged' ? { step: verdict.step } : {}) }),
    vars: ['op', 'outcome', 'processes', 'differs'],
    states: records.map((r, index) => ({
      '#meta': { index },
      op: jsonToItf(r.op),
      outcome: Object.fromEntries(r.sides.map((s) => [s.kernel, outcomeToItf(s.outcome, s.threw)])) as ItfValue,
      processes: Object.fromEntries(r.sides.map((s) => [s.kernel, observationToItf(s.observation)])) as ItfValue,
      differs: r.differs,
    })),
  };
}
