import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCfg } from './cfg.js';
import { repoRoot } from './manifest.js';
import { cfgWithOnlyProperty, checkWithTlaChecker, interpretTlaChecker } from './tlaChecker.js';
import { renderTrace } from './trace.js';

const fx = (f: string): string => readFileSync(join(repoRoot(), 'tests/fixtures/check', f), 'utf8');
const toy = fx('Toy.tla');
const toyCfg = fx('Toy.cfg');
const cfgWith = (invariants: string, extra = ''): string => `CONSTANTS\n  N = 3\n  Procs = {p1, p2}\nSPECIFICATION Spec\nINVARIANTS ${invariants}\n${extra}`;

describe('tla-checker wrapper', () => {
  test('a passing model: pass, its distinct-state count, no warnings', () => {
    const r = checkWithTlaChecker(toy, toyCfg, 'Toy.cfg');
    expect(r.status).toBe('pass');
    expect(r.warnings).toEqual([]);
    expect(r.distinctStates).toBeGreaterThan(1);
  });

  test('names the violated invariant by its position in the cfg, whatever the order', () => {
    for (const order of ['NotTwo TypeOK Bounded', 'TypeOK NotTwo Bounded', 'TypeOK Bounded NotTwo']) {
      const r = checkWithTlaChecker(toy, cfgWith(order));
      expect(r.status, order).toBe('violation');
      expect(r.violated, order).toBe('NotTwo');
    }
    // INVARIANT on several lines counts in file order too (ToyBug.cfg lists NotTwo third).
    expect(checkWithTlaChecker(toy, fx('ToyBug.cfg')).violated).toBe('NotTwo');
  });

  test('the counterexample becomes a table of changes ending in the violating state', () => {
    const r = checkWithTlaChecker(toy, fx('ToyBug.cfg'));
    const states = r.trace!.states;
    expect(states[states.length - 1]!.vars.find(([k]) => k === 'x')![1]).toBe('2');
    expect(states[0]!.vars.map(([k]) => k)).toEqual(['x', 'owner', 'hist']);
    const table = renderTrace(r.trace!);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/step\s+action\s+variable\s+value/);
    // the step-1 row shows x changing; unchanged variables are not repeated (owner of p2 stays in the owner row).
    const step1 = lines.findIndex((l) => /^\s+1\s/.test(l));
    expect(lines[step1]).toMatch(/x\s+1$/);
  });

  test('a warning is reported (ACTION_CONSTRAINT is ignored by tla-checker)', () => {
    const r = checkWithTlaChecker(toy, cfgWith('TypeOK', 'ACTION_CONSTRAINT Bounded\n'));
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(r.warnings.join(' ')).toMatch(/ACTION_CONSTRAINT/);
  });

  test('hitting the state or depth limit is a max-states result, not a pass', () => {
    expect(checkWithTlaChecker(toy, toyCfg, 'Toy.cfg', { maxStates: 5 }).status).toBe('max-states');
    expect(checkWithTlaChecker(toy, toyCfg, 'Toy.cfg', { maxDepth: 2 }).status).toBe('max-states');
  });

  test('a liveness violation is named, re-checking each property alone when there are several', () => {
    const r = checkWithTlaChecker(toy, cfgWith('TypeOK', 'PROPERTIES BackToZero StuckAtZero\n'));
    expect(r.status).toBe('violation');
    expect(r.violated).toBe('StuckAtZero');
    expect(r.trace!.cycleStart).not.toBeNull();
    expect(renderTrace(r.trace!)).toMatch(/back to step \d+/);
    expect(checkWithTlaChecker(toy, cfgWith('TypeOK', 'PROPERTIES BackToZero\n')).status).toBe('pass');
  });

  test('cfgWithOnlyProperty keeps everything but the other properties', () => {
    const out = cfgWithOnlyProperty(cfgWith('TypeOK', 'PROPERTIES BackToZero StuckAtZero \\* two\nCHECK_DEADLOCK FALSE\n'), 'BackToZero');
    const c = parseCfg(out);
    expect(c.properties).toEqual(['BackToZero']);
    expect(c.invariants).toEqual(['TypeOK']);
    expect(c.checkDeadlock).toBe(false);
    expect(c.constants).toEqual({ N: 3, Procs: ['p1', 'p2'] });
  });

  test('an index the cfg does not have is an error, not a guess', () => {
    const r = interpretTlaChecker({ success: false, error_type: 'InvariantViolation', error_message: 'Invariant 5 violated', states_explored: 3, trace: null }, parseCfg(cfgWith('TypeOK')), 1);
    expect(r.status).toBe('error');
  });

  test('deadlock follows the cfg: an error by default, allowed by CHECK_DEADLOCK FALSE', () => {
    const stuck = toy.replace('Reset == x = N', 'Reset == FALSE /\\ x = N');
    expect(checkWithTlaChecker(stuck, toyCfg).status).toBe('deadlock');
    expect(checkWithTlaChecker(stuck, toyCfg + '\nCHECK_DEADLOCK FALSE\n').status).toBe('pass');
  });

  test('a parse or config error is an error result', () => {
    expect(checkWithTlaChecker(toy, cfgWith('NoSuchInvariant')).status).toBe('error');
  });
});
