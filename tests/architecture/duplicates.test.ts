/**
 * The oracle shares no code with what it judges: no run of six or more lines stands in both
 * `reference/` and `optimized/` (test files excepted), neither the same lines nor the same lines
 * with other names, strings and numbers. What both kernels need is defined once in `spec/` and
 * each evaluates it its own way (ARCHITECTURE.md; docs/adr/0031-language-in-spec.md).
 *
 * A line is compared after folding white space and dropping comments; blank lines, lone
 * punctuation and import lines are skipped. A "shape" replaces identifiers, strings and numbers
 * by placeholders; a run of shapes counts only when its lines carry enough tokens (thin lines
 * such as `} else {` or `return x;` recur everywhere and prove nothing) and are not all of one
 * shape (the rows of a table).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUN = 6;
/** Tokens a run of shaped lines must carry on average to count (thin runs are boilerplate). */
const MIN_TOKENS_PER_LINE = 6;

interface Line {
  readonly file: string;
  readonly no: number;
  readonly exact: string;
  readonly shape: string;
  readonly tokens: number;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The meaningful lines of a source text, numbered from 1. */
export function meaningfulLines(file: string, text: string): Line[] {
  const out: Line[] = [];
  let inBlock = false;
  text.split('\n').forEach((raw, i) => {
    let s = raw;
    if (inBlock) {
      const end = s.indexOf('*/');
      if (end < 0) return;
      s = s.slice(end + 2);
      inBlock = false;
    }
    s = s.replace(/\/\*.*?\*\//g, '');
    const open = s.indexOf('/*');
    if (open >= 0) {
      s = s.slice(0, open);
      inBlock = true;
    }
    s = s.replace(/(^|[^:'"`\\])\/\/.*$/, '$1').replace(/\s+/g, ' ').trim();
    if (s === '' || /^[{}()[\];,.]+$/.test(s) || /^(import|export)\b.*\bfrom\b/.test(s) || /^import\s/.test(s)) return;
    const shape = s
      .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, 'S')
      .replace(/\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?n?\b|\b0x[\da-f_]+\b/gi, 'N')
      .replace(/[A-Za-z_$][\w$]*/g, (w) => (KEYWORDS.has(w) ? w : 'I'));
    const tokens = (s.match(/[A-Za-z_$][\w$]*|\d+|'[^']*'|"[^"]*"|[^\s\w]/g) ?? []).length;
    out.push({ file, no: i + 1, exact: s, shape, tokens });
  });
  return out;
}

const KEYWORDS = new Set(['const', 'let', 'var', 'if', 'else', 'for', 'of', 'in', 'while', 'do', 'return', 'throw', 'new', 'function', 'class', 'extends', 'implements', 'interface', 'type', 'readonly', 'private', 'public', 'static', 'async', 'await', 'yield', 'typeof', 'instanceof', 'true', 'false', 'null', 'undefined', 'this', 'break', 'continue', 'switch', 'case', 'default', 'try', 'catch', 'finally', 'export']);

/** Runs of `RUN` lines of `a` whose exact text, or shape with enough tokens, also stands in `b`. */
export function sharedRuns(a: readonly Line[][], b: readonly Line[][]): string[] {
  const key = (lines: readonly Line[], i: number, kind: 'exact' | 'shape'): string | null => {
    const w = lines.slice(i, i + RUN);
    if (w.length < RUN) return null;
    if (kind === 'shape' && w.reduce((n, l) => n + l.tokens, 0) < RUN * MIN_TOKENS_PER_LINE) return null;
    // rows of one table (every line the same shape: a catalogue, a list of cases) are data, not copied code
    if (kind === 'shape' && new Set(w.map((l) => l.shape)).size === 1) return null;
    return w.map((l) => l[kind]).join('\n');
  };
  const found: string[] = [];
  const reported = new Set<string>(); // a run found exact is not reported again by shape
  for (const kind of ['exact', 'shape'] as const) {
    const index = new Map<string, Line>();
    for (const lines of b) for (let i = 0; i + RUN <= lines.length; i++) {
      const k = key(lines, i, kind);
      if (k !== null && !index.has(k)) index.set(k, lines[i]!);
    }
    for (const lines of a) {
      for (let i = 0; i + RUN <= lines.length; i++) {
        const k = key(lines, i, kind);
        const other = k === null ? undefined : index.get(k);
        if (other === undefined) continue;
        const at = `${lines[i]!.file}:${lines[i]!.no}`;
        if (reported.has(at)) {
          i += RUN - 1;
          continue;
        }
        for (let j = i; j < i + RUN; j++) reported.add(`${lines[j]!.file}:${lines[j]!.no}`);
        found.push(`${relative(root, lines[i]!.file)}:${lines[i]!.no} ~ ${relative(root, other.file)}:${other.no} (${kind})`);
        i += RUN - 1; // report a long run once
      }
    }
  }
  return found;
}

const read = (dir: string): Line[][] => sources(join(root, dir)).map((f) => meaningfulLines(f, readFileSync(f, 'utf8')));

describe('the oracle shares no code with the optimized kernel', () => {
  test('no run of six lines (the same, or the same shape) stands in both reference/ and optimized/', () => {
    expect(sharedRuns(read('reference'), read('optimized'))).toEqual([]);
  });

  test('the detector finds a copied run, renamed or not, and passes over thin boilerplate', () => {
    const body = `function total(items: readonly Item[], rate: number): number {
  let sum = 0;
  for (const item of items) sum += item.price * item.count;
  if (sum > LIMIT) throw new RangeError(\`total \${sum} over the limit\`);
  const taxed = Math.round(sum * (1 + rate) * 100) / 100;
  return taxed > 0 ? taxed : fallbackTotal(items, rate, 'zero');
}`;
    const renamed = body.replace(/total/g, 'sumUp').replace(/items/g, 'xs').replace(/100/g, '1000');
    const thin = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? '} else {' : `return x${i};`)).join('\n');
    const a = [meaningfulLines('/a.ts', body)];
    expect(sharedRuns(a, [meaningfulLines('/b.ts', body)])).toHaveLength(1);
    expect(sharedRuns(a, [meaningfulLines('/c.ts', renamed)])).toHaveLength(1);
    expect(sharedRuns([meaningfulLines('/d.ts', thin)], [meaningfulLines('/e.ts', thin.replace(/x/g, 'y'))])).toEqual([]);
  });
});
