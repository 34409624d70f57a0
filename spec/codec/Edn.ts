/**
 * EDN text: a reader and a canonical printer for {@link Value}s.
 *
 * - Full EDN: comments (`;`), commas as whitespace, `#_` discard, lists, vectors, maps, sets,
 *   strings with escapes (`\t \r \n \\ \" \uXXXX`), characters (`\a \newline \space \tab \return
 *   \formfeed \backspace \uXXXX`), namespaced keywords and symbols, integers (optional `N`),
 *   doubles (`1.5`, `1e3`, `##Inf`, `##-Inf`, `##NaN`), tags (`#inst`, `#uuid`, `#my/tag v`).
 * - ImmutOS tags: `#bytes "hex"` (byte strings), `#atom N` (atom references). Any other tag reads
 *   as a {@link Tagged} value.
 * - Rejected with a {@link BadInputError} naming line, column and offset: integers outside
 *   int64 (no bignums, ADR 0002), `M` decimals, duplicate map keys or set members, unbalanced
 *   delimiters, nesting deeper than {@link MAX_DEPTH}, bad escapes, malformed `#inst`/`#uuid`.
 * - The reader is iterative (no recursion), so hostile input cannot overflow the stack.
 *
 * The printer is canonical: maps and sets print in the value order, so equal values print
 * identically, and `readEdn(printEdn(v))` equals `v` for every value except functions and values
 * built in code with a name or tag the reader refuses (see {@link isValidSymbol},
 * {@link isValidKeyword}, {@link taggedProblem}; the binary codec refuses those values).
 * @module
 */
import { BadInputError } from '../Errors.js';
import {
  AtomRef,
  Bytes,
  Char,
  EMap,
  ESet,
  Fn,
  INT64_MAX,
  INT64_MIN,
  Keyword,
  List,
  Sym,
  Tagged,
  Vector,
  type Value,
} from '../Values.js';

/** Deepest collection nesting the reader and binary decoder accept (deeper input is bad-input). */
export const MAX_DEPTH = 2000;

/** A position in EDN text. */
export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (in UTF-16 code units). */
  readonly column: number;
  /** 0-based offset (in UTF-16 code units). */
  readonly offset: number;
}

/** The result of {@link readEdnForms}: the forms and where each collection form started. */
export interface ReadResult {
  /** The top-level forms, in order. */
  readonly forms: readonly Value[];
  /** Start position of every list, vector, map, set and tagged value read (by identity). */
  readonly positions: WeakMap<object, Position>;
}

const DELIMS = new Set(['(', ')', '[', ']', '{', '}', '"', ';', ',']);
const isWs = (c: string): boolean => c === ' ' || c === ',' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};
const CHAR_NAMES: Record<string, string> = Object.fromEntries(Object.entries(NAMED_CHARS).map(([k, v]) => [v, k]));

type Frame =
  | { t: 'list' | 'vector' | 'set' | 'map'; close: string; items: Value[]; pos: Position }
  | { t: 'tag'; tag: string; pos: Position }
  | { t: 'discard'; pos: Position };

