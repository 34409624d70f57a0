/**
 * Operation sequences over several processes, as *raw* operations: each names its actor, atom
 * and target by selectors (an index into the live processes or the actor's table; negative
 * counts from the newest), which `fixup` resolves against a shadow of the state into concrete
 * {@link Op}s. Raw operations shrink well (dropping one never invalidates the others).
 *
 * Besides plain random operations, the generator emits *blocks* that are improbable by chance:
 * contention (an atom shared between two processes both running a `swap!`-heavy program,
 * stepped in a random interleaving — a schedule), ABA histories for `cas`, fork-then-write,
 * capability probes (foreign refs, `share` by a non-creator, dead pids), and malformed input.
 * @module
 */
import fc from 'fast-check';
import type { OpName } from '../../spec/Kernel.js';
import type { LoadEncoding } from './binaryLoads.js';
import { opValueArb, POOL, poolValueArb, spell, valueProgramArb } from './ednValues.js';
import { builtinProgram, deepProgram, durableProgram, formProgram, hotNumericProgram, Prng, processProgram, PROGRAM_TEMPLATES } from './programs.js';

/** A deliberate misuse the fixup keeps (every kernel must refuse it alike). */
export type Probe = 'none' | 'foreign-ref' | 'unissued-ref' | 'dead-pid' | 'non-creator';

/** How `fixup` chooses a `cas` stamp. */
export type StampChoice = 'current' | 'previous' | 'aba' | 'future';

/** Malformed-input variants. */
export type Malformed = 'unknown-op' | 'bad-edn' | 'bad-field' | 'missing-field' | 'garbage';

/** One raw operation (see the module doc). */
export interface RawOp {
  /** The operation, or `malformed`. */
  readonly op: OpName | 'malformed';
  /** Actor selector: index into live processes (negative: from the newest). */
  readonly actor: number;
  /** Target-process selector (for `share`). */
  readonly other: number;
  /** Atom selector: index into the actor's refs (negative: from the newest). */
  readonly pick: number;
  /** A deliberate misuse, or `none`. */
  readonly probe: Probe;
  /** The value written (EDN). */
  readonly value: string;
  /** A second value (compare-and-set's expected value when not taken from the state). */
  readonly value2: string;
  /** compare-and-set!: expect the current value (same or other spelling), or `value2`. */
  readonly expected: 'current' | 'variant' | 'other';
  /** cas: which stamp to use. */
  readonly stamp: StampChoice;
  /** Index into {@link FN_POOL} (swap) or {@link VALIDATOR_POOL} (setValidator). */
  readonly fn: number;
  /** Index into {@link WATCH_KEYS}. */
  readonly key: number;
  /** Register number for `hold`. */
  readonly reg: number;
  /** A program template for `load` (blocks); otherwise one is generated from `programSeed`. */
  readonly program: string | null;
  /** Seed of a generated program (see `generateProgram`), used when `program` is null. */
  readonly programSeed: number;
  /** How `load` carries its program: text, or binary (canonical, non-canonical or corrupt; see `binaryLoads.ts`). */
  readonly encoding: LoadEncoding;
  /** The kind of malformed input, for `op: 'malformed'`. */
  readonly malformed: Malformed;
  /**
   * `step`/`run`: the k-th process a program created since the shadow's last (1 = the first):
   * the process the shadow would number next, plus k - 1 (programs number their children in
   * order; the shadow does not run programs, so the guess may name no process). 0: use `actor`.
   */
  readonly spawned?: number;
}

/** Functions for `swap`/`swapVals`. */
export const FN_POOL: readonly string[] = [
  '(fn [x] x)',
  '(fn [x] (if (= x 1) 0 1))',
  '(fn [v] (conj v 7))',
  '(fn [m] (assoc m :k 1))',
  '(fn [x] (+ x 1))',
  '(fn [x] [x x])',
  '(fn [v] (nth v 1))',
  '(fn [x] :a)',
];

