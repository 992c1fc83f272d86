/// SHA1 of script bodies: known vectors, UTF-8, and agreement with the platform's SHA1.
module LuaScripts.Core.Tests.Sha1Tests

open System
open System.Security.Cryptography
open System.Text
open Expecto
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private platformHex (body: string) =
    SHA1.HashData(Encoding.UTF8.GetBytes body) |> Convert.ToHexString |> (fun s -> s.ToLowerInvariant())

[<Tests>]
let tests =
    testList
        "Sha1"
        [ testCase "empty body has the well-known digest"
          <| fun () -> Expect.equal (Sha1.hex "") "da39a3ee5e6b4b0d3255bfef95601890afd80709" "SHA1 of the empty string"

          testCase "\"abc\" has the FIPS 180 digest"
          <| fun () -> Expect.equal (Sha1.hex "abc") "a9993e364706816aba3e25717850c26c9cd0d89d" "SHA1 of abc"

          testCase "a longer known vector"
          <| fun () ->
              Expect.equal
                  (Sha1.hex "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                  "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
                  "SHA1 of the 448-bit FIPS vector"

          testCase "a UTF-8 body is hashed over its UTF-8 bytes"
          <| fun () ->
              let body = "return 'héllo wörld 日本語 🚀'"
              let expected = SHA1.HashData(Encoding.UTF8.GetBytes body)
              Expect.equal (Sha1.hashBytes body) expected "digest bytes = SHA1 of the UTF-8 bytes"
              Expect.equal (Sha1.hex body) (Convert.ToHexString(expected).ToLowerInvariant()) "hex = lower-case hex of that"
              Expect.notEqual
                  (Sha1.hex body)
                  (SHA1.HashData(Encoding.Unicode.GetBytes body) |> Convert.ToHexString |> (fun s -> s.ToLowerInvariant()))
                  "not the UTF-16 bytes"

          testCase "toHex is lower-case, two characters a byte"
          <| fun () -> Expect.equal (Sha1.toHex [| 0x00uy; 0xABuy; 0xFFuy; 0x10uy |]) "00abff10" "hex"

          property "hex is 40 lower-case hex characters and matches the platform"
          <| fun (LuaBody body) ->
              let h = Sha1.hex body
              h.Length = 40
              && h |> Seq.forall (fun c -> Char.IsDigit c || (c >= 'a' && c <= 'f'))
              && h = platformHex body
              && Sha1.toHex (Sha1.hashBytes body) = h

          property "any string, lone surrogates included, hashes like the platform's UTF-8"
          <| fun (s: string) ->
              let s = if isNull s then "" else s
              Sha1.hex s = platformHex s

          property "a script's Sha1 is the hex SHA1 of its body"
          <| fun (ScriptName name) (LuaBody body) ->
              let script = scriptOf name body KeyCount.Dynamic
              script.Sha1 = Sha1.hex body && script.Sha1Bytes = Sha1.hashBytes body && Script.sha1 script = script.Sha1 ]
