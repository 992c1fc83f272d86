/// Cluster routing checks (pure): the slot function is a parameter, so the laws hold for any.
module LuaScripts.Core.Tests.RoutingTests

open Expecto
open FsCheck.FSharp
open FsCheck
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

// A stand-in slot function: the key's first character (the runtime passes StackExchange.Redis's HashSlot).
let private slotOf (key: RedisKey) =
    let s = string key
    if s.Length = 0 then 0 else int s[0] % Routing.SlotCount

let private keys (names: string list) = names |> List.map rk |> List.toArray

let private call (names: string list) =
    Step.Call(
        invocationOf
            (scriptOf "c" "return 1" KeyCount.Dynamic)
            (Array.append [| rvInt (int64 names.Length) |] (names |> List.map rv |> List.toArray))
    )

let private raw (args: obj list) = Step.Raw("SET", List.toArray args)

[<Tests>]
let tests =
    testList
        "Routing"
        [ test "no keys, one key and keys of one slot pass; others name every distinct slot in order" {
              Expect.equal (Routing.commonSlot slotOf [||]) (Ok None) "no keys"
              Expect.equal (Routing.commonSlot slotOf (keys [ "ab"; "ac" ])) (Ok(Some(int 'a'))) "one slot"
              Expect.equal
                  (Routing.commonSlot slotOf (keys [ "a"; "b"; "a"; "c"; "b" ]))
                  (Error [ int 'a'; int 'b'; int 'c' ])
                  "distinct, in order"
          }

          testProperty "checkKeys passes exactly when every key has the first key's slot"
          <| fun (names: NonEmptyString list) ->
              let ks = names |> List.map (fun n -> rk n.Get) |> List.toArray
              let same = ks.Length < 2 || ks |> Array.forall (fun k -> slotOf k = slotOf ks[0])
              (Routing.checkKeys slotOf ks = Ok()) = same

          test "a transaction keeps the slot of its first keyed step and refuses another" {
              let steps = [| call [ "a1" ]; raw [ box "PING" ]; raw [ box (rk "a2"); box "v" ]; call [ "b1" ] |]
              match Routing.checkRound slotOf true steps with
              | Error(step, ArgumentError.CrossSlot slots) ->
                  Expect.equal step steps[3] "the first step that does not fit"
                  Expect.equal slots [ int 'a'; int 'b' ] "the transaction's slot, then the step's"
              | other -> failtestf "expected CrossSlot, got %A" other
              Expect.equal (Routing.checkRound slotOf false steps) (Ok()) "a pipeline may span slots"
          }

          test "a raw command's keys are its RedisKey arguments; strings are values" {
              Expect.equal
                  (Routing.checkRound slotOf false [| raw [ box (rk "a"); box (rk "b") ] |] |> Result.isError)
                  true
                  "two keys, two slots"
              Expect.equal (Routing.checkRound slotOf false [| raw [ box "a"; box "b" ] |]) (Ok()) "values are not routed"
          }

          testProperty "checkRound refuses exactly when some step's keys span slots (pipeline)"
          <| fun (groups: NonEmptyString list list) ->
              let steps = groups |> List.map (fun g -> call (g |> List.map (fun n -> n.Get))) |> List.toArray
              let spans = groups |> List.exists (fun g -> g |> List.map (fun n -> slotOf (rk n.Get)) |> List.distinct |> List.length > 1)
              Result.isError (Routing.checkRound slotOf false steps) = spans ]
