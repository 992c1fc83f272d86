/// Program laws, checked with the pure interpreter (Program.explain / Program.simulate): what is
/// sent in which round, what comes back, and how failures travel.
module LuaScripts.Core.Tests.ProgramTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// The shape of a program, as data, so that FsCheck can build, show and shrink it.
type Shape =
    /// One script call; its result is the server's reply as text.
    | Leaf of Invocation
    /// One plain command; its result is the server's reply as text.
    | Plain of name: string * arg: string
    /// No command, a value.
    | Ret of string
    /// map2 (+): both in the same rounds.
    | Both of Shape * Shape
    /// bind: the second after the first's replies, results concatenated.
    | Then of Shape * Shape
    /// sequence, results concatenated.
    | All of Shape list

/// The program a shape describes.
let rec build (shape: Shape) : Program<string> =
    match shape with
    | Leaf inv -> Program.call inv |> Program.map string
    | Plain(name, arg) -> Program.raw name [ box arg ] |> Program.map string
    | Ret s -> Program.ret s
    | Both(a, b) -> Program.map2 (+) (build a) (build b)
    | Then(a, b) -> build a |> Program.bind (fun x -> build b |> Program.map (fun y -> x + y))
    | All shapes -> shapes |> List.map build |> Program.sequence |> Program.map (String.concat "")

/// The stand-in server: a script answers with its name and ARGV count, a plain command with its
/// name and argument.
let answer (command: Step) : Reply =
    match command with
    | Step.Call inv -> Ok(RedisResult.Create(rv $"{inv.Script.Name}/{inv.Argv.Length}"))
    | Step.Raw(name, args) -> Ok(RedisResult.Create(rv $"{name}:{args[0]}"))

let private zipLongest (a: 'a list list) (b: 'a list list) =
    let n = max a.Length b.Length
    List.init n (fun i -> (List.tryItem i a |> Option.defaultValue []) @ (List.tryItem i b |> Option.defaultValue []))

/// What a shape should send, round by round: the model the interpreter is checked against.
let rec modelRounds (shape: Shape) : Step list list =
    match shape with
    | Leaf inv -> [ [ Step.Call inv ] ]
    | Plain(name, arg) -> [ [ Step.Raw(name, [| box arg |]) ] ]
    | Ret _ -> []
    | Both(a, b) -> zipLongest (modelRounds a) (modelRounds b)
    | Then(a, b) -> modelRounds a @ modelRounds b
    | All shapes -> shapes |> List.map modelRounds |> List.fold zipLongest []

/// What a shape should return.
let rec modelResult (shape: Shape) : string =
    let reply c =
        match answer c with
        | Ok r -> string r
        | Error _ -> failwith "model: no errors"
    match shape with
    | Leaf inv -> reply (Step.Call inv)
    | Plain(name, arg) -> reply (Step.Raw(name, [| box arg |]))
    | Ret s -> s
    | Both(a, b)
    | Then(a, b) -> modelResult a + modelResult b
    | All shapes -> shapes |> List.map modelResult |> String.concat ""

let private invocationGen: Gen<Invocation> =
    gen {
        let! name = scriptNameGen
        let! args = valuesGen
        let! keys = Gen.choose (0, args.Length)
        return invocationOf (scriptOf name "return ARGV[1]" (KeyCount.Fixed keys)) args
    }

let rec private shapeGen (size: int) : Gen<Shape> =
    let leaf =
        Gen.frequency
            [ 4, invocationGen |> Gen.map Leaf
              1, Gen.zip (Gen.elements [ "GET"; "INCR"; "SET" ]) scriptNameGen |> Gen.map Plain
              1, scriptNameGen |> Gen.map Ret ]
    if size <= 0 then
        leaf
    else
        let sub = shapeGen (size / 2)
        Gen.frequency
            [ 2, leaf
              2, Gen.zip sub sub |> Gen.map Both
              2, Gen.zip sub sub |> Gen.map Then
              1, Gen.listOf (shapeGen (size / 3)) |> Gen.resize 5 |> Gen.map All ]

