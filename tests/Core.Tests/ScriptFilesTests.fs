/// Commands from .lua files: names, headers, conflicts, includes and their source map (pure), and
/// errors placed at their file line against a real redis-server (either backend).
module LuaScripts.Core.Tests.ScriptFilesTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open FsCheck
open FsCheck.FSharp
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private filesOf (pairs: (string * string) list) : IReadOnlyDictionary<string, string> =
    Dictionary<string, string>(dict pairs, StringComparer.Ordinal) :> _

let private defineAll pairs =
    match ScriptFiles.define (filesOf pairs) with
    | Ok scripts -> scripts |> List.map (fun s -> s.Name, s) |> Map.ofList
    | Error e -> failtestf "define failed: %A" (e |> List.map ScriptFileError.describe)

let private errorsOf pairs =
    match ScriptFiles.define (filesOf pairs) with
    | Ok _ -> failtest "expected errors"
    | Error e -> e

let private oneError pairs =
    match errorsOf pairs with
    | [ e ] -> e
    | many -> failtestf "expected one error, got %A" many

let private expandOk pairs entry =
    match Includes.expand (filesOf pairs) entry with
    | Ok r -> r
    | Error e -> failtestf "expand failed: %s" (ScriptFileError.describe e)

/// A tree of files whose includes form no cycle: command files c0.., helpers h/h0.. that include
/// only helpers with a higher number.
type FileTree = FileTree of (string * string) list

let private lineGen = Gen.elements [ "local a = 1"; "return a"; "-- a comment"; ""; "  x = x + 1  "; "local s = 'é'" ]

let private treeGen: Gen<(string * string) list> =
    gen {
        let! helpers = Gen.choose (0, 4)
        let! commands = Gen.choose (1, 3)
        let fileGen (includable: int list) =
            gen {
                let! n = Gen.choose (0, 6)
                let! plain = Gen.listOfLength n lineGen
                let! includes = if includable.IsEmpty then Gen.constant [] else Gen.listOf (Gen.elements includable) |> Gen.resize 3
                let directives = includes |> List.map (fun h -> $"--- @include \"h/h{h}\"")
                let! order = Gen.shuffle (Array.ofList (plain @ directives))
                return String.Join("\n", order)
            }
        let! hs =
            [ for i in 0 .. helpers - 1 -> fileGen [ i + 1 .. helpers - 1 ] |> Gen.map (fun t -> $"h/h{i}.lua", t) ]
            |> Gen.sequenceToList
        let! cs =
            [ for i in 0 .. commands - 1 -> fileGen [ 0 .. helpers - 1 ] |> Gen.map (fun t -> $"c{i}.lua", t + "\nreturn 1") ]
            |> Gen.sequenceToList
        return hs @ cs
    }

type TreeArbitrary =
    static member FileTree() = Arb.fromGen (treeGen |> Gen.map FileTree)

let private treeConfig = { FsCheckConfig.defaultConfig with arbitrary = [ typeof<TreeArbitrary> ]; maxTest = 200 }

let private withLineEnding (ending: string) (pairs: (string * string) list) = pairs |> List.map (fun (f, t) -> f, t.Replace("\n", ending))

let propertyTests =
    testList
        "Includes (properties)"
        [ testPropertyWithConfig treeConfig "the source map is a bijection onto the lines of the files brought in"
          <| fun (FileTree pairs) ->
              let files = filesOf pairs
              pairs
              |> List.filter (fst >> ScriptFiles.isCommandFile)
              |> List.forall (fun (entry, _) ->
                  let body, map = expandOk pairs entry
                  let bodyLines = Includes.lines body
                  let brought = map.Lines |> Array.map (fun l -> l.Source.File) |> Array.distinct
                  let expected = brought |> Array.collect (fun f -> Array.init (Includes.lines files[f]).Length (fun i -> f, i + 1)) |> set
                  let mapped = map.Lines |> Array.map (fun l -> l.Source.File, l.Source.Line)
                  mapped.Length = bodyLines.Length
                  && set mapped = expected
                  && (Array.distinct mapped).Length = mapped.Length
                  && Array.forall2
                      (fun (text: string) (l: SourceLocation) ->
                          let source = (Includes.lines files[l.Source.File])[l.Source.Line - 1]
                          text = source || (Includes.directive source).IsSome)
                      bodyLines
                      map.Lines)

          testPropertyWithConfig treeConfig "expanding an expanded body changes nothing"
          <| fun (FileTree pairs) ->
              pairs
              |> List.filter (fst >> ScriptFiles.isCommandFile)
              |> List.forall (fun (entry, _) ->
                  let body, _ = expandOk pairs entry
                  let again, _ = expandOk [ entry, body ] entry
                  again = body)

          testPropertyWithConfig treeConfig "CRLF, CR and LF files give the same bodies and SHA1s"
          <| fun (FileTree pairs) (bom: bool) ->
              let shas ending =
                  let pairs = withLineEnding ending pairs |> List.map (fun (f, t) -> f, (if bom then "\uFEFF" else "") + t)
                  defineAll pairs |> Map.map (fun _ s -> s.Sha1)
              let lf = defineAll pairs |> Map.map (fun _ s -> s.Sha1)
              shas "\r\n" = lf && shas "\r" = lf ]

