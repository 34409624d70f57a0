/**
 * TLC's output parser. No tla2tools.jar is installed on the development machines, so these
 * samples are NOT captured from a real run: they are written by hand from knowledge of TLC
 * 2.18's plain (non `-tool`) output format. Replace them with captured output when a jar is at hand.
 */
import { describe, expect, test } from 'vitest';
import { parseCfg } from './cfg.js';
import { assertTlcUsable, interpretTlc, parseTlcOutput, tlcJarFrom, tlcProgress } from './tlc.js';
import { UsageError } from '../errors.js';

const HEADER = `TLC2 Version 2.18 of Day Month 20?? (rev: cab6f13)
Running breadth-first search Model-Checking with fp 93 and seed -3817094723811290155 with 2 workers on 2 cores with 1820MB heap and 64MB offheap memory [pid: 4242] (Linux 6.1.0 amd64, Ubuntu 21.0.2 x86_64, MSBDiskFPSet, DiskStateQueue).
Parsing file /tmp/immutos-tlc-abc/Toy.tla
Parsing file /tmp/tla2tools.jar!/tla2sany/StandardModules/Naturals.tla
Semantic processing of module Naturals
Semantic processing of module Toy
Starting... (2026-11-24 04:50:01)
Computing initial states...
Finished computing initial states: 1 distinct state generated at 2026-11-24 04:50:01.
`;

const PASS = `${HEADER}Progress(5) at 2026-11-24 04:50:04: 1,204,332 states generated (1,204,332 s/min), 301,020 distinct states found (301,020 ds/min), 12,001 states left on queue.
Model checking completed. No error has been found.
  Estimates of the probability that TLC did not check all reachable states
  because two distinct states had the same fingerprint:
  calculated (optimistic):  val = 1.1E-8
  based on the actual fingerprints:  val = 4.5E-10
8,204,331 states generated, 2,050,692 distinct states found, 0 states left on queue.
The depth of the complete state graph search is 31.
The average outdegree of the complete state graph is 1 (minimum is 0, the maximum 9 and the 95th percentile is 3).
Finished in 21s at (2026-11-24 04:50:22)
`;

const INVARIANT = `${HEADER}Error: Invariant NotTwo is violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\\ x = 0
/\\ owner = (p1 :> 0 @@ p2 :> 0)
/\\ hist = {}

State 2: <Inc(p1) line 18, col 11 to line 21, col 36 of module Toy>
/\\ x = 1
/\\ owner = (p1 :> 1 @@ p2 :> 0)
/\\ hist = {0}

State 3: <Inc line 18, col 11 to line 21, col 36 of module Toy>
/\\ x = 2
/\\ owner = ( p1 :> 2 @@
  p2 :> 0 )
/\\ hist = {0, 1}

7 states generated, 5 distinct states found, 2 states left on queue.
The depth of the complete state graph search is 3.
Finished in 00s at (2026-11-24 04:50:01)
`;

const TEMPORAL = `${HEADER}Checking temporal properties for the complete state space with 35 total distinct states at (2026-11-24 04:50:02)
Error: Temporal properties were violated.

Error: The following behavior constitutes a counter-example:

State 1: <Initial predicate>
/\\ x = 0
/\\ hist = {}

State 2: <Inc line 18, col 11 to line 21, col 36 of module Toy>
/\\ x = 1
/\\ hist = {0}

State 3: <Reset line 24, col 10 to line 24, col 52 of module Toy>
/\\ x = 0
/\\ hist = {0}

Back to state 2: <Inc line 18, col 11 to line 21, col 36 of module Toy>

Finished checking temporal properties in 00s at 2026-11-24 04:50:02
35 states generated, 35 distinct states found, 0 states left on queue.
Finished in 01s at (2026-11-24 04:50:02)
`;

const DEADLOCK = `${HEADER}Error: Deadlock reached.
Error: The behavior up to this point is:
State 1: <Initial predicate>
x = 0

State 2: <Inc line 18, col 11 to line 21, col 36 of module Toy>
x = 1

3 states generated, 2 distinct states found, 0 states left on queue.
Finished in 00s at (2026-11-24 04:50:01)
`;

