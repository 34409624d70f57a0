/**
 * The non-interference oracle (ADR 0024): runs one attack scenario (`harness/generators/attacks.ts`)
 * several times on fresh kernels of the same engine and compares what each side can observe.
 *
 * - **Integrity**: the run *with* the attacker and the run *without* it (no attacker operations,
 *   no attacker processes, no mailbox share) must look the same to the victim: after every step,
 *   the victim's own atoms (values and stamps, the mailbox excluded), the output of every victim
 *   process, which victim processes are alive, and the outcome of every victim operation (values
 *   exactly, errors by kind). In particular the victim never sees `fuel-exhausted`,
 *   `out-of-memory` or `stack-overflow` that the attacker's code caused.
 * - **Confidentiality**: the run with the victim's secrets and the run with other secrets must
 *   look the same to the attacker: its processes' atoms, outputs and every outcome of its
 *   operations (messages included).
 *
 * Refs and pids come from global counters, so the attacker shifts the victim's numbers. The
 * victim's observations are compared **up to a renaming**: a ref the victim created is written
 * `#atom @k` (k = its position in the order in which the victim's team obtained its own refs;
 * `#atom ?` for any other ref), a pid of the victim's team `#pid @k` (k = position in the team:
 * the victim's main process first, then its children in creation order; `#pid ?` for others).
 * Victim programs print pids only as `(tagged "pid" p)`. A ref that appears in a victim's table
 * during one of the attacker's steps was shared in by the attacker (allowed) and is left out of
 * the victim's view; one that appears during the victim's own step is the victim's own — so an
 * atom a callback plants in the victim's table while the victim writes is caught. The attacker's
 * view needs no renaming: both runs issue the same refs and pids.
 * @module
 */
import type { Kernel, Observation, Op, Outcome, Pid, Quotas, Ref } from '../../spec/Kernel.js';
import { attackProgramText, fillHoles, victimProgramText, type AttackOp, type AttackScenario, type PidSel, type ScenarioStep } from '../generators/attacks.js';

/**
 * Quotas every scenario runs under: small, so loops and allocation bombs end quickly, and with
 * room for the victim's tree under the kernel-wide bounds even when every attacker tree is full
 * (at most two attacker trees: `maxProcesses` > 3 × `treeProcesses`, `totalHeapCells` >
 * 3 × `treeHeapCells` + the kernel's own cells). A victim's program weighs a few thousand cells
 * at most (a collection of n elements weighs 1 + n), well inside its quota: at the very edge of a
 * quota the optimized kernel measures what a program holds now and then, and when it measures
 * depends on what ran before (compiled code), so only the reference refuses there exactly.
 * Fields a kernel does not know are ignored by it.
 */
export const NI_QUOTAS: Partial<Quotas> = Object.freeze({
  heapCells: 10_000,
  fuel: 30_000,
  stackDepth: 100,
  callbackFuel: 3000,
  treeProcesses: 12,
  treeFuel: 400_000,
  treeHeapCells: 20_000,
  maxProcesses: 100,
  totalHeapCells: 70_000,
});

/** Which run of a scenario: with or without the attacker, with the main or the other secrets. */
export interface RunMode {
  /** Whether the attacker's processes and operations (and the mailbox share) take part. */
  readonly attacker: boolean;
  /** Which value of each secret the victim holds: 0 (main) or 1 (other). */
  readonly secrets: 0 | 1;
}

/** The three runs the oracle compares. */
export const RUNS = {
  /** With the attacker, main secrets. */
  attack: { attacker: true, secrets: 0 },
  /** Without the attacker, main secrets. */
  solo: { attacker: false, secrets: 0 },
  /** With the attacker, other secrets. */
  other: { attacker: true, secrets: 1 },
} as const satisfies Record<string, RunMode>;

/** What one team (victim or attacker) looks like after a step. */
export interface TeamView {
  /** One entry per team member, in team order: `null` once it has exited. */
  readonly procs: readonly (ProcView | null)[];
}

/** One process of a team. */
export interface ProcView {
  /** Its pid (normalised, `#pid @k`, for the victim; raw for the attacker). */
  readonly pid: string;
  /** Its atoms as `[ref, value, stamp]` (refs and values normalised for the victim). */
  readonly atoms: readonly (readonly [string, string, number])[];
  /** Its output lines (normalised for the victim). */
  readonly output: readonly string[];
  /** Its registers as `[reg, value]` (values normalised for the victim). */
  readonly registers: readonly (readonly [number, string])[];
}

