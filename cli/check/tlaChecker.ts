/**
 * The embedded TLA+ engine: a strict wrapper around the `tla-checker` npm package (wasm).
 * Strict means: any entry in `warnings` is reported (and fails the check), hitting the state or
 * depth limit is a `max-states` result rather than a pass, "Invariant N violated" is mapped back
 * to the invariant's name from the cfg, and the text trace becomes a {@link Trace}.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initSync, check_spec_with_options } from 'tla-checker';
import { parseCfg, type TlcConfig } from './cfg.js';
import type { EngineResult } from './result.js';
import { parseTlaCheckerTrace } from './trace.js';

/** The JSON `check_spec_with_options` returns (tla-checker 0.9.0). */
export interface TlaCheckerJson {
  /** True when no error was found. */
  readonly success: boolean;
  /** E.g. `InvariantViolation`, `LivenessViolation`, `Deadlock`, `MaxStatesExceeded`, `ConfigError`. */
  readonly error_type: string | null;
  /** E.g. `Invariant 2 violated` (0-based index into the cfg's INVARIANT list). */
  readonly error_message: string | null;
  /** Distinct states found. */
  readonly states_explored: number;
  /** Counterexample: one text per segment (prefix, then the cycle of a lasso). */
  readonly trace: readonly string[] | null;
  /** Warnings, e.g. an ignored ACTION_CONSTRAINT. */
  readonly warnings?: readonly string[];
}

/** Limits passed to tla-checker explicitly (its defaults, 1,000,000 states and depth 100, are too small). */
export interface TlaCheckerLimits {
  /** Default 50,000,000 (the wasm memory cap stops it near 5 million anyway). */
  readonly maxStates?: number;
  /** Default 1,000,000. */
  readonly maxDepth?: number;
}

let ready = false;

/** Instantiates the wasm module once per thread. */
export function initTlaChecker(): void {
  if (ready) return;
  const require = createRequire(import.meta.url);
  const wasm = join(dirname(require.resolve('tla-checker')), 'tla_checker_bg.wasm');
  initSync({ module: readFileSync(wasm) });
  ready = true;
}

/** Runs tla-checker once and returns its parsed JSON, unmodified. */
export function runTlaCheckerRaw(spec: string, cfg: string, limits: TlaCheckerLimits = {}, allowDeadlock = false): TlaCheckerJson {
  initTlaChecker();
  const out = check_spec_with_options(spec, JSON.stringify({
    cfg_source: cfg,
    max_states: limits.maxStates ?? 50_000_000,
    max_depth: limits.maxDepth ?? 1_000_000,
    allow_deadlock: allowDeadlock,
  }));
  return JSON.parse(out) as TlaCheckerJson;
}

const SECTION = /\b(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERT(?:Y|IES)|CONSTRAINTS?|ACTION_CONSTRAINTS?|SYMMETRY|VIEW|CHECK_DEADLOCK|ALIAS|POSTCONDITION)\b/;

/** The cfg text with every `PROPERTY`/`PROPERTIES` section removed and `PROPERTY name` appended. */
export function cfgWithOnlyProperty(cfgSource: string, name: string): string {
  const noComments = cfgSource.replace(/\(\*[\s\S]*?\*\)/g, ' ').replace(/\\\*.*$/gm, '');
  const parts = noComments.split(new RegExp(SECTION.source, 'g'));
  // split with a capture group alternates [text, keyword, text, keyword, text, …]
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) {
    if (/^PROPERT/.test(parts[i]!)) continue;
    out += parts[i]! + (parts[i + 1] ?? '');
  }
  return `${out.trimEnd()}\nPROPERTY ${name}\n`;
}

/**
 * Maps a tla-checker result to an {@link EngineResult}, naming the violated invariant from the
 * cfg's INVARIANT order. `livenessName` names the violated property when the caller found it.
 */
export function interpretTlaChecker(json: TlaCheckerJson, cfg: TlcConfig, seconds: number, livenessName: string | null = null): EngineResult {
  const warnings = [...(json.warnings ?? [])];
  const base = {
    engine: 'tla-checker' as const,
    distinctStates: json.states_explored,
    seconds,
    statesPerSecond: seconds > 0 ? json.states_explored / seconds : null,
    warnings,
    trace: parseTlaCheckerTrace(json.trace),
  };
  if (json.success) return { ...base, status: 'pass', violated: null, message: '' };
  const type = json.error_type ?? 'Error';
  const msg = json.error_message ?? '';
  switch (type) {
    case 'InvariantViolation': {
      const m = /Invariant (\d+) violated/.exec(msg);
      const idx = m ? Number(m[1]) : -1;
      const name = cfg.invariants[idx];
      if (name === undefined) return { ...base, status: 'error', violated: null, message: `cannot name the violated invariant: "${msg}" (cfg lists ${cfg.invariants.length})` };
      return { ...base, status: 'violation', violated: name, message: msg };
    }
    case 'LivenessViolation':
      return { ...base, status: 'violation', violated: livenessName ?? (cfg.properties.length === 1 ? cfg.properties[0]! : null), message: msg };
    case 'Deadlock':
      return { ...base, status: 'deadlock', violated: null, message: msg };
    case 'MaxStatesExceeded':
    case 'MaxDepthExceeded':
    case 'MaxTimeExceeded':
      return { ...base, status: 'max-states', violated: null, message: `${type}: ${msg}` };
    default:
      return { ...base, status: 'error', violated: null, message: `${type}: ${msg}` };
  }
}

/**
 * Checks one model with tla-checker. Deadlock is an error unless the cfg says
 * `CHECK_DEADLOCK FALSE` (TLC's rule). A liveness violation in a cfg with several properties is
 * re-checked one property at a time to name the violated one.
 */
export function checkWithTlaChecker(spec: string, cfgSource: string, cfgFile = '<cfg>', limits: TlaCheckerLimits = {}): EngineResult {
  const cfg = parseCfg(cfgSource, cfgFile);
  const t0 = performance.now();
  const json = runTlaCheckerRaw(spec, cfgSource, limits, !cfg.checkDeadlock);
  const seconds = (performance.now() - t0) / 1000;
  let livenessName: string | null = null;
  if (json.error_type === 'LivenessViolation' && cfg.properties.length > 1) {
    for (const p of cfg.properties) {
      const one = runTlaCheckerRaw(spec, cfgWithOnlyProperty(cfgSource, p), limits, !cfg.checkDeadlock);
      if (one.error_type === 'LivenessViolation') { livenessName = p; break; }
    }
  }
  return interpretTlaChecker(json, cfg, seconds, livenessName);
}
