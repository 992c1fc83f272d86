/// The public surface of LuaScripts.Core, pinned: every public type and member, one line each,
/// compared with the committed tests/Core.Tests/PublicSurface.txt (the F# twin of the facade's
/// PublicAPI.*.txt). LUASCRIPTS_UPDATE_SURFACE=1 rewrites the file in the source tree.
module LuaScripts.Core.Tests.SurfaceTests

open System
open System.IO
open System.Reflection
open Expecto
open LuaScripts.Core

// A type of this assembly, to find where it was loaded from.
type private Marker = class end

/// The environment variable that makes the test rewrite the committed file instead of failing.
[<Literal>]
let UpdateVariable = "LUASCRIPTS_UPDATE_SURFACE"

/// The committed file, relative to the repository root.
let RelativePath = Path.Combine("tests", "Core.Tests", "PublicSurface.txt")

// Compiler-generated names: closures (`f@12`), `<StartupCode$...>`, backing fields, anonymous types.
let private isNoise (name: string) = name.Contains '@' || name.Contains '<' || name.Contains '>' || name.Contains '$'

/// A type as the surface spells it: namespace-qualified, `+` for nesting, generic arguments in
/// angle brackets, no assembly names (so that it reads the same on every target framework).
let rec typeName (t: Type) : string =
    if t.IsGenericParameter then
        t.Name
    elif t.IsByRef then
        typeName (t.GetElementType()) + "&"
    elif t.IsPointer then
        typeName (t.GetElementType()) + "*"
    elif t.IsArray then
        typeName (t.GetElementType()) + "[" + String(',', t.GetArrayRank() - 1) + "]"
    else
        let rec plain (t: Type) =
            let own =
                match t.Name.IndexOf '`' with
                | -1 -> t.Name
                | i -> t.Name.Substring(0, i)
            if t.IsNested then plain t.DeclaringType + "+" + own
            elif String.IsNullOrEmpty t.Namespace then own
            else t.Namespace + "." + own
        let args = t.GetGenericArguments()
        if args.Length = 0 then plain t else plain t + "<" + (args |> Array.map typeName |> String.concat ", ") + ">"

let private parameters (ps: ParameterInfo[]) = ps |> Array.map (fun p -> $"{typeName p.ParameterType} {p.Name}") |> String.concat ", "

let private kind (t: Type) =
    if t.IsInterface then "interface"
    elif t.IsEnum then "enum"
    elif t.IsValueType then "struct"
    elif typeof<Delegate>.IsAssignableFrom t then "delegate"
    elif t.IsAbstract && t.IsSealed then "static class"
    elif t.IsAbstract then "abstract class"
    elif t.IsSealed then "sealed class"
    else "class"

let private typeLine (t: Type) =
    let inherited = if isNull t.BaseType then Set.empty else set (t.BaseType.GetInterfaces() |> Array.map typeName)
    let interfaces = t.GetInterfaces() |> Array.map typeName |> Array.filter (fun i -> not (inherited.Contains i)) |> Array.sort
    let bases =
        [ if not (isNull t.BaseType) && t.BaseType <> typeof<obj> && t.BaseType <> typeof<ValueType> && not t.IsEnum then
              typeName t.BaseType
          yield! interfaces ]
    let suffix = if bases.IsEmpty then "" else " : " + String.concat ", " bases
    $"{typeName t} [{kind t}]{suffix}"

// A constant's value on one line: strings quoted with their control characters escaped.
let private literal (value: obj) =
    match value with
    | :? string as text ->
        let escaped =
            text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t")
        "\"" + escaped + "\""
    | :? IFormattable as number -> number.ToString(null, Globalization.CultureInfo.InvariantCulture)
    | other -> string other

let private visible (m: MethodBase) = not (isNull m) && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly)

let private access (m: MethodBase) = if m.IsPublic then "" else "protected "

let private methodModifiers (m: MethodBase) =
    access m
    + (if m.IsStatic then "static " else "")
    + (if m.IsAbstract then "abstract "
       elif m.IsVirtual && not m.IsFinal then "virtual "
       else "")