/** Validators for `setValidator` (`null` clears). */
export const VALIDATOR_POOL: readonly (string | null)[] = ['(fn [x] (if (= x 1) false true))', '(fn [x] (if (= x :a) false true))', '(fn [x] true)', null, '(fn [x] (if (= x [1 2]) false true))'];

/** Watch keys: equal keys in different shapes on purpose (`[1 2]` and `(1 2)`). */
export const WATCH_KEYS: readonly string[] = [':w', '[1 2]', '(1 2)', '"k"', ':w2'];

/** Default weights of each operation in random sequences. */
export const OP_WEIGHTS: Readonly<Record<OpName, number>> = {
  spawn: 3,
  fork: 4,
  exit: 2,
  atom: 8,
  deref: 6,
  reset: 6,
  cas: 6,
  compareAndSet: 5,
  swap: 4,
  swapVals: 2,
  resetVals: 3,
  setValidator: 3,
  addWatch: 3,
  removeWatch: 2,
  share: 6,
  hold: 2,
  gc: 2,
  gcStep: 2,
  load: 3,
  step: 5,
  run: 2,
};

const base: RawOp = {
  op: 'gc',
  actor: 0,
  other: 0,
  pick: -1,
  probe: 'none',
  value: '0',
  value2: '0',
  expected: 'current',
  stamp: 'current',
  fn: 0,
  key: 0,
  reg: 0,
  program: null,
  programSeed: 0,
  encoding: 'text',
  malformed: 'unknown-op',
};

/** A raw op with defaults for the fields not given. */
export function raw(fields: Partial<RawOp> & { op: RawOp['op'] }): RawOp {
  return { ...base, ...fields };
}

const selectorArb = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 5 }) }, { weight: 2, arbitrary: fc.integer({ min: -3, max: -1 }) });

function rawOpArb(ops: readonly OpName[]): fc.Arbitrary<RawOp> {
  const weighted = ops.filter((o) => OP_WEIGHTS[o] > 0).map((o) => ({ weight: OP_WEIGHTS[o], arbitrary: fc.constant(o) }));
  return fc.record({
    op: fc.oneof(...weighted),
    actor: selectorArb,
    other: selectorArb,
    pick: selectorArb,
    probe: fc.oneof({ weight: 12, arbitrary: fc.constant<Probe>('none') }, { weight: 1, arbitrary: fc.constantFrom<Probe>('foreign-ref', 'unissued-ref', 'dead-pid', 'non-creator') }),
    value: opValueArb,
    value2: poolValueArb,
    expected: fc.constantFrom('current', 'variant', 'other'),
    stamp: fc.constantFrom<StampChoice>('current', 'current', 'previous', 'aba', 'future'),
    fn: fc.nat({ max: 20 }),
    key: fc.nat({ max: 20 }),
    reg: fc.nat({ max: 3 }),
    program: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: valueProgramArb }),
    programSeed: fc.nat(),
    encoding: fc.oneof({ weight: 8, arbitrary: fc.constant<LoadEncoding>('text') }, { weight: 4, arbitrary: fc.constant<LoadEncoding>('binary') }, { weight: 1, arbitrary: fc.constantFrom<LoadEncoding>('non-canonical', 'corrupt') }),
    malformed: fc.constantFrom<Malformed>('unknown-op', 'bad-edn', 'bad-field', 'missing-field', 'garbage'),
  });
}

/** Contention: P shares an atom with a new process; both run increment programs, interleaved. */
const contentionBlockArb: fc.Arbitrary<RawOp[]> = fc
  .tuple(fc.constantFrom(0, 1, 2), fc.array(fc.boolean(), { minLength: 4, maxLength: 14 }))
  .map(([t, schedule]) => {
    const program = PROGRAM_TEMPLATES[t]!;
    return [
      raw({ op: 'atom', actor: 0, value: '0' }),
      raw({ op: 'spawn', actor: 0 }),
      raw({ op: 'share', actor: 0, pick: -1, other: -1 }),
      raw({ op: 'load', actor: 0, program }),
      raw({ op: 'load', actor: -1, program }),
      ...schedule.map((first) => raw({ op: 'step', actor: first ? 0 : -1 })),
    ];
  });

