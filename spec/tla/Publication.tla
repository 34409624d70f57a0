----------------------------- MODULE Publication -----------------------------
(***************************************************************************)
(* Publication: processes on worker threads over one shared heap.          *)
(*                                                                         *)
(* A value a process makes is private to it (it lives in the process's     *)
(* worker and no other process can name it).  Before the value becomes     *)
(* reachable by another process (an atom store, a spawn/fork argument, a   *)
(* join result) it is published: copied once into the shared heap, where   *)
(* every worker reads it in place through the handle table.  Values are    *)
(* immutable, so publication is a one-way copy done once; nothing is ever  *)
(* copied back.                                                            *)
(*                                                                         *)
(* The atom is one word holding value and stamp together, changed only by  *)
(* a compare-and-swap against the word a process last read.                *)
(*                                                                         *)
(* The collector moves a published value while readers run: copy to a new *)
(* address, swap the handle, then a handshake (every process acknowledges  *)
(* at a point where it has no read in flight), and only then free the old  *)
(* copy.  A read is two steps (ReadBegin resolves the handle, ReadEnd      *)
(* reads the cell), so a read can straddle a move.  See docs/adr/0039.     *)
(*                                                                         *)
(* Mirrored one-to-one by spec/Publication.ts.  Seeded bugs (CONSTANT Bug):*)
(*   "publish-after-store"  Store/Send do not wait for Publish            *)
(*                            -> NeverReadsUnpublished                     *)
(*   "no-handshake"         FreeOld does not wait for the handshake       *)
(*                            -> ReadsIntact                               *)
(*   "store-not-cas"        Store ignores the word read (no CAS)          *)
(*                            -> StampExact                                *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NumProcs,   \* processes are 1..NumProcs, each on its own worker
    NumVals,    \* values are 1..NumVals; 0 means "no value"
    NumAddrs,   \* shared-heap addresses are 1..NumAddrs; 0 means "none"
    MaxStamp,   \* bound on successful atom stores
    Bug         \* "none" or the name of a seeded bug

ASSUME /\ NumProcs \in 1..4 /\ NumVals \in 1..4 /\ NumAddrs \in 1..6
       /\ MaxStamp \in 0..4
       /\ Bug \in {"none", "publish-after-store", "no-handshake", "store-not-cas"}

Procs  == 1..NumProcs
Vals   == 1..NumVals
Addrs  == 1..NumAddrs
NoRead == [v |-> 0, a |-> 0]
NoEvac == [st |-> "none", v |-> 0, from |-> 0, to |-> 0]
Words  == [val : 0..NumVals, stamp : 0..MaxStamp]

VARIABLES
    owner,   \* value -> the process that made it (0: not made yet)
    pubd,    \* value -> TRUE once published into the shared heap
    ht,      \* value -> shared-heap address of its current copy (0: none)
    mem,     \* address -> the value whose intact copy is there (0: free)
    atom,    \* the atom's one word: value and stamp together
    snap,    \* process -> the word it last read from the atom (its CAS expects it)
    held,    \* process -> the values it can reach
    rd,      \* process -> its read in flight [v: value, a: address resolved]
    ev,      \* collector: the move in progress
    ack,     \* collector: processes that have not yet acknowledged the handshake
    stores   \* ghost: number of successful atom stores

vars == <<owner, pubd, ht, mem, atom, snap, held, rd, ev, ack, stores>>

TypeOK ==
    /\ owner \in [Vals -> 0..NumProcs]
    /\ pubd \in [Vals -> BOOLEAN]
    /\ ht \in [Vals -> 0..NumAddrs]
    /\ mem \in [Addrs -> 0..NumVals]
    /\ atom \in Words
    /\ snap \in [Procs -> Words]
    /\ held \in [Procs -> SUBSET Vals]
    /\ rd \in [Procs -> [v : 0..NumVals, a : 0..NumAddrs]]
    /\ ev \in [st : {"none", "copy", "swap", "hs"}, v : 0..NumVals,
               from : 0..NumAddrs, to : 0..NumAddrs]
    /\ ack \subseteq Procs
    /\ stores \in 0..MaxStamp

Min(S) == CHOOSE x \in S : \A y \in S : x <= y
Unmade == {v \in Vals : owner[v] = 0}
\* Free addresses, minus the one reserved as the target of a move.
FreeAddrs == {x \in Addrs : mem[x] = 0 /\ (ev.st = "none" \/ x # ev.to)}
\* A process may hand v to another process (store it, send it) only once published.
Shareable(v) == pubd[v] \/ Bug = "publish-after-store"

Init ==
    /\ owner = [v \in Vals |-> 0]
    /\ pubd = [v \in Vals |-> FALSE]
    /\ ht = [v \in Vals |-> 0]
    /\ mem = [x \in Addrs |-> 0]
    /\ atom = [val |-> 0, stamp |-> 0]
    /\ snap = [p \in Procs |-> [val |-> 0, stamp |-> 0]]
    /\ held = [p \in Procs |-> {}]
    /\ rd = [p \in Procs |-> NoRead]
    /\ ev = NoEvac
    /\ ack = {}
    /\ stores = 0

-----------------------------------------------------------------------------
(* Processes *)

\* p makes a new value in its worker's private space.
Alloc(p) ==
    /\ Unmade # {}
    /\ LET v == Min(Unmade)
       IN /\ owner' = [owner EXCEPT ![v] = p]
          /\ held' = [held EXCEPT ![p] = held[p] \cup {v}]
    /\ UNCHANGED <<pubd, ht, mem, atom, snap, rd, ev, ack, stores>>

\* p publishes its private value v: one copy into the shared heap, once.
Publish(p, v) ==
    /\ v \in held[p] /\ owner[v] = p /\ ~pubd[v]
    /\ FreeAddrs # {}
    /\ LET x == Min(FreeAddrs)
       IN /\ mem' = [mem EXCEPT ![x] = v]
          /\ ht' = [ht EXCEPT ![v] = x]
    /\ pubd' = [pubd EXCEPT ![v] = TRUE]
    /\ UNCHANGED <<owner, atom, snap, held, rd, ev, ack, stores>>

\* p reads the atom's word (one atomic load) and reaches the value in it.
ReadAtom(p) ==
    /\ snap' = [snap EXCEPT ![p] = atom]
    /\ held' = [held EXCEPT ![p] = held[p] \cup ({atom.val} \ {0})]
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, rd, ev, ack, stores>>

\* p stores v into the atom: a CAS of the whole word against the word p last
\* read; on success the stamp is that word's stamp + 1.
Store(p, v) ==
    /\ v \in held[p] /\ Shareable(v)
    /\ atom = snap[p] \/ Bug = "store-not-cas"
    /\ snap[p].stamp < MaxStamp /\ stores < MaxStamp
    /\ atom' = [val |-> v, stamp |-> snap[p].stamp + 1]
    /\ stores' = stores + 1
    /\ UNCHANGED <<owner, pubd, ht, mem, snap, held, rd, ev, ack>>

\* p hands v to q: a spawn or fork argument, or a join result.
Send(p, q, v) ==
    /\ p # q /\ v \in held[p] /\ v \notin held[q] /\ Shareable(v)
    /\ held' = [held EXCEPT ![q] = held[q] \cup {v}]
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, snap, rd, ev, ack, stores>>

\* p starts reading a value in the shared heap: it resolves the handle.
\* (A process reads its own unpublished values in its private space.)
ReadBegin(p, v) ==
    /\ rd[p] = NoRead
    /\ v \in held[p] /\ (pubd[v] \/ owner[v] # p)
    /\ rd' = [rd EXCEPT ![p] = [v |-> v, a |-> ht[v]]]
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, snap, held, ev, ack, stores>>

\* p finishes its read.
ReadEnd(p) ==
    /\ rd[p] # NoRead
    /\ rd' = [rd EXCEPT ![p] = NoRead]
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, snap, held, ev, ack, stores>>

\* p acknowledges the collector's handshake at a point with no read in flight.
Ack(p) ==
    /\ p \in ack /\ rd[p] = NoRead
    /\ ack' = ack \ {p}
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, snap, held, rd, ev, stores>>

-----------------------------------------------------------------------------
(* The collector: moves a published value by copy + handle swap *)

\* Begin moving published value v: reserve the lowest free address.
MoveBegin(v) ==
    /\ ev.st = "none" /\ pubd[v]
    /\ FreeAddrs # {}
    /\ ev' = [st |-> "copy", v |-> v, from |-> ht[v], to |-> Min(FreeAddrs)]
    /\ UNCHANGED <<owner, pubd, ht, mem, atom, snap, held, rd, ack, stores>>

\* Copy the value to its new address.
Copy ==
    /\ ev.st = "copy"
    /\ mem' = [mem EXCEPT ![ev.to] = mem[ev.from]]
    /\ ev' = [ev EXCEPT !.st = "swap"]
    /\ UNCHANGED <<owner, pubd, ht, atom, snap, held, rd, ack, stores>>

\* Swap the handle to the new copy (one CAS) and request the handshake.
Swap ==
    /\ ev.st = "swap"
    /\ ht' = [ht EXCEPT ![ev.v] = ev.to]
    /\ ev' = [ev EXCEPT !.st = "hs"]
    /\ ack' = Procs
    /\ UNCHANGED <<owner, pubd, mem, atom, snap, held, rd, stores>>

\* Free the old copy once every process has acknowledged the handshake.
FreeOld ==
    /\ ev.st = "hs"
    /\ ack = {} \/ Bug = "no-handshake"
    /\ mem' = [mem EXCEPT ![ev.from] = 0]
    /\ ev' = NoEvac
    /\ ack' = {}
    /\ UNCHANGED <<owner, pubd, ht, atom, snap, held, rd, stores>>

-----------------------------------------------------------------------------

Process(p) ==
    \/ Alloc(p)
    \/ \E v \in Vals : Publish(p, v)
    \/ ReadAtom(p)
    \/ \E v \in Vals : Store(p, v)
    \/ \E q \in Procs, v \in Vals : Send(p, q, v)
    \/ \E v \in Vals : ReadBegin(p, v)
    \/ ReadEnd(p)
    \/ Ack(p)

Collector ==
    \/ \E v \in Vals : MoveBegin(v)
    \/ Copy \/ Swap \/ FreeOld

Next == Collector \/ \E p \in Procs : Process(p)

Spec == Init /\ [][Next]_vars /\ WF_vars(Collector)
             /\ \A p \in Procs : WF_vars(ReadEnd(p)) /\ WF_vars(Ack(p))

-----------------------------------------------------------------------------
(* Invariants *)

\* A process never reaches (so never reads) a value another process made
\* unless that value has been published into the shared heap.
NeverReadsUnpublished ==
    \A p \in Procs : \A v \in held[p] : owner[v] # p => pubd[v]

\* A read in flight reads an intact copy of its value: the collector never
\* frees or reuses an address under a reader.
ReadsIntact ==
    \A p \in Procs : rd[p] # NoRead => rd[p].a # 0 /\ mem[rd[p].a] = rd[p].v

\* Every published value's handle resolves to an intact copy.
HandleCurrent == \A v \in Vals : pubd[v] => ht[v] # 0 /\ mem[ht[v]] = v

\* The atom's stamp counts its successful stores exactly (no lost update).
StampExact == atom.stamp = stores

=============================================================================
