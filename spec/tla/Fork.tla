-------------------------------- MODULE Fork --------------------------------
(***************************************************************************)
(* Fork: a child process gets a copy of its parent's atom table.  Private  *)
(* atoms are re-pointed at new atoms holding the same value and stamp,     *)
(* created by the child (no value is copied: a value is immutable, the new *)
(* atom simply refers to it); shared atoms stay the same atom.  Naming     *)
(* follows docs/adr/0003.  Writes are modelled as plain successful writes  *)
(* (stamped CAS and its failures are the concern of Atoms.tla).            *)
(*                                                                         *)
(* Mirrored one-to-one by spec/Fork.ts.  Seeded bug selected by `Bug`.     *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NumProcs,   \* process ids are 1..NumProcs; only process 1 is alive at the start
    NumShared,  \* atoms that exist at the start in process 1's table, shared
    MaxRefs,    \* bound on refs ever issued (by NewAtom; Fork reuses the parent's refs)
    MaxAtoms,   \* bound on atoms ever created (by NewAtom and by Fork)
    MaxVal,     \* values are 0..MaxVal
    MaxStamp,   \* bound on successful writes per atom
    Bug         \* seeded bug: "none" or "fork-shares-private"

ASSUME /\ NumProcs \in 1..8
       /\ MaxRefs \in 1..8
       /\ MaxAtoms \in 1..12
       /\ NumShared \in 0..MaxRefs
       /\ NumShared <= MaxAtoms
       /\ MaxVal \in 0..8
       /\ MaxStamp \in 0..8
       /\ Bug \in {"none", "fork-shares-private"}

Procs  == 1..NumProcs
Refs   == 0..(MaxRefs - 1)
AtomId == 0..(MaxAtoms - 1)
Vals   == 0..MaxVal

VARIABLES
    live,      \* the set of live processes
    table,     \* table[p]: process p's atom table, a function from refs to atoms
    nextRef,   \* the global ref counter: refs 0..nextRef-1 have been issued
    nextAtom,  \* atoms 0..nextAtom-1 exist
    val,       \* val[a]: the current value of atom a
    stamp,     \* stamp[a]: the number of successful writes to atom a
    creator,   \* creator[a]: the process that created atom a (0 before creation)
    shared,    \* shared[a]: TRUE if atom a is shared (fixed here: set at the start)
    writers    \* auxiliary, writers[a]: the processes that have written the private
               \*   atom a since it was created (not tracked for shared atoms)

vars == <<live, table, nextRef, nextAtom, val, stamp, creator, shared, writers>>

Created == 0..(nextAtom - 1)

\* The live processes that reach atom a through their table.
Holders(a) == {q \in live : \E r \in DOMAIN table[q] : table[q][r] = a}

TypeOK ==
    /\ live \subseteq Procs
    /\ nextRef \in 0..MaxRefs
    /\ nextAtom \in 0..MaxAtoms
    /\ DOMAIN table = Procs
    /\ \A p \in Procs :
          /\ DOMAIN table[p] \subseteq 0..(nextRef - 1)
          /\ \A r \in DOMAIN table[p] : table[p][r] \in Created
    /\ DOMAIN val = AtomId /\ \A a \in AtomId : val[a] \in Vals
    /\ DOMAIN stamp = AtomId /\ \A a \in AtomId : stamp[a] \in 0..MaxStamp
    /\ DOMAIN creator = AtomId /\ \A a \in AtomId : creator[a] \in 0..NumProcs
    /\ DOMAIN shared = AtomId /\ \A a \in AtomId : shared[a] \in BOOLEAN
    /\ DOMAIN writers = AtomId /\ \A a \in AtomId : writers[a] \subseteq Procs

\* Process 1 is alive and holds NumShared shared atoms (atom i under ref i).
Init ==
    /\ live = {1}
    /\ table = [p \in Procs |-> [r \in (IF p = 1 THEN 0..(NumShared - 1) ELSE {}) |-> r]]
    /\ nextRef = NumShared
    /\ nextAtom = NumShared
    /\ val = [a \in AtomId |-> 0]
    /\ stamp = [a \in AtomId |-> 0]
    /\ creator = [a \in AtomId |-> IF a < NumShared THEN 1 ELSE 0]
    /\ shared = [a \in AtomId |-> a < NumShared]
    /\ writers = [a \in AtomId |-> {}]

\* `atom`: live process p creates a private atom holding v under a fresh ref.
NewAtom(p, v) ==
    /\ p \in live
    /\ nextRef < MaxRefs
    /\ nextAtom < MaxAtoms
    /\ LET old == table[p]
           t   == [r \in DOMAIN old \cup {nextRef} |-> IF r = nextRef THEN nextAtom ELSE old[r]]
       IN table' = [table EXCEPT ![p] = t]
    /\ val' = [val EXCEPT ![nextAtom] = v]
    /\ creator' = [creator EXCEPT ![nextAtom] = p]
    /\ nextRef' = nextRef + 1
    /\ nextAtom' = nextAtom + 1
    /\ UNCHANGED <<live, stamp, shared, writers>>

\* A successful write of v by p to the atom under ref r (stamp + 1).
Write(p, r, v) ==
    /\ p \in live
    /\ r \in DOMAIN table[p]
    /\ LET a == table[p][r]
       IN /\ stamp[a] < MaxStamp
          /\ val' = [val EXCEPT ![a] = v]
          /\ stamp' = [stamp EXCEPT ![a] = stamp[a] + 1]
          /\ writers' = IF shared[a] THEN writers
                        ELSE [writers EXCEPT ![a] = writers[a] \cup {p}]
    /\ UNCHANGED <<live, table, nextRef, nextAtom, creator, shared>>

\* The refs of p's table that name private atoms.
PrivRefs(p) == {r \in DOMAIN table[p] : ~shared[table[p][r]]}

\* The new atom a fork of p gives to the private ref r: numbered in ref order.
NewId(p, r) == nextAtom + Cardinality({q \in PrivRefs(p) : q < r})

\* `fork`: live p forks; the child is the lowest free process id.  Private
\* atoms are re-pointed at new atoms (same value and stamp, created by the
\* child); shared atoms stay shared.  (Seeded bug "fork-shares-private": the
\* child's table is the parent's, private atoms included.)
Fork(p) ==
    /\ p \in live
    /\ Procs \ live # {}
    /\ LET c    == CHOOSE q \in Procs \ live : \A q2 \in Procs \ live : q <= q2
           priv == PrivRefs(p)
           n    == Cardinality(priv)
           new  == nextAtom..(nextAtom + n - 1)
           \* the parent's atom that new atom a copies
           src(a) == table[p][CHOOSE r \in priv : NewId(p, r) = a]
       IN /\ live' = live \cup {c}
          /\ IF Bug = "fork-shares-private"
               THEN /\ table' = [table EXCEPT ![c] = table[p]]
                    /\ UNCHANGED <<nextAtom, val, stamp, creator>>
               ELSE /\ nextAtom + n <= MaxAtoms
                    /\ table' = [table EXCEPT ![c] =
                          [r \in DOMAIN table[p] |-> IF r \in priv THEN NewId(p, r) ELSE table[p][r]]]
                    /\ nextAtom' = nextAtom + n
                    /\ val' = [a \in AtomId |-> IF a \in new THEN val[src(a)] ELSE val[a]]
                    /\ stamp' = [a \in AtomId |-> IF a \in new THEN stamp[src(a)] ELSE stamp[a]]
                    /\ creator' = [a \in AtomId |-> IF a \in new THEN c ELSE creator[a]]
    /\ UNCHANGED <<nextRef, shared, writers>>

Next ==
    \E p \in Procs :
        \/ \E v \in Vals : NewAtom(p, v)
        \/ \E r \in Refs : \E v \in Vals : Write(p, r, v)
        \/ Fork(p)

\* Weak fairness of Next: the system keeps taking steps while it can.
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)

-----------------------------------------------------------------------------
(* Invariants *)

\* A write to a private atom is seen by no other process: every live process
\* that reaches a private atom is the one process that wrote it.  So a child's
\* write to its copy never reaches the parent, and the parent's write to the
\* original never reaches the child.
ForkIsolation ==
    \A a \in Created :
        ~shared[a] => \A w \in writers[a] : \A q \in Holders(a) : q = w

=============================================================================