let namingTests =
    testList
        "ScriptFiles (naming and headers)"
        [ testCase "name-N.lua has N keys, name.lua a dynamic count, files in folders define nothing"
          <| fun () ->
              let defined = defineAll [ "push-2.lua", "return 1"; "peek.lua", "return 2"; "h/helper.lua", "return 3"; "notes.txt", "x" ]
              Expect.equal (defined |> Map.keys |> List.ofSeq) [ "peek"; "push" ] "two commands"
              Expect.equal defined["push"].KeyCount (KeyCount.Fixed 2) "suffix"
              Expect.equal defined["peek"].KeyCount KeyCount.Dynamic "no suffix, no header"

          testCase "headers give keys, readonly, description and install"
          <| fun () ->
              let defined =
                  defineAll
                      [ "get.lua",
                        "-- reads a value\n--! keys: 1\n--! readonly\n--! description: Reads it.\n--! install\nreturn redis.call('GET', KEYS[1])" ]
              let s = defined["get"]
              Expect.equal s.KeyCount (KeyCount.Fixed 1) "keys"
              Expect.isTrue s.ReadOnly "readonly"
              Expect.equal s.Description (Some "Reads it.") "description"
              Expect.isTrue s.Install "install"
              Expect.stringStarts s.Lua "-- reads a value\n--! keys: 1" "headers stay in the body (same lines)"

          testCase "#!lua flags=no-writes means read-only; other flags do not"
          <| fun () ->
              let defined =
                  defineAll [ "ro-1.lua", "#!lua flags=no-writes,allow-stale\nreturn 1"; "rw-1.lua", "#!lua flags=allow-oom\nreturn 1" ]
              Expect.isTrue defined["ro"].ReadOnly "no-writes"
              Expect.isFalse defined["rw"].ReadOnly "no no-writes"

          testCase "the same key count in suffix and header is fine"
          <| fun () ->
              let defined = defineAll [ "a-2.lua", "--! keys: 2\nreturn 1" ]
              Expect.equal defined["a"].KeyCount (KeyCount.Fixed 2) "agreeing"

          testCase "a suffix against a header is KeyCountConflict naming the file"
          <| fun () ->
              let e = oneError [ "a-1.lua", "--! keys: 2\nreturn 1" ]
              Expect.equal e (ScriptFileError.KeyCountConflict("a-1.lua", 1, 2)) "conflict"
              Expect.stringContains (ScriptFileError.describe e) "a-1.lua" "names the file"

          testCase "two files for one name is DuplicateName naming both"
          <| fun () ->
              let e = oneError [ "a-1.lua", "return 1"; "a.lua", "return 2" ]
              Expect.equal e (ScriptFileError.DuplicateName("a", [ "a-1.lua"; "a.lua" ])) "duplicate"
              Expect.stringContains (ScriptFileError.describe e) "a-1.lua, a.lua" "names both"

          testCase "--! readonly against a #!lua line without no-writes is ReadOnlyConflict"
          <| fun () ->
              match oneError [ "a.lua", "#!lua flags=allow-oom\n--! readonly\nreturn 1" ] with
              | ScriptFileError.ReadOnlyConflict("a.lua", "#!lua flags=allow-oom") -> ()
              | other -> failtestf "got %A" other

          testCase "bad headers are InvalidHeader with file and line"
          <| fun () ->
              let cases =
                  [ "--! keys: two\nreturn 1", 1, "whole number"
                    "--! keys: 1\n--! keys: 1\nreturn 1", 2, "twice"
                    "--! readonly: yes\nreturn 1", 1, "no value"
                    "--! description:\nreturn 1", 1, "needs a text"
                    "--! colour: red\nreturn 1", 1, "unknown header"
                    "return 1\n--! readonly", 2, "before the first line of code"
                    "#!python\nreturn 1", 1, "not a #!lua line"
                    "--- @include helpers\nreturn 1", 1, "--- @include \\\"" ]
              for text, line, words in cases do
                  match oneError [ "a.lua", text ] with
                  | ScriptFileError.InvalidHeader("a.lua", l, _) as e ->
                      Expect.equal l line $"line of {text}"
                      Expect.stringContains (ScriptFileError.describe e) (words.Replace("\\\"", "\"")) text
                  | other -> failtestf "%s: got %A" text other

          testCase "an empty body is InvalidDefinition naming the file; errors of every file come together"
          <| fun () ->
              let errors = errorsOf [ "a.lua", "  \n"; "b-1.lua", "--! keys: 2\nreturn 1"; "c.lua", "return 1" ]
              Expect.equal errors.Length 2 "both bad files, not the good one"
              Expect.equal (errors |> List.map ScriptFileError.file) [ "a.lua"; "b-1.lua" ] "each names its file"

          testCase "a key count suffix must fit"
          <| fun () ->
              match oneError [ "a-99999999999.lua", "return 1" ] with
              | ScriptFileError.InvalidFileName("a-99999999999.lua", _) -> ()
              | other -> failtestf "got %A" other ]

