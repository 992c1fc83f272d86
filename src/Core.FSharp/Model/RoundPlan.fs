namespace LuaScripts.Core

open System.Collections.Generic
open System.Net

/// How a round of steps is sent.
[<RequireQualifiedAccess>]
type RoundMode =
    /// One pipelined batch: steps run in order, other clients' commands may run in between.
    | Pipeline
    /// MULTI/EXEC: all or nothing, nothing in between.
    | Transaction

/// What one position of a round sends.
[<Struct>]
type internal Send =
    /// FCALL (or FCALL_RO) of the function the command was deployed as.
    | Fcall of fn: string
    /// EVAL (or EVAL_RO): the body, for the first use of the script on its server in this round
    /// (or every use where the server is unknown).
    | Eval
    /// EVALSHA (or EVALSHA_RO): a later use, after the body went earlier in the same round to the
    /// same server; or every use in a round whose scripts are all proved loaded (see
    /// <see cref="RoundPlan.plan"/>).
    | Evalsha
    /// A raw command, as it is.
    | Raw

/// What a round sends, position by position, and where the function-library guards go. Pure data,
/// made by <see cref="RoundPlan.make"/> before anything is queued.
type internal RoundPlan =
    {
        /// Pipeline or transaction.
        Mode: RoundMode
        /// What each position sends.
        Sends: Send[]
        /// The server each position goes to, as far as the client can tell (null: unknown).
        EndPoints: EndPoint[]
        /// A transaction with an FCALL starts with FUNCTION LOAD of the library inside MULTI.
        TransactionGuard: bool
        /// The server of a transaction's guard (that of its first FCALL), for the load mark; or of a
        /// transaction sent without its script's body, for forgetting it.
        GuardEndPoint: EndPoint
        /// A pipeline with FCALLs sends, before the batch, one FUNCTION LOAD to each of these servers.
        PipelineGuards: EndPoint[]
        /// A guard (or the bodies) was left out where a reply had proved the library (or the scripts)
        /// loaded: the round relies on the "Function not found" (or NOSCRIPT) backstop (nothing ran
        /// where it is missing).
        GuardSkipped: bool
    }

