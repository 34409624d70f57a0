/**
 * TypeScript mirror of `spec/tla/Capabilities.tla`: capabilities and the authority of code
 * (docs/adr/0003, docs/adr/0024). A process reaches only the atoms in its own table; only an
 * atom's creator may share it; a validator or watch runs as its owner (the process that installed
 * it) and is charged to the owner's tree; exit revokes a process's table and callbacks; only a
 * parent may join; a tree has at most `MaxTreeProcs` live processes.
 *
 * Same variables, actions and invariants as the TLA+ module; pure functions over immutable
 * states. Processes are `1..NumProcs` (arrays over processes are indexed `p - 1`; sets of
 * processes are bitmasks, bit `p - 1`); `0` is `NoProc`.
 * @module
 */
import type { ModelConstants, SpecAction, SpecInstance, SpecModule } from './SpecModule.js';
import {
  choiceConstant, expectConstantNames, intConstant, setAt, tlaIntFn, tlaIntSet, tlaRangeFn, tlaRecord, type TlaJson,
} from './MirrorSupport.js';

/** The seeded bugs `Capabilities.tla` knows (`"none"` in normal models), each breaking one invariant. */
export const CAPABILITIES_BUGS = [
  'none',
  'share-by-non-creator',
  'deref-any-ref',
  'watch-runs-as-writer',
  'validator-runs-as-writer',
  'foreign-code-charged-to-writer',
  'join-any-process',
  'no-process-limit',
  'exit-keeps-callbacks',
] as const;
/** A seeded bug of `Capabilities.tla`. */
export type CapabilitiesBug = (typeof CAPABILITIES_BUGS)[number];

/** The two kinds of callback (`Kinds` in the TLA+ module). */
export const CALLBACK_KINDS = ['validator', 'watch'] as const;
/** A kind of callback. */
export type CallbackKind = (typeof CALLBACK_KINDS)[number];

/** `NoProc`: no process (no parent, no tree, no owner, no join). */
export const NO_PROC = 0;

/** The constants of a Capabilities model (the cfg's `CONSTANTS`). */
export interface CapabilitiesConstants {
  /** Process ids are `1..NumProcs`; process 1 is live at the start. */
  readonly NumProcs: number;
  /** Bound on refs ever issued. */
  readonly MaxRefs: number;
  /** Bound on atoms ever created. */
  readonly MaxAtoms: number;
  /** Bound on live processes per tree (the quota `treeProcesses`). */
  readonly MaxTreeProcs: number;
  /** The seeded bug. */
  readonly Bug: CapabilitiesBug;
}

/** The kinds of step the auxiliary variable `step` records (`Acts`); `"none"` for every other action. */
export const STEP_ACTS = ['none', 'Access', 'Join', 'CallbackWrite', 'CallbackShare'] as const;
/** A kind of recorded step. */
export type StepAct = (typeof STEP_ACTS)[number];

/**
 * The auxiliary variable `step`: what the invariants need of the step just taken. Unused fields
 * hold `NoProc` (0), `NoRef` (`MaxRefs`) or `NoAtom` (`MaxAtoms`).
 */
export interface Step {
  /** Which kind of step (`"none"`: nothing to check). */
  readonly act: StepAct;
  /** `Access`: the accessing process; `Join`: the joiner; callbacks: the callback's owner. */
  readonly by: number;
  /** `Join`: the joined process. */
  readonly to: number;
  /** `Access`: the ref used. */
  readonly ref: number;
  /** `Access`: the atom reached; callbacks: the atom written or shared. */
  readonly atom: number;
  /** Callbacks: the tree charged for the step. */
  readonly payer: number;
}

/** One share that gave a process a new ref (an element of `grants`). */
export interface Grant {
  /** The atom given. */
  readonly atom: number;
  /** The process whose code made the share. */
  readonly author: number;
  /** The process whose table the share went through (the kernel's creator check is on it). */
  readonly principal: number;
  /** The process that got the ref. */
  readonly to: number;
}

