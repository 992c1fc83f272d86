namespace LuaScripts.Core

open System
open System.Net
open System.Runtime.ExceptionServices
open System.Threading.Tasks
open StackExchange.Redis

/// One attempt of a round as sent: its plan and the tasks its replies complete (the library
/// guard queued in a transaction, and EXEC, where there are some; null otherwise).
[<NoEquality; NoComparison>]
type internal Sent = { Plan: RoundPlan; Tasks: Task<RedisResult>[]; Guard: Task<RedisResult>; Exec: Task<bool> }

/// Rounds of steps over StackExchange.Redis: the thin effectful shell around the pure
/// <see cref="RoundPlan"/> (what each position sends) and <see cref="RoundOutcome"/> (replies,
/// resends, load marks). One batch (or MULTI/EXEC) per round; server errors are replies, connection
/// failures and time-outs raise.
[<RequireQualifiedAccess>]
module internal Rounds =


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

    let private queue (batch: IBatch) (readOnlyCommands: bool) (flags: CommandFlags) (step: Step) (send: Send) : Task<RedisResult> =
        match step, send with
        | Step.Call inv, Send.Fcall fn -> Wire.fcall batch fn inv flags
        | Step.Call inv, Send.Eval -> Wire.eval batch inv (Calls.usesReadOnlyCommands inv.Script.ReadOnly readOnlyCommands) flags
        | Step.Call inv, _ -> Wire.evalsha batch inv (Calls.usesReadOnlyCommands inv.Script.ReadOnly readOnlyCommands) flags
        | Step.Raw(name, args), _ -> Wire.raw batch name args flags

    /// One attempt on the wire: the plan, every step queued, the batch sent (or MULTI/EXEC). Nothing
    /// awaited: the caller waits for <see cref="pendingOf"/> in its own state machine, so the usual
    /// round is one state machine, not one per layer.
    let private dispatch
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (guardAll: bool)
        (steps: Step[])
        : Sent =
        let endPoints =
            steps
            |> Array.map (function
                | Step.Call inv -> context.EndPointFor inv.Keys
                | Step.Raw _ -> null)
        let functionFor =
            match deployed with
            | ValueSome d ->
                fun (script: Script) ->
                    match d.Functions.TryGetValue script with
                    | true, fn -> fn
                    | _ -> null
            | ValueNone -> fun _ -> null
        let plan =
            match deployed with
            | ValueSome d when not guardAll ->
                let state = context.LoadState
                let name = d.Library.Name
                RoundPlan.plan mode functionFor (fun e -> state.IsLoaded(e, name)) endPoints steps
            | _ -> RoundPlan.make mode functionFor endPoints steps
        let batch: IBatch =
            match mode with
            | RoundMode.Pipeline -> db.CreateBatch()
            | RoundMode.Transaction -> db.CreateTransaction()
        let guard =
            if plan.TransactionGuard then Wire.functionLoadQueued batch (box deployed.Value.Code) CommandFlags.None else null
        let readOnlyCommands = context.Topology.ReadOnlyScripts
        let tasks = Array.init steps.Length (fun i -> queue batch readOnlyCommands flags steps[i] plan.Sends[i])
        // Written to each server's connection before the batch is, so it runs first there; a
        // failed load shows as "Function not found", healed after the batch.
        for endPoint in plan.PipelineGuards do
            Wire.functionLoad (context.Multiplexer.GetServer endPoint) (box deployed.Value.Code) false CommandFlags.FireAndForget
            |> ignore
        Telemetry.roundTrip ()
        let exec =
            match batch with
            | :? ITransaction as tx -> tx.ExecuteAsync(flags)
            | _ ->
                batch.Execute()
                null
        { Plan = plan; Tasks = tasks; Guard = guard; Exec = exec }

    /// A task of the attempt still to finish, or null when every one has (EXEC first, then the
    /// replies last first: they come back in order on a connection, so the others are usually in
    /// by then; no continuation per step, no copy of the tasks).
    let private pendingOf (sent: Sent) : Task =
        if not (isNull sent.Exec) && not sent.Exec.IsCompleted then
            sent.Exec
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
    let private reportOf (context: Context) (deployed: Deployed voption) (sent: Sent) : RoundReport =
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

    /// One attempt (a transaction sent again): dispatched, waited for, read.
    let private attempt
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (guardAll: bool)
        (steps: Step[])
        =
        task {
            let sent = dispatch context db mode flags deployed guardAll steps
            let mutable pending = pendingOf sent
            while not (isNull pending) do
                do! pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)
                pending <- pendingOf sent
            return struct (sent.Plan, reportOf context deployed sent)
        }

    /// Sends again, in their order and as one batch, the FCALLs of a pipeline that found the library
    /// gone (nothing of them ran), each server's library load written just before it. A call that
    /// still finds no library takes the single-call heal, which reports why the library cannot load.
    let private callAgain
        (context: Context)
        (db: IDatabase)
        (flags: CommandFlags)
        (deployed: Deployed)
        (plan: RoundPlan)
        (steps: Step[])
        (positions: int list)
        (replies: Reply[])
        : Task =
        task {
            context.Topology.Invalidate()
            let retry = db.CreateBatch()
            let guarded = System.Collections.Generic.HashSet<EndPoint>()
            let guards = ResizeArray<EndPoint>()
            let pending =
                [ for i in positions ->
                      match steps[i], plan.Sends[i] with
                      | Step.Call inv, Send.Fcall fn ->
                          let endPoint = context.EndPointFor inv.Keys
                          if not (isNull endPoint) && guarded.Add endPoint then guards.Add endPoint
                          i, inv, fn, Wire.settle (Wire.fcall retry fn inv flags)
                      | _ -> failwith "only FCALLs are called again" ]
            // Each server's load is enqueued on its connection just before the batch (so it reaches
            // the server first) and only once the calls are built: the calls never wait for its reply.
            for endPoint in guards do
                Wire.functionLoad (context.Multiplexer.GetServer endPoint) (box deployed.Code) false CommandFlags.FireAndForget
                |> ignore
            retry.Execute()
            // One heal: the library's load and the calls again, one round trip.
            Telemetry.healedFunction ()
            for (i, inv, fn, settling) in pending do
                match! settling with
                | Settled.Answered result ->
                    context.LoadState.MarkLoaded(context.EndPointFor inv.Keys, deployed.Library.Name)
                    replies[i] <- Ok result
                | Settled.Refused(_, ReplyKind.FunctionNotFound) ->
                    try
                        let! result = Calls.callAfterHeal context db inv fn deployed.Library flags
                        replies[i] <- Ok result
                    with
                    | :? RedisServerException as e -> replies[i] <- Error(ExecutionError.ofReply inv.Script.Name inv.Script.Sha1 e.Message)
                    | LibraryLoadFailed(name, failures) ->
                        replies[i] <- Error(ExecutionError.LibraryNotLoaded(inv.Script.Name, name, failures))
                | Settled.Refused(message, _) -> replies[i] <- Error(ExecutionError.ofReply inv.Script.Name inv.Script.Sha1 message)
                | Settled.Cancelled -> raise (TaskCanceledException())
                | Settled.Broken e -> raise e
        }

    /// A transaction sent again when the first attempt was only redirected (on a cluster, routed by a
    /// stale slot map right after a reconnect, during a failover or a slot migration: discarded with
    /// EXECABORT after a MOVED/ASK, nothing of it ran), up to three times once the client has looked at
    /// the topology again; then, when it was sent without its library guard and found the library gone
    /// (a FUNCTION FLUSH since the last reply that proved it: nothing ran), once more, guarded.
    let private attemptAgain
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (steps: Step[])
        (first: struct (RoundPlan * RoundReport))
        : Task<struct (RoundPlan * RoundReport)> =
        task {
            let mutable struct (plan, report) = first
            let mutable retries = 0
            while mode = RoundMode.Transaction && retries < 3 && context.Topology.IsCluster && RoundOutcome.wasRedirected report do
                retries <- retries + 1
                context.Log.TransactionResent(steps.Length, retries + 1)
                context.Topology.Invalidate()
                do! Task.Delay(50 * retries)
                let! next = attempt context db mode flags deployed false steps
                let struct (p, r) = next
                plan <- p
                report <- r
            if RoundOutcome.sendAgainGuarded plan report then
                context.LoadState.Forget(plan.GuardEndPoint, deployed.Value.Library.Name)
                let! next = attempt context db mode flags deployed true steps
                let struct (p, r) = next
                plan <- p
                report <- r
            return struct (plan, report)
        }

    /// Sends again, with their body, in their order and after the batch, the calls of a pipeline whose
    /// EVALSHA found the script gone (a flush landed inside the batch, or the keys moved).
    let private resendWithBody
        (context: Context)
        (db: IDatabase)
        (flags: CommandFlags)
        (steps: Step[])
        (positions: int list)
        (replies: Reply[])
        : Task =
        task {
            context.Topology.Invalidate()
            let retry = db.CreateBatch()
            let readOnlyCommands = context.Topology.ReadOnlyScripts
            let resent =
                [ for i in positions ->
                      match steps[i] with
                      | Step.Call inv -> i, inv, Wire.settle (queue retry readOnlyCommands flags steps[i] Send.Eval)
                      | Step.Raw _ -> failwith "only calls are resent" ]
            for i in positions do
                match steps[i] with
                | Step.Call inv -> Telemetry.healedScript context.Log inv.Script.Name (context.EndPointFor inv.Keys)
                | Step.Raw _ -> ()
            retry.Execute()
            Telemetry.roundTrip ()
            for (i, inv, pending) in resent do
                match! pending with
                | Settled.Answered result ->
                    context.LoadState.MarkLoaded(context.EndPointFor inv.Keys, inv.Script.Sha1)
                    replies[i] <- Ok result
                | Settled.Refused(message, _) -> replies[i] <- Error(ExecutionError.ofReply inv.Script.Name inv.Script.Sha1 message)
                | Settled.Cancelled -> raise (TaskCanceledException())
                | Settled.Broken e -> raise e
        }

    /// Sends one round with a plan made (or none, for scripts) and returns one reply per step. The
    /// rare paths (a transaction sent again, calls resent or called again) are functions of their
    /// own, so that the usual round's state machine stays small.
    let private sendWith
        (wrap: Reply[] -> 'R)
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (steps: Step[])
        : Task<'R> =
        task {
            if mode = RoundMode.Transaction then do! primaryConnected context
            // The first attempt, awaited here: one state machine for the usual round.
            let sent = dispatch context db mode flags deployed false steps
            let mutable pending = pendingOf sent
            while not (isNull pending) do
                do! pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)
                pending <- pendingOf sent
            let first = struct (sent.Plan, reportOf context deployed sent)
            let mutable struct (plan, report) = first
            if mode = RoundMode.Transaction && (RoundOutcome.wasRedirected report || RoundOutcome.sendAgainGuarded plan report) then
                let! again = attemptAgain context db mode flags deployed steps first
                let struct (p, r) = again
                plan <- p
                report <- r
            let library =
                match deployed with
                | ValueSome d -> d.Library.Name
                | ValueNone -> null
            let outcome = RoundOutcome.decide plan library steps report
            let mutable loaded = outcome.Loaded
            while not loaded.IsEmpty do
                let struct (endPoint, name) = loaded.Head
                context.LoadState.MarkLoaded(endPoint, name)
                loaded <- loaded.Tail
            let mutable forget = outcome.Forget
            while not forget.IsEmpty do
                let struct (endPoint, sha) = forget.Head
                context.LoadState.Forget(endPoint, sha)
                forget <- forget.Tail
            match outcome.Raise with
            | Some e -> raise e
            | None -> ()
            let replies = outcome.Replies
            if not outcome.ResendWithBody.IsEmpty then
                do! resendWithBody context db flags steps outcome.ResendWithBody replies
            if not outcome.CallAgain.IsEmpty then
                do! callAgain context db flags deployed.Value plan steps outcome.CallAgain replies
            for i in 0 .. replies.Length - 1 do
                match replies[i] with
                | Error e -> context.Log.IfRefused e
                | Ok _ -> ()
            return wrap replies
        }

    /// <see cref="send"/> without telemetry; `wrap` makes the round's result of its replies, in the
    /// round's own state machine (no layer of its own for the caller's result type).
    let private sendUnobserved
        (wrap: Reply[] -> 'R)
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (steps: Step[])
        : Task<'R> =
        let calls =
            steps
            |> Array.exists (function
                | Step.Call _ -> true
                | Step.Raw _ -> false)
        if not (calls && context.Functions.MayUseFunctions && context.IsOwn db) then
            sendWith wrap context db mode flags ValueNone steps
        else
            let plan = Deployment.planFor context
            let withPlan (p: Plan) =
                match p with
                | Plan.Library d -> sendWith wrap context db mode flags (ValueSome d) steps
                | Plan.ScriptsOnly _ -> sendWith wrap context db mode flags ValueNone steps
            if plan.IsCompletedSuccessfully then
                withPlan plan.Result
            else
                task {
                    match! Deployment.awaitPlan plan with
                    | Ok p -> return! withPlan p
                    | Error(name, failures) ->
                        return wrap (steps |> Array.map (fun s -> Error(ExecutionError.LibraryNotLoaded(Step.name s, name, failures))))
                }

    /// What a round will send, as far as the client can tell before sending: each step's operation
    /// (FCALL where the plan for the registry as it is now holds or will hold the command, see
    /// <see cref="Deployment.runsAsFunction"/>; EVALSHA otherwise; a raw command's name), the
    /// distinct command names, and the backend.
    let private describeRound (context: Context) (db: IDatabase) (steps: Step[]) =
        let functions = context.Functions.MayUseFunctions && context.IsOwn db
        let operationOf step =
            match step with
            | Step.Raw(name, _) -> name.ToUpperInvariant()
            | Step.Call inv when functions && Deployment.runsAsFunction context inv.Script -> "FCALL"
            | Step.Call _ -> "EVALSHA"
        let operations = steps |> Array.map operationOf |> Array.distinct
        let names = steps |> Array.map Step.name |> Array.distinct
        let backend = if operations |> Array.contains "FCALL" then "functions" else "scripts"
        struct (operations, names, backend)

    /// Sends one round of steps as a single batch (or MULTI/EXEC) and returns one reply per step, in
    /// order. With the Functions backend, calls of commands in the client's library are FCALL, their
    /// library guarded on each server; if the library cannot be loaded, nothing is sent and every
    /// position reports why. Observed (a span, the duration metric) only when something listens to
    /// <see cref="Instrumentation.Name"/>.
    let send (context: Context) (db: IDatabase) (mode: RoundMode) (flags: CommandFlags) (steps: Step[]) : Task<Reply[]> =
        if not (Telemetry.observed ()) then
            sendUnobserved id context db mode flags steps
        else
            let struct (operations, names, backend) = describeRound context db steps
            Telemetry.observeRound context (mode = RoundMode.Transaction) operations names backend steps.Length (fun () ->
                sendUnobserved id context db mode flags steps)

    // Made once: the queue's result of its replies.
    let private queued: Reply[] -> Result<Reply[], RunError> = Ok

    /// <see cref="send"/> for a queue of checked steps, its result made in the round's own state
    /// machine when nothing observes it (the usual case: no task of its own to wrap the replies).
    let sendQueued (context: Context) (db: IDatabase) (mode: RoundMode) (steps: Step[]) : Task<Result<Reply[], RunError>> =
        if not (Telemetry.observed ()) then
            sendUnobserved queued context db mode CommandFlags.None steps
        else
            task {
                let! replies = send context db mode CommandFlags.None steps
                return Ok replies
            }

    /// A round's steps with every raw command's keys as the server describes them (the command table
    /// is learned once per connection, on the first raw command).
    let routed (context: Context) (steps: Step[]) : Task<Step[]> =
        if
            not (
                steps
                |> Array.exists (function
                    | Step.Raw _ -> true
                    | Step.Call _ -> false)
            )
        then
            Task.FromResult steps
        elif context.Commands.IsLoaded then
            Task.FromResult(steps |> Array.map context.Commands.Route)
        else
            task {
                do! context.Commands.LoadAsync()
                return steps |> Array.map context.Commands.Route
            }

    /// Runs a program: one round trip per round. A transaction must be a single round: a program
    /// whose later round depends on earlier replies cannot run atomically, and its later rounds are
    /// refused with an error. Every round's steps are checked (cluster slots) before it is sent.
    let run
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (program: Program<'T>)
        : Task<Result<'T, ExecutionError list>> =
        task {
            let mutable current = program
            let mutable result = None
            let mutable rounds = 0
            while result.IsNone do
                match current with
                | Done v -> result <- Some(Ok v)
                | Failed e -> result <- Some(Error e)
                | Round _ when mode = RoundMode.Transaction && rounds > 0 ->
                    let next = Program.explain current |> List.tryHead |> Option.map Step.name |> Option.defaultValue "?"
                    let reason = "a transaction must be a single round trip; this program's later round depends on earlier replies"
                    result <- Some(Error [ ExecutionError.TransactionDiscarded(next, reason) ])
                | Round(batch, count, next) ->
                    let! steps = routed context (Program.flatten batch count)
                    match context.CheckRound((mode = RoundMode.Transaction), steps) with
                    | Error(step, e) -> result <- Some(Error [ ExecutionError.InvalidArguments(Step.name step, e) ])
                    | Ok() ->
                        let! replies = send context db mode flags steps
                        rounds <- rounds + 1
                        current <- next replies 0
            return result.Value
        }
