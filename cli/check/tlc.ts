/**
 * The official TLC as an alternative TLA+ engine: `java -cp tla2tools.jar tlc2.TLC` on a copy of
 * the module (and the cfg text) in a temporary directory, and a parser for TLC's plain-text output (distinct
 * states, the violated invariant by name, the error trace, warnings).
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { TlcConfig } from './cfg.js';
import type { EngineResult, Trace, TraceState } from './result.js';

/** TLC output, read. */
export interface TlcOutput {
  /** `completed`: "Model checking completed. No error has been found."; otherwise the kind of error. */
  readonly status: 'pass' | 'invariant' | 'property' | 'deadlock' | 'error';
  /** The invariant TLC names ("Error: Invariant X is violated."), or the action property. */
  readonly violated: string | null;
  /** The last "N distinct states found" figure, or null. */
  readonly distinctStates: number | null;
  /** The first `Error:` line(s), joined. */
  readonly message: string;
  /** `Warning:` lines, except the JVM tuning hint TLC prints about garbage collectors. */
  readonly warnings: readonly string[];
  /** The error trace, if TLC printed one. */
  readonly trace: Trace | null;
}

const num = (s: string): number => Number(s.replace(/,/g, ''));

/** Reads TLC's stdout (the default, non `-tool` format of TLC 2.15–2.19). */
export function parseTlcOutput(text: string): TlcOutput {
  const lines = text.split(/\r?\n/);
  let distinct: number | null = null;
  for (const l of lines) {
    const m = /([\d,]+) states generated(?:\s*\([^)]*\))?, ([\d,]+) distinct states found/.exec(l);
    if (m) distinct = num(m[2]!);
  }
  const warnings = lines.filter((l) => /^Warning:/.test(l) && !/garbage collector|-XX:\+Use/.test(l));
  const errors = lines.filter((l) => /^Error:/.test(l) && !/^Error: The (behavior up to this point|following behavior)/.test(l));
  const inv = /^Error: Invariant (\S+) is violated/m.exec(text);
  const act = /^Error: Action property (\S+) is violated/m.exec(text);
  let status: TlcOutput['status'];
  let violated: string | null = null;
  if (inv) { status = 'invariant'; violated = inv[1]!; }
  else if (act) { status = 'property'; violated = act[1]!; }
  else if (/^Error: Temporal properties were violated/m.test(text)) status = 'property';
  else if (/^Error: Deadlock reached/m.test(text)) status = 'deadlock';
  else if (/Model checking completed\. No error has been found\./.test(text)) status = 'pass';
  else status = 'error';
  const message = status === 'error' && errors.length === 0
    ? (lines.find((l) => /error|exception/i.test(l)) ?? 'TLC ended without a result line').trim()
    : errors.join(' ');
  return { status, violated, distinctStates: distinct, message, warnings, trace: parseTlcTrace(lines) };
}

/** Reads the `State N: <Action …>` blocks of a TLC error trace (with `Back to state` / `Stuttering` lassos). */
function parseTlcTrace(lines: readonly string[]): Trace | null {
  const states: { action: string | null; vars: [string, string][] }[] = [];
  let cycleStart: number | null = null;
  let cur: { action: string | null; vars: [string, string][] } | null = null;
  for (const l of lines) {
    const head = /^State (\d+): (.*)$/.exec(l);
    if (head) {
      const what = head[2]!.trim();
      if (/^Stuttering/.test(what)) { cycleStart = states.length - 1; cur = null; continue; }
      const action = /^<Initial predicate>/.test(what) ? 'Init' : (/^<([^\s(>]+)/.exec(what)?.[1] ?? what);
      cur = { action, vars: [] };
      states.push(cur);
      continue;
    }
    const back = /^Back to state (\d+)/.exec(l);
    if (back) { cycleStart = Number(back[1]) - 1; cur = null; continue; }
    if (cur === null) continue;
    if (l.trim() === '') { cur = null; continue; }
    const v = /^(?:\/\\ )?([A-Za-z_][A-Za-z0-9_]*) = (.*)$/.exec(l);
    if (v) cur.vars.push([v[1]!, v[2]!]);
    else if (cur.vars.length > 0) { const last = cur.vars[cur.vars.length - 1]!; last[1] += ' ' + l.trim(); }
  }
  if (states.length === 0) return null;
  return { states: states as TraceState[], cycleStart };
}

/** The TLC jar to use: `--tlc PATH`, else `IMMUTOS_TLC_JAR`, else none. */
export function tlcJarFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const p = option ?? env.IMMUTOS_TLC_JAR;
  return p === undefined || p === '' ? null : resolve(p);
}

