namespace LuaScripts.Core

open System.Collections.Generic
open System.Net
open System.Threading.Tasks
open StackExchange.Redis

/// The rare paths of a round, each a function (and a state machine) of its own so that the usual
/// round stays small: a transaction sent again (redirected, or found its library gone), the FCALLs of
/// a pipeline called again after "Function not found", the EVALSHAs of a pipeline resent with their
/// body after NOSCRIPT.
[<RequireQualifiedAccess>]
module internal RoundRecovery =

    /// Sends again, in their order and as one batch, the FCALLs of a pipeline that found the library
    /// gone (nothing of them ran), each server's library load written just before it. A call that
    /// still finds no library takes the single-call heal, which reports why the library cannot load.
    let callAgain
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
            let guarded = HashSet<EndPoint>()
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
    /// the topology again; then, when it was sent without its library guard (or its script's body) and
    /// found the library (or the script) gone (a FUNCTION FLUSH or SCRIPT FLUSH since the last reply
    /// that proved it: nothing ran), once more, guarded (with the body).
    let attemptAgain
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
                let! next = RoundAttempt.finish context deployed (RoundAttempt.dispatch context db mode flags deployed false steps)
                let struct (p, r) = next
                plan <- p
                report <- r
            if RoundOutcome.sendAgainGuarded plan report then
                match steps[0], plan.Sends[0] with
                | Step.Call inv, Send.Evalsha ->
                    context.LoadState.Forget(plan.GuardEndPoint, inv.Script.Sha1)
                    Telemetry.healedScript context.Log inv.Script.Name plan.GuardEndPoint
                | _ -> context.LoadState.Forget(plan.GuardEndPoint, deployed.Value.Library.Name)
                let! next = RoundAttempt.finish context deployed (RoundAttempt.dispatch context db mode flags deployed true steps)
                let struct (p, r) = next
                plan <- p
                report <- r
            return struct (plan, report)
        }

    /// Sends again, with their body, in their order and after the batch, the calls of a pipeline whose
    /// EVALSHA found the script gone (a flush landed inside the batch, or the keys moved).
    let resendWithBody
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
                      | Step.Call inv -> i, inv, Wire.settle (RoundAttempt.queue retry readOnlyCommands flags steps[i] Send.Eval)
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
