/// Watch mode on a real redis-server (the run's backend): an edited file's command runs its new body
/// on the next call, a broken edit keeps the previous definitions and is logged, a new file defines a
/// command, a deleted one removes it, and a disposed watch changes nothing. Waits poll with a timeout.
module LuaScripts.Core.Tests.ScriptWatchTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Threading.Tasks
open Expecto
open Microsoft.Extensions.Logging
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// A logger factory that keeps every entry: event id, level, message.
type private LogRecorder() =
    let entries = ConcurrentQueue<int * LogLevel * string>()
    member _.Entries = List.ofSeq entries
    member this.Of(id: int) = this.Entries |> List.filter (fun (i, _, _) -> i = id)
    interface ILoggerFactory with
        member _.CreateLogger(_: string) =
            { new ILogger with
                member _.BeginScope _ = null
                member _.IsEnabled _ = true
                member _.Log(level, eventId, state, error, formatter) = entries.Enqueue(eventId.Id, level, formatter.Invoke(state, error)) }
        member _.AddProvider _ = ()
        member _.Dispose() = ()

let private client (log: LogRecorder) =
    let options =
        { ClientOptions.defaults with
            Backend = Server.backend
            LoggerFactory = Some(log :> ILoggerFactory) }
    Client.createWith options (Server.mux ())

let private tempDir (files: (string * string) list) =
    let dir = Path.Combine(Path.GetTempPath(), $"luascripts-watch-{Guid.NewGuid():N}")
    Directory.CreateDirectory dir |> ignore
    for name, text in files do
        let path = Path.Combine(dir, name)
        Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
        File.WriteAllText(path, text)
    dir

let private write (dir: string) (name: string) (text: string) =
    let path = Path.Combine(dir, name)
    Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
    File.WriteAllText(path, text)

let private timeout = TimeSpan.FromSeconds 15.0

/// Polls a condition until it holds; fails the test with the description after the timeout.
let private until (what: string) (condition: unit -> Task<bool>) =
    task {
        let clock = Stopwatch.StartNew()
        let mutable settled = false
        while not settled do
            let! ok = condition ()
            if ok then settled <- true
            elif clock.Elapsed > timeout then failtestf "timed out after %O waiting for: %s" timeout what
            else do! Task.Delay 25
    }

let private result (client: Client) (name: string) =
    task {
        match! Client.run name [] client with
        | Ok r -> return Some(string r)
        | Error _ -> return None
    }

let private watch (dir: string) (c: Client) =
    match ScriptWatch.watchDirectory (TimeSpan.FromMilliseconds 50.0) ignore dir c with
    | Ok w -> w
    | Error e -> failtestf "watch failed: %A" (e |> List.map ScriptFileError.describe)

