/**
 * Multi-process attack scenarios for the non-interference property
 * (docs/adr/0024-authority-and-resource-accounting.md, docs/fuzzing.md "Non-interference").
 *
 * A scenario has a **victim** and an **attacker** (plus optional attacker **helpers**, each the
 * root of its own tree). The victim creates one mailbox atom and up to four private atoms, runs a
 * deterministic program over its private atoms (and may fork or spawn children of its own), and
 * writes the mailbox without ever letting the mailbox flow back: it never reads it, never puts a
 * validator or watch on it, and wraps every mailbox write in `try` so that legitimate interference
 * (the attacker's validator rejecting) does not change its result. Mailbox writes are single kernel
 * calls (`reset!`, `reset-vals!`, `compare-and-set!`, never a retrying `swap!`), so the attacker's
 * writes cannot change how many scheduling points the victim takes. The victim's control flow and
 * everything it writes to the mailbox are independent of its two **secrets** (small integers that
 * flow into its private atoms, registers, output and result only).
 *
 * The attacker tries every route it has: forged `#atom N` literals for every N up to the number
 * of refs issued so far (two beyond, at most 64), refs received inside mailbox values, watches
 * and validators on the mailbox whose bodies `reset!`/`swap!`/`share!`/`deref` forged refs,
 * install validators and watches on them, print, `hold!`, loop forever, throw, allocate a lot,
 * create atoms; `join` of the victim's pids and of every pid; reading error values and messages;
 * fork and spawn bombs; laundering cells through children that exit; sharing its own atoms back
 * to the victim; raw kernel operations on forged refs.
 *
 * One restriction keeps the oracle free of false alarms: callbacks never `share!` into a victim
 * process (a foreign ref appearing in a victim table during the victim's own step cannot be told
 * apart from an atom planted in the victim's table). The attacker's own steps may share back.
 *
 * Everything comes from a seed (`generateScenario`), with the project's PRNG: a scenario is plain
 * JSON, so a failing one is saved whole and replayed without the generator.
 * @module
 */
import { Prng } from './programs.js';

/** The scenario format version. */
export const ATTACK_SCENARIO_VERSION = 1;

/** Which processes the kernel creates first (pids are compared up to renaming, so vary them). */
export type Layout =
  /** The victim is process 0; the attacker is spawned. */
  | 'victim-p0'
  /** The attacker is process 0 (idle in the run without the attacker); an idle process it spawns spawns the victim (the attacker must not be the victim's parent: parents may join). */
  | 'attacker-p0'
  /** Process 0 stays idle; it spawns the victim, then the attacker. */
  | 'spawned-victim-first'
  /** Process 0 stays idle; it spawns the attacker, then the victim. */
  | 'spawned-attacker-first';

/**
 * One statement of a program, as system-language text with holes (see {@link fillHoles}).
 * `code` may contain `%BODY%`, replaced by `(do body…)`: the body of a watch or validator, kept
 * apart so that shrinking can drop its parts one by one.
 */
export interface Stmt {
  /** The statement's text. */
  readonly code: string;
  /** Parts of the callback body, when `code` contains `%BODY%`. */
  readonly body?: readonly string[];
}

/** How an attacker's raw operation names an atom. */
export type RefSel =
  /** `#atom (n mod (refs issued so far + 3))`: any ref, issued or not. */
  | { readonly forged: number }
  /** The attacker's own name for the mailbox. */
  | { readonly mailbox: true };

/** How an attacker's raw operation names a process. */
export type PidSel = 'victim' | 'attacker' | 'self' | { readonly any: number };

