namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Net
open System.Threading.Tasks
open StackExchange.Redis

/// What came back for one position of a round, as data.
[<Struct>]
type internal Settled =
    /// The server's reply.
    | Answered of reply: RedisResult
    /// The server's error reply, and what it means.
    | Refused of message: string * kind: ReplyKind
    /// The wait was cancelled (StackExchange.Redis cancels the commands of a discarded transaction).
    | Cancelled
    /// Not a server's answer: a connection failure or a time-out, raised to the caller as it is.
    | Broken of error: exn

/// Reading finished tasks as <see cref="Settled"/>.
[<RequireQualifiedAccess>]
module internal Settled =

    /// A finished task's outcome.
    let ofTask (t: Task<RedisResult>) : Settled =
        if t.IsCompletedSuccessfully then
            Settled.Answered t.Result
        elif t.IsCanceled then
            Settled.Cancelled
        else
            match t.Exception.GetBaseException() with
            | :? RedisServerException as e -> Settled.Refused(e.Message, Replies.classify e.Message)
            | :? TaskCanceledException -> Settled.Cancelled
            | e -> Settled.Broken e

    /// An error reply of this kind.
    let isKind (kind: ReplyKind) (settled: Settled) =
        match settled with
        | Settled.Refused(_, k) -> k = kind
        | _ -> false

/// Each position's outcome in a round. At run time it reads the round's finished tasks when asked
/// (no array of outcomes is built per round: most rounds only read each position once); tests give
/// the outcomes as data.
[<Sealed>]
type internal Outcomes private (tasks: Task<RedisResult>[], given: Settled[]) =

    /// How many positions.
    member _.Length = if isNull given then tasks.Length else given.Length

    /// One position's outcome (its task must be finished).
    member _.Item
        with get (i: int): Settled = if isNull given then Settled.ofTask tasks[i] else given[i]

    /// Whether every position's outcome satisfies `test`.
    member this.ForAll(test: Settled -> bool) : bool =
        let mutable all = true
        let mutable i = 0
        while all && i < this.Length do
            all <- test this[i]
            i <- i + 1
        all

    /// The outcomes of a round's finished tasks, one per position.
    static member OfTasks(tasks: Task<RedisResult>[]) = Outcomes(tasks, null)

    /// Outcomes given as data.
    static member Of(settled: Settled[]) = Outcomes(null, settled)

/// What happened to a round on the server, as data: what each position got, and whether the
/// transaction was discarded.
type internal RoundReport =
    {
        /// Why the transaction was discarded (EXECABORT, a watched key changed), with the guard's
        /// failure where it explains it; None for a pipeline or a committed transaction.
        Discarded: string option
        /// Why the transaction's library guard failed, if it did and it matters.
        GuardFailure: string option
        /// Each position's outcome.
        Settled: Outcomes
    }

/// What to do after a round: the replies the caller gets, what to send again, and what the replies
/// proved or disproved about what each server holds.
type internal RoundOutcome =
    {
        /// One reply per position; the positions in ResendWithBody and CallAgain are filled in later.
        Replies: Reply[]
        /// Positions of a pipeline whose EVALSHA found its script gone (a flush landed inside the
        /// batch): sent again with the body, after the batch, in their order.
        ResendWithBody: int list
        /// Positions of a pipeline whose FCALL found the library gone: nothing ran; called again
        /// after the library is loaded again.
        CallAgain: int list
        /// (server, SHA1 or library name) pairs a reply proved loaded.
        Loaded: struct (EndPoint * string) list
        /// (server, SHA1 or library name) pairs a reply proved gone.
        Forget: struct (EndPoint * string) list
        /// A failure that is not the server's answer (connection, time-out): raised to the caller.
        Raise: exn option
    }