/** A state of `Capabilities.tla`. */
export interface CapabilitiesState {
  /** `alive[p-1]`: p has been created and has not exited. */
  readonly alive: readonly boolean[];
  /** The global pid counter: processes `1..nextPid-1` have been created. */
  readonly nextPid: number;
  /** `parent[p-1]`: the process that created p (0 for process 1 and before creation). */
  readonly parent: readonly number[];
  /** `tree[p-1]`: the root of p's tree (0 before p is created). */
  readonly tree: readonly number[];
  /** `table[p-1][r]`: the atom under ref r in p's table, or -1 when r is not in it. */
  readonly table: readonly (readonly number[])[];
  /** The global ref counter. */
  readonly nextRef: number;
  /** Atoms `0..nextAtom-1` exist. */
  readonly nextAtom: number;
  /** `creator[a]` (0 before creation). */
  readonly creator: readonly number[];
  /** `shared[a]` (monotonic). */
  readonly shared: readonly boolean[];
  /** `validator[a]`: the owner of atom a's validator (0: none). */
  readonly validator: readonly number[];
  /** `watchers[a]`: the owners of the watches on atom a, a bitmask. */
  readonly watchers: readonly number[];
  /** `sharers[a]`: the principals that have shared atom a, a bitmask (auxiliary). */
  readonly sharers: readonly number[];
  /** `grants`, sorted as TLA+ sorts records (by atom, author, principal, to) (auxiliary). */
  readonly grants: readonly Grant[];
  /** `step` (auxiliary). */
  readonly step: Step;
}

const MODULE = 'Capabilities';

/**
 * Reads and checks a Capabilities model's constants (the ranges of the module's `ASSUME`).
 * @throws ModelConstantsError on a missing, unknown or out-of-range constant.
 */
export function capabilitiesConstants(c: ModelConstants): CapabilitiesConstants {
  expectConstantNames(MODULE, c, ['NumProcs', 'MaxRefs', 'MaxAtoms', 'MaxTreeProcs', 'Bug']);
  return {
    NumProcs: intConstant(MODULE, c, 'NumProcs', 1, 8),
    MaxRefs: intConstant(MODULE, c, 'MaxRefs', 1, 8),
    MaxAtoms: intConstant(MODULE, c, 'MaxAtoms', 1, 8),
    MaxTreeProcs: intConstant(MODULE, c, 'MaxTreeProcs', 1, 8),
    Bug: choiceConstant(MODULE, c, 'Bug', CAPABILITIES_BUGS),
  };
}

const bit = (p: number): number => 1 << (p - 1);
const has = (mask: number, p: number): boolean => ((mask >> (p - 1)) & 1) === 1;

/** `NoStep`: the step just taken has nothing for the invariants to check. */
export function noStep(c: CapabilitiesConstants): Step {
  return { act: 'none', by: NO_PROC, to: NO_PROC, ref: c.MaxRefs, atom: c.MaxAtoms, payer: NO_PROC };
}

/** `AccessStep(p, r, a)`: p used ref r and reached atom a. */
export function accessStep(c: CapabilitiesConstants, p: number, r: number, a: number): Step {
  return { ...noStep(c), act: 'Access', by: p, ref: r, atom: a };
}

/** `JoinStep(p, q)`: p joined q. */
export function joinStep(c: CapabilitiesConstants, p: number, q: number): Step {
  return { ...noStep(c), act: 'Join', by: p, to: q };
}

/** `CallbackStep(act, o, a, t)`: a callback owned by o wrote or shared atom a; tree t paid. */
export function callbackStep(c: CapabilitiesConstants, act: 'CallbackWrite' | 'CallbackShare', o: number, a: number, t: number): Step {
  return { ...noStep(c), act, by: o, atom: a, payer: t };
}

/** `Init`: process 1 is live, the root of its tree; no atoms, empty tables. */
export function capabilitiesInit(c: CapabilitiesConstants): CapabilitiesState {
  const atoms = Array.from({ length: c.MaxAtoms }, () => 0);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  return {
    alive: procs.map((p) => p === 1),
    nextPid: 2,
    parent: procs.map(() => NO_PROC),
    tree: procs.map((p) => (p === 1 ? 1 : NO_PROC)),
    table: procs.map(() => Array.from({ length: c.MaxRefs }, () => -1)),
    nextRef: 0,
    nextAtom: 0,
    creator: atoms.map(() => NO_PROC),
    shared: atoms.map(() => false),
    validator: atoms.map(() => NO_PROC),
    watchers: atoms.map(() => 0),
    sharers: atoms.map(() => 0),
    grants: [],
    step: noStep(c),
  };
}

/** `Reach(p)`: does p reach atom `a` through its table? */
export function reaches(s: CapabilitiesState, p: number, a: number): boolean {
  return s.table[p - 1]!.includes(a);
}