const INT_RE = /^[+-]?(0|[1-9][0-9]*)N?$/;
const FLOAT_RE = /^[+-]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?$/;
const NAME_START = /^[A-Za-z*!_?$%&=<>.+\-|\u0080-\uffff]/;
const NAME_REST = /^[A-Za-z0-9*!_?$%&=<>.+\-#:'|\u0080-\uffff]*$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_LOWER_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INST_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Whether `s` can be the name (or namespace) part of a symbol or keyword and read back as such. */
export function isValidName(s: string): boolean {
  if (s.length === 0 || !NAME_START.test(s) || !NAME_REST.test(s.slice(1))) return false;
  if ((s[0] === '-' || s[0] === '+' || s[0] === '.') && s.length > 1 && s[1]! >= '0' && s[1]! <= '9') return false;
  if (s === 'nil' || s === 'true' || s === 'false') return false;
  return !s.includes('/');
}

/**
 * Whether the symbol `ns/name` (or `name` when `ns` is null) prints as text that reads back as
 * itself: both parts {@link isValidName}s, or the bare symbol `/`. The EDN reader accepts exactly
 * these symbols; the binary decoder (spec/codec/Binary.ts) accepts no others.
 */
export function isValidSymbol(name: string, ns: string | null): boolean {
  return ns === null ? name === '/' || isValidName(name) : isValidName(ns) && isValidName(name);
}

/** Like {@link isValidSymbol}, for keywords (`:/` is not a keyword). */
export function isValidKeyword(name: string, ns: string | null): boolean {
  return (ns === null || isValidName(ns)) && isValidName(name);
}

/** Whether `#tag` is a tag the reader accepts: a symbol (optionally namespaced) starting with a letter. */
export function isValidTag(tag: string): boolean {
  return /^[A-Za-z]/.test(tag) && isSymbolToken(tag);
}

/** Whether `s` is a timestamp that `#inst` accepts (RFC 3339, possibly truncated, fields in range). */
export function isValidInst(s: string): boolean {
  const m = INST_RE.exec(s);
  return m !== null && validDate(m);
}

/**
 * Why the tagged value `#tag value` has no EDN text that reads back as itself, or null when it has
 * (`printEdn` then prints such text). Shared by the reader's rules and the binary codec: an invalid
 * tag, `#inst` with anything but a valid timestamp, `#uuid` with anything but canonical lower-case
 * text (the reader lower-cases), and `#bytes` / `#atom`, which read as byte strings and atom
 * references, never as tagged values.
 */
export function taggedProblem(tag: string, value: Value): string | null {
  if (!isValidTag(tag)) return `invalid tag ${JSON.stringify(tag)} (a tag is a symbol starting with a letter)`;
  switch (tag) {
    case 'inst':
      return typeof value === 'string' && isValidInst(value) ? null : '#inst needs an RFC 3339 timestamp string';
    case 'uuid':
      return typeof value === 'string' && UUID_LOWER_RE.test(value) ? null : '#uuid needs canonical lower-case 8-4-4-4-12 hex text';
    case 'bytes':
    case 'atom':
      return `#${tag} reads as a ${tag === 'bytes' ? 'byte string' : 'atom reference'}, not as a tagged value`;
  }
  return null;
}

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  readonly positions = new WeakMap<object, Position>();

  constructor(private readonly src: string) {}

  private pos(at = this.i): Position {
    // Valid for `at` on the current line (all callers pass the current token's start).
    return { line: this.line, column: at - this.lineStart + 1, offset: at };
  }

  private fail(msg: string, at: Position = this.pos()): never {
    throw new BadInputError(msg, at.offset, { line: at.line, column: at.column });
  }

  private skipWs(): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (isWs(c)) {
        this.i++;
      } else if (c === ';') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else break;
    }
  }

  /** Reads every top-level form. */
  readAll(): Value[] {
    const out: Value[] = [];
    const stack: Frame[] = [];
    const s = this.src;
    for (;;) {
      this.skipWs();
      let value: Value | undefined;
      let valuePos = this.pos();
      if (this.i >= s.length) {
        if (stack.length > 0) {
          const top = stack[stack.length - 1]!;
          const what = top.t === 'tag' ? `tag #${top.tag}` : top.t === 'discard' ? '#_' : top.t;
          this.fail(`unexpected end of input: ${what} opened at line ${top.pos.line}, column ${top.pos.column} is not complete`);
        }
        return out;
      }
      const c = s[this.i]!;
      const start = this.pos();
      if (c === '(' || c === '[' || c === '{') {
        if (stack.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
        this.i++;
        stack.push({ t: c === '(' ? 'list' : c === '[' ? 'vector' : 'map', close: c === '(' ? ')' : c === '[' ? ']' : '}', items: [], pos: start });
        continue;
      }
      if (c === ')' || c === ']' || c === '}') {
        const top = stack[stack.length - 1];
        if (top === undefined) this.fail(`unmatched '${c}'`);
        if (top.t === 'tag' || top.t === 'discard') this.fail(`'${c}' where a value was expected after ${top.t === 'tag' ? '#' + top.tag : '#_'}`);
        if (top.close !== c) this.fail(`'${c}' does not close ${top.t} opened at line ${top.pos.line}, column ${top.pos.column} (expected '${top.close}')`);
        this.i++;
        stack.pop();
        value = this.finish(top as Extract<Frame, { items: Value[] }>);
        valuePos = top.pos;
      } else if (c === '"') {
        value = this.readString();
      } else if (c === '\\') {
        value = this.readChar();
      } else if (c === '#') {
        const n = s[this.i + 1];
        if (n === '{') {
          if (stack.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
          this.i += 2;
          stack.push({ t: 'set', close: '}', items: [], pos: start });
          continue;
        }
        if (n === '_') {
          if (stack.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
          this.i += 2;
          stack.push({ t: 'discard', pos: start });
          continue;
        }
        if (n === '#') {
          this.i += 2;
          const tok = this.readToken();
          if (tok === 'Inf') value = Infinity;
          else if (tok === '-Inf') value = -Infinity;
          else if (tok === 'NaN') value = NaN;
          else this.fail(`unknown symbolic value ##${tok}`, start);
        } else {
          this.i++;
          const tok = this.readToken();
          if (!isValidTag(tok)) this.fail(`bad tag '#${tok}' (a tag is # followed by a symbol starting with a letter)`, start);
          if (stack.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
          stack.push({ t: 'tag', tag: tok, pos: start });
          continue;
        }
      } else if (c === ':') {
        value = this.readKeyword();
      } else {
        const tok = this.readToken();
        if (tok.length === 0) this.fail(`unexpected character '${c}'`);
        value = this.atom(tok, start);
      }
      // Deliver `value` to the enclosing frames (tags and discards complete immediately).
      let v: Value | undefined = value;
      let vPos = valuePos;
      while (v !== undefined) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          out.push(v);
          break;
        }
        if (top.t === 'discard') {
          stack.pop();
          v = undefined;
          break;
        }
        if (top.t === 'tag') {
          stack.pop();
          v = this.tagged(top.tag, v, top.pos, vPos);
          vPos = top.pos;
          continue;
        }
        top.items.push(v);
        break;
      }
    }
  }

  private finish(f: Extract<Frame, { items: Value[] }>): Value {
    let v: Value;
    switch (f.t) {
      case 'list':
        v = List.adopt(f.items);
        break;
      case 'vector':
        v = Vector.adopt(f.items);
        break;
      case 'set': {
        v = ESet.from(f.items);
        if (v.size !== f.items.length) this.fail('duplicate member in set literal', f.pos);
        break;
      }
      case 'map': {
        if (f.items.length % 2 !== 0) this.fail('map literal has an odd number of forms', f.pos);
        const pairs: [Value, Value][] = [];
        for (let k = 0; k < f.items.length; k += 2) pairs.push([f.items[k]!, f.items[k + 1]!]);
        v = EMap.from(pairs);
        if (v.size !== pairs.length) this.fail('duplicate key in map literal', f.pos);
        break;
      }
    }
    this.positions.set(v, f.pos);
    return v;
  }

  private tagged(tag: string, v: Value, at: Position, valueAt: Position): Value {
    switch (tag) {
      case 'inst': {
        if (typeof v !== 'string') this.fail('#inst expects a string', valueAt);
        if (!isValidInst(v)) this.fail(`#inst "${v}" is not an RFC 3339 timestamp`, valueAt);
        break;
      }
      case 'uuid':
        if (typeof v !== 'string' || !UUID_RE.test(v)) this.fail('#uuid expects a string of the form 8-4-4-4-12 hex digits', valueAt);
        v = v.toLowerCase();
        break;
      case 'bytes': {
        if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) this.fail('#bytes expects a string of hex digit pairs', valueAt);
        const out = new Uint8Array(v.length / 2);
        for (let k = 0; k < out.length; k++) out[k] = parseInt(v.slice(2 * k, 2 * k + 2), 16);
        return new Bytes(out);
      }
      case 'atom':
        if (typeof v !== 'bigint' || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('#atom expects a non-negative integer', valueAt);
        return new AtomRef(Number(v));
    }
    const t = new Tagged(tag, v);
    this.positions.set(t, at);
    return t;
  }

  private readToken(): string {
    const s = this.src;
    const start = this.i;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (isWs(c) || DELIMS.has(c) || c === '\n') break;
      this.i++;
    }
    return s.slice(start, this.i);
  }

  private atom(tok: string, at: Position): Value {
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    const c0 = tok[0]!;
    const c1 = tok[1];
    const numeric = (c0 >= '0' && c0 <= '9') || ((c0 === '+' || c0 === '-') && c1 !== undefined && c1 >= '0' && c1 <= '9');
    if (numeric) {
      if (INT_RE.test(tok)) {
        const n = BigInt(tok.endsWith('N') ? tok.slice(0, -1) : tok);
        if (n < INT64_MIN || n > INT64_MAX) this.fail(`integer ${tok} is outside the 64-bit range (ImmutOS has no bignums)`, at);
        return n;
      }
      if (FLOAT_RE.test(tok)) return Number(tok);
      if (/M$/.test(tok)) this.fail(`exact decimal '${tok}' is not supported (no BigDecimal in ImmutOS)`, at);
      this.fail(`malformed number '${tok}'`, at);
    }
    if (!isSymbolToken(tok)) this.fail(`invalid symbol '${tok}'`, at);
    const slash = tok.indexOf('/');
    return slash > 0 && tok.length > 1 ? Sym.of(tok.slice(slash + 1), tok.slice(0, slash)) : Sym.of(tok);
  }

  private readKeyword(): Value {
    const at = this.pos();
    this.i++; // ':'
    const tok = this.readToken();
    if (tok.length === 0) this.fail("a keyword needs a name after ':'", at);
    if (tok[0] === ':') this.fail(`auto-resolved keyword '::${tok.slice(1)}' is not EDN`, at);
    if (!isSymbolToken(tok) || tok === '/') this.fail(`invalid keyword ':${tok}'`, at);
    const slash = tok.indexOf('/');
    return slash > 0 ? Keyword.of(tok.slice(slash + 1), tok.slice(0, slash)) : Keyword.of(tok);
  }

  private readString(): string {
    const s = this.src;
    const at = this.pos();
    this.i++; // opening quote
    let out = '';
    let runStart = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string', at);
      const c = s[this.i]!;
      if (c === '"') {
        out += s.slice(runStart, this.i);
        this.i++;
        return out;
      }
      if (c === '\n') {
        this.line++;
        this.lineStart = this.i + 1;
      }
      if (c === '\\') {
        out += s.slice(runStart, this.i);
        const e = s[this.i + 1];
        const escAt = this.pos();
        switch (e) {
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'n':
            out += '\n';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case '\\':
            out += '\\';
            break;
          case '"':
            out += '"';
            break;
          case 'u': {
            const hex = s.slice(this.i + 2, this.i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u escape needs four hex digits', escAt);
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 4;
            break;
          }
          default:
            this.fail(e === undefined ? 'unterminated string' : `unknown string escape '\\${e}'`, escAt);
        }
        this.i += 2;
        runStart = this.i;
        continue;
      }
      this.i++;
    }
  }

  private readChar(): Char {
    const s = this.src;
    const at = this.pos();
    this.i++; // backslash
    if (this.i >= s.length) this.fail('a character needs something after the backslash', at);
    // A character is the code point right after the backslash, plus any constituent letters.
    const cp = s.codePointAt(this.i)!;
    const first = String.fromCodePoint(cp);
    this.i += first.length;
    let rest = '';
    while (this.i < s.length && !isWs(s[this.i]!) && !DELIMS.has(s[this.i]!) && s[this.i] !== '\n') {
      rest += s[this.i];
      this.i++;
    }
    if (rest === '') return new Char(first);
    const name = first + rest;
    const named = NAMED_CHARS[name];
    if (named !== undefined) return new Char(named);
    if (first === 'u' && /^[0-9a-fA-F]{4}$/.test(rest)) return new Char(String.fromCharCode(parseInt(rest, 16)));
    this.fail(`unknown character '\\${name}'`, at);
  }
}

