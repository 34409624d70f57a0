----------------------------- MODULE HwMemory -----------------------------
(***************************************************************************)
(* The coherence protocol of the ImmutOS hardware memory model              *)
(* (hw-model/memsys.ts), at the level of atomic directory transactions.     *)
(*                                                                          *)
(* Atom lines are ordinary mutable lines under directory MESI. Heap lines   *)
(* cycle free -> initialising (one core, the allocator or the GC copying    *)
(* into to-space, writes them privately) -> immutable (published: any core  *)
(* may cache them, the directory does not track them, nobody invalidates    *)
(* them, writes fault) -> free (reclaimed by the GC, every copy dropped).   *)
(*                                                                          *)
(* Invariants: single writer / multiple readers (SWMR), the data-value      *)
(* invariant, the immutable-line rule, and an exact directory for tracked   *)
(* lines. Bug selects a seeded protocol bug ("none" normally).              *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    NCores,      \* number of cores
    NAtomLines,  \* lines holding atoms (always mutable)
    NHeapLines,  \* lines of the value heap (free / initialising / immutable)
    MaxVal,      \* data values are 0..MaxVal
    Bug          \* "none", "no-invalidate-on-write", "write-immutable-allowed", "publish-no-writeback"

ASSUME NCores \in 1..4 /\ NAtomLines \in 0..3 /\ NHeapLines \in 0..3 /\ MaxVal \in 0..3
ASSUME Bug \in {"none", "no-invalidate-on-write", "write-immutable-allowed", "publish-no-writeback"}

Cores     == 1..NCores
Lines     == 1..(NAtomLines + NHeapLines)
AtomLines == 1..NAtomLines
HeapLines == (NAtomLines + 1)..(NAtomLines + NHeapLines)
Vals      == 0..MaxVal
States    == {"I", "S", "E", "M"}
Modes     == {"mutable", "free", "init", "immutable"}

VARIABLES
    cache,   \* cache[c][l]: state of line l in core c's private cache
    cdata,   \* cdata[c][l]: the data that copy holds (0 when the copy is I)
    mem,     \* mem[l]: the line's value in the shared level / memory
    dir,     \* dir[l]: the cores the directory tracks as holding l
    mode,    \* mode[l]: mutable (atom), free, init(ialising) or immutable
    owner,   \* owner[l]: the core initialising l (0 when none)
    last,    \* last[l]: ghost, the value of the latest write to l
    immInv   \* immInv: ghost, TRUE once a copy of an immutable line was invalidated

vars == <<cache, cdata, mem, dir, mode, owner, last, immInv>>

TypeOK ==
    /\ cache \in [Cores -> [Lines -> States]]
    /\ cdata \in [Cores -> [Lines -> Vals]]
    /\ mem \in [Lines -> Vals]
    /\ dir \in [Lines -> SUBSET Cores]
    /\ mode \in [Lines -> Modes]
    /\ owner \in [Lines -> 0..NCores]
    /\ last \in [Lines -> Vals]
    /\ immInv \in BOOLEAN

Init ==
    /\ cache = [c \in Cores |-> [l \in Lines |-> "I"]]
    /\ cdata = [c \in Cores |-> [l \in Lines |-> 0]]
    /\ mem = [l \in Lines |-> 0]
    /\ dir = [l \in Lines |-> {}]
    /\ mode = [l \in Lines |-> IF l \in AtomLines THEN "mutable" ELSE "free"]
    /\ owner = [l \in Lines |-> 0]
    /\ last = [l \in Lines |-> 0]
    /\ immInv = FALSE

\* Core c may access line l at all: not a free line, and an initialising line only by its owner.
Accessible(c, l) == mode[l] # "free" /\ (mode[l] = "init" => owner[l] = c)

\* Cores other than c holding l with write permission (E or M).
Owners(c, l) == {d \in Cores \ {c} : cache[d][l] \in {"E", "M"}}

(***************************************************************************)
(* ReadHit needs no action: it changes no state. ReadMiss: core c fetches   *)
(* line l. An immutable line comes from the shared level, untracked. A      *)
(* tracked line: an owner elsewhere writes back and downgrades to S; with   *)
(* no copy anywhere c gets E, otherwise S.                                  *)
(***************************************************************************)
ReadMiss(c, l) ==
    /\ cache[c][l] = "I"
    /\ Accessible(c, l)
    /\ IF mode[l] = "immutable"
       THEN /\ cache' = [cache EXCEPT ![c][l] = "S"]
            /\ cdata' = [cdata EXCEPT ![c][l] = mem[l]]
            /\ UNCHANGED <<mem, dir>>
       ELSE IF Owners(c, l) # {}
       THEN \E d \in Owners(c, l) :
              /\ cache' = [e \in Cores |-> [m \in Lines |->
                             IF m = l /\ (e = c \/ e = d) THEN "S" ELSE cache[e][m]]]
              /\ cdata' = [cdata EXCEPT ![c][l] = cdata[d][l]]
              /\ mem' = [mem EXCEPT ![l] = cdata[d][l]]
              /\ dir' = [dir EXCEPT ![l] = dir[l] \cup {c}]
       ELSE /\ cache' = [cache EXCEPT ![c][l] = IF dir[l] = {} THEN "E" ELSE "S"]
            /\ cdata' = [cdata EXCEPT ![c][l] = mem[l]]
            /\ dir' = [dir EXCEPT ![l] = dir[l] \cup {c}]
            /\ UNCHANGED mem
    /\ UNCHANGED <<mode, owner, last, immInv>>