/** `TreeSize(t)`: the live processes of tree t. */
export function treeSize(s: CapabilitiesState, t: number): number {
  let n = 0;
  for (let i = 0; i < s.alive.length; i++) if (s.alive[i] && s.tree[i] === t) n++;
  return n;
}

/** `HasCallback(o, k, a)`: o owns a callback of kind k on atom a. */
export function hasCallback(s: CapabilitiesState, o: number, k: CallbackKind, a: number): boolean {
  return k === 'validator' ? s.validator[a] === o : has(s.watchers[a]!, o);
}

/** `RunsAs(o, w, k)`: the principal o's callback of kind k runs as when w's write triggers it. */
export function runsAs(c: CapabilitiesConstants, o: number, w: number, k: CallbackKind): number {
  const asWriter = (k === 'watch' && c.Bug === 'watch-runs-as-writer') || (k === 'validator' && c.Bug === 'validator-runs-as-writer');
  return asWriter ? w : o;
}

/** `Payer(o, w)`: the tree charged for a step of o's callback run by w's write. */
export function payer(c: CapabilitiesConstants, s: CapabilitiesState, o: number, w: number): number {
  return c.Bug === 'foreign-code-charged-to-writer' ? s.tree[w - 1]! : s.tree[o - 1]!;
}

// ---------------------------------------------------------------- processes

/** The process `nextPid` created by p, with root `root`. */
function created(c: CapabilitiesConstants, s: CapabilitiesState, p: number, root: number): CapabilitiesState {
  const q = s.nextPid;
  return { ...s, alive: setAt(s.alive, q - 1, true), parent: setAt(s.parent, q - 1, p), tree: setAt(s.tree, q - 1, root), nextPid: q + 1, step: noStep(c) };
}

/**
 * A program's `spawn` (or `fork`) in p: the child joins p's tree, unless the tree already has
 * `MaxTreeProcs` live processes (`process-limit`; the seeded bug `no-process-limit` has no bound).
 * @see Capabilities.tla Spawn
 */
export function spawn(c: CapabilitiesConstants, s: CapabilitiesState, p: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1] || s.nextPid > c.NumProcs) return undefined;
  const t = s.tree[p - 1]!;
  if (treeSize(s, t) >= c.MaxTreeProcs && c.Bug !== 'no-process-limit') return undefined;
  return created(c, s, p, t);
}

/**
 * The `spawn` operation on behalf of p: the child is the root of a new tree; its parent is p.
 * @see Capabilities.tla SpawnTree
 */
export function spawnTree(c: CapabilitiesConstants, s: CapabilitiesState, p: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1] || s.nextPid > c.NumProcs) return undefined;
  return created(c, s, p, s.nextPid);
}

/**
 * `exit`: p's table goes, with every validator and watch p owns (the seeded bug
 * `exit-keeps-callbacks` keeps them), and the grants to p.
 * @see Capabilities.tla Exit
 */
export function exit(c: CapabilitiesConstants, s: CapabilitiesState, p: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1]) return undefined;
  const keep = c.Bug === 'exit-keeps-callbacks';
  return {
    ...s,
    alive: setAt(s.alive, p - 1, false),
    table: setAt(s.table, p - 1, s.table[p - 1]!.map(() => -1)),
    validator: keep ? s.validator : s.validator.map((o) => (o === p ? NO_PROC : o)),
    watchers: keep ? s.watchers : s.watchers.map((m) => m & ~bit(p)),
    grants: s.grants.filter((g) => g.to !== p),
    step: noStep(c),
  };
}

/**
 * `join`: p waits for q and reads its result. Only q's parent may (the seeded bug
 * `join-any-process` lets any live process, p itself included).
 * @see Capabilities.tla Join
 */
export function join(c: CapabilitiesConstants, s: CapabilitiesState, p: number, q: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1] || !s.alive[q - 1]) return undefined;
  if (s.parent[q - 1] !== p && c.Bug !== 'join-any-process') return undefined;
  return { ...s, step: joinStep(c, p, q) };
}

// ---------------------------------------------------------------- atoms and capabilities

/**
 * `atom`: p creates an atom under a fresh ref; p is its creator.
 * @see Capabilities.tla NewAtom
 */
