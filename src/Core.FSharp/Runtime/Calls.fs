namespace LuaScripts.Core

open System.Threading.Tasks
open StackExchange.Redis

/// The single-call policy of each backend. Scripts: EVALSHA where a reply proved the script loaded
/// on the server the call goes to, EVAL elsewhere, and a NOSCRIPT reply to an EVALSHA healed with
/// one EVAL, never reaching the caller. Functions: FCALL of the client's library, loaded on first use
/// of each registry version and healed on "Function not found" (nothing ran then, so nothing runs
/// twice).
[<RequireQualifiedAccess>]
module internal Calls =

    /// A call's server error as an execution error; a refusal (nothing ran) is logged.
    let scriptFailed (context: Context) (inv: Invocation) (e: RedisServerException) =
        let error = ExecutionError.ofReply inv.Script.Name inv.Script.Sha1 e.Message
        context.Log.IfRefused error
        error


    /// Whether a script runs with EVAL_RO/EVALSHA_RO: it is read-only and every server has them
    /// (Redis 7.0+); on older servers a read-only script runs with plain EVAL/EVALSHA.
    let usesReadOnlyCommands (scriptIsReadOnly: bool) (serversHaveReadOnlyCommands: bool) = scriptIsReadOnly && serversHaveReadOnlyCommands

    /// The flags that may send a call to a replica (so to a server the client cannot name).
    let replicaFlags = CommandFlags.PreferReplica ||| CommandFlags.DemandReplica

    /// The rest of an EVALSHA that found the script gone where a reply had proved it loaded (the
    /// server lost its scripts, or the keys now live elsewhere: failover, slot migration): forget it
    /// where the call went, look again where the call goes, and send the body.
    let private healProved (context: Context) (db: IDatabaseAsync) (inv: Invocation) (readOnly: bool) (flags: CommandFlags) =
        let state = context.LoadState
        let sha = inv.Script.Sha1
        let endPoint = context.EndPointFor inv.Keys
        state.Forget(endPoint, sha)
        context.Topology.Invalidate()
        let target = context.EndPointFor inv.Keys
        Telemetry.healedScript context.Log inv.Script.Name endPoint
        task {
            try
                let! result = Wire.eval db inv readOnly flags
                state.MarkLoaded(target, sha)
                return result
            with :? RedisServerException as e when Replies.provesLoaded (Replies.classify e.Message) ->
                state.MarkLoaded(target, sha)
                return raise e
        }

    /// EVALSHA where a reply proved the script loaded on the server the call goes to, healed by
    /// <see cref="healProved"/>. A function (and a state machine) of its own, holding only what it
    /// needs while it waits: the usual call's one allocation of the library's own.
    let private evalshaProved
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (readOnly: bool)
        (flags: CommandFlags)
        (onFailure: RunError -> exn)
        : Task<RedisResult> =
        task {
            try
                try
                    return! Wire.evalsha db inv readOnly flags
                with e when Replies.isNoScript e ->
                    return! healProved context db inv readOnly flags
            with :? RedisServerException as e ->
                return raise (onFailure (RunError.Execution(scriptFailed context inv e)))
        }

    /// Runs one script call and heals NOSCRIPT. Server errors become `onFailure`'s exception;
    /// connection failures and time-outs pass through as they are.
    ///
    /// Where the serving server is known (the primary, or the owner of the keys' slot) the call is
    /// EVALSHA when a reply proved the script loaded there and EVAL otherwise; once replies proved it
    /// loaded on every server (<see cref="Context.LoadedEverywhere"/>), the call is EVALSHA without
    /// finding the server (no hash of the keys, no lookup). Where it is not (a
    /// keyless call on a cluster, a read-only call that may go to a replica, another connection's
    /// database) the call is EVALSHA first, healed with one EVAL. On a batch or a transaction
    /// (`db` is an <see cref="IBatch"/>) the call is queued with its body, since nothing can be
    /// resent there.
    let evaluateScript
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (flags: CommandFlags)
        (onFailure: RunError -> exn)
        : Task<RedisResult> =
        let sha = inv.Script.Sha1
        let topology = context.Topology
        let readOnly = usesReadOnlyCommands inv.Script.ReadOnly topology.ReadOnlyScripts
        match db with
        | :? IBatch ->
            Telemetry.sentBody readOnly
            task {
                try
                    return! Wire.eval db inv readOnly flags
                with :? RedisServerException as e ->
                    return raise (onFailure (RunError.Execution(scriptFailed context inv e)))
            }
        | _ ->
            // Where the client can tell the server: its own database, not a read that may go to a replica.
            let placed = context.IsOwn db && not (readOnly && (flags &&& replicaFlags) <> CommandFlags.None)
            if placed && context.LoadedEverywhere inv.Script then
                evalshaProved context db inv readOnly flags onFailure
            else
                let endPoint = if placed then context.EndPointFor inv.Keys else null
                let state = context.LoadState
                if isNull endPoint then
                    task {
                        try
                            try
                                return! Wire.evalsha db inv readOnly flags
                            with e when Replies.isNoScript e ->
                                Telemetry.healedScript context.Log inv.Script.Name (context.EndPointFor inv.Keys)
                                return! Wire.eval db inv readOnly flags
                        with :? RedisServerException as e ->
                            return raise (onFailure (RunError.Execution(scriptFailed context inv e)))
                    }
                elif state.IsLoaded(endPoint, sha) then
                    context.ProveEverywhere inv.Script
                    evalshaProved context db inv readOnly flags onFailure
                else
                    Telemetry.sentBody readOnly
                    task {
                        try
                            let! result = Wire.eval db inv readOnly flags
                            state.MarkLoaded(endPoint, sha)
                            return result
                        with :? RedisServerException as e ->
                            if Replies.provesLoaded (Replies.classify e.Message) then state.MarkLoaded(endPoint, sha)
                            return raise (onFailure (RunError.Execution(scriptFailed context inv e)))
                    }

    /// The rest of a call whose FCALL was answered "Function not found" (FUNCTION FLUSH, a restart
    /// without persistence, keys moved to a primary that never had the library): nothing ran. The
    /// library's load is written to every primary's connection before the FCALL is sent again, so
    /// both take one round trip; at most two such rounds. A failed load is raised as the reason.
    let callAfterHeal
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (fn: string)
        (library: FunctionLibrary)
        (flags: CommandFlags)
        =
        task {
            // A replica receives the library from its primary: read from the primary this time.
            let flags = flags &&& ~~~replicaFlags
            let mutable attempts = 0
            let mutable answer = None
            let mutable fn = fn
            let mutable library = library
            while answer.IsNone do
                // A newer version of the library replaced this one (the registry changed meanwhile, and
                // the old version was deleted): call the definition there rather than load the old one.
                match context.Functions.Current with
                | Some(Plan.Library newer) when newer.Library.Name <> library.Name ->
                    match newer.Functions.TryGetValue inv.Script with
                    | true, newerFn ->
                        fn <- newerFn
                        library <- newer.Library
                    | _ -> ()
                | _ -> ()
                context.Topology.Invalidate()
                context.LoadState.Forget(context.EndPointFor inv.Keys, library.Name)
                let loading = Deployment.heal context library
                attempts <- attempts + 1
                Telemetry.healedFunction ()
                let! outcome = Wire.settle (Wire.fcall db fn inv flags)
                match outcome with
                | Settled.Answered reply ->
                    // The call ran: the library is there (the load's own mark may come a moment later).
                    context.LoadState.MarkLoaded(context.EndPointFor inv.Keys, library.Name)
                    answer <- Some reply
                | Settled.Refused(message, ReplyKind.FunctionNotFound) ->
                    do! loading
                    if attempts >= 2 then raise (RedisServerException message)
                | Settled.Refused(message, _) -> raise (RedisServerException message)
                | Settled.Cancelled -> raise (TaskCanceledException())
                | Settled.Broken e -> raise e
            return answer.Value
        }

    /// Runs one call as FCALL of the client's library, healing "Function not found" (see
    /// <see cref="callAfterHeal"/>). Nothing ran when the reply was "Function not found".
    let evaluateFunction
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (fn: string)
        (library: FunctionLibrary)
        (flags: CommandFlags)
        (onFailure: RunError -> exn)
        : Task<RedisResult> =
        task {
            try
                try
                    return! Wire.fcall db fn inv flags
                with e when Replies.isFunctionNotFound e ->
                    return! callAfterHeal context db inv fn library flags
            with
            | :? RedisServerException as e -> return raise (onFailure (RunError.Execution(scriptFailed context inv e)))
            | LibraryLoadFailed(name, failures) ->
                return raise (onFailure (RunError.Execution(ExecutionError.LibraryNotLoaded(inv.Script.Name, name, failures))))
        }

    let evaluateWithPlan context db (inv: Invocation) flags onFailure (plan: Plan) =
        match plan with
        | Plan.Library deployed ->
            match Plan.functionFor inv.Script plan with
            | null -> evaluateScript context db inv flags onFailure
            | fn -> evaluateFunction context db inv fn deployed.Library flags onFailure
        | Plan.ScriptsOnly _ -> evaluateScript context db inv flags onFailure

    /// <see cref="evaluate"/> without telemetry.
    let private evaluateUnobserved
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (flags: CommandFlags)
        (onFailure: RunError -> exn)
        : Task<RedisResult> =
        if context.Functions.MayUseFunctions && context.IsOwn db && not (db :? IBatch) then
            let plan = Deployment.planFor context
            if plan.IsCompletedSuccessfully then
                evaluateWithPlan context db inv flags onFailure plan.Result
            else
                task {
                    match! Deployment.awaitPlan plan with
                    | Ok p -> return! evaluateWithPlan context db inv flags onFailure p
                    | Error(name, failures) ->
                        return raise (onFailure (RunError.Execution(ExecutionError.LibraryNotLoaded(inv.Script.Name, name, failures))))
                }
        else
            evaluateScript context db inv flags onFailure

    /// What a call will send as far as the client can tell before sending (the span's operation
    /// and backend): FCALL where the plan for the registry as it is now holds (or will hold) the
    /// command (<see cref="Deployment.runsAsFunction"/>), EVALSHA otherwise (EVAL when the call turns
    /// out to need its body is set on the span as it happens).
    let private operationOf (context: Context) (db: IDatabaseAsync) (inv: Invocation) =
        let readOnly = usesReadOnlyCommands inv.Script.ReadOnly context.Topology.ReadOnlyScripts
        let asFunction =
            context.Functions.MayUseFunctions
            && context.IsOwn db
            && not (db :? IBatch)
            && Deployment.runsAsFunction context inv.Script
        if asFunction then
            struct ((if inv.Script.ReadOnly then "FCALL_RO" else "FCALL"), "functions")
        else
            struct ((if readOnly then "EVALSHA_RO" else "EVALSHA"), "scripts")

    /// Runs one call and heals a server that lost what it runs. With the Scripts backend (and for
    /// definitions that run as scripts) see the module's policy; with Functions the call is FCALL of
    /// the client's library, loaded on first use of each registry version and healed on "Function not
    /// found". A call on a batch, a transaction or another connection's database runs as a script
    /// (queued with its body on a batch). Server errors become `onFailure`'s exception; connection
    /// failures and time-outs pass through as they are. Observed (a span, the duration metric) only
    /// when something listens to <see cref="Instrumentation.Name"/>.
    let evaluate
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (flags: CommandFlags)
        (onFailure: RunError -> exn)
        : Task<RedisResult> =
        if not (Telemetry.observed ()) then
            evaluateUnobserved context db inv flags onFailure
        else
            let struct (operation, backend) = operationOf context db inv
            let endPoint = if context.IsOwn db then context.EndPointFor inv.Keys else null
            Telemetry.observeCall context inv.Script.Name operation backend endPoint (fun () ->
                evaluateUnobserved context db inv flags onFailure)