(***************************************************************************)
(* Write: core c writes v to line l, obtaining M: every other copy is       *)
(* invalidated (an owner's dirty data is superseded). Enabled on atom lines *)
(* and on c's own initialising lines; a write to an immutable line faults   *)
(* (no state change) unless Bug = "write-immutable-allowed".               *)
(***************************************************************************)
Writable(c, l) ==
    \/ mode[l] = "mutable"
    \/ mode[l] = "init" /\ owner[l] = c
    \/ mode[l] = "immutable" /\ Bug = "write-immutable-allowed"

Write(c, l, v) ==
    /\ Writable(c, l)
    /\ LET inval == Bug # "no-invalidate-on-write"
           victims == {d \in Cores \ {c} : cache[d][l] # "I"}
       IN /\ cache' = [e \in Cores |-> [m \in Lines |->
                         IF m # l THEN cache[e][m]
                         ELSE IF e = c THEN "M"
                         ELSE IF inval THEN "I" ELSE cache[e][m]]]
          /\ cdata' = [e \in Cores |-> [m \in Lines |->
                         IF m # l THEN cdata[e][m]
                         ELSE IF e = c THEN v
                         ELSE IF inval THEN 0 ELSE cdata[e][m]]]
          /\ dir' = [dir EXCEPT ![l] = IF inval THEN {c} ELSE dir[l] \cup {c}]
          /\ immInv' = (immInv \/ (mode[l] = "immutable" /\ inval /\ victims # {}))
    /\ last' = [last EXCEPT ![l] = v]
    /\ UNCHANGED <<mem, mode, owner>>

(***************************************************************************)
(* Evict: core c drops its copy of l (capacity); a dirty copy is written    *)
(* back. Immutable copies are dropped silently (nothing tracks them).       *)
(***************************************************************************)
Evict(c, l) ==
    /\ cache[c][l] # "I"
    /\ cache' = [cache EXCEPT ![c][l] = "I"]
    /\ cdata' = [cdata EXCEPT ![c][l] = 0]
    /\ mem' = IF cache[c][l] = "M" THEN [mem EXCEPT ![l] = cdata[c][l]] ELSE mem
    /\ dir' = [dir EXCEPT ![l] = dir[l] \ {c}]
    /\ UNCHANGED <<mode, owner, last, immInv>>