function validDate(m: RegExpExecArray): boolean {
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const min = m[5] === undefined ? 0 : Number(m[5]);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && h <= 23 && min <= 59 && sec <= 60;
}

function isSymbolToken(tok: string): boolean {
  if (tok === '/') return true;
  const slash = tok.indexOf('/');
  if (slash < 0) return isValidName(tok);
  if (slash === 0 || slash === tok.length - 1) return false;
  return isValidName(tok.slice(0, slash)) && isValidName(tok.slice(slash + 1));
}

/** Reads every top-level form in `text`, with the start position of each collection form. */
export function readEdnForms(text: string): ReadResult {
  const r = new Reader(text);
  const forms = r.readAll();
  return { forms, positions: r.positions };
}

/** Reads every top-level form in `text`. Throws {@link BadInputError} on malformed input. */
export function readEdnAll(text: string): Value[] {
  return new Reader(text).readAll();
}

/** Reads exactly one value from `text` (comments and discarded forms aside). */
export function readEdn(text: string): Value {
  const forms = readEdnAll(text);
  if (forms.length !== 1) throw new BadInputError(forms.length === 0 ? 'no value in input' : `expected one value, found ${forms.length}`, forms.length === 0 ? text.length : 0, { line: 1, column: 1 });
  return forms[0]!;
}