/// The pure decisions after a round comes back.
[<RequireQualifiedAccess>]
module internal RoundOutcome =

    /// What the transaction's library guard (FUNCTION LOAD first inside MULTI) says: whether the
    /// library is now proved loaded on the transaction's server, and the failure to report when a
    /// call then misses its function. StackExchange.Redis reports only EXECABORT for every queued
    /// command; when none was refused for its own reason (MOVED...), the guard, a write, is the one
    /// a full server or a narrow ACL refuses at queue time.
    let guard (library: string) (guardSettled: Settled) (settled: Outcomes) : struct (bool * string option) =
        match guardSettled with
        | Settled.Answered _ -> struct (true, None)
        | Settled.Refused(_, ReplyKind.LibraryExists name) when name = library -> struct (true, None)
        | Settled.Refused(message, kind) when kind <> ReplyKind.ExecAbort ->
            struct (false, Some $"the function library '{library}' could not be loaded: {message}")
        | Settled.Refused _ when settled.ForAll(Settled.isKind ReplyKind.ExecAbort) ->
            struct (false,
                    Some
                        $"the transaction began with FUNCTION LOAD of the library '{library}', which a server out of memory (OOM) or an ACL without FUNCTION LOAD refuses")
        | _ -> struct (false, None)

    /// The discard message the caller sees: the server's, with the guard's failure when there is one.
    let discarded (discard: string option) (guardFailure: string option) =
        match discard, guardFailure with
        | Some d, Some g -> Some $"{d} ({g})"
        | d, _ -> d

    /// Whether a discarded transaction was only redirected (routed by a stale slot map right after a
    /// reconnect, a failover or a slot migration): nothing of it ran, so it may be sent again once
    /// the client has looked at the topology again.
    let wasRedirected (report: RoundReport) : bool =
        match report.Discarded with
        | Some message when Replies.classify message = ReplyKind.ExecAbort ->
            report.Settled.ForAll (function
                | Settled.Answered _
                | Settled.Cancelled -> true
                | Settled.Refused(_, kind) -> kind = ReplyKind.Redirected || kind = ReplyKind.ExecAbort
                | Settled.Broken _ -> false)
        | _ -> false

    // Made once, not on every round.
    let private missing: Settled -> bool =
        function
        | Settled.Refused(_, ReplyKind.FunctionNotFound)
        | Settled.Refused(_, ReplyKind.NoScript) -> true
        | _ -> false

    /// Whether a transaction sent without its library guard, or without its script's body (see
    /// <see cref="RoundPlan.plan"/>), found the library or the script gone: every position was
    /// refused "Function not found" (or NOSCRIPT), so nothing of it ran and it is sent again with the
    /// guard (or the body).
    let sendAgainGuarded (plan: RoundPlan) (report: RoundReport) : bool =
        plan.Mode = RoundMode.Transaction
        && plan.GuardSkipped
        && report.Discarded.IsNone
        && report.Settled.Length > 0
        && report.Settled.ForAll missing

    /// Decides every position's reply, what to send again and which load marks to set or forget.
    /// `library` is the name of the function library the plan calls (null when none).
    let decide (plan: RoundPlan) (library: string) (steps: Step[]) (report: RoundReport) : RoundOutcome =
        let n = steps.Length
        let settled = report.Settled
        let replies = Array.zeroCreate<Reply> n
        let mutable resend = []
        let mutable callAgain = []
        let mutable loaded = []
        let mutable forget = []
        let mutable raiseFirst = None
        let pipeline = plan.Mode = RoundMode.Pipeline
        let discardedMessage = report.Discarded
        let failed (inv: Invocation) (message: string) = Error(ExecutionError.ofReply inv.Script.Name inv.Script.Sha1 message)
        // Inside EXEC a later EVALSHA misses its script only when the body sent earlier in the same
        // transaction did not compile: that failure is the reason to report.
        let bodyFailure (i: int) (inv: Invocation) =
            seq { 0 .. i - 1 }
            |> Seq.tryPick (fun j ->
                match steps[j], plan.Sends[j], settled[j] with
                | Step.Call other, Send.Eval, Settled.Refused(message, _) when
                    obj.ReferenceEquals(other.Script, inv.Script) && obj.Equals(plan.EndPoints[j], plan.EndPoints[i])
                    ->
                    Some message
                | _ -> None)
        // Every FCALL on a server proves the same library: one mark per server. The sets are made on
        // first use (a round of scripts needs neither).
        let mutable fcallMarked: ServerSet = null
        let mutable fcallForgotten: ServerSet = null
        for i in n - 1 .. -1 .. 0 do
            let endPoint = plan.EndPoints[i]
            match settled[i], steps[i], plan.Sends[i] with
            | Settled.Answered result, Step.Call _, Send.Fcall _ ->
                if isNull fcallMarked then fcallMarked <- ServerSet()
                if fcallMarked.Add endPoint then loaded <- struct (endPoint, library) :: loaded
                replies[i] <- Ok result
            | Settled.Answered result, Step.Call inv, Send.Eval ->
                // The body's first use proves the script loaded there; later EVALSHAs add nothing.
                loaded <- struct (endPoint, inv.Script.Sha1) :: loaded
                replies[i] <- Ok result
            | Settled.Answered result, _, _ -> replies[i] <- Ok result
            | Settled.Refused(_, ReplyKind.FunctionNotFound), Step.Call _, Send.Fcall _ when pipeline ->
                // The library went missing (before the batch, where no guard went, or inside it), or
                // the keys moved: nothing ran. The next batch there is guarded again.
                if not (isNull library) then
                    if isNull fcallForgotten then fcallForgotten <- ServerSet()
                    if fcallForgotten.Add endPoint then forget <- struct (endPoint, library) :: forget
                callAgain <- i :: callAgain
            | Settled.Refused(message, ReplyKind.FunctionNotFound), Step.Call inv, Send.Fcall _ when discardedMessage.IsNone ->
                let message =
                    match report.GuardFailure with
                    | Some g -> $"{message} ({g})"
                    | None -> message
                replies[i] <- failed inv message
            | Settled.Refused(_, ReplyKind.NoScript), Step.Call inv, Send.Evalsha when pipeline ->
                // A flush landed inside the batch (or the keys moved).
                forget <- struct (endPoint, inv.Script.Sha1) :: forget
                resend <- i :: resend
            | Settled.Refused(message, ReplyKind.NoScript), Step.Call inv, Send.Evalsha when discardedMessage.IsNone ->
                replies[i] <- failed inv (defaultArg (bodyFailure i inv) message)
            | Settled.Refused(message, kind), Step.Call inv, send when discardedMessage.IsNone || kind <> ReplyKind.ExecAbort ->
                if send = Send.Eval && discardedMessage.IsNone && Replies.provesLoaded kind then
                    loaded <- struct (endPoint, inv.Script.Sha1) :: loaded
                replies[i] <- failed inv message
            | Settled.Refused(message, kind), Step.Raw(name, _), _ when discardedMessage.IsNone || kind <> ReplyKind.ExecAbort ->
                replies[i] <- Error(ExecutionError.RawCommandFailed(name, message))
            | _, step, _ when discardedMessage.IsSome ->
                replies[i] <- Error(ExecutionError.TransactionDiscarded(Step.name step, discardedMessage.Value))
            | Settled.Cancelled, step, _ -> replies[i] <- Error(ExecutionError.TransactionDiscarded(Step.name step, "cancelled"))
            | Settled.Broken e, _, _ -> raiseFirst <- Some e
            | Settled.Refused(message, _), step, _ ->
                // Only reached for an EXECABORT reply outside a discarded transaction.
                replies[i] <- Error(ExecutionError.TransactionDiscarded(Step.name step, message))
        { Replies = replies
          ResendWithBody = resend
          CallAgain = callAgain
          Loaded = loaded
          Forget = forget
          Raise = raiseFirst }
