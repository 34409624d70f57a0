------------------------------- MODULE Kernel -------------------------------
(***************************************************************************)
(* The ImmutOS kernel: every concern composed.  Processes (created by      *)
(* Spawn and Fork, ended by Exit) each own an atom table (Atoms, Fork,     *)
(* Capabilities); the atoms' values are handles into the heap of Heap.tla, *)
(* collected by the concurrent, moving, snapshot-at-the-beginning          *)
(* collector of GC.tla, which runs while the processes run.  So GC         *)
(* reachability goes through the atom tables of the live processes and     *)
(* through their registers.                                                *)
(*                                                                         *)
(* The parts' actions are taken here textually (tla-checker has no         *)
(* INSTANCE).  What changes in the composition:                            *)
(* - GC.tla's atom slots are the atoms of the tables: LoadAtom is Deref,   *)
(*   StoreAtom is a write (CAS, Reset) with the deletion barrier, ScanAtom *)
(*   scans the atoms live processes hold.                                  *)
(* - An atom holds a handle; NoH (0) stands for nil.  A write or a new     *)
(*   atom may only store a handle the writer holds in a register.          *)
(* - Process ids come from one counter (nextPid), as in every kernel, and  *)
(*   are never reused; Exit empties the process's table and registers.     *)
(* - Auxiliary variables for the parts' invariants are kept small: wseen   *)
(*   (the stamp the last writer presented), writers (who wrote a private   *)
(*   atom), seen (a process's last deref: ref, atom, stamp).               *)
(*                                                                         *)
(* Mirrored by spec/KernelSpec.ts (generic actions, values opaque and ids  *)
(* unbounded; the finite model is one instantiation).  Seeded bug by       *)
(* `Bug`: "gc-ignores-atom-tables" (ScanAtom shades nothing) violates      *)
(* ReachableNeverFreed.                                                    *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NumProcs,    \* process ids are 1..NumProcs; process 1 is live at the start
    MaxRefs,     \* bound on refs ever issued (NewAtom, Share)
    MaxAtoms,    \* bound on atoms ever created (NewAtom, Fork)
    MaxStamp,    \* bound on successful writes per atom
    NumHandles,  \* handles are 1..NumHandles; 0 (NoH) means "no handle", nil
    NumAddrs,    \* addresses are 1..NumAddrs; 0 means "no address"
    MaxPayload,  \* payloads are 0..MaxPayload
    MaxKids,     \* a cell has at most MaxKids children
    Bug          \* seeded bug: "none" or "gc-ignores-atom-tables"

ASSUME /\ NumProcs \in 1..8
       /\ MaxRefs \in 1..8
       /\ MaxAtoms \in 1..8
       /\ MaxStamp \in 0..8
       /\ NumHandles \in 1..8 /\ NumAddrs \in 1..16
       /\ MaxPayload \in 0..3 /\ MaxKids \in 0..NumHandles
       /\ Bug \in {"none", "gc-ignores-atom-tables"}

Procs    == 1..NumProcs
Refs     == 0..(MaxRefs - 1)
AtomId   == 0..(MaxAtoms - 1)
Handles  == 1..NumHandles
Addrs    == 1..NumAddrs
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
NoSeen   == [ref |-> MaxRefs, atom |-> MaxAtoms, stamp |-> 0]
Colours  == {"white", "grey", "black"}
Phases   == {"idle", "mark", "sweep", "evac"}
EvacSteps == {"none", "copy", "swap", "free"}

VARIABLES
    live,      \* the set of live processes
    nextPid,   \* the next process id Spawn/Fork issue
    table,     \* table[p]: process p's atom table, a function from refs to atoms
    nextRef,   \* the global ref counter: refs 0..nextRef-1 have been issued
    nextAtom,  \* atoms 0..nextAtom-1 exist
    val,       \* val[a]: the current value of atom a, a handle (NoH = nil)
    stamp,     \* stamp[a]: the number of successful writes to atom a
    creator,   \* creator[a]: the process that created atom a (0 before creation)
    shared,    \* shared[a]: TRUE once atom a has been shared (monotonic)
    wseen,     \* auxiliary, wseen[a]: the stamp the last writer of a presented
    writers,   \* auxiliary, writers[a]: the processes that wrote a while it was private
    seen,      \* seen[p]: p's last deref, [ref, atom, stamp] (NoSeen before any)
    ht,        \* handle table: handle -> address (NoAddr = handle not allocated)
    mem,       \* memory: address -> cell content, or FreeCell
    regs,      \* registers: process -> set of handles held; roots
    rd,        \* a read in flight: process -> [h: handle, a: address it resolved to]
    pub,       \* ghost: handle -> content when it was published (FreeCell if unallocated)
    colour,    \* collector: handle -> white/grey/black
    phase,     \* collector: idle, mark, sweep or evac
    cursor,    \* collector: next atom to scan during mark
    ev         \* collector: the evacuation in progress (NoEvac when none)

vars == <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared, wseen,
          writers, seen, ht, mem, regs, rd, pub, colour, phase, cursor, ev>>

TypeOK ==
    /\ live \subseteq Procs
    /\ nextPid \in 2..(NumProcs + 1)
    /\ nextRef \in 0..MaxRefs
    /\ nextAtom \in 0..MaxAtoms
    /\ DOMAIN table = Procs
    /\ \A p \in Procs :
          /\ DOMAIN table[p] \subseteq 0..(nextRef - 1)
          /\ \A r \in DOMAIN table[p] : table[p][r] \in 0..(nextAtom - 1)
    /\ val \in [AtomId -> 0..NumHandles]
    /\ stamp \in [AtomId -> 0..MaxStamp]
    /\ creator \in [AtomId -> 0..NumProcs]
    /\ shared \in [AtomId -> BOOLEAN]
    /\ wseen \in [AtomId -> 0..MaxStamp]
    /\ writers \in [AtomId -> SUBSET Procs]
    /\ seen \in [Procs -> [ref : 0..MaxRefs, atom : 0..MaxAtoms, stamp : 0..MaxStamp]]
    /\ ht \in [Handles -> 0..NumAddrs]
    /\ mem \in [Addrs -> Cells \cup {FreeCell}]
    /\ regs \in [Procs -> SUBSET Handles]
    /\ rd \in [Procs -> [h : 0..NumHandles, a : 0..NumAddrs]]
    /\ pub \in [Handles -> Cells \cup {FreeCell}]
    /\ colour \in [Handles -> Colours]
    /\ phase \in Phases
    /\ cursor \in 0..MaxAtoms
    /\ ev \in [st : EvacSteps, h : 0..NumHandles, from : 0..NumAddrs, to : 0..NumAddrs]

-----------------------------------------------------------------------------
(* Helpers *)

Min(S) == CHOOSE x \in S : \A y \in S : x <= y
\* The live processes that reach atom a through their table.
Holders(a) == {q \in live : \E r \in DOMAIN table[q] : table[q][r] = a}
\* The atoms p reaches through its table.
Reach(p) == {table[p][r] : r \in DOMAIN table[p]}
\* The content a handle resolves to now (GC.tla's Deref(h), renamed: Deref is the atom action here).
Content(h) == IF ht[h] = NoAddr THEN FreeCell ELSE mem[ht[h]]
Allocated == {h \in Handles : ht[h] # NoAddr}
FreeHandles == Handles \ Allocated
\* Free addresses, minus the one reserved as an evacuation target.
FreeAddrs == {x \in Addrs : mem[x] = FreeCell /\ (ev.st = "none" \/ x # ev.to)}
Children(S) == UNION {Content(h).ch : h \in S}
\* The least superset of S closed under Children (a fixpoint, at most NumHandles rounds).
RECURSIVE Closure(_)
Closure(S) == LET T == S \cup Children(S) IN IF T = S THEN S ELSE Closure(T)
RegRoots == UNION {regs[p] : p \in Procs}
\* The values of the atoms the live processes reach: GC roots through the atom tables.
AtomRoots == (UNION {{val[a] : a \in Reach(p)} : p \in live}) \ {NoH}
Roots == AtomRoots \cup RegRoots
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
\* The refs of p's table that name private atoms.
PrivRefs(p) == {r \in DOMAIN table[p] : ~shared[table[p][r]]}
\* The new atom a fork of p gives to the private ref r: numbered in ref order.
NewId(p, r) == nextAtom + Cardinality({q \in PrivRefs(p) : q < r})
\* A mutator p that may act: live and with no read in flight.
Ready(p) == p \in live /\ ~Busy(p)

-----------------------------------------------------------------------------
(* Initial state: process 1 alone, no atoms, empty heap, collector idle. *)

Init ==
    /\ live = {1}
    /\ nextPid = 2
    /\ table = [p \in Procs |-> [r \in {} |-> 0]]
    /\ nextRef = 0
    /\ nextAtom = 0
    /\ val = [a \in AtomId |-> NoH]
    /\ stamp = [a \in AtomId |-> 0]
    /\ creator = [a \in AtomId |-> 0]
    /\ shared = [a \in AtomId |-> FALSE]
    /\ wseen = [a \in AtomId |-> 0]
    /\ writers = [a \in AtomId |-> {}]
    /\ seen = [p \in Procs |-> NoSeen]
    /\ ht = [h \in Handles |-> NoAddr]
    /\ mem = [x \in Addrs |-> FreeCell]
    /\ regs = [p \in Procs |-> {}]
    /\ rd = [p \in Procs |-> NoRead]
    /\ pub = [h \in Handles |-> FreeCell]
    /\ colour = [h \in Handles |-> "white"]
    /\ phase = "idle"
    /\ cursor = 0
    /\ ev = NoEvac

-----------------------------------------------------------------------------
(* Process actions: atoms, capabilities, fork (Atoms.tla, Capabilities.tla, Fork.tla) *)

\* A successful write of handle v by p to atom a, presenting stamp s: stamp + 1,
\* p joins the writers of a private atom; while marking, the deletion barrier
\* shades the handle being overwritten (GC.tla StoreAtom).  Not an action by itself.
Write(p, a, v, s) ==
    /\ stamp[a] < MaxStamp
    /\ val' = [val EXCEPT ![a] = v]
    /\ stamp' = [stamp EXCEPT ![a] = stamp[a] + 1]
    /\ wseen' = [wseen EXCEPT ![a] = s]
    /\ writers' = IF shared[a] THEN writers ELSE [writers EXCEPT ![a] = writers[a] \cup {p}]
    /\ colour' = IF phase = "mark" THEN Shade(colour, val[a]) ELSE colour

\* `atom`: p creates a private atom holding v (nil or a handle it holds) under a fresh ref.
NewAtom(p, v) ==
    /\ Ready(p)
    /\ nextRef < MaxRefs /\ nextAtom < MaxAtoms
    /\ v \in regs[p] \cup {NoH}
    /\ LET old == table[p]
           t   == [r \in DOMAIN old \cup {nextRef} |-> IF r = nextRef THEN nextAtom ELSE old[r]]
       IN table' = [table EXCEPT ![p] = t]
    /\ val' = [val EXCEPT ![nextAtom] = v]
    /\ creator' = [creator EXCEPT ![nextAtom] = p]
    /\ nextRef' = nextRef + 1
    /\ nextAtom' = nextAtom + 1
    /\ UNCHANGED <<live, nextPid, stamp, shared, wseen, writers, seen,
                   ht, mem, regs, rd, pub, colour, phase, cursor, ev>>

\* `deref`: p reads the atom under its ref r: the value and stamp are recorded in
\* seen[p], and the handle is held in a register (GC.tla LoadAtom).
Deref(p, r) ==
    /\ Ready(p)
    /\ r \in DOMAIN table[p]
    /\ LET a == table[p][r]
       IN /\ seen' = [seen EXCEPT ![p] = [ref |-> r, atom |-> a, stamp |-> stamp[a]]]
          /\ regs' = IF val[a] = NoH THEN regs ELSE [regs EXCEPT ![p] = regs[p] \cup {val[a]}]
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
                   wseen, writers, ht, mem, rd, pub, colour, phase, cursor, ev>>

\* `cas(ref, stamp, v)`: p writes v (nil or a handle it holds) to the atom it last
\* dereferenced, iff the atom's stamp is still the stamp p read.  A failing CAS
\* changes nothing (a stuttering step), so only successes are steps.
CAS(p, v) ==
    /\ Ready(p)
    /\ seen[p].ref # MaxRefs
    /\ v \in regs[p] \cup {NoH}
    /\ LET a == table[p][seen[p].ref]
       IN /\ stamp[a] = seen[p].stamp
          /\ Write(p, a, v, seen[p].stamp)
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, creator, shared, seen,
                   ht, mem, regs, rd, pub, phase, cursor, ev>>

\* `reset!`: p writes v (nil or a handle it holds) to the atom under ref r, whatever its stamp.
Reset(p, r, v) ==
    /\ Ready(p)
    /\ r \in DOMAIN table[p]
    /\ v \in regs[p] \cup {NoH}
    /\ Write(p, table[p][r], v, stamp[table[p][r]])
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, creator, shared, seen,
                   ht, mem, regs, rd, pub, phase, cursor, ev>>

\* `share(ref, q)`: p shares the atom under its ref r with live process q (q = p
\* allowed, as in every kernel).  Only the creator may; q gets a fresh ref unless it
\* already holds the atom; the atom becomes shared.
Share(p, r, q) ==
    /\ Ready(p)
    /\ q \in live
    /\ r \in DOMAIN table[p]
    /\ LET a == table[p][r]
       IN /\ creator[a] = p
          /\ IF a \in Reach(q)
               THEN UNCHANGED <<table, nextRef>>
               ELSE /\ nextRef < MaxRefs
                    /\ LET old == table[q]
                           t   == [x \in DOMAIN old \cup {nextRef} |-> IF x = nextRef THEN a ELSE old[x]]
                       IN table' = [table EXCEPT ![q] = t]
                    /\ nextRef' = nextRef + 1
          /\ shared' = [shared EXCEPT ![a] = TRUE]
    /\ UNCHANGED <<live, nextPid, nextAtom, val, stamp, creator, wseen, writers, seen,
                   ht, mem, regs, rd, pub, colour, phase, cursor, ev>>

\* `fork`: p forks into process nextPid.  Private atoms are re-pointed at new atoms
\* (same value and stamp, created by the child; no value is copied: the new atom
\* holds the same handle); shared atoms stay shared; the child holds the parent's
\* registers.
Fork(p) ==
    /\ Ready(p)
    /\ nextPid <= NumProcs
    /\ LET c    == nextPid
           priv == PrivRefs(p)
           n    == Cardinality(priv)
           new  == nextAtom..(nextAtom + n - 1)
           \* the parent's atom that new atom a copies
           src(a) == table[p][CHOOSE r \in priv : NewId(p, r) = a]
       IN /\ nextAtom + n <= MaxAtoms
          /\ live' = live \cup {c}
          /\ nextPid' = nextPid + 1
          /\ table' = [table EXCEPT ![c] =
                 [r \in DOMAIN table[p] |-> IF r \in priv THEN NewId(p, r) ELSE table[p][r]]]
          /\ nextAtom' = nextAtom + n
          /\ val' = [a \in AtomId |-> IF a \in new THEN val[src(a)] ELSE val[a]]
          /\ stamp' = [a \in AtomId |-> IF a \in new THEN stamp[src(a)] ELSE stamp[a]]
          /\ wseen' = [a \in AtomId |-> IF a \in new THEN wseen[src(a)] ELSE wseen[a]]
          /\ creator' = [a \in AtomId |-> IF a \in new THEN c ELSE creator[a]]
          /\ regs' = [regs EXCEPT ![c] = regs[p]]
    /\ UNCHANGED <<nextRef, shared, writers, seen, ht, mem, rd, pub, colour, phase, cursor, ev>>

\* `spawn`: p starts process nextPid with an empty table and no registers.
Spawn(p) ==
    /\ Ready(p)
    /\ nextPid <= NumProcs
    /\ live' = live \cup {nextPid}
    /\ nextPid' = nextPid + 1
    /\ UNCHANGED <<table, nextRef, nextAtom, val, stamp, creator, shared, wseen, writers,
                   seen, ht, mem, regs, rd, pub, colour, phase, cursor, ev>>

\* `exit`: p ends; its table and registers stop being roots.  Dropping a table
\* deletes references, so while marking the deletion barrier shades the values
\* of p's atoms (without it, a handle p loaded after the snapshot, stored into an
\* atom already scanned and then lost with p's unscanned atom is freed while
\* reachable: the model checker found this in the composition).
Exit(p) ==
    /\ Ready(p)
    /\ live' = live \ {p}
    /\ table' = [table EXCEPT ![p] = [r \in {} |-> 0]]
    /\ regs' = [regs EXCEPT ![p] = {}]
    /\ seen' = [seen EXCEPT ![p] = NoSeen]
    /\ colour' = IF phase = "mark" THEN ShadeSet(colour, {val[a] : a \in Reach(p)}) ELSE colour
    /\ UNCHANGED <<nextPid, nextRef, nextAtom, val, stamp, creator, shared, wseen, writers,
                   ht, mem, rd, pub, phase, cursor, ev>>

-----------------------------------------------------------------------------
(* Heap actions of the processes (GC.tla mutator actions) *)

\* p allocates a cell with children k (handles it holds) and payload v at the
\* lowest free handle and address, publishes it and holds it in a register.
Alloc(p, k, v) ==
    /\ Ready(p)
    /\ FreeHandles # {} /\ FreeAddrs # {}
    /\ k \subseteq regs[p] /\ Cardinality(k) <= MaxKids
    /\ LET h == Min(FreeHandles)
           x == Min(FreeAddrs)
       IN /\ ht' = [ht EXCEPT ![h] = x]
          /\ mem' = [mem EXCEPT ![x] = [ch |-> k, pl |-> v]]
          /\ pub' = [pub EXCEPT ![h] = [ch |-> k, pl |-> v]]
          /\ regs' = [regs EXCEPT ![p] = regs[p] \cup {h}]
          /\ colour' = [colour EXCEPT ![h] = AllocColour]
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
                   wseen, writers, seen, rd, phase, cursor, ev>>

\* p starts reading cell h: it resolves h through the handle table.
LoadBegin(p, h) ==
    /\ Ready(p)
    /\ h \in regs[p]
    /\ rd' = [rd EXCEPT ![p] = [h |-> h, a |-> ht[h]]]
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
                   wseen, writers, seen, ht, mem, regs, pub, colour, phase, cursor, ev>>

\* p finishes its read at the address it resolved and keeps one child (if any).
LoadEnd(p) ==
    /\ Busy(p)
    /\ LET k == IF rd[p].a = NoAddr THEN {} ELSE mem[rd[p].a].ch
       IN IF k = {}
          THEN UNCHANGED regs
          ELSE \E c \in k : regs' = [regs EXCEPT ![p] = regs[p] \cup {c}]
    /\ rd' = [rd EXCEPT ![p] = NoRead]
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
                   wseen, writers, seen, ht, mem, pub, colour, phase, cursor, ev>>

\* p drops handle h from its registers.
Drop(p, h) ==
    /\ Ready(p)
    /\ h \in regs[p]
    /\ regs' = [regs EXCEPT ![p] = regs[p] \ {h}]
    /\ UNCHANGED <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
                   wseen, writers, seen, ht, mem, rd, pub, colour, phase, cursor, ev>>

-----------------------------------------------------------------------------
(* Collector actions (GC.tla; one thread, deterministic policy) *)

\* The process and atom variables: the collector never touches them.
procVars == <<live, nextPid, table, nextRef, nextAtom, val, stamp, creator, shared,
              wseen, writers, seen, regs>>

\* Begin a cycle: grey every register root at once (a handshake with all
\* processes); atoms are scanned later, one by one.
StartMark ==
    /\ phase = "idle"
    /\ colour' = ShadeSet(colour, RegRoots)
    /\ phase' = "mark"
    /\ cursor' = 0
    /\ UNCHANGED <<ht, mem, rd, pub, ev>>
    /\ UNCHANGED procVars

\* Scan the next atom: if a live process holds it, shade its value.  (Seeded
\* bug "gc-ignores-atom-tables": atoms are not scanned.)
ScanAtom ==
    /\ phase = "mark" /\ cursor < MaxAtoms
    /\ colour' = IF Bug # "gc-ignores-atom-tables" /\ cursor < nextAtom /\ Holders(cursor) # {}
                 THEN Shade(colour, val[cursor]) ELSE colour
    /\ cursor' = cursor + 1
    /\ UNCHANGED <<ht, mem, rd, pub, phase, ev>>
    /\ UNCHANGED procVars

\* Blacken the lowest grey cell and shade its children.
MarkStep ==
    /\ phase = "mark" /\ cursor = MaxAtoms
    /\ Greys # {}
    /\ LET h == Min(Greys)
       IN colour' = [ShadeSet(colour, Content(h).ch) EXCEPT ![h] = "black"]
    /\ UNCHANGED <<ht, mem, rd, pub, phase, cursor, ev>>
    /\ UNCHANGED procVars

\* Marking is done: no grey cell and every atom scanned.
FinishMark ==
    /\ phase = "mark" /\ cursor = MaxAtoms
    /\ Greys = {}
    /\ phase' = "sweep"
    /\ cursor' = 0
    /\ UNCHANGED <<ht, mem, rd, pub, colour, ev>>
    /\ UNCHANGED procVars

\* Free the lowest white (unmarked) allocated cell.
Sweep ==
    /\ phase = "sweep"
    /\ Whites # {}
    /\ LET h == Min(Whites)
       IN /\ mem' = [mem EXCEPT ![ht[h]] = FreeCell]
          /\ ht' = [ht EXCEPT ![h] = NoAddr]
          /\ pub' = [pub EXCEPT ![h] = FreeCell]
    /\ UNCHANGED <<rd, colour, phase, cursor, ev>>
    /\ UNCHANGED procVars

\* Sweeping is done; every survivor is black and will be moved.
FinishSweep ==
    /\ phase = "sweep"
    /\ Whites = {}
    /\ phase' = "evac"
    /\ UNCHANGED <<ht, mem, rd, pub, colour, cursor, ev>>
    /\ UNCHANGED procVars

\* Start moving the lowest black cell: reserve the lowest free address.
EvacBegin ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks # {} /\ FreeAddrs # {}
    /\ LET h == Min(Blacks)
       IN ev' = [st |-> "copy", h |-> h, from |-> ht[h], to |-> Min(FreeAddrs)]
    /\ UNCHANGED <<ht, mem, rd, pub, colour, phase, cursor>>
    /\ UNCHANGED procVars

\* No free address to move the lowest black cell to: leave it in place.
EvacSkip ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks # {} /\ FreeAddrs = {}
    /\ colour' = [colour EXCEPT ![Min(Blacks)] = "white"]
    /\ UNCHANGED <<ht, mem, rd, pub, phase, cursor, ev>>
    /\ UNCHANGED procVars

\* Copy the cell being moved to its new address.
CopyStep ==
    /\ ev.st = "copy"
    /\ mem' = [mem EXCEPT ![ev.to] = mem[ev.from]]
    /\ ev' = [ev EXCEPT !.st = "swap"]
    /\ UNCHANGED <<ht, rd, pub, colour, phase, cursor>>
    /\ UNCHANGED procVars

\* Swap the handle-table entry to the new copy (processes keep running).
SwapStep ==
    /\ ev.st = "swap"
    /\ ht' = [ht EXCEPT ![ev.h] = ev.to]
    /\ ev' = [ev EXCEPT !.st = "free"]
    /\ UNCHANGED <<mem, rd, pub, colour, phase, cursor>>
    /\ UNCHANGED procVars

\* Free the old copy once no process has a read in flight on it.
FreeOld ==
    /\ ev.st = "free"
    /\ \A p \in Procs : rd[p].a # ev.from
    /\ mem' = [mem EXCEPT ![ev.from] = FreeCell]
    /\ colour' = [colour EXCEPT ![ev.h] = "white"]
    /\ ev' = NoEvac
    /\ UNCHANGED <<ht, rd, pub, phase, cursor>>
    /\ UNCHANGED procVars

\* Every survivor has been moved (or skipped): the cycle ends.
FinishCycle ==
    /\ phase = "evac" /\ ev.st = "none"
    /\ Blacks = {}
    /\ phase' = "idle"
    /\ UNCHANGED <<ht, mem, rd, pub, colour, cursor, ev>>
    /\ UNCHANGED procVars

-----------------------------------------------------------------------------

Process(p) ==
    \/ \E v \in Handles \cup {NoH} : NewAtom(p, v)
    \/ \E r \in Refs : Deref(p, r)
    \/ \E v \in Handles \cup {NoH} : CAS(p, v)
    \/ \E r \in Refs, v \in Handles \cup {NoH} : Reset(p, r, v)
    \/ \E r \in Refs, q \in Procs : Share(p, r, q)
    \/ Fork(p) \/ Spawn(p) \/ Exit(p)
    \/ \E k \in SUBSET regs[p], v \in Payloads : Alloc(p, k, v)
    \/ \E h \in regs[p] : LoadBegin(p, h)
    \/ LoadEnd(p)
    \/ \E h \in regs[p] : Drop(p, h)

Collector ==
    \/ StartMark \/ ScanAtom \/ MarkStep \/ FinishMark
    \/ Sweep \/ FinishSweep
    \/ EvacBegin \/ EvacSkip \/ CopyStep \/ SwapStep \/ FreeOld \/ FinishCycle

Next == Collector \/ \E p \in Procs : Process(p)

\* Weak fairness of the collector, and every read in flight eventually ends
\* (FreeOld waits for reads on the old copy).
Spec == Init /\ [][Next]_vars /\ WF_vars(Collector)
             /\ \A p \in Procs : WF_vars(LoadEnd(p))

-----------------------------------------------------------------------------
(* Invariants, re-stated from the parts over the composed state *)

\* Capabilities.tla: no process reads or writes an atom outside its table: its
\* last deref (which its next CAS writes through) went through its own table.
CapabilityIsolation ==
    \A p \in Procs :
        seen[p].ref # MaxRefs =>
            /\ seen[p].ref \in DOMAIN table[p]
            /\ seen[p].atom = table[p][seen[p].ref]

\* Fork.tla: a write to a private atom is seen by no other process: every live
\* process that reaches a private atom is the one process that wrote it.
ForkIsolation ==
    \A a \in 0..(nextAtom - 1) :
        ~shared[a] => \A w \in writers[a] : \A q \in Holders(a) : q = w

\* Atoms.tla: the last write to each atom presented the stamp the atom had just
\* before it (so a CAS holding a stale stamp never wrote).
StaleStampNeverWrites ==
    \A a \in 0..(nextAtom - 1) : stamp[a] > 0 => wseen[a] = stamp[a] - 1

\* GC.tla: no handle reachable from a live atom table or a register has been released.
ReachableNeverFreed == \A h \in Reachable : ht[h] # NoAddr

\* GC.tla: every allocated handle resolves to a cell in memory (never to a free
\* or reserved address), and no two handles share an address.
NoDangling ==
    \A h \in Allocated :
        /\ mem[ht[h]] # FreeCell
        /\ \A g \in Allocated \ {h} : ht[g] # ht[h]

\* GC.tla: a read in flight reads the current copy, or the old copy being
\* retired, and either way sees the content published for the handle.
ToSpace ==
    \A p \in Procs : Busy(p) =>
        /\ rd[p].a # NoAddr
        /\ rd[p].a = ht[rd[p].h] \/ (ev.st # "none" /\ rd[p].a = ev.from)
        /\ mem[rd[p].a] = pub[rd[p].h]

\* Heap.tla/GC.tla: a handle's content never changes once published, across moves.
Immutable == \A h \in Allocated : mem[ht[h]] = pub[h]

=============================================================================
