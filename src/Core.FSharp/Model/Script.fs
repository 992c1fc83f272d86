namespace LuaScripts.Core

open System

/// How many of a command's flat arguments are KEYS.
[<RequireQualifiedAccess>]
type KeyCount =
    /// The first `n` flat arguments are KEYS, the rest ARGV.
    | Fixed of int
    /// The first flat argument says how many of the following ones are KEYS.
    | Dynamic

/// Why a script definition was refused. Each case names the offending command where it has one.
[<RequireQualifiedAccess>]
type DefinitionError =
    /// The name was null, empty or only white space.
    | EmptyName
    /// The name contains a control character (a newline, a NUL, ...), which would garble logs and errors.
    | NameHasControlCharacters of name: string
    /// The Lua body was null, empty or only white space.
    | EmptyLua of name: string
    /// A fixed key count below zero.
    | NegativeKeyCount of name: string * keys: int

/// Optional facts about a definition beyond its name, body and key count.
type ScriptOptions =
    {
        /// Free text for people: what the command does.
        Description: string option
        /// The script never writes: it runs with EVALSHA_RO/EVAL_RO and may be served by a replica.
        ReadOnly: bool
        /// The command may be reached through the client's dynamic method view.
        Install: bool
    }

/// Functions over <see cref="ScriptOptions"/>.
[<RequireQualifiedAccess>]
module ScriptOptions =
    /// No description, a writing script, not installed as a method.
    [<CompiledName("Default")>]
    let defaults: ScriptOptions = { Description = None; ReadOnly = false; Install = false }

/// An immutable, validated script definition: a name, a Lua body, a key count and the body's SHA1.
/// Build one with <c>Script.create</c>.
[<Sealed; AllowNullLiteral>]
type Script internal (name: string, lua: string, keyCount: KeyCount, options: ScriptOptions, sha1Bytes: byte[], source: SourceMap option) =
    let sha1 = Sha1.toHex sha1Bytes

    internal new(name, lua, keyCount, options, sha1Bytes) = Script(name, lua, keyCount, options, sha1Bytes, None)

    /// The command's name, as callers run it.
    member _.Name = name
    /// The Lua body, sent with EVAL when a server does not know it yet.
    member _.Lua = lua
    /// How many flat arguments are KEYS.
    member _.KeyCount = keyCount
    /// Free text for people.
    member _.Description = options.Description
    /// The script never writes (EVALSHA_RO/EVAL_RO).
    member _.ReadOnly = options.ReadOnly
    /// The command may be reached through the dynamic method view.
    member _.Install = options.Install
    /// The options the script was defined with.
    member _.Options = options
    /// The lower-case hexadecimal SHA1 of the body, the name EVALSHA uses.
    member _.Sha1 = sha1
    /// Where each line of the body comes from, for a command defined from files (None: from a string).
    member _.Source: SourceMap option = source
    /// The 20 raw bytes of the SHA1 (shared: do not mutate).
    member internal _.Sha1Bytes = sha1Bytes

    /// What the runtime last concluded about the servers this script is loaded on: a cache of the
    /// runtime's own (see <c>Context.LoadedEverywhere</c>), not part of the definition. Each client
    /// defines scripts of its own (<c>Client.define</c>, <c>ScriptSources.define</c>), so one client
    /// concludes about a script, and its load state stays reachable while the script does.
    [<DefaultValue>]
    val mutable internal LoadProof: obj

    override _.ToString() = $"{name} ({sha1})"

/// Building and reading <see cref="Script"/> values.
[<RequireQualifiedAccess>]
module Script =

    let private hasControlCharacter (s: string) = s |> Seq.exists Char.IsControl

    /// Validates a definition and computes its SHA1. Nothing is sent anywhere.
    [<CompiledName("Create")>]
    let create (name: string) (lua: string) (keyCount: KeyCount) (options: ScriptOptions) : Result<Script, DefinitionError> =
        if String.IsNullOrWhiteSpace name then
            Error DefinitionError.EmptyName
        elif hasControlCharacter name then
            Error(DefinitionError.NameHasControlCharacters name)
        elif String.IsNullOrWhiteSpace lua then
            Error(DefinitionError.EmptyLua name)
        else
            match keyCount with
            | KeyCount.Fixed n when n < 0 -> Error(DefinitionError.NegativeKeyCount(name, n))
            | _ -> Ok(Script(name, lua, keyCount, options, Sha1.hashBytes lua))

    /// <see cref="create"/> for a body expanded from files, keeping its source map.
    let internal createFromSource name lua keyCount options (source: SourceMap) : Result<Script, DefinitionError> =
        create name lua keyCount options
        |> Result.map (fun s -> Script(s.Name, s.Lua, s.KeyCount, s.Options, s.Sha1Bytes, Some source))

    /// The script's name.
    [<CompiledName("Name")>]
    let name (script: Script) = script.Name

    /// The script's lower-case hexadecimal SHA1.
    [<CompiledName("Sha1")>]
    let sha1 (script: Script) = script.Sha1

/// Messages for <see cref="DefinitionError"/>.
[<RequireQualifiedAccess>]
module DefinitionError =

    /// A sentence that says what is wrong with the definition, naming the command.
    [<CompiledName("Describe")>]
    let describe (error: DefinitionError) : string =
        match error with
        | DefinitionError.EmptyName -> "A script command needs a name that is not empty or white space."
        | DefinitionError.NameHasControlCharacters name ->
            let shown = name |> String.collect (fun c -> if Char.IsControl c then $"\\u{int c:x4}" else string c)
            $"The script command name '{shown}' contains a control character."
        | DefinitionError.EmptyLua name -> $"The script command '{name}' needs a Lua body that is not empty or white space."
        | DefinitionError.NegativeKeyCount(name, keys) ->
            $"The script command '{name}' was defined with {keys} keys; a key count cannot be negative."