/** One step of one run. */
export interface StepTrace {
  /** Position in the plan (setup steps first, then the scenario's steps); equal across runs. */
  readonly plan: number;
  /** Index into the scenario's `steps`, or null for a setup step. */
  readonly scenarioStep: number | null;
  /** Whose step it is. */
  readonly who: 'victim' | 'attacker';
  /** A one-line description, e.g. `victim[0] step`. */
  readonly label: string;
  /** The concrete operations applied (none when skipped). */
  readonly ops: readonly Op[];
  /** The outcome, as the step's owner sees it (victim: normalised, errors by kind; attacker: raw with messages). */
  readonly outcome: string;
  /** The victim's view after the step. */
  readonly victim: TeamView;
  /** The attacker's view after the step. */
  readonly attacker: TeamView;
}

/** A whole run. */
export interface RunTrace {
  /** The mode. */
  readonly mode: RunMode;
  /** The victim's view before any step. */
  readonly initialVictim: TeamView;
  /** Every step that took part in this run. */
  readonly steps: readonly StepTrace[];
  /** The victim team's pids at the end (main first). */
  readonly victimPids: readonly Pid[];
  /** The attacker team's pids at the end. */
  readonly attackerPids: readonly Pid[];
}

/** A violation of non-interference. */
export interface Violation {
  /** `integrity`: the attacker changed what the victim sees; `confidentiality`: the victim's secrets changed what the attacker sees. */
  readonly property: 'integrity' | 'confidentiality';
  /** Plan position of the first step where the views differ. */
  readonly plan: number;
  /** Index into the scenario's steps (null: a setup step). */
  readonly scenarioStep: number | null;
  /** That step's label. */
  readonly label: string;
  /** What differed: the step's outcome or the state after it, with the path (e.g. `victim process @0: atom @2`). */
  readonly what: string;
  /** The value in the run with the attacker (integrity) or with the main secrets (confidentiality). */
  readonly left: string;
  /** The value in the run without the attacker (integrity) or with the other secrets (confidentiality). */
  readonly right: string;
  /** One line for humans, naming the likely cause when it is recognisable. */
  readonly summary: string;
}

/** The oracle's verdict on one scenario. */
export type NiVerdict = { readonly ok: true } | { readonly ok: false; readonly violation: Violation };

/** A kernel factory: a fresh kernel of the engine under test, with the given quotas. */
export type KernelFactory = (quotas: Partial<Quotas>) => Kernel;

// ---------------------------------------------------------------- the plan

type SetupAct = 'spawn-init' | 'spawn-victim' | 'spawn-attacker' | 'spawn-helper' | 'mailbox' | 'private' | 'share-mailbox' | 'load-victim';

type PlanStep = { readonly who: 'victim' | 'attacker'; readonly setup: SetupAct; readonly index: number } | { readonly who: 'victim' | 'attacker'; readonly step: ScenarioStep; readonly index: number };

/** The setup steps and the scenario's steps, in order, each with its owner. */
function planOf(s: AttackScenario): PlanStep[] {
  const plan: PlanStep[] = [];
  const add = (who: 'victim' | 'attacker', setup: SetupAct, index = 0): void => {
    plan.push({ who, setup, index });
  };
  switch (s.layout) {
    case 'victim-p0':
      add('attacker', 'spawn-attacker');
      break;
    case 'attacker-p0':
      // the victim's parent must not be the attacker (a parent may join its child): an idle
      // process spawned by process 0 spawns it
      add('victim', 'spawn-init');
      add('victim', 'spawn-victim');
      break;
    case 'spawned-victim-first':
      add('victim', 'spawn-victim');
      add('attacker', 'spawn-attacker');
      break;
    case 'spawned-attacker-first':
      add('attacker', 'spawn-attacker');
      add('victim', 'spawn-victim');
      break;
  }
  for (let i = 0; i < s.helpers; i++) add('attacker', 'spawn-helper', i);
  add('victim', 'mailbox');
  s.privates.forEach((_, i) => add('victim', 'private', i));
  add('attacker', 'share-mailbox');
  add('victim', 'load-victim');
  s.steps.forEach((step, index) => plan.push({ who: step.who, step, index }));
  return plan;
}

