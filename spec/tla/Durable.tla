------------------------------- MODULE Durable -------------------------------
(***************************************************************************)
(* Durable: the log of a durable store (store/, spec/Store.ts).  A writer  *)
(* appends transitions to the process's log; a group commit (Flush) writes *)
(* every staged transition to the disk; only then is a transition          *)
(* acknowledged.  The process may crash at any time, also in the middle of *)
(* a flush, which leaves a torn (incomplete) record at the disk's tail;    *)
(* recovery keeps the complete records and drops the torn tail.  Readers   *)
(* ask "as of t" for acknowledged positions t.                              *)
(*                                                                         *)
(* Atoms are abstracted away: an atom's value as of t is a function of the *)
(* log's prefix 1..t, so what matters is that this prefix never changes    *)
(* once acknowledged.  Mirrored one-to-one by spec/Durable.ts.  Seeded     *)
(* bugs selected by `Bug`.                                                 *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    MaxLog,  \* bound on the log's length (positions 1..MaxLog)
    MaxVal,  \* transition payloads are 0..MaxVal
    Bug      \* seeded bug: "none", "ack-before-flush" or "recover-torn-tail"

ASSUME /\ MaxLog \in 1..6
       /\ MaxVal \in 0..3
       /\ Bug \in {"none", "ack-before-flush", "recover-torn-tail"}

Vals == 0..MaxVal
Torn == MaxVal + 1       \* a torn record: what a crash in the middle of a write leaves
None == MaxVal + 2       \* no answer recorded yet
Pos  == 1..MaxLog

VARIABLES
    up,        \* TRUE while the process runs, FALSE after a crash until recovery
    log,       \* the process's log: the durable records, then the staged ones (lost on a crash)
    disk,      \* the records on the disk (survive a crash); Torn marks a torn record
    ackLog,    \* auxiliary: the transitions acknowledged to writers, in order (a prefix of positions)
    pre,       \* auxiliary: the process's log at the last crash
    recOK,     \* auxiliary: every recovery so far yielded a prefix of `pre` holding all of ackLog
    answered   \* auxiliary, answered[t]: the first as-of answer given for position t, or None

vars == <<up, log, disk, ackLog, pre, recOK, answered>>

AnySeq(S) == UNION {[1..n -> S] : n \in 0..MaxLog}

IsPrefix(s, t) == Len(s) <= Len(t) /\ \A i \in 1..Len(s) : s[i] = t[i]

\* The records recovery keeps: the disk without its torn tail record.
Complete(d) == IF Len(d) > 0 /\ d[Len(d)] = Torn THEN SubSeq(d, 1, Len(d) - 1) ELSE d

TypeOK ==
    /\ up \in BOOLEAN
    /\ log \in AnySeq(Vals \cup {Torn})
    /\ disk \in AnySeq(Vals \cup {Torn})
    /\ ackLog \in AnySeq(Vals \cup {Torn})
    /\ pre \in AnySeq(Vals \cup {Torn})
    /\ recOK \in BOOLEAN
    /\ answered \in [Pos -> Vals \cup {Torn, None}]

Init ==
    /\ up = TRUE
    /\ log = <<>>
    /\ disk = <<>>
    /\ ackLog = <<>>
    /\ pre = <<>>
    /\ recOK = TRUE
    /\ answered = [t \in Pos |-> None]

\* A writer appends (stages) a transition carrying v: it gets the next position, not durable yet.
Stage(v) ==
    /\ up
    /\ Len(log) < MaxLog
    /\ log' = Append(log, v)
    /\ UNCHANGED <<up, disk, ackLog, pre, recOK, answered>>

\* Group commit: every staged transition is written to the disk in one durable commit.
Flush ==
    /\ up
    /\ Len(disk) < Len(log)
    /\ disk' = log
    /\ UNCHANGED <<up, log, ackLog, pre, recOK, answered>>

\* The next transition is acknowledged to its writer: only once it is on the disk.
\* (Seeded bug "ack-before-flush": as soon as it is appended.)
Acknowledge ==
    /\ up
    /\ Len(ackLog) < MaxLog
    /\ Len(ackLog) < (IF Bug = "ack-before-flush" THEN Len(log) ELSE Len(disk))
    /\ ackLog' = Append(ackLog, log[Len(ackLog) + 1])
    /\ UNCHANGED <<up, log, disk, pre, recOK, answered>>

\* The process is killed: the staged transitions are lost, the disk stays.
Crash ==
    /\ up
    /\ up' = FALSE
    /\ pre' = log
    /\ log' = <<>>
    /\ UNCHANGED <<disk, ackLog, recOK, answered>>

\* The process is killed in the middle of a flush: a torn record is left at the disk's tail.
CrashInFlush ==
    /\ up
    /\ Len(disk) < Len(log)
    /\ up' = FALSE
    /\ disk' = Append(disk, Torn)
    /\ pre' = log
    /\ log' = <<>>
    /\ UNCHANGED <<ackLog, recOK, answered>>

\* The database is reopened: the complete records are the log again and the torn tail is
\* dropped.  (Seeded bug "recover-torn-tail": the torn record is kept as if complete.)
Recover ==
    /\ ~up
    /\ LET r == IF Bug = "recover-torn-tail" THEN disk ELSE Complete(disk)
       IN /\ up' = TRUE
          /\ log' = r
          /\ disk' = r
          /\ recOK' = (recOK /\ IsPrefix(r, pre) /\ IsPrefix(ackLog, r))
    /\ UNCHANGED <<ackLog, pre, answered>>

\* A reader asks for the database as of an acknowledged position t; the first answer is recorded.
AsOf(t) ==
    /\ up
    /\ t \in 1..Len(ackLog)
    /\ t <= Len(log)
    /\ answered[t] = None
    /\ answered' = [answered EXCEPT ![t] = log[t]]
    /\ UNCHANGED <<up, log, disk, ackLog, pre, recOK>>

Next ==
    \/ \E v \in Vals : Stage(v)
    \/ Flush
    \/ Acknowledge
    \/ Crash
    \/ CrashInFlush
    \/ Recover
    \/ \E t \in Pos : AsOf(t)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants *)

\* Every acknowledged transition is on the disk, so it survives any crash.
AckedSurvive ==
    /\ Len(ackLog) <= Len(disk)
    /\ \A i \in 1..Len(ackLog) : disk[i] = ackLog[i]

\* Every recovery yielded a prefix of the log before the crash holding every acknowledged transition.
RecoverPrefix == recOK

\* An as-of answer for a past position never changes.
AsOfStable ==
    up => \A t \in Pos : answered[t] # None => (t <= Len(log) /\ log[t] = answered[t])

=============================================================================
