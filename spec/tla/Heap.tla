-------------------------------- MODULE Heap --------------------------------
(***************************************************************************)
(* The ImmutOS heap: immutable cells in a finite address space behind a    *)
(* handle table.  A cell holds children (handles) and a payload; once a    *)
(* handle is published its content never changes.  Roots are a few atom   *)
(* slots and each process's registers.  Allocation may only reference      *)
(* handles the allocating process holds in its registers (so published     *)
(* and reachable).  Collection here is stop-the-world: one atomic step     *)
(* frees every unreachable cell (GC.tla refines this into a concurrent,    *)
(* moving collector).                                                      *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Procs,       \* the mutator processes (model values)
    NumHandles,  \* handles are 1..NumHandles; 0 means "no handle"
    NumAddrs,    \* addresses are 1..NumAddrs; 0 means "no address"
    NumAtoms,    \* atom slots are 1..NumAtoms
    MaxPayload,  \* payloads are 0..MaxPayload
    MaxKids      \* a cell has at most MaxKids children

ASSUME /\ Procs # {}
       /\ NumHandles \in 1..8 /\ NumAddrs \in 1..16 /\ NumAtoms \in 1..8
       /\ MaxPayload \in 0..3 /\ MaxKids \in 0..NumHandles

Handles  == 1..NumHandles
Addrs    == 1..NumAddrs
Slots    == 1..NumAtoms
Payloads == 0..MaxPayload
NoH      == 0
NoAddr   == 0
Kids     == {k \in SUBSET Handles : Cardinality(k) <= MaxKids}
\* A cell's content: its children (handles) and its payload.
Cells    == [ch : Kids, pl : Payloads]
\* The content of a free address (its payload lies outside Payloads).
FreeCell == [ch |-> {}, pl |-> MaxPayload + 1]

VARIABLES
    ht,      \* handle table: handle -> address (NoAddr = handle not allocated)
    mem,     \* memory: address -> cell content, or FreeCell
    atoms,   \* atom slots: slot -> handle (NoH = empty); roots
    regs,    \* process registers: process -> set of handles held; roots
    pub      \* ghost: handle -> content when it was published (FreeCell if unallocated)

vars == <<ht, mem, atoms, regs, pub>>

TypeOK ==
    /\ ht \in [Handles -> 0..NumAddrs]
    /\ mem \in [Addrs -> Cells \cup {FreeCell}]
    /\ atoms \in [Slots -> 0..NumHandles]
    /\ regs \in [Procs -> SUBSET Handles]
    /\ pub \in [Handles -> Cells \cup {FreeCell}]

-----------------------------------------------------------------------------
(* Helpers *)

Min(S) == CHOOSE x \in S : \A y \in S : x <= y
\* The content a handle resolves to now.
Deref(h) == IF ht[h] = NoAddr THEN FreeCell ELSE mem[ht[h]]
Allocated == {h \in Handles : ht[h] # NoAddr}
FreeHandles == Handles \ Allocated
FreeAddrs == {x \in Addrs : mem[x] = FreeCell}
Children(S) == UNION {Deref(h).ch : h \in S}
\* The least superset of S closed under Children (a fixpoint, at most NumHandles rounds).
RECURSIVE Closure(_)
Closure(S) == LET T == S \cup Children(S) IN IF T = S THEN S ELSE Closure(T)
Roots == ({atoms[i] : i \in Slots} \ {NoH}) \cup UNION {regs[p] : p \in Procs}
Reachable == Closure(Roots)
Garbage == Allocated \ Reachable

-----------------------------------------------------------------------------
(* Initial state: empty heap. *)

Init ==
    /\ ht = [h \in Handles |-> NoAddr]
    /\ mem = [x \in Addrs |-> FreeCell]
    /\ atoms = [i \in Slots |-> NoH]
    /\ regs = [p \in Procs |-> {}]
    /\ pub = [h \in Handles |-> FreeCell]

-----------------------------------------------------------------------------
(* Actions *)

\* p allocates a cell with children k (handles it holds) and payload v at the
\* lowest free handle and address, publishes it and holds it in a register.
Alloc(p, k, v) ==
    /\ FreeHandles # {} /\ FreeAddrs # {}
    /\ k \subseteq regs[p] /\ Cardinality(k) <= MaxKids
    /\ LET h == Min(FreeHandles)
           x == Min(FreeAddrs)
       IN /\ ht' = [ht EXCEPT ![h] = x]
          /\ mem' = [mem EXCEPT ![x] = [ch |-> k, pl |-> v]]
          /\ pub' = [pub EXCEPT ![h] = [ch |-> k, pl |-> v]]
          /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {h}]
    /\ UNCHANGED atoms

\* p reads cell h (which it holds) and keeps its child c in a register.
Load(p, h, c) ==
    /\ h \in regs[p]
    /\ c \in Deref(h).ch
    /\ c \notin regs[p]
    /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {c}]
    /\ UNCHANGED <<ht, mem, atoms, pub>>

\* p loads the handle held by atom slot i into a register.
LoadAtom(p, i) ==
    /\ atoms[i] # NoH
    /\ atoms[i] \notin regs[p]
    /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {atoms[i]}]
    /\ UNCHANGED <<ht, mem, atoms, pub>>

