/// Commands defined from a directory on a real redis-server (the run's backend): they run, a
/// refused set defines nothing, and compile and run-time errors are placed at their file line.
module LuaScripts.Core.Tests.ScriptSourcesTests

open System
open System.IO
open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private tempDir (files: (string * string) list) =
    let dir = Path.Combine(Path.GetTempPath(), $"luascripts-{Guid.NewGuid():N}")
    for name, text in files do
        let path = Path.Combine(dir, name)
        Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
        File.WriteAllText(path, text)
    dir

let private fanout =
    [ "publish_to_group-1.lua",
      "--! description: Publishes to every member.\nlocal n = 0\n--- @include \"helpers/fanout\"\nreturn fanout(KEYS[1], ARGV[1])"
      "helpers/fanout.lua",
      "-- fans a message out\nlocal function fanout(group, message)\n  local members = redis.call('SMEMBERS', group)\n  if message == 'fail' then\n    local boom = nil\n    return boom + 1\n  end\n  return #members\nend" ]

let private defineDir client files =
    match ScriptSources.defineFromDirectory (tempDir files) client with
    | Ok scripts -> scripts
    | Error e -> failtestf "define failed: %A" (e |> List.map ScriptFileError.describe)

let private failure (result: Result<RedisResult, RunError>) =
    match result with
    | Error(RunError.Execution e) -> e
    | other -> failtestf "expected a failure, got %A" other

