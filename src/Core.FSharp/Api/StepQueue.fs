namespace LuaScripts.Core

open System.Threading.Tasks
open StackExchange.Redis

/// Steps checked one by one as they are queued, then sent together by <c>Client.send</c>: a
/// pipeline (one round trip) or a transaction (MULTI/EXEC). A step that does not fit (keys spanning
/// cluster slots, a transaction spanning slots, a null argument) is refused when it is added, and
/// nothing of it is queued. A raw command's keys are the ones the server describes (its command
/// table, learned once per connection on the first raw command); queued before the connection is up,
/// a raw command is checked when the queue is sent, still before anything is sent. Not thread-safe: build it on one thread, send it once.
[<Sealed>]
type StepQueue internal (context: Context, mode: RoundMode) =
    let steps = ResizeArray<Step>()
    let mutable slot: int option = None
    // Made once per queue, not once per queued step.
    let slotOf = fun (key: RedisKey) -> context.SlotOf key
    // Raw steps queued before their command's keys were learned: checked again when sent.
    let mutable unlearned = false
    // The key of the last one-key call a transaction checked: a transaction's calls usually share
    // it, and the same key is in the same slot, so the next such call is not hashed again.
    let mutable lastKey = Unchecked.defaultof<RedisKey>
    let mutable lastKeyChecked = false

    // Whether a call is a one-key call of a transaction on the key the last one was checked with.
    let sameKeyAsLast (step: Step) =
        match step with
        | Step.Call inv -> lastKeyChecked && inv.Keys.Length = 1 && inv.Keys[0].Equals lastKey
        | Step.Raw _ -> false

    let remember (step: Step) =
        match step with
        | Step.Call inv when mode = RoundMode.Transaction && inv.Keys.Length = 1 ->
            lastKey <- inv.Keys[0]
            lastKeyChecked <- true
        | _ -> ()

    /// Pipeline or transaction.
    member _.Mode = mode
    /// How many steps are queued.
    member _.Count = steps.Count

    /// Checks a step and queues it; on an error nothing is queued.
    member _.Add(step: Step) : Result<unit, RunError> =
        let checkedArgs =
            match step with
            | Step.Raw(_, args) -> CommandArgs.check args
            | Step.Call _ -> Ok()
        match checkedArgs with
        | Error e -> Error(RunError.InvalidArguments(Step.name step, e))
        | Ok() ->
            match step with
            | Step.Raw _ when
                not context.Commands.IsLoaded
                && (context.Commands.Load()
                    not context.Commands.IsLoaded)
                ->
                // Not connected yet: checked when sent.
                unlearned <- true
                steps.Add step
                Ok()
            | _ when sameKeyAsLast step ->
                // The slot this transaction's steps share already holds this key.
                steps.Add step
                Ok()
            | _ ->
                let step = context.Commands.Route step
                let routed =
                    if not context.Topology.IsCluster then Ok slot else Routing.checkStep slotOf (mode = RoundMode.Transaction) slot step
                match routed with
                | Error e -> Error(RunError.InvalidArguments(Step.name step, e))
                | Ok s ->
                    slot <- s
                    remember step
                    steps.Add step
                    Ok()

    /// Whether the steps were all checked as queued (no raw command waits for its keys to be learned).
    member internal _.Checked = not unlearned

    /// The steps as queued.
    member internal _.Steps() : Step[] = steps.ToArray()

    /// The steps to send: as queued, or, when some raw command was not learned when queued, with
    /// every raw command's keys learned and the whole round checked again.
    member internal _.Prepare() : Task<Result<Step[], RunError>> =
        if not unlearned then
            Task.FromResult(Ok(steps.ToArray()))
        else
            task {
                let! routed = Rounds.routed context (steps.ToArray())
                match context.CheckRound((mode = RoundMode.Transaction), routed) with
                | Ok() -> return Ok routed
                | Error(step, e) -> return Error(RunError.InvalidArguments(Step.name step, e))
            }