// ---------------------------------------------------------------- running

const ATOM_RE = /#atom (\d+)/g;
const PID_RE = /#pid (-?\d+)/g;

/** The state a run keeps about who is who. */
class Roles {
  readonly victim: Pid[] = [];
  readonly attacker: Pid[] = [];
  readonly known = new Set<Pid>();
  /** The victim team's own refs, in the order they were obtained. */
  readonly victimOwn: Ref[] = [];
  private readonly ownIndex = new Map<Ref, number>();
  /** Refs seen in a victim table that the attacker shared in. */
  readonly foreign = new Set<Ref>();
  /** The victim's mailbox ref (excluded from its view). */
  victimMailbox: Ref | null = null;
  /** The attacker's ref for the mailbox. */
  attackerMailbox: Ref | null = null;
  /** The victim's private refs, in order. */
  readonly privates: Ref[] = [];
  /** The process that spawns the victim (0, or an idle process when the attacker is process 0). */
  init: Pid = 0;
  /** The largest ref and pid ever seen. */
  maxRef = -1;
  maxPid = 0;

  addOwn(ref: Ref): void {
    if (this.ownIndex.has(ref) || this.foreign.has(ref)) return;
    this.ownIndex.set(ref, this.victimOwn.length);
    this.victimOwn.push(ref);
  }

  classified(ref: Ref): boolean {
    return this.ownIndex.has(ref) || this.foreign.has(ref);
  }

  isOwn(ref: Ref): boolean {
    return this.ownIndex.has(ref);
  }

  /** The victim's EDN text with refs and pids renamed (see the module doc). */
  normalise(text: string): string {
    return text
      .replace(ATOM_RE, (_m, n: string) => {
        const i = this.ownIndex.get(Number(n));
        return i === undefined ? '#atom ?' : `#atom @${i}`;
      })
      .replace(PID_RE, (_m, n: string) => {
        const i = this.victim.indexOf(Number(n));
        return i < 0 ? '#pid ?' : `#pid @${i}`;
      });
  }
}

const THREW = 'KERNEL THREW: ';

/** An outcome as text: the victim's errors by kind only (messages may name pids), the attacker's with their messages; a kernel that threw, in full. */
function showOutcome(o: Outcome, who: 'victim' | 'attacker'): string {
  if (o.ok) return `ok ${o.value}`;
  return who === 'victim' && !o.message.startsWith(THREW) ? o.error : `${o.error}: ${o.message}`;
}

function refOf(value: string): Ref | null {
  const m = /^#atom (\d+)$/.exec(value.trim());
  return m === null ? null : Number(m[1]);
}

/** Applies `op`, turning a throw (a kernel bug: kernels never throw) into an outcome. */
function applySafely(k: Kernel, op: Op): Outcome {
  try {
    return k.apply(op);
  } catch (e) {
    return { ok: false, error: 'program-error', message: `${THREW}${String((e as Error)?.message ?? e)}` };
  }
}

/**
 * Runs scenario `s` in `mode` on a fresh kernel from `make`: the setup, then every step the mode
 * includes, recording both teams' views after each.
 */
