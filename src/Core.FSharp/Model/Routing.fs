namespace LuaScripts.Core

open StackExchange.Redis

/// Redis Cluster routing checks, pure: whether the keys of a call, a step or a transaction can be
/// served by one node. The hash slot of a key comes from the caller: the runtime passes
/// StackExchange.Redis's own <c>HashSlot</c>, applied to the key as the server will see it (key
/// prefix included), so the library routes and checks with the very function that sends.
[<RequireQualifiedAccess>]
module Routing =

    /// How many hash slots a Redis Cluster has.
    [<Literal>]
    let SlotCount = 16384

    /// The one slot all keys share: None for no keys, Error with the distinct slots (in order of
    /// first appearance) when they differ.
    [<CompiledName("CommonSlot")>]
    let commonSlot (slotOf: RedisKey -> int) (keys: RedisKey[]) : Result<int option, int list> =
        if isNull keys || keys.Length = 0 then
            Ok None
        else
            let first = slotOf keys[0]
            let mutable others = []
            for i in 1 .. keys.Length - 1 do
                let s = slotOf keys[i]
                if s <> first && not (List.contains s others) then others <- s :: others
            if others.IsEmpty then Ok(Some first) else Error(first :: List.rev others)

    /// Checks that one call's (or raw command's) keys share a slot; a call with fewer than two keys
    /// always passes.
    [<CompiledName("CheckKeys")>]
    let checkKeys (slotOf: RedisKey -> int) (keys: RedisKey[]) : Result<unit, ArgumentError> =
        if isNull keys || keys.Length < 2 then
            Ok()
        else
            match commonSlot slotOf keys with
            | Error slots -> Error(ArgumentError.CrossSlot slots)
            | Ok _ -> Ok()

    /// Adds a step's keys to a transaction: Ok with the transaction's slot so far (None while no
    /// step had keys), or CrossSlot when the step's keys differ from each other or from the slot so far.
    [<CompiledName("JoinTransaction")>]
    let internal joinTransaction (slotOf: RedisKey -> int) (slotSoFar: int option) (keys: RedisKey[]) : Result<int option, ArgumentError> =
        match commonSlot slotOf keys, slotSoFar with
        | Error slots, _ -> Error(ArgumentError.CrossSlot slots)
        | Ok None, _ -> Ok slotSoFar
        | Ok(Some s), None -> Ok(Some s)
        | Ok(Some s), Some t when s = t -> Ok slotSoFar
        | Ok(Some s), Some t -> Error(ArgumentError.CrossSlot [ t; s ])

    /// Checks one step joining a round: its own keys share a slot, and in a transaction they share
    /// the slot of the steps before it. Returns the transaction's slot so far.
    [<CompiledName("CheckStep")>]
    let internal checkStep
        (slotOf: RedisKey -> int)
        (transaction: bool)
        (slotSoFar: int option)
        (step: Step)
        : Result<int option, ArgumentError> =
        let keys = Step.keys step
        if transaction then
            joinTransaction slotOf slotSoFar keys
        else
            // A match, not Result.map: no closure per queued step.
            match checkKeys slotOf keys with
            | Ok() -> Ok slotSoFar
            | Error e -> Error e

    /// Checks every step of a round, in order: the first step refused, with why, or Ok.
    [<CompiledName("CheckRound")>]
    let internal checkRound (slotOf: RedisKey -> int) (transaction: bool) (steps: Step[]) : Result<unit, Step * ArgumentError> =
        let mutable slot = None
        let mutable failure = None
        let mutable i = 0
        while failure.IsNone && i < steps.Length do
            match checkStep slotOf transaction slot steps[i] with
            | Ok s -> slot <- s
            | Error e -> failure <- Some(steps[i], e)
            i <- i + 1
        match failure with
        | Some f -> Error f
        | None -> Ok()
