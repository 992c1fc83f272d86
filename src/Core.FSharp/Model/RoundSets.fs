namespace LuaScripts.Core

open System.Collections.Generic
open System.Net

/// The servers a round has seen, in the order first seen. A round sees one server, or a cluster's
/// few primaries, and asks once per position: a short list scanned by reference first (the
/// topology hands out one EndPoint object per server), then by equality, costs less per position
/// than hashing an endpoint; past <see cref="ServerSet.ListLimit"/> servers a hash set answers.
/// Null (a server the client cannot tell) is a member like any other.
[<Sealed; AllowNullLiteral>]
type internal ServerSet() =
    // The first server is held apart and the list made only when a second shows up: a round usually
    // goes to one server.
    let mutable first: EndPoint = null
    let mutable count = 0
    let mutable rest: ResizeArray<EndPoint> = null
    let mutable hashed: HashSet<EndPoint> = null

    let item (i: int) = if i = 0 then first else rest[i - 1]

    let contains (endPoint: EndPoint) =
        let mutable found = false
        let mutable i = 0
        while not found && i < count do
            found <- obj.ReferenceEquals(item i, endPoint)
            i <- i + 1
        i <- 0
        while not found && i < count do
            found <- obj.Equals(item i, endPoint)
            i <- i + 1
        found

    /// How many servers a list holds before a hash set takes over.
    static member ListLimit = 16

    /// How many servers were added.
    member _.Count = count

    /// Adds a server: true the first time it is added.
    member _.Add(endPoint: EndPoint) : bool =
        let added = if isNull hashed then not (contains endPoint) else hashed.Add endPoint
        if added then
            if count = 0 then
                first <- endPoint
            else
                if isNull rest then rest <- ResizeArray<EndPoint>(4)
                rest.Add endPoint
            count <- count + 1
            if isNull hashed && count > ServerSet.ListLimit then
                // A loop, not Seq.init: FSharp.Core's lazy sequences are not trim-safe (docs/aot.md).
                hashed <- HashSet<EndPoint>(count)
                for i in 0 .. count - 1 do
                    hashed.Add(item i) |> ignore
        added

    /// The servers added, in order, but those `drop` says to leave out.
    member _.ToArrayWithout(drop: EndPoint -> bool) : EndPoint[] =
        // The usual answer (every server proved loaded) allocates nothing.
        let mutable kept: ResizeArray<EndPoint> = null
        for i in 0 .. count - 1 do
            let e = item i
            if not (drop e) then
                if isNull kept then kept <- ResizeArray<EndPoint>(count)
                kept.Add e
        if isNull kept then System.Array.Empty<EndPoint>() else kept.ToArray()

    /// The servers added, in order.
    member _.ToArray() : EndPoint[] = Array.init count item

/// The (server, script) pairs a round sent a body to, for the same reasons as
/// <see cref="ServerSet"/>: a short list scanned by reference first, a hash set past
/// <see cref="ServerSet.ListLimit"/> pairs.
[<Sealed; AllowNullLiteral>]
type internal BodySet() =
    let items = ResizeArray<struct (EndPoint * Script)>(4)
    let mutable hashed: HashSet<struct (EndPoint * Script)> = null

    let contains (endPoint: EndPoint) (script: Script) =
        let mutable found = false
        let mutable i = 0
        while not found && i < items.Count do
            let struct (e, s) = items[i]
            found <- obj.ReferenceEquals(s, script) && obj.ReferenceEquals(e, endPoint)
            i <- i + 1
        i <- 0
        while not found && i < items.Count do
            let struct (e, s) = items[i]
            found <- obj.ReferenceEquals(s, script) && obj.Equals(e, endPoint)
            i <- i + 1
        found

    /// How many pairs were added.
    member _.Count = items.Count

    /// Adds a pair: true the first time it is added.
    member _.Add(endPoint: EndPoint, script: Script) : bool =
        let added = if isNull hashed then not (contains endPoint script) else hashed.Add(struct (endPoint, script))
        if added then
            items.Add(struct (endPoint, script))
            if isNull hashed && items.Count > ServerSet.ListLimit then
                hashed <- HashSet<struct (EndPoint * Script)>(items)
        added