/** ABA: write v, w, v again, then `cas` with the first stamp (stale, but the value matches). */
const abaBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.constantFrom(...POOL), fc.constantFrom(...POOL), fc.boolean()).map(([v, w, variant]) => [
  raw({ op: 'atom', actor: 0, value: spell(v, false) }),
  raw({ op: 'reset', actor: 0, pick: -1, value: spell(w, false) }),
  raw({ op: 'reset', actor: 0, pick: -1, value: spell(v, variant) }),
  raw({ op: 'cas', actor: 0, pick: -1, stamp: 'aba', value: ':aba' }),
]);

/** Fork then write on both sides, then observe (fork isolation). */
const forkBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(opValueArb, opValueArb).map(([v, w]) => [
  raw({ op: 'atom', actor: 0, value: v }),
  raw({ op: 'fork', actor: 0 }),
  raw({ op: 'reset', actor: -1, pick: -1, value: w }),
  raw({ op: 'swap', actor: -1, pick: -1, fn: 2 }),
  raw({ op: 'deref', actor: 0, pick: -1 }),
]);

/** A validator, then writes that it rejects, with a watch on the atom. */
const validatorBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.nat({ max: 4 }), fc.constantFrom('1', ':a', '[1 2]')).map(([key, bad]) => [
  raw({ op: 'atom', actor: 0, value: '0' }),
  raw({ op: 'addWatch', actor: 0, pick: -1, key }),
  raw({ op: 'setValidator', actor: 0, pick: -1, fn: 0 }),
  raw({ op: 'setValidator', actor: 0, pick: -1, fn: 1 }),
  raw({ op: 'reset', actor: 0, pick: -1, value: bad }),
  raw({ op: 'resetVals', actor: 0, pick: -1, value: bad }),
  raw({ op: 'reset', actor: 0, pick: -1, value: '2' }),
  raw({ op: 'removeWatch', actor: 0, pick: -1, key: key === 1 ? 2 : key === 2 ? 1 : key }),
  raw({ op: 'reset', actor: 0, pick: -1, value: '3' }),
]);

/** Capability probes: a received atom shared onward, foreign refs, dead pids. */
const probeBlockArb: fc.Arbitrary<RawOp[]> = fc.constantFrom<Probe>('foreign-ref', 'non-creator', 'dead-pid', 'unissued-ref').map((probe) => [
  raw({ op: 'atom', actor: 0, value: '[1 2]' }),
  raw({ op: 'spawn', actor: 0 }),
  raw({ op: 'share', actor: 0, pick: -1, other: -1 }),
  raw({ op: 'share', actor: -1, pick: -1, other: 0, probe: 'non-creator' }),
  raw({ op: 'reset', actor: -1, pick: 0, probe, value: ':stolen' }),
  raw({ op: 'deref', actor: -1, pick: 0, probe }),
]);

/**
 * Held values in several registers, garbage and collections, one register cleared, a fork (the
 * child holds what the parent held) that overwrites one of its own, then the holder reads them
 * back from a program. Registers are part of the observation, so every step is compared.
 */
const registerBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(opValueArb, opValueArb, fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 })).map(([v, w, reg, reg2, cleared]) => [
  raw({ op: 'hold', actor: 0, reg, value: v }),
  raw({ op: 'hold', actor: 0, reg: reg2, value: w }),
  raw({ op: 'atom', actor: 0, value: '[9 9 9]' }),
  raw({ op: 'gc' }),
  raw({ op: 'fork', actor: 0 }),
  raw({ op: 'hold', actor: -1, reg: cleared, pick: 0 }),
  raw({ op: 'hold', actor: 0, reg: cleared, value: '[7 7]' }),
  raw({ op: 'atom', actor: 0, value: '[8 8 8]' }),
  raw({ op: 'gcStep' }),
  raw({ op: 'load', actor: 0, program: '[(held 0) (held 1) (held 2) (held 3) (deref $A)]' }),
  raw({ op: 'run', actor: 0 }),
]);