export function runScenario(make: KernelFactory, s: AttackScenario, mode: RunMode, quotas: Partial<Quotas> = NI_QUOTAS): RunTrace {
  const k = make(quotas);
  const roles = new Roles();
  const secrets = s.secrets.map((pair) => pair[mode.secrets]);
  let obs = k.observe();
  for (const p of obs.processes) roles.known.add(p.pid);
  if (s.layout === 'victim-p0') roles.victim.push(0);
  if (s.layout === 'attacker-p0' && mode.attacker) roles.attacker.push(0);
  const steps: StepTrace[] = [];
  const initialVictim = victimView(obs, roles);
  const plan = planOf(s);

  const pidOf = (team: Pid[], proc: number): Pid | null => (team.length === 0 ? null : team[proc % team.length]!);
  const forgedCount = (): number => Math.min(roles.maxRef + 3, 64);
  const attackHoles = (actor: Pid): Parameters<typeof fillHoles>[1] => ({
    mailbox: roles.attackerMailbox === null ? 'nil' : `#atom ${roles.attackerMailbox}`,
    forged: `[${Array.from({ length: forgedCount() }, (_, i) => `#atom ${i}`).join(' ')}]`,
    ...(roles.victim[0] !== undefined ? { victimPid: roles.victim[0] } : {}),
    victimPids: `[${roles.victim.join(' ')}]`,
    otherPids: `[${[...[...roles.known].filter((p) => !roles.attacker.includes(p)), roles.maxPid + 1].sort((a, b) => a - b).join(' ')}]`,
    ...(roles.attacker[0] !== undefined ? { attackerPid: roles.attacker[0] } : { attackerPid: actor }),
  });

  plan.forEach((ps, planIndex) => {
    if (ps.who === 'attacker' && !mode.attacker) return;
    const ops: Op[] = [];
    let outcome = 'skipped';
    let label: string;
    const apply = (op: Op): Outcome => {
      ops.push(op);
      return applySafely(k, op);
    };
    if ('setup' in ps) {
      label = setupLabel(ps.setup, ps.index);
      switch (ps.setup) {
        case 'spawn-init':
        case 'spawn-victim':
        case 'spawn-attacker':
        case 'spawn-helper': {
          const o = apply({ op: 'spawn', pid: ps.setup === 'spawn-victim' ? roles.init : 0 });
          outcome = o.ok ? `ok #pid ${o.value}` : showOutcome(o, ps.who);
          if (o.ok) {
            const pid = Number(o.value);
            if (ps.setup === 'spawn-init') roles.init = pid;
            else (ps.setup === 'spawn-victim' ? roles.victim : roles.attacker).push(pid);
            roles.known.add(pid);
          }
          break;
        }
        case 'mailbox':
        case 'private': {
          const victim = roles.victim[0];
          if (victim === undefined) break;
          const value = ps.setup === 'mailbox' ? s.mailbox : fillHoles(s.privates[ps.index]!, { mailbox: 'nil', secrets });
          const o = apply({ op: 'atom', pid: victim, value });
          const ref = o.ok ? refOf(o.value) : null;
          if (ref !== null) {
            roles.addOwn(ref);
            if (ps.setup === 'mailbox') roles.victimMailbox = ref;
            else roles.privates.push(ref);
          }
          outcome = showOutcome(o, 'victim');
          break;
        }
        case 'share-mailbox': {
          const victim = roles.victim[0];
          const attacker = roles.attacker[0];
          if (victim === undefined || attacker === undefined || roles.victimMailbox === null) break;
          const o = apply({ op: 'share', pid: victim, ref: roles.victimMailbox, to: attacker });
          if (o.ok) roles.attackerMailbox = refOf(o.value);
          outcome = showOutcome(o, 'attacker');
          break;
        }
        case 'load-victim': {
          const victim = roles.victim[0];
          if (victim === undefined) break;
          const text = fillHoles(victimProgramText(s), {
            mailbox: roles.victimMailbox === null ? 'nil' : `#atom ${roles.victimMailbox}`,
            privates: roles.privates.map((r) => `#atom ${r}`),
            secrets,
          });
          outcome = showOutcome(apply({ op: 'load', pid: victim, program: text }), 'victim');
          break;
        }
      }
    } else {
      const st = ps.step;
      const team = st.who === 'victim' ? roles.victim : roles.attacker;
      const pid = pidOf(team, st.proc);
      label = stepLabel(st, pid === null ? null : team.indexOf(pid));
      if (pid !== null) {
        if (st.act === 'step' || st.act === 'run') outcome = showOutcome(apply({ op: st.act, pid }), st.who);
        else if (st.act === 'run-team') outcome = team.slice().map((q) => `${q}: ${showOutcome(apply({ op: 'run', pid: q }), 'attacker')}`).join('; ');
        else if (st.act === 'load') outcome = showOutcome(apply({ op: 'load', pid, program: fillHoles(attackProgramText(st.program), attackHoles(pid)) }), 'attacker');
        else if (st.act === 'op') outcome = showOutcome(apply(concreteOp(st.op, pid, roles)), 'attacker');
      }
    }
    obs = k.observe();
    attribute(obs, roles, ps.who);
    // the victim's outcome is renamed with the names known after the step (its step may issue one)
    steps.push({ plan: planIndex, scenarioStep: 'setup' in ps ? null : ps.index, who: ps.who, label, ops, outcome: ps.who === 'victim' ? roles.normalise(outcome) : outcome, victim: victimView(obs, roles), attacker: attackerView(obs, roles) });
  });
  return { mode, initialVictim, steps, victimPids: roles.victim.slice(), attackerPids: roles.attacker.slice() };
}