[<Tests>]
let tests =
    testList
        "ScriptSources (server)"
        [ testTask "commands from a directory run, with their headers and key counts" {
              let client = Server.client ()
              let scripts = defineDir client fanout
              Expect.equal (scripts |> List.map Script.name) [ "publish_to_group" ] "one command (the helper is only included)"
              let p = Server.prefix ()
              Server.adminDb().SetAdd(rk (p + "g"), [| rv "a"; rv "b" |]) |> ignore
              let! result = Client.run "publish_to_group" [ rv (p + "g"); rv "hi" ] client
              match result with
              | Ok r -> Expect.equal (int r) 2 "ran the included function"
              | Error e -> failtestf "%s" (RunError.describe e)
          }

          testTask "a run-time error inside an include points at the helper's line and the include chain" {
              let client = Server.client ()
              defineDir client fanout |> ignore
              let! result = Client.run "publish_to_group" [ rv (Server.prefix () + "g"); rv "fail" ] client
              let error = failure result
              match ScriptSources.locate error client with
              | Some source ->
                  let location = source.Location.Value
                  Expect.equal location.Source { File = "helpers/fanout.lua"; Line = 6 } "the helper's line"
                  Expect.equal location.IncludedFrom [ { File = "publish_to_group-1.lua"; Line = 3 } ] "included from"
                  Expect.equal
                      (ErrorSource.describe source)
                      "publish_to_group: helpers/fanout.lua:6 (included from publish_to_group-1.lua:3): attempt to perform arithmetic on local 'boom' (a nil value)"
                      "message"
                  Expect.equal source.ServerMessage (ExecutionError.message error) "raw message kept"
              | None -> failtestf "not located: %s" (ExecutionError.describe error)
          }

          testTask "a compile error inside an include points at the helper's line" {
              let client = Server.client ()
              defineDir client [ "broken-0.lua", "local a = 1\n--- @include \"h\"\nreturn a"; "h.lua", "-- fine\nlocal x = = 2" ]
              |> ignore
              let! result = Client.run "broken" [] client
              let error = failure result
              match ScriptSources.locate error client with
              | Some source ->
                  Expect.equal source.Location.Value.Source { File = "h.lua"; Line = 2 } "h.lua:2"
                  Expect.stringStarts
                      (ErrorSource.describe source)
                      "broken: h.lua:2 (included from broken-0.lua:2): compile error: "
                      "message"
              | None -> failtestf "not located: %s" (ExecutionError.describe error)
          }

          testTask "a command defined from a string points at its own line" {
              let client = Server.client ()
              match Client.define "inline" "local a = 1\nlocal b = nil\nreturn a + b" (KeyCount.Fixed 0) ScriptOptions.defaults client with
              | Error e -> failtestf "%A" e
              | Ok _ -> ()
              let! result = Client.run "inline" [] client
              match ScriptSources.locate (failure result) client with
              | Some source ->
                  Expect.equal source.BodyLine 3 "its own line 3, whatever the backend"
                  let marker = if Server.isFunctions then "user_function:" else "user_script:"
                  Expect.stringContains source.ServerMessage marker "the backend's own line numbering was mapped"
                  Expect.isNone source.Location "no file"
                  Expect.stringStarts (ErrorSource.describe source) "inline: line 3: attempt to perform arithmetic" "message"
              | None -> failtest "not located"
          }

          testTask "a compile error of a command defined from a string points at its own line" {
              let client = Server.client ()
              match
                  Client.define
                      "broken_inline"
                      "local a = 1\nlocal b = 2\nlocal c = = 3\nreturn a"
                      (KeyCount.Fixed 0)
                      ScriptOptions.defaults
                      client
              with
              | Error e -> failtestf "%A" e
              | Ok _ -> ()
              let! result = Client.run "broken_inline" [] client
              match ScriptSources.locate (failure result) client with
              | Some source ->
                  Expect.equal source.BodyLine 3 "its own line 3, whatever the backend"
                  Expect.isNone source.Location "no file"
                  Expect.stringContains source.ServerMessage "Error compiling" "the server's own text is kept"
                  Expect.stringStarts (ErrorSource.describe source) "broken_inline: line 3: compile error: unexpected symbol" "message"
              | None -> failtest "not located"
          }

          testTask "CRLF and LF directories define the same SHA1, the one the server computes" {
              let client = Server.client ()
              let crlf = fanout |> List.map (fun (f, t) -> f, t.Replace("\n", "\r\n"))
              let a = defineDir client fanout |> List.head
              let b = defineDir (Server.client ()) crlf |> List.head
              Expect.equal a.Sha1 b.Sha1 "same SHA1"
              let! loaded = Server.adminServer().ScriptLoadAsync(a.Lua)
              Expect.equal (Convert.ToHexString(loaded: byte[]).ToLowerInvariant()) a.Sha1 "the server's SHA1"
          }

          testTask "compiling on a server places every compile error in its file, and runs nothing" {
              let scripts =
                  match
                      ScriptFiles.define (
                          dict
                              [ "ok-0.lua", "return 1"
                                "bad-0.lua", "--- @include \"h/x\"\nreturn 1"
                                "h/x.lua", "-- x\nlocal = 1"
                                "worse.lua", "return (" ]
                          |> System.Collections.Generic.Dictionary
                      )
                  with
                  | Ok s -> s
                  | Error e -> failtestf "%A" e
              let! errors =
                  task {
                      match! ScriptSources.compileOn (Server.adminServer ()) scripts with
                      | Ok errors -> return errors
                      | Error e -> return failtestf "SCRIPT LOAD refused: %s" e
                  }
              let placed = errors |> List.map (fun (e: ErrorSource) -> e.Command, e.Location |> Option.map (fun l -> l.Source))
              Expect.equal
                  placed
                  [ "bad", Some { File = "h/x.lua"; Line = 2 }; "worse", Some { File = "worse.lua"; Line = 1 } ]
                  "each error at its file line"
              Expect.stringStarts (ErrorSource.describe errors.Head) "bad: h/x.lua:2 (included from bad-0.lua:1): compile error: " "message"
          }

          testTask "compiling the function library places each definition that breaks it, and leaves no library behind" {
              let files =
                  dict
                      [ "ok-0.lua", "return 1"
                        "vararg-0.lua", "--- @include \"h/v\"\nreturn x"
                        "h/v.lua", "-- v\nlocal x = ..."
                        "flagged-0.lua", "#!lua flags=no-writes\nreturn ..."
                        "flagged_broken-0.lua", "#!lua flags=no-writes\nreturn ("
                        "unclosed-0.lua", "local a = 1\nif a then\nreturn a" ]
                  |> System.Collections.Generic.Dictionary
              let scripts =
                  match ScriptFiles.define files with
                  | Ok s -> s
                  | Error e -> failtestf "%A" e
              let server = Server.adminServer ()
              let! asScripts =
                  task {
                      match! ScriptSources.compileOn server scripts with
                      | Ok errors -> return errors
                      | Error e -> return failtestf "SCRIPT LOAD refused: %s" e
                  }
              Expect.equal
                  (asScripts |> List.map (fun (e: ErrorSource) -> e.Command))
                  [ "flagged_broken"; "unclosed" ]
                  "`...` compiles in a script, not in a function"
              match! ScriptSources.compileLibraryOn server scripts with
              | Error e -> failtestf "FUNCTION LOAD refused: %s" e
              | Ok errors ->
                  let placed =
                      errors |> List.map (fun (e: ErrorSource) -> e.Command, e.Location |> Option.map (fun l -> l.Source)) |> List.sort
                  Expect.equal
                      placed
                      [ "flagged_broken", Some { File = "flagged_broken-0.lua"; Line = 2 }
                        "unclosed", Some { File = "unclosed-0.lua"; Line = 3 }
                        "vararg", Some { File = "h/v.lua"; Line = 2 } ]
                      "each definition that breaks the library at its file line; a #! one compiled as the script it stays"
                  let vararg = errors |> List.find (fun (e: ErrorSource) -> e.Command = "vararg")
                  Expect.stringStarts
                      (ErrorSource.describe vararg)
                      "vararg: h/v.lua:2 (included from vararg-0.lua:1): compile error: cannot use '...'"
                      "message"
                  Expect.stringContains vararg.ServerMessage "user_function:" "the server's own text"
              let ok = scripts |> List.filter (fun s -> s.Name = "ok")
              let library = FunctionLibrary.generate ok
              match! ScriptSources.compileLibraryOn server ok with
              | Ok errors -> Expect.isEmpty errors "a clean library"
              | Error e -> failtestf "%s" e
              let! (listed: RedisResult) =
                  server.ExecuteAsync(
                      "FUNCTION",
                      [| box "LIST"; box "LIBRARYNAME"; box library.Name |] :> System.Collections.Generic.ICollection<obj>
                  )
              Expect.equal listed.Length 0 "the library the check loaded was deleted again"
          }

          testTask "a refused set defines nothing, and every problem is reported" {
              let client = Server.client ()
              let dir = tempDir [ "good-1.lua", "return 1"; "bad-1.lua", "--! keys: 2\nreturn 1"; "cyc.lua", "--- @include \"cyc\"" ]
              match ScriptSources.defineFromDirectory dir client with
              | Ok _ -> failtest "expected errors"
              | Error errors -> Expect.equal errors.Length 2 "both problems"
              Expect.equal (Registry.count client.Registry) 0 "nothing defined"
              match ScriptSources.defineFromDirectory (Path.Combine(dir, "nope")) client with
              | Error [ ScriptFileError.Unreadable _ ] -> ()
              | other -> failtestf "got %A" other
          } ]

[<Tests>]
let modelTests =
    testList
        "ScriptFiles"
        [ ScriptFilesTests.propertyTests
          ScriptFilesTests.namingTests
          ScriptFilesTests.includeTests
          ScriptFilesTests.lintTests ]