let includeTests =
    testList
        "Includes (examples)"
        [ testCase "nested includes expand in place, relative to the including file, then to the root"
          <| fun () ->
              let body, map =
                  expandOk
                      [ "top-1.lua", "local x = 1\n--- @include \"helpers/a\"\nreturn x"
                        "helpers/a.lua", "-- a\n--- @include \"b.lua\""
                        "helpers/b.lua", "-- b\n--- @include \"shared/c\""
                        "shared/c.lua", "-- c" ]
                      "top-1.lua"
              Expect.equal
                  body
                  "local x = 1\n--- @included \"helpers/a.lua\"\n-- a\n--- @included \"helpers/b.lua\"\n-- b\n--- @included \"shared/c.lua\"\n-- c\nreturn x"
                  "expanded"
              let c = (SourceMap.locate 7 map).Value
              Expect.equal c.Source { File = "shared/c.lua"; Line = 1 } "c's line"
              Expect.equal
                  c.IncludedFrom
                  [ { File = "helpers/b.lua"; Line = 2 }; { File = "helpers/a.lua"; Line = 2 }; { File = "top-1.lua"; Line = 2 } ]
                  "chain, innermost first"
              Expect.equal
                  (SourceMap.describe c)
                  "shared/c.lua:1 (included from helpers/b.lua:2, included from helpers/a.lua:2, included from top-1.lua:2)"
                  "described"
              Expect.equal (SourceMap.locate 8 map).Value.Source { File = "top-1.lua"; Line = 3 } "back in the top file"

          testCase "a file included twice is expanded once"
          <| fun () ->
              let body, _ = expandOk [ "t.lua", "--- @include \"h\"\n--- @include \"h\"\nreturn 1"; "h.lua", "local h = 1" ] "t.lua"
              Expect.equal body "--- @included \"h.lua\"\nlocal h = 1\n--- @included \"h.lua\"\nreturn 1" "once"

          testCase "a missing include names the chain and where it looked"
          <| fun () ->
              match oneError [ "t-1.lua", "\n--- @include \"h/a\"\nreturn 1"; "h/a.lua", "-- a\n-- b\n--- @include \"nope\"" ] with
              | ScriptFileError.MissingInclude(chain, "nope", searched) as e ->
                  Expect.equal chain [ { File = "t-1.lua"; Line = 2 }; { File = "h/a.lua"; Line = 3 } ] "chain"
                  Expect.equal searched [ "h/nope.lua"; "nope.lua" ] "searched"
                  Expect.stringContains (ScriptFileError.describe e) "t-1.lua:2 -> h/a.lua:3" "message"
              | other -> failtestf "got %A" other

          testCase "a cycle names the chain"
          <| fun () ->
              match
                  oneError [ "t.lua", "--- @include \"h/a\"\nreturn 1"; "h/a.lua", "--- @include \"b\""; "h/b.lua", "\n--- @include \"a\"" ]
              with
              | ScriptFileError.IncludeCycle(chain, "h/a.lua") as e ->
                  Expect.equal
                      chain
                      [ { File = "h/a.lua"; Line = 1 }; { File = "h/b.lua"; Line = 2 } ]
                      "from a's include to the one closing it"
                  Expect.stringContains (ScriptFileError.describe e) "h/a.lua:1 -> h/b.lua:2" "message"
              | other -> failtestf "got %A" other

          testCase "including the command's own file is a cycle"
          <| fun () ->
              match oneError [ "t.lua", "return 1\n--- @include \"t\"" ] with
              | ScriptFileError.IncludeCycle([ { File = "t.lua"; Line = 2 } ], "t.lua") -> ()
              | other -> failtestf "got %A" other

          testCase "an include cannot climb above the root"
          <| fun () ->
              match oneError [ "t.lua", "--- @include \"../t\"\nreturn 1" ] with
              | ScriptFileError.MissingInclude(_, "../t", []) -> ()
              | other -> failtestf "got %A" other

          testCase "an included file may not carry headers"
          <| fun () ->
              match oneError [ "t.lua", "--- @include \"h\"\nreturn 1"; "h.lua", "--! readonly" ] with
              | ScriptFileError.InvalidHeader("h.lua", 1, _) -> ()
              | other -> failtestf "got %A" other

          testCase "error details lose the server's marker and trailer"
          <| fun () ->
              Expect.equal
                  (ErrorSource.detail "ERR user_script:2: attempt to perform arithmetic on a nil value script: c706, on @user_script:2.")
                  "attempt to perform arithmetic on a nil value"
                  "run-time"
              Expect.equal
                  (ErrorSource.detail "ERR Error compiling script (new function): user_script:2: unexpected symbol near '='")
                  "compile error: unexpected symbol near '='"
                  "compile"
              Expect.equal (ErrorSource.detail "ERR user_function:4: boom script: f1, on @user_function:4.") "boom" "function"
              Expect.equal
                  (ErrorSource.detail "ERR Error compiling function: user_function:3: cannot use '...' outside a vararg function near '...'")
                  "compile error: cannot use '...' outside a vararg function near '...'"
                  "library compile" ]

