namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Net
open System.Threading.Tasks
open StackExchange.Redis

/// What the interpreter needs to know about one connection: where commands go and which scripts
/// are known loaded where. One per client; thread-safe.
[<Sealed>]
type Context(mux: IConnectionMultiplexer, backend: Backend, registry: unit -> Registry) =
    let loadState = LoadState()
    let topology = Topology(mux)
    let functions = FunctionState(backend)

    do
        // A server whose connection failed or came back may have restarted with an empty script cache.
        mux.ConnectionFailed.Add(fun e -> loadState.ForgetServer e.EndPoint)
        mux.ConnectionRestored.Add(fun e -> loadState.ForgetServer e.EndPoint)

    /// The connection.
    member _.Multiplexer = mux
    /// Which scripts are known loaded where.
    member _.LoadState = loadState
    /// Where commands go.
    member _.Topology = topology
    /// The Functions backend's state (its plan, Auto's decision).
    member _.Functions = functions
    /// The registry as it is now (the function library is made from it).
    member _.Registry: Registry = registry ()

    /// A context for the Scripts backend with no registry of its own (scripts are passed in).
    new(mux: IConnectionMultiplexer) = Context(mux, Backend.Scripts, (fun () -> Registry.empty))

/// Runs scripts and programs over StackExchange.Redis. The only place that knows about round trips,
/// load state and NOSCRIPT.
///
/// Policy: a single call sends EVALSHA where the script is known loaded and EVAL elsewhere; a
/// NOSCRIPT reply to an EVALSHA is healed with one EVAL and never reaches the caller. In a batch or a
/// transaction, where a late retry would reorder or half-apply, the first use of each script per
/// server carries the body (EVAL) and later uses are EVALSHA; a NOSCRIPT in a plain pipeline (a flush
/// by another client landing mid-batch) is resent as EVAL after the batch.
///
/// With the Functions backend the same guarantees hold for FCALL of the client's function library:
/// "Function not found" is healed by loading the library and calling again, and a batch carries a
/// cheap FUNCTION LOAD guard per server ahead of its first FCALL (see docs/how-it-works.md).
[<RequireQualifiedAccess>]
module Interpreter =

    // The server's whole reply, the same from Redis 2.6 to 7.x.
    let private noScriptReply = "NOSCRIPT No matching script. Please use EVAL."

    // Whether an exception is a server error reply with exactly this text.
    let private isReply (text: string) (error: exn) =
        match error with
        | :? RedisServerException as e -> String.Equals(e.Message, text, StringComparison.Ordinal)
        | _ -> false

    /// Whether an exception is the server's own "no matching script" reply to EVALSHA, recognised by
    /// its exact, whole text. A script's own error that merely mentions NOSCRIPT is not; one whose text
    /// is exactly the server's reply cannot be told apart without another round trip, and is taken
    /// for it. Only replies to EVALSHA are ever asked (a reply to EVAL is never a missing script).
    [<CompiledName("IsNoScript")>]
    let isNoScript (error: exn) = isReply noScriptReply error

    // The arguments of EVAL and FCALL: the body (or function), numkeys, KEYS, ARGV.
    let private callArgs (first: obj) (inv: Invocation) : ICollection<obj> =
        let keys = inv.Keys
        let argv = inv.Argv
        let args = Array.zeroCreate<obj> (2 + keys.Length + argv.Length)
        args[0] <- first
        args[1] <- box keys.Length
        for i in 0 .. keys.Length - 1 do
            args[2 + i] <- box keys[i]
        for i in 0 .. argv.Length - 1 do
            args[2 + keys.Length + i] <- box argv[i]
        args :> ICollection<obj>

    // The server's whole reply to FCALL of a function no loaded library registers (Redis 7.x).
    let private functionNotFoundReply = "ERR Function not found"

    /// Whether an exception is the server's "Function not found" reply to FCALL, recognised by its
    /// exact, whole text (a function whose own error is exactly that text is taken for it).
    [<CompiledName("IsFunctionNotFound")>]
    let isFunctionNotFound (error: exn) = isReply functionNotFoundReply error

    /// EVAL (or EVAL_RO): the body on the wire. Sent as a raw command on purpose:
    /// StackExchange.Redis's own string-script path resends a script whose own error text starts
    /// with NOSCRIPT, so that a script could run twice. RedisKey arguments keep key routing and prefixes.
    let internal sendEval (db: IDatabaseAsync) (inv: Invocation) (readOnly: bool) (flags: CommandFlags) : Task<RedisResult> =
        db.ExecuteAsync((if readOnly then "EVAL_RO" else "EVAL"), callArgs (box inv.Script.Lua) inv, flags)

    /// FCALL (or FCALL_RO) of the function a command was deployed as.
    let internal sendFcall (db: IDatabaseAsync) (fn: string) (inv: Invocation) (flags: CommandFlags) : Task<RedisResult> =
        db.ExecuteAsync((if inv.Script.ReadOnly then "FCALL_RO" else "FCALL"), callArgs (box fn) inv, flags)

    /// EVALSHA (or EVALSHA_RO): only the digest on the wire; no fallback of StackExchange.Redis's own.
    let internal sendEvalsha (db: IDatabaseAsync) (inv: Invocation) (readOnly: bool) (flags: CommandFlags) : Task<RedisResult> =
        let script = inv.Script
        if readOnly then db.ScriptEvaluateReadOnlyAsync(script.Sha1Bytes, inv.Keys, inv.Argv, flags)
        else db.ScriptEvaluateAsync(script.Sha1Bytes, inv.Keys, inv.Argv, flags)

    let private scriptFailed (inv: Invocation) (e: RedisServerException) =
        ExecutionError.ScriptFailed(inv.Script.Name, inv.Script.Sha1, e.Message)

    // Replies that refuse a script before it is compiled and cached (or say it is not cached).
    let private refusals =
        [| "ERR Error compiling script"; "NOPERM"; "OOM"; "BUSY"; "READONLY"; "LOADING"
           "MASTERDOWN"; "EXECABORT"; "CROSSSLOT"; "MOVED"; "ASK"; "TRYAGAIN"; "CLUSTERDOWN"; "ERR unknown command" |]

    /// Whether an error reply to EVAL proves the script is now cached on the server: a script that
    /// compiled and then failed at run time (its own error, a failed call) stays cached; a refusal
    /// does not. Unsure cases count as not cached, which costs at most one more body later. (EVAL is
    /// never answered with a missing script, so a NOSCRIPT text here is the script's own error.)
    [<CompiledName("ErrorProvesLoaded")>]
    let errorProvesLoaded (message: string) =
        not (isNull message) && not (refusals |> Array.exists (fun r -> message.StartsWith(r, StringComparison.Ordinal)))

    let private isOwn (context: Context) (db: IDatabaseAsync) =
        obj.ReferenceEquals(db.Multiplexer, context.Multiplexer)

    /// Whether a script runs with EVAL_RO/EVALSHA_RO: it is read-only and every server has them
    /// (Redis 7.0+); on older servers a read-only script runs with plain EVAL/EVALSHA.
    [<CompiledName("UsesReadOnlyCommands")>]
    let usesReadOnlyCommands (scriptIsReadOnly: bool) (serversHaveReadOnlyCommands: bool) =
        scriptIsReadOnly && serversHaveReadOnlyCommands

    /// On a Redis Cluster, checks that a call's keys share one hash slot (a keyless call always
    /// passes). Elsewhere every call passes. Nothing is sent.
    [<CompiledName("CheckRoute")>]
    let checkRoute (context: Context) (inv: Invocation) : Result<unit, ArgumentError> =
        if inv.Keys.Length > 1 && context.Topology.IsCluster then
            match Slot.common inv.Keys with
            | Error slots -> Error(ArgumentError.CrossSlot slots)
            | Ok _ -> Ok()
        else
            Ok()

    /// The keys of a command: a script's KEYS, or a plain command's <see cref="RedisKey"/> arguments.
    [<CompiledName("CommandKeys")>]
    let commandKeys (command: Command) : RedisKey[] =
        match command with
        | Command.Script inv -> inv.Keys
        | Command.Plain(_, args) -> args |> Array.choose (function :? RedisKey as k -> Some k | _ -> None)

    /// On a Redis Cluster, checks that a command joining a transaction shares the transaction's hash
    /// slot (MULTI/EXEC runs on one node). Returns the transaction's slot so far (None while no
    /// command has keys). Elsewhere every command passes.
    [<CompiledName("CheckTransactionSlot")>]
    let checkTransactionSlot (context: Context) (slotSoFar: int option) (command: Command) : Result<int option, ArgumentError> =
        if not context.Topology.IsCluster then
            Ok slotSoFar
        else
            match Slot.common (commandKeys command), slotSoFar with
            | Error slots, _ -> Error(ArgumentError.CrossSlot slots)
            | Ok None, _ -> Ok slotSoFar
            | Ok(Some s), None -> Ok(Some s)
            | Ok(Some s), Some t when s = t -> Ok slotSoFar
            | Ok(Some s), Some t -> Error(ArgumentError.CrossSlot [ t; s ])

    let private replicaFlags = CommandFlags.PreferReplica ||| CommandFlags.DemandReplica

    /// Runs one script call and heals NOSCRIPT. Server errors become `onFailure`'s exception;
    /// connection failures and time-outs pass through as they are.
    ///
    /// Where the serving server is known (the primary, or the owner of the keys' slot) the call is
    /// EVALSHA when a reply proved the script loaded there and EVAL otherwise. Where it is not (a
    /// keyless call on a cluster, a read-only call that may go to a replica, another connection's
    /// database) the call is EVALSHA first, healed with one EVAL. On a batch or a transaction
    /// (`db` is an <see cref="IBatch"/>) the call is queued with its body, since nothing can be
    /// resent there.
    let private evaluateScript
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (flags: CommandFlags)
        (onFailure: ExecutionError -> exn)
        : Task<RedisResult> =
        let sha = inv.Script.Sha1
        let topology = context.Topology
        let readOnly = usesReadOnlyCommands inv.Script.ReadOnly topology.ReadOnlyScripts
        match db with
        | :? IBatch ->
            task {
                try
                    return! sendEval db inv readOnly flags
                with :? RedisServerException as e ->
                    return raise (onFailure (scriptFailed inv e))
            }
        | _ ->
            let endPoint =
                if not (isOwn context db) then null
                elif readOnly && (flags &&& replicaFlags) <> CommandFlags.None then null
                else topology.EndPointFor inv.Keys
            let state = context.LoadState
            if isNull endPoint then
                task {
                    try
                        try
                            return! sendEvalsha db inv readOnly flags
                        with e when isNoScript e ->
                            return! sendEval db inv readOnly flags
                    with :? RedisServerException as e ->
                        return raise (onFailure (scriptFailed inv e))
                }
            elif state.IsLoaded(endPoint, sha) then
                task {
                    try
                        try
                            return! sendEvalsha db inv readOnly flags
                        with e when isNoScript e ->
                            // The server lost its scripts, or the keys now live elsewhere (failover,
                            // slot migration): forget, look again where the call goes, resend the body.
                            state.Forget(endPoint, sha)
                            topology.Invalidate()
                            let target = topology.EndPointFor inv.Keys
                            try
                                let! result = sendEval db inv readOnly flags
                                state.MarkLoaded(target, sha)
                                return result
                            with :? RedisServerException as e when errorProvesLoaded e.Message ->
                                state.MarkLoaded(target, sha)
                                return raise e
                    with :? RedisServerException as e ->
                        return raise (onFailure (scriptFailed inv e))
                }
            else
                task {
                    try
                        let! result = sendEval db inv readOnly flags
                        state.MarkLoaded(endPoint, sha)
                        return result
                    with :? RedisServerException as e ->
                        if errorProvesLoaded e.Message then state.MarkLoaded(endPoint, sha)
                        return raise (onFailure (scriptFailed inv e))
                }

    /// The outcome of a finished task: its reply, or its failure.
    let private outcome (t: Task<RedisResult>) : Result<RedisResult, exn> =
        if t.IsCompletedSuccessfully then Ok t.Result
        elif t.IsCanceled then Error(TaskCanceledException() :> exn)
        else Error(t.Exception.GetBaseException())

    /// Waits for a queued command without throwing: its reply, or its failure.
    let private settle (task: Task<RedisResult>) : Task<Result<RedisResult, exn>> =
        task.ContinueWith(outcome, TaskContinuationOptions.ExecuteSynchronously)

    /// The connected primaries: where a function library is loaded (replicas receive it by replication).
    let private primaries (context: Context) : IServer[] =
        context.Multiplexer.GetServers() |> Array.filter (fun s -> s.IsConnected && not s.IsReplica)

    let private alreadyLoaded (library: FunctionLibrary) (message: string) =
        String.Equals(message, Plan.alreadyLoadedReply library.Name, StringComparison.Ordinal)

    /// FUNCTION LOAD (REPLACE) of a library on one server: Ok when it is loaded now, or (without
    /// REPLACE) was already there; the server's refusal or the connection's failure otherwise.
    let private loadLibraryOn (server: IServer) (library: FunctionLibrary) (replace: bool) (flags: CommandFlags) : Task<Result<unit, string>> =
        task {
            try
                let args: obj[] = if replace then [| "LOAD"; "REPLACE"; library.Code |] else [| "LOAD"; library.Code |]
                let! _ = server.ExecuteAsync("FUNCTION", args :> ICollection<obj>, flags)
                return Ok()
            with
            | :? RedisServerException as e when alreadyLoaded library e.Message -> return Ok()
            | e -> return Error e.Message
        }

    /// Loads a library on servers in parallel; marks it loaded where it is, and returns the failures.
    /// A server that answers READONLY was demoted (a failover the multiplexer has not seen yet): it
    /// receives the library from its new primary by replication, so it is not a failure; the
    /// multiplexer is asked to look at the topology again.
    let private loadLibrary (context: Context) (servers: IServer[]) (library: FunctionLibrary) (replace: bool) (flags: CommandFlags) =
        task {
            let! outcomes = Task.WhenAll(servers |> Array.map (fun s -> loadLibraryOn s library replace flags))
            let isDemoted (reason: string) = reason.StartsWith("READONLY", StringComparison.Ordinal)
            if outcomes |> Array.exists (function Error reason -> isDemoted reason | Ok() -> false) then
                context.Topology.Invalidate()
                context.Multiplexer.ConfigureAsync() |> ignore
            return
                [ for server, outcome in Array.zip servers outcomes do
                      match outcome with
                      | Ok() -> context.LoadState.MarkLoaded(server.EndPoint, library.Name)
                      | Error reason when isDemoted reason -> ()
                      | Error reason -> { EndPoint = server.EndPoint; Reason = reason } ]
        }

    /// Removes the library version this client loaded before, once a new one is loaded: a registry
    /// that changes after first use would otherwise leave one whole library per version on the
    /// servers. Fire-and-forget on every primary; a process still running that version (same
    /// definitions elsewhere) loads it again on its next call.
    let private deleteSuperseded (context: Context) (previous: string) (current: string) =
        if not (isNull previous) && previous <> current then
            for server in primaries context do
                server.ExecuteAsync("FUNCTION", [| box "DELETE"; box previous |] :> ICollection<obj>, CommandFlags.FireAndForget) |> ignore

    // Replies meaning this user or server cannot run FUNCTION LOAD at all (Auto then picks Scripts).
    let private cannotLoadFunctions (reason: string) =
        [| "NOPERM"; "ERR unknown command"; "ERR unknown subcommand" |]
        |> Array.exists (fun r -> reason.StartsWith(r, StringComparison.Ordinal))

    /// The definitions of a library that do not compile as functions, with the compiler's message:
    /// each registration compiled alone by a script (one round trip), or, where scripts are refused,
    /// the definition holding the line the server's error names.
    let private findUncompilable (server: IServer) (library: FunctionLibrary) (scripts: Script list) (serverError: string) =
        task {
            let included = scripts |> List.filter (fun s -> library.Functions.ContainsKey s.Name) |> List.toArray
            let args: obj[] =
                Array.append [| box FunctionLibrary.CompileCheck; box 0 |] (included |> Array.map (fun s -> box (FunctionLibrary.registration library.Name s)))
            let! checkedAlone =
                task {
                    try
                        let! reply = server.ExecuteAsync("EVAL", args :> ICollection<obj>)
                        let items: RedisResult[] = RedisResult.op_Explicit reply
                        return Some(items |> Array.map (fun r -> if r.IsNull then "" else string r))
                    with _ ->
                        return None
                }
            match checkedAlone with
            | Some messages when messages.Length = included.Length && messages |> Array.exists (fun m -> not (String.IsNullOrEmpty m)) ->
                return
                    [ for i in 0 .. included.Length - 1 do
                          if not (String.IsNullOrEmpty messages[i]) then included[i], messages[i] ]
            | _ ->
                return
                    FunctionLibrary.compileErrorLine serverError
                    |> Option.bind (FunctionLibrary.commandAtLine library)
                    |> Option.bind (fun name -> included |> Array.tryFind (fun s -> s.Name = name))
                    |> Option.map (fun s -> [ s, serverError ])
                    |> Option.defaultValue []
        }

    /// Makes the plan for a registry version: generates its library (leaving out, as scripts, the
    /// definitions a server would not compile as functions) and loads it on every connected primary,
    /// with FUNCTION LOAD (cheap when already there) or FUNCTION LOAD REPLACE. Auto decides here:
    /// Scripts when a server is older than 7.0 or refuses FUNCTION LOAD. Raises
    /// <see cref="LibraryLoadFailed"/> when the library cannot be loaded otherwise.
    let private deploy (context: Context) (replace: bool) (flags: CommandFlags) (registry: Registry) : Task<Plan> =
        task {
            let state = context.Functions
            let scripts = Registry.scripts registry
            let connected = context.Multiplexer.GetServers() |> Array.filter (fun s -> s.IsConnected)
            let auto = state.Backend = Backend.Auto
            let older = if auto then connected |> Array.tryFind (fun s -> s.Version < Version(7, 0)) else None
            if auto && state.AutoDecision = Some false then
                return Plan.ScriptsOnly state.AutoReason
            elif older.IsSome then
                let old = older.Value
                state.Decide(false, $"{EndPointCollection.ToString old.EndPoint} runs Redis {old.Version}, older than 7.0")
                return Plan.ScriptsOnly state.AutoReason
            else
                let mutable plan = None
                let mutable compileFailures = 0
                while plan.IsNone do
                    let library = FunctionLibrary.generateExcluding state.BrokenReason scripts
                    if library.Functions.IsEmpty then
                        plan <- Some(Plan.ofLibrary library scripts)
                    else
                        let targets = primaries context
                        let! failures = loadLibrary context targets library replace flags
                        if targets.Length > 0 && failures.IsEmpty then
                            if auto then state.Decide(true, "")
                            deleteSuperseded context (state.Loaded library.Name) library.Name
                            plan <- Some(Plan.ofLibrary library scripts)
                        else
                            // A definition that does not compile would fail the whole library: find
                            // every such one (compiled alone, or by the line the server names), run it
                            // as a script (where its own error shows, as with the Scripts backend) and
                            // load the rest.
                            let! culprits =
                                match failures |> List.tryFind (fun f -> f.Reason.Contains "Error compiling function") with
                                | Some failure -> findUncompilable targets[0] library scripts failure.Reason
                                | None -> Task.FromResult []
                            match culprits with
                            | _ :: _ when compileFailures < scripts.Length ->
                                compileFailures <- compileFailures + 1
                                for script, reason in culprits do
                                    state.MarkBroken(script, $"the server would not compile it as a function: {reason}")
                            | _ when auto && not failures.IsEmpty && failures |> List.forall (fun f -> cannotLoadFunctions f.Reason) ->
                                let f = failures.Head
                                state.Decide(false, $"{EndPointCollection.ToString f.EndPoint} refused FUNCTION LOAD: {f.Reason}")
                                plan <- Some(Plan.ScriptsOnly state.AutoReason)
                            | _ -> raise (LibraryLoadFailed(library.Name, failures))
                return plan.Value
        }

    /// The plan for the registry as it is now: ready at once after the first call of a registry version.
    let private planFor (context: Context) : Task<Plan> =
        let registry = context.Registry
        match context.Functions.ReadyFor registry with
        | null -> context.Functions.PlanFor(registry, deploy context false CommandFlags.None)
        | ready -> ready

    /// Waits for a plan being made: the plan, or the library and the servers that refused it.
    let private awaitPlan (plan: Task<Plan>) : Task<Result<Plan, string * NodeFailure list>> =
        task {
            try
                let! p = plan
                return Ok p
            with LibraryLoadFailed(name, failures) ->
                return Error(name, failures)
        }

    /// Loads the library again where a call found it missing: FUNCTION LOAD on every connected
    /// primary, which loads it where it is gone and is refused cheaply ("already exists") where it is
    /// not. Every primary, because the client's view of which node serves the keys may be stale (a
    /// slot just moved). Concurrent callers share one load.
    let private heal (context: Context) (library: FunctionLibrary) : Task =
        context.Functions.Heal(
            library.Name,
            fun () ->
                task {
                    let servers = primaries context
                    let! failures = loadLibrary context servers library false CommandFlags.None
                    if not failures.IsEmpty || servers.Length = 0 then raise (LibraryLoadFailed(library.Name, failures))
                }
                :> Task
        )

    /// The rest of a call whose FCALL was answered "Function not found" (FUNCTION FLUSH, a restart
    /// without persistence, keys moved to a primary that never had the library): nothing ran. The
    /// library's load is written to every primary's connection before the FCALL is sent again, so
    /// both take one round trip; at most two such rounds. A failed load is raised as the reason.
    let private callAfterHeal (context: Context) (db: IDatabaseAsync) (inv: Invocation) (fn: string) (library: FunctionLibrary) (flags: CommandFlags) =
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
                context.LoadState.Forget(context.Topology.EndPointFor inv.Keys, library.Name)
                let loading = heal context library
                attempts <- attempts + 1
                let! outcome = settle (sendFcall db fn inv flags)
                match outcome with
                | Ok reply ->
                    // The call ran: the library is there (the load's own mark may come a moment later).
                    context.LoadState.MarkLoaded(context.Topology.EndPointFor inv.Keys, library.Name)
                    answer <- Some reply
                | Error e when isFunctionNotFound e ->
                    do! loading
                    if attempts >= 2 then raise e
                | Error e -> raise e
            return answer.Value
        }

    /// Runs one call as FCALL of the client's library, healing "Function not found" (see
    /// <see cref="callAfterHeal"/>). Nothing ran when the reply was "Function not found".
    let private evaluateFunction
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (fn: string)
        (library: FunctionLibrary)
        (flags: CommandFlags)
        (onFailure: ExecutionError -> exn)
        : Task<RedisResult> =
        task {
            try
                try
                    return! sendFcall db fn inv flags
                with e when isFunctionNotFound e ->
                    return! callAfterHeal context db inv fn library flags
            with
            | :? RedisServerException as e -> return raise (onFailure (scriptFailed inv e))
            | LibraryLoadFailed(name, failures) -> return raise (onFailure (ExecutionError.LibraryNotLoaded(inv.Script.Name, name, failures)))
        }

    let private evaluateWithPlan context db (inv: Invocation) flags onFailure (plan: Plan) =
        match plan with
        | Plan.Library deployed ->
            match Plan.functionFor inv.Script plan with
            | null -> evaluateScript context db inv flags onFailure
            | fn -> evaluateFunction context db inv fn deployed.Library flags onFailure
        | Plan.ScriptsOnly _ -> evaluateScript context db inv flags onFailure

    /// Runs one call and heals a server that lost what it runs. With the Scripts backend (and for
    /// definitions that run as scripts) see the module's policy; with Functions the call is FCALL of
    /// the client's library, loaded on first use of each registry version and healed on "Function not
    /// found". A call on a batch, a transaction or another connection's database runs as a script
    /// (queued with its body on a batch). Server errors become `onFailure`'s exception; connection
    /// failures and time-outs pass through as they are.
    [<CompiledName("Evaluate")>]
    let evaluate
        (context: Context)
        (db: IDatabaseAsync)
        (inv: Invocation)
        (flags: CommandFlags)
        (onFailure: ExecutionError -> exn)
        : Task<RedisResult> =
        if context.Functions.MayUseFunctions && isOwn context db && not (db :? IBatch) then
            let plan = planFor context
            if plan.IsCompletedSuccessfully then
                evaluateWithPlan context db inv flags onFailure plan.Result
            else
                task {
                    match! awaitPlan plan with
                    | Ok p -> return! evaluateWithPlan context db inv flags onFailure p
                    | Error(name, failures) -> return raise (onFailure (ExecutionError.LibraryNotLoaded(inv.Script.Name, name, failures)))
                }
        else
            evaluateScript context db inv flags onFailure

    /// How a round of commands is sent.
    [<RequireQualifiedAccess>]
    type Mode =
        /// One pipelined batch: commands run in order, other clients' commands may run in between.
        | Pipeline
        /// MULTI/EXEC: all or nothing, nothing in between.
        | Transaction

    let private commandName (command: Command) =
        match command with
        | Command.Script inv -> inv.Script.Name
        | Command.Plain(name, _) -> name

    let private queue (context: Context) (batch: IBatch) (command: Command) (withBodyNow: bool) (flags: CommandFlags) : Task<RedisResult> =
        match command with
        | Command.Script inv ->
            let readOnly = usesReadOnlyCommands inv.Script.ReadOnly context.Topology.ReadOnlyScripts
            if withBodyNow then sendEval batch inv readOnly flags else sendEvalsha batch inv readOnly flags
        | Command.Plain(name, args) -> batch.ExecuteAsync(name, args :> ICollection<obj>, flags)

    /// Waits (up to the multiplexer's time-out) until a primary is connected before a transaction is
    /// queued on a server with numbered databases. StackExchange.Redis follows each raw command inside
    /// MULTI with a SELECT of the database, but only when it can pick a server at queue time; a
    /// transaction queued while disconnected is written after the reconnect without those SELECTs,
    /// and StackExchange.Redis then kills the connection rather than SELECT inside MULTI. Raises a
    /// connection error (nothing was sent) if none comes back in time.
    let private primaryConnected (context: Context) : Task =
        let mux = context.Multiplexer
        let connected () = mux.GetServers() |> Array.exists (fun s -> s.IsConnected && not s.IsReplica)
        if connected () then
            Task.CompletedTask
        else
            task {
                let deadline = DateTime.UtcNow.AddMilliseconds(float (max 1000 mux.TimeoutMilliseconds))
                while not (connected ()) && DateTime.UtcNow < deadline do
                    do! Task.Delay 20
                if not (connected ()) then
                    raise (
                        RedisConnectionException(
                            ConnectionFailureType.UnableToConnect,
                            "No primary server is connected: the transaction was not sent."
                        )
                    )
            }

    let private sendRoundWith (context: Context) (db: IDatabase) (mode: Mode) (flags: CommandFlags) (plan: Plan option) (commands: Command[]) : Task<Reply[]> =
        let n = commands.Length
        let endPoints = Array.zeroCreate<EndPoint> n
        let withBody = Array.zeroCreate<bool> n
        // The function each position calls (null: it runs as a script or is a plain command).
        let fcalls = Array.zeroCreate<string> n
        let deployed =
            match plan with
            | Some(Plan.Library deployed) -> deployed
            | _ -> Unchecked.defaultof<Deployed>
        let guardArgs () = [| box "LOAD"; box deployed.Code |] :> ICollection<obj>
        // One attempt: queue every command, send the batch (or MULTI/EXEC), wait for every reply.
        let attempt () =
            task {
                let batch: IBatch =
                    match mode with
                    | Mode.Pipeline -> db.CreateBatch()
                    | Mode.Transaction -> db.CreateTransaction()
                for i in 0 .. n - 1 do
                    match commands[i] with
                    | Command.Script inv ->
                        let endPoint = context.Topology.EndPointFor inv.Keys
                        endPoints[i] <- endPoint
                        fcalls[i] <-
                            match plan with
                            // A pipeline's guard goes to a known server: a keyless call on a cluster runs as a script.
                            | Some p when not (mode = Mode.Pipeline && isNull endPoint) -> Plan.functionFor inv.Script p
                            | _ -> null
                    | Command.Plain _ -> ()
                // The guard: FUNCTION LOAD of the library ahead of the first FCALL on each server. It
                // loads a lost library (FUNCTION FLUSH, a restart) before any call needs it, and is
                // refused at once, cheaply, with "already exists" otherwise. In a transaction it is the
                // first command inside MULTI (its reply explains a failure); in a pipeline it is sent
                // fire-and-forget (a failed load shows as "Function not found", healed below).
                let firstCall = fcalls |> Array.tryFindIndex (fun f -> not (isNull f))
                let transactionGuard =
                    match firstCall with
                    | Some i when mode = Mode.Transaction ->
                        ValueSome(struct (endPoints[i], batch.ExecuteAsync("FUNCTION", guardArgs (), CommandFlags.None)))
                    | _ -> ValueNone
                // Keyed by the script object (reference hashing): cheaper per command than its SHA text.
                let bodySent = HashSet<struct (EndPoint * Script)>()
                let tasks =
                    commands
                    |> Array.mapi (fun i command ->
                        match command with
                        | Command.Script inv when not (isNull fcalls[i]) ->
                            withBody[i] <- false
                            sendFcall batch fcalls[i] inv flags
                        | Command.Script inv ->
                            let endPoint = endPoints[i]
                            // Where the server is unknown (a keyless call on a cluster) every use carries the body.
                            withBody[i] <- isNull endPoint || bodySent.Add(struct (endPoint, inv.Script))
                            queue context batch command withBody[i] flags
                        | Command.Plain _ -> queue context batch command false flags)
                if firstCall.IsSome && mode = Mode.Pipeline then
                    // Written to each server's connection before the batch is, so it runs first there.
                    let guarded = ResizeArray<EndPoint>(1)
                    for i in 0 .. n - 1 do
                        let endPoint = endPoints[i]
                        if not (isNull fcalls[i]) && not (guarded.Contains endPoint) then
                            guarded.Add endPoint
                            let server = context.Multiplexer.GetServer endPoint
                            server.ExecuteAsync("FUNCTION", guardArgs (), CommandFlags.FireAndForget) |> ignore
                let! discarded =
                    match batch with
                    | :? ITransaction as tx ->
                        task {
                            try
                                let! committed = tx.ExecuteAsync(flags)
                                return if committed then None else Some "the transaction was not committed (a watched key changed)"
                            with :? RedisServerException as e ->
                                return Some e.Message
                        }
                    | _ ->
                        batch.Execute()
                        Task.FromResult None
                // Wait for every reply without one continuation per command; read each outcome after.
                try
                    let! _ = Task.WhenAll(tasks)
                    ()
                with _ ->
                    ()
                // The transaction guard's failure: what to tell the caller if a call then misses its function.
                let mutable guardFailure = None
                match transactionGuard with
                | ValueSome(struct (endPoint, guard)) ->
                    let! settledGuard = settle guard
                    match settledGuard with
                    | Ok _ -> context.LoadState.MarkLoaded(endPoint, deployed.Library.Name)
                    | Error e when String.Equals(e.Message, deployed.AlreadyLoaded, StringComparison.Ordinal) ->
                        context.LoadState.MarkLoaded(endPoint, deployed.Library.Name)
                    | Error e when not (e.Message.StartsWith("EXECABORT", StringComparison.Ordinal)) ->
                        guardFailure <- Some $"the function library '{deployed.Library.Name}' could not be loaded: {e.Message}"
                    | Error _ when tasks |> Array.forall (fun t -> match outcome t with Error e -> e.Message.StartsWith("EXECABORT", StringComparison.Ordinal) | Ok _ -> false) ->
                        // StackExchange.Redis reports only EXECABORT for every queued command; when none
                        // was refused for its own reason (MOVED...), the guard, a write, is the one a full
                        // server or a narrow ACL refuses at queue time.
                        guardFailure <-
                            Some
                                $"the transaction began with FUNCTION LOAD of the library '{deployed.Library.Name}', which a server out of memory (OOM) or an ACL without FUNCTION LOAD refuses"
                    | Error _ -> ()
                | ValueNone -> ()
                let discarded =
                    match discarded, guardFailure with
                    | Some d, Some g -> Some $"{d} ({g})"
                    | d, _ -> d
                return struct (discarded, tasks |> Array.map outcome, guardFailure)
            }
        // On a cluster, a transaction routed by a stale slot map (right after a reconnect, during a
        // failover or a slot migration) is discarded with EXECABORT after a MOVED/ASK: nothing of it
        // ran, so it is sent again once the client has looked at the topology again.
        let redirected (settled: Result<RedisResult, exn>[]) =
            settled
            |> Array.forall (function
                | Ok _ -> true
                | Error(:? TaskCanceledException) -> true
                | Error e ->
                    let m = e.Message
                    [| "MOVED"; "ASK"; "TRYAGAIN"; "CLUSTERDOWN"; "EXECABORT" |] |> Array.exists (fun r -> m.StartsWith(r, StringComparison.Ordinal)))
        task {
            if mode = Mode.Transaction then do! primaryConnected context
            let! first = attempt ()
            let mutable struct (discarded, settled, guardFailure) = first
            let mutable retries = 0
            while mode = Mode.Transaction
                  && retries < 3
                  && (match discarded with Some m -> m.StartsWith("EXECABORT", StringComparison.Ordinal) | None -> false)
                  && context.Topology.IsCluster
                  && redirected settled do
                retries <- retries + 1
                context.Topology.Invalidate()
                do! Task.Delay(50 * retries)
                let! next = attempt ()
                let struct (d, s, g) = next
                discarded <- d
                settled <- s
                guardFailure <- g
            let replies = Array.zeroCreate<Reply> n
            let resend = ResizeArray<int>()
            let resendCalls = ResizeArray<int>()
            for i in 0 .. n - 1 do
                match settled[i], commands[i] with
                | Ok result, Command.Script _ when not (isNull fcalls[i]) ->
                    context.LoadState.MarkLoaded(endPoints[i], deployed.Library.Name)
                    replies[i] <- Ok result
                | Error e, Command.Script _ when not (isNull fcalls[i]) && mode = Mode.Pipeline && isFunctionNotFound e ->
                    // The library went missing inside the batch (or the keys moved): called again below.
                    resendCalls.Add i
                | Error e, Command.Script inv when not (isNull fcalls[i]) && discarded.IsNone && isFunctionNotFound e ->
                    let message =
                        match guardFailure with
                        | Some g -> $"{e.Message} ({g})"
                        | None -> e.Message
                    replies[i] <- Error(ExecutionError.ScriptFailed(inv.Script.Name, inv.Script.Sha1, message))
                | Ok result, Command.Script inv ->
                    // The body's first use proves the script loaded there; later EVALSHAs add nothing.
                    if withBody[i] then context.LoadState.MarkLoaded(endPoints[i], inv.Script.Sha1)
                    replies[i] <- Ok result
                | Ok result, Command.Plain _ -> replies[i] <- Ok result
                | Error e, Command.Script inv when mode = Mode.Pipeline && isNull fcalls[i] && not withBody[i] && isNoScript e ->
                    context.LoadState.Forget(endPoints[i], inv.Script.Sha1)
                    resend.Add i
                | Error e, Command.Script inv when mode = Mode.Transaction && isNull fcalls[i] && not withBody[i] && isNoScript e ->
                    // Inside EXEC a later EVALSHA misses its script only when the body sent earlier in
                    // the same transaction did not compile: report that failure here too.
                    let earlier =
                        seq { 0 .. i - 1 }
                        |> Seq.tryPick (fun j ->
                            match commands[j], settled[j] with
                            | Command.Script other, Error(:? RedisServerException as failure) when
                                withBody[j] && obj.ReferenceEquals(other.Script, inv.Script) && obj.Equals(endPoints[j], endPoints[i]) ->
                                Some failure.Message
                            | _ -> None)
                    let message = defaultArg earlier e.Message
                    replies[i] <- Error(ExecutionError.ScriptFailed(inv.Script.Name, inv.Script.Sha1, message))
                | Error(:? RedisServerException as e), Command.Script inv when discarded.IsNone || not (e.Message.StartsWith "EXECABORT") ->
                    if withBody[i] && discarded.IsNone && errorProvesLoaded e.Message then
                        context.LoadState.MarkLoaded(endPoints[i], inv.Script.Sha1)
                    replies[i] <- Error(ExecutionError.ScriptFailed(inv.Script.Name, inv.Script.Sha1, e.Message))
                | Error(:? RedisServerException as e), Command.Plain(name, _) when discarded.IsNone || not (e.Message.StartsWith "EXECABORT") ->
                    replies[i] <- Error(ExecutionError.CommandFailed(name, e.Message))
                | Error _, command when discarded.IsSome ->
                    replies[i] <- Error(ExecutionError.TransactionDiscarded(commandName command, discarded.Value))
                | Error(:? TaskCanceledException), command ->
                    replies[i] <- Error(ExecutionError.TransactionDiscarded(commandName command, "cancelled"))
                | Error e, _ -> raise e
            if resend.Count > 0 then
                // A flush landed inside the batch (or the keys moved): resend those calls with their
                // body, in their order.
                context.Topology.Invalidate()
                let retry = db.CreateBatch()
                let retried =
                    [| for i in resend ->
                           match commands[i] with
                           | Command.Script inv ->
                               let readOnly = usesReadOnlyCommands inv.Script.ReadOnly context.Topology.ReadOnlyScripts
                               i, inv, settle (sendEval retry inv readOnly flags)
                           | _ -> failwith "unreachable" |]
                retry.Execute()
                for (i, inv, pending) in retried do
                    match! pending with
                    | Ok result ->
                        context.LoadState.MarkLoaded(context.Topology.EndPointFor inv.Keys, inv.Script.Sha1)
                        replies[i] <- Ok result
                    | Error(:? RedisServerException as e) ->
                        replies[i] <- Error(ExecutionError.ScriptFailed(inv.Script.Name, inv.Script.Sha1, e.Message))
                    | Error e -> raise e
            for i in resendCalls do
                match commands[i] with
                | Command.Script inv ->
                    try
                        let! result = evaluateFunction context db inv fcalls[i] deployed.Library flags ExecutionFailed
                        replies[i] <- Ok result
                    with ExecutionFailed e ->
                        replies[i] <- Error e
                | _ -> ()
            return replies
        }

    /// Sends one round of commands as a single batch (or MULTI/EXEC) and returns one reply per
    /// command, in order. Server errors are replies; connection failures and time-outs raise. With
    /// the Functions backend, calls of commands in the client's library are FCALL, preceded on each
    /// server by FUNCTION LOAD of the library (refused cheaply when it is there), so a lost library
    /// is loaded before any call needs it and the replies keep their order; if the library cannot be
    /// loaded, nothing is sent and every position reports why.
    [<CompiledName("SendRound")>]
    let sendRound (context: Context) (db: IDatabase) (mode: Mode) (flags: CommandFlags) (commands: Command[]) : Task<Reply[]> =
        let scripted = commands |> Array.exists (function Command.Script _ -> true | Command.Plain _ -> false)
        if not (scripted && context.Functions.MayUseFunctions && isOwn context db) then
            sendRoundWith context db mode flags None commands
        else
            let plan = planFor context
            if plan.IsCompletedSuccessfully then
                sendRoundWith context db mode flags (Some plan.Result) commands
            else
                task {
                    match! awaitPlan plan with
                    | Ok p -> return! sendRoundWith context db mode flags (Some p) commands
                    | Error(name, failures) ->
                        return commands |> Array.map (fun c -> Error(ExecutionError.LibraryNotLoaded(commandName c, name, failures)))
                }

    /// Runs a program: one batch per round (see <see cref="Mode"/>). A transaction must be a single
    /// round: a program whose later round depends on earlier replies cannot run atomically, and its
    /// later rounds are refused with an error.
    [<CompiledName("Run")>]
    let run (context: Context) (db: IDatabase) (mode: Mode) (flags: CommandFlags) (program: Program<'T>) : Task<Result<'T, ExecutionError list>> =
        task {
            let mutable current = program
            let mutable result = None
            let mutable rounds = 0
            while result.IsNone do
                match current with
                | Done v -> result <- Some(Ok v)
                | Failed e -> result <- Some(Error e)
                | Round(_, _, _) when mode = Mode.Transaction && rounds > 0 ->
                    let next = Program.explain current |> List.tryHead |> Option.map commandName |> Option.defaultValue "?"
                    result <-
                        Some(
                            Error
                                [ ExecutionError.TransactionDiscarded(
                                      next,
                                      "a transaction must be a single round trip; this program's later round depends on earlier replies"
                                  ) ]
                        )
                | Round(batch, count, next) ->
                    let! replies = sendRound context db mode flags (Program.flatten batch count)
                    rounds <- rounds + 1
                    current <- next replies 0
            return result.Value
        }

    /// SCRIPT LOAD of every script on every known server (primaries and replicas), pipelined: all of
    /// a server's loads are queued before any reply is awaited, and servers are loaded in parallel.
    /// Returns how many loads succeeded, or every failed server with its reason; the servers that
    /// could be loaded are loaded either way.
    [<CompiledName("Preload")>]
    let preload (context: Context) (scripts: Script list) (flags: CommandFlags) : Task<Result<int, PreloadError>> =
        task {
            let scripts = List.toArray scripts
            let servers = context.Multiplexer.GetServers()
            let standalonePrimary =
                if context.Topology.IsCluster then null
                else context.Topology.EndPointFor(Array.Empty<RedisKey>())
            let loadOn (server: IServer) : Task<int * NodeFailure list> =
                task {
                    let load (send: string -> Task<RedisResult>) =
                        scripts |> Array.map (fun s -> s, settle (send s.Lua))
                    let pending =
                        if not (isNull standalonePrimary) && server.EndPoint.Equals standalonePrimary then
                            // One real batch: every SCRIPT LOAD is written before any reply is read.
                            let batch = context.Multiplexer.GetDatabase().CreateBatch()
                            let queued =
                                load (fun lua -> batch.ExecuteAsync("SCRIPT", [| box "LOAD"; box lua |] :> ICollection<obj>, flags ||| CommandFlags.DemandMaster))
                            batch.Execute()
                            queued
                        else
                            // IServer has no batch: the loads are queued back to back on the server's
                            // connection, none waits for another.
                            load (fun lua -> server.ExecuteAsync("SCRIPT", [| box "LOAD"; box lua |] :> ICollection<obj>, flags))
                    let mutable loaded = 0
                    let failures = ResizeArray<struct (string * string)>()
                    for (script, reply) in pending do
                        match! reply with
                        | Ok result when string result = script.Sha1 ->
                            context.LoadState.MarkLoaded(server.EndPoint, script.Sha1)
                            loaded <- loaded + 1
                        | Ok result -> failures.Add(struct (script.Name, $"SCRIPT LOAD returned {result}, expected {script.Sha1}"))
                        | Error e -> failures.Add(struct (script.Name, e.Message))
                    // One line per distinct reason (a refusal is usually the same for every script).
                    let reasons =
                        failures
                        |> Seq.groupBy (fun struct (_, reason) -> reason)
                        |> Seq.map (fun (reason, items) ->
                            let names = items |> Seq.map (fun struct (name, _) -> $"'{name}'") |> Seq.toList
                            let shown = names |> List.truncate 5 |> String.concat ", "
                            let more = if names.Length > 5 then $" and {names.Length - 5} more" else ""
                            $"{reason} (script {shown}{more})")
                        |> List.ofSeq
                    return
                        loaded,
                        (if reasons.IsEmpty then []
                         else [ { EndPoint = server.EndPoint; Reason = String.Join("; ", reasons) } ])
                }
            let! outcomes = Task.WhenAll(servers |> Array.map loadOn)
            let loaded = outcomes |> Array.sumBy fst
            let failures = outcomes |> Array.toList |> List.collect snd
            if servers.Length = 0 then
                return Error { Loaded = 0; Failures = [] }
            elif failures.IsEmpty then
                return Ok loaded
            else
                return Error { Loaded = loaded; Failures = failures }
        }

    /// Preloads what the client runs, for the registry as it is now. With the Scripts backend (or
    /// Auto having picked Scripts): SCRIPT LOAD of every script on every server, as
    /// <see cref="preload"/>. With Functions: FUNCTION LOAD REPLACE of the library on every connected
    /// primary (replicas receive it by replication), then SCRIPT LOAD of the definitions left out of
    /// it. Returns how many (function or script, server) loads succeeded.
    [<CompiledName("PreloadRegistry")>]
    let preloadRegistry (context: Context) (flags: CommandFlags) : Task<Result<int, PreloadError>> =
        task {
            let registry = context.Registry
            let scripts = Registry.scripts registry
            if not context.Functions.MayUseFunctions then
                return! preload context scripts flags
            else
                match! awaitPlan (deploy context true flags registry) with
                | Error(_, failures) -> return Error { Loaded = 0; Failures = failures }
                | Ok plan ->
                    context.Functions.Install(registry, plan)
                    match plan with
                    | Plan.ScriptsOnly _ -> return! preload context scripts flags
                    | Plan.Library { Library = library } ->
                        let functions =
                            if library.Functions.IsEmpty then 0
                            else library.Functions.Count * (context.LoadState.LoadedOn library.Name).Length
                        let rest = scripts |> List.filter (fun s -> isNull (Plan.functionFor s plan))
                        if rest.IsEmpty then
                            return Ok functions
                        else
                            match! preload context rest flags with
                            | Ok n -> return Ok(n + functions)
                            | Error e -> return Error { e with Loaded = e.Loaded + functions }
        }
