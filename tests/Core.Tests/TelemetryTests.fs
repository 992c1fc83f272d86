/// Traces, metrics and log events against a real redis-server, observed with the BCL's own
/// ActivityListener and MeterListener and a logger factory that records what it is given.
module LuaScripts.Core.Tests.TelemetryTests

open System
open System.Collections.Concurrent
open System.Collections.Generic
open System.Diagnostics
open System.Diagnostics.Metrics
open Expecto
open Microsoft.Extensions.Logging
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// Every span and measurement of the LuaScripts source and meter while it lives (other tests'
/// too: each test looks only at its own command names).
type private Recorder() =
    let spans = ConcurrentQueue<Activity>()
    let measurements = ConcurrentQueue<string * float * KeyValuePair<string, obj>[]>()
    let listener =
        new ActivityListener(
            ShouldListenTo = (fun s -> s.Name = Instrumentation.Name),
            Sample = SampleActivity<ActivityContext>(fun _ -> ActivitySamplingResult.AllDataAndRecorded),
            ActivityStopped = (fun a -> spans.Enqueue a)
        )
    let meters = new MeterListener()
    do
        ActivitySource.AddActivityListener listener
        meters.InstrumentPublished <-
            fun instrument l -> if instrument.Meter.Name = Instrumentation.Name then l.EnableMeasurementEvents instrument
        meters.SetMeasurementEventCallback<float>(
            MeasurementCallback<float>(fun i v tags _ -> measurements.Enqueue(i.Name, v, tags.ToArray()))
        )
        meters.SetMeasurementEventCallback<int64>(
            MeasurementCallback<int64>(fun i v tags _ -> measurements.Enqueue(i.Name, float v, tags.ToArray()))
        )
        meters.Start()

    /// The finished spans whose luascripts.command is (or, for a batch, holds) the name.
    member _.SpansOf(name: string) =
        spans
        |> Seq.filter (fun a ->
            match a.GetTagItem Instrumentation.CommandTag with
            | :? string as s -> s = name
            | :? (string[]) as names -> Array.contains name names
            | _ -> false)
        |> List.ofSeq

    /// The measurements of an instrument tagged with the command name.
    member _.MeasurementsOf(instrument: string, name: string) =
        measurements
        |> Seq.filter (fun (i, _, tags) ->
            i = instrument && tags |> Array.exists (fun t -> t.Key = Instrumentation.CommandTag && string t.Value = name))
        |> List.ofSeq

    /// How many measurements an instrument had (any tags).
    member _.Count(instrument: string) = measurements |> Seq.filter (fun (i, _, _) -> i = instrument) |> Seq.length

    interface IDisposable with
        member _.Dispose() =
            listener.Dispose()
            meters.Dispose()

/// A logger factory that keeps every entry: event id, level, message.
type private LogRecorder() =
    let entries = ConcurrentQueue<int * LogLevel * string>()
    member _.Entries = List.ofSeq entries
    member _.Ids = entries |> Seq.map (fun (id, _, _) -> id) |> List.ofSeq
    interface ILoggerFactory with
        member _.CreateLogger(_: string) =
            { new ILogger with
                member _.BeginScope _ = null
                member _.IsEnabled _ = true
                member _.Log(level, eventId, state, error, formatter) = entries.Enqueue(eventId.Id, level, formatter.Invoke(state, error)) }
        member _.AddProvider _ = ()
        member _.Dispose() = ()

let private clientWith (log: LogRecorder option) =
    let options =
        { ClientOptions.defaults with
            Backend = Server.backend
            LoggerFactory = log |> Option.map (fun l -> l :> ILoggerFactory) }
    Client.createWith options (Server.mux ())

let private define (client: Client) (lua: string) =
    let name = $"tel_{Guid.NewGuid():N}"
    match Client.define name lua (KeyCount.Fixed 1) ScriptOptions.defaults client with
    | Ok _ -> name
    | Error e -> failtestf "define failed: %s" (DefinitionError.describe e)

let private run (client: Client) name (key: string) =
    task {
        match! Client.run name [ rv key ] client with
        | Ok r -> return r
        | Error e -> return failtestf "run failed: %s" (RunError.describe e)
    }

let private tag (span: Activity) (name: string) = span.GetTagItem name

let private flush () = if Server.isFunctions then Server.adminServer().Execute("FUNCTION", "FLUSH") |> ignore else Server.scriptFlush ()

