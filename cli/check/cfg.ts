/**
 * A reader for TLC model-configuration files (`.cfg`): the sections `immutos check` needs to
 * name invariants, pick the deadlock policy and hand a model's constants to a TS mirror.
 * It reads the same syntax TLC and tla-checker read; it does not validate the model.
 * @module
 */
import { UsageError } from '../errors.js';

/** A TLC cfg file, as far as `immutos check` needs it. */
export interface TlcConfig {
  /** `CONSTANT(S)` assignments `N = value` parsed into JS values (see {@link parseCfg}). */
  readonly constants: Readonly<Record<string, unknown>>;
  /** Constants whose value could not be read as a plain value (substitutions `<-`, functions), with the reason. */
  readonly unreadableConstants: Readonly<Record<string, string>>;
  /** `INIT` definition name, if any. */
  readonly init: string | null;
  /** `NEXT` definition name, if any. */
  readonly next: string | null;
  /** `SPECIFICATION` definition name, if any. */
  readonly specification: string | null;
  /** `INVARIANT(S)` names, in the order the checkers number them. */
  readonly invariants: readonly string[];
  /** `PROPERTY`/`PROPERTIES` names, in order. */
  readonly properties: readonly string[];
  /** `CONSTRAINT(S)` names, in order. */
  readonly constraints: readonly string[];
  /** Whether a deadlock is an error: TLC's default `true` unless the cfg says `CHECK_DEADLOCK FALSE`. */
  readonly checkDeadlock: boolean;
  /** `SYMMETRY` definition name, if any. */
  readonly symmetry: string | null;
}

/** A cfg that could not be read; the message names the file and the offending token. */
export class CfgError extends UsageError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'CfgError';
  }
}

type Tok = { readonly t: 'id' | 'num' | 'str' | 'punct'; readonly v: string; readonly line: number };

const KEYWORDS = new Set([
  'CONSTANT', 'CONSTANTS', 'INIT', 'NEXT', 'SPECIFICATION', 'INVARIANT', 'INVARIANTS', 'PROPERTY', 'PROPERTIES',
  'CONSTRAINT', 'CONSTRAINTS', 'ACTION_CONSTRAINT', 'ACTION_CONSTRAINTS', 'SYMMETRY', 'VIEW', 'CHECK_DEADLOCK',
  'ALIAS', 'POSTCONDITION',
]);

function tokenize(src: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  const puncts = ['<<', '>>', '<-', '|->', ':>', '@@', '{', '}', ',', '=', '(', ')', '[', ']', '-'];
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('\\*', i)) { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (src.startsWith('(*', i)) {
      const end = src.indexOf('*)', i + 2);
      if (end < 0) throw new CfgError(`${file}:${line}: unterminated comment`);
      for (let k = i; k < end; k++) if (src[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (src.startsWith('----', i) || src.startsWith('====', i)) { while (i < src.length && (src[i] === '-' || src[i] === '=')) i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) { s += src[j + 1]; j += 2; } else { s += src[j]; j++; }
      }
      if (j >= src.length) throw new CfgError(`${file}:${line}: unterminated string`);
      toks.push({ t: 'str', v: s, line });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_!]*/.exec(src.slice(i, i + 200));
    if (id) { toks.push({ t: 'id', v: id[0], line }); i += id[0].length; continue; }
    const num = /^[0-9]+/.exec(src.slice(i, i + 40));
    if (num) { toks.push({ t: 'num', v: num[0], line }); i += num[0].length; continue; }
    const p = puncts.find((q) => src.startsWith(q, i));
    if (p) { toks.push({ t: 'punct', v: p, line }); i += p.length; continue; }
    throw new CfgError(`${file}:${line}: unexpected character ${JSON.stringify(c)}`);
  }
  return toks;
}

/**
 * Reads a TLC cfg. Constant values become JS values: integers → numbers, strings → strings,
 * `TRUE`/`FALSE` → booleans, a model value `p1` → the string `"p1"`, sets `{…}` and tuples
 * `<<…>>` → arrays (sets in written order), records `[f |-> v]` → objects. Anything else
 * (`N <- Def`, `a :> 1 @@ …`) is listed in `unreadableConstants`, not an error: the TLA+
 * checkers read it themselves, only a TS mirror cannot be instantiated from it.
 * @throws CfgError on a lexically malformed file or an unknown section keyword.
 */
