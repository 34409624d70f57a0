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
import { BadInputError, KernelError } from '../Errors.js';
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
  cmpName,
  cmpStr,
  compare,
  expandedSize,
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

const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};
const CHAR_NAMES: Record<string, string> = Object.fromEntries(Object.entries(NAMED_CHARS).map(([k, v]) => [v, k]));


const INT_RE = /^[+-]?(0|[1-9][0-9]*)N?$/;
const FLOAT_RE = /^[+-]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?$/;
const NAME_START = /^[A-Za-z*!_?$%&=<>.+\-|\u0080-\uffff]/;
const NAME_REST = /^[A-Za-z0-9*!_?$%&=<>.+\-#:'|\u0080-\uffff]*$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_LOWER_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

/**
 * Whether `s` is a timestamp that `#inst` accepts: RFC 3339, possibly truncated after the year,
 * month or day (`yyyy[-mm[-dd[Thh:mm[:ss[.f+]][Z|±hh:mm]]]]`, `T` and `Z` in either case), with
 * month 1–12, day 1–31, hour ≤ 23, minute ≤ 59 and second ≤ 60.
 */
export function isValidInst(s: string): boolean {
  const n = s.length;
  // The two-digit field at `i` (-1 when absent or not digits).
  const two = (i: number): number => {
    if (i + 2 > n) return -1;
    const a = s.charCodeAt(i) - 48;
    const b = s.charCodeAt(i + 1) - 48;
    return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? 10 * a + b : -1;
  };
  if (n < 4 || two(0) < 0 || two(2) < 0) return false;
  if (n === 4) return true;
  const month = s.charCodeAt(4) === 45 ? two(5) : -1;
  if (month < 1 || month > 12) return false;
  if (n === 7) return true;
  const day = s.charCodeAt(7) === 45 ? two(8) : -1;
  if (day < 1 || day > 31) return false;
  if (n === 10) return true;
  const t = s.charCodeAt(10);
  const hour = t === 84 || t === 116 ? two(11) : -1;
  if (hour < 0 || hour > 23) return false;
  const minute = s.charCodeAt(13) === 58 ? two(14) : -1;
  if (minute < 0 || minute > 59) return false;
  let i = 16;
  if (i < n && s.charCodeAt(i) === 58) {
    const second = two(i + 1);
    if (second < 0 || second > 60) return false;
    i += 3;
    if (i < n && s.charCodeAt(i) === 46) {
      const start = ++i;
      while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === start) return false;
    }
  }
  if (i === n) return true;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) return i + 1 === n;
  return (z === 43 || z === 45) && i + 6 === n && two(i + 1) >= 0 && s.charCodeAt(i + 3) === 58 && two(i + 4) >= 0;
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

/** Characters of a token an error message shows (a reader error never repeats a huge token whole). */
const TOKEN_SHOWN = 40;

/** `tok` as an error message shows it: whole up to {@link TOKEN_SHOWN} characters (code points), else its first ones and its length. */
function shownToken(tok: string): string {
  if (tok.length <= TOKEN_SHOWN) return tok;
  const chars = Array.from(tok);
  return chars.length <= TOKEN_SHOWN ? tok : `${chars.slice(0, TOKEN_SHOWN).join('')}… (${chars.length} characters)`;
}

/** Character classes below U+0080: 3 white space (commas included), 2 other token ends, 0 otherwise. */
const CC = new Uint8Array(128);
for (const c of ' ,\n\t\r\f') CC[c.charCodeAt(0)] = 3;
for (const c of '()[]{}";') CC[c.charCodeAt(0)] = 2;
/** Whether the code unit `c` ends a token (white space or a delimiter). */
const endsToken = (c: number): boolean => c < 128 && CC[c] !== 0;

/** The ints -128..1023 as shared bigints (most ints in EDN text are small). */
const SMALL_INTS: readonly bigint[] = Array.from({ length: 1152 }, (_, i) => BigInt(i - 128));

/**
 * Names already validated by the reader, by token text: a repeated name costs one lookup instead
 * of validation and interning. Bounded by two generations of {@link TOKEN_CACHE_MAX} entries: a
 * new name goes into the young one, which, when full, becomes the old one (the previous old one is
 * dropped); lookups try both. So a working set of names somewhat larger than one generation (two
 * files read in turn) keeps hitting, where clearing one table when full would lose every name at
 * each turn (the values stay interned in spec/Values.ts).
 */
class TokenCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  /** The value of `tok`, or undefined. */
  get(tok: string): V | undefined {
    return this.young.get(tok) ?? this.old.get(tok);
  }
  /** Remembers `tok` → `v`. */
  set(tok: string, v: V): void {
    if (this.young.size >= TOKEN_CACHE_MAX) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(tok, v);
  }
}

const symbolTokens = new TokenCache<Sym>();
const keywordTokens = new TokenCache<Keyword>();
const TOKEN_CACHE_MAX = 1 << 17;
/** Tags already validated (at most {@link TOKEN_CACHE_MAX}; cleared when full). */
const validTags = new Set<string>();

// Frame kinds of the reader's explicit stack.
const F_LIST = 0;
const F_VECTOR = 1;
const F_MAP = 2;
const F_SET = 3;
const F_TAG = 4;
const F_DISCARD = 5;
const FRAME_NAMES = ['list', 'vector', 'map', 'set'];