export function newAtom(c: CapabilitiesConstants, s: CapabilitiesState, p: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1] || s.nextRef >= c.MaxRefs || s.nextAtom >= c.MaxAtoms) return undefined;
  return {
    ...s,
    table: setAt(s.table, p - 1, setAt(s.table[p - 1]!, s.nextRef, s.nextAtom)),
    creator: setAt(s.creator, s.nextAtom, p),
    nextRef: s.nextRef + 1,
    nextAtom: s.nextAtom + 1,
    step: noStep(c),
  };
}

const grantOrder = (a: Grant, b: Grant): number => a.atom - b.atom || a.author - b.author || a.principal - b.principal || a.to - b.to;

/**
 * The share itself, by code authored by `author` running as `principal`: the atom under the
 * principal's ref `r` goes to the live process q. The check is on the principal: only the creator
 * may (the seeded bug `share-by-non-creator` lets any holder). q gets a fresh ref (and a grant is
 * recorded) unless it already holds the atom. Returns the variables ShareStep sets, or
 * `undefined` when the share is refused.
 * @see Capabilities.tla ShareStep
 */
export function shareStep(c: CapabilitiesConstants, s: CapabilitiesState, author: number, principal: number, r: number, q: number): CapabilitiesState | undefined {
  const a = s.table[principal - 1]![r] ?? -1;
  if (a < 0 || q === principal || !s.alive[q - 1]) return undefined;
  if (s.creator[a] !== principal && c.Bug !== 'share-by-non-creator') return undefined;
  let { table, nextRef, grants } = s;
  if (!reaches(s, q, a)) {
    if (nextRef >= c.MaxRefs) return undefined;
    table = setAt(table, q - 1, setAt(table[q - 1]!, nextRef, a));
    nextRef += 1;
    const g: Grant = { atom: a, author, principal, to: q };
    if (!grants.some((x) => grantOrder(x, g) === 0)) grants = [...grants, g].sort(grantOrder);
  }
  return { ...s, table, nextRef, grants, shared: setAt(s.shared, a, true), sharers: setAt(s.sharers, a, s.sharers[a]! | bit(principal)) };
}

/**
 * `share(ref, q)`: p shares the atom under its ref `r` with q, on its own behalf. A refused share
 * changes nothing, so it is no step (`undefined`).
 * @see Capabilities.tla Share
 */
export function share(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number, q: number): CapabilitiesState | undefined {
  if (!s.alive[p - 1]) return undefined;
  const t = shareStep(c, s, p, p, r, q);
  return t && { ...t, step: noStep(c) };
}

/**
 * A `deref` or write by p itself through the issued ref `r`: allowed only through p's own table
 * (a ref outside it is capability-denied and changes nothing; the seeded bug `deref-any-ref`
 * resolves it through whichever table holds it). Returns every successor.
 * @see Capabilities.tla Access
 */
export function access(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number): CapabilitiesState[] {
  if (!s.alive[p - 1] || r >= s.nextRef) return [];
  const mine = s.table[p - 1]![r]!;
  const to = (atom: number): CapabilitiesState => ({ ...s, step: accessStep(c, p, r, atom) });
  if (mine >= 0) return [to(mine)];
  if (c.Bug !== 'deref-any-ref') return [];
  const out: CapabilitiesState[] = [];
  for (let q = 1; q <= c.NumProcs; q++) {
    const a = s.table[q - 1]![r]!;
    if (a >= 0) out.push(to(a));
  }
  return out;
}

// ---------------------------------------------------------------- callbacks

/**
 * `set-validator!`: p installs a validator on the atom under its ref `r`, replacing the atom's
 * previous one; p owns it.
 * @see Capabilities.tla SetValidator
 */
export function setValidator(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number): CapabilitiesState | undefined {
  const a = s.table[p - 1]![r] ?? -1;
  if (!s.alive[p - 1] || a < 0 || s.validator[a] === p) return undefined;
  return { ...s, validator: setAt(s.validator, a, p), step: noStep(c) };
}

/**
 * `add-watch`: p adds a watch on the atom under its ref `r`; p owns it.
 * @see Capabilities.tla AddWatch
 */
export function addWatch(c: CapabilitiesConstants, s: CapabilitiesState, p: number, r: number): CapabilitiesState | undefined {
  const a = s.table[p - 1]![r] ?? -1;
  if (!s.alive[p - 1] || a < 0 || has(s.watchers[a]!, p)) return undefined;
  return { ...s, watchers: setAt(s.watchers, a, s.watchers[a]! | bit(p)), step: noStep(c) };
}

/**
 * The live process w writes the atom under its ref `r`, which runs o's callback of kind k on it.
 * @see Capabilities.tla Triggers
 */
