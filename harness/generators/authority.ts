/**
 * Authority blocks for the differential campaign (ADR 0024): raw operation sequences in which one
 * process runs an authority template (`AUTHORITY_TEMPLATES` of programs.ts: a watch or validator
 * on atoms it was given, a `join` of a non-child, spawn and fork loops) and a *second* process
 * writes the atoms it watches, by raw operations and by a program. A foreign callback is the only
 * place where "runs as the owner" and "runs as the writer" differ, and random operation sequences
 * rarely put one in place (it takes a share, a program run and another process's write, in
 * order), so the mutant campaign mixes these blocks in (`CampaignOptions.authority`).
 *
 * Selectors are those of `ops.ts` (resolved by `fixup`): the block starts from process 0 and the
 * process it spawns (the newest, selector -1).
 * @module
 */
import fc from 'fast-check';
import { opValueArb } from './ednValues.js';
import { raw, type RawOp } from './ops.js';
import { AUTHORITY_TEMPLATES } from './programs.js';

/** Programs the writing process runs on the atom it was given (`$A`, its newest ref). */
export const WRITER_PROGRAMS: readonly string[] = [
  '(do (reset! $A [:from (self)]) (swap! $A (fn [x] [:swapped x])) [(deref $A) (held 3)])',
  '(try (reset! $A :forbidden) (catch e (get e :error)))',
  '[(compare-and-set! $A (deref $A) 7) (reset-vals! $A 8)]',
];

/** One way the second process writes the shared atom. */
type Write = 'reset' | 'resetVals' | 'swap' | 'compareAndSet' | 'program';

/**
 * An authority block: process 0 creates an atom, spawns a process, shares the atom with it, runs
 * an authority template; the spawned process writes the atom (raw operations, then a program,
 * possibly an authority template of its own); both read back.
 */
export const authorityBlockArb: fc.Arbitrary<RawOp[]> = fc
  .tuple(
    fc.constantFrom(...AUTHORITY_TEMPLATES),
    fc.option(fc.constantFrom(...AUTHORITY_TEMPLATES), { nil: null }),
    fc.array(fc.constantFrom<Write>('reset', 'resetVals', 'swap', 'compareAndSet', 'program'), { minLength: 1, maxLength: 3 }),
    opValueArb,
    fc.constantFrom(...WRITER_PROGRAMS),
  )
  .map(([owner, second, writes, value, writer]) => {
    const ops: RawOp[] = [
      raw({ op: 'atom', actor: 0, value: '0' }),
      raw({ op: 'spawn', actor: 0 }),
      raw({ op: 'share', actor: 0, pick: -1, other: -1 }),
      raw({ op: 'load', actor: 0, program: owner }),
      raw({ op: 'run', actor: 0 }),
    ];
    if (second !== null) ops.push(raw({ op: 'load', actor: -1, program: second }), raw({ op: 'run', actor: -1 }));
    for (const w of writes) {
      if (w === 'program') ops.push(raw({ op: 'load', actor: -1, program: writer }), raw({ op: 'run', actor: -1 }));
      else if (w === 'compareAndSet') ops.push(raw({ op: 'compareAndSet', actor: -1, pick: -1, expected: 'current', value }));
      else if (w === 'swap') ops.push(raw({ op: 'swap', actor: -1, pick: -1, fn: 5 }));
      else ops.push(raw({ op: w, actor: -1, pick: -1, value }));
    }
    ops.push(raw({ op: 'deref', actor: 0, pick: -1 }), raw({ op: 'deref', actor: -1, pick: -1 }));
    return ops;
  });
