/// Finding a raw command's keys from what the server says (COMMAND INFO), checked against the
/// server's own answer for the same call (COMMAND GETKEYS) on a real redis-server.
module LuaScripts.Core.Tests.CommandKeysTests

open System.Collections.Generic
open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// Calls of commands whose keys sit in every kind of place Redis 7 describes.
let private calls: string list list =
    [ [ "GET"; "k" ]
      [ "SET"; "k"; "v"; "EX"; "10" ]
      [ "MSET"; "a"; "1"; "b"; "2"; "c"; "3" ]
      [ "MGET"; "a"; "b"; "c" ]
      [ "DEL"; "a"; "b" ]
      [ "RENAME"; "a"; "b" ]
      [ "EVAL"; "return 1"; "2"; "k1"; "k2"; "argv1" ]
      [ "EVALSHA"; "0123456789012345678901234567890123456789"; "1"; "k1"; "x" ]
      [ "FCALL"; "f"; "2"; "k1"; "k2"; "x" ]
      [ "ZUNIONSTORE"; "dest"; "2"; "s1"; "s2"; "WEIGHTS"; "1"; "2" ]
      [ "LMPOP"; "2"; "l1"; "l2"; "LEFT" ]
      [ "XREAD"; "COUNT"; "2"; "STREAMS"; "s1"; "s2"; "0"; "0" ]
      [ "GEORADIUS"; "src"; "0"; "0"; "1"; "km"; "STORE"; "dst" ]
      [ "OBJECT"; "ENCODING"; "k" ]
      [ "MEMORY"; "USAGE"; "k" ]
      [ "BITOP"; "AND"; "dest"; "a"; "b" ]
      [ "BLMOVE"; "src"; "dst"; "LEFT"; "RIGHT"; "0" ]
      [ "SINTERCARD"; "2"; "a"; "b"; "LIMIT"; "1" ] ]

/// The server's own answer: the keys of a call.
let private serverKeys (server: IServer) (call: string list) : string list =
    let args = (box "GETKEYS") :: (call |> List.map box) |> List.toArray
    let reply = server.Execute("COMMAND", args :> ICollection<obj>)
    let items: RedisResult[] = RedisResult.op_Explicit reply
    items |> Array.map string |> List.ofArray

let private info (server: IServer) (name: string) : CommandKeys =
    let reply = server.Execute("COMMAND", [| box "INFO"; box name |] :> ICollection<obj>)
    let items: RedisResult[] = RedisResult.op_Explicit reply
    match CommandKeys.parse items[0] with
    | Some i -> i
    | None -> failtestf "the server does not know %s" name

[<Tests>]
let tests =
    testList
        "CommandKeys"
        [ test "the keys found from COMMAND INFO are the keys the server names for the same call" {
              let server = Server.adminServer ()
              for call in calls do
                  let args = call.Tail |> List.toArray
                  match CommandKeys.positions (info server call.Head) args with
                  | KeyPositions.Known positions ->
                      Expect.equal
                          (positions |> Array.map (fun i -> args[i]) |> List.ofArray)
                          (serverKeys server call)
                          (String.concat " " call)
                  | KeyPositions.Unknown -> failtestf "unknown keys for %A" call
          }

          test "a command the server does not know parses as None" {
              let reply = Server.adminServer().Execute("COMMAND", [| box "INFO"; box "NOSUCHCOMMAND" |] :> ICollection<obj>)
              let items: RedisResult[] = RedisResult.op_Explicit reply
              Expect.isNone (CommandKeys.parse items[0]) "nil entry"
          }

          test "keys at key positions become RedisKey, a RedisKey elsewhere a value; nothing changes when all fit" {
              let args: obj[] = [| box "k"; box (rk "v"); box "EX"; box 10 |]
              let routed = CommandKeys.route [| 0 |] args
              Expect.equal (routed[0] :?> RedisKey) (rk "k") "the key"
              Expect.isTrue (routed[1] :? RedisValue) "a value, though given as a key"
              Expect.equal routed[3] (box 10) "others as given"
              let already: obj[] = [| box (rk "k"); box "v" |]
              Expect.isTrue (obj.ReferenceEquals(CommandKeys.route [| 0 |] already, already)) "no copy"
          }

          test "legacy ranges (servers before Redis 7) and unknown movable keys" {
              let legacy =
                  { Name = "mset"
                    KeySpecs = []
                    FirstKey = 1
                    LastKey = -1
                    Step = 2
                    MovableKeys = false
                    Subcommands = Map.empty }
              Expect.equal (CommandKeys.positions legacy [| "a"; "1"; "b"; "2" |]) (KeyPositions.Known [| 0; 2 |]) "every other argument"
              Expect.equal (CommandKeys.positions { legacy with MovableKeys = true } [| "a" |]) KeyPositions.Unknown "movable keys, no spec"
              Expect.equal (CommandKeys.positions { legacy with FirstKey = 0 } [| "x" |]) (KeyPositions.Known [||]) "keyless"
          } ]