/**
 * The collector moving values under two processes: each stores fresh composite values into an
 * atom of its own, collector slices run between the stores, and each reads its atom back — on a
 * multi-core memory model the processes and the collector run on different cores, so an
 * evacuated copy must be visible before its handle is.
 */
const evacuationBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.integer({ min: 4, max: 12 }), fc.nat(1000), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 12, maxLength: 12 })).map(([n, base, slices]) => [
  raw({ op: 'spawn', actor: 0 }),
  raw({ op: 'atom', actor: 0, value: '[0]' }),
  raw({ op: 'atom', actor: -1, value: '{:k 0}' }),
  ...Array.from({ length: n }, (_, i) => [
    raw({ op: 'reset', actor: i % 2 === 0 ? 0 : -1, pick: -1, value: i % 2 === 0 ? `[${base + i} "s${i}" {:k ${i}}]` : `{:k ${base + i} :v [${i} "t${i}"]}` }),
    ...Array.from({ length: slices[i]! }, () => raw({ op: 'gcStep' })),
    raw({ op: 'deref', actor: i % 2 === 0 ? -1 : 0, pick: -1 }),
  ]).flat(),
]);

/** Durable atoms: two processes open durable atoms (often the same name), write and query them, interleaved. */
const durableBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 2, maxLength: 10 })).map(([first, second, schedule]) => [
  raw({ op: 'spawn', actor: 0 }),
  raw({ op: 'load', actor: 0, program: durableProgram(new Prng(first)) }),
  raw({ op: 'load', actor: -1, program: durableProgram(new Prng(second)) }),
  ...schedule.map((p0) => raw({ op: 'step', actor: p0 ? 0 : -1 })),
  raw({ op: 'run', actor: 0 }),
  raw({ op: 'run', actor: -1 }),
]);

/** Loads `program` into process 0 and runs it to the end, one step first when `stepFirst`. */
function loadAndRun(program: string, stepFirst: boolean): RawOp[] {
  return [raw({ op: 'load', actor: 0, program }), ...(stepFirst ? [raw({ op: 'step', actor: 0 })] : []), raw({ op: 'run', actor: 0 })];
}

/** A hand-written program (one semantic point each) run to completion over two fresh atoms. */
const templateBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.constantFrom(...PROGRAM_TEMPLATES), opValueArb, fc.boolean()).map(([program, v, stepFirst]) => [
  raw({ op: 'atom', actor: 0, value: v }),
  raw({ op: 'atom', actor: 0, value: '[1 2]' }),
  ...loadAndRun(program, stepFirst),
]);

/**
 * Calls of every built-in on edge values (`builtinProgram`), run to the end over a fresh atom:
 * the answer holds each call's result or error kind, so a kernel's own version of a built-in is
 * held to the language's definition.
 */
const builtinBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.noBias(fc.nat()), opValueArb).map(([seed, v]) => [raw({ op: 'atom', actor: 0, value: v }), ...loadAndRun(builtinProgram(new Prng(seed)), false)]);

/**
 * A generated program over a fresh atom, run to the end (now and then one step first): uses of
 * every form of the language in each variant of its grammar (`formProgram`: a kernel's evaluator
 * is held to the language's definition) or hot numeric functions (`hotNumericProgram`: its
 * compiled code is).
 */
const generatedBlockArb = (generate: (r: Prng) => string): fc.Arbitrary<RawOp[]> =>
  fc.tuple(fc.noBias(fc.nat()), opValueArb, fc.boolean()).map(([seed, v, stepFirst]) => [raw({ op: 'atom', actor: 0, value: v }), ...loadAndRun(generate(new Prng(seed)), stepFirst)]);

