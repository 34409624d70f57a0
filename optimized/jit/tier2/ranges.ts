/**
 * Value ranges of a tier-2 function's int expressions, so that the code generator can leave out
 * the overflow check of an addition, subtraction or multiplication whose operands cannot make it
 * overflow (`(+ a (byte-at b i))` with `a` a remainder modulo 65521 never leaves int64).
 *
 * An interval analysis by abstract interpretation over the function's body: constants are exact,
 * `rem`/`mod` are bounded by their divisor, `byte-at` by a byte, `count` by a length, arithmetic
 * follows its operands (a result that would leave int64 makes the code fall back, so a value that
 * flows on is an int64 in the interval); parameters, closure calls and everything else are
 * unknown (any int64). A `loop`'s variables take the union of their initial values and of every
 * `recur` to it: the analysis iterates to a fixpoint, widening a range that still grows after a
 * few rounds to every int64, then narrows it again (each narrowing pass recomputes the union from
 * the wider ranges, which stays a sound over-approximation). Conditions are not used to refine
 * ranges. See docs/adr/0063-tier2-range-analysis.md.
 * @module
 */
import type { LoopNode, Node } from '../../lang/front.js';
import type { Plan } from './eligible.js';

/** An inclusive interval of int64 values. */
export interface Range {
  readonly lo: bigint;
  readonly hi: bigint;
}

const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;
/** Longest byte string length the analysis assumes (far above any the kernel holds). */
const MAX_LENGTH = 1n << 53n;
/** Rounds of plain union before a still-growing loop variable is widened to every int64. */
const WIDEN_AFTER = 3;
/** Narrowing passes after the fixpoint. */
const NARROWINGS = 2;

/** Whether every value of the exact interval `[lo, hi]` is an int64 (an operation there cannot overflow). */
export function fitsInt64(lo: bigint, hi: bigint): boolean {
  return lo >= MIN && hi <= MAX;
}

/** `[lo, hi]` cut to int64, or unknown when nothing of it is an int64. */
function clamp(lo: bigint, hi: bigint): Range | undefined {
  const l = lo < MIN ? MIN : lo;
  const h = hi > MAX ? MAX : hi;
  return l <= h ? { lo: l, hi: h } : undefined;
}

const big = (x: bigint): bigint => (x < 0n ? -x : x);
const min2 = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max2 = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The exact interval of `x + y` (it may leave int64). */
export function addRange(x: Range, y: Range): Range {
  return { lo: x.lo + y.lo, hi: x.hi + y.hi };
}

/** The exact interval of `x - y`. */
export function subRange(x: Range, y: Range): Range {
  return { lo: x.lo - y.hi, hi: x.hi - y.lo };
}

/** The exact interval of `x * y`. */
export function mulRange(x: Range, y: Range): Range {
  const c = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi];
  return { lo: c.reduce(min2), hi: c.reduce(max2) };
}

/**
 * Unknown is `undefined` (any int64, or not an int); `null` is "no value" (the node never
 * yields: a `recur`). A join of a value with no value is the value.
 */
type R = Range | undefined | null;

function join(a: R, b: R): R {
  if (a === null) return b;
  if (b === null) return a;
  if (a === undefined || b === undefined) return undefined;
  return { lo: min2(a.lo, b.lo), hi: max2(a.hi, b.hi) };
}

function same(a: R, b: R): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  return a.lo === b.lo && a.hi === b.hi;
}

/** The range of native `name` applied to arguments of ranges `a` (undefined: unknown). */
function nativeRange(name: string, a: readonly R[]): Range | undefined {
  const known = a.every((r): r is Range => r !== undefined && r !== null);
  switch (name) {
    case 'byte-at':
      return { lo: 0n, hi: 255n };
    case 'count':
      return { lo: 0n, hi: MAX_LENGTH };
    case 'rem':
    case 'mod': {
      const y = a[1];
      if (y === undefined || y === null) return undefined;
      // |result| < |divisor| (a zero divisor falls back); rem takes the dividend's sign, mod the divisor's
      const bound = max2(big(y.lo), big(y.hi)) - 1n;
      if (bound < 0n) return undefined;
      if (name === 'mod') {
        if (y.lo > 0n) return { lo: 0n, hi: min2(bound, y.hi - 1n) };
        if (y.hi < 0n) return { lo: max2(-bound, y.lo + 1n), hi: 0n };
        return { lo: -bound, hi: bound };
      }
      const x = a[0];
      if (x === undefined || x === null) return { lo: -bound, hi: bound };
      // and |result| <= |dividend|, of the dividend's sign
      return { lo: max2(-bound, min2(0n, x.lo)), hi: min2(bound, max2(0n, x.hi)) };
    }
    case 'quot': {
      const x = a[0];
      if (x === undefined || x === null) return undefined;
      const m = max2(big(x.lo), big(x.hi));
      return clamp(-m, m);
    }
    case 'abs': {
      const x = a[0];
      if (x === undefined || x === null) return { lo: 0n, hi: MAX };
      if (x.lo >= 0n) return x;
      return clamp(x.hi <= 0n ? -x.hi : 0n, max2(big(x.lo), big(x.hi)));
    }
    case 'inc':
    case 'dec': {
      const x = a[0];
      if (x === undefined || x === null) return undefined;
      const d = name === 'inc' ? 1n : -1n;
      return clamp(x.lo + d, x.hi + d);
    }
    case '+':
    case '-':
    case '*':
    case 'max':
    case 'min': {
      if (!known) return undefined;
      const rs = a as readonly Range[];
      if (rs.length === 0) return name === '*' ? { lo: 1n, hi: 1n } : name === '+' ? { lo: 0n, hi: 0n } : undefined;
      if (name === '-' && rs.length === 1) return clamp(-rs[0]!.hi, -rs[0]!.lo);
      let acc: Range | undefined = rs[0];
      for (const y of rs.slice(1)) {
        if (acc === undefined) return undefined;
        const exact = name === '+' ? addRange(acc, y) : name === '-' ? subRange(acc, y) : name === '*' ? mulRange(acc, y) : name === 'max' ? { lo: max2(acc.lo, y.lo), hi: max2(acc.hi, y.hi) } : { lo: min2(acc.lo, y.lo), hi: min2(acc.hi, y.hi) };
        acc = clamp(exact.lo, exact.hi);
      }
      return acc;
    }
    default:
      return undefined;
  }
}