/**
 * Checks that TLC can run: the jar exists and `java` is on the PATH.
 * @throws UsageError naming what is missing.
 */
export function assertTlcUsable(jar: string): void {
  if (!existsSync(jar)) throw new UsageError(`TLC jar not found: ${jar} (give --tlc PATH/tla2tools.jar or set IMMUTOS_TLC_JAR; download tla2tools.jar from https://github.com/tlaplus/tlaplus/releases)`);
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) throw new UsageError(`TLC needs Java, but 'java' could not be run: ${r.error.message}`);
}

/** Maps parsed TLC output to an {@link EngineResult}; `cfg` names the property of a temporal violation. */
export function interpretTlc(out: TlcOutput, cfg: TlcConfig, seconds: number, exitCode: number | null): EngineResult {
  const base = {
    engine: 'tlc' as const,
    distinctStates: out.distinctStates,
    seconds,
    statesPerSecond: out.distinctStates !== null && seconds > 0 ? out.distinctStates / seconds : null,
    warnings: out.warnings,
    trace: out.trace,
  };
  switch (out.status) {
    case 'pass':
      return { ...base, status: 'pass', violated: null, message: exitCode === 0 || exitCode === null ? '' : `exit code ${exitCode}` };
    case 'invariant':
      return { ...base, status: 'violation', violated: out.violated, message: out.message };
    case 'property':
      return { ...base, status: 'violation', violated: out.violated ?? (cfg.properties.length === 1 ? cfg.properties[0]! : null), message: out.message };
    case 'deadlock':
      return { ...base, status: 'deadlock', violated: null, message: out.message };
    default:
      return { ...base, status: 'error', violated: null, message: out.message };
  }
}

/**
 * Runs TLC on one model: copies the module and cfg into a temporary directory and runs
 * `java -XX:+UseParallelGC -cp JAR tlc2.TLC -workers auto -config MC.cfg MODULE` there.
 * `onLine` sees each output line (progress).
 */
export async function runTlc(jar: string, tlaPath: string, cfgSource: string, module: string, onLine?: (line: string) => void): Promise<{ output: string; exitCode: number | null; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'immutos-tlc-'));
  try {
    copyFileSync(tlaPath, join(dir, `${module}.tla`));
    writeFileSync(join(dir, 'MC.cfg'), cfgSource);
    writeFileSync(join(dir, '.immutos'), 'temporary TLC run directory\n');
    const t0 = performance.now();
    const child = spawn('java', ['-XX:+UseParallelGC', '-cp', jar, 'tlc2.TLC', '-workers', 'auto', '-cleanup', '-metadir', join(dir, 'states'), '-config', 'MC.cfg', module], { cwd: dir });
    let output = '';
    let pending = '';
    const take = (chunk: Buffer): void => {
      const s = chunk.toString('utf8');
      output += s;
      pending += s;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      if (onLine) for (const p of parts) onLine(p);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const exitCode = await new Promise<number | null>((res, rej) => { child.on('error', rej); child.on('close', res); });
    return { output, exitCode, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a TLC progress line ("Progress(7) at …: 1,234 states generated …, 567 distinct states found …"). */
export function tlcProgress(line: string): number | null {
  const m = /^Progress\(\d+\).*?([\d,]+) distinct states found/.exec(line);
  return m ? num(m[1]!) : null;
}