// ---- printer ----

function printString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[k]! + s[k + 1]!;
        k++;
      } else out += '\\u' + c.toString(16);
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\\u' + c.toString(16);
    else out += s[k];
  }
  return out + '"';
}

function printChar(ch: string): string {
  const name = CHAR_NAMES[ch];
  if (name !== undefined) return '\\' + name;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x21 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || (ch.length === 1 && cp >= 0x80 && cp < 0xa0)) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\' + ch;
}

function printDouble(d: number): string {
  if (Number.isNaN(d)) return '##NaN';
  if (d === Infinity) return '##Inf';
  if (d === -Infinity) return '##-Inf';
  if (Object.is(d, -0)) return '-0.0';
  const s = String(d);
  return /[.eE]/.test(s) ? s : s + '.0';
}

/**
 * Prints `v` as canonical EDN: maps and sets in value order, `{:a 1, :b 2}` style, doubles always
 * with a `.` or exponent. Byte strings print as `#bytes "hex"`, atom references as `#atom N`,
 * functions as `#fn [id name]` (which reads back as a tagged value, not a function).
 */
export function printEdn(v: Value): string {
  // Common case: a recursive printer (fast); values nested deeper than RECURSION_LIMIT are
  // printed by the iterative printer, which cannot overflow the call stack.
  const scalar = printScalar(v);
  if (scalar !== null) return scalar;
  const out: string[] = [];
  printRecursive(v, out, 0);
  return out.join('');
}