const PARSE_ERROR = `TLC2 Version 2.18 of Day Month 20?? (rev: cab6f13)
Parsing file /tmp/immutos-tlc-abc/Toy.tla
***Parse Error***
Encountered "==" at line 3, column 9 and token "Foo"
Residual stack trace follows:
Module definition starting at line 1, column 1.

Fatal errors while parsing TLA+ spec in file Toy
`;

const WARNED = PASS.replace('Model checking completed.', 'Warning: The EXCEPT was applied to non-existing fields of the value at line 20\nModel checking completed.')
  .replace(HEADER, HEADER + 'Warning: Please run the Java VM, which executes TLC with a throughput optimized garbage collector, by passing the "-XX:+UseParallelGC" property.\n');

const cfg = parseCfg('INIT Init NEXT Next INVARIANTS TypeOK NotTwo PROPERTY BackToZero');

describe('TLC output parser (hand-written samples, see the file comment)', () => {
  test('a pass: the final distinct count, not a progress line', () => {
    const o = parseTlcOutput(PASS);
    expect(o.status).toBe('pass');
    expect(o.distinctStates).toBe(2_050_692);
    expect(o.trace).toBeNull();
    expect(o.warnings).toEqual([]);
    expect(interpretTlc(o, cfg, 21, 0).status).toBe('pass');
  });

  test('an invariant violation: named, with its trace and action names', () => {
    const o = parseTlcOutput(INVARIANT);
    expect(o.status).toBe('invariant');
    expect(o.violated).toBe('NotTwo');
    expect(o.distinctStates).toBe(5);
    expect(o.trace!.states.map((s) => s.action)).toEqual(['Init', 'Inc', 'Inc']);
    expect(o.trace!.states[2]!.vars).toContainEqual(['owner', '( p1 :> 2 @@ p2 :> 0 )']);
    const r = interpretTlc(o, cfg, 0.5, 12);
    expect([r.status, r.violated]).toEqual(['violation', 'NotTwo']);
  });

  test('a temporal violation: a lasso, named from the single PROPERTY', () => {
    const o = parseTlcOutput(TEMPORAL);
    expect(o.status).toBe('property');
    expect(o.trace!.states).toHaveLength(3);
    expect(o.trace!.cycleStart).toBe(1);
    expect(interpretTlc(o, cfg, 1, 13).violated).toBe('BackToZero');
  });

  test('a deadlock, with single-variable states printed without /\\', () => {
    const o = parseTlcOutput(DEADLOCK);
    expect(o.status).toBe('deadlock');
    expect(o.trace!.states[1]!.vars).toEqual([['x', '1']]);
  });

  test('a parse error is an error with a message', () => {
    const o = parseTlcOutput(PARSE_ERROR);
    expect(o.status).toBe('error');
    expect(o.message).toMatch(/error/i);
    expect(interpretTlc(o, cfg, 0, 150).status).toBe('error');
  });

  test('Warning: lines are reported, except the JVM garbage-collector hint', () => {
    const o = parseTlcOutput(WARNED);
    expect(o.warnings).toHaveLength(1);
    expect(o.warnings[0]).toMatch(/EXCEPT/);
  });

  test('progress lines', () => {
    expect(tlcProgress('Progress(5) at 2026-11-24 04:50:04: 1,204,332 states generated (1,204,332 s/min), 301,020 distinct states found (301,020 ds/min), 12,001 states left on queue.')).toBe(301_020);
    expect(tlcProgress('Computing initial states...')).toBeNull();
  });

  test('jar selection and a missing jar as a usage error', () => {
    expect(tlcJarFrom(undefined, {})).toBeNull();
    expect(tlcJarFrom(undefined, { IMMUTOS_TLC_JAR: '/opt/tla2tools.jar' })).toBe('/opt/tla2tools.jar');
    expect(tlcJarFrom('/x/y.jar', { IMMUTOS_TLC_JAR: '/opt/tla2tools.jar' })).toBe('/x/y.jar');
    expect(() => assertTlcUsable('/nonexistent/tla2tools.jar')).toThrow(UsageError);
    expect(() => assertTlcUsable('/nonexistent/tla2tools.jar')).toThrow(/TLC jar not found/);
  });
});
