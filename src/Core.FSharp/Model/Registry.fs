namespace LuaScripts.Core

open System
open System.Collections.Immutable

/// An immutable map from command name to <see cref="Script"/>. Names are case-sensitive (ordinal).
/// Sharing one across threads is the holder's job: keep it in one cell and swap it atomically.
[<Sealed>]
type Registry internal (scripts: ImmutableDictionary<string, Script>) =
    member internal _.Scripts = scripts
    /// How many commands are defined.
    member _.Count = scripts.Count
    /// The script defined under a name, .NET style (no allocation): for adapters and hot paths.
    member _.TryGetValue(name: string, [<System.Runtime.InteropServices.Out>] script: byref<Script>) : bool =
        if isNull name then
            script <- null
            false
        else
            scripts.TryGetValue(name, &script)

/// Functions over <see cref="Registry"/>.
[<RequireQualifiedAccess>]
module Registry =

    /// The registry with no commands.
    [<CompiledName("Empty")>]
    let empty = Registry(ImmutableDictionary.Create<string, Script>(StringComparer.Ordinal))

    /// Adds a script under its name; a script already defined under that name is replaced.
    [<CompiledName("Define")>]
    let define (script: Script) (registry: Registry) = Registry(registry.Scripts.SetItem(script.Name, script))

    /// The script defined under a name, if any.
    [<CompiledName("TryFind")>]
    let tryFind (name: string) (registry: Registry) : Script option =
        match name with
        | null -> None
        | _ ->
            match registry.Scripts.TryGetValue name with
            | true, script -> Some script
            | _ -> None

    /// Removes a name; a name that is not defined leaves the registry as it is.
    [<CompiledName("Remove")>]
    let remove (name: string) (registry: Registry) = if isNull name then registry else Registry(registry.Scripts.Remove name)

    /// The defined names, in ordinal order.
    [<CompiledName("Names")>]
    let names (registry: Registry) : string list =
        registry.Scripts.Keys |> Seq.sortWith (fun a b -> String.CompareOrdinal(a, b)) |> List.ofSeq

    /// The defined scripts, in ordinal order of their names.
    [<CompiledName("Scripts")>]
    let scripts (registry: Registry) : Script list = names registry |> List.map (fun n -> registry.Scripts[n])

    /// How many commands are defined.
    [<CompiledName("Count")>]
    let count (registry: Registry) = registry.Count
