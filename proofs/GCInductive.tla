------------------------------ MODULE GCInductive ------------------------------
(***************************************************************************)
(* Bounded inductive-invariant check of the GC's main invariant            *)
(* (ReachableNeverFreed, with NoDangling, Immutable and ToSpace), in the   *)
(* style of tlaplus/Examples Paxos/MCVoting.tla: the initial states are    *)
(* ALL states satisfying TypeOK /\ IInv at a tiny bound, and IInv is       *)
(* checked in every state reached from them.  If no state violates IInv,   *)
(* IInv is inductive at this bound (every IInv state's successors satisfy  *)
(* IInv), so it holds in every reachable state of GC.tla at this bound.    *)
(*                                                                         *)
(* IInv strengthens the safety invariants with the collector's structure:  *)
(* colours per phase, the SATB marking invariant (every reachable white    *)
(* cell is reachable through white cells from a grey cell or from an       *)
(* unscanned atom slot), and the evacuation protocol's invariants.         *)
(* GC's definitions are copied from spec/tla/GC.tla (no INSTANCE); see     *)
(* proofs/sync-gc-core.mjs.                                                *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

\* BEGIN GC-DEFS
\* proofs/GCInductive.tla by proofs/sync-gc-core.mjs; tla-checker has no INSTANCE)

CONSTANTS
    Procs,       \* the mutator processes (model values)
    NumHandles,  \* handles are 1..NumHandles; 0 means "no handle"
    NumAddrs,    \* addresses are 1..NumAddrs; 0 means "no address"
    NumAtoms,    \* atom slots are 1..NumAtoms
    MaxPayload,  \* payloads are 0..MaxPayload
    MaxKids,     \* a cell has at most MaxKids children
    Bug          \* "none" or the name of a seeded bug

ASSUME /\ Procs # {}
       /\ NumHandles \in 1..8 /\ NumAddrs \in 1..16 /\ NumAtoms \in 1..8
       /\ MaxPayload \in 0..3 /\ MaxKids \in 0..NumHandles
       /\ Bug \in {"none", "no-barrier", "free-register-only", "swap-before-copy",
                  "no-read-wait"}

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
NoRead   == [h |-> NoH, a |-> NoAddr]
NoEvac   == [st |-> "none", h |-> NoH, from |-> NoAddr, to |-> NoAddr]
Colours  == {"white", "grey", "black"}
Phases   == {"idle", "mark", "sweep", "evac"}
EvacSteps == {"none", "copy", "swap", "free"}

\* END GC-DEFS

\* (GC.tla's variables; tla-checker keeps only the last VARIABLES statement, so there is one)
VARIABLES
    ht,      \* handle table: handle -> address (NoAddr = handle not allocated)
    mem,     \* memory: address -> cell content, or FreeCell
    atoms,   \* atom slots: slot -> handle (NoH = empty); roots
    regs,    \* process registers: process -> set of handles held; roots
    rd,      \* a read in flight: process -> [h: handle, a: address it resolved to]
    pub,     \* ghost: handle -> content when it was published (FreeCell if unallocated)
    colour,  \* collector: handle -> white/grey/black
    phase,   \* collector: idle, mark, sweep or evac
    cursor,  \* collector: next atom slot to scan during mark
    ev       \* collector: the evacuation in progress (NoEvac when none)

\* BEGIN GC-CORE
vars == <<ht, mem, atoms, regs, rd, pub, colour, phase, cursor, ev>>

TypeOK ==
    /\ ht \in [Handles -> 0..NumAddrs]
    /\ mem \in [Addrs -> Cells \cup {FreeCell}]
    /\ atoms \in [Slots -> 0..NumHandles]
    /\ regs \in [Procs -> SUBSET Handles]
    /\ rd \in [Procs -> [h : 0..NumHandles, a : 0..NumAddrs]]
    /\ pub \in [Handles -> Cells \cup {FreeCell}]
    /\ colour \in [Handles -> Colours]
    /\ phase \in Phases
    /\ cursor \in 0..(NumAtoms + 1)
    /\ ev \in [st : EvacSteps, h : 0..NumHandles, from : 0..NumAddrs, to : 0..NumAddrs]

-----------------------------------------------------------------------------
(* Helpers *)

Min(S) == CHOOSE x \in S : \A y \in S : x <= y
\* The content a handle resolves to now.
Deref(h) == IF ht[h] = NoAddr THEN FreeCell ELSE mem[ht[h]]
Allocated == {h \in Handles : ht[h] # NoAddr}
FreeHandles == Handles \ Allocated
\* Free addresses, minus the one reserved as an evacuation target.
FreeAddrs == {x \in Addrs : mem[x] = FreeCell /\ (ev.st = "none" \/ x # ev.to)}
Children(S) == UNION {Deref(h).ch : h \in S}
\* The least superset of S closed under Children (a fixpoint, at most NumHandles rounds).
RECURSIVE Closure(_)
Closure(S) == LET T == S \cup Children(S) IN IF T = S THEN S ELSE Closure(T)
RegRoots == UNION {regs[p] : p \in Procs}
Roots == ({atoms[i] : i \in Slots} \ {NoH}) \cup RegRoots
Reachable == Closure(Roots)
Busy(p) == rd[p].h # NoH
\* Shade a handle: white -> grey (NoH and non-white handles unchanged).
Shade(c, h) == IF h # NoH /\ c[h] = "white" THEN [c EXCEPT ![h] = "grey"] ELSE c
ShadeSet(c, S) == [h \in Handles |-> IF h \in S /\ c[h] = "white" THEN "grey" ELSE c[h]]
\* Colour of a cell allocated now: black while marking or sweeping.
AllocColour == IF phase \in {"mark", "sweep"} THEN "black" ELSE "white"
Greys == {h \in Handles : colour[h] = "grey"}
Whites == {h \in Allocated : colour[h] = "white"}
Blacks == {h \in Allocated : colour[h] = "black"}

-----------------------------------------------------------------------------
(* Initial state: empty heap, collector idle. *)

Init ==
    /\ ht = [h \in Handles |-> NoAddr]
    /\ mem = [x \in Addrs |-> FreeCell]
    /\ atoms = [i \in Slots |-> NoH]
    /\ regs = [p \in Procs |-> {}]
    /\ rd = [p \in Procs |-> NoRead]
    /\ pub = [h \in Handles |-> FreeCell]
    /\ colour = [h \in Handles |-> "white"]
    /\ phase = "idle"
    /\ cursor = 0
    /\ ev = NoEvac

-----------------------------------------------------------------------------
(* Mutator actions *)

\* p allocates a cell with children k (handles it holds) and payload v at the
\* lowest free handle and address, publishes it and holds it in a register.
Alloc(p, k, v) ==
    /\ ~Busy(p)
    /\ FreeHandles # {} /\ FreeAddrs # {}
    /\ k \subseteq regs[p] /\ Cardinality(k) <= MaxKids
    /\ LET h == Min(FreeHandles)
           x == Min(FreeAddrs)
       IN /\ ht' = [ht EXCEPT ![h] = x]
          /\ mem' = [mem EXCEPT ![x] = [ch |-> k, pl |-> v]]
          /\ pub' = [pub EXCEPT ![h] = [ch |-> k, pl |-> v]]
          /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {h}]
          /\ colour' = [colour EXCEPT ![h] = AllocColour]
    /\ UNCHANGED <<atoms, rd, phase, cursor, ev>>

\* p starts reading cell h: it resolves h through the handle table.
LoadBegin(p, h) ==
    /\ ~Busy(p)
    /\ h \in regs[p]
    /\ rd' = [rd EXCEPT ![p] = [h |-> h, a |-> ht[h]]]
    /\ UNCHANGED <<ht, mem, atoms, regs, pub, colour, phase, cursor, ev>>

\* p finishes its read at the address it resolved and keeps one child (if any).
LoadEnd(p) ==
    /\ Busy(p)
    /\ LET k == IF rd[p].a = NoAddr THEN {} ELSE mem[rd[p].a].ch
       IN IF k = {}
          THEN UNCHANGED regs
          ELSE \E c \in k : regs' = [regs EXCEPT ![p] = regs[p] \cup {c}]
    /\ rd' = [rd EXCEPT ![p] = NoRead]
    /\ UNCHANGED <<ht, mem, atoms, pub, colour, phase, cursor, ev>>

\* p loads the handle held by atom slot i into a register.
LoadAtom(p, i) ==
    /\ ~Busy(p)
    /\ atoms[i] # NoH
    /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {atoms[i]}]
    /\ UNCHANGED <<ht, mem, atoms, rd, pub, colour, phase, cursor, ev>>

\* p stores h (a handle it holds, or NoH) into atom slot i.  While marking,
\* the deletion barrier shades the handle being overwritten.
StoreAtom(p, i, h) ==
    /\ ~Busy(p)
    /\ h \in regs[p] \cup {NoH}
    /\ atoms[i] # h
    /\ atoms' = [atoms EXCEPT ![i] = h]
    /\ colour' = IF phase = "mark" /\ Bug # "no-barrier"
                 THEN Shade(colour, atoms[i]) ELSE colour
    /\ UNCHANGED <<ht, mem, regs, rd, pub, phase, cursor, ev>>

\* p drops handle h from its registers.
Drop(p, h) ==
    /\ ~Busy(p)
    /\ h \in regs[p]
    /\ regs' = [regs EXCEPT ![p] = regs[p] \ {h}]
    /\ UNCHANGED <<ht, mem, atoms, rd, pub, colour, phase, cursor, ev>>

-----------------------------------------------------------------------------
(* Collector actions (one thread, deterministic policy) *)

\* Begin a cycle: grey every register root at once (a handshake with all
\* mutators); atom slots are scanned later, one by one.
StartMark ==
    /\ phase = "idle"
    /\ colour' = IF Bug = "free-register-only" THEN colour
                 ELSE ShadeSet(colour, RegRoots)
    /\ phase' = "mark"
    /\ cursor' = 1
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, ev>>

\* Scan the next atom slot: shade the handle it holds.
ScanAtom ==
    /\ phase = "mark" /\ cursor \in Slots
    /\ colour' = Shade(colour, atoms[cursor])
    /\ cursor' = cursor + 1
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, phase, ev>>

\* Blacken the lowest grey cell and shade its children.
MarkStep ==
    /\ phase = "mark" /\ cursor = NumAtoms + 1
    /\ Greys # {}
    /\ LET h == Min(Greys)
       IN colour' = [ShadeSet(colour, Deref(h).ch) EXCEPT ![h] = "black"]
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, phase, cursor, ev>>

\* Marking is done: no grey cell and every atom slot scanned.
FinishMark ==
    /\ phase = "mark" /\ cursor = NumAtoms + 1
    /\ Greys = {}
    /\ phase' = "sweep"
    /\ cursor' = 0
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, colour, ev>>

\* Free the lowest white (unmarked) allocated cell.
Sweep ==
    /\ phase = "sweep"
    /\ Whites # {}
    /\ LET h == Min(Whites)
       IN /\ mem' = [mem EXCEPT ![ht[h]] = FreeCell]
          /\ ht' = [ht EXCEPT ![h] = NoAddr]
          /\ pub' = [pub EXCEPT ![h] = FreeCell]
    /\ UNCHANGED <<atoms, regs, rd, colour, phase, cursor, ev>>

\* Sweeping is done; every survivor is black and will be moved.
FinishSweep ==
    /\ phase = "sweep"
    /\ Whites = {}
    /\ phase' = "evac"
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, colour, cursor, ev>>

\* Start moving the lowest black cell: reserve the lowest free address.
EvacBegin ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks # {} /\ FreeAddrs # {}
    /\ LET h == Min(Blacks)
       IN ev' = [st |-> IF Bug = "swap-before-copy" THEN "swap" ELSE "copy",
                 h |-> h, from |-> ht[h], to |-> Min(FreeAddrs)]
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, colour, phase, cursor>>

\* No free address to move the lowest black cell to: leave it in place.
EvacSkip ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks # {} /\ FreeAddrs = {}
    /\ colour' = [colour EXCEPT ![Min(Blacks)] = "white"]
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, phase, cursor, ev>>

\* Copy the cell being moved to its new address.
CopyStep ==
    /\ ev.st = "copy"
    /\ mem' = [mem EXCEPT ![ev.to] = mem[ev.from]]
    /\ ev' = [ev EXCEPT !.st = IF Bug = "swap-before-copy" THEN "free" ELSE "swap"]
    /\ UNCHANGED <<ht, atoms, regs, rd, pub, colour, phase, cursor>>

\* Swap the handle-table entry to the new copy (mutators keep running).
SwapStep ==
    /\ ev.st = "swap"
    /\ ht' = [ht EXCEPT ![ev.h] = ev.to]
    /\ ev' = [ev EXCEPT !.st = IF Bug = "swap-before-copy" THEN "copy" ELSE "free"]
    /\ UNCHANGED <<mem, atoms, regs, rd, pub, colour, phase, cursor>>

\* Free the old copy once no mutator has a read in flight on it.
FreeOld ==
    /\ ev.st = "free"
    /\ Bug = "no-read-wait" \/ \A p \in Procs : rd[p].a # ev.from
    /\ mem' = [mem EXCEPT ![ev.from] = FreeCell]
    /\ colour' = [colour EXCEPT ![ev.h] = "white"]
    /\ ev' = NoEvac
    /\ UNCHANGED <<ht, atoms, regs, rd, pub, phase, cursor>>

\* Every survivor has been moved (or skipped): the cycle ends.
FinishCycle ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks = {}
    /\ phase' = "idle"
    /\ UNCHANGED <<ht, mem, atoms, regs, rd, pub, colour, cursor, ev>>

-----------------------------------------------------------------------------

Mutator(p) ==
    \/ \E k \in SUBSET regs[p], v \in Payloads : Alloc(p, k, v)
    \/ \E h \in regs[p] : LoadBegin(p, h)
    \/ LoadEnd(p)
    \/ \E i \in Slots : LoadAtom(p, i)
    \/ \E i \in Slots, h \in regs[p] \cup {NoH} : StoreAtom(p, i, h)
    \/ \E h \in regs[p] : Drop(p, h)

Collector ==
    \/ StartMark \/ ScanAtom \/ MarkStep \/ FinishMark
    \/ Sweep \/ FinishSweep
    \/ EvacBegin \/ EvacSkip \/ CopyStep \/ SwapStep \/ FreeOld \/ FinishCycle

Next == Collector \/ \E p \in Procs : Mutator(p)

\* END GC-CORE

\* BEGIN GC-INVARIANTS

\* No reachable handle has been released from the handle table.
ReachableNeverFreed == \A h \in Reachable : ht[h] # NoAddr

\* Every allocated handle resolves to a cell in memory (never to a free or
\* reserved address), and no two handles share an address.
NoDangling ==
    \A h \in Allocated :
        /\ mem[ht[h]] # FreeCell
        /\ \A g \in Allocated \ {h} : ht[g] # ht[h]

\* A read in flight reads the current copy, or the old copy being retired,
\* and either way sees the content published for the handle.
ToSpace ==
    \A p \in Procs : Busy(p) =>
        /\ rd[p].a # NoAddr
        /\ rd[p].a = ht[rd[p].h] \/ (ev.st # "none" /\ rd[p].a = ev.from)
        /\ mem[rd[p].a] = pub[rd[p].h]

\* A handle's content never changes once published, across moves.
Immutable == \A h \in Allocated : mem[ht[h]] = pub[h]

\* END GC-INVARIANTS

-----------------------------------------------------------------------------
(* The strengthening *)

Whites0 == {h \in Handles : colour[h] = "white"}
\* Handles held by atom slots the marker has not scanned yet.
Unscanned == {atoms[i] : i \in {j \in Slots : j >= cursor}} \ {NoH}
\* From S, follow children that are white (through grey or white cells only).
RECURSIVE WClosure(_)
WClosure(S) == LET T == S \cup (Children(S) \cap Whites0) IN IF T = S THEN S ELSE WClosure(T)
Frontier == Greys \cup (Unscanned \cap Whites0)

\* Collector structure per phase.  (Implications are written as parenthesised
\* disjunctions: tla-checker mis-reads "=>" inside bulleted conjunction lists.)
PhaseInv ==
    /\ \A h \in Handles : ht[h] # NoAddr \/ (colour[h] = "white" /\ pub[h] = FreeCell)
    /\ (phase = "mark") = (cursor # 0)
    /\ phase # "idle" \/ (\A h \in Handles : colour[h] = "white")
    /\ phase = "mark" \/ Greys = {}
    /\ phase # "mark" \/ ((Reachable \cap Whites0) \subseteq WClosure(Frontier))
    /\ phase # "sweep" \/ (Reachable \cap Whites0 = {})
    \* the heap is closed under children, except white garbage while sweeping
    /\ \A h \in Allocated : (phase = "sweep" /\ colour[h] = "white") \/ Deref(h).ch \subseteq Allocated
    \* a marked cell's white children will be marked (mark) or there are none (sweep)
    /\ phase # "mark" \/ (\A h \in Allocated \ Whites0 : (Deref(h).ch \cap Whites0) \subseteq WClosure(Frontier))
    /\ phase # "sweep" \/ (\A h \in Allocated \ Whites0 : Deref(h).ch \cap Whites0 = {})

\* The evacuation protocol.
EvacInv ==
    \/ ev.st = "none"
    \/ /\ phase = "evac"
       /\ ev.h \in Allocated /\ colour[ev.h] = "black"
       /\ ev.from \in Addrs /\ ev.to \in Addrs /\ ev.from # ev.to
       /\ \A g \in Allocated \ {ev.h} : ht[g] # ev.to /\ ht[g] # ev.from
       /\ ev.st # "copy" \/ (ht[ev.h] = ev.from /\ mem[ev.to] = FreeCell)
       /\ ev.st # "swap" \/ (ht[ev.h] = ev.from /\ mem[ev.to] = mem[ev.from])
       /\ ev.st # "free" \/ (ht[ev.h] = ev.to /\ mem[ev.from] = mem[ev.to])

\* Reads in flight: a busy process holds the handle it reads; a stale
\* address belongs to the cell being moved.
ReadInv ==
    \A p \in Procs :
        IF Busy(p)
        THEN rd[p].h \in regs[p] /\ (rd[p].a = ht[rd[p].h] \/ rd[p].h = ev.h)
        ELSE rd[p].a = NoAddr

IInv == /\ Immutable /\ ToSpace /\ ReachableNeverFreed /\ NoDangling
        /\ PhaseInv /\ EvacInv /\ ReadInv

-----------------------------------------------------------------------------
(* All TypeOK /\ IInv states, enumerated with the constraints placed right  *)
(* after the variables they read (the same set as TypeOK /\ IInv; pub is   *)
(* fixed by Immutable and PhaseInv).                                        *)

IInit ==
    /\ ht \in [Handles -> 0..NumAddrs]
    /\ mem \in [Addrs -> Cells \cup {FreeCell}]
    /\ NoDangling
    /\ pub = [h \in Handles |-> Deref(h)]
    /\ atoms \in [Slots -> 0..NumHandles]
    /\ regs \in [Procs -> SUBSET Handles]
    /\ ReachableNeverFreed
    /\ phase \in Phases
    /\ cursor \in 0..(NumAtoms + 1)
    /\ (phase = "mark") = (cursor # 0)
    /\ colour \in [Handles -> Colours]
    /\ PhaseInv
    /\ ev \in {NoEvac} \cup [st : EvacSteps \ {"none"}, h : Handles, from : Addrs, to : Addrs]
    /\ EvacInv
    /\ rd \in [Procs -> [h : 0..NumHandles, a : 0..NumAddrs]]
    /\ ReadInv
    /\ TypeOK
    /\ IInv

\* No fairness: a safety check from every IInv state.
Spec == IInit /\ [][Next]_vars
===============================================================================