/** A raw kernel operation by an attacker process, with symbolic refs and pids. */
export interface AttackOp {
  /** The operation (see spec/Kernel.ts `Op`). */
  readonly op: 'deref' | 'reset' | 'resetVals' | 'cas' | 'compareAndSet' | 'swap' | 'swapVals' | 'setValidator' | 'addWatch' | 'removeWatch' | 'share' | 'hold' | 'fork' | 'exit' | 'atom';
  /** The atom, for atom operations. */
  readonly ref?: RefSel;
  /** EDN value (reset, cas, compareAndSet, resetVals, hold, atom). */
  readonly value?: string;
  /** Function source (swap, swapVals, setValidator; null removes a validator). */
  readonly fn?: string | null;
  /** Watch key (EDN). */
  readonly key?: string;
  /** Stamp for `cas`. */
  readonly stamp?: number;
  /** Expected value for `compareAndSet`. */
  readonly expected?: string;
  /** Target of `share`. */
  readonly to?: PidSel;
  /** Register for `hold`. */
  readonly reg?: number;
}

/** One step of a scenario. `proc` indexes the role's team (modulo its size): main process, helpers, then children in creation order. */
export type ScenarioStep =
  /** Run a victim process's program to its next kernel call (`step`) or to the end (`run`). */
  | { readonly who: 'victim'; readonly act: 'step' | 'run'; readonly proc: number }
  /** Run an attacker process's program. */
  | { readonly who: 'attacker'; readonly act: 'step' | 'run'; readonly proc: number }
  /** Run every attacker process's program, in team order (the attacker schedules its own processes). */
  | { readonly who: 'attacker'; readonly act: 'run-team'; readonly proc: number }
  /** Load an attack program into an attacker process (holes filled from the state at that moment). */
  | { readonly who: 'attacker'; readonly act: 'load'; readonly proc: number; readonly program: readonly Stmt[] }
  /** A raw kernel operation by an attacker process. */
  | { readonly who: 'attacker'; readonly act: 'op'; readonly proc: number; readonly op: AttackOp };

/** A scenario: setup (derived from these fields by the driver) and steps. */
export interface AttackScenario {
  /** {@link ATTACK_SCENARIO_VERSION}. */
  readonly version: number;
  /** The seed it was generated from. */
  readonly seed: number;
  /** Which process is created first. */
  readonly layout: Layout;
  /** Extra attacker processes, each spawned (by the `spawn` operation) as the root of a tree. */
  readonly helpers: number;
  /** The victim's secrets `$S0 $S1`: `[value in the main run, value in the run with other secrets]`. */
  readonly secrets: readonly (readonly [number, number])[];
  /** The mailbox's initial value (EDN). */
  readonly mailbox: string;
  /** Initial values of the victim's private atoms `$V0…` (EDN, may use `$S0 $S1`). */
  readonly privates: readonly string[];
  /** The victim's program, statement by statement (its result vector is appended by the driver). */
  readonly victim: readonly Stmt[];
  /** Steps after the setup, in order. */
  readonly steps: readonly ScenarioStep[];
}

/** Values the holes of a program are filled with, at the moment it is loaded. */
export interface HoleValues {
  /** `$M`: the loading process's name for the mailbox (`#atom N`, or `nil`). */
  readonly mailbox: string;
  /** `$V0…$V3`: the victim's private atoms (victim programs only). */
  readonly privates?: readonly string[];
  /** `$S0 $S1`: the secrets (victim programs only). */
  readonly secrets?: readonly number[];
  /** `$FORGED`: every ref up to the global counter (and a little beyond), as a vector text. */
  readonly forged?: string;
  /** `$VP`: the victim's main pid. */
  readonly victimPid?: number;
  /** `$VPIDS`: the victim team's pids, as a vector text. */
  readonly victimPids?: string;
  /** `$PIDS`: every pid not in the attacker's team, as a vector text. */
  readonly otherPids?: string;
  /** `$AP`: the attacker's main pid. */
  readonly attackerPid?: number;
}

/** Composes one statement's text: `%BODY%` becomes `(do body…)` (or `nil` when the body is empty). */
export function stmtText(s: Stmt): string {
  if (s.body === undefined) return s.code;
  return s.code.replaceAll('%BODY%', s.body.length === 0 ? 'nil' : `(do ${s.body.join(' ')})`);
}

