/**
 * `fixup`: repairs a raw generated case into a concrete, valid one for the selected kernels.
 * It resolves actor/atom/target selectors against a shadow of the state (live pids, each
 * process's refs, creators, stamps), fills program holes with refs, keeps deliberate probes,
 * and drops operations some selected kernel does not support. Everything it changes beyond
 * resolving selectors is listed in the case's `fixups` (never silent). A `load` whose raw op asks
 * for a binary encoding carries its program (holes filled) as a blob (`binaryLoads.ts`).
 *
 * The shadow is approximate by design (it does not run programs or validators): a fixed-up op
 * is always well-formed, not always successful.
 * @module
 */
import { binaryLoad } from './binaryLoads.js';
import { FUZZ_CASE_VERSION, type CaseOp, type FuzzCase } from './case.js';
import { FN_POOL, VALIDATOR_POOL, WATCH_KEYS, type RawOp } from './ops.js';
import { generateProgram } from './programs.js';
import { DEFAULT_QUOTAS, type OpName, type Pid, type Quotas, type Ref } from '../../spec/Kernel.js';

/** Malformed EDN texts every kernel must refuse with `bad-input`. */
export const BAD_EDN: readonly string[] = ['{:a', '[1 2', '#bytes "zz"', '9223372036854775808', '{:a 1 :a 2}', '', ')', '"unterminated', '#{1 1}', '1.5M'];

/** Binary-looking garbage (as text): every kernel must treat it alike (mostly `bad-input`). */
export const GARBAGE: readonly string[] = ['\u0000\u0001\u00ff\u00fe', '\u00d9\u00d9\u00f7{', '#\u0000', '\ud800', '"\u0000', '#_', '\\', '^:meta x'];

interface ShadowAtom {
  creator: Pid;
  shared: boolean;
  stamp: number;
  /** Value spellings by stamp (null when unknown to the shadow). */
  history: (string | null)[];
}

/** The result of {@link fixup}. */
export interface FixedCase {
  /** The concrete case. */
  readonly case: FuzzCase;
  /** What was changed (also stored in `case.fixups`). */
  readonly notes: readonly string[];
}

/** Options of {@link fixup}. */
export interface FixupOptions {
  /** The case seed, stored in the case. */
  readonly seed: number;
  /** The kernels the case is for. */
  readonly kernels: readonly string[];
  /** Operations every selected kernel supports. */
  readonly supports: ReadonlySet<OpName>;
  /** Quotas to store in the case. */
  readonly quotas?: Partial<Quotas>;
}

function sel<T>(xs: readonly T[], i: number): T | undefined {
  if (xs.length === 0) return undefined;
  const n = xs.length;
  return xs[(((i % n) + n) % n) as number];
}