/** New pids join the team of whoever took the step; new refs in victim tables are the victim's own when it took the step, else foreign. */
function attribute(obs: Observation, roles: Roles, who: 'victim' | 'attacker'): void {
  for (const p of obs.processes) {
    roles.maxPid = Math.max(roles.maxPid, p.pid);
    for (const a of p.atoms) roles.maxRef = Math.max(roles.maxRef, a.ref);
    if (roles.known.has(p.pid)) continue;
    roles.known.add(p.pid);
    (who === 'victim' ? roles.victim : roles.attacker).push(p.pid);
  }
  for (const p of obs.processes) {
    if (!roles.victim.includes(p.pid)) continue;
    for (const a of p.atoms) {
      if (roles.classified(a.ref)) continue;
      if (who === 'victim') roles.addOwn(a.ref);
      else roles.foreign.add(a.ref);
    }
  }
}

function victimView(obs: Observation, roles: Roles): TeamView {
  const byPid = new Map(obs.processes.map((p) => [p.pid, p]));
  return {
    procs: roles.victim.map((pid) => {
      const p = byPid.get(pid);
      if (p === undefined) return null;
      return {
        pid: roles.normalise(`#pid ${pid}`),
        atoms: p.atoms.filter((a) => roles.isOwn(a.ref) && a.ref !== roles.victimMailbox).map((a) => [roles.normalise(`#atom ${a.ref}`), roles.normalise(a.value), a.stamp] as const),
        output: p.output.map((l) => roles.normalise(l)),
        registers: (p.registers ?? []).map((r) => [r.reg, roles.normalise(r.value)] as const),
      };
    }),
  };
}

function attackerView(obs: Observation, roles: Roles): TeamView {
  const byPid = new Map(obs.processes.map((p) => [p.pid, p]));
  return {
    procs: roles.attacker.map((pid) => {
      const p = byPid.get(pid);
      if (p === undefined) return null;
      return { pid: String(pid), atoms: p.atoms.map((a) => [`#atom ${a.ref}`, a.value, a.stamp] as const), output: p.output.slice(), registers: (p.registers ?? []).map((r) => [r.reg, r.value] as const) };
    }),
  };
}

/** What {@link concreteOp} needs to know about the run's state. */
export interface OpContext {
  /** The largest ref seen so far. */
  readonly maxRef: number;
  /** The largest pid seen so far. */
  readonly maxPid: number;
  /** The attacker's ref for the mailbox. */
  readonly attackerMailbox: Ref | null;
  /** The victim team's pids (main first). */
  readonly victim: readonly Pid[];
  /** The attacker team's pids (main first). */
  readonly attacker: readonly Pid[];
}

function resolvePid(sel: PidSel, actor: Pid, roles: OpContext): Pid {
  if (sel === 'self') return actor;
  if (sel === 'victim') return roles.victim[0] ?? 0;
  if (sel === 'attacker') return roles.attacker[0] ?? actor;
  return sel.any % (roles.maxPid + 2);
}

/** The concrete operation of an attacker's raw op, acted by `actor`. */
export function concreteOp(a: AttackOp, actor: Pid, roles: OpContext): Op {
  const ref = a.ref === undefined ? 0 : 'mailbox' in a.ref ? (roles.attackerMailbox ?? 0) : a.ref.forged % Math.max(1, roles.maxRef + 3);
  const value = a.value ?? ':pwned';
  switch (a.op) {
    case 'deref':
      return { op: 'deref', pid: actor, ref };
    case 'reset':
    case 'resetVals':
      return { op: a.op, pid: actor, ref, value };
    case 'cas':
      return { op: 'cas', pid: actor, ref, stamp: a.stamp ?? 0, value };
    case 'compareAndSet':
      return { op: 'compareAndSet', pid: actor, ref, expected: a.expected ?? 'nil', value };
    case 'swap':
    case 'swapVals':
      return { op: a.op, pid: actor, ref, fn: a.fn ?? '(fn [x] x)' };
    case 'setValidator':
      return { op: 'setValidator', pid: actor, ref, fn: a.fn ?? null };
    case 'addWatch':
    case 'removeWatch':
      return { op: a.op, pid: actor, ref, key: a.key ?? ':aw' };
    case 'share':
      return { op: 'share', pid: actor, ref, to: resolvePid(a.to ?? 'self', actor, roles) };
    case 'hold':
      return { op: 'hold', pid: actor, reg: a.reg ?? 0, value };
    case 'atom':
      return { op: 'atom', pid: actor, value };
    case 'fork':
    case 'exit':
      return { op: a.op, pid: actor };
  }
}