/** Fills the holes `$M $V0…$V3 $S0 $S1 $FORGED $VP $VPIDS $PIDS $AP` of `text`. Unknown holes become `nil`. */
export function fillHoles(text: string, h: HoleValues): string {
  return text.replace(/\$(FORGED|VPIDS|PIDS|VP|AP|M|V\d|S\d)/g, (_m, name: string) => {
    switch (name) {
      case 'FORGED':
        return h.forged ?? '[]';
      case 'VPIDS':
        return h.victimPids ?? '[]';
      case 'PIDS':
        return h.otherPids ?? '[]';
      case 'VP':
        return h.victimPid === undefined ? 'nil' : String(h.victimPid);
      case 'AP':
        return h.attackerPid === undefined ? 'nil' : String(h.attackerPid);
      case 'M':
        return h.mailbox;
    }
    const i = Number(name.slice(1));
    if (name[0] === 'V') {
      const ps = h.privates ?? [];
      return ps.length === 0 ? 'nil' : ps[i % ps.length]!;
    }
    const ss = h.secrets ?? [];
    return ss.length === 0 ? '0' : String(ss[i % ss.length]);
  });
}

/** The victim's whole program: its statements, then a result vector over its private atoms and registers. */
export function victimProgramText(s: AttackScenario): string {
  const n = s.privates.length;
  const result = `[${Array.from({ length: n }, (_, i) => `(deref-stamp $V${i})`).join(' ')} (held 0) (held 1) (tagged "pid" (self))]`;
  return `(do ${s.victim.map(stmtText).join(' ')} ${result})`;
}

/** An attack program's text (before holes are filled). */
export function attackProgramText(program: readonly Stmt[]): string {
  return `(do ${program.map(stmtText).join(' ')} :done)`;
}

// ---------------------------------------------------------------- the victim

/**
 * A victim's write to the mailbox: its result is dropped, and a failure (the attacker's validator
 * may reject it) is caught. A kernel call that fails does not end the caller's quantum while one
 * that succeeds does, so the failure path makes one more kernel call (a read of the victim's own
 * atom): either way the quantum ends right after the write, and the attacker cannot shift the
 * victim's scheduling points.
 */
function mailboxWrite(call: string): string {
  return `(try (do ${call} nil) (catch e (do (deref $V0) nil)))`;
}

/**
 * One victim statement. Every statement's control flow is independent of the secrets (tests are on
 * types, never on secret values), every mailbox write is one non-retrying kernel call inside
 * `try`, and nothing reads the mailbox. Private atoms hold integers or vectors.
 */