export function triggers(s: CapabilitiesState, w: number, r: number, o: number, k: CallbackKind): boolean {
  const a = s.table[w - 1]![r] ?? -1;
  return s.alive[w - 1] === true && a >= 0 && hasCallback(s, o, k, a);
}

/**
 * w's write through `r` runs o's callback of kind k, which writes the atom under ref `x` of the
 * table it runs with (`RunsAs(o, w, k)`).
 * @see Capabilities.tla CallbackWrite
 */
export function callbackWrite(c: CapabilitiesConstants, s: CapabilitiesState, w: number, r: number, o: number, k: CallbackKind, x: number): CapabilitiesState | undefined {
  if (!triggers(s, w, r, o, k)) return undefined;
  const b = s.table[runsAs(c, o, w, k) - 1]![x] ?? -1;
  if (b < 0) return undefined;
  return { ...s, step: callbackStep(c, 'CallbackWrite', o, b, payer(c, s, o, w)) };
}

/**
 * w's write through `r` runs o's callback of kind k, which shares the atom under ref `x` of the
 * table it runs with (`RunsAs(o, w, k)`) with q.
 * @see Capabilities.tla CallbackShare
 */
export function callbackShare(c: CapabilitiesConstants, s: CapabilitiesState, w: number, r: number, o: number, k: CallbackKind, x: number, q: number): CapabilitiesState | undefined {
  if (!triggers(s, w, r, o, k)) return undefined;
  const pr = runsAs(c, o, w, k);
  const t = shareStep(c, s, o, pr, x, q);
  if (t === undefined) return undefined;
  return { ...t, step: callbackStep(c, 'CallbackShare', o, s.table[pr - 1]![x]!, payer(c, s, o, w)) };
}

// ---------------------------------------------------------------- invariants

/** `TypeOK`. */
export function typeOK(c: CapabilitiesConstants, s: CapabilitiesState): boolean {
  const inRange = (x: number, lo: number, hi: number): boolean => Number.isInteger(x) && x >= lo && x <= hi;
  const allProcs = (1 << c.NumProcs) - 1;
  const procsOk = (xs: readonly number[]): boolean => xs.length === c.NumProcs && xs.every((x) => inRange(x, 0, c.NumProcs));
  if (s.alive.length !== c.NumProcs || !s.alive.every((b) => typeof b === 'boolean')) return false;
  if (!inRange(s.nextPid, 2, c.NumProcs + 1) || !procsOk(s.parent) || !procsOk(s.tree)) return false;
  if (!inRange(s.nextRef, 0, c.MaxRefs) || !inRange(s.nextAtom, 0, c.MaxAtoms) || s.table.length !== c.NumProcs) return false;
  for (const t of s.table) {
    if (t.length !== c.MaxRefs) return false;
    for (let r = 0; r < t.length; r++) if (t[r]! >= 0 && (r >= s.nextRef || t[r]! >= s.nextAtom)) return false;
  }
  for (let a = 0; a < c.MaxAtoms; a++) {
    if (!inRange(s.creator[a]!, 0, c.NumProcs) || typeof s.shared[a] !== 'boolean' || !inRange(s.validator[a]!, 0, c.NumProcs)) return false;
    if ((s.watchers[a]! & ~allProcs) !== 0 || (s.sharers[a]! & ~allProcs) !== 0) return false;
  }
  if (!s.grants.every((g) => inRange(g.atom, 0, c.MaxAtoms - 1) && inRange(g.author, 1, c.NumProcs) && inRange(g.principal, 1, c.NumProcs) && inRange(g.to, 1, c.NumProcs))) return false;
  const t = s.step;
  return STEP_ACTS.includes(t.act) && inRange(t.by, 0, c.NumProcs) && inRange(t.to, 0, c.NumProcs) && inRange(t.ref, 0, c.MaxRefs)
    && inRange(t.atom, 0, c.MaxAtoms) && inRange(t.payer, 0, c.NumProcs);
}

/** `CapabilityIsolation`: an access goes through the accessing process's own table. */
export function capabilityIsolation(s: CapabilitiesState): boolean {
  const t = s.step;
  return t.act !== 'Access' || (s.table[t.by - 1]![t.ref]! >= 0 && s.table[t.by - 1]![t.ref] === t.atom);
}

