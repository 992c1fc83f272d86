/// Splitting flat arguments into KEYS and ARGV: round trips with join, and one ArgumentError case
/// per kind of invalid input.
module LuaScripts.Core.Tests.ArgsTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// A first argument that is not a whole number of keys.
let private notIntegerGen: Gen<RedisValue> =
    Gen.oneof
        [ Gen.elements
              [ RedisValue.Null
                RedisValue.EmptyString
                rv ""
                rvBytes [||]
                rv "abc"
                rv "1.5"
                rv "x1"
                rv "1x"
                rv "日本"
                rv "99999999999999999999"
                rv "--1"
                rvBytes [| 0xFFuy; 0x00uy |]
                RedisValue.op_Implicit 1.5 ]
          scriptNameGen |> Gen.filter (fun s -> not (s |> Seq.exists Char.IsDigit)) |> Gen.map rv ]

/// A negative count, as an integer or as text.
let private negativeGen: Gen<int64 * RedisValue> =
    Gen.oneof
        [ Gen.choose (1, Int32.MaxValue) |> Gen.map (fun n -> -(int64 n))
          Gen.elements [ Int64.MinValue; -1L; -(int64 Int32.MaxValue) - 10L ] ]
    |> Gen.bind (fun n -> Gen.elements [ n, rvInt n; n, rv (string n) ])

let private forAll gen body = Prop.forAll (Arb.fromGen gen) body

let private splitOk keyCount args =
    match Args.split keyCount args with
    | Ok(struct (keys, argv)) -> keys, argv
    | Error e -> failtestf "expected a split of %A, got %A" (Array.map show args) e

