------------------------------- MODULE Atoms -------------------------------
(***************************************************************************)
(* Atoms: per-process atom tables, `Deref` (value and stamp), stamped      *)
(* `CAS`, `Reset`, `Swap` as read -> compute -> CAS with retry (split into *)
(* `SwapRead` and `SwapCommit`, so swaps of different processes            *)
(* interleave), and validators.  Naming follows docs/adr/0003: a table     *)
(* maps refs to atoms, refs come from one global counter, each atom has a  *)
(* creator and a monotonic `shared` flag, stamps start at 0 and grow by    *)
(* one per successful write.                                               *)
(*                                                                         *)
(* Mirrored one-to-one by spec/Atoms.ts.  Seeded bugs are selected by the  *)
(* constant `Bug` ("none" in normal models).                               *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    NumProcs,   \* processes are 1..NumProcs
    NumShared,  \* atoms that exist at the start, in every table, shared
    MaxAtoms,   \* bound on atoms (and refs) ever created
    MaxVal,     \* values are 0..MaxVal
    ValidMax,   \* the validator accepts exactly the values 0..ValidMax
    MaxStamp,   \* bound on successful writes per atom (the model's budget)
    Bug         \* seeded bug: "none", "cas-ignores-stamp", "reset-keeps-stamp"

ASSUME /\ NumProcs \in 1..8
       /\ MaxAtoms \in 1..8
       /\ NumShared \in 1..MaxAtoms
       /\ MaxVal \in 0..8
       /\ ValidMax \in 0..MaxVal
       /\ MaxStamp \in 0..8
       /\ Bug \in {"none", "cas-ignores-stamp", "reset-keeps-stamp"}

Procs  == 1..NumProcs
Refs   == 0..(MaxAtoms - 1)
AtomId == 0..(MaxAtoms - 1)
Vals   == 0..MaxVal
Stamps == 0..MaxStamp
NoRef  == MaxAtoms                  \* "no read yet" in a register
PcVals == {"idle", "commit", "retry"}

\* The validator: a fixed predicate on values.
Valid(v) == v <= ValidMax

\* The function every swap applies to the value it read.
F(v) == (v + 1) % (MaxVal + 1)

VARIABLES
    table,     \* table[p]: process p's atom table, a function from refs to atoms
    nextRef,   \* the global ref counter: refs 0..nextRef-1 have been issued
    nextAtom,  \* atoms 0..nextAtom-1 exist
    val,       \* val[a]: the current value of atom a
    stamp,     \* stamp[a]: the number of successful writes to atom a
    creator,   \* creator[a]: the process that created atom a (0 before creation)
    shared,    \* shared[a]: TRUE once atom a has been shared (monotonic)
    hist,      \* auxiliary, hist[a]: every state atom a has had, creation first, as
               \*   [val, stamp, seen]; seen = the stamp the writer presented
    pc,        \* pc[p]: "idle"; "commit" (a swap has read and will CAS);
               \*   "retry" (a swap's CAS failed; it will read again)
    reg        \* reg[p]: p's last read, [ref, val, stamp] (ref = NoRef before any)

vars == <<table, nextRef, nextAtom, val, stamp, creator, shared, hist, pc, reg>>

Created == 0..(nextAtom - 1)

TypeOK ==
    /\ nextRef \in 0..MaxAtoms
    /\ nextAtom \in 0..MaxAtoms
    /\ DOMAIN table = Procs
    /\ \A p \in Procs :
          /\ DOMAIN table[p] \subseteq 0..(nextRef - 1)
          /\ \A r \in DOMAIN table[p] : table[p][r] \in Created
    /\ DOMAIN val = AtomId /\ \A a \in AtomId : val[a] \in Vals
    /\ DOMAIN stamp = AtomId /\ \A a \in AtomId : stamp[a] \in Stamps
    /\ DOMAIN creator = AtomId /\ \A a \in AtomId : creator[a] \in 0..NumProcs
    /\ DOMAIN shared = AtomId /\ \A a \in AtomId : shared[a] \in BOOLEAN
    /\ DOMAIN hist = AtomId
    /\ \A a \in AtomId :
          /\ Len(hist[a]) \in 0..(MaxStamp + 1)
          /\ \A i \in 1..Len(hist[a]) :
                /\ hist[a][i].val \in Vals
                /\ hist[a][i].stamp \in Stamps
                /\ hist[a][i].seen \in Stamps
    /\ DOMAIN pc = Procs /\ \A p \in Procs : pc[p] \in PcVals
    /\ DOMAIN reg = Procs
    /\ \A p \in Procs :
          /\ reg[p].ref \in Refs \cup {NoRef}
          /\ reg[p].val \in Vals
          /\ reg[p].stamp \in Stamps

\* NumShared atoms exist at the start: atom i under ref i in every table,
\* created by process 1 and already shared, holding 0 at stamp 0.
Init ==
    /\ table = [p \in Procs |-> [r \in 0..(NumShared - 1) |-> r]]
    /\ nextRef = NumShared
    /\ nextAtom = NumShared
    /\ val = [a \in AtomId |-> 0]
    /\ stamp = [a \in AtomId |-> 0]
    /\ creator = [a \in AtomId |-> IF a < NumShared THEN 1 ELSE 0]
    /\ shared = [a \in AtomId |-> a < NumShared]
    /\ hist = [a \in AtomId |-> IF a < NumShared
                                 THEN << [val |-> 0, stamp |-> 0, seen |-> 0] >>
                                 ELSE << >>]
    /\ pc = [p \in Procs |-> "idle"]
    /\ reg = [p \in Procs |-> [ref |-> NoRef, val |-> 0, stamp |-> 0]]

\* A successful write of v to atom a, by a writer that presented stamp `seen`;
\* the atom's new stamp is ns.  Not an action by itself.
Write(a, v, seen, ns) ==
    /\ val' = [val EXCEPT ![a] = v]
    /\ stamp' = [stamp EXCEPT ![a] = ns]
    /\ hist' = [hist EXCEPT ![a] = Append(hist[a], [val |-> v, stamp |-> ns, seen |-> seen])]

\* The write budget of the finite model: atom a can take another write.
CanWrite(a) == Len(hist[a]) <= MaxStamp

\* The stamp check of a CAS (skipped by the seeded bug "cas-ignores-stamp").
StampMatches(a, s) == stamp[a] = s \/ Bug = "cas-ignores-stamp"

\* `atom`: p creates a private atom holding a valid v under a fresh ref.
NewAtom(p, v) ==
    /\ pc[p] = "idle"
    /\ nextAtom < MaxAtoms
    /\ nextRef < MaxAtoms
    /\ Valid(v)
    /\ LET old == table[p]
           t   == [r \in DOMAIN old \cup {nextRef} |-> IF r = nextRef THEN nextAtom ELSE old[r]]
       IN table' = [table EXCEPT ![p] = t]
    /\ val' = [val EXCEPT ![nextAtom] = v]
    /\ creator' = [creator EXCEPT ![nextAtom] = p]
    /\ hist' = [hist EXCEPT ![nextAtom] = << [val |-> v, stamp |-> 0, seen |-> 0] >>]
    /\ nextRef' = nextRef + 1
    /\ nextAtom' = nextAtom + 1
    /\ UNCHANGED <<stamp, shared, pc, reg>>

\* `deref`: p reads the value and stamp of the atom under ref r into its register.
Deref(p, r) ==
    /\ pc[p] = "idle"
    /\ r \in DOMAIN table[p]
    /\ reg' = [reg EXCEPT ![p] = [ref |-> r, val |-> val[table[p][r]], stamp |-> stamp[table[p][r]]]]
    /\ UNCHANGED <<table, nextRef, nextAtom, val, stamp, creator, shared, hist, pc>>

\* `cas(ref, stamp, v)`: p writes v to the atom it last read, iff the atom's
\* stamp still equals the stamp p read and v passes the validator.  A failing
\* CAS changes nothing (a stuttering step), so only successes are steps.
CAS(p, v) ==
    /\ pc[p] = "idle"
    /\ reg[p].ref # NoRef
    /\ Valid(v)
    /\ LET a == table[p][reg[p].ref]
       IN /\ StampMatches(a, reg[p].stamp)
          /\ CanWrite(a)
          /\ Write(a, v, reg[p].stamp, stamp[a] + 1)
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, pc, reg>>

\* `reset!`: p writes a valid v to the atom under ref r, whatever its stamp.
\* (Seeded bug "reset-keeps-stamp": the stamp does not move.)
Reset(p, r, v) ==
    /\ pc[p] = "idle"
    /\ r \in DOMAIN table[p]
    /\ Valid(v)
    /\ LET a == table[p][r]
       IN /\ CanWrite(a)
          /\ Write(a, v, stamp[a], IF Bug = "reset-keeps-stamp" THEN stamp[a] ELSE stamp[a] + 1)
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, pc, reg>>

\* `swap!`, first half: p reads the atom under ref r (a new swap from "idle",
\* or the same ref again after a failed commit, from "retry").
SwapRead(p, r) ==
    /\ \/ pc[p] = "idle" /\ r \in DOMAIN table[p]
       \/ pc[p] = "retry" /\ r = reg[p].ref
    /\ reg' = [reg EXCEPT ![p] = [ref |-> r, val |-> val[table[p][r]], stamp |-> stamp[table[p][r]]]]
    /\ pc' = [pc EXCEPT ![p] = "commit"]
    /\ UNCHANGED <<table, nextRef, nextAtom, val, stamp, creator, shared, hist>>

\* `swap!`, second half: CAS of F(value read) with the stamp read.  The
\* validator rejecting F(value) ends the swap with no write; a stale stamp
\* sends p back to SwapRead.
SwapCommit(p) ==
    /\ pc[p] = "commit"
    /\ LET a  == table[p][reg[p].ref]
           nv == F(reg[p].val)
       IN IF ~Valid(nv)
            THEN /\ pc' = [pc EXCEPT ![p] = "idle"]
                 /\ UNCHANGED <<val, stamp, hist>>
            ELSE IF StampMatches(a, reg[p].stamp)
              THEN /\ CanWrite(a)
                   /\ Write(a, nv, reg[p].stamp, stamp[a] + 1)
                   /\ pc' = [pc EXCEPT ![p] = "idle"]
              ELSE /\ pc' = [pc EXCEPT ![p] = "retry"]
                   /\ UNCHANGED <<val, stamp, hist>>
    /\ UNCHANGED <<table, nextRef, nextAtom, creator, shared, reg>>

Next ==
    \E p \in Procs :
        \/ \E v \in Vals : NewAtom(p, v)
        \/ \E r \in Refs : Deref(p, r)
        \/ \E v \in Vals : CAS(p, v)
        \/ \E r \in Refs : \E v \in Vals : Reset(p, r, v)
        \/ \E r \in Refs : SwapRead(p, r)
        \/ SwapCommit(p)

\* Weak fairness of Next: the system keeps taking steps while it can.
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)

-----------------------------------------------------------------------------
(* Invariants *)

\* Every write after creation presented the stamp the atom had just before it:
\* a CAS (or swap commit) holding a stale stamp never writes.
StaleStampNeverWrites ==
    \A a \in Created :
        \A i \in 2..Len(hist[a]) : hist[a][i].seen = hist[a][i - 1].stamp

\* The stamp starts at 0 and each successful write adds exactly one.
StampGrowsByOne ==
    \A a \in Created :
        \A i \in 1..Len(hist[a]) : hist[a][i].stamp = i - 1

\* Each atom's successful writes form one sequence: its current value and
\* stamp are the last entry of its history, and every read a process holds
\* returned a state from that history.
Linearizable ==
    /\ \A a \in Created :
          /\ Len(hist[a]) >= 1
          /\ val[a] = hist[a][Len(hist[a])].val
          /\ stamp[a] = hist[a][Len(hist[a])].stamp
    /\ \A p \in Procs :
          reg[p].ref # NoRef =>
             LET a == table[p][reg[p].ref]
             IN \E i \in 1..Len(hist[a]) :
                   hist[a][i].val = reg[p].val /\ hist[a][i].stamp = reg[p].stamp

=============================================================================