/** `OnlyCreatorShares`: only an atom's creator has shared it (through its own table); shared iff shared by someone. */
export function onlyCreatorShares(s: CapabilitiesState): boolean {
  for (let a = 0; a < s.nextAtom; a++) {
    const w = s.sharers[a]!;
    const cr = s.creator[a]! > 0 ? bit(s.creator[a]!) : 0;
    if ((w & ~cr) !== 0 || s.shared[a] !== (w !== 0)) return false;
  }
  return true;
}

/**
 * `NoCapabilityWithoutShare`: every atom in p's table that p did not create was given to p by a
 * share both authored by its creator and run as its creator.
 */
export function noCapabilityWithoutShare(s: CapabilitiesState): boolean {
  for (let i = 0; i < s.table.length; i++) {
    const p = i + 1;
    for (const a of s.table[i]!) {
      if (a < 0) continue;
      const cr = s.creator[a]!;
      if (cr !== p && !s.grants.some((g) => g.atom === a && g.author === cr && g.principal === cr && g.to === p)) return false;
    }
  }
  return true;
}

const isCallbackAct = (act: StepAct): boolean => act === 'CallbackWrite' || act === 'CallbackShare';

/** `WritesNeedCapability`: a write or share run by a callback touches an atom in its owner's table. */
export function writesNeedCapability(s: CapabilitiesState): boolean {
  return !isCallbackAct(s.step.act) || reaches(s, s.step.by, s.step.atom);
}

/** `CallbackChargedToOwner`: a callback's step is charged to its owner's tree. */
export function callbackChargedToOwner(s: CapabilitiesState): boolean {
  return !isCallbackAct(s.step.act) || s.step.payer === s.tree[s.step.by - 1];
}

/** `JoinOnlyChildren`: a process joins only its own children. */
export function joinOnlyChildren(s: CapabilitiesState): boolean {
  return s.step.act !== 'Join' || s.parent[s.step.to - 1] === s.step.by;
}

/** `TreeBound`: no tree has more than `MaxTreeProcs` live processes. */
export function treeBound(c: CapabilitiesConstants, s: CapabilitiesState): boolean {
  for (let t = 1; t <= c.NumProcs; t++) if (treeSize(s, t) > c.MaxTreeProcs) return false;
  return true;
}

/** `CallbacksHaveLiveOwners`: every validator and watch has a live owner. */
export function callbacksHaveLiveOwners(s: CapabilitiesState): boolean {
  for (let a = 0; a < s.validator.length; a++) {
    const v = s.validator[a]!;
    if (v !== NO_PROC && !s.alive[v - 1]) return false;
    for (let o = 1; o <= s.alive.length; o++) if (has(s.watchers[a]!, o) && !s.alive[o - 1]) return false;
  }
  return true;
}

// ---------------------------------------------------------------- encodings

/** Writes the canonical integer encoding of `s` into `out`; returns the number of words. */
export function capabilitiesKeyInto(s: CapabilitiesState, out: Int32Array): number {
  let n = 0;
  out[n++] = s.nextRef | (s.nextAtom << 8) | (s.nextPid << 16);
  const st = s.step;
  out[n++] = STEP_ACTS.indexOf(st.act) | (st.by << 4) | (st.to << 8) | (st.ref << 12) | (st.atom << 16) | (st.payer << 20);
  for (let p = 0; p < s.table.length; p++) {
    const t = s.table[p]!;
    for (let r = 0; r < t.length; r++) out[n++] = t[r]!;
    out[n++] = (s.alive[p] ? 1 : 0) | (s.parent[p]! << 4) | (s.tree[p]! << 8);
  }
  for (let a = 0; a < s.creator.length; a++) {
    out[n++] = s.creator[a]! | ((s.shared[a] ? 1 : 0) << 4) | (s.sharers[a]! << 5) | (s.validator[a]! << 14) | (s.watchers[a]! << 18);
  }
  out[n++] = s.grants.length;
  for (const g of s.grants) out[n++] = (g.atom << 12) | (g.author << 8) | (g.principal << 4) | g.to;
  return n;
}

const procSet = (mask: number): TlaJson => {
  const out: number[] = [];
  for (let p = 1; mask >> (p - 1) !== 0; p++) if (has(mask, p)) out.push(p);
  return tlaIntSet(out);
};

