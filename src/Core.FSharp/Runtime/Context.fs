namespace LuaScripts.Core

open System.Net
open StackExchange.Redis

/// A conclusion about one script: whether a reply proved it loaded on every server a call may go to,
/// drawn from one client's load state at one generation and from its topology at one version (so
/// it holds while neither changes). Cached on the script (<see cref="Script.LoadProof"/>).
[<Sealed>]
type internal LoadProof(state: LoadState, generation: int64, topologyVersion: int, everywhere: bool) =
    /// Whether this was drawn from `state` as it is now (`generation`, `topologyVersion`).
    member _.Holds(current: LoadState, currentGeneration: int64, currentVersion: int) =
        obj.ReferenceEquals(state, current) && generation = currentGeneration && topologyVersion = currentVersion

    /// Whether the script was loaded on every server.
    member _.Everywhere = everywhere

/// What the runtime knows about one client's connection: its database, where commands go and what
/// is known loaded where. One per client; thread-safe.
[<Sealed>]
type internal Context
    (mux: IConnectionMultiplexer, database: IDatabase, keyPrefix: RedisKey, backend: Backend, registry: unit -> Registry, log: ClientLog) =
    let loadState = LoadState()
    let topology = Topology(mux)
    let functions = FunctionState(backend)
    let commands = CommandTable.Of mux
    let prefixed = not (keyPrefix.Equals(Unchecked.defaultof<RedisKey>)) && not (keyPrefix.Equals(RedisKey.op_Implicit ""))

    do
        // A server whose connection failed or came back may have restarted with an empty script cache.
        mux.ConnectionFailed.Add(fun e -> loadState.ForgetServer e.EndPoint)
        mux.ConnectionRestored.Add(fun e -> loadState.ForgetServer e.EndPoint)

    // Made once, not on every round.
    let scriptLoaded = fun (endPoint: EndPoint) (script: Script) -> loadState.IsLoaded(endPoint, script.Sha1)

    /// The connection.
    member _.Multiplexer = mux
    /// The client's database (key-prefixed when the client has a prefix).
    member _.Database = database
    /// Which scripts are known loaded where.
    member _.LoadState = loadState
    /// Whether a reply proved the script loaded on the server.
    member _.ScriptLoaded: EndPoint -> Script -> bool = scriptLoaded
    /// Where commands go.
    member _.Topology = topology
    /// The Functions backend's state (its plan, Auto's decision).
    member _.Functions = functions
    /// What the server said about raw commands' keys.
    member _.Commands = commands
    /// Where the client logs what it does off the hot path.
    member _.Log = log
    /// The registry as it is now (the function library is made from it).
    member _.Registry: Registry = registry ()

    /// The hash slot of a key as the server will see it (the client's key prefix included), by
    /// StackExchange.Redis's own function.
    member _.SlotOf(key: RedisKey) : int = mux.HashSlot(if prefixed then key.Prepend keyPrefix else key)

    /// The server a command with these keys goes to, or null when the client cannot tell.
    member this.EndPointFor(keys: RedisKey[]) : EndPoint =
        if isNull keys || keys.Length = 0 || not topology.IsCluster then
            topology.EndPointFor -1
        else
            topology.EndPointFor(this.SlotOf keys[0])

    /// The server each step goes to (null for a raw command, or where the client cannot tell). Steps
    /// whose first key equals the previous call's (a transaction's usual shape) share its answer:
    /// one hash of the key, not one per step.
    member this.EndPointsOf(steps: Step[]) : EndPoint[] =
        let endPoints = Array.zeroCreate<EndPoint> steps.Length
        let mutable lastKey = Unchecked.defaultof<RedisKey>
        let mutable last: EndPoint = null
        let mutable known = false
        for i in 0 .. steps.Length - 1 do
            match steps[i] with
            | Step.Call inv ->
                let keys = inv.Keys
                if isNull keys || keys.Length = 0 then
                    endPoints[i] <- this.EndPointFor keys
                elif known && keys[0].Equals lastKey then
                    endPoints[i] <- last
                else
                    last <- this.EndPointFor keys
                    lastKey <- keys[0]
                    known <- true
                    endPoints[i] <- last
            | Step.Raw _ -> ()
        endPoints

    /// Whether a reply proved the script loaded on every server a call with keys may go to, as the
    /// client knows it now: then its call is EVALSHA wherever its keys hash, with no need to find
    /// the server (see <see cref="ProveEverywhere"/>).
    member _.LoadedEverywhere(script: Script) : bool =
        match script.LoadProof with
        | :? LoadProof as proof -> proof.Everywhere && proof.Holds(loadState, loadState.Generation, topology.Version)
        | _ -> false

    /// Concludes whether the script is loaded on every server, unless that was concluded since what
    /// the client knows last changed; cached on the script for <see cref="LoadedEverywhere"/>.
    member _.ProveEverywhere(script: Script) : unit =
        // Read before looking: a change while looking moves them, and the conclusion is stale at once.
        let generation = loadState.Generation
        let version = topology.Version
        let current =
            match script.LoadProof with
            | :? LoadProof as proof -> proof.Holds(loadState, generation, version)
            | _ -> false
        if not current then
            let primaries = topology.Primaries
            let sha = script.Sha1
            let everywhere = primaries.Length > 0 && primaries |> Array.forall (fun p -> loadState.IsLoaded(p, sha))
            script.LoadProof <- LoadProof(loadState, generation, version, everywhere)

    /// Whether a database belongs to this client's connection.
    member _.IsOwn(db: IDatabaseAsync) = obj.ReferenceEquals(db.Multiplexer, mux)

    /// Whether the client knows the keys a database sends, so that it can check their slots before
    /// sending: its own database, or an unprefixed one of the same connection. A database that
    /// StackExchange.Redis wraps with a key prefix of its own (<c>WithKeyPrefix</c>) hides that
    /// prefix; StackExchange.Redis checks its slots itself when it sends.
    member _.KnowsKeysOf(db: IDatabaseAsync) =
        obj.ReferenceEquals(db, database)
        || (obj.ReferenceEquals(db.Multiplexer, mux)
            && not prefixed
            && db.GetType().Namespace <> "StackExchange.Redis.KeyspaceIsolation")

    /// On a cluster, checks one call's keys against each other before anything is sent; elsewhere
    /// every call passes.
    member this.CheckKeys(keys: RedisKey[]) : Result<unit, ArgumentError> =
        if isNull keys || keys.Length < 2 || not topology.IsCluster then Ok() else Routing.checkKeys this.SlotOf keys

    /// Checks every step of a round before anything is sent: no raw command holds a null argument,
    /// and on a cluster each step's keys (and a transaction's steps) share one slot.
    member this.CheckRound(transaction: bool, steps: Step[]) : Result<unit, Step * ArgumentError> =
        let badArguments =
            steps
            |> Array.tryPick (fun step ->
                match step with
                | Step.Raw(_, args) ->
                    match CommandArgs.check args with
                    | Error e -> Some(step, e)
                    | Ok() -> None
                | Step.Call _ -> None)
        match badArguments with
        | Some failure -> Error failure
        | None when not topology.IsCluster -> Ok()
        | None -> Routing.checkRound this.SlotOf transaction steps
