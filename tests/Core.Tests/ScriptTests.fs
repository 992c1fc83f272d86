/// Script definitions: what Script.create accepts, what it refuses with which error, and that the
/// messages name the command.
module LuaScripts.Core.Tests.ScriptTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

/// Names that are null, empty or white space only.
let private blankNameGen = Gen.elements [ null; ""; " "; "\t"; "\r\n"; "   \u00A0"; "\u2003"; "\n\n" ]

/// A control character that is not white space (so the name stays non-blank).
let private controlGen =
    Gen.elements [ '\u0000'; '\u0001'; '\u0007'; '\u001B'; '\u007F'; '\u0085'; '\u009F'; '\n'; '\r'; '\t' ]

/// A valid name with a control character inserted somewhere.
let private nameWithControlGen =
    gen {
        let! name = scriptNameGen
        let! c = controlGen
        let! at = Gen.choose (0, name.Length)
        return name.Insert(at, string c)
    }

let private create name lua keyCount = Script.create name lua keyCount ScriptOptions.defaults

let private escaped (name: string) = name |> String.collect (fun c -> if Char.IsControl c then $"\\u{int c:x4}" else string c)

[<Tests>]
let tests =
    testList
        "Script"
        [ property "a valid definition is kept as given"
          <| fun (ScriptName name) (LuaBody lua) (keyCount: KeyCount) ->
              let options = { ScriptOptions.defaults with Description = Some "d"; ReadOnly = true }
              match Script.create name lua keyCount options with
              | Ok s ->
                  s.Name = name
                  && s.Lua = lua
                  && s.KeyCount = keyCount
                  && s.Options = options
                  && s.ReadOnly
                  && s.Description = Some "d"
                  && Script.name s = name
                  && s.ToString().Contains s.Sha1
              | Error _ -> false

          testProperty "blank names are EmptyName, whatever the body"
          <| Prop.forAll (Arb.fromGen blankNameGen) (fun name ->
              create name "return 1" (KeyCount.Fixed 1) = Error DefinitionError.EmptyName
              && create name "  " (KeyCount.Fixed -1) = Error DefinitionError.EmptyName)

          testProperty "a control character in the name is NameHasControlCharacters"
          <| Prop.forAll (Arb.fromGen nameWithControlGen) (fun name ->
              create name "return 1" KeyCount.Dynamic = Error(DefinitionError.NameHasControlCharacters name))

          property "a blank body is EmptyLua naming the command"
          <| fun (ScriptName name) ->
              [ null; ""; " "; "\n\t  " ]
              |> List.forall (fun lua -> create name lua (KeyCount.Fixed 0) = Error(DefinitionError.EmptyLua name))

          property "a negative fixed key count is NegativeKeyCount naming the command"
          <| fun (ScriptName name) (LuaBody lua) (NegativeInt n) ->
              create name lua (KeyCount.Fixed n) = Error(DefinitionError.NegativeKeyCount(name, n))

          property "zero keys and dynamic keys are accepted"
          <| fun (ScriptName name) (LuaBody lua) ->
              (create name lua (KeyCount.Fixed 0) |> Result.isOk) && (create name lua KeyCount.Dynamic |> Result.isOk)

          property "messages name the command"
          <| fun (ScriptName name) (NegativeInt n) ->
              let lua = DefinitionError.describe (DefinitionError.EmptyLua name)
              let keys = DefinitionError.describe (DefinitionError.NegativeKeyCount(name, n))
              lua.Contains $"'{name}'" && keys.Contains $"'{name}'" && keys.Contains(string n)

          testProperty "the control-character message shows the name with the control characters escaped"
          <| Prop.forAll (Arb.fromGen nameWithControlGen) (fun name ->
              let message = DefinitionError.describe (DefinitionError.NameHasControlCharacters name)
              message.Contains $"'{escaped name}'" && not (message |> Seq.exists Char.IsControl))

          testCase "the EmptyName message says a name is needed"
          <| fun () -> Expect.stringContains (DefinitionError.describe DefinitionError.EmptyName) "name" "message"

          testCase "the first problem wins: name before body before key count"
          <| fun () ->
              Expect.equal (create "" "" (KeyCount.Fixed -1)) (Error DefinitionError.EmptyName) "name first"
              Expect.equal (create "a\nb" "" (KeyCount.Fixed -1)) (Error(DefinitionError.NameHasControlCharacters "a\nb")) "control next"
              Expect.equal (create "ok" "" (KeyCount.Fixed -1)) (Error(DefinitionError.EmptyLua "ok")) "body next"

          testCase "options default to no description, writing, not installed"
          <| fun () -> Expect.equal ScriptOptions.defaults { Description = None; ReadOnly = false; Install = false } "defaults" ]
