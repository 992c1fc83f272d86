namespace LuaScripts.Core

open System
open System.Runtime.ExceptionServices
open System.Threading.Tasks
open StackExchange.Redis

/// One attempt of a round as sent: its plan and the tasks its replies complete (the library
/// guard queued in a transaction, and EXEC, where there are some; null otherwise).
[<NoEquality; NoComparison>]
type internal Sent = { Plan: RoundPlan; Tasks: Task<RedisResult>[]; Guard: Task<RedisResult>; Exec: Task<bool> }

/// One attempt of a round on the wire: planned, queued and sent without awaiting
/// (<see cref="RoundAttempt.dispatch"/>), then waited for and read as a <see cref="RoundReport"/>. The
/// usual round awaits in its own state machine (see <c>Rounds</c>); the rare paths use
/// <see cref="RoundAttempt.finish"/>.
[<RequireQualifiedAccess>]
module internal RoundAttempt =

    /// Waits (up to the multiplexer's time-out) until a primary is connected before a transaction is
    /// queued on a server with numbered databases. StackExchange.Redis follows each raw command inside
    /// MULTI with a SELECT of the database, but only when it can pick a server at queue time; a
    /// transaction queued while disconnected is written after the reconnect without those SELECTs,
    /// and StackExchange.Redis then kills the connection rather than SELECT inside MULTI. Raises a
    /// connection error (nothing was sent) if none comes back in time.
    let primaryConnected (context: Context) : Task =
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

    /// Queues one step on a batch as the plan says: FCALL, EVAL, EVALSHA (or their read-only forms) or
    /// the raw command. Inline, and its result stored by the caller: a tail call into `Wire`'s
    /// functions, which take the invocation (a 24-byte struct) on the stack, cannot be a fast tail
    /// call, and the JIT's helper stubs for it cost more than the call, on every queued step.
    let inline queue (batch: IBatch) (readOnlyCommands: bool) (flags: CommandFlags) (step: Step) (send: Send) : Task<RedisResult> =
        match step, send with
        | Step.Call inv, Send.Fcall fn -> Wire.fcall batch fn inv flags
        | Step.Call inv, Send.Eval -> Wire.eval batch inv (Calls.usesReadOnlyCommands inv.Script.ReadOnly readOnlyCommands) flags
        | Step.Call inv, _ -> Wire.evalsha batch inv (Calls.usesReadOnlyCommands inv.Script.ReadOnly readOnlyCommands) flags
        | Step.Raw(name, args), _ -> Wire.raw batch name args flags

    /// How many steps of a pipeline go to StackExchange.Redis in one batch. A longer pipeline is
    /// queued whole, then written in batches of this many, each flushed as it is written, so the
    /// servers work on the first while the client writes the rest; nothing waits in between (one
    /// round trip), and each server still runs the steps in order (StackExchange.Redis writes a
    /// connection's commands in the order they are sent, and lets other commands in between, even
    /// inside one batch). Every command exists before the first is written, so a command made after
    /// a reply always belongs to another round trip.
    [<Literal>]
    let PipelineBatchSize = 256

    // No library: nothing is taken to hold one.
    let private noLibrary: System.Net.EndPoint -> bool = fun _ -> false

    /// One attempt on the wire: the plan, every step queued, the batch sent (a long pipeline in
    /// batches of <see cref="PipelineBatchSize"/>, or MULTI/EXEC; the rare recovery resends stay one
    /// batch each). Nothing awaited: the caller waits for <see cref="pendingOf"/> in its own state
    /// machine, so the usual round is one state machine, not one per layer.
    let dispatch
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (guardAll: bool)
        (steps: Step[])
        : Sent =
        let endPoints = context.EndPointsOf steps
        let functionFor =
            match deployed with
            | ValueSome d ->
                fun (script: Script) ->
                    match d.Functions.TryGetValue script with
                    | true, fn -> fn
                    | _ -> null
            | ValueNone -> fun _ -> null
        let plan =
            if guardAll then
                RoundPlan.make mode functionFor endPoints steps
            else
                let libraryLoaded =
                    match deployed with
                    | ValueSome d ->
                        let state = context.LoadState
                        let name = d.Library.Name
                        fun e -> state.IsLoaded(e, name)
                    | ValueNone -> noLibrary
                RoundPlan.plan mode functionFor libraryLoaded context.ScriptLoaded endPoints steps
        let mutable batch: IBatch =
            match mode with
            | RoundMode.Pipeline -> db.CreateBatch()
            | RoundMode.Transaction -> db.CreateTransaction()
        let guard =
            if plan.TransactionGuard then Wire.functionLoadQueued batch (box deployed.Value.Code) CommandFlags.None else null
        // Written to each server's connection before the batch is, so it runs first there; a
        // failed load shows as "Function not found", healed after the batch.
        for endPoint in plan.PipelineGuards do
            Wire.functionLoad (context.Multiplexer.GetServer endPoint) (box deployed.Value.Code) false CommandFlags.FireAndForget
            |> ignore
        let readOnlyCommands = context.Topology.ReadOnlyScripts
        let tasks = Array.zeroCreate<Task<RedisResult>> steps.Length
        let pipeline = mode = RoundMode.Pipeline
        // A long pipeline's earlier batches, sent in their order once every step is queued.
        let mutable earlier: IBatch list = []
        for i in 0 .. steps.Length - 1 do
            if pipeline && i > 0 && i % PipelineBatchSize = 0 then
                earlier <- batch :: earlier
                batch <- db.CreateBatch()
            tasks[i] <- queue batch readOnlyCommands flags steps[i] plan.Sends[i]
        for b in List.rev earlier do
            b.Execute()
        Telemetry.roundTrip ()
        let exec =
            match batch with
            | :? ITransaction as tx -> tx.ExecuteAsync(flags)
            | _ ->
                batch.Execute()
                null
        { Plan = plan; Tasks = tasks; Guard = guard; Exec = exec }

    /// Whether EXEC failed other than by the server's reply (the connection, a time-out, a
    /// cancellation): <see cref="reportOf"/> raises that at once, without waiting for the queued
    /// commands, which StackExchange.Redis may then leave pending.
    let private execBroken (exec: Task<bool>) =
        exec.IsCanceled || (exec.IsFaulted && not (exec.Exception.InnerException :? RedisServerException))

    /// A task of the attempt still to finish, or null when every one has, or when EXEC broke (EXEC
    /// first, then the replies last first: they come back in order on a connection, so the others
    /// are usually in by then; no continuation per step, no copy of the tasks).
    let pendingOf (sent: Sent) : Task =
        if not (isNull sent.Exec) && not sent.Exec.IsCompleted then
            sent.Exec
        elif not (isNull sent.Exec) && execBroken sent.Exec then
            null
        else
            let tasks = sent.Tasks
            let mutable found: Task = null
            let mutable i = tasks.Length - 1
            while isNull found && i >= 0 do
                if not tasks[i].IsCompleted then found <- tasks[i]
                i <- i - 1
            if isNull found && not (isNull sent.Guard) && not sent.Guard.IsCompleted then sent.Guard else found

    /// What a finished attempt came back with: each outcome read from its task when decided, not
    /// copied into an array of its own. A transaction's EXEC refused by the server discards it; a
    /// connection failure or a time-out of EXEC raises, as it is.
    let reportOf (context: Context) (deployed: Deployed voption) (sent: Sent) : RoundReport =
        let discard =
            match sent.Exec with
            | null -> None
            | exec when exec.IsCompletedSuccessfully ->
                if exec.Result then None else Some "the transaction was not committed (a watched key changed)"
            | exec when exec.IsCanceled -> raise (TaskCanceledException(exec))
            | exec ->
                match exec.Exception.InnerException with
                | :? RedisServerException as e -> Some e.Message
                | e ->
                    ExceptionDispatchInfo.Capture(e).Throw()
                    None
        let settled = Outcomes.OfTasks sent.Tasks
        let mutable guardFailure = None
        if not (isNull sent.Guard) then
            let struct (loaded, failure) = RoundOutcome.guard deployed.Value.Library.Name (Settled.ofTask sent.Guard) settled
            if loaded then context.LoadState.MarkLoaded(sent.Plan.GuardEndPoint, deployed.Value.Library.Name)
            guardFailure <- failure
        { Discarded = RoundOutcome.discarded discard guardFailure
          GuardFailure = guardFailure
          Settled = settled }

    /// Waits for a dispatched attempt in a state machine of its own and reads it (the rare paths: a
    /// transaction sent again).
    let finish (context: Context) (deployed: Deployed voption) (sent: Sent) : Task<struct (RoundPlan * RoundReport)> =
        task {
            let mutable pending = pendingOf sent
            while not (isNull pending) do
                do! pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)
                pending <- pendingOf sent
            return struct (sent.Plan, reportOf context deployed sent)
        }