function setupLabel(a: SetupAct, i: number): string {
  switch (a) {
    case 'spawn-init':
      return 'setup: spawn an idle process that spawns the victim';
    case 'spawn-victim':
      return 'setup: spawn the victim';
    case 'spawn-attacker':
      return 'setup: spawn the attacker';
    case 'spawn-helper':
      return `setup: spawn attacker helper ${i + 1}`;
    case 'mailbox':
      return 'setup: the victim creates the mailbox';
    case 'private':
      return `setup: the victim creates private atom $V${i}`;
    case 'share-mailbox':
      return 'setup: the victim shares the mailbox with the attacker';
    case 'load-victim':
      return "setup: load the victim's program";
  }
}

function stepLabel(st: ScenarioStep, member: number | null): string {
  const who = `${st.who}[${member === null ? '-' : member}]`;
  switch (st.act) {
    case 'step':
    case 'run':
      return `${who} ${st.act}`;
    case 'run-team':
      return `${st.who} runs every process of its team`;
    case 'load':
      return `${who} load ${clip(attackProgramText(st.program), 100)}`;
    case 'op':
      return `${who} op ${st.op.op}`;
  }
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}

// ---------------------------------------------------------------- comparing

/** The first difference between two team views, as `[path, left, right]`, or null. */
export function diffViews(team: 'victim' | 'attacker', a: TeamView, b: TeamView): [string, string, string] | null {
  const n = Math.max(a.procs.length, b.procs.length);
  for (let i = 0; i < n; i++) {
    const tag = team === 'victim' ? `@${i}` : `#${i}`;
    const x = a.procs[i];
    const y = b.procs[i];
    if (x === undefined || y === undefined) return [`${team} process ${tag}`, x === undefined ? 'absent' : `present (${x?.pid ?? 'exited'})`, y === undefined ? 'absent' : `present (${y?.pid ?? 'exited'})`];
    if (x === null || y === null) {
      if (x !== y) return [`${team} process ${tag}`, x === null ? 'exited' : 'alive', y === null ? 'exited' : 'alive'];
      continue;
    }
    if (x.pid !== y.pid) return [`${team} process ${tag}: pid`, x.pid, y.pid];
    const m = Math.max(x.atoms.length, y.atoms.length);
    for (let j = 0; j < m; j++) {
      const p = x.atoms[j];
      const q = y.atoms[j];
      const show = (t: readonly [string, string, number] | undefined): string => (t === undefined ? 'no atom' : `${t[0]} = ${t[1]} (stamp ${t[2]})`);
      if (p === undefined || q === undefined || p[0] !== q[0] || p[1] !== q[1] || p[2] !== q[2]) return [`${team} process ${tag}: atom ${p?.[0] ?? q?.[0] ?? '?'}`, show(p), show(q)];
    }
    const o = Math.max(x.output.length, y.output.length);
    for (let j = 0; j < o; j++) {
      if (x.output[j] !== y.output[j]) return [`${team} process ${tag}: output line ${j}`, x.output[j] ?? '(none)', y.output[j] ?? '(none)'];
    }
    const xr = x.registers ?? [];
    const yr = y.registers ?? [];
    for (let j = 0; j < Math.max(xr.length, yr.length); j++) {
      const p = xr[j];
      const q = yr[j];
      if (p?.[0] !== q?.[0] || p?.[1] !== q?.[1]) return [`${team} process ${tag}: register ${p?.[0] ?? q?.[0] ?? '?'}`, p === undefined ? 'empty' : `${p[0]} = ${p[1]}`, q === undefined ? 'empty' : `${q[0]} = ${q[1]}`];
    }
  }
  return null;
}

const RESOURCE = /^(fuel-exhausted|out-of-memory|stack-overflow)/;

