/// The interpreter against a real redis-server: EVAL the first time, EVALSHA after, NOSCRIPT healed
/// without running a script twice, rounds as batches, transactions all or nothing, preloading.
/// Also the load state it keeps (pure).
module LuaScripts.Core.Tests.InterpreterTests

open System
open System.Net
open System.Threading.Tasks
open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators
open LuaScripts.TestServers

/// A script whose body is unique to this run, so the server's cache has never seen it.
let private fresh (name: string) (lua: string) (keyCount: KeyCount) = scriptOf name $"-- {Guid.NewGuid():N}\n{lua}" keyCount

let private incr name = fresh name "return redis.call('INCR', KEYS[1])" (KeyCount.Fixed 1)

let private calls command = Wire.Calls(Server.adminServer (), command)

/// EVAL and EVALSHA calls made on the server while `action` ran.
let private counting (action: unit -> Task<'T>) : Task<'T * int64 * int64> =
    task {
        let eval0, sha0 = calls "eval", calls "evalsha"
        let! result = action ()
        return result, calls "eval" - eval0, calls "evalsha" - sha0
    }

/// A context over a connection for the Scripts backend, with no registry of its own.
let private testContext (mux: IConnectionMultiplexer) =
    Context(mux, mux.GetDatabase(), Unchecked.defaultof<RedisKey>, Backend.Scripts, (fun () -> Registry.empty), ClientLog.Silent)

let private raiseFailure = Failures.raiseExecution

let private evaluate (context: Context) (db: IDatabaseAsync) (inv: Invocation) =
    Calls.evaluate context db inv CommandFlags.None raiseFailure

let private asInt (r: RedisResult) = int64 (string r)

let private okInts (replies: Reply[]) =
    replies
    |> Array.map (function
        | Ok r -> string r
        | Error e -> $"error: {ExecutionError.describe e}")
    |> List.ofArray

let private get (key: string) = Server.adminDb().StringGet(rk key) |> string

let private serverTests =
    testList
        "Interpreter (server)"
        [ testTask "evaluate sends EVAL the first time, EVALSHA afterwards" {
              let context = testContext (Server.mux ())
              let db = Server.mux().GetDatabase()
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let! first, eval1, sha1 = counting (fun () -> evaluate context db inv)
              let! second, eval2, sha2 = counting (fun () -> evaluate context db inv)
              Expect.equal (asInt first, asInt second) (1L, 2L) "ran once each"
              Expect.equal (eval1, sha1) (1L, 0L) "first: EVAL"
              Expect.equal (eval2, sha2) (0L, 1L) "second: EVALSHA"
              Expect.isTrue (context.LoadState.IsLoaded(Server.mux().GetEndPoints()[0], inv.Script.Sha1)) "known loaded"
          }

          testTask "evaluate heals NOSCRIPT after SCRIPT FLUSH and runs the script exactly once" {
              let context = testContext (Server.mux ())
              let db = Server.mux().GetDatabase()
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let! _ = evaluate context db inv
              Server.scriptFlush ()
              let! healed, evals, shas = counting (fun () -> evaluate context db inv)
              Expect.equal (asInt healed) 2L "the second run's reply"
              Expect.equal (evals, shas) (1L, 1L) "EVALSHA refused, then one EVAL"
              Expect.equal (get k) "2" "the script ran twice in all, not three times"
              let! _, evals, shas = counting (fun () -> evaluate context db inv)
              Expect.equal (evals, shas) (0L, 1L) "known loaded again: EVALSHA"
          }

          testTask "a script error is raised through onFailure as ScriptFailed naming the script" {
              let context = testContext (Server.mux ())
              let script = fresh "bad script" "return redis.error_reply('ERR custom failure')" (KeyCount.Fixed 0)
              let inv = invocationOf script [||]
              let! outcome =
                  task {
                      try
                          let! r = evaluate context (Server.mux().GetDatabase()) inv
                          return Ok r
                      with ExecutionFailed e ->
                          return Error e
                  }
              match outcome with
              | Error(ExecutionError.CommandFailed(name, sha, message)) ->
                  Expect.equal name "bad script" "name"
                  Expect.equal sha script.Sha1 "sha"
                  Expect.stringContains message "custom failure" "server text"
              | other -> failtestf "expected ScriptFailed, got %A" other
          }

          testTask "a script's own error that mentions NOSCRIPT is not resent" {
              let context = testContext (Server.mux ())
              let db = Server.mux().GetDatabase()
              let k = Server.prefix () + "n"
              let script =
                  fresh
                      "fake noscript"
                      "redis.call('INCR', KEYS[1])\nif ARGV[1] == 'fail' then return redis.error_reply('NOSCRIPT not really') end\nreturn 'ok'"
                      (KeyCount.Fixed 1)
              let! ok = evaluate context db (invocationOf script [| rv k; rv "ok" |]) // EVAL: now known loaded
              Expect.equal (string ok) "ok" "first call"
              let! failed, evals, shas =
                  counting (fun () ->
                      task {
                          try
                              let! _ = evaluate context db (invocationOf script [| rv k; rv "fail" |])
                              return None
                          with ExecutionFailed e ->
                              return Some e
                      })
              match failed with
              | Some(ExecutionError.CommandFailed(_, _, message)) ->
                  Expect.stringStarts message "NOSCRIPT not really" "the script's own error"
              | other -> failtestf "expected the script's error, got %A" other
              Expect.equal (evals, shas) (0L, 1L) "EVALSHA only, no resend"
              Expect.equal (get k) "2" "the script ran once per call"
          }

          testTask "evaluate on another connection's database sends EVALSHA and heals" {
              let context = testContext (Server.mux ())
              use other = Server.connect ()
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let! r, evals, shas = counting (fun () -> evaluate context (other.GetDatabase()) inv)
              Expect.equal (asInt r) 1L "ran once"
              Expect.equal (evals, shas) (1L, 1L) "EVALSHA, NOSCRIPT, EVAL"
          }

          testTask "evaluate on a batch queues the body" {
              let context = testContext (Server.mux ())
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let! r, evals, shas =
                  counting (fun () ->
                      let batch = Server.mux().GetDatabase().CreateBatch()
                      let pending = evaluate context batch inv
                      batch.Execute()
                      pending)
              Expect.equal (asInt r) 1L "ran"
              Expect.equal (evals, shas) (1L, 0L) "EVAL"
          }

          testTask "sendRound (pipeline): the first use of a script carries the body, later uses EVALSHA, replies in order" {
              let context = testContext (Server.mux ())
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let commands = Array.replicate 3 (Step.Call inv)
              let! replies, evals, shas =
                  counting (fun () -> Rounds.send context (Server.mux().GetDatabase()) RoundMode.Pipeline CommandFlags.None commands)
              Expect.equal (okInts replies) [ "1"; "2"; "3" ] "in order"
              Expect.equal (evals, shas) (1L, 2L) "one EVAL, two EVALSHA"
          }

          testTask "sendRound (pipeline): a SCRIPT FLUSH landing inside the batch is healed, each call runs once" {
              use adminMux = Server.connect ()
              let context = testContext adminMux
              let k = Server.prefix () + "n"
              let inv = invocationOf (incr "incr") [| rv k |]
              let commands = [| Step.Call inv; Step.Raw("SCRIPT", [| box "FLUSH" |]); Step.Call inv |]
              let! replies = Rounds.send context (adminMux.GetDatabase()) RoundMode.Pipeline CommandFlags.None commands
              Expect.equal (okInts replies) [ "1"; "OK"; "2" ] "the EVALSHA after the flush was resent with its body"
              Expect.equal (get k) "2" "ran exactly twice"
          }

          testTask "sendRound: server errors are replies, the rest of the round still runs" {
              let context = testContext (Server.mux ())
              let p = Server.prefix ()
              let bad = fresh "thrower" "return redis.error_reply('ERR nope')" (KeyCount.Fixed 0)
              Server.adminDb().StringSet(rk (p + "text"), rv "not a number") |> ignore
              let commands =
                  [| Step.Raw("INCR", [| box (rk (p + "text")) |])
                     Step.Call(invocationOf bad [||])
                     Step.Raw("SET", [| box (rk (p + "after")); box "1" |]) |]
              let! replies = Rounds.send context (Server.mux().GetDatabase()) RoundMode.Pipeline CommandFlags.None commands
              match replies with
              | [| Error(ExecutionError.RawCommandFailed("INCR", _)); Error(ExecutionError.CommandFailed("thrower", _, m)); Ok _ |] ->
                  Expect.stringContains m "nope" "script error text"
              | other -> failtestf "unexpected replies %A" other
              Expect.equal (get (p + "after")) "1" "the last command ran"
          }

          testTask "sendRound (transaction): a command the server refuses to queue discards the whole transaction" {
              let context = testContext (Server.mux ())
              let p = Server.prefix ()
              let setter = fresh "setter" "return redis.call('SET', KEYS[1], 'x')" (KeyCount.Fixed 1)
              let commands =
                  [| Step.Raw("SET", [| box (rk (p + "a")); box "1" |])
                     Step.Raw("SET", [| box (rk (p + "b")) |]) // wrong number of arguments
                     Step.Call(invocationOf setter [| rv (p + "c") |]) |]
              let! (replies: Reply[]) = Rounds.send context (Server.mux().GetDatabase()) RoundMode.Transaction CommandFlags.None commands
              Expect.all replies Result.isError "every command failed"
              match replies[0], replies[2] with
              | Error(ExecutionError.TransactionDiscarded("SET", _)), Error(ExecutionError.TransactionDiscarded("setter", _)) -> ()
              | other -> failtestf "expected TransactionDiscarded for the good commands, got %A" other
              Expect.equal (get (p + "a")) "" "nothing applied"
              Expect.equal (get (p + "c")) "" "nothing applied"
          }

          testTask "run (transaction) refuses a second round with TransactionDiscarded" {
              let context = testContext (Server.mux ())
              let p = Server.prefix ()
              let inv = invocationOf (incr "incr") [| rv (p + "n") |]
              let prog =
                  program {
                      let! a = Program.call inv
                      let! b = Program.call inv
                      return asInt a + asInt b
                  }
              let! result = Rounds.run context (Server.mux().GetDatabase()) RoundMode.Transaction CommandFlags.None prog
              match result with
              | Error [ ExecutionError.TransactionDiscarded("incr", message) ] -> Expect.stringContains message "single round" "why"
              | other -> failtestf "expected the second round refused, got %A" other
              Expect.equal (get (p + "n")) "1" "the first round had run (and only it)"
          }

          testTask "run (pipeline): dependent rounds run in order, one batch each" {
              let context = testContext (Server.mux ())
              let p = Server.prefix ()
              let inv = invocationOf (incr "incr") [| rv (p + "n") |]
              let prog =
                  program {
                      let! a = Program.call inv
                      let! b = Program.call inv
                      and! c = Program.call inv
                      let! d = Program.raw "GET" [ box (rk (p + "n")) ]
                      return [ a; b; c; d ] |> List.map string
                  }
              let! result = Rounds.run context (Server.mux().GetDatabase()) RoundMode.Pipeline CommandFlags.None prog
              Expect.equal result (Ok [ "1"; "2"; "3"; "3" ]) "results"
          }

          testTask "preload loads every script; later calls send EVALSHA" {
              let context = testContext (Server.mux ())
              let k = Server.prefix () + "n"
              let a, b = incr "a", fresh "b" "return 'b'" (KeyCount.Fixed 0)
              let! loaded = Preload.preload context [ a; b ] CommandFlags.None
              Expect.equal loaded (Ok 2) "two loads on one server"
              let endPoint = Server.mux().GetEndPoints()[0]
              Expect.isTrue (context.LoadState.IsLoaded(endPoint, a.Sha1) && context.LoadState.IsLoaded(endPoint, b.Sha1)) "known loaded"
              let exists = Server.adminServer().ScriptExists(a.Sha1Bytes)
              Expect.isTrue exists "the server has it"
              let! r, evals, shas = counting (fun () -> evaluate context (Server.mux().GetDatabase()) (invocationOf a [| rv k |]))
              Expect.equal (asInt r) 1L "ran"
              Expect.equal (evals, shas) (0L, 1L) "EVALSHA straight away"
          }

          testTask "preload reports a script the server refuses, with the server and the script's name" {
              let context = testContext (Server.mux ())
              let good, broken = incr "good", fresh "broken one" "return +" (KeyCount.Fixed 0)
              let! result = Preload.preload context [ good; broken ] CommandFlags.None
              match result with
              | Error error ->
                  Expect.equal error.Loaded 1 "the good one loaded"
                  match error.Failures with
                  | [ failure ] ->
                      Expect.equal
                          (EndPointCollection.ToString failure.EndPoint)
                          (EndPointCollection.ToString(Server.mux().GetEndPoints()[0]))
                          "the server"
                      Expect.stringContains failure.Reason "'broken one'" "names the script"
                      Expect.stringContains
                          (PreloadError.describe error)
                          (EndPointCollection.ToString failure.EndPoint)
                          "message names the server"
                  | other -> failtestf "expected one failure, got %A" other
              | Ok n -> failtestf "expected a failure, got Ok %d" n
          } ]

// The one constructor both StackExchange.Redis versions of the test passes have (3.x marks it obsolete).
#nowarn "44"
let private serverError (message: string) = RedisServerException(message)

let private loadStateTests =
    testList
        "LoadState"
        [ testCase "mark, ask, forget"
          <| fun () ->
              let s = LoadState()
              let a, b = IPEndPoint(IPAddress.Loopback, 1) :> EndPoint, IPEndPoint(IPAddress.Loopback, 2) :> EndPoint
              Expect.isFalse (s.IsLoaded(a, "x")) "unknown server"
              s.MarkLoaded(a, "x")
              s.MarkLoaded(b, "x")
              s.MarkLoaded(a, "y")
              Expect.isTrue (s.IsLoaded(a, "x")) "marked"
              Expect.equal (s.LoadedOn "x" |> List.length) 2 "on both"
              s.Forget(a, "x")
              Expect.isFalse (s.IsLoaded(a, "x")) "forgotten"
              Expect.isTrue (s.IsLoaded(a, "y")) "the other script stays"
              Expect.equal (s.LoadedOn "x") [ b ] "only b"
              s.ForgetServer b
              Expect.isEmpty (s.LoadedOn "x") "b forgotten"
              s.Clear()
              Expect.isFalse (s.IsLoaded(a, "y")) "cleared"

          testCase "the generation moves with every change of what is known, and only then"
          <| fun () ->
              let s = LoadState()
              let a = IPEndPoint(IPAddress.Loopback, 1) :> EndPoint
              let moves (what: string) (change: unit -> unit) =
                  let before = s.Generation
                  change ()
                  Expect.isGreaterThan s.Generation before what
              let stays (what: string) (change: unit -> unit) =
                  let before = s.Generation
                  change ()
                  Expect.equal s.Generation before what
              moves "a script learnt" (fun () -> s.MarkLoaded(a, "x"))
              stays "a script known already" (fun () -> s.MarkLoaded(a, "x"))
              stays "an unknown script forgotten" (fun () -> s.Forget(a, "y"))
              moves "a script forgotten" (fun () -> s.Forget(a, "x"))
              s.MarkLoaded(a, "x")
              moves "a server forgotten" (fun () -> s.ForgetServer a)
              moves "everything forgotten" s.Clear
              stays "null" (fun () -> s.MarkLoaded(null, "x"))

          testCase "a library heal that has finished is never joined, even before its entry is removed"
          <| fun () ->
              let state = FunctionState(Backend.Functions)
              let mutable started = 0
              // Continuations of the first heal run on the thread pool, so its removal comes late.
              let first = TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
              let heal (t: Task) () =
                  started <- started + 1
                  t
              let joined = state.Heal("lib", heal first.Task)
              let running = state.Heal("lib", heal Task.CompletedTask)
              Expect.equal started 1 "a heal in progress is shared"
              Expect.isTrue (obj.ReferenceEquals(joined, running)) "the same heal"
              first.SetResult()
              let next = state.Heal("lib", heal (Task.Delay 10_000))
              Expect.equal started 2 "a finished heal (its load may predate a flush) starts a new one"
              Expect.isFalse next.IsCompleted "the new heal"
              Expect.isTrue (obj.ReferenceEquals(state.Heal("lib", heal Task.CompletedTask), next)) "which later callers share"
              Expect.equal started 2 "shared"

          testCase "a null end point is never loaded and never recorded"
          <| fun () ->
              let s = LoadState()
              s.MarkLoaded(null, "x")
              s.Forget(null, "x")
              s.ForgetServer null
              Expect.isFalse (s.IsLoaded(null, "x")) "null"
              Expect.isEmpty (s.LoadedOn "x") "nothing recorded"

          testCase "isNoScript is true only for the server's own NOSCRIPT reply"
          <| fun () ->
              Expect.isTrue (Replies.isNoScript (serverError "NOSCRIPT No matching script. Please use EVAL.")) "real"
              Expect.isFalse (Replies.isNoScript (serverError "NOSCRIPT not really")) "a script's own"
              Expect.isFalse (Replies.isNoScript (serverError "ERR NOSCRIPT No matching script")) "not at the start"
              Expect.isFalse (Replies.isNoScript (InvalidOperationException "NOSCRIPT No matching script")) "not a server error"

          testCase "a run-time error proves the script cached; a refusal does not"
          <| fun () ->
              Expect.isTrue
                  (Replies.provesLoaded (Replies.classify "ERR user_script:1: Script attempted to access nonexistent global variable 'x'"))
                  "run-time error"
              Expect.isTrue (Replies.provesLoaded (Replies.classify "ERR insufficient balance")) "the script's own error"
              Expect.isFalse
                  (Replies.provesLoaded (Replies.classify "ERR Error compiling script (new function): user_script:1: unexpected symbol"))
                  "compile error"
              Expect.isFalse
                  (Replies.provesLoaded (Replies.classify "NOPERM this user has no permissions to run the 'eval' command"))
                  "ACL refusal"
              Expect.isFalse
                  (Replies.provesLoaded (Replies.classify "OOM command not allowed when used memory > 'maxmemory'."))
                  "out of memory"
              Expect.isTrue
                  (Replies.provesLoaded (Replies.classify "NOSCRIPT No matching script. Please use EVAL."))
                  "EVAL is never missing its script: that is the script's own error"

          testCase "read-only commands are used only when the script is read-only and every server has them"
          <| fun () ->
              Expect.isTrue (Calls.usesReadOnlyCommands true true) "Redis 7+: EVALSHA_RO"
              Expect.isFalse (Calls.usesReadOnlyCommands true false) "older servers: plain EVALSHA"
              Expect.isFalse (Calls.usesReadOnlyCommands false true) "a writing script" ]

[<Tests>]
let tests = testList "Interpreter" [ testSequenced serverTests; loadStateTests ]