/**
 * An open collection, tag or discard, and where it started. Frames are reused: one per nesting
 * depth, its `items` a scratch buffer (the first `n` are this collection's forms so far) copied
 * out at its exact size when the collection closes.
 */
class Frame {
  t = 0;
  /** The closing character (a collection), else 0. */
  close = 0;
  /** The forms read so far (a collection): the first {@link n}. */
  readonly items: Value[] = [];
  n = 0;
  /** The tag (a tag frame), else ''. */
  tag = '';
  offset = 0;
  line = 0;
  column = 0;
}

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  // Where the value being delivered started (for errors about a tagged value).
  private vOffset = 0;
  private vLine = 1;
  private vColumn = 1;

  constructor(
    private readonly src: string,
    /** Start positions of collections and tagged values, when the caller asked for them. */
    readonly positions: WeakMap<object, Position> | null,
  ) {}

  private fail(msg: string, offset = this.i, line = this.line, column = offset - this.lineStart + 1): never {
    throw new BadInputError(msg, offset, { line, column });
  }

  private skipWs(): void {
    const s = this.src;
    const n = s.length;
    let i = this.i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 10) {
        i++;
        this.line++;
        this.lineStart = i;
      } else if (c === 32 || c === 44 || c === 9 || c === 13 || c === 12) {
        i++;
      } else if (c === 59) {
        while (i < n && s.charCodeAt(i) !== 10) i++;
      } else break;
    }
    this.i = i;
  }

  /** Reads every top-level form. */
  readAll(): Value[] {
    const out: Value[] = [];
    // Frames 0..depth-1 are open; frames past them are kept for reuse.
    const frames: Frame[] = [];
    let depth = 0;
    const open = (t: number, close: number, tag: string, off: number, line: number, col: number): void => {
      if (depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
      let f = frames[depth];
      if (f === undefined) frames.push((f = new Frame()));
      depth++;
      f.t = t;
      f.close = close;
      f.n = 0;
      f.tag = tag;
      f.offset = off;
      f.line = line;
      f.column = col;
    };
    const s = this.src;
    const n = s.length;
    for (;;) {
      this.skipWs();
      const off = this.i;
      const line = this.line;
      const col = off - this.lineStart + 1;
      if (off >= n) {
        if (depth > 0) {
          const top = frames[depth - 1]!;
          const what = top.t === F_TAG ? `tag #${top.tag}` : top.t === F_DISCARD ? '#_' : FRAME_NAMES[top.t]!;
          this.fail(`unexpected end of input: ${what} opened at line ${top.line}, column ${top.column} is not complete`);
        }
        return out;
      }
      const c = s.charCodeAt(off);
      let value: Value | undefined;
      let vOff = off;
      let vLine = line;
      let vCol = col;
      if (c === 40 || c === 91 || c === 123) {
        // ( [ {
        open(c === 40 ? F_LIST : c === 91 ? F_VECTOR : F_MAP, c === 40 ? 41 : c === 91 ? 93 : 125, '', off, line, col);
        this.i++;
        continue;
      }
      if (c === 41 || c === 93 || c === 125) {
        // ) ] }
        const ch = String.fromCharCode(c);
        if (depth === 0) this.fail(`unmatched '${ch}'`);
        const top = frames[depth - 1]!;
        if (top.t === F_TAG || top.t === F_DISCARD) this.fail(`'${ch}' where a value was expected after ${top.t === F_TAG ? '#' + top.tag : '#_'}`);
        if (top.close !== c) this.fail(`'${ch}' does not close ${FRAME_NAMES[top.t]!} opened at line ${top.line}, column ${top.column} (expected '${String.fromCharCode(top.close)}')`);
        this.i++;
        depth--;
        value = this.finish(top);
        vOff = top.offset;
        vLine = top.line;
        vCol = top.column;
      } else if (c === 34) {
        value = this.readString();
      } else if ((c >= 48 && c <= 57) || ((c === 45 || c === 43) && off + 1 < n && s.charCodeAt(off + 1) >= 48 && s.charCodeAt(off + 1) <= 57)) {
        value = this.readNumber(c);
      } else if (c === 58) {
        value = this.readKeyword();
      } else if (c === 92) {
        value = this.readChar();
      } else if (c === 35) {
        const next = s.charCodeAt(off + 1);
        if (next === 123) {
          open(F_SET, 125, '', off, line, col);
          this.i += 2;
          continue;
        }
        if (next === 95) {
          open(F_DISCARD, 0, '', off, line, col);
          this.i += 2;
          continue;
        }
        if (next === 35) {
          this.i += 2;
          const tok = this.readToken();
          if (tok === 'Inf') value = Infinity;
          else if (tok === '-Inf') value = -Infinity;
          else if (tok === 'NaN') value = NaN;
          else this.fail(`unknown symbolic value ##${shownToken(tok)}`, off, line, col);
        } else {
          this.i++;
          const tok = this.readToken();
          if (!validTags.has(tok)) {
            if (!isValidTag(tok)) this.fail(`bad tag '#${shownToken(tok)}' (a tag is # followed by a symbol starting with a letter)`, off, line, col);
            if (validTags.size >= TOKEN_CACHE_MAX) validTags.clear();
            validTags.add(tok);
          }
          open(F_TAG, 0, tok, off, line, col);
          continue;
        }
      } else {
        const tok = this.readToken();
        if (tok.length === 0) this.fail(`unexpected character '${s[off]!}'`);
        value = this.symbolic(tok, off, line, col);
      }
      // Deliver `value` to the enclosing frames (tags and discards complete immediately).
      let v: Value | undefined = value;
      while (v !== undefined) {
        if (depth === 0) {
          out.push(v);
          break;
        }
        const top = frames[depth - 1]!;
        if (top.t === F_DISCARD) {
          depth--;
          break;
        }
        if (top.t === F_TAG) {
          depth--;
          this.vOffset = vOff;
          this.vLine = vLine;
          this.vColumn = vCol;
          v = this.tagged(top, v);
          vOff = top.offset;
          vLine = top.line;
          vCol = top.column;
          continue;
        }
        top.items[top.n++] = v;
        break;
      }
    }
  }

  private finish(f: Frame): Value {
    let v: Value;
    const forms = f.items.slice(0, f.n);
    switch (f.t) {
      case F_LIST:
        v = List.adopt(forms);
        break;
      case F_VECTOR:
        v = Vector.adopt(forms);
        break;
      case F_SET: {
        const items = canonicalOrder(forms, 1);
        if (items === null) this.fail('duplicate member in set literal', f.offset, f.line, f.column);
        v = ESet.adoptSorted(items);
        break;
      }
      default: {
        if (forms.length % 2 !== 0) this.fail('map literal has an odd number of forms', f.offset, f.line, f.column);
        const entries = canonicalOrder(forms, 2);
        if (entries === null) this.fail('duplicate key in map literal', f.offset, f.line, f.column);
        v = EMap.adoptSortedFlat(entries);
      }
    }
    this.positions?.set(v, { line: f.line, column: f.column, offset: f.offset });
    return v;
  }

  /** Fails with `msg` at the value of the tag being read. */
  private bad(msg: string): never {
    return this.fail(msg, this.vOffset, this.vLine, this.vColumn);
  }

  private tagged(f: Frame, v: Value): Value {
    const tag = f.tag;
    switch (tag) {
      case 'inst': {
        if (typeof v !== 'string') this.bad('#inst expects a string');
        else if (!isValidInst(v)) this.bad(`#inst "${v}" is not an RFC 3339 timestamp`);
        break;
      }
      case 'uuid':
        if (typeof v !== 'string' || !UUID_RE.test(v)) this.bad('#uuid expects a string of the form 8-4-4-4-12 hex digits');
        v = (v as string).toLowerCase();
        break;
      case 'bytes': {
        if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) return this.bad('#bytes expects a string of hex digit pairs');
        const out = new Uint8Array(v.length / 2);
        for (let k = 0; k < out.length; k++) out[k] = parseInt(v.slice(2 * k, 2 * k + 2), 16);
        return new Bytes(out);
      }
      case 'atom':
        if (typeof v !== 'bigint' || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) return this.bad('#atom expects a non-negative integer');
        return new AtomRef(Number(v));
    }
    const t = new Tagged(tag, v);
    this.positions?.set(t, { line: f.line, column: f.column, offset: f.offset });
    return t;
  }

  private readToken(): string {
    const s = this.src;
    const n = s.length;
    const start = this.i;
    let i = start;
    while (i < n && !endsToken(s.charCodeAt(i))) i++;
    this.i = i;
    return s.slice(start, i);
  }

  /** A token starting with a digit, or a sign and a digit: plain ints of up to 15 digits directly, anything else by {@link atom}. */
  private readNumber(c: number): Value {
    const s = this.src;
    const n = s.length;
    const off = this.i;
    let j = c === 45 || c === 43 ? off + 1 : off;
    const d0 = j;
    let x = 0;
    while (j < n) {
      const d = s.charCodeAt(j) - 48;
      if (d < 0 || d > 9) break;
      x = x * 10 + d;
      j++;
    }
    const digits = j - d0;
    if (digits <= 15 && (digits === 1 || s.charCodeAt(d0) !== 48) && (j >= n || endsToken(s.charCodeAt(j)))) {
      this.i = j;
      if (c === 45) x = -x;
      return x >= -128 && x < 1024 ? SMALL_INTS[x + 128]! : BigInt(x);
    }
    const line = this.line;
    const col = off - this.lineStart + 1;
    return this.atom(this.readToken(), off, line, col);
  }

  /** A token that is not a number, keyword, string or character: nil, a boolean or a symbol. */
  private symbolic(tok: string, off: number, line: number, col: number): Value {
    const known = symbolTokens.get(tok);
    if (known !== undefined) return known;
    const v = this.atom(tok, off, line, col);
    if (v instanceof Sym) {
      symbolTokens.set(tok, v);
    }
    return v;
  }

  private atom(tok: string, off: number, line: number, col: number): Value {
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    const c0 = tok[0]!;
    const c1 = tok[1];
    const numeric = (c0 >= '0' && c0 <= '9') || ((c0 === '+' || c0 === '-') && c1 !== undefined && c1 >= '0' && c1 <= '9');
    if (numeric) {
      if (INT_RE.test(tok)) {
        const x = BigInt(tok.endsWith('N') ? tok.slice(0, -1) : tok);
        if (x < INT64_MIN || x > INT64_MAX) this.fail(`integer ${shownToken(tok)} is outside the 64-bit range (ImmutOS has no bignums)`, off, line, col);
        return x;
      }
      if (FLOAT_RE.test(tok)) return Number(tok);
      if (/M$/.test(tok)) this.fail(`exact decimal '${shownToken(tok)}' is not supported (no BigDecimal in ImmutOS)`, off, line, col);
      this.fail(`malformed number '${shownToken(tok)}'`, off, line, col);
    }
    if (!isSymbolToken(tok)) this.fail(`invalid symbol '${shownToken(tok)}'`, off, line, col);
    const slash = tok.indexOf('/');
    return slash > 0 && tok.length > 1 ? Sym.of(tok.slice(slash + 1), tok.slice(0, slash)) : Sym.of(tok);
  }

  private readKeyword(): Value {
    const off = this.i;
    const line = this.line;
    const col = off - this.lineStart + 1;
    this.i++; // ':'
    const tok = this.readToken();
    const known = keywordTokens.get(tok);
    if (known !== undefined) return known;
    if (tok.length === 0) this.fail("a keyword needs a name after ':'", off, line, col);
    if (tok[0] === ':') this.fail(`auto-resolved keyword '::${shownToken(tok.slice(1))}' is not EDN`, off, line, col);
    if (!isSymbolToken(tok) || tok === '/') this.fail(`invalid keyword ':${shownToken(tok)}'`, off, line, col);
    const slash = tok.indexOf('/');
    const k = slash > 0 ? Keyword.of(tok.slice(slash + 1), tok.slice(0, slash)) : Keyword.of(tok);
    keywordTokens.set(tok, k);
    return k;
  }

  private readString(): string {
    const s = this.src;
    const n = s.length;
    const off = this.i;
    const line = this.line;
    const col = off - this.lineStart + 1;
    let i = off + 1; // after the opening quote
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= n) this.fail('unterminated string', off, line, col);
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return out === '' ? s.slice(runStart, i) : out + s.slice(runStart, i);
      }
      if (c === 10) {
        this.line++;
        this.lineStart = i + 1;
      } else if (c === 92) {
        out += s.slice(runStart, i);
        const e = s[i + 1];
        const escCol = i - this.lineStart + 1;
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
            const hex = s.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u escape needs four hex digits', i, this.line, escCol);
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            this.fail(e === undefined ? 'unterminated string' : `unknown string escape '\\${e}'`, i, this.line, escCol);
        }
        i += 2;
        runStart = i;
        continue;
      }
      i++;
    }
  }

  private readChar(): Char {
    const s = this.src;
    const off = this.i;
    const line = this.line;
    const col = off - this.lineStart + 1;
    this.i++; // backslash
    if (this.i >= s.length) this.fail('a character needs something after the backslash', off, line, col);
    // A character is the code point right after the backslash, plus any constituent letters.
    const cp = s.codePointAt(this.i)!;
    const first = String.fromCodePoint(cp);
    this.i += first.length;
    const rest = this.readToken();
    if (rest === '') return new Char(first);
    const name = first + rest;
    const named = NAMED_CHARS[name];
    if (named !== undefined) return new Char(named);
    if (first === 'u' && /^[0-9a-fA-F]{4}$/.test(rest)) return new Char(String.fromCharCode(parseInt(rest, 16)));
    this.fail(`unknown character '\\${shownToken(name)}'`, off, line, col);
  }
}

