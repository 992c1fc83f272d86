/// The F# Client API end to end against a real redis-server: define, run, errors that send nothing,
/// programs in one or two round trips, healing after SCRIPT FLUSH, transactions, preloading and
/// load state.
module LuaScripts.Core.Tests.ClientTests

open System
open System.Threading.Tasks
open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators
open LuaScripts.TestServers

let private incrLua = "return redis.call('INCR', KEYS[1])"
let private setLua = "redis.call('SET', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])"

/// A client of its own (its own registry and load state) on the shared connection, with the run's backend.
let private newClient () = Server.client ()

let private defined (client: Client) name lua keyCount =
    match Client.define name lua keyCount ScriptOptions.defaults client with
    | Ok s -> s
    | Error e -> failtestf "define failed: %s" (DefinitionError.describe e)

let private scriptProgram (client: Client) name (args: string list) =
    match Client.call name (args |> List.map rv) client with
    | Ok p -> p
    | Error e -> failtestf "script failed: %s" (RunError.describe e)

let private get (key: string) = Server.adminDb().StringGet(rk key) |> string

/// With the Functions backend: deploys the client's library first (the first use of a registry
/// version costs one FUNCTION LOAD round of its own), so that a profile shows the program's rounds only.
let private deployFirst (client: Client) =
    task {
        if Server.isFunctions then
            match! Client.preload client with
            | Ok _ -> ()
            | Error e -> failtestf "preload failed: %A" e
    }

/// The commands a program sent: its script calls only. With Functions they are FCALL, with no library
/// guard: the preload's reply proved the library loaded, and a round of FCALLs alone relies on the
/// "Function not found" backstop instead.
let private expectCommands (sent: StackExchange.Redis.Profiling.IProfiledCommand list) (calls: int) =
    Expect.equal sent.Length calls "one command per script call, nothing else"
    if Server.isFunctions then Expect.all sent (fun c -> c.Command = "FCALL") "FCALL only"

let private okString (result: Result<RedisResult, RunError>) =
    match result with
    | Ok r -> string r
    | Error e -> failtestf "expected Ok, got %s" (RunError.describe e)

