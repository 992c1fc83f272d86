/// Registry laws: define/tryFind, last definition wins, sorted distinct names, remove.
module LuaScripts.Core.Tests.RegistryTests

open System
open Expecto
open LuaScripts.Core
open LuaScripts.Core.Tests.Generators

let private build (defs: (string * string) list) =
    defs |> List.fold (fun r (name, lua) -> Registry.define (scriptOf name lua KeyCount.Dynamic) r) Registry.empty

let private ordinal (names: string list) = names |> List.sortWith (fun a b -> String.CompareOrdinal(a, b))

[<Tests>]
let tests =
    testList
        "Registry"
        [ property "define then tryFind gives the script"
          <| fun (Definitions defs) (ScriptName name) (LuaBody lua) ->
              let script = scriptOf name lua (KeyCount.Fixed 1)
              let registry = build defs |> Registry.define script
              match Registry.tryFind name registry with
              | Some found -> obj.ReferenceEquals(found, script)
              | None -> false

          property "the last definition of a name wins"
          <| fun (Definitions defs) ->
              let registry = build defs
              defs
              |> List.groupBy fst
              |> List.forall (fun (name, ds) ->
                  let lastLua = ds |> List.last |> snd
                  match Registry.tryFind name registry with
                  | Some s -> s.Lua = lastLua && s.Name = name
                  | None -> false)

          property "names are the distinct names defined, in ordinal order"
          <| fun (Definitions defs) ->
              let registry = build defs
              let expected = defs |> List.map fst |> List.distinct |> ordinal
              Registry.names registry = expected
              && Registry.count registry = expected.Length
              && registry.Count = expected.Length
              && (Registry.scripts registry |> List.map Script.name) = expected

          property "remove then tryFind is None, and only that name goes"
          <| fun (Definitions defs) ->
              let registry = build defs
              Registry.names registry
              |> List.forall (fun name ->
                  let removed = Registry.remove name registry
                  Registry.tryFind name removed = None && Registry.names removed = (Registry.names registry |> List.filter ((<>) name)))

          property "removing an absent name leaves the names unchanged"
          <| fun (Definitions defs) (ScriptName absent) ->
              let registry = build defs
              let absent = if List.exists (fst >> (=) absent) defs then absent + "\u2603absent" else absent
              Registry.names (Registry.remove absent registry) = Registry.names registry

          property "a registry is a value: defining does not change the old one"
          <| fun (Definitions defs) (ScriptName name) ->
              let before = build defs
              let namesBefore = Registry.names before
              let _after = Registry.define (scriptOf name "return 1" KeyCount.Dynamic) before
              Registry.names before = namesBefore

          testCase "names are case-sensitive"
          <| fun () ->
              let r = build [ "Get", "return 1"; "get", "return 2" ]
              Expect.equal (Registry.names r) [ "Get"; "get" ] "two names, ordinal order"
              Expect.equal (Registry.tryFind "GET" r) None "no case folding"

          testCase "null names are simply absent"
          <| fun () ->
              let r = build [ "a", "return 1" ]
              Expect.equal (Registry.tryFind null r) None "tryFind null"
              let mutable s = Unchecked.defaultof<Script>
              Expect.isFalse (r.TryGetValue(null, &s)) "TryGetValue null"
              Expect.isTrue (r.TryGetValue("a", &s)) "TryGetValue a"
              Expect.equal s.Name "a" "found"
              Expect.equal (Registry.names (Registry.remove null r)) [ "a" ] "remove null leaves the registry as it is"

          testCase "the empty registry has no names"
          <| fun () ->
              Expect.isEmpty (Registry.names Registry.empty) "no names"
              Expect.equal (Registry.count Registry.empty) 0 "count" ]