/** The text of nil, a boolean, an int, a double or a string; null for any other kind. */
function printScalar(v: Value): string | null {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return printDouble(v);
    case 'string':
      return printString(v);
    default:
      return null;
  }
}

const RECURSION_LIMIT = 256;

function printRecursive(v: Value, out: string[], depth: number): void {
  const scalar = printScalar(v);
  if (scalar !== null) {
    out.push(scalar);
    return;
  }
  if (v === null || typeof v !== 'object') return; // unreachable: every scalar printed above
  if (depth > RECURSION_LIMIT) {
    out.push(printIterative(v));
    return;
  }
  const seq = (open: string, items: readonly Value[], close: string): void => {
    out.push(open);
    for (let k = 0; k < items.length; k++) {
      if (k > 0) out.push(' ');
      printRecursive(items[k]!, out, depth + 1);
    }
    out.push(close);
  };
  switch (v.kind) {
    case 'list':
      seq('(', v.items, ')');
      return;
    case 'vector':
      seq('[', v.items, ']');
      return;
    case 'set':
      seq('#{', v.items, '}');
      return;
    case 'map':
      out.push('{');
      for (let k = 0; k < v.entries.length; k++) {
        if (k > 0) out.push(', ');
        const [key, value] = v.entries[k]!;
        printRecursive(key, out, depth + 1);
        out.push(' ');
        printRecursive(value, out, depth + 1);
      }
      out.push('}');
      return;
    case 'tagged':
      out.push(`#${v.tag} `);
      printRecursive(v.value, out, depth + 1);
      return;
    default:
      out.push(printIterative(v));
  }
}