function victimStmt(r: Prng, k: number): Stmt {
  const v = (): string => `$V${r.int(4)}`;
  const bump = (x: string): string => `(fn [x] (if (int? x) (+ x ${x}) [${k} x]))`;
  switch (r.int(24)) {
    case 0:
    case 1:
      return { code: `(swap! ${v()} ${bump(String(1 + r.int(9)))})` };
    case 2:
      return { code: `(swap! ${v()} ${bump('$S1')})` };
    case 3:
      return { code: `(reset! ${v()} ${r.pick(['$S0', String(k), `[${k} $S1]`])})` };
    case 4: {
      const a = v();
      return { code: `(prn :cas (try (cas! ${a} (nth (deref-stamp ${a}) 1) ${k}) (catch e (get e :error))))` };
    }
    case 5: {
      const a = v();
      return { code: `(prn :cas-v (compare-and-set! ${a} (deref ${a}) [${k} (deref ${v()})]))` };
    }
    case 6:
      return { code: `(println "v" ${k} (deref ${v()}))` };
    case 7:
      return { code: `(prn [:state ${k} ${v()} (deref-stamp ${v()})])` };
    case 8:
    case 9:
      // the mailbox: refs of private atoms inside values, never their contents
      return { code: mailboxWrite(`(reset! $M [:msg ${k} ${v()} (tagged "pid" (self))])`) };
    case 10:
      return { code: mailboxWrite(`(${r.pick(['reset-vals!', 'reset!'])} $M ${r.pick([String(k), `[:msg ${k}]`, ':hello', `{:n ${k}}`])})`) };
    case 11:
      return { code: mailboxWrite(`(compare-and-set! $M :empty [:first ${k}])`) };
    case 12:
      return { code: `(hold! ${r.int(2)} [:h ${k} (deref ${v()})])` };
    case 13: {
      const a = v();
      return { code: `(do (set-validator! ${a} (fn [x] (or (int? x) (vector? x)))) (prn :rejected (try (reset! ${a} :bad) (catch e (get e :error)))))` };
    }
    case 14:
      return { code: `(add-watch ${v()} :vw${k % 3} (fn [k r o n] (prn :vw k r o n)))` };
    case 15:
      // a child of the victim's own, given one private atom (it joins the victim's tree)
      return { code: `(let [c (spawn (fn [a] (do (swap! a ${bump(String(k))}) (println "child" (deref a)) [:child (deref a)])) ${v()})] (prn :spawned (tagged "pid" c)) (hold! 2 (tagged "pid" c)))` };
    case 16:
      return { code: `(when (held 2) (prn :joined (try (join (held 2)) (catch e (get e :error)))))` };
    case 17:
      return r.chance(0.5)
        ? { code: `(when (nil? (fork)) (swap! ${v()} ${bump('2')}) (println "forked" (tagged "pid" (self)) (deref ${v()})) (exit [:forked ${k}]))` }
        : { code: `(prn :fork (if (nil? (fork)) :in-child :in-parent))` };
    case 18:
      return { code: `(hold! 1 (atom [:fresh ${k} $S0]))` };
    case 19:
      return { code: `(prn :caught (try (throw [:oops ${k}]) (catch e e)))` };
    case 20:
      return { code: '(gc)' };
    case 21:
    case 22:
      // a burst of allocation (500 fresh values, garbage at once): needs room in the kernel's heap
      return { code: `(prn :work (count (into [] (apply hash-map (range 1000)))))` };
    default:
      return { code: `(prn :sum (reduce + 0 (map (fn [x] (if (int? x) x 0)) [(deref ${v()}) (deref ${v()}) $S0])))` };
  }
}

// ---------------------------------------------------------------- the attacker

/** Parts of a watch or validator body (the new value is `n`; the body never runs on `:pwned`, so its own writes do not recurse). */
function callbackPart(r: Prng, watch: boolean): string {
  switch (r.int(watch ? 17 : 16)) {
    case 0:
    case 1:
      return '(mapv (fn [x] (try (reset! x :pwned) (catch e nil))) $FORGED)';
    case 2:
      return '(mapv (fn [x] (try (swap! x (fn [y] :pwned)) (catch e nil))) $FORGED)';
    case 3:
      return '(mapv (fn [x] (try (share! x $AP) (catch e nil))) $FORGED)';
    case 4:
      return '(prn :cb (tagged "pid" (self)) (mapv (fn [x] (try (deref x) (catch e (get e :error)))) $FORGED))';
    case 5:
      return '(println "callback ran in" (tagged "pid" (self)))';
    case 6:
      return `(hold! ${r.int(2)} :pwned)`;
    case 7:
      return '(when (vector? n) (loop [] (recur)))';
    case 8:
      return '(when (vector? n) (throw :callback-boom))';
    case 9:
      return '(when (vector? n) (count (vec (range 6000))))';
    case 10:
      return '(atom :planted)';
    case 11:
      return '(try (join $VP) (catch e nil))';
    case 12:
      return '(mapv (fn [x] (try (set-validator! x (fn [y] false)) (catch e nil))) $FORGED)';
    case 13:
      return '(mapv (fn [x] (try (add-watch x :evil (fn [k r o n] (println "evil" n))) (catch e nil))) $FORGED)';
    case 14:
      // refs received inside the mailbox value
      return '(when (vector? n) (mapv (fn [x] (when (atom? x) (try (reset! x :pwned) (catch e nil)) (try (share! x $AP) (catch e nil)))) n))';
    case 15:
      return '(try (fork) (catch e nil))';
    default:
      return '(try (reset! r :pwned) (catch e nil))';
  }
}