/**
 * Uses of every kernel call (`processProgram`), across processes above all, run (now and then
 * one step first), then the processes it made run in turn, each followed by process 0 again: a
 * kernel's handling of each call is held to the reference's.
 */
const processBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.noBias(fc.nat()), fc.boolean(), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 })).map(([seed, stepFirst, children]) => [
  ...loadAndRun(processProgram(new Prng(seed)), stepFirst),
  // a `run` runs its process alone, so a program joining a child waits (`join would block`)
  // until an operation runs that child: run the children it made, resuming it after each
  ...children.flatMap((k) => [raw({ op: 'run', actor: 0, spawned: k }), raw({ op: 'run', actor: 0 })]),
]);

/**
 * A deeply nested value built by a program and run to the end (`deepProgram`: stored, compared,
 * hashed, printed), observed once in the register it is held in, then dropped (every later
 * observation would walk it again).
 */
const deepValueBlockArb: fc.Arbitrary<RawOp[]> = fc.nat().map((seed) => [
  raw({ op: 'atom', actor: 0, value: '0' }),
  raw({ op: 'load', actor: 0, program: deepProgram(new Prng(seed)) }),
  raw({ op: 'run', actor: 0 }),
  raw({ op: 'deref', actor: 0, pick: -1 }),
  ...[0, 1, 2].map((reg) => raw({ op: 'hold', actor: 0, reg, pick: 0 })),
]);

/**
 * Equal values in different shapes: compare-and-set and watch keys must treat them as equal, and
 * maps keyed by each spelling (sharing a key set by equality) must keep their own spelling
 * through collections that re-encode maps sharing a key set.
 */
const equalShapesBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.constantFrom(...POOL.filter((v) => v.t === 'vec' || v.t === 'map' || v.t === 'set' || v.t === 'dbl')), opValueArb).map(([v, w]) => [
  raw({ op: 'atom', actor: 0, value: spell(v, false) }),
  raw({ op: 'compareAndSet', actor: 0, pick: -1, expected: 'other', value2: spell(v, true), value: w }),
  raw({ op: 'atom', actor: 0, value: spell(v, true) }),
  raw({ op: 'compareAndSet', actor: 0, pick: -1, expected: 'other', value2: spell(v, false), value: spell(v, true) }),
  raw({ op: 'deref', actor: 0, pick: -1 }),
  raw({ op: 'atom', actor: 0, value: `{${spell(v, false)} 1 :k 0}` }),
  raw({ op: 'atom', actor: 0, value: `{${spell(v, true)} 2 :k 0}` }),
  raw({ op: 'gc', actor: 0 }),
  raw({ op: 'gc', actor: 0 }),
]);

/**
 * Many live atoms holding sizeable values (121 cells each): from 17 of them on, a process holds
 * more than the mutant campaigns' heap quota of 2,000 cells and must run out of it.
 */
const allocationBlockArb: fc.Arbitrary<RawOp[]> = fc.tuple(fc.integer({ min: 8, max: 24 }), fc.integer({ min: 0, max: 1000 })).map(([n, base]) =>
  Array.from({ length: n }, (_, i) => raw({ op: 'atom', actor: 0, value: `[${Array.from({ length: 40 }, (_, j) => `[${base + i} ${j}]`).join(' ')}]` })),
);

/**
 * A program carried as binary (canonical, or now and then non-canonical or corrupt): its code
 * holds a value with every form of the binary format, or an adversarial one, which it returns,
 * writes into an atom and holds, so what the kernel's decoder made of it is compared.
 */
const binaryLoadBlockArb: fc.Arbitrary<RawOp[]> = fc
  .tuple(valueProgramArb, fc.oneof({ weight: 4, arbitrary: fc.constant<LoadEncoding>('binary') }, { weight: 1, arbitrary: fc.constantFrom<LoadEncoding>('non-canonical', 'corrupt') }), fc.nat(), fc.boolean())
  .map(([program, encoding, programSeed, stepFirst]) => [
    raw({ op: 'atom', actor: 0, value: '0' }),
    raw({ op: 'load', actor: 0, program, encoding, programSeed }),
    ...(stepFirst ? [raw({ op: 'step', actor: 0 })] : []),
    raw({ op: 'run', actor: 0 }),
  ]);