/**
 * The rank {@link compare} gives the kind of an int (2), string (5), keyword (6) or symbol (7);
 * -1 for any other kind. Each kind is told by a check the engine answers without a lookup.
 */
function scalarRank(x: Value): number {
  return typeof x === 'bigint' ? 2 : typeof x === 'string' ? 5 : x instanceof Keyword ? 6 : x instanceof Sym ? 7 : -1;
}

/**
 * The order for the keys `xs[0]`, `xs[stride]`, ...: one kind's own order when all are ints, all
 * strings or all names of one kind; {@link cmpScalars} when they mix those kinds; else
 * {@link compare}.
 */
function orderFor(xs: readonly Value[], stride: number): (a: Value, b: Value) => number {
  const r0 = scalarRank(xs[0]!);
  if (r0 < 0) return compare;
  // The common case first: one kind throughout, each member tested by the one check it needs.
  let i = stride;
  const n = xs.length;
  if (r0 === 7) while (i < n && xs[i] instanceof Sym) i += stride;
  else if (r0 === 6) while (i < n && xs[i] instanceof Keyword) i += stride;
  else if (r0 === 5) while (i < n && typeof xs[i] === 'string') i += stride;
  else while (i < n && typeof xs[i] === 'bigint') i += stride;
  if (i >= n) return r0 === 2 ? cmpInts : r0 === 5 ? cmpStrings : cmpNames;
  for (; i < n; i += stride) if (scalarRank(xs[i]!) < 0) return compare;
  return cmpScalars;
}