let private serverTests =
    testList
        "telemetry against a real redis-server"
        [ testCaseTask "a call is one client span named after the command, with the database-client conventions"
          <| fun () ->
              task {
                  use recorder = new Recorder()
                  let client = clientWith None
                  let name = define client "return redis.call('INCR', KEYS[1])"
                  let key = Server.prefix () + "n"
                  let! _ = run client name key
                  let! _ = run client name key
                  let spans = recorder.SpansOf name
                  Expect.hasLength spans 2 "one span per call"
                  let first, second = spans[0], spans[1]
                  Expect.equal first.Kind ActivityKind.Client "a client span"
                  Expect.equal (tag first "db.system.name") (box "redis") "db.system.name"
                  Expect.equal (tag first "db.namespace") (box "0") "the database index"
                  Expect.isNotNull (tag first "server.port") "the server's port"
                  let expectedBackend = if Server.isFunctions then "functions" else "scripts"
                  Expect.equal (tag second Instrumentation.BackendTag) (box expectedBackend) "the backend"
                  if Server.isFunctions then
                      Expect.equal (tag second "db.operation.name") (box "FCALL") "sent as FCALL"
                  else
                      // The first call on a server that never ran the script sends its body.
                      Expect.equal (tag first "db.operation.name") (box "EVAL") "the first call sends the body"
                      Expect.equal (tag second "db.operation.name") (box "EVALSHA") "then the digest"
                  Expect.stringEnds second.DisplayName name "the span is named after the command"
                  Expect.isNull (tag second Instrumentation.HealedTag) "the second call healed nothing"
                  Expect.equal second.Status ActivityStatusCode.Unset "no error"
                  let durations = recorder.MeasurementsOf(Instrumentation.DurationMetric, name)
                  Expect.hasLength durations 2 "one duration per call"
                  for (_, seconds, tags) in durations do
                      Expect.isGreaterThan seconds 0.0 "a positive duration"
                      Expect.exists tags (fun t -> t.Key = Instrumentation.OutcomeTag && string t.Value = "ok") "outcome ok"
              }

          testCaseTask "a command redefined after the library was loaded is tagged with what is sent"
          <| fun () ->
              task {
                  use recorder = new Recorder()
                  let client = clientWith None
                  let name = define client "return redis.call('INCR', KEYS[1])"
                  let key = Server.prefix () + "n"
                  let! _ = run client name key
                  // The loaded library is for the old definition; the next call deploys the new one.
                  match Client.define name "return redis.call('INCRBY', KEYS[1], 10)" (KeyCount.Fixed 1) ScriptOptions.defaults client with
                  | Ok _ -> ()
                  | Error e -> failtestf "redefine failed: %s" (DefinitionError.describe e)
                  let! result = run client name key
                  Expect.equal (int result) 11 "the new definition ran"
                  let queue = Client.pipeline client
                  match Client.invoke name [| rv key |] client with
                  | Ok inv -> Expect.isOk (queue.Add(Step.Call inv)) "queued"
                  | Error e -> failtestf "%s" (RunError.describe e)
                  match! Client.send queue client with
                  | Ok replies -> Expect.hasLength replies 1 "one reply"
                  | Error e -> failtestf "%s" (RunError.describe e)
                  let spans = recorder.SpansOf name
                  Expect.hasLength spans 3 "two calls and a round"
                  let redefined, round = spans[1], spans[2]
                  let expectedBackend = if Server.isFunctions then "functions" else "scripts"
                  Expect.equal (tag redefined Instrumentation.BackendTag) (box expectedBackend) "the backend of what was sent"
                  if Server.isFunctions then
                      Expect.equal (tag redefined "db.operation.name") (box "FCALL") "the new definition is sent as FCALL"
                      Expect.equal (tag round "db.operation.name") (box "BATCH FCALL") "and so is the round's call"
                  else
                      Expect.equal (tag redefined "db.operation.name") (box "EVAL") "the new body is sent"
                      Expect.equal (tag round "db.operation.name") (box "BATCH EVALSHA") "then its digest"
                  let (_, _, tags) = recorder.MeasurementsOf(Instrumentation.DurationMetric, name)[1]
                  Expect.exists
                      tags
                      (fun t -> t.Key = Instrumentation.BackendTag && string t.Value = expectedBackend)
                      "the metric's backend"
              }

          testCaseTask "a call that heals says so in its span, in the heal counter and in the log"
          <| fun () ->
              task {
                  use recorder = new Recorder()
                  let log = new LogRecorder()
                  let client = clientWith (Some log)
                  let name = define client "return redis.call('INCR', KEYS[1])"
                  let key = Server.prefix () + "n"
                  let! _ = run client name key
                  let healsBefore = recorder.Count Instrumentation.HealsMetric
                  flush ()
                  let! result = run client name key
                  Expect.equal (int result) 2 "the call ran once after the heal"
                  let healed = recorder.SpansOf name |> List.last
                  Expect.equal (tag healed Instrumentation.HealedTag) (box true) "the span says it healed"
                  Expect.isGreaterThan (recorder.Count Instrumentation.HealsMetric) healsBefore "the heal was counted"
                  let expected = if Server.isFunctions then ClientEventIds.LibraryLoaded else ClientEventIds.ScriptHealed
                  Expect.contains log.Ids expected "the heal was logged with its event id"
                  if not Server.isFunctions then
                      Expect.exists log.Entries (fun (_, _, message) -> message.Contains name) "the log names the command"
              }

          testCaseTask "a failing call's span and duration say error, with the error's type"
          <| fun () ->
              task {
                  use recorder = new Recorder()
                  let client = clientWith None
                  let name = define client "return redis.error_reply('boom')"
                  match! Client.run name [ rv (Server.prefix () + "k") ] client with
                  | Ok _ -> failtest "the call should fail"
                  | Error _ -> ()
                  let span = recorder.SpansOf name |> List.exactlyOne
                  Expect.equal span.Status ActivityStatusCode.Error "error status"
                  Expect.equal (tag span "error.type") (box "script_error") "error.type"
                  let (_, _, tags) = recorder.MeasurementsOf(Instrumentation.DurationMetric, name) |> List.exactlyOne
                  Expect.exists tags (fun t -> t.Key = Instrumentation.OutcomeTag && string t.Value = "error") "outcome error"
              }

          testCaseTask "a pipeline is one span holding its batch size and its distinct command names"
          <| fun () ->
              task {
                  use recorder = new Recorder()
                  let client = clientWith None
                  let incr = define client "return redis.call('INCR', KEYS[1])"
                  let get = define client "return redis.call('GET', KEYS[1])"
                  let key = Server.prefix () + "n"
                  let queue = Client.pipeline client
                  for name in [ incr; incr; get ] do
                      match Client.invoke name [| rv key |] client with
                      | Ok inv -> Expect.isOk (queue.Add(Step.Call inv)) "queued"
                      | Error e -> failtestf "%s" (RunError.describe e)
                  match! Client.send queue client with
                  | Ok replies -> Expect.hasLength replies 3 "three replies"
                  | Error e -> failtestf "%s" (RunError.describe e)
                  let span = recorder.SpansOf incr |> List.exactlyOne
                  Expect.equal (tag span "db.operation.batch.size") (box 3) "the batch size"
                  Expect.equal (tag span Instrumentation.CommandTag) (box [| incr; get |]) "the distinct names"
                  Expect.stringStarts (string (tag span "db.operation.name")) "BATCH" "a batch"
                  Expect.hasLength (recorder.MeasurementsOf(Instrumentation.DurationMetric, $"{incr},{get}")) 1 "one duration"
              }

          testCaseTask "a call that succeeds first time logs nothing"
          <| fun () ->
              task {
                  let log = new LogRecorder()
                  let client = clientWith (Some log)
                  let name = define client "return redis.call('INCR', KEYS[1])"
                  match! Client.preload client with
                  | Ok _ -> ()
                  | Error e -> failtestf "preload failed: %A" e
                  Expect.contains log.Ids ClientEventIds.Preloaded "the preload is logged per server"
                  let before = log.Entries.Length
                  let key = Server.prefix () + "n"
                  for _ in 1..3 do
                      let! _ = run client name key
                      ()
                  Expect.equal log.Entries.Length before "nothing logged on the hot path"
              }

          testCaseTask "the Auto backend logs its decision and its reason"
          <| fun () ->
              task {
                  let log = new LogRecorder()
                  let options = { ClientOptions.defaults with Backend = Backend.Auto; LoggerFactory = Some(log :> ILoggerFactory) }
                  let client = Client.createWith options (Server.mux ())
                  let name = define client "return 1"
                  let! _ = run client name "k"
                  let decided = log.Entries |> List.filter (fun (id, _, _) -> id = ClientEventIds.BackendDecided)
                  Expect.hasLength decided 1 "one decision"
                  let (_, level, message) = decided.Head
                  Expect.equal level LogLevel.Information "at Information"
                  Expect.stringContains message "Functions" "Redis 7 takes Functions"
              } ]

let private pureTests =
    testList
        "log events"
        [ testCase "a refusal is logged as a warning naming the command and the reason; other errors are not"
          <| fun () ->
              let log = new LogRecorder()
              let clientLog = ClientLog.For(Some(log :> ILoggerFactory))
              clientLog.IfRefused(ExecutionError.Refused("publish", "sha", RefusalReason.Busy, "BUSY Redis is busy"))
              clientLog.IfRefused(ExecutionError.CommandFailed("publish", "sha", "ERR boom"))
              match log.Entries with
              | [ (id, level, message) ] ->
                  Expect.equal id ClientEventIds.CommandRefused "event id"
                  Expect.equal level LogLevel.Warning "level"
                  Expect.stringContains message "publish" "the command"
                  Expect.stringContains message "Busy" "the reason"
              | other -> failtestf "expected one entry, got %A" other

          testCase "a client without a logger factory writes nowhere and does not fail"
          <| fun () ->
              let clientLog = ClientLog.For None
              clientLog.IfRefused(ExecutionError.Refused("x", "sha", RefusalReason.Busy, "BUSY"))
              clientLog.TransactionResent(3, 2) ]

[<Tests>]
let tests = testList "telemetry" [ testSequenced serverTests; pureTests ]
