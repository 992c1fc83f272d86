/// Record and map decoding (Decode.fields, Decode.entries) and the field names they match
/// (Naming.snakeCase), on replies built by hand and on real replies under RESP2 and RESP3.
module LuaScripts.Core.Tests.DecodeTests

open Expecto
open StackExchange.Redis
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private s (text: string) = RedisResult.Create(rv text)
let private n (value: int64) = RedisResult.Create(rvInt value)
let private arr (items: RedisResult list) = RedisResult.Create(List.toArray items)
let private map (items: RedisResult list) = RedisResult.Create(List.toArray items, ResultType.Map)
let private nil = RedisResult.Create RedisValue.Null
let private names = [| "Id"; "DisplayName"; "Tags" |]

let private texts (decoded: Result<RedisResult[], string>) =
    decoded |> Result.map (Array.map (fun r -> if r.IsNull then "nil" else string r))

let private errorOf (decoded: Result<'T, string>) =
    match decoded with
    | Error message -> message
    | Ok v -> failtestf "expected an error, decoded %A" v

let private offline =
    testList
        "Decode records and maps (no server)"
        [ testCase "snake_case splits words, acronyms and digits, and keeps snake_case"
          <| fun () ->
              for name, expected in
                  [ "DisplayName", "display_name"
                    "GetHTTPStatus", "get_http_status"
                    "Item2Count", "item2_count"
                    "id", "id"
                    "already_snake", "already_snake" ] do
                  Expect.equal (Naming.snakeCase name) expected name
              Expect.equal (Naming.commandOfMethod "PublishToGroupAsync") "publish_to_group" "Async dropped"
              Expect.equal (Naming.commandOfMethod "Async") "async" "a bare Async stays"

          testCase "fields read by position, by name (flat or map, exact or snake_case), and nil fails"
          <| fun () ->
              let fields = Decode.fields names
              Expect.equal (texts (fields (arr [ n 1L; s "a"; s "t" ]))) (Ok [| "1"; "a"; "t" |]) "by position"
              Expect.equal (texts (fields (arr [ s "display_name"; s "b"; s "Id"; n 2L ]))) (Ok [| "2"; "b"; "nil" |]) "by name"
              Expect.equal (texts (fields (map [ s "tags"; s "x"; s "id"; n 3L ]))) (Ok [| "3"; "nil"; "x" |]) "a map"
              Expect.equal (texts (fields (arr []))) (Ok [| "nil"; "nil"; "nil" |]) "an empty hash: every member missing"
              Expect.stringContains (errorOf (fields nil)) "got nil" "nil fails"
              Expect.equal (Decode.optional fields nil |> Result.map Option.isNone) (Ok true) "unless optional"

          testCase "fields name the reply's shape and the field that does not fit"
          <| fun () ->
              let fields = Decode.fields names
              let short = errorOf (fields (arr [ n 1L; n 2L ]))
              Expect.stringContains short "an array of 3 element(s) (by position) or the fields Id, DisplayName, Tags (by name)" "what fits"
              Expect.stringContains short "got an array of 2 element(s)" "the reply"
              Expect.stringContains
                  (errorOf (fields (map [ s "id"; n 1L; s "age"; n 2L ])))
                  "a map of 2 field(s) with the unknown field 'age'"
                  "unknown"
              Expect.stringContains (errorOf (fields (arr [ s "id"; n 1L; s "age"; n 2L ]))) "unknown field 'age'" "unknown, flat"
              Expect.stringContains (errorOf (fields (map [ s "id"; n 1L; s "Id"; n 2L ]))) "'Id' twice" "twice"
              Expect.stringContains (errorOf (fields (map [ arr []; n 1L ]))) "key [0] is an array of 0 element(s)" "a key that is not text"
              Expect.stringContains (errorOf (fields (n 5L))) "got the integer 5" "a scalar"

          testCase "entries keep reply order and name what does not fit"
          <| fun () ->
              let entries = Decode.entries Decode.int64
              Expect.equal (entries (arr [ s "b"; n 2L; s "a"; n 1L ])) (Ok [ "b", 2L; "a", 1L ]) "flat"
              Expect.equal (entries (map [ n 7L; n 1L ])) (Ok [ "7", 1L ]) "a map, an integer key as text"
              Expect.stringContains (errorOf (entries (arr [ s "a" ]))) "even length" "odd"
              Expect.stringContains (errorOf (entries (arr [ s "a"; s "x" ]))) "[1] ('a'): expected an integer" "a value"
              Expect.stringContains (errorOf (entries nil)) "got nil" "nil"
              Expect.equal (Decode.describe (map [ s "a"; n 1L ])) "a map of 1 field(s)" "a map described"

          testCase "records build from positions or names, and a failure names the member"
          <| fun () ->
              let person =
                  Decode.record
                      [| "Id"; "DisplayName"; "Tags" |]
                      (Decode.map3
                          (fun id name tags -> id, name, tags)
                          (Decode.index 0 Decode.int64)
                          (Decode.index 1 Decode.string)
                          (Decode.index 2 (Decode.optional (Decode.list Decode.string))))
              Expect.equal (person (arr [ n 1L; s "a"; arr [ s "t" ] ])) (Ok(1L, "a", Some [ "t" ])) "by position"
              Expect.equal (person (map [ s "display_name"; s "b"; s "id"; n 2L ])) (Ok(2L, "b", None)) "by name"
              Expect.stringStarts (errorOf (person (arr [ s "x"; s "a"; nil ]))) "Id: expected an integer" "the member"
              let byField =
                  Decode.succeed (fun id name -> id, name)
                  |> Decode.andMap (Decode.field "Id" Decode.int64)
                  |> Decode.andMap (Decode.field "DisplayName" (Decode.optional Decode.string))
              Expect.equal (byField (arr [ s "id"; n 3L; s "extra"; n 0L ])) (Ok(3L, None)) "field ignores others"
              Expect.stringStarts (errorOf (byField (arr [ s "other"; n 3L ]))) "Id: expected an integer, got nil" "missing"
              Expect.equal (Decode.stringMap Decode.int64 (map [ s "a"; n 1L; s "b"; n 2L ])) (Ok(Map [ "a", 1L; "b", 2L ])) "a map"
              Expect.isError (Decode.stringMap Decode.int64 (arr [ s "a" ])) "odd pairs" ]

let private run (protocol: string) (lua: string) : System.Threading.Tasks.Task<RedisResult> =
    task {
        use mux = ConnectionMultiplexer.Connect($"{Server.configuration ()},protocol={protocol}")
        let client = Client.createWith { ClientOptions.defaults with Backend = Server.backend } mux
        match Client.define "decode_reply" lua (KeyCount.Fixed 1) ScriptOptions.defaults client with
        | Error e -> failtest (DefinitionError.describe e)
        | Ok _ -> ()
        match! Client.run "decode_reply" [ rv (Server.prefix () + "h") ] client with
        | Ok reply -> return reply
        | Error e -> return failtest (RunError.describe e)
    }

let private online =
    testList
        "Decode records and maps (server)"
        [ for protocol in [ "resp2"; "resp3" ] ->
              testTask $"HGETALL, a RESP3 map and a positional table read alike ({protocol})" {
                  let hash = "redis.call('HSET', KEYS[1], 'id', 9, 'display_name', 'Cy') "
                  let! (flat: RedisResult) = run protocol (hash + "return redis.call('HGETALL', KEYS[1])")
                  let! (resp3: RedisResult) = run protocol ("redis.setresp(3) " + hash + "return redis.call('HGETALL', KEYS[1])")
                  let! (positional: RedisResult) = run protocol "return {9, 'Cy', {'x'}}"
                  Expect.equal (resp3.Resp3Type = ResultType.Map) (protocol = "resp3") "a map only under RESP3"
                  for reply in [ flat; resp3 ] do
                      Expect.equal (texts (Decode.fields names reply)) (Ok [| "9"; "Cy"; "nil" |]) "by name"
                      let entries = Decode.entries Decode.string reply |> Result.map List.sort
                      Expect.equal entries (Ok [ "display_name", "Cy"; "id", "9" ]) "entries"
                  let record =
                      Decode.fields names
                      |> Decode.bind (fun (f: RedisResult[]) _ ->
                          match Decode.int64 f[0], Decode.string f[1], Decode.array Decode.string f[2] with
                          | Ok id, Ok name, Ok tags -> Ok(id, name, tags)
                          | _ -> Error "a member")
                  Expect.equal (record positional) (Ok(9L, "Cy", [| "x" |])) "by position"
              } ]

[<Tests>]
let tests = testList "Decode" [ offline; testSequenced online ]