let private memberLines (t: Type) : string list =
    let flags =
        BindingFlags.Public
        ||| BindingFlags.NonPublic
        ||| BindingFlags.Instance
        ||| BindingFlags.Static
        ||| BindingFlags.DeclaredOnly
    let owner = typeName t
    let properties = t.GetProperties flags |> Array.filter (fun p -> p.GetAccessors true |> Array.exists visible)
    let events = t.GetEvents flags |> Array.filter (fun e -> visible (e.GetAddMethod true))
    let accessors = Collections.Generic.HashSet<MethodBase>()
    for p in t.GetProperties flags do
        for a in p.GetAccessors true do
            accessors.Add a |> ignore
    for e in t.GetEvents flags do
        for a in [ e.GetAddMethod true; e.GetRemoveMethod true; e.GetRaiseMethod true ] do
            if not (isNull a) then accessors.Add a |> ignore
    [ for c in t.GetConstructors flags do
          if visible c then yield $"{owner}::{access c}.ctor({parameters (c.GetParameters())})"
      for f in t.GetFields flags do
          if (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && not (isNoise f.Name) && not t.IsEnum then
              let modifiers =
                  (if f.IsPublic then "" else "protected ")
                  + (if f.IsLiteral then "const "
                     elif f.IsStatic then "static "
                     else "")
                  + (if f.IsInitOnly then "readonly " else "")
              let value = if f.IsLiteral then " = " + literal (f.GetRawConstantValue()) else ""
              yield $"{owner}::{modifiers}field {typeName f.FieldType} {f.Name}{value}"
      if t.IsEnum then for name in Enum.GetNames t -> $"{owner}::enum value {name}"
      for p in properties do
          if not (isNoise p.Name) then
              let getter = p.GetGetMethod true
              let setter = p.GetSetMethod true
              let shown = if visible getter then getter else setter
              let index =
                  match p.GetIndexParameters() with
                  | [||] -> ""
                  | ps -> $"[{parameters ps}]"
              let get = if visible getter then " get;" else ""
              let set = if visible setter then " set;" else ""
              yield $"{owner}::{methodModifiers shown}property {typeName p.PropertyType} {p.Name}{index} {{{get}{set} }}"
      for e in events do
          if not (isNoise e.Name) then yield $"{owner}::event {typeName e.EventHandlerType} {e.Name}"
      for m in t.GetMethods flags do
          if visible m && not (accessors.Contains m) && not (isNoise m.Name) then
              let generic =
                  if m.IsGenericMethodDefinition then
                      "<" + (m.GetGenericArguments() |> Array.map typeName |> String.concat ", ") + ">"
                  else
                      ""
              yield $"{owner}::{methodModifiers m}method {typeName m.ReturnType} {m.Name}{generic}({parameters (m.GetParameters())})" ]

/// The public surface of an assembly: one line per public type and per public (or protected)
/// member, sorted ordinally. Compiler-generated types and members are left out.
let surface (assembly: Assembly) : string list =
    assembly.GetExportedTypes()
    |> Array.filter (fun t -> not (isNoise t.FullName))
    |> Array.collect (fun t -> Array.ofList (typeLine t :: memberLines t))
    |> Array.distinct
    |> Array.sortWith (fun a b -> String.CompareOrdinal(a, b))
    |> List.ofArray

/// The committed file: found by walking up from the test assembly to the repository root (the
/// folder that holds LuaScripts.sln).
let surfaceFile () : string =
    let start = Path.GetDirectoryName(typeof<Marker>.Assembly.Location)
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith $"No folder holding LuaScripts.sln above {start}: cannot find {RelativePath}."
        elif File.Exists(Path.Combine(dir.FullName, "LuaScripts.sln")) then Path.Combine(dir.FullName, RelativePath)
        else up dir.Parent
    up (DirectoryInfo start)

let private header =
    [ "# The public surface of LuaScripts.Core: every public type and member, one line each, sorted."
      "# Checked by tests/Core.Tests/SurfaceTests.fs. After an intended change of the surface, rewrite it with"
      $"#   {UpdateVariable}=1 dotnet run -c Release --project tests/Core.Tests -- --filter-test-list Surface"
      "# and commit it with the change." ]

/// The lines of a surface file: comments and blank lines left out.
let readSurface (path: string) : string list =
    File.ReadAllLines path
    |> Array.map (fun l -> l.TrimEnd('\r'))
    |> Array.filter (fun l -> l.Length > 0 && not (l.StartsWith "#"))
    |> List.ofArray

let private write (path: string) (lines: string list) = File.WriteAllText(path, String.concat "\n" (header @ lines) + "\n")

/// What to say when the surface and the file differ: the added and removed lines, and how to update.
let difference (path: string) (expected: string list) (actual: string list) : string =
    let expectedSet = set expected
    let actualSet = set actual
    let added = actual |> List.filter (fun l -> not (expectedSet.Contains l))
    let removed = expected |> List.filter (fun l -> not (actualSet.Contains l))
    let show sign lines = if List.isEmpty lines then "  (none)" else lines |> List.map (fun l -> $"  {sign} {l}") |> String.concat "\n"
    String.concat
        "\n"
        [ $"The public surface of LuaScripts.Core differs from {path}."
          $"Added (public now, not in the file): {added.Length}"
          show "+" added
          $"Removed (in the file, not public now): {removed.Length}"
          show "-" removed
          "If the change is intended, rewrite the file and commit it with the change:"
          $"  {UpdateVariable}=1 dotnet run -c Release --project tests/Core.Tests -- --filter-test-list Surface" ]

// Runtime machinery that must stay internal: none of these may be a public type.
let private machinery =
    [ "Context"
      "Topology"
      "LoadState"
      "FunctionState"
      "Plan"
      "Deployed"
      "RoundPlan"
      "RoundOutcome"
      "Wire"
      "Calls"
      "Rounds"
      "Deployment"
      "Preload"
      "Batch"
      "ExecutionFailed" ]

[<Tests>]
let tests =
    let core = typeof<Client>.Assembly
    testList
        "Surface"
        [ testCase "the public surface of LuaScripts.Core is the committed PublicSurface.txt"
          <| fun () ->
              let actual = surface core
              let path = surfaceFile ()
              let update = Environment.GetEnvironmentVariable UpdateVariable = "1"
              let expected = if File.Exists path then readSurface path else []
              if expected <> actual then
                  if update then
                      write path actual
                      printfn $"{UpdateVariable}=1: rewrote {path} ({actual.Length} lines)."
                  elif not (File.Exists path) then
                      failtest
                          $"{path} is missing. Create it with {UpdateVariable}=1 dotnet run -c Release --project tests/Core.Tests -- --filter-test-list Surface"
                  else
                      failtest (difference path expected actual)

          testCase "the surface is the same when computed twice, and sorted"
          <| fun () ->
              let first = surface core
              Expect.equal (surface core) first "deterministic"
              Expect.equal first (first |> List.sortWith (fun a b -> String.CompareOrdinal(a, b))) "sorted"
              Expect.equal first (List.distinct first) "no line twice"

          testCase "no compiler-generated type or member is listed, and every entry is one line"
          <| fun () ->
              for line in surface core do
                  Expect.isFalse (line.Contains "@" || line.Contains "$" || line.Contains "StartupCode") line
                  Expect.isFalse (line.Contains '\n' || line.Contains '\r') $"one line each: {line}"

          testCase "the runtime machinery is not public"
          <| fun () ->
              let types = surface core |> List.filter (fun l -> not (l.Contains "::")) |> List.map (fun l -> l.Split(' ')[0])
              for name in machinery do
                  Expect.isFalse (List.contains $"LuaScripts.Core.{name}" types) $"LuaScripts.Core.{name} is public"

          testCase "a difference names the added and removed lines and how to update"
          <| fun () ->
              let message = difference "PublicSurface.txt" [ "a"; "b" ] [ "b"; "c" ]
              Expect.stringContains message "  + c" "added"
              Expect.stringContains message "  - a" "removed"
              Expect.isFalse (message.Contains "  + b" || message.Contains "  - b") "unchanged lines are not shown"
              Expect.stringContains message $"{UpdateVariable}=1" "how to update" ]