/** `toTla`: the state in tla-checker's JSON form (variables in sorted order). */
export function capabilitiesToTla(s: CapabilitiesState): Record<string, TlaJson> {
  return {
    alive: tlaRangeFn(1, s.alive),
    creator: tlaRangeFn(0, s.creator),
    grants: s.grants.map((g) => tlaRecord({ atom: g.atom, author: g.author, principal: g.principal, to: g.to })),
    nextAtom: s.nextAtom,
    nextPid: s.nextPid,
    nextRef: s.nextRef,
    parent: tlaRangeFn(1, s.parent),
    shared: tlaRangeFn(0, s.shared),
    sharers: tlaRangeFn(0, s.sharers.map(procSet)),
    step: tlaRecord({ act: s.step.act, by: s.step.by, to: s.step.to, ref: s.step.ref, atom: s.step.atom, payer: s.step.payer }),
    table: tlaRangeFn(1, s.table.map((t) => tlaIntFn(t.flatMap((a, r) => (a >= 0 ? [[r, a] as const] : []))))),
    tree: tlaRangeFn(1, s.tree),
    validator: tlaRangeFn(0, s.validator),
    watchers: tlaRangeFn(0, s.watchers.map(procSet)),
  };
}

/** Builds the Capabilities state machine for one model's constants (the disjuncts of `Next`, in order). */
export function instantiateCapabilities(constants: ModelConstants): SpecInstance<CapabilitiesState> {
  const c = capabilitiesConstants(constants);
  const procs = Array.from({ length: c.NumProcs }, (_, i) => i + 1);
  const refs = Array.from({ length: c.MaxRefs }, (_, r) => r);
  const action = (name: string, gen: (s: CapabilitiesState, push: (t: CapabilitiesState | undefined) => void) => void): SpecAction<CapabilitiesState> => ({
    name,
    next: (s) => {
      const out: CapabilitiesState[] = [];
      gen(s, (t) => { if (t) out.push(t); });
      return out;
    },
  });
  const buf = new Int32Array(4096);
  return {
    init: () => [capabilitiesInit(c)],
    actions: [
      action('Spawn', (s, push) => { for (const p of procs) push(spawn(c, s, p)); }),
      action('SpawnTree', (s, push) => { for (const p of procs) push(spawnTree(c, s, p)); }),
      action('Exit', (s, push) => { for (const p of procs) push(exit(c, s, p)); }),
      action('Join', (s, push) => { for (const p of procs) for (const q of procs) push(join(c, s, p, q)); }),
      action('NewAtom', (s, push) => { for (const p of procs) push(newAtom(c, s, p)); }),
      action('Share', (s, push) => { for (const p of procs) for (const r of refs) for (const q of procs) push(share(c, s, p, r, q)); }),
      action('Access', (s, push) => { for (const p of procs) for (const r of refs) for (const t of access(c, s, p, r)) push(t); }),
      action('SetValidator', (s, push) => { for (const p of procs) for (const r of refs) push(setValidator(c, s, p, r)); }),
      action('AddWatch', (s, push) => { for (const p of procs) for (const r of refs) push(addWatch(c, s, p, r)); }),
      action('CallbackWrite', (s, push) => {
        for (const w of procs) for (const r of refs) for (const o of procs) for (const k of CALLBACK_KINDS) for (const x of refs) push(callbackWrite(c, s, w, r, o, k, x));
      }),
      action('CallbackShare', (s, push) => {
        for (const w of procs) for (const r of refs) for (const o of procs) for (const k of CALLBACK_KINDS) for (const x of refs) for (const q of procs) push(callbackShare(c, s, w, r, o, k, x, q));
      }),
    ],
    invariants: {
      TypeOK: (s) => typeOK(c, s),
      CapabilityIsolation: capabilityIsolation,
      OnlyCreatorShares: onlyCreatorShares,
      NoCapabilityWithoutShare: noCapabilityWithoutShare,
      WritesNeedCapability: writesNeedCapability,
      CallbackChargedToOwner: callbackChargedToOwner,
      JoinOnlyChildren: joinOnlyChildren,
      TreeBound: (s) => treeBound(c, s),
      CallbacksHaveLiveOwners: callbacksHaveLiveOwners,
    },
    key: (s) => buf.subarray(0, capabilitiesKeyInto(s, buf)).join(','),
    keyInto: capabilitiesKeyInto,
    toTla: capabilitiesToTla,
  };
}

/** The Capabilities mirror (`spec/tla/Capabilities.tla`). */
export const specModule: SpecModule<CapabilitiesState> = { name: MODULE, instantiate: instantiateCapabilities };
