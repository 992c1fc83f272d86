/// Generating a Redis Function library from definitions: every definition present once, names
/// escaped, flags right, deterministic names; and the generated text loads and runs on a real server.
module LuaScripts.Core.Tests.FunctionLibraryTests

open System
open System.Text.RegularExpressions
open Expecto
open FsCheck
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private define (defs: (string * string) list) (readOnly: bool) =
    defs
    |> List.fold
        (fun r (name, lua) ->
            match Script.create name lua KeyCount.Dynamic { ScriptOptions.defaults with ReadOnly = readOnly } with
            | Ok s -> Registry.define s r
            | Error _ -> r)
        Registry.empty
    |> Registry.scripts

let private occurrences (text: string) (part: string) = Regex.Matches(text, Regex.Escape part).Count

let private pureTests =
    testList
        "FunctionLibrary (no server)"
        [ property "every definition is registered exactly once, under a name Redis accepts"
          <| fun (Definitions defs) ->
              let scripts = define defs false
              let library = FunctionLibrary.generate scripts
              scripts
              |> List.forall (fun s ->
                  let fn = library.Functions[s.Name]
                  Regex.IsMatch(fn, "^[A-Za-z0-9_]+$") && occurrences library.Code $"function_name='{fn}'" = 1)
              && library.Functions.Count = scripts.Length

          property "escaping keeps distinct names distinct"
          <| fun (ScriptName a) (ScriptName b) -> (a = b) = (FunctionLibrary.escape a = FunctionLibrary.escape b)

          testCase "escaping examples"
          <| fun () ->
              Expect.equal (FunctionLibrary.escape "publish_to_group") "publish__to__group" "underscores double"
              Expect.equal (FunctionLibrary.escape "a:b") "a_003ab" "other characters are four hex digits of their code unit"
              Expect.equal (FunctionLibrary.escape "😀") "_d83d_de00" "a surrogate pair is two code units"

          property "read-only definitions get no-writes, others no flags"
          <| fun (Definitions defs) (readOnly: bool) ->
              let library = FunctionLibrary.generate (define defs readOnly)
              let flags = if readOnly then "flags={'no-writes'}" else "flags={}"
              occurrences library.Code flags = library.Functions.Count

          property "the name depends on the definitions, not their order"
          <| fun (Definitions defs) ->
              let scripts = define defs false
              let a = FunctionLibrary.generate scripts
              let b = FunctionLibrary.generate (List.rev scripts)
              a.Name = b.Name && a.Code = b.Code && a.Name.StartsWith FunctionLibrary.Prefix

          testCase "a different body, flag or name is a different library"
          <| fun () ->
              let lib defs ro = (FunctionLibrary.generate (define defs ro)).Name
              let baseline = lib [ "a", "return 1" ] false
              Expect.notEqual (lib [ "a", "return 2" ] false) baseline "body"
              Expect.notEqual (lib [ "a", "return 1" ] true) baseline "flags"
              Expect.notEqual (lib [ "b", "return 1" ] false) baseline "name"

          testCase "a body with a #! line stays a script, with the reason"
          <| fun () ->
              let library = FunctionLibrary.generate (define [ "flagged", "#!lua flags=no-writes\nreturn 1"; "plain", "return 2" ] false)
              Expect.equal (library.Functions |> Map.keys |> List.ofSeq) [ "plain" ] "only the plain one"
              match library.Excluded with
              | [ "flagged", reason ] -> Expect.stringContains reason "#!" "the reason names the #! line"
              | other -> failtestf "excluded: %A" other
              Expect.equal (FunctionLibrary.explain library) library.Code "explain shows the exact text"

          property "every line of a definition's callback maps back to that definition, and no other line does"
          <| fun (Definitions defs) ->
              let library = FunctionLibrary.generate (define defs false)
              let lines = library.Code.Split('\n')
              library.Lines
              |> Map.forall (fun name (first, last) ->
                  // The register line names the function; the line after the last is where the next one starts.
                  lines[first - 1].Contains $"function_name='{library.Functions[name]}'"
                  && lines[last - 1] = "end}"
                  && ([ first..last ] |> List.forall (fun l -> FunctionLibrary.commandAtLine library l = Some name)))
              && FunctionLibrary.commandAtLine library 1 = None

          property "the code is the #! line, then each included definition's registration on its own lines"
          <| fun (Definitions defs) ->
              let scripts = define defs true
              let library = FunctionLibrary.generate scripts
              let expected =
                  $"#!lua name={library.Name}\n"
                  + (scripts |> List.map (fun s -> FunctionLibrary.registration library.Name s + "\n") |> String.concat "")
              library.Code = expected

          property "left-out definitions are not in the code and do not count in the name"
          <| fun (Definitions defs) ->
              let scripts = define defs false
              match scripts with
              | [] -> true
              | first :: rest ->
                  let without = FunctionLibrary.generateExcluding (fun s -> if s.Name = first.Name then Some "test" else None) scripts
                  without.Excluded = [ first.Name, "test" ]
                  && not (without.Functions.ContainsKey first.Name)
                  && without.Name = (FunctionLibrary.generate rest).Name
                  && without.Code = (FunctionLibrary.generate rest).Code

          testCase "a compile error's line is read from the server's message"
          <| fun () ->
              Expect.equal
                  (FunctionLibrary.compileErrorLine
                      "ERR Error compiling function: user_function:6: 'end' expected (to close 'function' at line 5) near '='")
                  (Some 6)
                  "the line after user_function:"
              Expect.equal (FunctionLibrary.compileErrorLine "ERR Function not found") None "not a compile error"
              Expect.equal (FunctionLibrary.compileErrorLine null) None "no message" ]

