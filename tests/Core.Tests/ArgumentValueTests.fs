/// The one set of .NET values that can be sent as script arguments: every supported type round-trips
/// through the bytes sent, anything else is refused, and flattening keeps order, expands arrays and
/// takes a CancellationToken out.
module LuaScripts.Core.Tests.ArgumentValueTests

open System
open System.Globalization
open System.Text
open System.Threading
open Expecto
open FsCheck
open FsCheck.FSharp
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private forAll gen body = Prop.forAll (Arb.fromGen gen) body

/// The value an argument converts to; fails the test when it is refused.
let private convert (value: obj) : RedisValue =
    match ArgumentValue.tryConvert value with
    | ValueSome v -> v
    | ValueNone -> failtestf "%A (%s) was refused" value (value.GetType().Name)

/// What the server receives: the bytes of the converted value, read back as a fresh value.
let private sent (value: obj) : RedisValue = RedisValue.op_Implicit (bytesOf (convert value))

let private text (value: obj) : string = Encoding.UTF8.GetString(bytesOf (convert value))

/// A value of a supported value type round-trips through the bytes sent, alone and as a Nullable
/// holding it (which arrives boxed as the value itself); a Nullable without a value is Null.
let private roundTrips (read: RedisValue -> 'T) (same: 'T -> 'T -> bool) (value: 'T) : bool =
    let back = read (sent (box value))
    let nullable = Nullable<'T>(value)
    same back value
    && bytesOf (convert (box nullable)) = bytesOf (convert (box value))
    && (convert (box (Nullable<'T>()))).IsNull

let private sameFloat (a: float) (b: float) = a = b || (Double.IsNaN a && Double.IsNaN b)

let private sameSingle (a: float32) (b: float32) = a = b || (Single.IsNaN a && Single.IsNaN b)

let private doubleGen: Gen<float> =
    Gen.oneof
        [ ArbMap.defaults |> ArbMap.generate<float>
          Gen.elements [ 0.0; -0.0; 0.1; 1.5; -2.25; Double.MaxValue; Double.MinValue; Double.Epsilon; nan; infinity; -infinity ] ]

let private singleGen: Gen<float32> =
    Gen.oneof
        [ ArbMap.defaults |> ArbMap.generate<float32>
          Gen.elements [ 0.0f; 0.1f; 1.5f; Single.MaxValue; Single.MinValue; Single.Epsilon; nanf; infinityf; -infinityf ] ]

let private readDouble (v: RedisValue) : float =
    let mutable d = 0.0
    if v.TryParse(&d) then d else failtestf "not a number: %s" (string v)

/// One argument of any supported type, with the text the server receives for it.
let private argumentGen: Gen<obj * byte[]> =
    let inv (x: IFormattable) = x.ToString(null, CultureInfo.InvariantCulture)
    let utf8 (s: string) = Encoding.UTF8.GetBytes s
    Gen.oneof
        [ scriptNameGen |> Gen.map (fun s -> box s, utf8 s)
          scriptNameGen |> Gen.map (fun s -> box (rk s), utf8 s)
          redisValueGen |> Gen.filter (fun v -> not v.IsNull) |> Gen.map (fun v -> box v, bytesOf v)
          Gen.arrayOf (Gen.choose (0, 255) |> Gen.map byte) |> Gen.map (fun b -> box b, b)
          ArbMap.defaults |> ArbMap.generate<bool> |> Gen.map (fun b -> box b, utf8 (if b then "1" else "0"))
          ArbMap.defaults |> ArbMap.generate<int16> |> Gen.map (fun n -> box n, utf8 (inv n))
          ArbMap.defaults |> ArbMap.generate<int> |> Gen.map (fun n -> box n, utf8 (inv n))
          ArbMap.defaults |> ArbMap.generate<int64> |> Gen.map (fun n -> box n, utf8 (inv n))
          ArbMap.defaults |> ArbMap.generate<uint32> |> Gen.map (fun n -> box n, utf8 (inv n))
          ArbMap.defaults |> ArbMap.generate<uint64> |> Gen.map (fun n -> box n, utf8 (inv n))
          Gen.elements [ 2.5; -0.5; 1e10 ] |> Gen.map (fun d -> box d, bytesOf (RedisValue.op_Implicit d))
          Gen.elements [ 2.5f; -0.5f; 1024.0f ] |> Gen.map (fun f -> box f, bytesOf (RedisValue.op_Implicit (float f))) ]

/// One item of a heterogeneous argument list: a value, an array of values, or a CancellationToken;
/// with what it contributes to the flat list.
let private itemGen: Gen<obj * byte[] list> =
    Gen.frequency
        [ 6, argumentGen |> Gen.map (fun (a, b) -> a, [ b ])
          2, Gen.arrayOf argumentGen |> Gen.resize 4 |> Gen.map (fun items -> box (Array.map fst items), [ for _, b in items -> b ])
          1,
          Gen.arrayOf (Gen.choose (-5, 5))
          |> Gen.resize 4
          |> Gen.map (fun ns -> box (Array.map int64 ns), [ for n in ns -> Encoding.UTF8.GetBytes(string n) ])
          1, Gen.constant (box CancellationToken.None, []) ]

let private unsupportedValues: obj list =
    [ box DateTime.UnixEpoch
      box 1.5m
      box 'c'
      box 1uy
      box 1y
      box 1us
      box (Guid.Empty)
      obj ()
      box (TimeSpan.FromSeconds 1.0)
      box [ 1; 2 ] ]

let private supportedTypes: Type list =
    [ typeof<RedisKey>
      typeof<RedisValue>
      typeof<string>
      typeof<byte[]>
      typeof<bool>
      typeof<int16>
      typeof<int>
      typeof<int64>
      typeof<uint32>
      typeof<uint64>
      typeof<float32>
      typeof<float> ]

let private flatten (args: obj[]) =
    match ArgumentValue.tryFlatten args with
    | Ok flat -> flat
    | Error bad -> failtestf "argument %d (%s) was refused" bad.Index bad.Type.Name

[<Tests>]
let tests =
    testList
        "ArgumentValue"
        [ testList
              "every supported type round-trips through the bytes sent"
              [ property "RedisKey: its bytes, exactly (a prefixed key with its prefix)"
                <| fun (bytes: byte[]) (prefix: string) ->
                    let key: RedisKey = RedisKey.op_Implicit bytes
                    let prefixed = key.Prepend(rk (if isNull prefix then "p:" else prefix))
                    let value = convert (box key)
                    (if isNull bytes then value.IsNull else bytesOf value = bytes) && bytesOf (convert (box prefixed)) = keyBytes prefixed
                property "RedisValue: itself"
                <| fun (Values values) -> values |> Array.forall (fun v -> bytesOf (convert (box v)) = bytesOf v)
                property "string: its UTF-8 bytes, and back"
                <| fun (s: string) -> if isNull s then (convert (box s)).IsNull else bytesOf (convert (box s)) = Encoding.UTF8.GetBytes s
                testProperty "string without lone surrogates reads back as itself"
                <| forAll scriptNameGen (fun s -> (string (sent (box s))) = s)
                property "byte[]: the same bytes"
                <| fun (bytes: byte[]) -> if isNull bytes then (convert (box bytes)).IsNull else bytesOf (convert (box bytes)) = bytes
                property "bool: 1 or 0, and back"
                <| fun (b: bool) -> text (box b) = (if b then "1" else "0") && roundTrips (fun v -> RedisValue.op_Explicit v: bool) (=) b
                property "int16" <| fun (n: int16) -> roundTrips (fun v -> int16 (RedisValue.op_Explicit v: int)) (=) n
                property "int" <| fun (n: int) -> roundTrips (fun v -> RedisValue.op_Explicit v: int) (=) n
                property "int64" <| fun (n: int64) -> roundTrips (fun v -> RedisValue.op_Explicit v: int64) (=) n
                property "uint32" <| fun (n: uint32) -> roundTrips (fun v -> RedisValue.op_Explicit v: uint32) (=) n
                property "uint64" <| fun (n: uint64) -> roundTrips (fun v -> RedisValue.op_Explicit v: uint64) (=) n
                testProperty "float (double)" <| forAll doubleGen (roundTrips readDouble sameFloat)
                testProperty "float32: sent as its double, reads back as itself"
                <| forAll singleGen (fun f ->
                    bytesOf (convert (box f)) = bytesOf (RedisValue.op_Implicit (float f))
                    && roundTrips (readDouble >> float32) sameSingle f)
                property "integers are sent as invariant decimal text"
                <| fun (a: int16) (b: int) (c: int64) (d: uint32) (e: uint64) ->
                    let inv (x: IFormattable) = x.ToString(null, CultureInfo.InvariantCulture)
                    text (box a) = inv a && text (box b) = inv b && text (box c) = inv c && text (box d) = inv d && text (box e) = inv e ]

          testCase "the supported types, their nullable forms and nothing else"
          <| fun () ->
              for t in supportedTypes do
                  Expect.isTrue (ArgumentValue.isSupported t) t.Name
                  Expect.equal (ArgumentValue.kindOf t) ArgumentKind.Single t.Name
                  if t.IsValueType then
                      let nullable = typedefof<Nullable<_>>.MakeGenericType t
                      Expect.isTrue (ArgumentValue.isSupported nullable) nullable.Name
              for v in unsupportedValues do
                  Expect.isFalse (ArgumentValue.isSupported (v.GetType())) (v.GetType().Name)
                  Expect.equal (ArgumentValue.tryConvert v) ValueNone (v.GetType().Name)
              for t in [ typeof<obj>; typeof<Nullable<DateTime>>; typeof<int[]>; typeof<CancellationToken>; null ] do
                  Expect.isFalse (ArgumentValue.isSupported t) (string t)
              for name in
                  [ "RedisKey"
                    "RedisValue"
                    "string"
                    "byte[]"
                    "bool"
                    "short"
                    "int"
                    "long"
                    "uint"
                    "ulong"
                    "System.Single"
                    "System.Double"
                    "nullable" ] do
                  Expect.stringContains ArgumentValue.supportedTypes name "the message names every supported type"
                  Expect.stringContains ArgumentValue.supportedArguments name "so does the one for argument lists"
              Expect.stringContains ArgumentValue.supportedArguments "an array of any of them" "argument lists: arrays"
              Expect.stringContains ArgumentValue.supportedArguments "CancellationToken" "argument lists: a token"

          testCase "kindOf: one argument, an expanded array, a token taken out, or refused"
          <| fun () ->
              let cases =
                  [ typeof<RedisKey[]>, ArgumentKind.Expanded
                    typeof<string[]>, ArgumentKind.Expanded
                    typeof<Nullable<int>[]>, ArgumentKind.Expanded
                    typeof<byte[][]>, ArgumentKind.Expanded
                    typeof<byte[]>, ArgumentKind.Single
                    typeof<Nullable<float32>>, ArgumentKind.Single
                    typeof<CancellationToken>, ArgumentKind.Cancellation
                    typeof<int[,]>, ArgumentKind.Unsupported
                    typeof<int[][]>, ArgumentKind.Unsupported
                    typeof<obj[]>, ArgumentKind.Unsupported
                    typeof<obj>, ArgumentKind.Unsupported
                    typeof<DateTime>, ArgumentKind.Unsupported ]
              for t, kind in cases do
                  Expect.equal (ArgumentValue.kindOf t) kind t.Name

          testProperty "tryFlatten keeps order, expands arrays (not byte[]) and takes the token out"
          <| forAll (Gen.listOf itemGen |> Gen.resize 8) (fun items ->
              use source = new CancellationTokenSource()
              let withToken = items @ [ box source.Token, [] ]
              let flat = flatten (withToken |> List.map fst |> Array.ofList)
              (flat.Values |> Array.map bytesOf |> List.ofArray) = List.collect snd withToken && flat.Cancellation = source.Token)

          testProperty "tryFlatten names the first argument it cannot send"
          <| forAll (Gen.zip (Gen.listOf itemGen |> Gen.resize 6) (Gen.elements unsupportedValues)) (fun (items, bad) ->
              for asArray in [ false; true ] do
                  let badArg = if asArray then box [| box 1; bad |] else bad
                  let args = Array.ofList ((items |> List.map fst) @ [ badArg; box "after" ])
                  match ArgumentValue.tryFlatten args with
                  | Error u ->
                      Expect.equal u.Index items.Length "the position of the argument"
                      Expect.equal u.Type (badArg.GetType()) "its type"
                      let message = ArgumentValue.describeUnsupported "cmd" u
                      Expect.stringContains message $"#{items.Length + 1} of type {badArg.GetType().Name}" "named from 1"
                      Expect.stringContains message ArgumentValue.supportedArguments "lists what can be sent"
                  | Ok flat -> failtestf "%A was sent as %A" bad flat.Values)

          testCase "a null converts to Null, which splitting refuses with its position; the last token counts"
          <| fun () ->
              let flat = flatten [| box "k"; null; box (Nullable<int>()); box (Unchecked.defaultof<RedisKey>) |]
              Expect.isTrue (flat.Values |> Array.skip 1 |> Array.forall (fun v -> v.IsNull)) "every null is Null"
              match Args.split (KeyCount.Fixed 1) flat.Values with
              | Error(ArgumentError.NullValue(_, 1)) -> ()
              | other -> failtestf "expected a null value at 1, got %A" other
              Expect.equal (flatten null).Values [||] "no arguments"
              use first = new CancellationTokenSource()
              use last = new CancellationTokenSource()
              let flat = flatten [| box first.Token; box "x"; box last.Token |]
              Expect.equal flat.Cancellation last.Token "the last token counts"
              Expect.equal (flat.Values |> Array.map string) [| "x" |] "tokens are not sent"

          testCase "a typed command takes every supported type and refuses any other when built"
          <| fun () ->
              let client = Unchecked.defaultof<Client>
              Typed.command1<uint32, int64> client "c" Decode.int64 |> ignore
              Typed.command2<Nullable<int16>, float32, int64> client "c" Decode.int64 |> ignore
              Typed.program3<uint64, Nullable<bool>, byte[], int64> client "c" Decode.int64 |> ignore
              let refused =
                  try
                      Typed.command1<DateTime, int64> client "c" Decode.int64 |> ignore
                      failtest "a DateTime argument was accepted"
                  with e ->
                      e
              Expect.stringContains refused.Message "DateTime" "names the type"
              Expect.stringContains refused.Message ArgumentValue.supportedTypes "lists the supported types"
              Expect.isTrue (refused :? ArgumentException) "an ArgumentException" ]