let lintTests =
    testList
        "ScriptLint"
        [ testCase "KEYS beyond the declared count and keys not from KEYS are warned about, at the file line"
          <| fun () ->
              let defined =
                  defineAll
                      [ "a-1.lua", "local x = KEYS[1]\n--- @include \"h/b\"\nreturn redis.call('GET', KEYS[2])"
                        "h/b.lua",
                        "redis.call('SET', 'fixed:key', 1)\nredis.call('DEL', ARGV[1])\nredis.call('PUBLISH', 'chan', 'm') -- redis.call('GET', 'x')" ]
              let warnings = ScriptLint.check defined["a"] |> List.map ScriptLint.describe
              Expect.equal
                  warnings
                  [ "a: h/b.lua:1 (included from a-1.lua:2): SET touches a key given as a string literal, not from KEYS (on a cluster the key may live on another node)"
                    "a: h/b.lua:2 (included from a-1.lua:2): DEL touches a key given as an ARGV value, not from KEYS (on a cluster the key may live on another node)"
                    "a: a-1.lua:3: reads KEYS[2] but the command declares 1 key(s)" ]
                  "three warnings, none for PUBLISH or a comment"

          testCase "a clean script and a dynamic key count give no warning"
          <| fun () ->
              let defined = defineAll [ "ok-2.lua", "return redis.call('MGET', KEYS[1], KEYS[2])"; "dyn.lua", "return KEYS[9]" ]
              Expect.isEmpty (ScriptLint.check defined["ok"]) "clean"
              Expect.isEmpty (ScriptLint.check defined["dyn"]) "dynamic: any KEYS index may be there" ]
