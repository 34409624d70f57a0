/**
 * The kernel calls of the system language: the functions a kernel performs itself (atoms,
 * processes, output, registers, collection), as opposed to the pure built-ins of
 * `builtins.ts`. For each call the table gives how many arguments it takes, whether it yields
 * (is a scheduling point: the scheduler may run another process after it, and it may block),
 * and whether it is pure (reads only the caller's own state and changes nothing, so compiled
 * code may perform it without leaving to the kernel).
 *
 * Each kernel dispatches kernel calls through a {@link KernelCallHandlers} record, so the
 * compiler checks that every call has a handler. The argument checks below are the calls'
 * argument errors, the same in every kernel.
 * @module
 */
import { StoreError } from '../Store.js';
import { AtomRef, Char, Fn, Keyword, type Value } from '../Values.js';
import { printEdn } from '../codec/Edn.js';
import { KernelError } from '../Errors.js';
import { arityFault, langFault, shortText } from './errors.js';

/** What the language fixes about one kernel call. */
export interface KernelCallSignature {
  /** The fewest arguments it takes. */
  readonly min: number;
  /** The most arguments it takes (`Infinity`: any number). */
  readonly max: number;
  /** Whether it is a scheduling point (may block or let another process run). */
  readonly yields: boolean;
  /** Whether it only reads the caller's own state and changes nothing. */
  readonly pure: boolean;
}

const call = (min: number, max: number, yields = true, pure = false): KernelCallSignature => Object.freeze({ min, max, yields, pure });

/** Every kernel call, by name, in the order their function values are created (spec/Prelude.ts). */
export const KERNEL_CALL_TABLE = Object.freeze({
  atom: call(1, 1),
  deref: call(1, 1),
  'deref-stamp': call(1, 1),
  'reset!': call(2, 2),
  'cas!': call(3, 3),
  'compare-and-set!': call(3, 3),
  /** `swap!`'s commit (spec/Prelude.ts): write iff the stamp is unchanged → true, else false. */
  '%commit!': call(3, 3),
  'reset-vals!': call(2, 2),
  'set-validator!': call(2, 2),
  'add-watch': call(3, 3),
  'remove-watch': call(2, 2),
  'share!': call(2, 2),
  fork: call(0, 0),
  spawn: call(1, Infinity),
  self: call(0, 0, false, true),
  exit: call(0, 1),
  join: call(1, 1),
  println: call(0, Infinity, false),
  prn: call(0, Infinity, false),
  'hold!': call(2, 2, false),
  held: call(1, 1, false, true),
  gc: call(0, 0),
  /** `(durable-atom :name init)`: an atom bound to the store's durable atom `name`. */
  'durable-atom': call(2, 2),
  /** `(history a)`: the durable atom's transitions, `[t stamp value]` each. */
  history: call(1, 1),
  /** `(basis)`: the log position of the last acknowledged transition. */
  basis: call(0, 0),
  /** `(as-of t)`: every durable atom's value as of position `t`, `{:name value}`. */
  'as-of': call(1, 1),
  /** `(since t)`: the transitions after position `t`, `[t :name stamp value]` each. */
  since: call(1, 1),
} satisfies Record<string, KernelCallSignature>);

/** The name of a kernel call. */
export type KernelCallName = keyof typeof KERNEL_CALL_TABLE;

/** The kernel calls of the language, in the order their function values are created. */
export const KERNEL_CALL_NAMES: readonly KernelCallName[] = Object.freeze(Object.keys(KERNEL_CALL_TABLE) as KernelCallName[]);

/** One handler per kernel call: a kernel's dispatch, complete by construction. */
export type KernelCallHandlers<Ctx, Result> = { readonly [N in KernelCallName]: (ctx: Ctx) => Result };

/** Whether `name` names a kernel call. */
export function isKernelCallName(name: string): name is KernelCallName {
  return Object.prototype.hasOwnProperty.call(KERNEL_CALL_TABLE, name);
}

/** Whether the kernel call `name` is a scheduling point. */
export function kernelCallYields(name: KernelCallName): boolean {
  return KERNEL_CALL_TABLE[name].yields;
}

/** Whether the kernel call `name` only reads the caller's own state (compiled code may perform it). */
export function kernelCallIsPure(name: KernelCallName): boolean {
  return KERNEL_CALL_TABLE[name].pure;
}

/** Raises the arity error when `args` does not fit the kernel call `name`. */
export function checkKernelCallArity(name: KernelCallName, args: readonly Value[]): void {
  const s = KERNEL_CALL_TABLE[name];
  if (args.length < s.min || args.length > s.max) arityFault(args.length, name);
}

/** The atom argument of the kernel call `name` (raises unless it is an atom reference). */
export function atomArg(name: KernelCallName, v: Value | undefined): AtomRef {
  if (v instanceof AtomRef) return v;
  return langFault(`${name}: expected an atom, got ${v === undefined ? 'nothing' : shortText(v)}`);
}

