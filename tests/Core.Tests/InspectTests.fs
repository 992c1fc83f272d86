/// Inspecting a deployment: the pure reading of SCRIPT EXISTS and FUNCTION LIST replies and the
/// health verdict, then end to end against a real redis-server (nothing loaded, preloaded, lost).
module LuaScripts.Core.Tests.InspectTests

open System
open System.Net
open Expecto
open StackExchange.Redis
open LuaScripts.Core

let private script name lua =
    match Script.create name lua (KeyCount.Fixed 0) ScriptOptions.defaults with
    | Ok s -> s
    | Error e -> failtestf "define failed: %A" e

let private server connected (missing: string list) failure =
    { EndPoint = DnsEndPoint("redis", 6379)
      IsReplica = false
      IsConnected = connected
      Missing = missing
      Failure = failure }

let private status servers = { Backend = Backend.Scripts; Library = None; Commands = [ "a"; "b" ]; Servers = servers }

let private int (n: int) = RedisResult.Create(RedisValue.op_Implicit n)
let private text (s: string) = RedisResult.Create(RedisValue.op_Implicit s)
let private array (items: RedisResult list) = RedisResult.Create(List.toArray items)

let private pureTests =
    testList
        "Inspect (no server)"
        [ testCase "SCRIPT EXISTS: the scripts answered 0 are missing, in order"
          <| fun () ->
              let scripts = [ script "a" "return 1"; script "b" "return 2"; script "c" "return 3" ]
              let missing = DeploymentStatus.missingScripts scripts (array [ int 1; int 0; int 0 ])
              Expect.equal missing [ "b"; "c" ] "b and c"

          testCase "FUNCTION LIST: the library under its name with its code holds every function"
          <| fun () ->
              let library = FunctionLibrary.generate [ script "a" "return 1"; script "b" "return 2" ]
              let entry code = array [ text "library_name"; text library.Name; text "engine"; text "LUA"; text "library_code"; text code ]
              Expect.equal (DeploymentStatus.missingFunctions library (array [ entry library.Code ])) [] "held"
              Expect.equal (DeploymentStatus.missingFunctions library (array [ entry "other" ])) [ "a"; "b" ] "other code"
              Expect.equal (DeploymentStatus.missingFunctions library (array [])) [ "a"; "b" ] "absent"

          testCase "health: down beats missing, missing beats healthy, no server is unhealthy"
          <| fun () ->
              Expect.equal (DeploymentStatus.health (status [ server true [] None ])) DeploymentHealth.Healthy "all there"
              Expect.equal (DeploymentStatus.health (status [ server true [ "a" ] None ])) DeploymentHealth.Degraded "missing"
              Expect.equal (DeploymentStatus.health (status [ server true [] (Some "NOPERM") ])) DeploymentHealth.Degraded "refused"
              Expect.equal
                  (DeploymentStatus.health (status [ server true [ "a" ] None; server false [] None ]))
                  DeploymentHealth.Unhealthy
                  "down"
              Expect.equal (DeploymentStatus.health (status [])) DeploymentHealth.Unhealthy "no server"

          testCase "describe names the server and the missing commands"
          <| fun () ->
              let sentence = DeploymentStatus.describe (status [ server true [ "a"; "b" ] None ])
              Expect.stringContains sentence "redis:6379 lacks 'a', 'b'" "server and commands" ]

let private serverTests =
    testList
        "Inspect (server)"
        [ testTask "nothing loaded is Degraded naming both commands; preloaded is Healthy; a lost deployment is Degraded again" {
              let client = Server.client ()
              let suffix = Guid.NewGuid().ToString("N")
              for name in [ "inspect_a"; "inspect_b" ] do
                  match Client.define name $"return '{name}' -- {suffix}" (KeyCount.Fixed 0) ScriptOptions.defaults client with
                  | Ok _ -> ()
                  | Error e -> failtestf "define failed: %A" e
              let! before = Inspect.deployment client
              Expect.equal (DeploymentStatus.health before) DeploymentHealth.Degraded "nothing is loaded yet"
              Expect.equal before.Servers.Head.Missing [ "inspect_a"; "inspect_b" ] "both missing"
              match! Client.preload client with
              | Ok _ -> ()
              | Error e -> failtestf "preload failed: %A" e
              let! after = Inspect.deployment client
              Expect.equal (DeploymentStatus.health after) DeploymentHealth.Healthy (DeploymentStatus.describe after)
              Expect.equal after.Backend Server.backend "the backend in use"
              if Server.isFunctions then
                  Server.adminServer().Execute("FUNCTION", "DELETE", after.Library.Value) |> ignore
              else
                  Server.scriptFlush ()
              let! lost = Inspect.deployment client
              Expect.equal (DeploymentStatus.health lost) DeploymentHealth.Degraded "lost"
              Expect.stringContains (DeploymentStatus.describe lost) "lacks 'inspect_a', 'inspect_b'" "names the commands"
          }

          testTask "a client with no command is Healthy while connected" {
              let! status = Inspect.deployment (Server.client ())
              Expect.equal (DeploymentStatus.health status) DeploymentHealth.Healthy (DeploymentStatus.describe status)
          } ]

[<Tests>]
let tests = testList "Inspect" [ pureTests; testSequenced serverTests ]
