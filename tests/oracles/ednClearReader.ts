/**
 * A test oracle: the EDN reader of spec/codec/Edn.ts as it stood before it was tuned for speed
 * (character by character, regular expressions per token, maps and sets built by `EMap.from` and
 * `ESet.from`, a position object per token). Written for clarity; `tests/properties/ednReader.test.ts`
 * checks that the tuned reader answers exactly what this one answers (same value, or the same
 * error message at the same place) on generated and adversarial EDN texts.
 * @module
 */
import { BadInputError } from '../../spec/Errors.js';
import { AtomRef, Bytes, Char, EMap, ESet, INT64_MAX, INT64_MIN, Keyword, List, Sym, Tagged, Vector, type Value } from '../../spec/Values.js';
import { MAX_DEPTH, isValidName, isValidTag, type Position } from '../../spec/codec/Edn.js';

/** A token as a message shows it: up to 40 code points whole, a longer one cut there, with its length in code points. */
function brief(tok: string): string {
  const cps = [...tok];
  if (cps.length <= 40) return tok;
  return cps.slice(0, 40).join('') + '… (' + String(cps.length) + ' characters)';
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
          else this.fail(`unknown symbolic value ##${brief(tok)}`, start);
        } else {
          this.i++;
          const tok = this.readToken();
          if (!isValidTag(tok)) this.fail(`bad tag '#${brief(tok)}' (a tag is # followed by a symbol starting with a letter)`, start);
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
        if (n < INT64_MIN || n > INT64_MAX) this.fail(`integer ${brief(tok)} is outside the 64-bit range (ImmutOS has no bignums)`, at);
        return n;
      }
      if (FLOAT_RE.test(tok)) return Number(tok);
      if (/M$/.test(tok)) this.fail(`exact decimal '${brief(tok)}' is not supported (no BigDecimal in ImmutOS)`, at);
      this.fail(`malformed number '${brief(tok)}'`, at);
    }
    if (!isSymbolToken(tok)) this.fail(`invalid symbol '${brief(tok)}'`, at);
    const slash = tok.indexOf('/');
    return slash > 0 && tok.length > 1 ? Sym.of(tok.slice(slash + 1), tok.slice(0, slash)) : Sym.of(tok);
  }

  private readKeyword(): Value {
    const at = this.pos();
    this.i++; // ':'
    const tok = this.readToken();
    if (tok.length === 0) this.fail("a keyword needs a name after ':'", at);
    if (tok[0] === ':') this.fail(`auto-resolved keyword '::${brief(tok.slice(1))}' is not EDN`, at);
    if (!isSymbolToken(tok) || tok === '/') this.fail(`invalid keyword ':${brief(tok)}'`, at);
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
    this.fail(`unknown character '\\${brief(name)}'`, at);
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

/** Whether `s` is a timestamp `#inst` accepts, by the regular expression and field ranges. */
export function isValidInst(s: string): boolean {
  const m = INST_RE.exec(s);
  return m !== null && validDate(m);
}

function isSymbolToken(tok: string): boolean {
  if (tok === '/') return true;
  const slash = tok.indexOf('/');
  if (slash < 0) return isValidName(tok);
  if (slash === 0 || slash === tok.length - 1) return false;
  return isValidName(tok.slice(0, slash)) && isValidName(tok.slice(slash + 1));
}


/** Reads every top-level form in `text` the clear way. Throws {@link BadInputError} on malformed input. */
export function readEdnAllClear(text: string): Value[] {
  return new Reader(text).readAll();
}
