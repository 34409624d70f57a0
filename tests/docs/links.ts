/**
 * The documentation link checker used by tests/docs/links.test.ts: every relative link in the
 * given markdown files must resolve to a file or non-empty directory inside the repository (and a
 * `#anchor` on a markdown target to one of its headings, slugged as GitHub does), every external
 * link must be a valid http(s) URL, and every repository path written in backticks
 * (`spec/Kernel.ts`, `harness/oracles/`) must exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Top-level folders whose names, in backticks, are taken for repository paths. */
export const PATH_ROOTS = ['spec', 'reference', 'optimized', 'hw-model', 'proofs', 'harness', 'cli', 'tests', 'bench', 'docs', 'examples', 'scripts'];

/** Folders that are generated or installed, never part of the repository (see .gitignore). */
const IGNORED = ['node_modules', 'dist', 'docs/api', 'bench/results', '.fuzz-out', '.git'];

/** One broken link or path: where it is and what is wrong. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** The markdown files checked: README.md and docs/**\/*.md (generated docs/api excepted). */
export function markdownFiles(root: string): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (IGNORED.includes(rel)) continue;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out.sort();
}

/** GitHub's heading slug: lower case, punctuation dropped (except `-` and `_`), spaces to `-`. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/[`*]/g, ''); // code and emphasis markers
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

interface Line {
  readonly n: number;
  readonly text: string;
}

/** The lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(source: string): Line[] {
  const out: Line[] = [];
  let fence: string | null = null;
  source.split('\n').forEach((text, i) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(text);
    if (m) {
      if (fence === null) fence = m[1]![0]!.repeat(m[1]!.length);
      else if (m[1]!.startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) out.push({ n: i + 1, text });
  });
  return out;
}

/** The anchors a markdown file offers: its headings' slugs (duplicates numbered) and HTML ids. */
export function anchors(source: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of proseLines(source)) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (h) {
      const base = githubSlug(h[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      out.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const a of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(a[1]!);
  }
  return out;
}

/** Inline code spans (each with the text after it) and the rest of a prose line (links inside code spans are not links). */
function splitCode(text: string): { code: { span: string; after: string }[]; rest: string } {
  const code: { span: string; after: string }[] = [];
  const rest = text.replace(/(`+)(.+?)\1/g, (m, _ticks: string, body: string, offset: number) => {
    code.push({ span: body.trim(), after: text.slice(offset + m.length) });
    return ' ';
  });
  return { code, rest };
}

/** A path inside the repository that is not generated: a file, or a directory holding a file. */
function existsInRepo(root: string, rel: string): boolean {
  const norm = rel.split(sep).join('/');
  if (IGNORED.some((d) => norm === d || norm.startsWith(`${d}/`))) return false;
  const abs = join(root, rel);
  if (!existsSync(abs)) return false;
  if (!statSync(abs).isDirectory()) return true;
  const hasFile = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? hasFile(join(dir, e.name)) : true));
  return hasFile(abs);
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(abs: string): Set<string> {
  let a = anchorCache.get(abs);
  if (!a) anchorCache.set(abs, (a = anchors(readFileSync(abs, 'utf8'))));
  return a;
}

/** Checks one link target written in `file` (repository-relative). */
function checkLink(root: string, file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (/^mailto:/i.test(target)) return null;
    if (!/^https?:\/\//i.test(target)) return 'not a relative path or an http(s) URL';
    try {
      const u = new URL(target);
      return u.hostname.includes('.') ? null : 'not a valid URL (host)';
    } catch {
      return 'not a valid URL';
    }
  }
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  if (isAbsolute(pathPart)) return 'absolute path';
  const abs = pathPart === '' ? join(root, file) : resolve(root, dirname(file), pathPart);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return 'points outside the repository';
  if (!existsInRepo(root, rel)) return 'no such file in the repository';
  if (anchor !== null && abs.endsWith('.md') && !anchorsOf(abs).has(anchor)) return `no heading #${anchor} in ${rel}`;
  return null;
}

const PATH_IN_CODE = new RegExp(`^(?:${PATH_ROOTS.join('|')})/[\\w./-]*$`);

/** Folders the software writes into (ignored by git): a doc may name what appears there. */
const GENERATED = ['docs/api/', 'bench/results/'];

/**
 * Checks a backticked repository path: a file (with an extension) or a folder (ending in `/`).
 * An ADR is a record and may name a path that is gone, if the same line says so: the path is
 * followed by `→ new/path`, "since moved" or "since removed".
 */
function checkCodePath(root: string, file: string, span: string, after: string): string | null {
  if (!PATH_IN_CODE.test(span)) return null; // not a plain path (globs, <placeholders>, commands, …)
  const isFile = /\.[A-Za-z0-9]+$/.test(span);
  const isDir = span.endsWith('/');
  if (!isFile && !isDir) return null;
  if (GENERATED.some((d) => span.startsWith(d))) return null;
  if (existsInRepo(root, span)) return null;
  if (file.startsWith('docs/adr/') && /→|since moved|since removed/.test(after)) return null;
  return 'no such path in the repository';
}

/** Every problem in the links and backticked paths of `files` (repository-relative). */
export function checkDocs(root: string, files: readonly string[]): Problem[] {
  anchorCache.clear();
  const problems: Problem[] = [];
  for (const file of files) {
    const source = readFileSync(join(root, file), 'utf8');
    for (const { n, text } of proseLines(source)) {
      const { code, rest } = splitCode(text);
      const targets: string[] = [];
      for (const m of rest.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
      const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(rest);
      if (def) targets.push(def[1]!);
      for (const target of targets) {
        const reason = checkLink(root, file, target);
        if (reason) problems.push({ file, line: n, target, reason });
      }
      for (const { span, after } of code) {
        const reason = checkCodePath(root, file, span, after);
        if (reason) problems.push({ file, line: n, target: `\`${span}\``, reason });
      }
    }
  }
  return problems;
}
