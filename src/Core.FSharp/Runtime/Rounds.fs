namespace LuaScripts.Core

open System.Threading.Tasks
open StackExchange.Redis

/// Rounds of steps over StackExchange.Redis: the thin effectful shell around the pure
/// <see cref="RoundPlan"/> (what each position sends) and <see cref="RoundOutcome"/> (replies,
/// resends, load marks). One batch (or MULTI/EXEC) per round; server errors are replies, connection
/// failures and time-outs raise.
[<RequireQualifiedAccess>]
module internal Rounds =

    /// What a round's report comes to, decided and applied: the load marks set and forgotten, a
    /// connection failure or a time-out raised. The positions to resend or call again are left to
    /// <see cref="finishRecovering"/>.
    let private conclude (context: Context) (deployed: Deployed voption) (plan: RoundPlan) (steps: Step[]) (report: RoundReport) =
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
        outcome

    /// Logs the positions the server refused (off the hot path: only when there are some).
    let private logRefused (context: Context) (replies: Reply[]) =
        for i in 0 .. replies.Length - 1 do
            match replies[i] with
            | Error e -> context.Log.IfRefused e
            | Ok _ -> ()

    /// The rest of a round whose outcome may have positions to resend with their body or to call again.
    let private finishRecovering
        (wrap: Reply[] -> 'R)
        (context: Context)
        (db: IDatabase)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (plan: RoundPlan)
        (steps: Step[])
        (outcome: RoundOutcome)
        : Task<'R> =
        task {
            let replies = outcome.Replies
            if not outcome.ResendWithBody.IsEmpty then
                do! RoundRecovery.resendWithBody context db flags steps outcome.ResendWithBody replies
            if not outcome.CallAgain.IsEmpty then
                do! RoundRecovery.callAgain context db flags deployed.Value plan steps outcome.CallAgain replies
            logRefused context replies
            return wrap replies
        }

    /// A transaction sent again (redirected, or it found its library gone), then completed.
    let private sendAgain
        (wrap: Reply[] -> 'R)
        (context: Context)
        (db: IDatabase)
        (mode: RoundMode)
        (flags: CommandFlags)
        (deployed: Deployed voption)
        (steps: Step[])
        (first: struct (RoundPlan * RoundReport))
        : Task<'R> =
        task {
            let! again = RoundRecovery.attemptAgain context db mode flags deployed steps first
            let struct (plan, report) = again
            let outcome = conclude context deployed plan steps report
            return! finishRecovering wrap context db flags deployed plan steps outcome
        }

    /// Sends one round with a plan made (or none, for scripts) and returns one reply per step. The
    /// rare paths (a transaction sent again, calls resent or called again) are functions of their
    /// own, so that the usual round's state machine stays small: it holds the attempt while it
    /// waits, and nothing decided after.
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
            if mode = RoundMode.Transaction then do! RoundAttempt.primaryConnected context
            // The first attempt, awaited here (not through RoundAttempt.finish): one state machine for the usual round.
            let sent = RoundAttempt.dispatch context db mode flags deployed false steps
            let mutable pending = RoundAttempt.pendingOf sent
            while not (isNull pending) do
                do! pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)
                pending <- RoundAttempt.pendingOf sent
            let report = RoundAttempt.reportOf context deployed sent
            if mode = RoundMode.Transaction && (RoundOutcome.wasRedirected report || RoundOutcome.sendAgainGuarded sent.Plan report) then
                return! sendAgain wrap context db mode flags deployed steps (struct (sent.Plan, report))
            else
                let outcome = conclude context deployed sent.Plan steps report
                if outcome.ResendWithBody.IsEmpty && outcome.CallAgain.IsEmpty then
                    logRefused context outcome.Replies
                    return wrap outcome.Replies
                else
                    return! finishRecovering wrap context db flags deployed sent.Plan steps outcome
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

    /// <see cref="send"/> for a queue of checked steps, its result made by `wrap` in the round's own
    /// state machine when nothing observes it (the usual case: no task of its own to wrap the replies).
    let sendQueuedAs (wrap: Reply[] -> 'R) (context: Context) (db: IDatabase) (mode: RoundMode) (steps: Step[]) : Task<'R> =
        if not (Telemetry.observed ()) then
            sendUnobserved wrap context db mode CommandFlags.None steps
        else
            task {
                let! replies = send context db mode CommandFlags.None steps
                return wrap replies
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