function callbackBody(r: Prng, watch: boolean): string[] {
  return Array.from({ length: 1 + r.int(4) }, () => callbackPart(r, watch));
}

const FORGE_CALLS: readonly string[] = [
  '(deref x)',
  '(deref-stamp x)',
  '(reset! x :pwned)',
  '(swap! x (fn [y] :pwned))',
  '(reset-vals! x :pwned)',
  '(swap-vals! x (fn [y] [:pwned y]))',
  '(cas! x 0 :pwned)',
  '(compare-and-set! x (deref x) :pwned)',
  '(share! x (self))',
  '(share! x $AP)',
  '(set-validator! x (fn [y] false))',
  '(set-validator! x nil)',
  '(add-watch x :evil (fn [k r o n] (println "evil" n)))',
  '(remove-watch x :vw0)',
];

/** One attack statement (its results go to the attacker's own output). */
function attackStmt(r: Prng, k: number): Stmt {
  switch (r.int(24)) {
    case 0:
    case 1:
    case 2: {
      const call = r.pick(FORGE_CALLS);
      return { code: `(prn :forge ${JSON.stringify(call)} (mapv (fn [x] (try [:ok ${call}] (catch e [(get e :error) (get e :message)]))) $FORGED))` };
    }
    case 3:
    case 4:
    case 5:
      return { code: `(add-watch $M :aw${k % 3} (fn [k r o n] (when-not (= n :pwned) %BODY%)))`, body: callbackBody(r, true) };
    case 6:
    case 7:
      return { code: `(prn :sv (try (set-validator! $M (fn [n] (if (= n :pwned) true (do %BODY% ${r.pick(['true', 'true', 'false', '(vector? n)', '(not (vector? n))'])})))) (catch e (get e :error))))`, body: callbackBody(r, false) };
    case 8:
      return { code: `(prn :join ${r.pick(['$VP', '(self)'])} (try [:ok (join ${r.pick(['$VP', '(self)'])})] (catch e [(get e :error) (get e :message)])))` };
    case 9:
      return { code: '(prn :join-all (mapv (fn [p] (try [p (join p)] (catch e [p (get e :error)]))) $VPIDS))' };
    case 10:
      return { code: '(prn :join-every (mapv (fn [p] (try [p (join p)] (catch e [p (get e :error)]))) $PIDS))' };
    case 11:
      return { code: `(loop [i 0] (if (< i ${2 + r.int(14)}) (do (try (fork) (catch e (prn :fork (get e :error)))) (recur (inc i))) :bombed))` };
    case 12:
      return { code: `(dotimes [i ${2 + r.int(14)}] (try (spawn (fn [] (loop [] (recur)))) (catch e (prn :spawn (get e :error)))))` };
    case 13:
      return { code: `(println "attacker" (tagged "pid" (self)) ${k})` };
    case 14:
      return { code: `(hold! ${r.int(3)} [:attacker ${k}])` };
    case 15:
      return { code: `(prn :gift (try (share! (atom [:gift ${k}]) ${r.pick(['$VP', '(first $VPIDS)', '(last $VPIDS)'])}) (catch e (get e :error))))` };
    case 16:
      return { code: '(prn :mbox (try (deref $M) (catch e e)))' };
    case 17:
      return { code: '(prn :mbox-refs (let [m (try (deref $M) (catch e nil))] (mapv (fn [x] (if (atom? x) [(try (reset! x :pwned) (catch e (get e :error))) (try (deref x) (catch e e))] x)) (if (vector? m) m []))))' };
    case 18:
      return { code: `(prn :mw (try (reset! $M ${r.pick([':pwned', '[:attacker $FORGED]', '(vec (range 40))', '{:from (self)}'])}) (catch e (get e :error))))` };
    case 19:
      return { code: `(prn :rw (try (remove-watch $M :vw${r.int(3)}) (catch e (get e :error))))` };
    case 20:
      return { code: `(count (vec (range ${r.pick(['500', '2000', '6000'])})))` };
    case 21:
      return launder(2 + r.int(10));
    case 22:
      return { code: '(prn :errors (mapv (fn [x] (try (deref x) (catch e e))) $FORGED))' };
    default:
      return { code: r.pick(['(loop [] (recur))', '(throw [:attacker-fails])', '(exit)']) };
  }
}