let private serverTests =
    testList
        "FunctionLibrary (server)"
        [ testTask "the generated library loads and its functions run with FCALL and FCALL_RO" {
              let scripts =
                  [ Script.create "incr_by" "return redis.call('INCRBY', KEYS[1], ARGV[1])" (KeyCount.Fixed 1) ScriptOptions.defaults
                    Script.create
                        "peek:value"
                        "return redis.call('GET', KEYS[1])"
                        (KeyCount.Fixed 1)
                        { ScriptOptions.defaults with ReadOnly = true }
                    Script.create
                        "sneaky"
                        "return redis.call('SET', KEYS[1], 'x')"
                        (KeyCount.Fixed 1)
                        { ScriptOptions.defaults with ReadOnly = true } ]
                  |> List.map (function
                      | Ok s -> s
                      | Error e -> failtest (DefinitionError.describe e))
              let library = FunctionLibrary.generate scripts
              let db = Server.adminDb ()
              let key = rk (Server.prefix () + "fn")
              let! loaded = db.ExecuteAsync("FUNCTION", [| box "LOAD"; box "REPLACE"; box library.Code |])
              Expect.equal (string loaded) library.Name "FUNCTION LOAD answers the library's name"
              try
                  let! n = db.ExecuteAsync("FCALL", [| box library.Functions["incr_by"]; box 1; box key; box 5 |])
                  Expect.equal (int64 n) 5L "FCALL runs the body with KEYS and ARGV"
                  let! v = db.ExecuteAsync("FCALL_RO", [| box library.Functions["peek:value"]; box 1; box key |])
                  Expect.equal (string v) "5" "FCALL_RO runs a no-writes function"
                  let! refused =
                      task {
                          try
                              let! _ = db.ExecuteAsync("FCALL_RO", [| box library.Functions["sneaky"]; box 1; box key |])
                              return None
                          with :? RedisServerException as e ->
                              return Some e.Message
                      }
                  Expect.isSome refused "a no-writes function cannot write"
              finally
                  db.Execute("FUNCTION", [| box "DELETE"; box library.Name |]) |> ignore
          }

          testTask "the server's compile error for a library points at the definition that does not compile" {
              let scripts =
                  [ Script.create "a_good" "return 1" (KeyCount.Fixed 0) ScriptOptions.defaults
                    Script.create "b_bad" "local x = 1\nreturn x = " (KeyCount.Fixed 0) ScriptOptions.defaults
                    Script.create "c_good" "return 3" (KeyCount.Fixed 0) ScriptOptions.defaults ]
                  |> List.map (function
                      | Ok s -> s
                      | Error e -> failtest (DefinitionError.describe e))
              let library = FunctionLibrary.generate scripts
              let db = Server.adminDb ()
              let! message =
                  task {
                      try
                          let! _ = db.ExecuteAsync("FUNCTION", [| box "LOAD"; box library.Code |])
                          return None
                      with :? RedisServerException as e ->
                          return Some e.Message
                  }
              let line = message |> Option.bind FunctionLibrary.compileErrorLine
              Expect.isSome line $"a compile error with a line: {message}"
              Expect.equal (line |> Option.bind (FunctionLibrary.commandAtLine library)) (Some "b_bad") "the line is in b_bad's lines"
          }

          testTask "an F# client with Backend.Auto runs its commands as functions on Redis 7 and says so" {
              let client = Client.createWith { ClientOptions.defaults with Backend = Backend.Auto } (Server.mux ())
              let key = rk (Server.prefix () + "auto")
              Client.define "incr_by" "return redis.call('INCRBY', KEYS[1], ARGV[1])" (KeyCount.Fixed 1) ScriptOptions.defaults client
              |> Result.mapError DefinitionError.describe
              |> Result.defaultWith failtest
              |> ignore
              Expect.equal (Client.activeBackend client) Backend.Scripts "undecided before the first call"
              let db = Server.adminDb ()
              let fcalls () = LuaScripts.TestServers.Wire.Calls(Server.adminServer (), "fcall")
              let before = fcalls ()
              let! first = Client.run "incr_by" [ RedisValue.op_Implicit (string key); RedisValue.op_Implicit 2 ] client
              let program =
                  match Client.call "incr_by" [ RedisValue.op_Implicit (string key); RedisValue.op_Implicit 3 ] client with
                  | Ok p -> p
                  | Error e -> failtest (RunError.describe e)
              let! second = Client.execute program client
              match first, second with
              | Ok a, Ok b ->
                  Expect.equal (int64 a) 2L "the call ran"
                  Expect.equal (int64 b) 5L "the program ran"
              | _ -> failtestf "unexpected: %A %A" first second
              Expect.equal (Client.activeBackend client) Backend.Functions "Auto decided for Functions"
              Expect.equal (fcalls () - before) 2L "both ran as FCALL"
              let library = Client.functionLibrary client
              let! listed = db.ExecuteAsync("FUNCTION", [| box "LIST"; box "LIBRARYNAME"; box library.Name |])
              Expect.equal ((RedisResult.op_Explicit listed: RedisResult[]).Length) 1 "the library is on the server"
          } ]

[<Tests>]
let tests = testList "FunctionLibrary" [ pureTests; testSequenced serverTests ]