(***************************************************************************)
(* Allocate: core c (the allocator, or the GC reserving to-space) opens an  *)
(* initialising window on a free heap line.                                 *)
(***************************************************************************)
Allocate(c, l) ==
    /\ l \in HeapLines
    /\ mode[l] = "free"
    /\ mode' = [mode EXCEPT ![l] = "init"]
    /\ owner' = [owner EXCEPT ![l] = c]
    /\ UNCHANGED <<cache, cdata, mem, dir, last, immInv>>

(***************************************************************************)
(* Publish: c marks its initialising line immutable. A dirty copy is        *)
(* written back (unless Bug = "publish-no-writeback"), c's copy becomes a   *)
(* read-only copy, and the directory forgets the line.                      *)
(***************************************************************************)
Publish(c, l) ==
    /\ mode[l] = "init"
    /\ owner[l] = c
    /\ mode' = [mode EXCEPT ![l] = "immutable"]
    /\ owner' = [owner EXCEPT ![l] = 0]
    /\ mem' = IF cache[c][l] = "M" /\ Bug # "publish-no-writeback"
              THEN [mem EXCEPT ![l] = cdata[c][l]] ELSE mem
    /\ cache' = [cache EXCEPT ![c][l] = IF cache[c][l] = "I" THEN "I" ELSE "S"]
    /\ dir' = [dir EXCEPT ![l] = {}]
    /\ UNCHANGED <<cdata, last, immInv>>

(***************************************************************************)
(* Reclaim: the GC frees an immutable line once no reader can reach it;     *)
(* every core drops its copy (an epoch flush, not an invalidation).         *)
(***************************************************************************)
Reclaim(l) ==
    /\ mode[l] = "immutable"
    /\ mode' = [mode EXCEPT ![l] = "free"]
    /\ cache' = [e \in Cores |-> [m \in Lines |-> IF m = l THEN "I" ELSE cache[e][m]]]
    /\ cdata' = [e \in Cores |-> [m \in Lines |-> IF m = l THEN 0 ELSE cdata[e][m]]]
    /\ UNCHANGED <<mem, dir, owner, last, immInv>>

Next ==
    \/ \E c \in Cores, l \in Lines : ReadMiss(c, l)
    \/ \E c \in Cores, l \in Lines, v \in Vals : Write(c, l, v)
    \/ \E c \in Cores, l \in Lines : Evict(c, l)
    \/ \E c \in Cores, l \in Lines : Allocate(c, l)
    \/ \E c \in Cores, l \in Lines : Publish(c, l)
    \/ \E l \in Lines : Reclaim(l)

Spec == Init /\ [][Next]_vars

(***************************************************************************)
(* Invariants                                                              *)
(***************************************************************************)

\* Single writer / multiple readers: a copy with write permission excludes every other copy.
SWMR ==
    \A l \in Lines, c \in Cores, d \in Cores :
        (c # d /\ cache[c][l] \in {"E", "M"}) => cache[d][l] = "I"

\* Every valid copy holds the latest written value; with no dirty copy, so does memory.
DataValue ==
    \A l \in Lines :
        /\ \A c \in Cores : cache[c][l] # "I" => cdata[c][l] = last[l]
        /\ (\A c \in Cores : cache[c][l] # "M") => mem[l] = last[l]

\* An immutable line is untracked and never held with write permission.
ImmutableRule ==
    \A l \in Lines :
        mode[l] = "immutable" =>
            /\ dir[l] = {}
            /\ \A c \in Cores : cache[c][l] \in {"I", "S"}

\* No copy of an immutable line was ever invalidated.
NoImmutableInvalidation == ~immInv

\* The directory knows exactly who holds a tracked line; free lines are cached nowhere; an
\* initialising line is cached only by its owner.
DirectoryExact ==
    \A l \in Lines :
        /\ mode[l] \in {"mutable", "init"} => dir[l] = {c \in Cores : cache[c][l] # "I"}
        /\ mode[l] = "free" => (dir[l] = {} /\ \A c \in Cores : cache[c][l] = "I")
        /\ mode[l] = "init" => \A c \in Cores : (c # owner[l] => cache[c][l] = "I")

=============================================================================