/**
 * Laundering cells: `n` children of the attacker's tree each put 300 fresh values (map entries) into
 * one atom of the attacker's and exit. The cells stay live (the atom holds them) but their owners
 * are gone: a kernel that counts only live processes' cells against a tree lets the tree hold more
 * than its bound, and the kernel-wide bound then stops other trees.
 */
function launder(n: number): Stmt {
  return { code: `(let [a (atom [])] (dotimes [i ${n}] (try (spawn (fn [x] (do (swap! x (fn [v] (conj v (into [] (apply hash-map (range 600)))))) (exit))) a) (catch e nil))) (hold! 2 a))` };
}

function attackProgram(r: Prng, k: number): Stmt[] {
  return Array.from({ length: 1 + r.int(4) }, (_, i) => attackStmt(r, k * 10 + i));
}

const OP_VALUES: readonly string[] = [':pwned', '[:pwned 1]', '0', 'nil', '{:x 1}'];

function attackOp(r: Prng): AttackOp {
  const forged = (): RefSel => (r.chance(0.15) ? { mailbox: true } : { forged: r.int(64) });
  switch (r.int(16)) {
    case 0:
      return { op: 'deref', ref: forged() };
    case 1:
    case 2:
      return { op: 'reset', ref: forged(), value: r.pick(OP_VALUES) };
    case 3:
      return { op: 'resetVals', ref: forged(), value: r.pick(OP_VALUES) };
    case 4:
      return { op: 'cas', ref: forged(), stamp: r.int(3), value: r.pick(OP_VALUES) };
    case 5:
      return { op: 'compareAndSet', ref: forged(), expected: r.pick(['0', '1', 'nil']), value: ':pwned' };
    case 6:
      return { op: 'swap', ref: forged(), fn: r.pick(['(fn [x] :pwned)', '(fn [x] (do (mapv (fn [y] (try (reset! y :pwned) (catch e nil))) [#atom 0 #atom 1 #atom 2 #atom 3 #atom 4 #atom 5]) x))']) };
    case 7:
      return { op: 'swapVals', ref: forged(), fn: '(fn [x] [:pwned x])' };
    case 8:
      return { op: 'setValidator', ref: forged(), fn: r.pick(['(fn [x] false)', '(fn [x] (if (vector? x) (loop [] (recur)) true))', '(fn [x] (do (mapv (fn [y] (try (reset! y :pwned) (catch e nil))) [#atom 0 #atom 1 #atom 2 #atom 3 #atom 4]) true))', null]) };
    case 9:
      return { op: 'addWatch', ref: forged(), key: r.pick([':aw', ':vw0', '[1 2]']) };
    case 10:
      return { op: 'removeWatch', ref: forged(), key: r.pick([':vw0', ':vw1', ':vw2', ':aw0']) };
    case 11:
      return { op: 'share', ref: forged(), to: r.pick<PidSel>(['self', 'attacker', 'victim', { any: r.int(8) }]) };
    case 12:
      return { op: 'hold', reg: r.int(3), value: '[:held-by-attacker]' };
    case 13:
      return { op: 'fork' };
    case 14:
      return { op: 'atom', value: r.pick(['[:attacker-atom]', '0']) };
    default:
      return { op: 'exit' };
  }
}

