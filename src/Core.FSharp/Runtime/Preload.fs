namespace LuaScripts.Core

open System
open System.Threading.Tasks
open StackExchange.Redis

/// Preloading: what a client runs, loaded on every server ahead of the first call, pipelined.
[<RequireQualifiedAccess>]
module internal Preload =

    /// SCRIPT LOAD of every script on every known server (primaries and replicas), pipelined: all of
    /// a server's loads are queued before any reply is awaited, and servers are loaded in parallel.
    /// Returns how many loads succeeded, or every failed server with its reason; the servers that
    /// could be loaded are loaded either way.
    let preload (context: Context) (scripts: Script list) (flags: CommandFlags) : Task<Result<int, PreloadError>> =
        task {
            let scripts = List.toArray scripts
            let servers = context.Multiplexer.GetServers()
            let standalonePrimary = if context.Topology.IsCluster then null else context.EndPointFor(Array.Empty<RedisKey>())
            let loadOn (server: IServer) : Task<int * NodeFailure list> =
                task {
                    let load (target: Choice<IServer, IBatch>) =
                        scripts |> Array.map (fun s -> s, Wire.settle (Wire.scriptLoad target s.Lua flags))
                    let pending =
                        if not (isNull standalonePrimary) && server.EndPoint.Equals standalonePrimary then
                            // One real batch: every SCRIPT LOAD is written before any reply is read.
                            let batch = context.Multiplexer.GetDatabase().CreateBatch()
                            let queued = load (Choice2Of2 batch)
                            batch.Execute()
                            queued
                        else
                            // IServer has no batch: the loads are queued back to back on the server's
                            // connection, none waits for another.
                            load (Choice1Of2 server)
                    let mutable loaded = 0
                    let failures = ResizeArray<struct (string * string)>()
                    for (script, reply) in pending do
                        match! reply with
                        | Settled.Answered result when string result = script.Sha1 ->
                            context.LoadState.MarkLoaded(server.EndPoint, script.Sha1)
                            loaded <- loaded + 1
                        | Settled.Answered result ->
                            failures.Add(struct (script.Name, $"SCRIPT LOAD returned {result}, expected {script.Sha1}"))
                        | Settled.Refused(message, _) -> failures.Add(struct (script.Name, message))
                        | Settled.Cancelled -> failures.Add(struct (script.Name, "cancelled"))
                        | Settled.Broken e -> failures.Add(struct (script.Name, e.Message))
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
                    context.Log.Preloaded(loaded, server.EndPoint)
                    if reasons.IsEmpty then
                        return loaded, []
                    else
                        let reason = String.Join("; ", reasons)
                        context.Log.PreloadFailed(server.EndPoint, reason)
                        return loaded, [ { EndPoint = server.EndPoint; Reason = reason } ]
                }
            let! outcomes = Task.WhenAll(servers |> Array.map loadOn)
            let loaded = outcomes |> Array.sumBy fst
            let failures = outcomes |> Array.toList |> List.collect snd
            if servers.Length = 0 then return Error { Loaded = 0; Failures = [] }
            elif failures.IsEmpty then return Ok loaded
            else return Error { Loaded = loaded; Failures = failures }
        }

    /// Preloads what the client runs, for the registry as it is now. With the Scripts backend (or
    /// Auto having picked Scripts): SCRIPT LOAD of every script on every server, as
    /// <see cref="preload"/>. With Functions: FUNCTION LOAD REPLACE of the library on every connected
    /// primary (replicas receive it by replication), then SCRIPT LOAD of the definitions left out of
    /// it. Returns how many (function or script, server) loads succeeded.
    let preloadRegistry (context: Context) (flags: CommandFlags) : Task<Result<int, PreloadError>> =
        task {
            let registry = context.Registry
            let scripts = Registry.scripts registry
            if not context.Functions.MayUseFunctions then
                return! preload context scripts flags
            else
                match! Deployment.awaitPlan (Deployment.deploy context true flags registry) with
                | Error(_, failures) -> return Error { Loaded = 0; Failures = failures }
                | Ok plan ->
                    context.Functions.Install(registry, plan)
                    match plan with
                    | Plan.ScriptsOnly _ -> return! preload context scripts flags
                    | Plan.Library { Library = library } ->
                        let servers = if library.Functions.IsEmpty then [] else context.LoadState.LoadedOn library.Name
                        for server in servers do
                            context.Log.Preloaded(library.Functions.Count, server)
                        let functions = library.Functions.Count * servers.Length
                        let rest = scripts |> List.filter (fun s -> isNull (Plan.functionFor s plan))
                        if rest.IsEmpty then
                            return Ok functions
                        else
                            match! preload context rest flags with
                            | Ok n -> return Ok(n + functions)
                            | Error e -> return Error { e with Loaded = e.Loaded + functions }
        }