// The orders `compare` gives on strings, ints, and keywords (or symbols), for keys of one kind.
const cmpStrings = (a: Value, b: Value): number => cmpStr(a as string, b as string);
const cmpInts = (a: Value, b: Value): number => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
const cmpNames = (a: Value, b: Value): number => cmpName((a as Keyword | Sym).ns, (a as Keyword | Sym).name, (b as Keyword | Sym).ns, (b as Keyword | Sym).name);

/** The order `compare` gives on any mix of ints, strings, keywords and symbols. */
function cmpScalars(a: Value, b: Value): number {
  const ra = scalarRank(a);
  const rb = scalarRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return ra === 2 ? cmpInts(a, b) : ra === 5 ? cmpStrings(a, b) : cmpNames(a, b);
}

/** Members at least this many are ordered by {@link scalarOrder} when every one is an int, string, keyword or symbol. */
const KEYED_SORT_MIN = 48;
const SAFE_INT = BigInt(Number.MAX_SAFE_INTEGER);

/** A string whose code-unit order is {@link compare}'s order on names of one kind: `ns \0 name` (no namespace: `\0 name`; EDN names hold no NUL). */
function nameKey(x: Keyword | Sym): string {
  return (x.ns === null ? '\u0000' : x.ns + '\u0000') + x.name;
}