/** Which block kinds need which ops (a block is generated only when all of them are selected). */
const BLOCKS: readonly { readonly needs: readonly OpName[]; readonly arb: fc.Arbitrary<RawOp[]>; readonly weight?: number }[] = [
  { needs: ['atom', 'spawn', 'share', 'load', 'step'], arb: contentionBlockArb },
  { needs: ['atom', 'reset', 'cas'], arb: abaBlockArb },
  { needs: ['atom', 'fork', 'reset', 'deref'], arb: forkBlockArb },
  { needs: ['atom', 'addWatch', 'setValidator', 'reset', 'resetVals', 'removeWatch'], arb: validatorBlockArb },
  { needs: ['atom', 'spawn', 'share', 'reset', 'deref'], arb: probeBlockArb },
  { needs: ['hold', 'atom', 'gc', 'gcStep', 'fork'], arb: registerBlockArb },
  { needs: ['atom', 'load', 'step', 'run'], arb: templateBlockArb },
  { needs: ['atom', 'load', 'run'], arb: builtinBlockArb, weight: 6 },
  { needs: ['atom', 'load', 'step', 'run'], arb: generatedBlockArb(formProgram), weight: 3 },
  { needs: ['atom', 'load', 'step', 'run'], arb: generatedBlockArb(hotNumericProgram), weight: 1 },
  { needs: ['load', 'step', 'run'], arb: processBlockArb, weight: 4 },
  // a quarter as often as the others: a deep value costs every kernel a walk per step
  { needs: ['atom', 'load', 'run', 'deref'], arb: deepValueBlockArb, weight: 1 },
  { needs: ['spawn', 'load', 'step', 'run'], arb: durableBlockArb },
  { needs: ['atom', 'compareAndSet', 'deref', 'gc'], arb: equalShapesBlockArb },
  { needs: ['atom'], arb: allocationBlockArb },
  { needs: ['spawn', 'atom', 'reset', 'gcStep', 'deref'], arb: evacuationBlockArb },
  { needs: ['atom', 'load', 'run'], arb: binaryLoadBlockArb },
];

/** Options of {@link rawCaseArb}. */
export interface RawCaseOptions {
  /** The operations allowed (all selected kernels support them). */
  readonly ops: readonly OpName[];
  /** Most segments per case. */
  readonly maxSegments?: number;
  /** Whether to emit malformed operations. */
  readonly malformed?: boolean;
}

/**
 * A raw case: a list of segments (runs of random ops, or blocks), flattened. Blocks needing an
 * op that is not allowed are not generated (their ops would be removed by fixup anyway).
 */
export function rawCaseArb(options: RawCaseOptions): fc.Arbitrary<RawOp[]> {
  const allowed = new Set(options.ops);
  // Weights in quarters: a block's is 4 unless it says otherwise.
  const blocks = BLOCKS.filter((b) => b.needs.every((o) => allowed.has(o))).map((b) => ({ weight: b.weight ?? 4, arbitrary: b.arb }));
  const random = rawOpArb(options.ops);
  const segments: { weight: number; arbitrary: fc.Arbitrary<RawOp[]> }[] = [{ weight: 12, arbitrary: fc.array(random, { minLength: 1, maxLength: 16 }) }, ...blocks];
  if (options.malformed !== false) segments.push({ weight: 4, arbitrary: fc.tuple(fc.constantFrom<Malformed>('unknown-op', 'bad-edn', 'bad-field', 'missing-field', 'garbage'), fc.nat({ max: 20 })).map(([m, fn]) => [raw({ op: 'malformed', malformed: m, fn })]) });
  return fc.array(fc.oneof(...segments), { minLength: 1, maxLength: options.maxSegments ?? 16 }).map((segs) => segs.flat());
}