/// Planning a round: the pure decision of what each position sends.
[<RequireQualifiedAccess>]
module internal RoundPlan =

    /// Plans a round. `functionFor` gives the function a script runs as (null: it runs as a script);
    /// `libraryLoaded` says whether a reply since the last reconnect proved the library loaded on a
    /// server, `scriptLoaded` the same of a script.
    ///
    /// Policy: a call of a command deployed in the function library is FCALL, except a keyless call
    /// in a pipeline on a cluster (its server, and so its guard, is unknown), which runs as a script.
    /// A script's first use per server in the round carries its body (EVAL) and later uses are
    /// EVALSHA, so neither a pipeline's order nor a transaction's atomicity depends on what the
    /// server's cache held before; where the server is unknown every use carries the body. The
    /// function library is guarded ahead of the first FCALL on each server: inside MULTI for a
    /// transaction (its reply explains a failure), before the batch for a pipeline.
    ///
    /// A guard is left out where the library is proved loaded and a missing library would make
    /// nothing of the round run out of order: in a pipeline whose positions from the first FCALL on
    /// are all FCALL (a call refused "Function not found" ran nothing, and is sent again, in order,
    /// in one guarded batch), and in a transaction of nothing but FCALLs to one known server (inside
    /// EXEC the library is there for all of them or for none, so it is never half-applied; one that
    /// found none is sent again, guarded). In the same way bodies are left out (all EVALSHA) where
    /// every script is proved loaded on its known server: in a pipeline of nothing but calls (no
    /// body goes in the batch, so a call refused NOSCRIPT ran nothing and neither do the calls after
    /// it on that server; they are sent again with their bodies, in order, after the batch), and in a
    /// transaction of nothing but calls of one script to one server (inside EXEC the script is there
    /// for every call or for none, no other client's SCRIPT LOAD or FLUSH running in between; one that
    /// found it missing everywhere is sent again with the body).
    let plan
        (mode: RoundMode)
        (functionFor: Script -> string)
        (libraryLoaded: EndPoint -> bool)
        (scriptLoaded: EndPoint -> Script -> bool)
        (endPoints: EndPoint[])
        (steps: Step[])
        : RoundPlan =
        let n = steps.Length
        let sends = Array.zeroCreate<Send> n
        // Where a body went, keyed by the script object (by reference): cheaper per step than its
        // SHA text. The first (server, script) pair is held apart and the set made only when a
        // second shows up: a round usually calls one script on one server. The guard set is made
        // on first use: a transaction or a round of scripts needs none.
        let mutable firstBodyTo: EndPoint = null
        let mutable firstBodyOf: Script = Unchecked.defaultof<Script>
        let mutable bodySent: BodySet = null
        let mutable guards: ServerSet = null
        let mutable firstFcall = -1
        // Whether every position from the first FCALL on is an FCALL.
        let mutable fcallsToTheEnd = true
        // A raw command, or a call whose server is unknown.
        let mutable rawOrUnknown = false
        // Whether every script's first use so far went to a server a reply proved it loaded on
        // (asked once per (server, script) pair, not per position).
        let mutable bodiesProved = true
        let pipeline = mode = RoundMode.Pipeline
        // The last script asked about and its function: a round usually calls one script, so most
        // positions do not ask the plan.
        let mutable lastScript = Unchecked.defaultof<Script>
        let mutable lastFunction: string = null
        for i in 0 .. n - 1 do
            match steps[i] with
            | Step.Call inv ->
                let endPoint = endPoints[i]
                let fn =
                    if pipeline && isNull endPoint then
                        null
                    elif obj.ReferenceEquals(inv.Script, lastScript) then
                        lastFunction
                    else
                        lastScript <- inv.Script
                        lastFunction <- functionFor inv.Script
                        lastFunction
                if not (isNull fn) then
                    sends[i] <- Send.Fcall fn
                    if firstFcall < 0 then firstFcall <- i
                    if pipeline then
                        if isNull guards then guards <- ServerSet()
                        guards.Add endPoint |> ignore
                else
                    if firstFcall >= 0 then fcallsToTheEnd <- false
                    let firstUse =
                        if isNull endPoint then
                            rawOrUnknown <- true
                            true
                        elif isNull firstBodyTo then
                            firstBodyTo <- endPoint
                            firstBodyOf <- inv.Script
                            true
                        elif obj.ReferenceEquals(firstBodyOf, inv.Script) && obj.Equals(firstBodyTo, endPoint) then
                            false
                        else
                            if isNull bodySent then
                                bodySent <- BodySet()
                                bodySent.Add(firstBodyTo, firstBodyOf) |> ignore
                            bodySent.Add(endPoint, inv.Script)
                    if firstUse then
                        if bodiesProved then
                            bodiesProved <- not rawOrUnknown && firstFcall < 0 && scriptLoaded endPoint inv.Script
                        sends[i] <- Send.Eval
                    else
                        sends[i] <- Send.Evalsha
            | Step.Raw _ ->
                if firstFcall >= 0 then fcallsToTheEnd <- false
                rawOrUnknown <- true
                sends[i] <- Send.Raw
        let guardEndPoint = if firstFcall >= 0 then endPoints[firstFcall] else null
        // Nothing but calls of scripts, each proved loaded on its known server; a transaction, of one
        // script (no second pair made the set).
        let skipBodies = n > 0 && bodiesProved && not rawOrUnknown && firstFcall < 0 && (pipeline || isNull bodySent)
        if skipBodies then
            for i in 0 .. n - 1 do
                sends[i] <- Send.Evalsha
        match mode with
        | RoundMode.Transaction ->
            let skip =
                firstFcall = 0
                && fcallsToTheEnd
                && not (isNull guardEndPoint)
                && Array.forall (fun (e: EndPoint) -> obj.Equals(e, guardEndPoint)) endPoints
                && libraryLoaded guardEndPoint
            { Mode = mode
              Sends = sends
              EndPoints = endPoints
              TransactionGuard = firstFcall >= 0 && not skip
              GuardEndPoint = if skipBodies then firstBodyTo else guardEndPoint
              PipelineGuards = System.Array.Empty<EndPoint>()
              GuardSkipped = skip || skipBodies }
        | RoundMode.Pipeline ->
            let pipelineGuards =
                if isNull guards then System.Array.Empty<EndPoint>()
                elif firstFcall >= 0 && fcallsToTheEnd then guards.ToArrayWithout libraryLoaded
                else guards.ToArray()
            { Mode = mode
              Sends = sends
              EndPoints = endPoints
              TransactionGuard = false
              GuardEndPoint = guardEndPoint
              PipelineGuards = pipelineGuards
              GuardSkipped = (not (isNull guards) && pipelineGuards.Length < guards.Count) || skipBodies }

    /// Plans a round with every library guard and every first body in place (no server is taken to
    /// hold the library or a script).
    let make (mode: RoundMode) (functionFor: Script -> string) (endPoints: EndPoint[]) (steps: Step[]) : RoundPlan =
        plan mode functionFor (fun _ -> false) (fun _ _ -> false) endPoints steps

    /// Whether any position is an FCALL.
    let hasFcall (plan: RoundPlan) =
        plan.Sends
        |> Array.exists (function
            | Send.Fcall _ -> true
            | _ -> false)
