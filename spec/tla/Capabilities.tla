---------------------------- MODULE Capabilities ----------------------------
(***************************************************************************)
(* Capabilities and the authority of code (docs/adr/0003, docs/adr/0024). *)
(*                                                                         *)
(* A process reaches only the atoms in its own table.  Only an atom's      *)
(* creator may `Share` it; the target gets a fresh ref (or keeps the ref   *)
(* it already has for that atom) and the atom's `shared` flag becomes TRUE *)
(* for good.  A ref outside the caller's table is `capability-denied` and  *)
(* changes nothing (a stuttering step, so it is not an action here).       *)
(*                                                                         *)
(* Code runs on behalf of a principal, whose table is its authority.  A    *)
(* validator or watch is owned by the process that installed it and runs  *)
(* as its owner, never as the writer whose write triggered it; its steps   *)
(* are charged to the owner's tree.  Exit removes a process's table and    *)
(* the callbacks it owns.  Only a process's parent may `Join` it.          *)
(* Processes form trees: a program's spawn joins its creator's tree, the   *)
(* spawn operation roots a new one; a tree has at most MaxTreeProcs live   *)
(* processes.                                                              *)
(*                                                                         *)
(* Left out: atom values and stamps (Atoms.tla), fork's copy of the table  *)
(* (Fork.tla; a child here starts with an empty table, as a spawned one    *)
(* does), fuel amounts (only which tree pays a callback step), callbacks   *)
(* run by callbacks (one level), the system-wide process bound.            *)
(*                                                                         *)
(* Mirrored one-to-one by spec/Capabilities.ts.  Seeded bugs selected by   *)
(* `Bug`, each breaking one invariant (see docs/spec/Capabilities.md):     *)
(*   "share-by-non-creator"           OnlyCreatorShares                    *)
(*   "deref-any-ref"                  CapabilityIsolation                  *)
(*   "watch-runs-as-writer"           WritesNeedCapability                 *)
(*   "validator-runs-as-writer"       NoCapabilityWithoutShare             *)
(*   "foreign-code-charged-to-writer" CallbackChargedToOwner               *)
(*   "join-any-process"               JoinOnlyChildren                     *)
(*   "no-process-limit"               TreeBound                            *)
(*   "exit-keeps-callbacks"           CallbacksHaveLiveOwners              *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NumProcs,     \* process ids are 1..NumProcs; process 1 is live at the start
    MaxRefs,      \* bound on refs ever issued (by NewAtom and Share)
    MaxAtoms,     \* bound on atoms ever created
    MaxTreeProcs, \* bound on live processes per tree (the quota treeProcesses)
    Bug           \* seeded bug: "none" or one of Bugs

Bugs == {"share-by-non-creator", "deref-any-ref", "watch-runs-as-writer",
         "validator-runs-as-writer", "foreign-code-charged-to-writer",
         "join-any-process", "no-process-limit", "exit-keeps-callbacks"}

ASSUME /\ NumProcs \in 1..8
       /\ MaxRefs \in 1..8
       /\ MaxAtoms \in 1..8
       /\ MaxTreeProcs \in 1..8
       /\ Bug \in {"none"} \cup Bugs

Procs  == 1..NumProcs
Refs   == 0..(MaxRefs - 1)
AtomId == 0..(MaxAtoms - 1)
NoProc == 0                         \* "no process" (no parent, no tree, no owner)
NoRef  == MaxRefs                   \* "no ref" (a step that used none)
NoAtom == MaxAtoms                  \* "no atom"
Kinds  == {"validator", "watch"}    \* the two kinds of callback
Acts   == {"none", "Access", "Join", "CallbackWrite", "CallbackShare"}
\* Values of the auxiliary variable `step` (see below).
NoStep == [act |-> "none", by |-> NoProc, to |-> NoProc, ref |-> NoRef, atom |-> NoAtom, payer |-> NoProc]
AccessStep(p, r, a) == [act |-> "Access", by |-> p, to |-> NoProc, ref |-> r, atom |-> a, payer |-> NoProc]
JoinStep(p, q) == [act |-> "Join", by |-> p, to |-> q, ref |-> NoRef, atom |-> NoAtom, payer |-> NoProc]
CallbackStep(act, o, a, t) == [act |-> act, by |-> o, to |-> NoProc, ref |-> NoRef, atom |-> a, payer |-> t]

VARIABLES
    alive,      \* alive[p]: p has been created and has not exited
    nextPid,    \* the global pid counter: processes 1..nextPid-1 have been created
    parent,     \* parent[p]: the process that created p (NoProc for process 1)
    tree,       \* tree[p]: the root of p's tree (NoProc before p is created)
    table,      \* table[p]: process p's atom table, a function from refs to atoms
    nextRef,    \* the global ref counter: refs 0..nextRef-1 have been issued
    nextAtom,   \* atoms 0..nextAtom-1 exist
    creator,    \* creator[a]: the process that created atom a (NoProc before creation)
    shared,     \* shared[a]: TRUE once atom a has been shared (monotonic)
    validator,  \* validator[a]: the owner of atom a's validator (NoProc: none)
    watchers,   \* watchers[a]: the owners of the watches on atom a
    sharers,    \* auxiliary, sharers[a]: the principals that have shared atom a
    grants,     \* auxiliary: the shares that gave a process a new ref, as
                \*   [atom, author, principal, to]; dropped when `to` exits
    step        \* auxiliary: what the invariants need of the step just taken
                \*   (NoStep for the other actions): for "Access", process `by`
                \*   used ref `ref` and reached `atom`; for "Join", `by` joined
                \*   `to`; for "CallbackWrite"/"CallbackShare", a callback owned
                \*   by `by` wrote or shared `atom` and tree `payer` was charged

vars == <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
          validator, watchers, sharers, grants, step>>

Created == 0..(nextAtom - 1)

\* The atoms p reaches through its table.
Reach(p) == {table[p][r] : r \in DOMAIN table[p]}

\* The live processes of tree t.
TreeSize(t) == Cardinality({p \in Procs : alive[p] /\ tree[p] = t})

\* o owns a callback of kind k on atom a.
HasCallback(o, k, a) == IF k = "validator" THEN validator[a] = o ELSE o \in watchers[a]

\* The principal o's callback of kind k runs as when w's write triggers it:
\* its owner (seeded bugs: the writer).
RunsAs(o, w, k) ==
    IF \/ k = "watch" /\ Bug = "watch-runs-as-writer"
       \/ k = "validator" /\ Bug = "validator-runs-as-writer"
    THEN w ELSE o

\* The tree charged for a step of o's callback run by w's write: the owner's
\* (seeded bug "foreign-code-charged-to-writer": the writer's).
Payer(o, w) == IF Bug = "foreign-code-charged-to-writer" THEN tree[w] ELSE tree[o]

TypeOK ==
    /\ DOMAIN alive = Procs /\ \A p \in Procs : alive[p] \in BOOLEAN
    /\ nextPid \in 2..(NumProcs + 1)
    /\ DOMAIN parent = Procs /\ \A p \in Procs : parent[p] \in 0..NumProcs
    /\ DOMAIN tree = Procs /\ \A p \in Procs : tree[p] \in 0..NumProcs
    /\ nextRef \in 0..MaxRefs
    /\ nextAtom \in 0..MaxAtoms
    /\ DOMAIN table = Procs
    /\ \A p \in Procs :
          /\ DOMAIN table[p] \subseteq 0..(nextRef - 1)
          /\ \A r \in DOMAIN table[p] : table[p][r] \in Created
    /\ DOMAIN creator = AtomId /\ \A a \in AtomId : creator[a] \in 0..NumProcs
    /\ DOMAIN shared = AtomId /\ \A a \in AtomId : shared[a] \in BOOLEAN
    /\ DOMAIN validator = AtomId /\ \A a \in AtomId : validator[a] \in 0..NumProcs
    /\ DOMAIN watchers = AtomId /\ \A a \in AtomId : watchers[a] \subseteq Procs
    /\ DOMAIN sharers = AtomId /\ \A a \in AtomId : sharers[a] \subseteq Procs
    /\ grants \subseteq [atom : AtomId, author : Procs, principal : Procs, to : Procs]
    /\ step \in [act : Acts, by : 0..NumProcs, to : 0..NumProcs, ref : Refs \cup {NoRef},
                 atom : AtomId \cup {NoAtom}, payer : 0..NumProcs]

\* Process 1 is live, the root of its tree; no atoms, empty tables.
Init ==
    /\ alive = [p \in Procs |-> p = 1]
    /\ nextPid = 2
    /\ parent = [p \in Procs |-> NoProc]
    /\ tree = [p \in Procs |-> IF p = 1 THEN 1 ELSE NoProc]
    /\ table = [p \in Procs |-> [r \in {} |-> 0]]
    /\ nextRef = 0
    /\ nextAtom = 0
    /\ creator = [a \in AtomId |-> NoProc]
    /\ shared = [a \in AtomId |-> FALSE]
    /\ validator = [a \in AtomId |-> NoProc]
    /\ watchers = [a \in AtomId |-> {}]
    /\ sharers = [a \in AtomId |-> {}]
    /\ grants = {}
    /\ step = NoStep

-----------------------------------------------------------------------------
(* Processes *)

\* A program's `spawn` (or `fork`) in p: the child joins p's tree, unless the
\* tree already has MaxTreeProcs live processes (`process-limit`; seeded bug
\* "no-process-limit": no bound).  Its parent is p; its table starts empty.
Spawn(p) ==
    /\ alive[p]
    /\ nextPid <= NumProcs
    /\ TreeSize(tree[p]) < MaxTreeProcs \/ Bug = "no-process-limit"
    /\ alive' = [alive EXCEPT ![nextPid] = TRUE]
    /\ parent' = [parent EXCEPT ![nextPid] = p]
    /\ tree' = [tree EXCEPT ![nextPid] = tree[p]]
    /\ nextPid' = nextPid + 1
    /\ step' = NoStep
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, validator, watchers,
                   sharers, grants>>

\* The `spawn` operation on behalf of p: the child is the root of a new tree
\* (of one process, so within every tree bound).  Its parent is p.
SpawnTree(p) ==
    /\ alive[p]
    /\ nextPid <= NumProcs
    /\ alive' = [alive EXCEPT ![nextPid] = TRUE]
    /\ parent' = [parent EXCEPT ![nextPid] = p]
    /\ tree' = [tree EXCEPT ![nextPid] = nextPid]
    /\ nextPid' = nextPid + 1
    /\ step' = NoStep
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, validator, watchers,
                   sharers, grants>>

\* `exit`: p's table goes, and with it every validator and watch p owns (seeded
\* bug "exit-keeps-callbacks": they stay); so do the grants to p.
Exit(p) ==
    /\ alive[p]
    /\ alive' = [alive EXCEPT ![p] = FALSE]
    /\ table' = [table EXCEPT ![p] = [r \in {} |-> 0]]
    /\ IF Bug = "exit-keeps-callbacks"
         THEN UNCHANGED <<validator, watchers>>
         ELSE /\ validator' = [a \in AtomId |-> IF validator[a] = p THEN NoProc ELSE validator[a]]
              /\ watchers' = [a \in AtomId |-> watchers[a] \ {p}]
    /\ grants' = {g \in grants : g.to # p}
    /\ step' = NoStep
    /\ UNCHANGED <<nextPid, parent, tree, nextRef, nextAtom, creator, shared, sharers>>

\* `join`: p waits for q and reads its result.  Only q's parent may (seeded bug
\* "join-any-process": any live process, p itself included).
Join(p, q) ==
    /\ alive[p]
    /\ alive[q]
    /\ parent[q] = p \/ Bug = "join-any-process"
    /\ step' = JoinStep(p, q)
    /\ UNCHANGED <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
                   validator, watchers, sharers, grants>>

-----------------------------------------------------------------------------
(* Atoms and capabilities *)

\* `atom`: p creates an atom under a fresh ref; p is its creator.
NewAtom(p) ==
    /\ alive[p]
    /\ nextRef < MaxRefs
    /\ nextAtom < MaxAtoms
    /\ LET old == table[p]
           t   == [r \in DOMAIN old \cup {nextRef} |-> IF r = nextRef THEN nextAtom ELSE old[r]]
       IN table' = [table EXCEPT ![p] = t]
    /\ creator' = [creator EXCEPT ![nextAtom] = p]
    /\ nextRef' = nextRef + 1
    /\ nextAtom' = nextAtom + 1
    /\ step' = NoStep
    /\ UNCHANGED <<alive, nextPid, parent, tree, shared, validator, watchers, sharers, grants>>

\* The share itself, by code authored by `author` running as `principal`: the
\* atom under the principal's ref r goes to the live process q.  The kernel's
\* check is on the principal: only the creator may share (seeded bug
\* "share-by-non-creator": any holder may).  q gets a fresh ref unless it
\* already holds the atom; the atom becomes shared.  Leaves the other
\* variables to the caller.
ShareStep(author, principal, r, q) ==
    /\ r \in DOMAIN table[principal]
    /\ q # principal
    /\ alive[q]
    /\ LET a == table[principal][r]
       IN /\ creator[a] = principal \/ Bug = "share-by-non-creator"
          /\ IF a \in Reach(q)
               THEN UNCHANGED <<table, nextRef, grants>>
               ELSE /\ nextRef < MaxRefs
                    /\ LET old == table[q]
                           t   == [y \in DOMAIN old \cup {nextRef} |-> IF y = nextRef THEN a ELSE old[y]]
                       IN table' = [table EXCEPT ![q] = t]
                    /\ nextRef' = nextRef + 1
                    /\ grants' = grants \cup {[atom |-> a, author |-> author, principal |-> principal, to |-> q]}
          /\ shared' = [shared EXCEPT ![a] = TRUE]
          /\ sharers' = [sharers EXCEPT ![a] = sharers[a] \cup {principal}]

\* `share(ref, q)`: p shares the atom under its ref r with process q, on its
\* own behalf.
Share(p, r, q) ==
    /\ alive[p]
    /\ ShareStep(p, p, r, q)
    /\ step' = NoStep
    /\ UNCHANGED <<alive, nextPid, parent, tree, nextAtom, creator, validator, watchers>>

\* A `deref` or a write by p itself through an issued ref r (the capability
\* check is the same for both).  A ref outside p's table is capability-denied
\* and changes nothing (seeded bug "deref-any-ref": it is resolved through
\* whichever table holds it).
Access(p, r) ==
    /\ alive[p]
    /\ r \in 0..(nextRef - 1)
    /\ \/ /\ r \in DOMAIN table[p]
          /\ step' = AccessStep(p, r, table[p][r])
       \/ /\ Bug = "deref-any-ref"
          /\ r \notin DOMAIN table[p]
          /\ \E q \in Procs :
                /\ r \in DOMAIN table[q]
                /\ step' = AccessStep(p, r, table[q][r])
    /\ UNCHANGED <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
                   validator, watchers, sharers, grants>>

-----------------------------------------------------------------------------
(* Callbacks *)

\* `set-validator!`: p installs a validator on the atom under its ref r,
\* replacing the atom's previous one; p owns it.
SetValidator(p, r) ==
    /\ alive[p]
    /\ r \in DOMAIN table[p]
    /\ validator[table[p][r]] # p
    /\ validator' = [validator EXCEPT ![table[p][r]] = p]
    /\ step' = NoStep
    /\ UNCHANGED <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
                   watchers, sharers, grants>>

\* `add-watch`: p adds a watch on the atom under its ref r; p owns it.
AddWatch(p, r) ==
    /\ alive[p]
    /\ r \in DOMAIN table[p]
    /\ p \notin watchers[table[p][r]]
    /\ watchers' = [watchers EXCEPT ![table[p][r]] = watchers[table[p][r]] \cup {p}]
    /\ step' = NoStep
    /\ UNCHANGED <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
                   validator, sharers, grants>>

\* The live process w writes the atom under its ref r, which runs o's
\* callback of kind k on that atom (a validator before the write, a watch
\* after it).  What w's write itself does is Access's business; here the
\* callback, authored by o, takes one step as RunsAs(o, w, k).
Triggers(w, r, o, k) ==
    /\ alive[w]
    /\ r \in DOMAIN table[w]
    /\ HasCallback(o, k, table[w][r])

\* The callback writes the atom under ref x of the table it runs with.
CallbackWrite(w, r, o, k, x) ==
    /\ Triggers(w, r, o, k)
    /\ LET pr == RunsAs(o, w, k)
       IN /\ x \in DOMAIN table[pr]
          /\ step' = CallbackStep("CallbackWrite", o, table[pr][x], Payer(o, w))
    /\ UNCHANGED <<alive, nextPid, parent, tree, table, nextRef, nextAtom, creator, shared,
                   validator, watchers, sharers, grants>>

\* The callback shares the atom under ref x of the table it runs with, with q.
CallbackShare(w, r, o, k, x, q) ==
    /\ Triggers(w, r, o, k)
    /\ LET pr == RunsAs(o, w, k)
       IN /\ ShareStep(o, pr, x, q)
          /\ step' = CallbackStep("CallbackShare", o, table[pr][x], Payer(o, w))
    /\ UNCHANGED <<alive, nextPid, parent, tree, nextAtom, creator, validator, watchers>>

Next ==
    \/ \E p \in Procs :
          \/ Spawn(p)
          \/ SpawnTree(p)
          \/ Exit(p)
          \/ \E q \in Procs : Join(p, q)
          \/ NewAtom(p)
          \/ \E r \in DOMAIN table[p] : \E q \in Procs : Share(p, r, q)
          \/ \E r \in Refs : Access(p, r)
          \/ \E r \in DOMAIN table[p] : SetValidator(p, r)
          \/ \E r \in DOMAIN table[p] : AddWatch(p, r)
    \/ \E w \in Procs : \E r \in DOMAIN table[w] : \E o \in Procs : \E k \in Kinds :
          /\ HasCallback(o, k, table[w][r])
          /\ \E x \in DOMAIN table[RunsAs(o, w, k)] :
                \/ CallbackWrite(w, r, o, k, x)
                \/ \E q \in Procs : q # RunsAs(o, w, k) /\ alive[q] /\ CallbackShare(w, r, o, k, x, q)

\* (Next quantifies over the refs in a table rather than all of Refs, and
\* repeats a few cheap guards of the actions, only so that the checker calls
\* fewer disabled actions: the steps are the same.)

\* Weak fairness of Next: the system keeps taking steps while it can.
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)

-----------------------------------------------------------------------------
(* Invariants *)

\* No process ever reads or writes an atom that is not in its table: an
\* access goes through the accessing process's own table.
CapabilityIsolation ==
    step.act = "Access" =>
        /\ step.ref \in DOMAIN table[step.by]
        /\ step.atom = table[step.by][step.ref]

\* The kernel's rule: only an atom's creator has ever shared it (through its
\* own table); an atom is shared iff it has been shared.
OnlyCreatorShares ==
    \A a \in Created :
        /\ sharers[a] \subseteq {creator[a]}
        /\ shared[a] <=> sharers[a] # {}

\* Authority end to end: every atom in p's table that p did not create was
\* given to p by a Share both authored by its creator and run as its creator.
NoCapabilityWithoutShare ==
    \A p \in Procs : \A r \in DOMAIN table[p] :
        LET a == table[p][r]
        IN creator[a] # p =>
              [atom |-> a, author |-> creator[a], principal |-> creator[a], to |-> p] \in grants

CallbackActs == {"CallbackWrite", "CallbackShare"}

\* Code touches only what its author holds: a write or share run by a callback
\* touches an atom in its owner's table.  (Checked just after the step; a
\* share that gives the owner the atom itself passes here and is caught by
\* NoCapabilityWithoutShare.)
WritesNeedCapability ==
    step.act \in CallbackActs => step.atom \in Reach(step.by)

\* A callback's step is charged to its owner's tree, never the writer's.
CallbackChargedToOwner ==
    step.act \in CallbackActs => step.payer = tree[step.by]

\* A process joins only its own children.
JoinOnlyChildren ==
    step.act = "Join" => parent[step.to] = step.by

\* No tree has more than MaxTreeProcs live processes.
TreeBound ==
    \A t \in Procs : TreeSize(t) <= MaxTreeProcs

\* Exit revokes code: every validator and watch has a live owner.
CallbacksHaveLiveOwners ==
    \A a \in AtomId :
        /\ validator[a] # NoProc => alive[validator[a]]
        /\ \A o \in watchers[a] : alive[o]

=============================================================================
