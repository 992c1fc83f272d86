namespace LuaScripts.Core

open System
open System.Net
open System.Threading.Tasks
open StackExchange.Redis

/// Deploying the Functions backend's library: making the plan for a registry version (Auto's
/// decision, the library without the definitions a server would not compile, FUNCTION LOAD on every
/// primary), and loading it again where a call found it missing.
[<RequireQualifiedAccess>]
module internal Deployment =

    /// The connected primaries: where a function library is loaded (replicas receive it by replication).
    let primaries (context: Context) : IServer[] =
        context.Multiplexer.GetServers() |> Array.filter (fun s -> s.IsConnected && not s.IsReplica)

    /// Records Auto's decision and logs it when it is the first.
    let decide (context: Context) (useFunctions: bool) (reason: string) =
        if context.Functions.Decide(useFunctions, reason) then
            context.Log.BackendDecided(useFunctions, reason)

    /// FUNCTION LOAD (REPLACE) of a library on one server: Ok true when it is loaded now, Ok false
    /// when (without REPLACE) it was already there; the server's refusal or the connection's failure
    /// otherwise.
    let loadLibraryOn (server: IServer) (library: FunctionLibrary) (replace: bool) (flags: CommandFlags) : Task<Result<bool, string>> =
        task {
            match! Wire.settle (Wire.functionLoad server (box library.Code) replace flags) with
            | Settled.Answered _ -> return Ok true
            | Settled.Refused(_, ReplyKind.LibraryExists name) when name = library.Name -> return Ok false
            | Settled.Refused(message, _) -> return Error message
            | Settled.Cancelled -> return Error "cancelled"
            | Settled.Broken e -> return Error e.Message
        }

    /// Loads a library on servers in parallel; marks it loaded where it is, and returns the failures.
    /// A server that answers READONLY was demoted (a failover the multiplexer has not seen yet): it
    /// receives the library from its new primary by replication, so it is not a failure; the
    /// multiplexer is asked to look at the topology again.
    let loadLibrary (context: Context) (servers: IServer[]) (library: FunctionLibrary) (replace: bool) (flags: CommandFlags) =
        task {
            let! outcomes = Task.WhenAll(servers |> Array.map (fun s -> loadLibraryOn s library replace flags))
            let isDemoted (reason: string) = Replies.classify reason = ReplyKind.ReadOnlyReplica
            if
                outcomes
                |> Array.exists (function
                    | Error reason -> isDemoted reason
                    | Ok _ -> false)
            then
                context.Topology.Invalidate()
                context.Multiplexer.ConfigureAsync() |> ignore
            return
                [ for server, outcome in Array.zip servers outcomes do
                      match outcome with
                      | Ok loadedNow ->
                          context.LoadState.MarkLoaded(server.EndPoint, library.Name)
                          if loadedNow then Telemetry.libraryLoaded context.Log library.Name server.EndPoint
                      | Error reason when isDemoted reason -> ()
                      | Error reason ->
                          context.Log.LibraryLoadFailed(library.Name, server.EndPoint, reason)
                          { EndPoint = server.EndPoint; Reason = reason } ]
        }

    /// Removes the library version this client loaded before, once a new one is loaded: a registry
    /// that changes after first use would otherwise leave one whole library per version on the
    /// servers. Fire-and-forget on every primary; a process still running that version (same
    /// definitions elsewhere) loads it again on its next call.
    let deleteSuperseded (context: Context) (previous: string) (current: string) =
        if not (isNull previous) && previous <> current then
            for server in primaries context do
                Wire.functionDelete server previous

    /// The definitions of a library that do not compile as functions, with the compiler's message:
    /// each registration compiled alone by a script (one round trip), or, where scripts are refused,
    /// the definition holding the line the server's error names.
    let findUncompilable (server: IServer) (library: FunctionLibrary) (scripts: Script list) (serverError: string) =
        task {
            let included = scripts |> List.filter (fun s -> library.Functions.ContainsKey s.Name) |> List.toArray
            let registrations = included |> Array.map (fun s -> box (FunctionLibrary.registration library.Name s))
            let! checkedAlone =
                task {
                    match! Wire.settle (Wire.evalOn server FunctionLibrary.CompileCheck registrations) with
                    | Settled.Answered reply ->
                        let items: RedisResult[] = RedisResult.op_Explicit reply
                        return Some(items |> Array.map (fun r -> if r.IsNull then "" else string r))
                    | _ -> return None
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
    let deploy (context: Context) (replace: bool) (flags: CommandFlags) (registry: Registry) : Task<Plan> =
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
                decide context false $"{EndPointCollection.ToString old.EndPoint} runs Redis {old.Version}, older than 7.0"
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
                            if auto then decide context true ""
                            deleteSuperseded context (state.Loaded library.Name) library.Name
                            plan <- Some(Plan.ofLibrary library scripts)
                        else
                            // A definition that does not compile would fail the whole library: find
                            // every such one (compiled alone, or by the line the server names), run it
                            // as a script (where its own error shows, as with the Scripts backend) and
                            // load the rest.
                            let! culprits =
                                match failures |> List.tryFind (fun f -> Replies.classify f.Reason = ReplyKind.CompileError) with
                                | Some failure -> findUncompilable targets[0] library scripts failure.Reason
                                | None -> Task.FromResult []
                            match culprits with
                            | _ :: _ when compileFailures < scripts.Length ->
                                compileFailures <- compileFailures + 1
                                for script, reason in culprits do
                                    state.MarkBroken(script, $"the server would not compile it as a function: {reason}")
                            | _ when
                                auto
                                && not failures.IsEmpty
                                && failures |> List.forall (fun f -> Replies.cannotLoadFunctions (Replies.classify f.Reason))
                                ->
                                let f = failures.Head
                                decide context false $"{EndPointCollection.ToString f.EndPoint} refused FUNCTION LOAD: {f.Reason}"
                                plan <- Some(Plan.ScriptsOnly state.AutoReason)
                            | _ -> raise (LibraryLoadFailed(library.Name, failures))
                return plan.Value
        }

    /// The plan for the registry as it is now: ready at once after the first call of a registry version.
    let planFor (context: Context) : Task<Plan> =
        let registry = context.Registry
        match context.Functions.ReadyFor registry with
        | null -> context.Functions.PlanFor(registry, deploy context false CommandFlags.None)
        | ready -> ready

    /// Whether a call of a definition goes out as FCALL, as far as the client can tell before sending
    /// (the span's operation and backend): when the plan for the registry as it is now is ready,
    /// whether it holds the definition; while that plan is still to be made (first use, or the
    /// registry changed since, as when a command was redefined) whether the definition is the
    /// registry's current one and the library would include it. Auto turning to Scripts meanwhile
    /// cannot be foreseen.
    let runsAsFunction (context: Context) (script: Script) : bool =
        let registry = context.Registry
        match context.Functions.ReadyFor registry with
        | null ->
            match Registry.tryFind script.Name registry with
            | Some current when obj.ReferenceEquals(current, script) ->
                (FunctionLibrary.exclusion context.Functions.BrokenReason script).IsNone
            | _ -> false
        | ready -> not (isNull (Plan.functionFor script ready.Result))

    /// Waits for a plan being made: the plan, or the library and the servers that refused it.
    let awaitPlan (plan: Task<Plan>) : Task<Result<Plan, string * NodeFailure list>> =
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
    let heal (context: Context) (library: FunctionLibrary) : Task =
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
