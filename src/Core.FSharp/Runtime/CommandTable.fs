namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Runtime.CompilerServices
open System.Threading.Tasks
open StackExchange.Redis

/// What the server says about every command's keys (<c>COMMAND</c>, about 50 KB on Redis 7.0),
/// learned once per connection on the first raw command and shared by every client over it, as
/// redis-py's and go-redis's cluster clients do. Thread-safe.
[<Sealed>]
type internal CommandTable(mux: IConnectionMultiplexer) =
    [<VolatileField>]
    let mutable table: IReadOnlyDictionary<string, CommandKeys> = null
    static let tables = ConditionalWeakTable<IConnectionMultiplexer, CommandTable>()

    let install (reply: RedisResult) =
        let entries: RedisResult[] = if reply.Resp2Type = ResultType.Array then RedisResult.op_Explicit reply else [||]
        let known = Dictionary<string, CommandKeys>(StringComparer.OrdinalIgnoreCase)
        for entry in entries do
            match CommandKeys.parse entry with
            | Some info -> known[info.Name] <- info
            | None -> ()
        table <- known

    let server () = mux.GetServers() |> Array.tryFind (fun s -> s.IsConnected)

    /// The table of a connection, shared by every client over it.
    static member Of(mux: IConnectionMultiplexer) : CommandTable = tables.GetValue(mux, fun m -> CommandTable(m))

    /// Whether the table was learned.
    member _.IsLoaded = not (isNull table)

    /// What is known about a command: ValueNone while the table is not learned; ValueSome None for a
    /// command the server does not describe (a module's command not loaded, a typo).
    member _.TryFind(name: string) : CommandKeys option voption =
        match table with
        | null -> ValueNone
        | t ->
            match t.TryGetValue name with
            | true, info -> ValueSome(Some info)
            | _ -> ValueSome None

    /// Learns the table now, waiting for the reply (once per connection, where a raw command is queued
    /// synchronously). With no server connected, or no reply in time (a loaded server, a dropped
    /// connection), nothing is learned: the queue checks its raw commands when it is sent. A server
    /// that refuses COMMAND (an ACL) leaves the table empty, so raw commands are sent as given.
    member _.Load() : unit =
        if isNull table then
            match server () with
            | None -> ()
            | Some s ->
                try
                    install (Wire.commandTableNow s)
                with
                | :? RedisServerException -> install (RedisResult.Create([||]: RedisResult[]))
                | :? RedisTimeoutException
                | :? RedisConnectionException -> ()

    /// Learns the table (see <see cref="Load"/>) without blocking.
    member _.LoadAsync() : Task =
        match server () with
        | Some s when isNull table ->
            task {
                match! Wire.settle (Wire.commandTable s) with
                | Settled.Answered reply -> install reply
                | Settled.Refused _ -> install (RedisResult.Create([||]: RedisResult[]))
                | Settled.Cancelled
                | Settled.Broken _ -> ()
            }
            :> Task
        | _ -> Task.CompletedTask

    /// Rewrites a raw step's arguments by what the server says of its keys: the arguments at key
    /// positions become <see cref="RedisKey"/> (so StackExchange.Redis routes and prefixes them),
    /// a <see cref="RedisKey"/> elsewhere becomes a value. A command not described, or whose keys the
    /// server cannot locate, is left as given. Calls are left as they are.
    member this.Route(step: Step) : Step =
        match step with
        | Step.Raw(name, args) ->
            match this.TryFind name with
            | ValueSome(Some info) ->
                match CommandKeys.positions info (args |> Array.map CommandKeys.argumentText) with
                | KeyPositions.Known positions -> Step.Raw(name, CommandKeys.route positions args)
                | KeyPositions.Unknown -> step
            | _ -> step
        | Step.Call _ -> step