export function parseCfg(src: string, file = '<cfg>'): TlcConfig {
  const toks = tokenize(src, file);
  const constants: Record<string, unknown> = {};
  const unreadable: Record<string, string> = {};
  const lists: Record<string, string[]> = { INVARIANT: [], PROPERTY: [], CONSTRAINT: [], ACTION_CONSTRAINT: [] };
  const single: Record<string, string | null> = { INIT: null, NEXT: null, SPECIFICATION: null, SYMMETRY: null, VIEW: null, ALIAS: null, POSTCONDITION: null };
  let checkDeadlock = true;
  let i = 0;
  const canonical = (kw: string): string =>
    kw === 'CONSTANTS' ? 'CONSTANT' : kw === 'INVARIANTS' ? 'INVARIANT' : kw === 'PROPERTIES' ? 'PROPERTY'
      : kw === 'CONSTRAINTS' ? 'CONSTRAINT' : kw === 'ACTION_CONSTRAINTS' ? 'ACTION_CONSTRAINT' : kw;
  const isKeyword = (k: Tok | undefined): boolean => k !== undefined && k.t === 'id' && KEYWORDS.has(k.v);

  const parseValue = (): unknown => {
    const k = toks[i];
    if (!k) throw new CfgError(`${file}: value expected at end of file`);
    if (k.t === 'num') { i++; return Number(k.v); }
    if (k.t === 'punct' && k.v === '-' && toks[i + 1]?.t === 'num') { i += 2; return -Number(toks[i - 1]!.v); }
    if (k.t === 'str') { i++; return k.v; }
    if (k.t === 'id' && !KEYWORDS.has(k.v)) { i++; return k.v === 'TRUE' ? true : k.v === 'FALSE' ? false : k.v; }
    if (k.t === 'punct' && (k.v === '{' || k.v === '<<')) {
      const close = k.v === '{' ? '}' : '>>';
      i++;
      const out: unknown[] = [];
      while (toks[i] && !(toks[i]!.t === 'punct' && toks[i]!.v === close)) {
        out.push(parseValue());
        if (toks[i]?.t === 'punct' && toks[i]!.v === ',') i++;
      }
      if (!toks[i]) throw new CfgError(`${file}:${k.line}: '${close}' expected`);
      i++;
      return out;
    }
    if (k.t === 'punct' && k.v === '[') {
      i++;
      const rec: Record<string, unknown> = {};
      while (toks[i] && !(toks[i]!.t === 'punct' && toks[i]!.v === ']')) {
        const f = toks[i]!;
        if (f.t !== 'id' || toks[i + 1]?.v !== '|->') throw new Unreadable(`record field expected at line ${f.line}`);
        i += 2;
        rec[f.v] = parseValue();
        if (toks[i]?.t === 'punct' && toks[i]!.v === ',') i++;
      }
      i++;
      return rec;
    }
    throw new Unreadable(`unsupported value syntax '${k.v}' at line ${k.line}`);
  };

  let section: string | null = null;
  while (i < toks.length) {
    const k = toks[i]!;
    if (isKeyword(k)) {
      section = canonical(k.v);
      i++;
      if (section === 'CHECK_DEADLOCK') {
        const v = toks[i];
        if (!v || (v.v !== 'TRUE' && v.v !== 'FALSE')) throw new CfgError(`${file}:${k.line}: CHECK_DEADLOCK expects TRUE or FALSE`);
        checkDeadlock = v.v === 'TRUE';
        i++;
        section = null;
      }
      continue;
    }
    if (section === null) throw new CfgError(`${file}:${k.line}: unexpected '${k.v}' outside any section`);
    if (section === 'CONSTANT') {
      if (k.t === 'punct' && k.v === ',') { i++; continue; }
      if (k.t !== 'id') throw new CfgError(`${file}:${k.line}: constant name expected, got '${k.v}'`);
      const name = k.v;
      const op = toks[i + 1];
      if (op?.v === '=') {
        i += 2;
        const start = i;
        try {
          const v = parseValue();
          const after = toks[i];
          const ends = after === undefined || isKeyword(after) || (after.t === 'punct' && after.v === ',')
            || (after.t === 'id' && (toks[i + 1]?.v === '=' || toks[i + 1]?.v === '<-'));
          if (!ends) throw new Unreadable(`unsupported value syntax '${after.v}' at line ${after.line}`);
          constants[name] = v;
        } catch (e) {
          if (!(e instanceof Unreadable)) throw e;
          unreadable[name] = e.message;
          i = skipValue(toks, start);
        }
      } else if (op?.v === '<-') {
        unreadable[name] = `substitution '<- ${toks[i + 2]?.v ?? ''}'`;
        i += 3;
      } else {
        throw new CfgError(`${file}:${k.line}: '=' or '<-' expected after constant ${name}`);
      }
      continue;
    }
    if (k.t !== 'id') {
      if (k.t === 'punct' && k.v === ',') { i++; continue; }
      throw new CfgError(`${file}:${k.line}: name expected in ${section}, got '${k.v}'`);
    }
    if (section in lists) lists[section]!.push(k.v);
    else {
      if (single[section] !== null && single[section] !== undefined) throw new CfgError(`${file}:${k.line}: ${section} given twice`);
      single[section] = k.v;
    }
    i++;
  }
  return {
    constants,
    unreadableConstants: unreadable,
    init: single.INIT ?? null,
    next: single.NEXT ?? null,
    specification: single.SPECIFICATION ?? null,
    invariants: lists.INVARIANT!,
    properties: lists.PROPERTY!,
    constraints: lists.CONSTRAINT!,
    checkDeadlock,
    symmetry: single.SYMMETRY ?? null,
  };
}

class Unreadable extends Error {}

/** Skips one constant value we could not parse: up to the next `NAME =`/`NAME <-` or keyword. */
function skipValue(toks: readonly Tok[], start: number): number {
  let i = start;
  let depth = 0;
  while (i < toks.length) {
    const k = toks[i]!;
    if (k.t === 'punct' && (k.v === '{' || k.v === '<<' || k.v === '[' || k.v === '(')) depth++;
    else if (k.t === 'punct' && (k.v === '}' || k.v === '>>' || k.v === ']' || k.v === ')')) depth--;
    else if (depth === 0 && k.t === 'id' && (KEYWORDS.has(k.v) || toks[i + 1]?.v === '=' || toks[i + 1]?.v === '<-') && i > start) return i;
    i++;
  }
  return i;
}