/**
 * Sorts `keys` (and `perm` alongside) in code-unit order by three-way radix quicksort
 * (Bentley–Sedgewick): characters are compared in place, no comparison function is called, and an
 * explicit stack keeps it iterative.
 */
function radixSort(keys: string[], perm: number[]): void {
  const stack: number[] = [0, keys.length - 1, 0];
  const swap = (a: number, b: number): void => {
    const k = keys[a]!;
    keys[a] = keys[b]!;
    keys[b] = k;
    const p = perm[a]!;
    perm[a] = perm[b]!;
    perm[b] = p;
  };
  while (stack.length > 0) {
    const d = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo < 12) {
      // Insertion sort: the keys share their first d characters, so comparing whole keys is right.
      for (let i = lo + 1; i <= hi; i++) for (let j = i; j > lo && keys[j - 1]! > keys[j]!; j--) swap(j - 1, j);
      continue;
    }
    const at = (i: number): number => {
      const k = keys[i]!;
      return d < k.length ? k.charCodeAt(d) : -1;
    };
    swap(lo, (lo + hi) >>> 1);
    const pivot = at(lo);
    let lt = lo;
    let gt = hi;
    let i = lo + 1;
    while (i <= gt) {
      const c = at(i);
      if (c < pivot) swap(lt++, i++);
      else if (c > pivot) swap(i, gt--);
      else i++;
    }
    if (lo < lt - 1) stack.push(lo, lt - 1, d);
    if (gt + 1 < hi) stack.push(gt + 1, hi, d);
    if (pivot >= 0 && lt < gt) stack.push(lt, gt, d + 1);
  }
}

/** Sorts the indices `idx` by the string `keys[k]` of each (radix sort); whether two keys are equal. */
function sortByStrings(idx: number[], keys: string[]): boolean {
  radixSort(keys, idx);
  for (let k = 1; k < keys.length; k++) if (keys[k - 1] === keys[k]) return true;
  return false;
}

/**
 * The canonical order of `n` members where member `i` is `get(i)`, as a permutation (`dup` set
 * when two members are equal), when every member is an int, string, keyword or symbol; else null.
 * Members are grouped by kind (in {@link compare}'s order of kinds) and each group is ordered its
 * own way: ints by value (compared as doubles when all are within ±2^53, else as bigints), strings
 * by radix sort, keywords and symbols by rank ({@link NameOrder}) or else by radix sort of their
 * {@link nameKey}.
 */
function scalarOrder(n: number, get: (i: number) => Value): { perm: number[]; dup: boolean } | null {
  const ints: number[] = [];
  const strs: number[] = [];
  const kws: number[] = [];
  const syms: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = get(i);
    if (typeof x === 'bigint') ints.push(i);
    else if (typeof x === 'string') strs.push(i);
    else if (x instanceof Keyword) kws.push(i);
    else if (x instanceof Sym) syms.push(i);
    else return null;
  }
  let dup = false;
  const perm: number[] = [];
  if (ints.length > 0) {
    if (ints.every((i) => (get(i) as bigint) >= -SAFE_INT && (get(i) as bigint) <= SAFE_INT)) {
      const num = new Float64Array(n);
      for (const i of ints) num[i] = Number(get(i) as bigint);
      ints.sort((a, b) => num[a]! - num[b]!);
      for (let k = 1; k < ints.length; k++) if (num[ints[k - 1]!] === num[ints[k]!]) dup = true;
    } else {
      ints.sort((a, b) => cmpInts(get(a), get(b)));
      for (let k = 1; k < ints.length; k++) if (get(ints[k - 1]!) === get(ints[k]!)) dup = true;
    }
    for (const i of ints) perm.push(i);
  }
  if (strs.length > 0) {
    if (sortByStrings(strs, strs.map((i) => get(i) as string))) dup = true;
    for (const i of strs) perm.push(i);
  }
  for (const group of [kws, syms]) {
    if (group.length === 0) continue;
    const names = nameOrder(
      group.map((i) => get(i)),
      1,
    );
    if (names.dup) dup = true;
    for (const k of names.perm) perm.push(group[k]!);
  }
  return { perm, dup };
}