function printIterative(v: Value): string {
  const parts: string[] = [];
  // Iterative printing (explicit stack) so that deep values cannot overflow the call stack.
  const stack: (Value | { lit: string })[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (x !== null && typeof x === 'object' && 'lit' in x) {
      parts.push(x.lit);
      continue;
    }
    const val = x as Value;
    const scalar = printScalar(val);
    if (scalar !== null) {
      parts.push(scalar);
      continue;
    }
    if (val === null || typeof val !== 'object') continue; // unreachable: every scalar printed above
    const pushSeq = (open: string, items: readonly Value[], close: string, sep = ' '): void => {
      stack.push({ lit: close });
      for (let k = items.length - 1; k >= 0; k--) {
        stack.push(items[k]!);
        if (k > 0) stack.push({ lit: sep });
      }
      parts.push(open);
    };
    switch (val.kind) {
      case 'char':
        parts.push(printChar(val.ch));
        break;
      case 'keyword':
        parts.push(':' + val.fullName);
        break;
      case 'symbol':
        parts.push(val.fullName);
        break;
      case 'bytes': {
        let hex = '';
        for (const b of val.data) hex += b.toString(16).padStart(2, '0');
        parts.push(`#bytes "${hex}"`);
        break;
      }
      case 'list':
        pushSeq('(', val.items, ')');
        break;
      case 'vector':
        pushSeq('[', val.items, ']');
        break;
      case 'set':
        pushSeq('#{', val.items, '}');
        break;
      case 'map': {
        stack.push({ lit: '}' });
        for (let k = val.entries.length - 1; k >= 0; k--) {
          const [key, value] = val.entries[k]!;
          stack.push(value, { lit: ' ' }, key);
          if (k > 0) stack.push({ lit: ', ' });
        }
        parts.push('{');
        break;
      }
      case 'tagged':
        parts.push(`#${val.tag} `);
        stack.push(val.value);
        break;
      case 'atom':
        parts.push(`#atom ${val.ref}`);
        break;
      case 'fn':
        parts.push(`#fn [${val.id} ${val.name === null ? 'nil' : printString(val.name)}]`);
        break;
    }
  }
  return parts.join('');
}

/** Whether `v` can round-trip through EDN text (everything except functions). */
export function isPrintable(v: Value): boolean {
  return !(v instanceof Fn);
}

/**
 * The first `limit` characters of {@link printEdn}`(v)` (all of it when it is not longer),
 * printing little more than `limit` characters whatever the size of `v`: a value that shares
 * structure (`[v v]` nested 60 times) is small in memory but exponentially long as text, so a
 * caller that only needs to know whether the text fits, or its start (error messages), must not
 * print it whole. Iterative, like {@link printEdn}.
 */
export function printEdnPrefix(v: Value, limit: number): string {
  const scalar = printScalar(v);
  if (scalar !== null) return scalar.length > limit ? scalar.slice(0, Math.max(0, limit)) : scalar;
  const parts: string[] = [];
  let length = 0;
  const emit = (s: string): boolean => {
    parts.push(s);
    length += s.length;
    return length <= limit;
  };
  const stack: (Value | { lit: string })[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    let ok: boolean;
    if (x !== null && typeof x === 'object' && 'lit' in x) ok = emit(x.lit);
    else {
      const val = x as Value;
      const leaf = printScalar(val);
      if (leaf !== null || val === null || typeof val !== 'object') ok = emit(leaf ?? '');
      else {
        switch (val.kind) {
          case 'list':
          case 'vector':
          case 'set': {
            const n = val instanceof ESet ? val.items.length : val.size;
            stack.push({ lit: val.kind === 'list' ? ')' : val.kind === 'vector' ? ']' : '}' });
            // Members are pushed lazily enough: only up to what the limit can still show.
            for (let k = Math.min(n, limit + 1) - 1; k >= 0; k--) {
              stack.push(val instanceof ESet ? val.items[k]! : val.at(k)!);
              if (k > 0) stack.push({ lit: ' ' });
            }
            ok = emit(val.kind === 'list' ? '(' : val.kind === 'vector' ? '[' : '#{');
            break;
          }
          case 'map': {
            stack.push({ lit: '}' });
            for (let k = Math.min(val.entries.length, limit + 1) - 1; k >= 0; k--) {
              const [key, value] = val.entries[k]!;
              stack.push(value, { lit: ' ' }, key);
              if (k > 0) stack.push({ lit: ', ' });
            }
            ok = emit('{');
            break;
          }
          case 'tagged':
            stack.push(val.value);
            ok = emit(`#${val.tag} `);
            break;
          default:
            ok = emit(printEdn(val)); // a leaf: character, keyword, symbol, bytes, atom, fn
        }
      }
    }
    if (!ok) break;
  }
  const text = parts.join('');
  return text.length > limit ? text.slice(0, Math.max(0, limit)) : text;
}