[<Tests>]
let tests =
    testSequencedGroup "watch"
    <| testList
        "ScriptWatch (server)"
        [ testTask "an edited file's next call runs the new body, and the reload is logged" {
              let log = new LogRecorder()
              let c = client log
              let dir =
                  tempDir
                      [ "greet-0.lua", "--- @include \"h/word\"\nreturn word('one')"; "h/word.lua", "local function word(w) return w end" ]
              use w = watch dir c
              let! first = result c "greet"
              Expect.equal first (Some "one") "the first body"
              write dir "greet-0.lua" "--- @include \"h/word\"\nreturn word('two')"
              do!
                  until "the new body" (fun () ->
                      task {
                          let! r = result c "greet"
                          return r = Some "two"
                      })
              // An edit of an included file changes the command too.
              write dir "h/word.lua" "local function word(w) return w .. '!' end"
              do!
                  until "the helper's new body" (fun () ->
                      task {
                          let! r = result c "greet"
                          return r = Some "two!"
                      })
              // The new definitions are visible a moment before the reload is logged: wait for the entries too.
              do! until "each reload logged" (fun () -> task { return (log.Of ClientEventIds.CommandsReloaded).Length >= 2 })
              let reloaded = log.Of ClientEventIds.CommandsReloaded
              Expect.isGreaterThanOrEqual reloaded.Length 2 "each reload logged"
              let (_, level, message) = reloaded.Head
              Expect.equal level LogLevel.Information "level"
              Expect.stringContains message "greet" "names the command"
              Expect.stringContains message (Path.GetFullPath dir) "names the directory"
          }

          testTask "a broken edit keeps the previous body working and logs every problem with its file" {
              let log = new LogRecorder()
              let c = client log
              let dir = tempDir [ "count-0.lua", "return 1"; "other-0.lua", "return 'o'" ]
              use w = watch dir c
              write dir "count-0.lua" "--! keys: 3\nreturn 2"
              write dir "other-0.lua" "--- @include \"missing\"\nreturn 'p'"
              do! until "the failure logged" (fun () -> task { return not (log.Of ClientEventIds.CommandsReloadFailed).IsEmpty })
              let! still = result c "count"
              Expect.equal still (Some "1") "the previous body runs"
              let! other = result c "other"
              Expect.equal other (Some "o") "nothing half-applied"
              let (_, level, message) = (log.Of ClientEventIds.CommandsReloadFailed |> List.last)
              Expect.equal level LogLevel.Warning "level"
              Expect.stringContains message "count-0.lua" "names the first file"
              Expect.stringContains message "other-0.lua" "names the second file"
              write dir "count-0.lua" "return 3"
              write dir "other-0.lua" "return 'q'"
              do!
                  until "the fix applied" (fun () ->
                      task {
                          let! r = result c "count"
                          return r = Some "3"
                      })
              let! fixedOther = result c "other"
              Expect.equal fixedOther (Some "q") "both files applied"
          }

          testTask "a new file defines a command and a deleted file removes its command" {
              let log = new LogRecorder()
              let c = client log
              let dir = tempDir [ "a-0.lua", "return 'a'" ]
              use w = watch dir c
              write dir "b-0.lua" "return 'b'"
              do!
                  until "b defined" (fun () ->
                      task {
                          let! r = result c "b"
                          return r = Some "b"
                      })
              File.Delete(Path.Combine(dir, "a-0.lua"))
              do! until "a removed" (fun () -> task { return (Client.tryFind "a" c).IsNone })
              let! b = result c "b"
              Expect.equal b (Some "b") "b stays"
              do!
                  until "the removal logged" (fun () ->
                      task { return log.Of ClientEventIds.CommandsReloaded |> List.exists (fun (_, _, m) -> m.Contains "removed a") })
          }

          testTask "a burst of writes makes one reload" {
              let c = client (new LogRecorder())
              let dir = tempDir [ "burst-0.lua", "return 0" ]
              let reloads = ConcurrentQueue<ReloadOutcome>()
              use w =
                  match ScriptWatch.watchDirectory (TimeSpan.FromMilliseconds 400.0) reloads.Enqueue dir c with
                  | Ok w -> w
                  | Error e -> failtestf "%A" e
              for i in 1..10 do
                  write dir "burst-0.lua" $"return {i}"
              do!
                  until "the last write applied" (fun () ->
                      task {
                          let! r = result c "burst"
                          return r = Some "10"
                      })
              Expect.equal w.Reloads 1 "one reload for the burst"
              match List.ofSeq reloads with
              | [ ReloadOutcome.Reloaded([ "burst" ], []) ] -> ()
              | other -> failtestf "got %A" other
          }

          testTask "a disposed watch changes nothing" {
              let c = client (new LogRecorder())
              let dir = tempDir [ "d-0.lua", "return 'before'" ]
              let w = watch dir c
              w.Dispose()
              // A second watch with a longer debounce proves the events came and settled.
              let other = client (new LogRecorder())
              let witness = ConcurrentQueue<ReloadOutcome>()
              use second =
                  match ScriptWatch.watchDirectory (TimeSpan.FromMilliseconds 300.0) witness.Enqueue dir other with
                  | Ok w -> w
                  | Error e -> failtestf "%A" e
              write dir "d-0.lua" "return 'after'"
              do! until "the witness reloaded" (fun () -> task { return not witness.IsEmpty })
              let! r = result c "d"
              Expect.equal r (Some "before") "the disposed watch did not reload"
              Expect.equal w.Reloads 0 "no reload"
              w.Dispose()
          }

          test "watching a directory that does not define, or does not exist, is refused and defines nothing" {
              let c = client (new LogRecorder())
              let dir = tempDir [ "ok-0.lua", "return 1"; "bad-1.lua", "--! keys: 2\nreturn 1" ]
              match ScriptWatch.watchDirectory ScriptWatch.defaultDebounce ignore dir c with
              | Error [ ScriptFileError.KeyCountConflict("bad-1.lua", 1, 2) ] -> ()
              | other -> failtestf "got %A" other
              Expect.equal (Registry.count c.Registry) 0 "nothing defined"
              match ScriptWatch.watchDirectory ScriptWatch.defaultDebounce ignore (Path.Combine(dir, "nope")) c with
              | Error [ ScriptFileError.Unreadable _ ] -> ()
              | other -> failtestf "got %A" other
              match ScriptWatch.watchDirectory (TimeSpan.FromSeconds -1.0) ignore (tempDir [ "x-0.lua", "return 1" ]) c with
              | Error [ ScriptFileError.Unreadable(_, reason) ] -> Expect.stringContains reason "debounce" "names the debounce"
              | other -> failtestf "got %A" other
              Expect.equal (Registry.count c.Registry) 0 "still nothing defined"
          } ]