let private serverTests =
    testList
        "Client (server)"
        [ testTask "define then run returns Ok with the script's reply" {
              let client = newClient ()
              let p = Server.prefix ()
              let script = defined client "set-get" setLua (KeyCount.Fixed 1)
              Expect.equal (Client.tryFind "set-get" client |> Option.map Script.sha1) (Some script.Sha1) "defined"
              let! result = Client.run "set-get" [ rv (p + "k"); rv "héllo 🚀" ] client
              Expect.equal (okString result) "héllo 🚀" "the reply"
              Expect.equal (get (p + "k")) "héllo 🚀" "written"
          }

          testTask "binary and empty arguments reach the script unchanged" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "echo-len" "return {string.len(ARGV[1]), string.len(ARGV[2]), ARGV[1]}" KeyCount.Dynamic |> ignore
              let binary = [| 0uy; 0xFFuy; 0x80uy; 10uy |]
              let! result = Client.run "echo-len" [ rvInt 1L; rv (p + "k"); rvBytes binary; RedisValue.EmptyString ] client
              match result with
              | Ok r ->
                  let parts: RedisResult[] = RedisResult.op_Explicit r
                  Expect.equal (string parts[0], string parts[1]) ("4", "0") "lengths"
                  Expect.equal (RedisResult.op_Explicit parts[2]: byte[]) binary "bytes back"
              | Error e -> failtestf "%s" (RunError.describe e)
          }

          testTask "runExplicit takes KEYS and ARGV apart" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "set-get" setLua (KeyCount.Fixed 1) |> ignore
              let! result = Client.runExplicit "set-get" [ rk (p + "k") ] [ rv "v" ] client
              Expect.equal (okString result) "v" "reply"
              let! wrong = Client.runExplicit "set-get" [] [ rv "v" ] client
              Expect.equal wrong (Error(RunError.InvalidArguments("set-get", ArgumentError.KeyArrayLengthMismatch(1, 0)))) "checked"
          }

          testTask "an unknown name is UnknownScript and nothing is sent" {
              let client = newClient ()
              let result = ref (Ok(RedisResult.Create(rv "unset")))
              let! (sent: StackExchange.Redis.Profiling.IProfiledCommand list) =
                  Server.profile client.Multiplexer (fun () ->
                      task {
                          let! r = Client.run "nope" [ rv "x" ] client
                          result.Value <- r
                      }
                      :> Task)
              Expect.equal result.Value (Error(RunError.UnknownCommand "nope")) "UnknownScript"
              Expect.isEmpty sent "no command"
              Expect.stringContains (RunError.describe (RunError.UnknownCommand "nope")) "'nope'" "message names it"
          }

          testTask "invalid arguments are InvalidArguments and nothing is sent" {
              let client = newClient ()
              defined client "two-keys" incrLua (KeyCount.Fixed 2) |> ignore
              defined client "dyn" incrLua KeyCount.Dynamic |> ignore
              let results = ResizeArray()
              let! sent =
                  Server.profile client.Multiplexer (fun () ->
                      task {
                          let! a = Client.run "two-keys" [ rv "only one" ] client
                          let! b = Client.run "dyn" [ rv "x"; rv "k" ] client
                          let! c = Client.run "dyn" [] client
                          let! d = Client.run "dyn" [ rvInt 3L; rv "k" ] client
                          results.AddRange [ a; b; c; d ]
                      }
                      :> Task)
              Expect.isEmpty sent "no command"
              Expect.equal
                  (List.ofSeq results)
                  [ Error(RunError.InvalidArguments("two-keys", ArgumentError.TooFewArguments(2, 1)))
                    Error(RunError.InvalidArguments("dyn", ArgumentError.KeyCountNotInteger "x"))
                    Error(RunError.InvalidArguments("dyn", ArgumentError.MissingKeyCount))
                    Error(RunError.InvalidArguments("dyn", ArgumentError.KeyCountExceedsArguments(3L, 1))) ]
                  "one error each"
              match Client.call "two-keys" [] client with
              | Error(RunError.InvalidArguments("two-keys", ArgumentError.TooFewArguments(2, 0))) -> ()
              | other -> failtestf "Client.call checks now: %A" (other |> Result.map ignore)
          }

          testTask "a script the server fails is RunError.Execution naming it" {
              let client = newClient ()
              let script = defined client "boom" "return redis.error_reply('ERR kaboom')" (KeyCount.Fixed 0)
              let! result = Client.run "boom" [] client
              match result with
              | Error(RunError.Execution(ExecutionError.CommandFailed("boom", sha, message)) as e) ->
                  Expect.equal sha script.Sha1 "sha"
                  Expect.stringContains message "kaboom" "server text"
                  Expect.stringContains (RunError.describe e) "'boom'" "message names it"
              | other -> failtestf "expected Execution, got %A" other
          }

          testTask "let! ... and! over two scripts is ONE round trip on the wire" {
              if not Wire.ProfilesBatches then skiptest Wire.NoBatchProfiling
              let client = newClient ()
              let p = Server.prefix ()
              defined client "incr" incrLua (KeyCount.Fixed 1) |> ignore
              defined client "set-get" setLua (KeyCount.Fixed 1) |> ignore
              let prog =
                  program {
                      let! a = scriptProgram client "incr" [ p + "n" ]
                      and! b = scriptProgram client "set-get" [ p + "s"; "v" ]
                      return string a, string b
                  }
              let result = ref (Error [])
              do! deployFirst client
              let! (sent: StackExchange.Redis.Profiling.IProfiledCommand list) =
                  Server.profile client.Multiplexer (fun () ->
                      task {
                          let! r = Client.execute prog client
                          result.Value <- r
                      }
                      :> Task)
              Expect.equal result.Value (Ok("1", "v")) "both results"
              expectCommands sent 2
              Expect.equal (Wire.RoundTrips sent) 1 "one round trip"
          }

          testTask "a dependent let! is TWO round trips on the wire" {
              if not Wire.ProfilesBatches then skiptest Wire.NoBatchProfiling
              let client = newClient ()
              let p = Server.prefix ()
              defined client "incr" incrLua (KeyCount.Fixed 1) |> ignore
              defined client "set-get" setLua (KeyCount.Fixed 1) |> ignore
              let prog =
                  program {
                      let! a = scriptProgram client "incr" [ p + "n" ]
                      let! b = scriptProgram client "set-get" [ p + "s"; string a ]
                      return string b
                  }
              let result = ref (Error [])
              do! deployFirst client
              let! (sent: StackExchange.Redis.Profiling.IProfiledCommand list) =
                  Server.profile client.Multiplexer (fun () ->
                      task {
                          let! r = Client.execute prog client
                          result.Value <- r
                      }
                      :> Task)
              Expect.equal result.Value (Ok "1") "the second used the first's reply"
              expectCommands sent 2
              Expect.equal (Wire.RoundTrips sent) 2 "two round trips"
          }

          testTask "after SCRIPT FLUSH, a program using the same script 10 times returns 1..10" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "incr" incrLua (KeyCount.Fixed 1) |> ignore
              let! warm = Client.run "incr" [ rv (p + "warm") ] client // now known loaded
              Expect.isOk warm "warm-up"
              Server.scriptFlush ()
              let prog = List.init 10 (fun _ -> scriptProgram client "incr" [ p + "n" ]) |> Program.sequence
              let! result = Client.execute prog client
              Expect.equal (result |> Result.map (List.map string)) (Ok [ for i in 1..10 -> string i ]) "1..10, no error"
              Expect.equal (get (p + "n")) "10" "ran exactly 10 times"
          }

          testTask "after SCRIPT FLUSH, 10 dependent rounds of the same script return 1..10" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "incr" incrLua (KeyCount.Fixed 1) |> ignore
              let! _ = Client.run "incr" [ rv (p + "warm") ] client
              Server.scriptFlush ()
              let step = scriptProgram client "incr" [ p + "n" ]
              let prog =
                  List.init 10 id
                  |> List.fold
                      (fun acc _ -> acc |> Program.bind (fun xs -> step |> Program.map (fun x -> xs @ [ string x ])))
                      (Program.ret [])
              let! result = Client.execute prog client
              Expect.equal result (Ok [ for i in 1..10 -> string i ]) "1..10, no error"
              Expect.equal (get (p + "n")) "10" "ran exactly 10 times"
          }

          testTask "after SCRIPT FLUSH, run heals and runs the script once" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "incr" incrLua (KeyCount.Fixed 1) |> ignore
              let! first = Client.run "incr" [ rv (p + "n") ] client
              Server.scriptFlush ()
              let! second = Client.run "incr" [ rv (p + "n") ] client
              Expect.equal (okString first, okString second) ("1", "2") "no error, no double run"
          }

          testTask "transact after SCRIPT FLUSH applies SET a, a script and SET b" {
              let client = newClient ()
              let p = Server.prefix ()
              defined client "set-get" setLua (KeyCount.Fixed 1) |> ignore
              let! _ = Client.run "set-get" [ rv (p + "warm"); rv "w" ] client
              Server.scriptFlush ()
              let prog =
                  program {
                      let! a = Program.raw "SET" [ box (rk (p + "a")); box "1" ]
                      and! s = scriptProgram client "set-get" [ p + "s"; "2" ]
                      and! b = Program.raw "SET" [ box (rk (p + "b")); box "3" ]
                      return [ string a; string s; string b ]
                  }
              let! result = Client.transact prog client
              Expect.equal result (Ok [ "OK"; "2"; "OK" ]) "all three replied"
              Expect.equal [ get (p + "a"); get (p + "s"); get (p + "b") ] [ "1"; "2"; "3" ] "all three applied"
          }

          testTask "preload returns Ok with the number of scripts loaded" {
              let client = newClient ()
              defined client "one" $"return 1 -- {Guid.NewGuid()}" (KeyCount.Fixed 0) |> ignore
              defined client "two" $"return 2 -- {Guid.NewGuid()}" (KeyCount.Fixed 0) |> ignore
              defined client "three" $"return 3 -- {Guid.NewGuid()}" (KeyCount.Fixed 0) |> ignore
              let! result = Client.preload client
              Expect.equal result (Ok 3) "three scripts on one server"
              let endPoint = EndPointCollection.ToString(Server.mux().GetEndPoints()[0])
              for name in [ "one"; "two"; "three" ] do
                  let script = (Client.tryFind name client).Value
                  Expect.equal (Client.loadedOn script client |> List.map EndPointCollection.ToString) [ endPoint ] $"{name} loaded"
          }

          testTask "loadedOn lists the server's end point after a call, and nothing before" {
              let client = newClient ()
              let p = Server.prefix ()
              let script = defined client "incr" incrLua (KeyCount.Fixed 1)
              Expect.isEmpty (Client.loadedOn script client) "nothing known yet"
              let! _ = Client.run "incr" [ rv (p + "n") ] client
              let expected = EndPointCollection.ToString(Server.mux().GetEndPoints()[0])
              Expect.equal (Client.loadedOn script client |> List.map EndPointCollection.ToString) [ expected ] "the server"
          }

          testTask "remove forgets a command; redefinition replaces it" {
              let client = newClient ()
              defined client "x" "return 1" (KeyCount.Fixed 0) |> ignore
              defined client "x" "return 2" (KeyCount.Fixed 0) |> ignore
              let! two = Client.run "x" [] client
              Expect.equal (okString two) "2" "the last definition"
              Expect.isTrue (Client.remove "x" client) "was defined"
              Expect.isFalse (Client.remove "x" client) "no longer"
              let! gone = Client.run "x" [] client
              Expect.equal gone (Error(RunError.UnknownCommand "x")) "unknown now"
          }

          testCase "define refuses invalid definitions and leaves the registry alone"
          <| fun () ->
              let client = newClient ()
              Expect.equal
                  (Client.define "" "return 1" KeyCount.Dynamic ScriptOptions.defaults client |> Result.map ignore)
                  (Error DefinitionError.EmptyName)
                  "empty name"
              Expect.equal
                  (Client.define "n" " " KeyCount.Dynamic ScriptOptions.defaults client |> Result.map ignore)
                  (Error(DefinitionError.EmptyLua "n"))
                  "empty lua"
              Expect.equal client.Registry.Count 0 "nothing defined" ]

[<Tests>]
let tests = testSequenced serverTests
