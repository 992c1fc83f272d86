namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Diagnostics
open System.Diagnostics.Metrics
open System.Net
open System.Runtime.ExceptionServices
open System.Threading.Tasks
open StackExchange.Redis

/// The names under which clients report traces and metrics, with only the BCL's
/// <c>ActivitySource</c> and <c>Meter</c>: <c>AddSource("LuaScripts")</c> and
/// <c>AddMeter("LuaScripts")</c> in OpenTelemetry. One span per call, pipeline or transaction.
[<RequireQualifiedAccess>]
module Instrumentation =
    /// The name of the activity source and of the meter.
    [<Literal>]
    let Name = "LuaScripts"

    /// Span and metric tag: the user's command name (for a batch, its distinct names).
    [<Literal>]
    let CommandTag = "luascripts.command"

    /// Span and metric tag: the backend that ran the call, <c>scripts</c> or <c>functions</c>.
    [<Literal>]
    let BackendTag = "luascripts.backend"

    /// Span tag: true when the call needed its body again after NOSCRIPT, or a library load.
    [<Literal>]
    let HealedTag = "luascripts.healed"

    /// Metric tag: <c>ok</c> or <c>error</c>.
    [<Literal>]
    let OutcomeTag = "luascripts.outcome"

    /// Histogram (seconds) of calls, pipelines and transactions, tagged with the command name,
    /// backend and outcome (and <c>error.type</c> on failure).
    [<Literal>]
    let DurationMetric = "db.client.operation.duration"

    /// Counter of heals: a body sent again after NOSCRIPT, or the library loaded again.
    [<Literal>]
    let HealsMetric = "luascripts.heals"

    /// Counter of Function-library loads that loaded the library on a server.
    [<Literal>]
    let LibraryLoadsMetric = "luascripts.library.loads"

    /// Counter of round trips: one per call or batch sent, and one per resend.
    [<Literal>]
    let RoundTripsMetric = "luascripts.round_trips"

