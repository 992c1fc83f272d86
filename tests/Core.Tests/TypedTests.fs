/// Typed command functions and decoders from F#: a defined command as a function value, used
/// directly and inside the program builder.
module LuaScripts.Core.Tests.TypedTests

open Expecto
open System
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private lua = "redis.call('INCRBY', KEYS[1], ARGV[1])\nreturn {redis.call('GET', KEYS[1]), 'n'}"

let private decodeTests =
    testList
        "Decode (no server)"
        [ testCase "decoders read what they expect and name what they do not"
          <| fun () ->
              let table = RedisResult.Create([| RedisResult.Create(rv "7"); RedisResult.Create(rv "x") |])
              Expect.equal (Decode.run (Decode.tuple2 Decode.int64 Decode.string) table) (Ok(7L, "x")) "a pair"
              match Decode.run (Decode.array Decode.int64) table with
              | Error message -> Expect.stringContains message "[1]" "the failing element is named"
              | Ok v -> failtestf "decoded %A" v
              Expect.equal (Decode.run (Decode.optional Decode.int64) (RedisResult.Create RedisValue.Null)) (Ok None) "nil is None" ]

let private serverTests =
    testList
        "Typed (server)"
        [ testTask "a defined command is a typed function, and a program" {
              let client = Server.client ()
              match Client.define "incr_pair" lua (KeyCount.Fixed 1) ScriptOptions.defaults client with
              | Error e -> failtest (DefinitionError.describe e)
              | Ok _ -> ()
              let key = rk (Server.prefix () + "typed")
              let incr: RedisKey -> int64 -> System.Threading.Tasks.Task<Result<int64 * string, DecodeError>> =
                  Typed.command2 client "incr_pair" (Decode.tuple2 Decode.int64 Decode.string)
              let! first = incr key 5L
              Expect.equal first (Ok(5L, "n")) "called as a function"

              let incrP = Typed.program2 client "incr_pair" (Decode.tuple2 Decode.int64 Decode.string)
              let both =
                  program {
                      let! a = incrP key 1L
                      and! b = incrP key 10L
                      return fst a, fst b
                  }
              Expect.equal (Program.explain both |> List.length) 2 "one round of two commands"
              let! result = Client.execute both client
              Expect.equal result (Ok(6L, 16L)) "inside program { }"

              let wrongType = Typed.command2 client "incr_pair" Decode.int64
              match! wrongType key 1L with
              | Error(DecodeError.Reply(name, _)) -> Expect.equal name "incr_pair" "the command is named"
              | other -> failtestf "expected a decode error, got %A" other
          }

          testTask "every supported argument type reaches the script as ArgumentValue sends it" {
              let client = Server.client ()
              match Client.define "echo_argv" "return ARGV" (KeyCount.Fixed 0) ScriptOptions.defaults client with
              | Error e -> failtest (DefinitionError.describe e)
              | Ok _ -> ()
              let strings = Decode.array Decode.string
              let numbers = Typed.command4 client "echo_argv" strings
              let! sent = numbers UInt64.MaxValue 2.5f (Nullable -7s) UInt32.MaxValue
              Expect.equal sent (Ok [| "18446744073709551615"; "2.5"; "-7"; "4294967295" |]) "uint64, float32, int16?, uint32"
              let others = Typed.command4 client "echo_argv" strings
              let! sent = others (rk "k") (Nullable true) "s"B 1.5
              Expect.equal sent (Ok [| "k"; "1"; "s"; "1.5" |]) "RedisKey, bool?, byte[], float"
              let withNull = Typed.command4 client "echo_argv" strings
              let! refused = withNull (rv "a") (Nullable<int>()) 1 2L
              match refused with
              | Error(DecodeError.Run(RunError.InvalidArguments(_, ArgumentError.NullValue(_, 1)))) -> ()
              | other -> failtestf "a Nullable without a value is a null argument, got %A" other
          } ]

[<Tests>]
let tests = testList "Typed" [ decodeTests; testSequenced serverTests ]