/** {@link scalarOrder} for members that are all keywords or all symbols (`items[0]`, `items[stride]`, ...). */
function nameOrder(items: readonly Value[], stride: 1 | 2): { perm: number[]; dup: boolean } {
  let names = items as readonly (Keyword | Sym)[];
  if (stride === 2) {
    const keys: (Keyword | Sym)[] = [];
    for (let i = 0; i < items.length; i += 2) keys.push(items[i] as Keyword | Sym);
    names = keys;
  }
  const ranked = (names[0] instanceof Keyword ? keywordOrder : symbolOrder).order(names);
  if (ranked !== null) return ranked;
  const perm = names.map((_, i) => i);
  return { perm, dup: sortByStrings(perm, names.map(nameKey)) };
}

/** Most names a {@link NameOrder} ranks; past it, it starts over with the names it is learning. */
const NAME_ORDER_MAX = 1 << 20;
const TWO32 = 4294967296;

/**
 * The canonical order of the names of one kind (keywords, or symbols) seen in big literals, kept
 * as ranks: `sorted` holds them in {@link compare} order and `rank` maps each (by its interning
 * serial) to its index there. A literal whose names are all ranked is ordered by rank, without
 * comparing a single name. Names not yet ranked are learned (sorted by key and merged in, every
 * rank renumbered) when they are at least a quarter as many as the ranked ones, so renumbering
 * costs O(1) per name learned, amortized; otherwise the caller orders the literal another way.
 * Only speed depends on what was learned: the order is {@link compare}'s either way.
 */
export class NameOrder {
  private sorted: (Keyword | Sym)[] = [];
  /** The rank of each name by its serial, -1 when not ranked. */
  private rank = new Int32Array(0);

  /** @param max most names ranked at once (past it, learning starts over). */
  constructor(private readonly max = NAME_ORDER_MAX) {}

  /** How many names are ranked. */
  get size(): number {
    return this.sorted.length;
  }

  /**
   * The canonical order of `names` (all keywords, or all symbols) as a permutation (`dup` set when
   * two are the same name), or null when too many are not ranked yet to learn them now.
   */
  order(names: readonly (Keyword | Sym)[]): { perm: number[]; dup: boolean } | null {
    const n = names.length;
    let ranks = this.ranksOf(names);
    if (ranks === null) {
      if (!this.learn(names)) return null;
      ranks = this.ranksOf(names)!;
    }
    const perm: number[] = new Array<number>(n);
    let dup = false;
    const total = this.sorted.length;
    if (4 * n >= total) {
      // Dense: place each member at its rank, then read the ranks in order (O(n + total)).
      const at = new Int32Array(total).fill(-1);
      for (let i = 0; i < n; i++) {
        const r = ranks[i]!;
        if (at[r] !== -1) return { perm, dup: true };
        at[r] = i;
      }
      let k = 0;
      for (let r = 0; r < total; r++) if (at[r] !== -1) perm[k++] = at[r]!;
      return { perm, dup };
    }
    // Sparse: sort rank·2^32 + index natively.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = ranks[i]! * TWO32 + i;
    keys.sort();
    let prev = -1;
    for (let k = 0; k < n; k++) {
      const r = Math.floor(keys[k]! / TWO32);
      if (r === prev) dup = true;
      prev = r;
      perm[k] = keys[k]! - r * TWO32;
    }
    return { perm, dup };
  }

  /** The rank of every name, or null when one is not ranked. */
  private ranksOf(names: readonly (Keyword | Sym)[]): Int32Array | null {
    const ranks = new Int32Array(names.length);
    for (let i = 0; i < names.length; i++) {
      const r = this.rankOf(names[i]!);
      if (r < 0) return null;
      ranks[i] = r;
    }
    return ranks;
  }

  /** The rank of `x`, or -1 when it is not ranked. */
  private rankOf(x: Keyword | Sym): number {
    return x.serial < this.rank.length ? this.rank[x.serial]! : -1;
  }

  /** Ranks the names not ranked yet, if they are enough to pay for renumbering; whether it did. */
  private learn(names: readonly (Keyword | Sym)[]): boolean {
    let fresh = new Set<Keyword | Sym>();
    for (const x of names) if (this.rankOf(x) < 0) fresh.add(x);
    if (4 * fresh.size < this.sorted.length) return false;
    let old = this.sorted;
    if (old.length + fresh.size > this.max) {
      // Start over with this literal's names alone.
      old = [];
      fresh = new Set(names);
      if (fresh.size > this.max) return false;
    }
    const add = [...fresh];
    const idx = add.map((_, i) => i);
    sortByStrings(idx, add.map(nameKey));
    const news = idx.map((i) => add[i]!);
    // Merge two runs that are each in canonical order and share no name.
    const merged: (Keyword | Sym)[] = [];
    let a = 0;
    let b = 0;
    while (a < old.length && b < news.length) {
      const x = old[a]!;
      const y = news[b]!;
      merged.push(cmpName(x.ns, x.name, y.ns, y.name) < 0 ? (a++, x) : (b++, y));
    }
    while (a < old.length) merged.push(old[a++]!);
    while (b < news.length) merged.push(news[b++]!);
    let top = 0;
    for (const x of merged) if (x.serial >= top) top = x.serial + 1;
    const rank = new Int32Array(top).fill(-1);
    for (let r = 0; r < merged.length; r++) rank[merged[r]!.serial] = r;
    this.rank = rank;
    this.sorted = merged;
    return true;
  }
}