/** The stamp argument of `cas!`. */
export function stampArg(v: Value | undefined): bigint {
  return typeof v === 'bigint' ? v : langFault('cas!: the stamp must be an integer');
}

/** The pid argument of `share!` or `join`. */
export function pidArg(name: 'share!' | 'join', v: Value | undefined): bigint {
  return typeof v === 'bigint' ? v : langFault(`${name}: expected a pid`);
}

/** The register argument of `hold!` (a non-negative integer) or `held` (an integer). */
export function registerArg(name: 'hold!' | 'held', v: Value | undefined): bigint {
  if (name === 'held') return typeof v === 'bigint' ? v : langFault('held: the register must be an integer');
  return typeof v === 'bigint' && v >= 0n ? v : langFault('hold!: the register must be a non-negative integer');
}

/** The function argument of `set-validator!` (a function, or nil to remove the validator). */
export function validatorArg(v: Value | undefined): Fn | null {
  if (v === null || v instanceof Fn) return v;
  return langFault('set-validator!: expected a function or nil');
}

/** The function argument of `add-watch`. */
export function watchArg(v: Value | undefined): Fn {
  return v instanceof Fn ? v : langFault('add-watch: expected a function (fn [key ref old new] …)');
}

/** The function argument of `spawn`. */
export function spawnArg(v: Value | undefined): Fn {
  return v instanceof Fn ? v : langFault('spawn: expected a function');
}

/**
 * The failure of a durable kernel call in a kernel that was given no store: a catchable
 * `program-error` telling how to get one.
 */
export function noDurableStore(name: KernelCallName): never {
  return langFault(`${name}: no durable store (run with --db PATH to keep durable atoms)`);
}

/** The durable atom name `durable-atom`'s first argument (a keyword) names: its text without the colon. */
export function durableNameArg(v: Value | undefined): string {
  if (v instanceof Keyword) return v.fullName;
  return langFault(`durable-atom: the name must be a keyword, got ${v === undefined ? 'nothing' : shortText(v)}`);
}

/** The log-position argument of `as-of` or `since` (a non-negative integer). */
export function basisArg(name: 'as-of' | 'since', v: Value | undefined): number {
  if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return langFault(`${name}: the log position must be a non-negative integer`);
}

/** The failure of `history` on an atom that is not bound to a durable atom. */
export function notDurable(v: Value): never {
  return langFault(`history: ${shortText(v)} is not a durable atom`);
}

/** The failure of `durable-atom` for a name whose atom only other live processes hold (its creator `pid` may `share!` it). */
export function durableBoundElsewhere(name: string, pid: number): never {
  throw new KernelError('capability-denied', `durable atom :${name} is held by other processes; its creator, process ${pid}, may share! it`);
}

/**
 * Runs a store request made for `what` (a kernel call's name, or `durable atom :name` for a
 * write), turning a store failure (a conflict with another writer, a value with no durable form,
 * a damaged or closed store) into a catchable `program-error` that names it.
 */
export function withStore<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StoreError) return langFault(`${what}: ${e.message}`);
    throw e;
  }
}

/** The failure of `fork` inside a validator, watch or swap function. */
export function forkNotAllowed(): never {
  return langFault('fork is not allowed inside a validator, watch or swap function');
}

/** The failure of a `join` that would block inside a validator, watch or swap function. */
export function joinMayNotBlock(): never {
  return langFault('join may not block inside a validator, watch or swap function');
}

/**
 * The line `println` (`readably` false) or `prn` (`readably` true) appends to the caller's
 * output: the arguments separated by spaces; `println` writes strings and characters raw and
 * nil as `nil`, `prn` writes everything as EDN.
 */
export function outputLine(args: readonly Value[], readably: boolean): string {
  if (readably) return args.map((x) => printEdn(x)).join(' ');
  return args.map((x) => (typeof x === 'string' ? x : x instanceof Char ? x.ch : x === null ? 'nil' : printEdn(x))).join(' ');
}

/** What a function value's `impl` holds for a pure built-in (spec/lang/builtins.ts). */
export interface BuiltinImpl {
  readonly kind: 'native';
  /** The name it is bound to. */
  readonly name: string;
  /** The function; raises a `program-error` on bad arguments. */
  readonly fn: (args: readonly Value[]) => Value;
}

/** What a function value's `impl` holds for a kernel call: performed by the kernel. */
export interface KernelCallImpl {
  readonly kind: 'kernel';
  /** The name it is bound to. */
  readonly name: string;
}

/** What a function value's `impl` holds for `apply`, which turns its arguments into a call. */
export interface ApplyImpl {
  readonly kind: 'apply';
}

/** The `impl` of a function value every kernel makes the same way (anything but a closure). */
export type SharedImpl = BuiltinImpl | KernelCallImpl | ApplyImpl;