/// The activity source, the meter and what calls report through them. A call is observed only
/// when something listens; otherwise it pays three flag reads.
[<RequireQualifiedAccess>]
module internal Telemetry =
    let private version =
        match typeof<ClientLog>.Assembly.GetName().Version with
        | null -> "0.0.0"
        | v -> v.ToString()

    let source = new ActivitySource(Instrumentation.Name, version)
    let meter = new Meter(Instrumentation.Name, version)

    let duration =
        meter.CreateHistogram<float>(
            Instrumentation.DurationMetric,
            "s",
            "Duration of LuaScripts calls, pipelines and transactions, from the first send to the last reply."
        )

    let heals =
        meter.CreateCounter<int64>(Instrumentation.HealsMetric, "{heal}", "Bodies sent again after NOSCRIPT, and libraries loaded again.")

    let libraryLoads =
        meter.CreateCounter<int64>(
            Instrumentation.LibraryLoadsMetric,
            "{load}",
            "Function-library loads that loaded the library on a server."
        )

    let roundTrips =
        meter.CreateCounter<int64>(Instrumentation.RoundTripsMetric, "{round_trip}", "Round trips: calls and batches sent, and resends.")

    /// Whether anything listens to the source or the meter.
    let observed () = source.HasListeners() || duration.Enabled || roundTrips.Enabled

    /// This library's activity of the current call, or null (without reading the ambient activity
    /// when nothing listens, as on the first EVAL of each script or a call queued on a batch).
    let current () : Activity =
        if not (source.HasListeners()) then
            null
        else
            let a = Activity.Current
            if not (isNull a) && obj.ReferenceEquals(a.Source, source) then a else null

    /// Counts one round trip.
    let roundTrip () = if roundTrips.Enabled then roundTrips.Add 1L

    let private markHealed () =
        match current () with
        | null -> ()
        | a -> a.SetTag(Instrumentation.HealedTag, true) |> ignore

    /// A call's body went on the wire (EVAL) instead of its digest: the span says so.
    let sentBody (readOnly: bool) =
        match current () with
        | null -> ()
        | a ->
            let operation = if readOnly then "EVAL_RO" else "EVAL"
            a.SetTag("db.operation.name", operation) |> ignore

    /// NOSCRIPT healed with the body: logged, counted, and marked on the span.
    let healedScript (log: ClientLog) (command: string) (endPoint: EndPoint) =
        log.ScriptHealed(command, endPoint)
        if heals.Enabled then heals.Add(1L, KeyValuePair("luascripts.heal.kind", box "script"))
        roundTrip ()
        markHealed ()

    /// "Function not found" healed with a library load and the call sent again.
    let healedFunction () =
        if heals.Enabled then heals.Add(1L, KeyValuePair("luascripts.heal.kind", box "function"))
        roundTrip ()
        markHealed ()

    /// The library was loaded on a server (first use, a heal or a preload).
    let libraryLoaded (log: ClientLog) (library: string) (endPoint: EndPoint) =
        log.LibraryLoaded(library, endPoint)
        if libraryLoads.Enabled then libraryLoads.Add 1L
        markHealed ()

    /// <c>error.type</c> of a failure: the execution error's kind, else the exception's type.
    let errorType (e: exn) : string =
        match e with
        | ExecutionFailed(ExecutionError.CommandFailed _) -> "script_error"
        | ExecutionFailed(ExecutionError.Refused(_, _, reason, _)) -> $"refused:{reason}"
        | ExecutionFailed(ExecutionError.RawCommandFailed _) -> "command_error"
        | ExecutionFailed(ExecutionError.TransactionDiscarded _) -> "transaction_discarded"
        | ExecutionFailed(ExecutionError.LibraryNotLoaded _) -> "library_not_loaded"
        | ExecutionFailed(ExecutionError.InvalidArguments _) -> "invalid_arguments"
        | :? OperationCanceledException -> "cancelled"
        | _ -> e.GetType().FullName

    let private describe (a: Activity) (context: Context) (operation: string) (backend: string) (endPoint: EndPoint) =
        a
            .SetTag("db.system.name", "redis")
            .SetTag("db.operation.name", operation)
            .SetTag("db.namespace", string context.Database.Database)
            .SetTag(Instrumentation.BackendTag, backend)
        |> ignore
        match endPoint with
        | :? DnsEndPoint as d -> a.SetTag("server.address", d.Host).SetTag("server.port", d.Port) |> ignore
        | :? IPEndPoint as ip -> a.SetTag("server.address", string ip.Address).SetTag("server.port", ip.Port) |> ignore
        | _ -> ()

    let private finish (a: Activity) (started: int64) (command: string) (backend: string) (error: string) =
        let failed = not (isNull error)
        if not (isNull a) then
            if failed then a.SetStatus(ActivityStatusCode.Error, error).SetTag("error.type", error) |> ignore
            a.Dispose()
        if duration.Enabled then
            let mutable tags = TagList()
            tags.Add(Instrumentation.CommandTag, command)
            tags.Add(Instrumentation.BackendTag, backend)
            tags.Add(Instrumentation.OutcomeTag, (if failed then "error" else "ok"))
            if failed then tags.Add("error.type", error)
            duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, &tags)

    /// Runs one call inside its span ("OPERATION command") and records its duration.
    let observeCall
        (context: Context)
        (command: string)
        (operation: string)
        (backend: string)
        (endPoint: EndPoint)
        (run: unit -> Task<RedisResult>)
        : Task<RedisResult> =
        task {
            let started = Stopwatch.GetTimestamp()
            let activity = source.StartActivity(operation + " " + command, ActivityKind.Client)
            if not (isNull activity) then
                describe activity context operation backend endPoint
                activity.SetTag(Instrumentation.CommandTag, command) |> ignore
            roundTrip ()
            try
                let! result = run ()
                finish activity started command backend null
                return result
            with e ->
                finish activity started command backend (errorType e)
                ExceptionDispatchInfo.Throw e
                return Unchecked.defaultof<RedisResult>
        }

    /// Runs one round (a pipeline or a transaction) inside its span and records its duration. The
    /// span's <c>luascripts.command</c> holds the distinct command names; the metric's, joined by ",".
    let observeRound
        (context: Context)
        (transaction: bool)
        (operations: string[])
        (names: string[])
        (backend: string)
        (steps: int)
        (run: unit -> Task<Reply[]>)
        : Task<Reply[]> =
        task {
            let started = Stopwatch.GetTimestamp()
            let operation =
                match operations with
                | _ when transaction -> "MULTI"
                | [| single |] -> "BATCH " + single
                | _ -> "BATCH"
            let joined = String.Join(",", names)
            let activity = source.StartActivity(operation + " " + joined, ActivityKind.Client)
            if not (isNull activity) then
                describe activity context operation backend null
                activity.SetTag(Instrumentation.CommandTag, names).SetTag("db.operation.batch.size", steps) |> ignore
            try
                let! replies = run ()
                let error =
                    replies
                    |> Array.tryPick (function
                        | Error e -> Some(errorType (ExecutionFailed e))
                        | Ok _ -> None)
                finish activity started joined backend (Option.toObj error)
                return replies
            with e ->
                finish activity started joined backend (errorType e)
                ExceptionDispatchInfo.Throw e
                return Array.empty
        }
