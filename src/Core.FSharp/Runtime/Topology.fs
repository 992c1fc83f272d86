namespace LuaScripts.Core

open System
open System.Net
open StackExchange.Redis

/// Which server StackExchange.Redis will send a command to, as far as the client can tell from its
/// own view of the topology: the primary of a single-node or primary/replica set-up, or the owner
/// of a hash slot on a cluster. Refreshed lazily after the multiplexer reports a
/// change. Used to track load state per server; routing itself stays StackExchange.Redis's.
[<Sealed>]
type internal Topology(mux: IConnectionMultiplexer) =
    [<VolatileField>]
    let mutable valid = false
    [<VolatileField>]
    let mutable primary: EndPoint = null
    [<VolatileField>]
    let mutable slotOwners: EndPoint[] = null
    [<VolatileField>]
    let mutable readOnlyScripts = false
    [<VolatileField>]
    let mutable primaries: EndPoint[] = [||]
    [<VolatileField>]
    let mutable version = 0

    let invalidate () = valid <- false

    let read () =
        // Until this read says otherwise, no server is known to take every call.
        primaries <- [||]
        let servers = mux.GetServers()
        let connected = servers |> Array.filter (fun s -> s.IsConnected)
        // EVAL_RO/EVALSHA_RO exist from Redis 7.0; every server that may serve a call must have them.
        readOnlyScripts <- connected.Length > 0 && connected |> Array.forall (fun s -> s.Version >= Version(7, 0))
        match servers |> Array.tryFind (fun s -> s.IsConnected && s.ServerType = ServerType.Cluster) with
        | Some server ->
            let owners = Array.zeroCreate<EndPoint> Routing.SlotCount
            match server.ClusterConfiguration with
            | null -> valid <- false
            | config ->
                for node in config.Nodes do
                    if not node.IsReplica then
                        for range in node.Slots do
                            for slot in range.From .. range.To do
                                owners[slot] <- node.EndPoint
                // Every slot's owner; none when a slot has no known owner (a call there goes who knows where).
                primaries <- if Array.contains null owners then [||] else Array.distinct owners
            slotOwners <- owners
            primary <- null
        | None ->
            slotOwners <- null
            primary <-
                match servers |> Array.tryFind (fun s -> s.IsConnected && not s.IsReplica) with
                | Some s -> s.EndPoint
                | None ->
                    valid <- false
                    null
            primaries <- if isNull primary then [||] else [| primary |]

    // The version moves before and after a read, so that nothing concluded in between outlives it.
    let refresh () =
        valid <- true
        System.Threading.Interlocked.Increment(&version) |> ignore
        read ()
        System.Threading.Interlocked.Increment(&version) |> ignore

    do
        mux.ConfigurationChanged.Add(fun _ -> invalidate ())
        mux.HashSlotMoved.Add(fun _ -> invalidate ())
        mux.ConnectionRestored.Add(fun _ -> invalidate ())
        mux.ConnectionFailed.Add(fun _ -> invalidate ())

    /// Whether the multiplexer is connected to a Redis Cluster.
    member _.IsCluster =
        if not valid then refresh ()
        not (isNull slotOwners)

    /// Whether every connected server has EVAL_RO/EVALSHA_RO (Redis 7.0 or newer).
    member _.ReadOnlyScripts =
        if not valid then refresh ()
        readOnlyScripts

    /// The server that will serve a command whose keys hash to `slot` (-1: no keys), or null when
    /// the client cannot tell (not connected yet; a keyless command on a cluster).
    member _.EndPointFor(slot: int) : EndPoint =
        if not valid then refresh ()
        match slotOwners with
        | null -> primary
        | owners -> if slot >= 0 && slot < owners.Length then owners[slot] else null

    /// Every server a call with keys may go to (each slot's owner on a cluster, else the primary); empty
    /// when some cannot be told.
    member _.Primaries: EndPoint[] =
        if not valid then refresh ()
        primaries

    /// A number that changes whenever the view is refreshed: what was concluded from the view at one
    /// version holds while the version is the same.
    member _.Version: int =
        if not valid then refresh ()
        version

    /// Marks the view stale; the next question refreshes it.
    member _.Invalidate() = invalidate ()