\* p stores h (a handle it holds, or NoH) into atom slot i.
StoreAtom(p, i, h) ==
    /\ h \in regs[p] \cup {NoH}
    /\ atoms[i] # h
    /\ atoms' = [atoms EXCEPT ![i] = h]
    /\ UNCHANGED <<ht, mem, regs, pub>>

\* p drops handle h from its registers.
Drop(p, h) ==
    /\ h \in regs[p]
    /\ regs' = [regs EXCEPT ![p] = regs[p] \ {h}]
    /\ UNCHANGED <<ht, mem, atoms, pub>>

\* Stop-the-world collection: free every unreachable cell at once.
Collect ==
    /\ Garbage # {}
    /\ ht' = [h \in Handles |-> IF h \in Garbage THEN NoAddr ELSE ht[h]]
    /\ mem' = [x \in Addrs |-> IF \E h \in Garbage : ht[h] = x THEN FreeCell ELSE mem[x]]
    /\ pub' = [h \in Handles |-> IF h \in Garbage THEN FreeCell ELSE pub[h]]
    /\ UNCHANGED <<atoms, regs>>

-----------------------------------------------------------------------------

Mutator(p) ==
    \/ \E k \in SUBSET regs[p], v \in Payloads : Alloc(p, k, v)
    \/ \E h \in regs[p], c \in Handles : Load(p, h, c)
    \/ \E i \in Slots : LoadAtom(p, i)
    \/ \E i \in Slots, h \in regs[p] \cup {NoH} : StoreAtom(p, i, h)
    \/ \E h \in regs[p] : Drop(p, h)

Next == Collect \/ \E p \in Procs : Mutator(p)

\* Weak fairness of the collector.
Spec == Init /\ [][Next]_vars /\ WF_vars(Collect)

-----------------------------------------------------------------------------
(* Invariants *)

\* A handle's content never changes once published.
Immutable == \A h \in Allocated : mem[ht[h]] = pub[h]

\* No reachable handle has been released from the handle table.
ReachableNeverFreed == \A h \in Reachable : ht[h] # NoAddr

\* Every allocated handle resolves to a cell in memory, and no two handles
\* share an address.
NoDangling ==
    \A h \in Allocated :
        /\ mem[ht[h]] # FreeCell
        /\ \A g \in Allocated \ {h} : ht[g] # ht[h]

\* Liveness: every garbage cell is eventually freed (its handle released).
GarbageFreed ==
    \A h \in Handles : (h \in Allocated /\ h \notin Reachable) ~> (h \notin Allocated)
=============================================================================