const keywordOrder = new NameOrder();
const symbolOrder = new NameOrder();

/**
 * The members of a set literal (`stride` 1) or the keys and values of a map literal (`stride` 2:
 * `items` alternates keys and values) in canonical key order, reordered in place or replaced, or
 * null when two keys are equal. Text already in canonical order (what `printEdn` writes) is
 * checked in one pass and adopted as it is.
 */
function canonicalOrder(items: Value[], stride: 1 | 2): Value[] | null {
  const n = items.length / stride;
  if (n < 2) return items;
  const cmp = orderFor(items, stride);
  let i = 1;
  while (i < n && cmp(items[stride * (i - 1)]!, items[stride * i]!) < 0) i++;
  if (i === n) return items;
  if (n >= KEYED_SORT_MIN) {
    const order = cmp === compare ? null : cmp === cmpNames ? nameOrder(items, stride) : scalarOrder(n, (k) => items[stride * k]!);
    let perm: number[];
    if (order !== null) {
      if (order.dup) return null;
      perm = order.perm;
    } else {
      perm = Array.from({ length: n }, (_, k) => k);
      perm.sort((x, y) => cmp(items[stride * x]!, items[stride * y]!));
      for (let k = 1; k < n; k++) if (cmp(items[stride * perm[k - 1]!]!, items[stride * perm[k]!]!) === 0) return null;
    }
    const out: Value[] = [];
    for (let k = 0; k < n; k++) {
      out.push(items[stride * perm[k]!]!);
      if (stride === 2) out.push(items[2 * perm[k]! + 1]!);
    }
    return out;
  }
  // Small collections: insertion sort in place from the first key out of order (the prefix is sorted).
  for (; i < n; i++) {
    const key = items[stride * i]!;
    const val = stride === 2 ? items[2 * i + 1]! : null;
    let j = i - 1;
    let c = 0;
    while (j >= 0 && (c = cmp(items[stride * j]!, key)) > 0) {
      items[stride * (j + 1)] = items[stride * j]!;
      if (stride === 2) items[2 * j + 3] = items[2 * j + 1]!;
      j--;
    }
    if (j >= 0 && c === 0) return null;
    items[stride * (j + 1)] = key;
    if (stride === 2) items[2 * j + 3] = val;
  }
  return items;
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
  const positions = new WeakMap<object, Position>();
  const forms = new Reader(text, positions).readAll();
  return { forms, positions };
}

/** Reads every top-level form in `text`. Throws {@link BadInputError} on malformed input. */
export function readEdnAll(text: string): Value[] {
  return new Reader(text, null).readAll();
}

/** Reads exactly one value from `text` (comments and discarded forms aside). */
export function readEdn(text: string): Value {
  const forms = readEdnAll(text);
  if (forms.length !== 1) throw new BadInputError(forms.length === 0 ? 'no value in input' : `expected one value, found ${forms.length}`, forms.length === 0 ? text.length : 0, { line: 1, column: 1 });
  return forms[0]!;
}

// ---- printer ----

/**
 * `s` as an EDN string literal: `"` `\\` newline, tab and return escaped by name, other control
 * characters and lone surrogates as `\uXXXX`; everything else, surrogate pairs included, as it is
 * (copied in runs, not a character at a time).
 */
function printString(s: string): string {
  let out = '"';
  let from = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x7f && (c < 0xd800 || c > 0xdfff)) continue;
    if (c <= 0xdbff && c >= 0xd800) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        k++;
        continue;
      }
    }
    if (from < k) out += s.slice(from, k);
    from = k + 1;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return from === 0 ? '"' + s + '"' : out + s.slice(from) + '"';
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
  printedCollections = 0;
  try {
    return printRecursive(v, 0);
  } finally {
    printedTexts = null;
  }
}

/**
 * The longest text {@link printEdn} makes (2^26 characters). A value is small in memory when it
 * holds one part many times (`[v v]` nested 60 deep is 61 collections), yet its text is as long
 * as the value written out as a tree; such a text is refused ({@link TextTooLong}), not built.
 */
export const MAX_TEXT_CHARS = 2 ** 26;

/** {@link printEdn} of a value whose text would be longer than {@link MAX_TEXT_CHARS}: `out-of-memory`. */
export class TextTooLong extends KernelError {
  /** The error (one message whatever the value, so every printer of it gives the same). */
  constructor() {
    super('out-of-memory', `the value's text would be longer than ${MAX_TEXT_CHARS} characters`);
    this.name = 'TextTooLong';
  }
}

/** How many characters of a value {@link printEdnOrElided} shows when its whole text is too long. */
export const ELIDED_CHARS = 1000;

/**
 * {@link printEdn}, or for a value whose text is longer than {@link MAX_TEXT_CHARS}, the tagged
 * literal `#immutos/elided "…"` holding the first {@link ELIDED_CHARS} characters of it: for the
 * texts a kernel shows beside an operation's answer (a watcher's notice, a view of its state),
 * which must not fail.
 */
