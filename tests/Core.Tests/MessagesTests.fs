/// The sentences of the facade's errors, written once in the core.
module LuaScripts.Core.Tests.MessagesTests

open System
open System.Collections.Generic
open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private failures (n: int) : IReadOnlyList<struct (int * string * string)> =
    [| for i in 0 .. n - 1 -> struct (i * 2, $"cmd{i}", $"ERR {i}") |]

[<Tests>]
let tests =
    testList
        "Messages"
        [ testCase "a pipeline's summary names five failures and counts the rest"
          <| fun () ->
              Expect.equal
                  (Messages.pipelineFailed false (failures 1))
                  "1 position(s) of the pipeline failed: #0 'cmd0': ERR 0"
                  "one failure"
              let many = Messages.pipelineFailed true (failures 7)
              Expect.stringStarts many "7 position(s) of the transaction failed: #0 'cmd0': ERR 0; #2 'cmd1'" "a transaction"
              Expect.stringContains many "#8 'cmd4': ERR 4; and 2 more" "five named, the rest counted"
              Expect.isFalse (many.Contains "cmd5") "the sixth is not named"

          testCase "a reply that does not convert is described, and nil to a value type suggests its nullable form"
          <| fun () ->
              let nil = Messages.Binding.resultNotConverted "r_nil" "I.M" typeof<int64> "long" (RedisResult.Create RedisValue.Null)
              Expect.equal
                  nil
                  "The method I.M returns long, but its script command 'r_nil' returned nil, which does not convert to it. Declare long? to accept nil."
                  "nil to long"
              let table = RedisResult.Create([| RedisResult.Create(rv "a"); RedisResult.Create(rv "b") |])
              let text = Messages.Binding.resultNotConverted "r" "I.M" typeof<int64> "long" table
              Expect.stringContains text (Decode.describe table) "the reply as Decode.describe says it"
              Expect.isFalse (text.Contains "Declare") "no hint when the reply is not nil"
              for t, name in [ typeof<Nullable<int64>>, "long?"; typeof<string>, "string" ] do
                  let text = Messages.Binding.resultNotConverted "r" "I.M" t name (RedisResult.Create RedisValue.Null)
                  Expect.isFalse (text.Contains "Declare") $"no hint for {name}"

          testCase "a reply of the wrong shape and an unsupported target name the member"
          <| fun () ->
              Expect.equal
                  (Messages.Binding.replyNotConverted "poll" "I.M[1].Id" "expected an array, got nil")
                  "The reply of the script command 'poll' does not convert at I.M[1].Id: expected an array, got nil."
                  "shape"
              let text = Messages.Binding.unsupportedTarget "I.M" "Task<Order>" "Order.When" (Messages.Binding.notConvertible "DateTime")
              Expect.stringStarts text "I.M: returns Task<Order>, which a reply cannot convert to: Order.When is DateTime" "target"
              Expect.stringContains (Messages.Binding.ambiguousConstructors "T" 2) "2 public constructors with parameters" "ctors"

          testCase "a refused binding lists every problem, one a line"
          <| fun () ->
              let text = Messages.Binding.failed "IThing" (ResizeArray [ "A.b: one."; "A.c: two." ])
              Expect.equal
                  text
                  ("Cannot bind IThing to script commands (2 problem(s)):"
                   + Environment.NewLine
                   + " - A.b: one."
                   + Environment.NewLine
                   + " - A.c: two.")
                  "the summary then each problem"
              Expect.stringContains
                  (Messages.Binding.unsupportedParameter "A.b" "p" "object")
                  ArgumentValue.supportedArguments
                  "what can be sent"

          testCase "an unknown command has one sentence"
          <| fun () ->
              Expect.equal
                  (RunError.describe (RunError.UnknownCommand "nope"))
                  "No script command named 'nope' is defined on this client."
                  "the facade's UnknownScriptException takes this one" ]
