---------------------------- MODULE Capabilities ----------------------------
(***************************************************************************)
(* Capabilities: a process reaches only the atoms in its own table.  Only  *)
(* an atom's creator may `Share` it; the target gets a fresh ref (or keeps *)
(* the ref it already has for that atom) and the atom's `shared` flag      *)
(* becomes TRUE for good.  A ref that is in another process's table but    *)
(* not the caller's is `capability-denied` and changes nothing (a          *)
(* stuttering step, so it is not an action here).  Naming follows          *)
(* docs/adr/0003.  Atom values are left out: they play no part in who may  *)
(* reach what (Atoms.tla has them).                                        *)
(*                                                                         *)
(* Mirrored one-to-one by spec/Capabilities.ts.  Seeded bugs selected by   *)
(* `Bug`: "share-by-non-creator" violates OnlyCreatorShares (a non-creator *)
(* that shares still only hands out an atom it holds, so the tables stay   *)
(* isolated and CapabilityIsolation holds: the rule "creator only" needs   *)
(* its own invariant); "deref-any-ref" (an access resolving a ref through  *)
(* whichever table holds it) violates CapabilityIsolation.                 *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NumProcs,   \* processes are 1..NumProcs, all live
    MaxRefs,    \* bound on refs ever issued (by NewAtom and Share)
    MaxAtoms,   \* bound on atoms ever created
    Bug         \* seeded bug: "none", "share-by-non-creator", "deref-any-ref"

ASSUME /\ NumProcs \in 1..8
       /\ MaxRefs \in 1..8
       /\ MaxAtoms \in 1..8
       /\ Bug \in {"none", "share-by-non-creator", "deref-any-ref"}

Procs  == 1..NumProcs
Refs   == 0..(MaxRefs - 1)
AtomId == 0..(MaxAtoms - 1)
NoRef  == MaxRefs                   \* "no access yet"
NoAtom == MaxAtoms

VARIABLES
    table,      \* table[p]: process p's atom table, a function from refs to atoms
    nextRef,    \* the global ref counter: refs 0..nextRef-1 have been issued
    nextAtom,   \* atoms 0..nextAtom-1 exist
    creator,    \* creator[a]: the process that created atom a (0 before creation)
    shared,     \* shared[a]: TRUE once atom a has been shared (monotonic)
    sharers,    \* auxiliary, sharers[a]: the processes that have shared atom a
    lastAccess  \* auxiliary, lastAccess[p]: p's last deref or write, [ref, atom]
                \*   (NoRef, NoAtom before any)

vars == <<table, nextRef, nextAtom, creator, shared, sharers, lastAccess>>

Created == 0..(nextAtom - 1)

\* The atoms p reaches through its table.
Reach(p) == {table[p][r] : r \in DOMAIN table[p]}

TypeOK ==
    /\ nextRef \in 0..MaxRefs
    /\ nextAtom \in 0..MaxAtoms
    /\ DOMAIN table = Procs
    /\ \A p \in Procs :
          /\ DOMAIN table[p] \subseteq 0..(nextRef - 1)
          /\ \A r \in DOMAIN table[p] : table[p][r] \in Created
    /\ DOMAIN creator = AtomId /\ \A a \in AtomId : creator[a] \in 0..NumProcs
    /\ DOMAIN shared = AtomId /\ \A a \in AtomId : shared[a] \in BOOLEAN
    /\ DOMAIN sharers = AtomId /\ \A a \in AtomId : sharers[a] \subseteq Procs
    /\ DOMAIN lastAccess = Procs
    /\ \A p \in Procs :
          /\ lastAccess[p].ref \in Refs \cup {NoRef}
          /\ lastAccess[p].atom \in AtomId \cup {NoAtom}

\* No atoms, empty tables.
Init ==
    /\ table = [p \in Procs |-> [r \in {} |-> 0]]
    /\ nextRef = 0
    /\ nextAtom = 0
    /\ creator = [a \in AtomId |-> 0]
    /\ shared = [a \in AtomId |-> FALSE]
    /\ sharers = [a \in AtomId |-> {}]
    /\ lastAccess = [p \in Procs |-> [ref |-> NoRef, atom |-> NoAtom]]

\* `atom`: p creates an atom under a fresh ref; p is its creator.
NewAtom(p) ==
    /\ nextRef < MaxRefs
    /\ nextAtom < MaxAtoms
    /\ LET old == table[p]
           t   == [r \in DOMAIN old \cup {nextRef} |-> IF r = nextRef THEN nextAtom ELSE old[r]]
       IN table' = [table EXCEPT ![p] = t]
    /\ creator' = [creator EXCEPT ![nextAtom] = p]
    /\ nextRef' = nextRef + 1
    /\ nextAtom' = nextAtom + 1
    /\ UNCHANGED <<shared, sharers, lastAccess>>

\* `share(ref, q)`: p shares the atom under its ref r with process q.  Only the
\* creator may (seeded bug "share-by-non-creator": any holder may).  q gets a
\* fresh ref unless it already holds the atom; the atom becomes shared.
Share(p, r, q) ==
    /\ q # p
    /\ r \in DOMAIN table[p]
    /\ LET a == table[p][r]
       IN /\ creator[a] = p \/ Bug = "share-by-non-creator"
          /\ IF a \in Reach(q)
               THEN UNCHANGED <<table, nextRef>>
               ELSE /\ nextRef < MaxRefs
                    /\ LET old == table[q]
                           t   == [x \in DOMAIN old \cup {nextRef} |-> IF x = nextRef THEN a ELSE old[x]]
                       IN table' = [table EXCEPT ![q] = t]
                    /\ nextRef' = nextRef + 1
          /\ shared' = [shared EXCEPT ![a] = TRUE]
          /\ sharers' = [sharers EXCEPT ![a] = sharers[a] \cup {p}]
    /\ UNCHANGED <<nextAtom, creator, lastAccess>>

\* `deref` or a write by p through an issued ref r (the capability check is
\* the same for both).  A ref outside p's table is capability-denied and
\* changes nothing (seeded bug "deref-any-ref": it is resolved through
\* whichever table holds it).
Access(p, r) ==
    /\ r \in 0..(nextRef - 1)
    /\ \/ /\ r \in DOMAIN table[p]
          /\ lastAccess' = [lastAccess EXCEPT ![p] = [ref |-> r, atom |-> table[p][r]]]
       \/ /\ Bug = "deref-any-ref"
          /\ r \notin DOMAIN table[p]
          /\ \E q \in Procs :
                /\ r \in DOMAIN table[q]
                /\ lastAccess' = [lastAccess EXCEPT ![p] = [ref |-> r, atom |-> table[q][r]]]
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, sharers>>

Next ==
    \E p \in Procs :
        \/ NewAtom(p)
        \/ \E r \in Refs : \E q \in Procs : Share(p, r, q)
        \/ \E r \in Refs : Access(p, r)

\* Weak fairness of Next: the system keeps taking steps while it can.
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)

-----------------------------------------------------------------------------
(* Invariants *)

\* No process ever reads or writes an atom that is not in its table: its last
\* access went through its own table (tables only grow, so "then" is "now").
CapabilityIsolation ==
    \A p \in Procs :
        lastAccess[p].ref # NoRef =>
            /\ lastAccess[p].ref \in DOMAIN table[p]
            /\ lastAccess[p].atom = table[p][lastAccess[p].ref]

\* Only an atom's creator has ever shared it; an atom is shared iff its
\* creator shared it.
OnlyCreatorShares ==
    \A a \in Created :
        /\ sharers[a] \subseteq {creator[a]}
        /\ shared[a] <=> sharers[a] # {}

=============================================================================