export function printEdnOrElided(v: Value): string {
  try {
    return printEdn(v);
  } catch (e) {
    if (!(e instanceof TextTooLong)) throw e;
    return `#immutos/elided ${printString(printEdnPrefix(v, ELIDED_CHARS))}`;
  }
}

/** Collections the {@link printEdn} in progress has printed, until it remembers their texts. */
let printedCollections = 0;
/**
 * The texts of the collections the {@link printEdn} in progress has printed, by identity, once it
 * has printed {@link SHARED_AFTER} of them (null until then): a part held many times is printed
 * once, so a text too long to make is found in time linear in the value's distinct parts.
 */
let printedTexts: Map<object, string> | null = null;
/** Collections printed before their texts are remembered. */
const SHARED_AFTER = 1024;

/** Refuses `text` (the text of a value, or the start of it) when it is longer than {@link MAX_TEXT_CHARS}. */
function bounded(text: string): string {
  if (text.length > MAX_TEXT_CHARS) throw new TextTooLong();
  return text;
}

/** The texts of the integers -1024 … 1023, kept: most integers of most values are small, and printing them then allocates nothing. */
const SMALL_INT_TEXTS = Array.from({ length: 2048 }, (_, i) => String(i - 1024));

/** The EDN text of the integer `n` (a safe integer): kept texts for -1024 … 1023, so printing small integers allocates no string. */
export function intText(n: number): string {
  return n >= -1024 && n < 1024 ? SMALL_INT_TEXTS[n + 1024]! : String(n);
}

/** The text of nil, a boolean, an int, a double or a string; null for any other kind. */
function printScalar(v: Value): string | null {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v >= -1024n && v < 1024n ? intText(Number(v)) : v.toString();
    case 'number':
      return printDouble(v);
    case 'string':
      return printString(v);
    default:
      return null;
  }
}

const RECURSION_LIMIT = 256;

function printRecursive(v: Value, depth: number): string {
  const scalar = printScalar(v);
  if (scalar !== null) return scalar;
  if (v === null || typeof v !== 'object') return ''; // unreachable: every scalar printed above
  if (v.kind !== 'list' && v.kind !== 'vector' && v.kind !== 'set' && v.kind !== 'map' && v.kind !== 'tagged') return printLeaf(v);
  if (printedTexts !== null) {
    const known = printedTexts.get(v);
    if (known !== undefined) return known;
  }
  const text = depth > RECURSION_LIMIT ? printIterative(v) : printCollection(v, depth);
  if (printedTexts !== null) printedTexts.set(v, text);
  else if (++printedCollections > SHARED_AFTER) printedTexts = new Map();
  return text;
}

/** The text of a collection or tagged value `v` at nesting `depth`, by recursion. */
function printCollection(v: List | Vector | ESet | EMap | Tagged, depth: number): string {
  switch (v.kind) {
    case 'list':
      return printSeq('(', v.items, ')', depth);
    case 'vector':
      return printSeq('[', v.items, ']', depth);
    case 'set':
      return printSeq('#{', v.items, '}', depth);
    case 'map': {
      const entries = v.entries;
      let out = '{';
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k]!;
        out = bounded(out + (k > 0 ? ', ' : '') + printRecursive(e[0], depth + 1) + ' ' + printRecursive(e[1], depth + 1));
      }
      return out + '}';
    }
    case 'tagged':
      return bounded('#' + v.tag + ' ' + printRecursive(v.value, depth + 1));
  }
}

/** The text of a character, keyword, symbol, byte string, atom reference or function. */
function printLeaf(v: Char | Keyword | Sym | Bytes | AtomRef | Fn): string {
  switch (v.kind) {
    case 'char':
      return printChar(v.ch);
    case 'keyword':
      return ':' + v.fullName;
    case 'symbol':
      return v.fullName;
    case 'bytes': {
      let hex = '';
      for (const b of v.data) hex += b.toString(16).padStart(2, '0');
      return `#bytes "${hex}"`;
    }
    case 'atom':
      return `#atom ${v.ref}`;
    case 'fn':
      return `#fn [${v.id} ${v.name === null ? 'nil' : printString(v.name)}]`;
  }
}

function printSeq(open: string, items: readonly Value[], close: string, depth: number): string {
  let out = open;
  for (let k = 0; k < items.length; k++) out = bounded(out + (k > 0 ? ' ' : '') + printRecursive(items[k]!, depth + 1));
  return out + close;
}

function printIterative(v: Value): string {
  // Its text is at least as long as the value counted as a tree: refused before it is made.
  if (expandedSize(v) > MAX_TEXT_CHARS) throw new TextTooLong();
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
      default:
        parts.push(printLeaf(val));
    }
  }
  let length = 0;
  for (const p of parts) length += p.length;
  if (length > MAX_TEXT_CHARS) throw new TextTooLong();
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
            ok = emit(printLeaf(val)); // a leaf: character, keyword, symbol, bytes, atom, fn
        }
      }
    }
    if (!ok) break;
  }
  const text = parts.join('');
  return text.length > limit ? text.slice(0, Math.max(0, limit)) : text;
}