/** Options of {@link analyzeRanges}. */
export interface RangeOptions {
  /**
   * Seeded bug (the mutant `jit-tier2-range-init`): a loop variable's range is taken from its
   * initial value alone, as if no `recur` changed it.
   */
  readonly loopInitOnly?: boolean;
}

/**
 * The ranges of the int expressions of function `index` of `plan`, by node: an expression
 * missing from the map may be any int64 (or is not an int).
 */
export function analyzeRanges(plan: Plan, index: number, opts: RangeOptions = {}): ReadonlyMap<Node, Range> {
  const fn = plan.fns[index]!;
  const calls = plan.calls;
  /** Each loop's variables, as the analysis currently bounds them. */
  let state = new Map<LoopNode, R[]>();
  /** What the pass in progress saw flow into each loop (initial values and recurs), for narrowing. */
  let incoming = new Map<LoopNode, R[]>();
  let mode: 'ascend' | 'narrow' | 'record' = 'ascend';
  let round = 0;
  let changed = false;
  const recorded = new Map<Node, Range>();
  const env = new Map<number, R>();

  const flowInto = (loop: LoopNode, values: readonly R[]): void => {
    const seen = incoming.get(loop);
    incoming.set(loop, seen === undefined ? [...values] : seen.map((r, i) => join(r, values[i] ?? undefined)));
    if (mode !== 'ascend') return;
    const cur = state.get(loop);
    if (cur === undefined) {
      state.set(loop, [...values]);
      changed = true;
      return;
    }
    cur.forEach((r, i) => {
      let next = join(r, values[i] ?? undefined);
      if (!same(next, r)) {
        if (round >= WIDEN_AFTER) next = undefined;
        cur[i] = next;
        changed = true;
      }
    });
  };

  const ev = (n: Node): R => {
    const r = evalNode(n);
    if (mode === 'record' && r !== undefined && r !== null) {
      const prev = recorded.get(n);
      recorded.set(n, prev === undefined ? r : (join(prev, r) as Range));
    }
    return r;
  };

  const evalNode = (n: Node): R => {
    switch (n.t) {
      case 'const':
        return typeof n.v === 'bigint' ? { lo: n.v, hi: n.v } : undefined;
      case 'local': {
        const r = env.get(n.slot);
        return r === null ? undefined : r;
      }
      case 'do': {
        let last: R = undefined;
        for (const x of n.body) last = ev(x);
        return last;
      }
      case 'if': {
        ev(n.test);
        return join(ev(n.then), ev(n.else));
      }
      case 'let':
      case 'loop': {
        const inits = n.inits.map(ev);
        if (n.t === 'let') {
          n.slots.forEach((s, i) => env.set(s, inits[i] ?? undefined));
          return ev(n.body);
        }
        flowInto(n, inits);
        const bound = state.get(n)!;
        n.slots.forEach((s, i) => env.set(s, bound[i] ?? undefined));
        return ev(n.body);
      }
      case 'recur': {
        const args = n.args.map(ev);
        if (n.loop !== null && opts.loopInitOnly !== true) flowInto(n.loop, args);
        return null;
      }
      case 'call': {
        const args = n.args.map(ev);
        const target = calls.get(n);
        return target?.kind === 'native' ? nativeRange(target.name, args) : undefined;
      }
      default:
        return undefined;
    }
  };

  const pass = (): void => {
    env.clear();
    incoming = new Map();
    ev(fn.arity.body);
  };

  // Ascending rounds until no loop variable's range grows (widened after WIDEN_AFTER rounds).
  for (round = 0; round < 64; round++) {
    changed = false;
    pass();
    if (!changed) break;
  }
  // (Widening ends every growth within a few rounds; should it not have, nothing is known.)
  if (changed) return new Map();
  // Narrowing: each variable bound by what flows into its loop under the current bounds.
  mode = 'narrow';
  for (let k = 0; k < NARROWINGS; k++) {
    pass();
    const next = new Map<LoopNode, R[]>();
    for (const [loop, cur] of state) next.set(loop, incoming.get(loop) ?? cur);
    state = next;
  }
  mode = 'record';
  pass();
  return recorded;
}