/** Integrity: the victim sees the same with and without the attacker (see the module doc). */
export function compareIntegrity(attack: RunTrace, solo: RunTrace): Violation | null {
  let b = -1;
  for (const st of attack.steps) {
    const soloIndex = solo.steps.findIndex((x, i) => i > b && x.plan === st.plan);
    if (soloIndex >= 0) b = soloIndex;
    const twin = soloIndex >= 0 ? solo.steps[soloIndex]! : null;
    if (twin !== null && st.who === 'victim' && st.outcome !== twin.outcome) {
      const resource = RESOURCE.test(st.outcome) && !RESOURCE.test(twin.outcome);
      return violation('integrity', st, 'the victim\'s outcome', st.outcome, twin.outcome, resource ? `the victim hit ${st.outcome} only when the attacker was present: the attacker's code ran on the victim's budget, or the attacker filled a bound the victim shares` : 'the victim\'s operation ended differently when the attacker was present');
    }
    const reference = b >= 0 ? solo.steps[b]!.victim : solo.initialVictim;
    const d = diffViews('victim', st.victim, reference);
    if (d !== null) {
      const cause = st.who === 'attacker' ? 'an attacker step changed the victim\'s state' : 'the victim\'s own step did something else when the attacker was present (a callback ran with the victim\'s authority?)';
      return violation('integrity', st, d[0], d[1], d[2], cause);
    }
  }
  return null;
}

/** Confidentiality: the attacker sees the same whatever the victim's secrets. */
export function compareConfidentiality(main: RunTrace, other: RunTrace): Violation | null {
  const n = Math.min(main.steps.length, other.steps.length);
  for (let i = 0; i < n; i++) {
    const x = main.steps[i]!;
    const y = other.steps[i]!;
    if (x.who === 'attacker' && x.outcome !== y.outcome) return violation('confidentiality', x, 'the attacker\'s outcome', x.outcome, y.outcome, 'an attacker operation answered differently for other victim secrets: the attacker can read them');
    const d = diffViews('attacker', x.attacker, y.attacker);
    if (d !== null) return violation('confidentiality', x, d[0], d[1], d[2], 'the attacker\'s state depends on the victim\'s secrets');
  }
  if (main.steps.length !== other.steps.length) {
    const st = main.steps[n] ?? other.steps[n]!;
    return violation('confidentiality', st, 'number of steps', String(main.steps.length), String(other.steps.length), 'the runs took different steps');
  }
  return null;
}

function violation(property: Violation['property'], st: StepTrace, what: string, left: string, right: string, summary: string): Violation {
  return { property, plan: st.plan, scenarioStep: st.scenarioStep, label: st.label, what, left, right, summary };
}

/** The traces of a check, for reports. */
export interface NiCheck {
  /** The verdict. */
  readonly verdict: NiVerdict;
  /** The run with the attacker. */
  readonly attack: RunTrace;
  /** The run without the attacker (always run). */
  readonly solo: RunTrace;
  /** The run with the other secrets (absent when integrity already failed). */
  readonly other?: RunTrace;
}

/**
 * Checks scenario `s` on fresh kernels from `make`: integrity first (attack vs solo), then
 * confidentiality (attack vs other secrets). `only` restricts the check to one property (used
 * when shrinking a violation of that property).
 */
export function checkScenario(make: KernelFactory, s: AttackScenario, options: { readonly only?: Violation['property']; readonly quotas?: Partial<Quotas> } = {}): NiCheck {
  const quotas = options.quotas ?? NI_QUOTAS;
  const attack = runScenario(make, s, RUNS.attack, quotas);
  const solo = runScenario(make, s, RUNS.solo, quotas);
  if (options.only !== 'confidentiality') {
    const v = compareIntegrity(attack, solo);
    if (v !== null) return { verdict: { ok: false, violation: v }, attack, solo };
  }
  if (options.only === 'integrity') return { verdict: { ok: true }, attack, solo };
  const other = runScenario(make, s, RUNS.other, quotas);
  const v = compareConfidentiality(attack, other);
  return { verdict: v === null ? { ok: true } : { ok: false, violation: v }, attack, solo, other };
}

/** One line describing a violation. */
export function describeViolation(v: Violation): string {
  const sides = v.property === 'integrity' ? ['with the attacker', 'without it'] : ['with the secrets', 'with other secrets'];
  return `${v.property} violated at ${v.scenarioStep === null ? 'setup' : `step ${v.scenarioStep}`} (${v.label}): ${v.what} — ${sides[0]}: ${clip(v.left, 160)}; ${sides[1]}: ${clip(v.right, 160)}. ${v.summary}`;
}
