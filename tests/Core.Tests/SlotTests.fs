/// Hash slots as the Redis Cluster specification defines them: CRC16 (XMODEM) modulo 16384, hash tags.
module LuaScripts.Core.Tests.SlotTests

open System.Text
open Expecto
open FsCheck
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private slotOf (s: string) = Slot.ofKey (rk s)

[<Tests>]
let tests =
    testList
        "Slot"
        [ testCase "CRC16 of the specification's test vector" <| fun () ->
              // The cluster specification: the CRC16 of "123456789" is 0x31C3.
              Expect.equal (Slot.crc16 (System.ReadOnlySpan(Encoding.ASCII.GetBytes "123456789"))) 0x31C3us "0x31C3"

          testCase "known slots" <| fun () ->
              // CLUSTER KEYSLOT on a real server gives these.
              Expect.equal (slotOf "foo") 12182 "foo"
              Expect.equal (slotOf "bar") 5061 "bar"
              Expect.equal (slotOf "") 0 "the empty key"

          testCase "hash tags, as the specification's examples read them" <| fun () ->
              Expect.equal (slotOf "{user1000}.following") (slotOf "{user1000}.followers") "same tag, same slot"
              Expect.equal (slotOf "{user1000}.following") (slotOf "user1000") "the tag is what is hashed"
              Expect.equal (slotOf "foo{}{bar}") (Slot.ofBytes (Encoding.ASCII.GetBytes "foo{}{bar}")) "an empty first tag hashes the whole key"
              Expect.notEqual (slotOf "foo{}{bar}") (slotOf "bar") "…not the second tag"
              Expect.equal (slotOf "foo{{bar}}zap") (slotOf "{bar") "the tag runs to the first '}' after the first '{'"
              Expect.equal (slotOf "foo{bar}{zap}") (slotOf "bar") "only the first tag counts"
              Expect.equal (slotOf "foo{bar") (Slot.ofBytes (Encoding.ASCII.GetBytes "foo{bar")) "no closing brace: the whole key"

          property "keys with the same non-empty hash tag share a slot" <| fun (NonEmptyString tagText) (a: string) (b: string) ->
              let tag = match tagText.Replace("{", "").Replace("}", "") with "" -> "t" | t -> t
              let a = if isNull a then "" else a.Replace("{", "")
              let b = if isNull b then "" else b
              slotOf (a + "{" + tag + "}" + b) = slotOf ("{" + tag + "}")

          property "every slot is in range" <| fun (key: string) ->
              let s = slotOf (if isNull key then "" else key)
              s >= 0 && s < Slot.Count

          testCase "common slot of a call's keys" <| fun () ->
              Expect.equal (Slot.common [||]) (Ok None) "no keys"
              Expect.equal (Slot.common [| rk "{u}a"; rk "{u}b" |]) (Ok(Some(slotOf "u"))) "one tag"
              match Slot.common [| rk "foo"; rk "bar"; rk "{foo}x" |] with
              | Error slots -> Expect.equal slots [ 12182; 5061 ] "the distinct slots, in order"
              | Ok _ -> failtest "foo and bar are in different slots" ]