let rec private shrinkShape (shape: Shape) : Shape seq =
    seq {
        match shape with
        | Leaf _
        | Plain _ -> yield Ret "r"
        | Ret _ -> ()
        | Both(a, b) ->
            yield a
            yield b
            for a' in shrinkShape a -> Both(a', b)
            for b' in shrinkShape b -> Both(a, b')
        | Then(a, b) ->
            yield a
            yield b
            for a' in shrinkShape a -> Then(a', b)
            for b' in shrinkShape b -> Then(a, b')
        | All shapes ->
            yield! shapes
            for i in 0 .. shapes.Length - 1 -> All(List.removeAt i shapes)
    }

let private shapes = Arb.fromGenShrink (Gen.sized (fun s -> shapeGen (min s 20)), shrinkShape)
let private twoShapes = Arb.zip (shapes, shapes)
let private forShapes body = Prop.forAll shapes body

let private scriptNamed name = scriptOf name "return redis.call('INCR', KEYS[1])" (KeyCount.Fixed 1)
let private call (script: Script) (args: string list) = invocationOf script (args |> List.map rv |> List.toArray)

let private failure name = ExecutionError.CommandFailed(name, Sha1.hex "x", "ERR boom")

[<Tests>]
let tests =
    testList
        "Program"
        [ testProperty "simulate sends the model's rounds and returns the model's result"
          <| forShapes (fun shape ->
              let rounds, result = Program.simulate answer (build shape)
              rounds = modelRounds shape && result = Ok(modelResult shape))

          testProperty "explain is the first round; roundTrips counts the rounds"
          <| forShapes (fun shape ->
              let p = build shape
              let model = modelRounds shape
              Program.explain p = (List.tryHead model |> Option.defaultValue []) && Program.roundTrips answer p = model.Length)

          testProperty "map id sends the same commands and gives the same result"
          <| forShapes (fun shape ->
              let p = build shape
              Program.explain (Program.map id p) = Program.explain p
              && Program.simulate answer (Program.map id p) = Program.simulate answer p)

          testProperty "map f sends the same commands and applies f to the result"
          <| forShapes (fun shape ->
              let f (s: string) = s.Length
              let rounds, result = Program.simulate answer (build shape)
              let mappedRounds, mappedResult = Program.simulate answer (Program.map f (build shape))
              mappedRounds = rounds && mappedResult = Result.map f result)

          testProperty "map2 sends the first's commands then the second's, round by round"
          <| Prop.forAll twoShapes (fun (a, b) ->
              let p = Program.map2 (fun x y -> x, y) (build a) (build b)
              let rounds, result = Program.simulate answer p
              Program.explain p = Program.explain (build a) @ Program.explain (build b)
              && List.length (Program.explain p) = List.length (Program.explain (build a)) + List.length (Program.explain (build b))
              && rounds = zipLongest (modelRounds a) (modelRounds b)
              && rounds.Length = max (modelRounds a).Length (modelRounds b).Length
              && result = Ok(modelResult a, modelResult b))

          testProperty "apply is map2 with application"
          <| Prop.forAll twoShapes (fun (a, b) ->
              let viaApply = Program.apply (build a |> Program.map (fun x y -> x + "|" + y)) (build b)
              let viaMap2 = Program.map2 (fun x y -> x + "|" + y) (build a) (build b)
              Program.simulate answer viaApply = Program.simulate answer viaMap2)

          testProperty "sequence of n programs sends their commands concatenated, round by round"
          <| Prop.forAll (Arb.list shapes) (fun shapeList ->
              let p = Program.sequence (shapeList |> List.map build)
              let rounds, result = Program.simulate answer p
              Program.explain p = (shapeList |> List.collect (build >> Program.explain))
              && rounds = (shapeList |> List.map modelRounds |> List.fold zipLongest [])
              && result = Ok(shapeList |> List.map modelResult))

          testProperty "sequence of single-round programs is one round"
          <| Prop.forAll (Arb.fromGen (Gen.listOf invocationGen)) (fun invs ->
              let p = invs |> List.map Program.call |> Program.sequence
              Program.roundTrips answer p = (if invs.IsEmpty then 0 else 1) && Program.explain p = (invs |> List.map Step.Call))

          testProperty "traverse is sequence of map"
          <| Prop.forAll (Arb.fromGen (Gen.listOf invocationGen)) (fun invs ->
              let viaTraverse = Program.simulate answer (Program.traverse Program.call invs |> Program.map (List.map string))
              let viaSequence =
                  Program.simulate answer (invs |> List.map Program.call |> Program.sequence |> Program.map (List.map string))
              viaTraverse = viaSequence)

          testCase "let! ... and! ... is one round trip"
          <| fun () ->
              let s1, s2 = scriptNamed "first", scriptNamed "second"
              let p =
                  program {
                      let! a = Program.call (call s1 [ "k1" ])
                      and! b = Program.call (call s2 [ "k2" ])
                      return string a + "," + string b
                  }
              Expect.equal (Program.roundTrips answer p) 1 "one round"
              let rounds, result = Program.simulate answer p
              Expect.equal
                  (rounds
                   |> List.map (
                       List.map (function
                           | Step.Call i -> i.Script.Name
                           | _ -> "?")
                   ))
                  [ [ "first"; "second" ] ]
                  "both, in order"
              Expect.equal result (Ok "first/0,second/0") "result"

          testCase "three-way and! is still one round trip"
          <| fun () ->
              let s = scriptNamed "s"
              let p =
                  program {
                      let! a = Program.call (call s [ "a" ])
                      and! b = Program.call (call s [ "b" ])
                      and! c = Program.raw "GET" [ box "c" ]
                      return [ string a; string b; string c ]
                  }
              Expect.equal (Program.roundTrips answer p) 1 "one round"
              Expect.equal (Program.explain p |> List.length) 3 "three commands"

          testCase "let! then let! is two round trips"
          <| fun () ->
              let s1, s2 = scriptNamed "first", scriptNamed "second"
              let p =
                  program {
                      let! a = Program.call (call s1 [ "k1" ])
                      let! b = Program.call (call s2 [ "k2" ])
                      return string a + "," + string b
                  }
              Expect.equal (Program.roundTrips answer p) 2 "two rounds"
              Expect.equal (Program.explain p |> List.length) 1 "the first round has only the first command"
              Expect.equal (Program.simulate answer p |> snd) (Ok "first/0,second/0") "result"

          testCase "bind on an earlier reply starts a new round built from that reply"
          <| fun () ->
              let s = scriptNamed "s"
              let p = Program.call (call s [ "k" ]) |> Program.bind (fun reply -> Program.raw "GET" [ box (string reply) ])
              let rounds, result = Program.simulate answer p
              Expect.equal rounds.Length 2 "two rounds"
              Expect.equal rounds[1] [ Step.Raw("GET", [| box "s/0" |]) ] "the second round used the first reply"
              Expect.equal (result |> Result.map string) (Ok "GET:s/0") "the second reply is the result"

          testCase "return and zero send nothing"
          <| fun () ->
              Expect.equal (Program.simulate answer (Program.ret 5)) ([], Ok 5) "ret"
              Expect.equal (Program.simulate answer (program { return 5 })) ([], Ok 5) "return"
              Expect.equal (Program.simulate answer (program { () })) ([], Ok()) "zero"
              Expect.isEmpty (Program.explain (Program.ret 1)) "explain ret"

          testCase "a failed reply in Program.call yields Error with that ExecutionError"
          <| fun () ->
              let s = scriptNamed "s"
              let e = failure "s"
              let rounds, result = Program.simulate (fun _ -> Error e) (Program.call (call s [ "k" ]))
              Expect.equal rounds.Length 1 "sent once"
              Expect.equal result (Error [ e ]) "that error"

          testCase "a failed reply in Program.raw yields Error with that ExecutionError"
          <| fun () ->
              let e = ExecutionError.RawCommandFailed("INCR", "WRONGTYPE")
              let result = Program.simulate (fun _ -> Error e) (Program.raw "INCR" [ box "k" ]) |> snd
              Expect.equal result (Error [ e ]) "that error"

          testCase "tryScript and tryCommand hand the failure over as a value"
          <| fun () ->
              let s = scriptNamed "s"
              let e = failure "s"
              let p = Program.map2 (fun a b -> a, b) (Program.tryCall (call s [ "k" ])) (Program.tryRaw "GET" [ box "k" ])
              Expect.equal (Program.simulate (fun _ -> Error e) p |> snd) (Ok(Error e, Error e)) "both as values"

          testCase "when both sides of map2 fail, every error of the round is kept, in order"
          <| fun () ->
              let s1, s2 = scriptNamed "one", scriptNamed "two"
              let failByName =
                  function
                  | Step.Call inv -> Error(failure inv.Script.Name)
                  | _ -> Ok(RedisResult.Create(rv "ok"))
              let p = Program.map2 (fun a b -> a, b) (Program.call (call s1 [ "k" ])) (Program.call (call s2 [ "k" ]))
              let rounds, result = Program.simulate failByName p
              Expect.equal (rounds |> List.map List.length) [ 2 ] "both sent in one round"
              Expect.equal result (Error [ failure "one"; failure "two" ]) "both errors"

          testCase "a failure stops the program: later rounds are not sent"
          <| fun () ->
              let s = scriptNamed "s"
              let e = failure "s"
              let p =
                  program {
                      let! _ = Program.call (call s [ "k" ])
                      let! b = Program.raw "GET" [ box "k" ]
                      return b
                  }
              let rounds, result =
                  Program.simulate
                      (function
                      | Step.Call _ -> Error e
                      | c -> answer c)
                      p
              Expect.equal rounds.Length 1 "only the first round"
              Expect.equal result (Error [ e ]) "the error"

          testCase "one failed program in a sequence fails it, after the whole round was sent"
          <| fun () ->
              let good, bad = scriptNamed "good", scriptNamed "bad"
              let p =
                  Program.sequence [ Program.call (call good [ "a" ]); Program.call (call bad [ "b" ]); Program.call (call good [ "c" ]) ]
              let failBad =
                  function
                  | Step.Call inv when inv.Script.Name = "bad" -> Error(failure "bad")
                  | c -> answer c
              let rounds, result = Program.simulate failBad p
              Expect.equal (rounds |> List.map List.length) [ 3 ] "all three sent in one round"
              Expect.equal result (Error [ failure "bad" ]) "the failed one's error"

          testCase "Program.fail sends nothing and fails"
          <| fun () ->
              let e = failure "f"
              Expect.equal (Program.simulate answer (Program.fail [ e ]: Program<int>)) ([], Error [ e ]) "fail"

          testCase "sequence of 10,000 programs is one round of 10,000 commands, without overflowing the stack"
          <| fun () ->
              let s = scriptNamed "many"
              let invs = List.init 10_000 (fun i -> call s [ $"k{i}"; string i ])
              let p = invs |> List.map Program.call |> Program.sequence
              let explained = Program.explain p
              Expect.equal explained.Length 10_000 "10,000 commands explained"
              Expect.isTrue (List.forall2 (fun c inv -> c = Step.Call inv) explained invs) "in list order"
              let rounds, result =
                  Program.simulate
                      (function
                      | Step.Call inv -> Ok(RedisResult.Create(inv.Argv[0]))
                      | c -> answer c)
                      p
              Expect.equal (rounds |> List.map List.length) [ 10_000 ] "one round of 10,000"
              match result with
              | Ok values -> Expect.equal (values |> List.map string) (List.init 10_000 string) "replies in order"
              | Error e -> failtestf "unexpected %A" e
              Expect.equal (Program.roundTrips answer p) 1 "roundTrips"

          testCase "a recursive loop of 200,000 binds over values runs in a small stack (bind's call of its function is a tail call)"
          <| fun () ->
              // The core keeps F#'s tail calls for this: without them each bind of a value stays on the
              // stack, and a thread of 1 MB overflows long before 200,000.
              let rec loop n = if n = 0 then Program.ret "done" else Program.bind (fun (_: int) -> loop (n - 1)) (Program.ret n)
              let mutable outcome = None
              let worker = System.Threading.Thread((fun () -> outcome <- Some(Program.simulate answer (loop 200_000))), 1024 * 1024)
              worker.Start()
              worker.Join()
              Expect.equal outcome (Some([], Ok "done")) "the loop's value, no round trip" ]