[<Tests>]
let tests =
    testList
        "Args"
        [ property "Fixed n: split takes the first n as KEYS and join gives the input back"
          <| fun (Values keys) (Values argv) ->
              let input = Array.append keys argv
              let n = keys.Length
              let k, a = splitOk (KeyCount.Fixed n) input
              k.Length = n
              && a.Length = argv.Length
              && wireKeys k = wire keys
              && wire a = wire argv
              && wire (Args.join (KeyCount.Fixed n) k a) = wire input

          property "Dynamic: the count is taken off, then KEYS, then ARGV; join gives the input back"
          <| fun (Values keys) (Values argv) (asText: bool) ->
              let count = if asText then rv (string keys.Length) else rvInt (int64 keys.Length)
              let input = Array.concat [ [| count |]; keys; argv ]
              let k, a = splitOk KeyCount.Dynamic input
              k.Length = keys.Length
              && a.Length = argv.Length
              && wireKeys k = wire keys
              && wire a = wire argv
              && wire (Args.join KeyCount.Dynamic k a) = wire input

          property "any valid key count: join then split gives KEYS and ARGV back"
          <| fun (keyCount: KeyCount) (Values keys) (Values argv) ->
              let keys =
                  match keyCount with
                  | KeyCount.Fixed n -> Array.truncate n keys
                  | KeyCount.Dynamic -> keys
              let keyCount =
                  match keyCount with
                  | KeyCount.Fixed _ -> KeyCount.Fixed keys.Length
                  | d -> d
              let asKeys = keys |> Array.map (fun v -> RedisKey.op_Implicit (bytesOf v: byte[]))
              let k, a = splitOk keyCount (Args.join keyCount asKeys argv)
              wireKeys k = wireKeys asKeys && wire a = wire argv

          property "invoke keeps the split in the invocation"
          <| fun (ScriptName name) (Values args) ->
              let script = scriptOf name "return 1" (KeyCount.Fixed(min 2 args.Length))
              match Args.invoke script args with
              | Ok inv ->
                  obj.ReferenceEquals(inv.Script, script)
                  && inv.Keys.Length = min 2 args.Length
                  && wire (Array.append (inv.Keys |> Array.map Args.keyToValue) inv.Argv) = wire args
              | Error _ -> false

          testProperty "TooFewArguments: fewer flat arguments than fixed keys"
          <| forAll (Gen.zip (Gen.choose (1, 8)) valuesGen) (fun (n, values) ->
              let given = Array.truncate (n - 1) values
              Args.split (KeyCount.Fixed n) given = Error(ArgumentError.TooFewArguments(n, given.Length)))

          testProperty "KeyArrayLengthMismatch: an explicit KEYS array of the wrong length"
          <| forAll (Gen.zip3 (Gen.choose (0, 6)) valuesGen valuesGen) (fun (n, keyValues, argv) ->
              let keys = keyValues |> Array.map (fun v -> RedisKey.op_Implicit (bytesOf v: byte[]))
              let result = Args.checkExplicit (KeyCount.Fixed n) keys argv
              if keys.Length = n then
                  match result with
                  | Ok(struct (k, a)) -> obj.ReferenceEquals(k, keys) && obj.ReferenceEquals(a, argv)
                  | Error _ -> false
              else
                  result = Error(ArgumentError.KeyArrayLengthMismatch(n, keys.Length)))

          property "checkExplicit: a dynamic count takes any KEYS length"
          <| fun (Values keys) (Values argv) ->
              let keys = keys |> Array.map (fun v -> RedisKey.op_Implicit (bytesOf v: byte[]))
              Args.checkExplicit KeyCount.Dynamic keys argv |> Result.isOk

          testCase "MissingKeyCount: a dynamic command with no arguments"
          <| fun () -> Expect.equal (Args.split KeyCount.Dynamic [||]) (Error ArgumentError.MissingKeyCount) "no count"

          testProperty "KeyCountNotInteger: a first argument that is not a whole number"
          <| forAll (Gen.zip notIntegerGen valuesGen) (fun (count, rest) ->
              let expected =
                  if count.IsNull then
                      ArgumentError.NullValue("argument", 0) // a null is refused as such first
                  else
                      ArgumentError.KeyCountNotInteger(string count)
              Args.split KeyCount.Dynamic (Array.append [| count |] rest) = Error expected)

          testProperty "NullValue: a null anywhere in the arguments is refused with its position"
          <| forAll (Gen.zip3 keyCountGen valuesGen (Gen.choose (0, 100))) (fun (keyCount, values, at) ->
              let i = if values.Length = 0 then 0 else at % (values.Length + 1)
              let args = Array.concat [ values[.. i - 1]; [| RedisValue.Null |]; values[i..] ]
              Args.split keyCount args = Error(ArgumentError.NullValue("argument", i)))

          testCase "NullValue: a null key or ARGV value of an explicit call"
          <| fun () ->
              Expect.equal
                  (Args.checkExplicit (KeyCount.Fixed 2) [| rk "a"; Unchecked.defaultof<RedisKey> |] [||])
                  (Error(ArgumentError.NullValue("key", 1)))
                  "null key"
              Expect.equal
                  (Args.checkExplicit KeyCount.Dynamic [| rk "" |] [| rv "x"; RedisValue.Null |])
                  (Error(ArgumentError.NullValue("ARGV value", 1)))
                  "null value"
              Expect.isOk (Args.checkExplicit (KeyCount.Fixed 1) [| rk "" |] [| RedisValue.EmptyString |]) "empty is not null"

          testProperty "NegativeKeyCount: a count below zero"
          <| forAll (Gen.zip negativeGen valuesGen) (fun ((n, count), rest) ->
              Args.split KeyCount.Dynamic (Array.append [| count |] rest) = Error(ArgumentError.NegativeKeyCount n))

          testProperty "KeyCountExceedsArguments: a count larger than what follows"
          <| forAll (Gen.zip3 valuesGen (Gen.choose (1, 1000)) (Gen.elements [ false; true ])) (fun (rest, extra, huge) ->
              let n = if huge then Int64.MaxValue - int64 extra else int64 (rest.Length + extra)
              let result = Args.split KeyCount.Dynamic (Array.append [| rvInt n |] rest)
              result = Error(ArgumentError.KeyCountExceedsArguments(n, rest.Length)))

          testCase "null arrays are NullArgument, never an exception"
          <| fun () ->
              Expect.equal (Args.split (KeyCount.Fixed 0) null) (Error(ArgumentError.NullArgument "arguments")) "split"
              Expect.equal (Args.split KeyCount.Dynamic null) (Error(ArgumentError.NullArgument "arguments")) "split dynamic"
              Expect.equal (Args.checkExplicit KeyCount.Dynamic null [||]) (Error(ArgumentError.NullArgument "keys")) "keys"
              Expect.equal (Args.checkExplicit KeyCount.Dynamic [||] null) (Error(ArgumentError.NullArgument "args")) "args"

          testCase "zero keys: everything is ARGV, empty arrays are fine"
          <| fun () ->
              let k, a = splitOk (KeyCount.Fixed 0) [||]
              Expect.isEmpty k "no keys"
              Expect.isEmpty a "no argv"
              let k, a = splitOk KeyCount.Dynamic [| rv "0" |]
              Expect.isEmpty k "no keys"
              Expect.isEmpty a "no argv"

          testCase "binary and empty values survive a split unchanged"
          <| fun () ->
              let input = [| rvBytes [| 0uy; 0xFFuy |]; RedisValue.EmptyString; rvBytes [||]; rv "é" |]
              let k, a = splitOk (KeyCount.Fixed 2) input
              Expect.equal (wireKeys k) [ [| 0uy; 0xFFuy |]; [||] ] "keys as bytes"
              Expect.equal (wire a) [ [||]; Text.Encoding.UTF8.GetBytes "é" ] "argv as bytes"

          testProperty "splitFew of up to three arguments given one by one splits (or fails) exactly as split of their array"
          <| forAll
              (Gen.zip3
                  (Gen.oneof [ Gen.choose (0, 4) |> Gen.map KeyCount.Fixed; Gen.constant KeyCount.Dynamic ])
                  (Gen.oneof
                      [ Gen.choose (-1, 4) |> Gen.map (fun n -> rvInt (int64 n))
                        notIntegerGen
                        negativeGen |> Gen.map snd
                        valuesGen |> Gen.map (fun v -> if v.Length = 0 then RedisValue.Null else v[0]) ])
                  (Gen.zip valuesGen (Gen.choose (0, 3))))
              (fun (keyCount, first, (values, count)) ->
                  let args = Array.append [| first |] values |> Array.truncate count
                  let at i = if i < args.Length then args[i] else RedisValue.Null
                  let expected = Args.split keyCount args
                  match Args.splitFew keyCount args.Length (at 0) (at 1) (at 2), expected with
                  | Ok(struct (k, a)), Ok(struct (k', a')) -> wireKeys k = wireKeys k' && wire a = wire a'
                  | Error e, Error e' -> e = e'
                  | _ -> false)

          testCase "splitFew ignores the arguments past its count"
          <| fun () ->
              match Args.splitFew (KeyCount.Fixed 1) 1 (rv "k") RedisValue.Null (rv "ignored") with
              | Ok(struct (k, a)) ->
                  Expect.equal (wireKeys k) [ "k"B ] "one key"
                  Expect.isEmpty a "no argv"
              | Error e -> failtestf "expected a split, got %A" e

          property "every error message names the command"
          <| fun (ScriptName name) ->
              [ ArgumentError.TooFewArguments(2, 1)
                ArgumentError.KeyArrayLengthMismatch(2, 3)
                ArgumentError.MissingKeyCount
                ArgumentError.KeyCountNotInteger "x"
                ArgumentError.NegativeKeyCount -1L
                ArgumentError.KeyCountExceedsArguments(5L, 1)
                ArgumentError.NullArgument "keys" ]
              |> List.forall (fun e -> (ArgumentError.describe name e).Contains $"'{name}'") ]