// ---------------------------------------------------------------- scenarios

const LAYOUTS: readonly Layout[] = ['victim-p0', 'attacker-p0', 'spawned-victim-first', 'spawned-attacker-first'];

/**
 * Builds the scenario of `seed` (deterministic): a victim program of 3–14 statements stepped
 * through in 3–12 `step`s interleaved with 2–14 attacker actions, then the victim's team run to the
 * end, then a last round of attacks (joins, scans of forged refs).
 */
export function generateScenario(seed: number): AttackScenario {
  const r = new Prng(seed);
  const layout = r.pick(LAYOUTS);
  const helpers = r.chance(0.3) ? 1 : 0;
  const secrets: [number, number][] = [0, 1].map(() => {
    const a = 1 + r.int(999);
    let b = 1 + r.int(999);
    if (b === a) b = a === 999 ? 1 : a + 1;
    return [a, b];
  });
  const nPrivate = 1 + r.int(4);
  const privates = Array.from({ length: nPrivate }, (_, i) => r.pick(['$S0', '$S1', String(i * 10), `[${i} $S0]`]));
  const victim = Array.from({ length: 3 + r.int(12) }, (_, i) => victimStmt(r, i));
  const steps: ScenarioStep[] = [];
  const attack = (final: boolean): ScenarioStep => {
    const proc = r.chance(0.6) ? 0 : r.int(6);
    const k = r.int(100);
    if (final && r.chance(0.5)) {
      const program: Stmt[] = [r.pick<Stmt>([{ code: '(prn :join-all (mapv (fn [p] (try [p (join p)] (catch e [p (get e :error)]))) $VPIDS))' }, { code: '(prn :final (mapv (fn [x] (try (deref x) (catch e (get e :error)))) $FORGED))' }])];
      return { who: 'attacker', act: 'load', proc: 0, program };
    }
    const c = r.int(20);
    if (c < 8) return { who: 'attacker', act: 'load', proc, program: attackProgram(r, k) };
    if (c < 11) return { who: 'attacker', act: r.chance(0.5) ? 'step' : 'run', proc };
    if (c < 12) return { who: 'attacker', act: 'run-team', proc: 0 };
    return { who: 'attacker', act: 'op', proc, op: attackOp(r) };
  };
  const nVictimSteps = 3 + r.int(10);
  const nAttacks = 2 + r.int(13);
  const mixed: ScenarioStep[] = [
    ...Array.from({ length: nVictimSteps }, (): ScenarioStep => ({ who: 'victim', act: r.chance(0.85) ? 'step' : 'run', proc: r.chance(0.8) ? 0 : r.int(4) })),
    ...Array.from({ length: nAttacks }, () => attack(false)),
  ];
  // now and then the attacker opens with a laundering campaign (rounds of: spawn children, run them all)
  if (r.chance(0.12)) {
    for (let i = 0, rounds = 2 + r.int(3); i < rounds; i++) steps.push({ who: 'attacker', act: 'load', proc: 0, program: [launder(11)] }, { who: 'attacker', act: 'run-team', proc: 0 });
  }
  // a random interleaving that keeps each role's order (every load is followed by runs of it)
  while (mixed.length > 0) {
    const i = r.int(mixed.length);
    const s = mixed.splice(i, 1)[0]!;
    steps.push(s);
    if (s.who === 'attacker' && s.act === 'load') steps.push({ who: 'attacker', act: r.chance(0.6) ? 'run' : 'step', proc: s.proc });
  }
  for (const proc of [1, 2, 3, 0, 0]) steps.push({ who: 'victim', act: 'run', proc });
  for (let i = 0, n = 1 + r.int(3); i < n; i++) {
    const s = attack(true);
    steps.push(s);
    if (s.act === 'load') steps.push({ who: 'attacker', act: 'run', proc: s.proc });
  }
  return { version: ATTACK_SCENARIO_VERSION, seed, layout, helpers, secrets, mailbox: ':empty', privates, victim, steps };
}