/** Repairs `raws` into a concrete case (see the module doc). Deterministic. */
export function fixup(raws: readonly RawOp[], options: FixupOptions): FixedCase {
  const live: Pid[] = [0];
  const dead: Pid[] = [];
  const tables = new Map<Pid, Map<Ref, number>>([[0, new Map()]]);
  const atoms: ShadowAtom[] = [];
  const loaded = new Set<Pid>();
  let nextPid = 1;
  let nextRef = 0;
  const ops: CaseOp[] = [];
  const dropped = new Map<string, number>();
  const kept: string[] = [];

  const refsOf = (p: Pid): Ref[] => [...(tables.get(p)?.keys() ?? [])].sort((a, b) => a - b);
  const pid = (i: number): Pid => sel(live, i) ?? (dead[0] ?? 0);

  function ref(actor: Pid, r: RawOp): Ref {
    const own = refsOf(actor);
    if (r.probe === 'foreign-ref' || own.length === 0) {
      const foreign: Ref[] = [];
      for (const [p, t] of tables) if (p !== actor) for (const x of t.keys()) if (!tables.get(actor)?.has(x)) foreign.push(x);
      if (foreign.length > 0) return sel(foreign, r.pick)!;
      return nextRef + 1 + Math.abs(r.pick % 3);
    }
    if (r.probe === 'unissued-ref') return nextRef + 1 + Math.abs(r.pick % 3);
    return sel(own, r.pick)!;
  }

  function atomOf(p: Pid, x: Ref): ShadowAtom | undefined {
    const id = tables.get(p)?.get(x);
    return id === undefined ? undefined : atoms[id];
  }

  function wrote(a: ShadowAtom | undefined, text: string | null): void {
    if (a === undefined) return;
    a.stamp += 1;
    a.history.push(text);
  }

  function fillHoles(program: string, actor: Pid): string {
    const own = refsOf(actor);
    const at = (i: number): string => (own.length === 0 ? '(atom 0)' : `#atom ${sel(own, i)!}`);
    return program
      .replaceAll('$A', at(-1))
      .replaceAll('$B', at(-2))
      .replaceAll('$C', at(0))
      .replaceAll('$DEPTH', String(options.quotas?.stackDepth ?? DEFAULT_QUOTAS.stackDepth));
  }

  for (const r of raws) {
    if (r.op === 'malformed') {
      const actor = pid(r.actor);
      const x = refsOf(actor)[0] ?? 0;
      switch (r.malformed) {
        case 'unknown-op':
          ops.push({ op: 'frobnicate', pid: actor });
          break;
        case 'bad-edn':
          ops.push(options.supports.has('reset') && refsOf(actor).length > 0 ? { op: 'reset', pid: actor, ref: x, value: sel(BAD_EDN, r.fn)! } : { op: 'atom', pid: actor, value: sel(BAD_EDN, r.fn)! });
          break;
        case 'bad-field':
          ops.push({ op: 'deref', pid: actor, ref: sel([-1, 1.5, '0', null], r.fn) as number });
          break;
        case 'garbage':
          // binary-looking garbage where EDN text (a value or a whole program) is expected
          ops.push(r.fn % 2 === 0 || !options.supports.has('load') ? { op: 'atom', pid: actor, value: sel(GARBAGE, r.fn)! } : { op: 'load', pid: actor, program: sel(GARBAGE, r.fn)! });
          break;
        case 'missing-field':
          ops.push({ op: 'atom', pid: actor } as unknown as CaseOp);
          break;
      }
      continue;
    }
    if (!options.supports.has(r.op)) {
      dropped.set(r.op, (dropped.get(r.op) ?? 0) + 1);
      continue;
    }
    const actor = r.probe === 'dead-pid' ? (sel(dead, r.actor) ?? nextPid + 2) : pid(r.actor);
    const alive = live.includes(actor);
    switch (r.op) {
      case 'spawn':
      case 'fork': {
        ops.push({ op: r.op, pid: actor });
        if (!alive) break;
        const child = nextPid++;
        const table = new Map<Ref, number>();
        if (r.op === 'fork') {
          for (const [x, id] of tables.get(actor)!) {
            const a = atoms[id]!;
            if (a.shared) table.set(x, id);
            else {
              atoms.push({ creator: child, shared: false, stamp: a.stamp, history: [...a.history] });
              table.set(x, atoms.length - 1);
            }
          }
          if (loaded.has(actor)) loaded.add(child);
        }
        tables.set(child, table);
        live.push(child);
        break;
      }
      case 'exit': {
        if (alive && live.length === 1) {
          kept.push('an exit of the last live process became a deref');
          ops.push({ op: 'deref', pid: actor, ref: ref(actor, r) });
          break;
        }
        ops.push({ op: 'exit', pid: actor });
        if (alive) {
          live.splice(live.indexOf(actor), 1);
          dead.push(actor);
          tables.delete(actor);
          loaded.delete(actor);
        }
        break;
      }
      case 'atom':
        ops.push({ op: 'atom', pid: actor, value: r.value });
        if (alive) {
          atoms.push({ creator: actor, shared: false, stamp: 0, history: [r.value] });
          tables.get(actor)!.set(nextRef++, atoms.length - 1);
        }
        break;
      case 'deref':
        ops.push({ op: 'deref', pid: actor, ref: ref(actor, r) });
        break;
      case 'reset':
      case 'resetVals': {
        const x = ref(actor, r);
        ops.push({ op: r.op, pid: actor, ref: x, value: r.value });
        if (alive) wrote(atomOf(actor, x), r.value);
        break;
      }
      case 'cas': {
        const x = ref(actor, r);
        const a = alive ? atomOf(actor, x) : undefined;
        let stamp = a?.stamp ?? 0;
        if (a !== undefined) {
          if (r.stamp === 'previous') stamp = Math.max(0, a.stamp - 1);
          else if (r.stamp === 'future') stamp = a.stamp + 1;
          else if (r.stamp === 'aba') {
            const cur = a.history[a.stamp];
            let s = a.stamp - 1;
            while (s >= 0 && (cur === null || a.history[s] !== cur)) s--;
            stamp = s >= 0 ? s : Math.max(0, a.stamp - 1);
          }
        }
        ops.push({ op: 'cas', pid: actor, ref: x, stamp, value: r.value });
        if (a !== undefined && stamp === a.stamp) wrote(a, r.value);
        break;
      }
      case 'compareAndSet': {
        const x = ref(actor, r);
        const a = alive ? atomOf(actor, x) : undefined;
        const cur = a?.history[a.stamp] ?? null;
        const expected = r.expected !== 'other' && cur !== null ? cur : r.value2;
        ops.push({ op: 'compareAndSet', pid: actor, ref: x, expected, value: r.value });
        if (a !== undefined && cur !== null && expected === cur) wrote(a, r.value);
        break;
      }
      case 'swap':
      case 'swapVals': {
        const x = ref(actor, r);
        ops.push({ op: r.op, pid: actor, ref: x, fn: sel(FN_POOL, r.fn)! });
        if (alive) wrote(atomOf(actor, x), null);
        break;
      }
      case 'setValidator':
        ops.push({ op: 'setValidator', pid: actor, ref: ref(actor, r), fn: sel(VALIDATOR_POOL, r.fn)! });
        break;
      case 'addWatch':
      case 'removeWatch':
        ops.push({ op: r.op, pid: actor, ref: ref(actor, r), key: sel(WATCH_KEYS, r.key)! });
        break;
      case 'share': {
        let from = actor;
        let x: Ref | undefined;
        if (r.probe === 'non-creator') {
          const candidates: [Pid, Ref][] = [];
          for (const p of live) for (const [y, id] of tables.get(p)!) if (atoms[id]!.creator !== p) candidates.push([p, y]);
          const c = sel(candidates, r.pick);
          if (c !== undefined) [from, x] = c;
        }
        if (x === undefined) {
          const own = refsOf(actor).filter((y) => atomOf(actor, y)?.creator === actor);
          x = own.length > 0 && r.probe === 'none' ? sel(own, r.pick)! : ref(actor, r);
        }
        const to = sel(live, r.other) ?? 0;
        ops.push({ op: 'share', pid: from, ref: x, to });
        const a = live.includes(from) ? atomOf(from, x) : undefined;
        if (a !== undefined && a.creator === from) {
          a.shared = true;
          const id = tables.get(from)!.get(x)!;
          const target = tables.get(to)!;
          if (![...target.values()].includes(id)) target.set(nextRef++, id);
        }
        break;
      }
      case 'hold':
        ops.push({ op: 'hold', pid: actor, reg: r.reg, value: r.pick % 4 === 0 ? null : r.value });
        break;
      case 'gc':
      case 'gcStep':
        ops.push({ op: r.op });
        break;
      case 'load': {
        const text = fillHoles(r.program ?? generateProgram(r.programSeed), actor);
        const bin = binaryLoad(text, r.encoding, r.programSeed);
        ops.push(bin === null ? { op: 'load', pid: actor, program: text } : { op: 'load', pid: actor, program: bin.program, binary: bin.binary });
        if (alive) loaded.add(actor);
        // the program may write any of the actor's atoms: the shadow forgets their values
        for (const x of refsOf(actor)) atomOf(actor, x)!.history[atomOf(actor, x)!.stamp] = null;
        break;
      }
      case 'step':
      case 'run': {
        const withProgram = live.filter((p) => loaded.has(p));
        const p = r.spawned !== undefined && r.spawned > 0 ? nextPid + r.spawned - 1 : r.actor >= 0 || withProgram.length === 0 ? actor : (sel(withProgram, r.actor) ?? actor);
        ops.push({ op: r.op, pid: p });
        if (r.op === 'run') loaded.delete(p);
        break;
      }
    }
  }
  const notes: string[] = [];
  if (dropped.size > 0) notes.push(`dropped unsupported ops: ${[...dropped].map(([o, n]) => `${o}×${n}`).join(', ')}`);
  for (const k of new Set(kept)) notes.push(k);
  const c: FuzzCase = {
    version: FUZZ_CASE_VERSION,
    seed: options.seed,
    kernels: options.kernels,
    ...(options.quotas !== undefined ? { quotas: options.quotas } : {}),
    ops,
    ...(notes.length > 0 ? { fixups: notes } : {}),
  };
  return { case: c, notes };
}
