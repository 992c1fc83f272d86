namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Globalization
open System.Text.RegularExpressions

/// What a command file's name and headers say about it.
type ScriptFileHeaders =
    {
        /// The key count of a `--! keys: N` header.
        Keys: int option
        /// A `--! readonly` header, or `no-writes` among the flags of a `#!lua` first line.
        ReadOnly: bool
        /// The text of a `--! description: ...` header.
        Description: string option
        /// A `--! install` header.
        Install: bool
        /// The `#!lua ...` first line, if the file has one (it stays in the body: the server reads it).
        FlagsLine: string option
    }

/// Defining commands from `.lua` files. Pure: the files are given as text by path (relative to
/// their root, `/` between folders); reading a directory or an assembly is the Api's job.
[<RequireQualifiedAccess>]
module ScriptFiles =

    let private suffix = Regex(@"^(.+)-([0-9]+)$", RegexOptions.CultureInvariant)

    /// Whether a path is a command file: a `.lua` file at the root (files in folders are only included).
    [<CompiledName("IsCommandFile")>]
    let isCommandFile (path: string) = path.EndsWith(".lua", StringComparison.Ordinal) && not (path.Contains '/') && path.Length > 4

    /// The command a file name defines: `name-N.lua` is `name` with N keys, `name.lua` is `name`.
    [<CompiledName("NameOf")>]
    let nameOf (file: string) : Result<string * int option, ScriptFileError> =
        let stem = file.Substring(0, file.Length - 4)
        let m = suffix.Match stem
        if not m.Success then
            if String.IsNullOrWhiteSpace stem then
                Error(ScriptFileError.InvalidFileName(file, "the name before .lua is empty"))
            else
                Ok(stem, None)
        else
            match Int32.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture) with
            | true, n -> Ok(m.Groups[1].Value, Some n)
            | _ -> Error(ScriptFileError.InvalidFileName(file, $"the key count suffix {m.Groups[2].Value} is too large"))

    let private noHeaders = { Keys = None; ReadOnly = false; Description = None; Install = false; FlagsLine = None }

    let private flagsOf (line: string) : Result<string list, string> =
        let rest = line.Substring 5
        if rest.Length > 0 && not (Char.IsWhiteSpace rest[0]) then
            Error "the first line starts with #! but is not a #!lua line"
        else
            rest.Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)
            |> Array.tryFind (fun t -> t.StartsWith("flags=", StringComparison.Ordinal))
            |> Option.map (fun t -> t.Substring(6).Split(',', StringSplitOptions.RemoveEmptyEntries) |> List.ofArray)
            |> Option.defaultValue []
            |> Ok

    let private header (file: string) (line: int) (text: string) (h: ScriptFileHeaders) : Result<ScriptFileHeaders, ScriptFileError> =
        let bad reason = Error(ScriptFileError.InvalidHeader(file, line, reason))
        let body = text.TrimStart().Substring(3).Trim()
        let colon = body.IndexOf ':'
        let key, value = if colon < 0 then body, None else body.Substring(0, colon).Trim(), Some(body.Substring(colon + 1).Trim())
        match key, value with
        | "readonly", None when h.ReadOnly && h.FlagsLine.IsNone -> bad "--! readonly is given twice"
        | "readonly", None -> Ok { h with ReadOnly = true }
        | "install", None when h.Install -> bad "--! install is given twice"
        | "install", None -> Ok { h with Install = true }
        | "keys", Some _ when h.Keys.IsSome -> bad "--! keys is given twice"
        | "keys", Some v ->
            match Int32.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture) with
            | true, n -> Ok { h with Keys = Some n }
            | _ -> bad $"--! keys needs a whole number of keys (0 or more), not '{v}'"
        | "description", Some _ when h.Description.IsSome -> bad "--! description is given twice"
        | "description", Some "" -> bad "--! description needs a text"
        | "description", Some v -> Ok { h with Description = Some v }
        | ("readonly" | "install"), Some _ -> bad $"--! {key} takes no value"
        | ("keys" | "description"), None -> bad $"--! {key} needs a value after a colon"
        | _ -> bad $"unknown header '--! {body}' (known: keys, readonly, description, install)"

    /// Reads a command file's headers: an optional `#!lua` first line, then `--! key: value` lines
    /// among the comment and blank lines at the top. A `--!` line after the first line of code is an
    /// error, as is an unknown, repeated or malformed header.
    [<CompiledName("Headers")>]
    let headers (file: string) (lines: string[]) : Result<ScriptFileHeaders, ScriptFileError> =
        let mutable result = Ok noHeaders
        let mutable inHeader = true
        for i in 0 .. lines.Length - 1 do
            match result with
            | Error _ -> ()
            | Ok h ->
                let line = lines[i]
                let trimmed = line.TrimStart()
                if i = 0 && line.StartsWith("#!", StringComparison.Ordinal) then
                    if not (line.StartsWith("#!lua", StringComparison.Ordinal)) then
                        result <- Error(ScriptFileError.InvalidHeader(file, 1, "the first line starts with #! but is not a #!lua line"))
                    else
                        match flagsOf line with
                        | Error reason -> result <- Error(ScriptFileError.InvalidHeader(file, 1, reason))
                        | Ok flags ->
                            result <- Ok { h with FlagsLine = Some line; ReadOnly = h.ReadOnly || List.contains "no-writes" flags }
                elif trimmed.StartsWith("--!", StringComparison.Ordinal) then
                    if inHeader then
                        result <- header file (i + 1) line h
                    else
                        result <- Error(ScriptFileError.InvalidHeader(file, i + 1, "a --! header must come before the first line of code"))
                elif trimmed.Length > 0 && not (trimmed.StartsWith("--", StringComparison.Ordinal)) then
                    inHeader <- false
        result

    /// Checks the headers against the file name and flags line, and returns the key count and options.
    let private settle (file: string) (fromName: int option) (lines: string[]) (h: ScriptFileHeaders) =
        let declaredReadOnly =
            lines
            |> Array.exists (fun l ->
                l.TrimStart().StartsWith("--!", StringComparison.Ordinal) && l.TrimStart().Substring(3).Trim() = "readonly")
        match fromName, h.Keys, h.FlagsLine with
        | Some n, Some k, _ when n <> k -> Error(ScriptFileError.KeyCountConflict(file, n, k))
        | _, _, Some flags when
            declaredReadOnly
            && not (
                List.contains
                    "no-writes"
                    (match flagsOf flags with
                     | Ok f -> f
                     | Error _ -> [])
            )
            ->
            Error(ScriptFileError.ReadOnlyConflict(file, flags))
        | _ ->
            let keys =
                match fromName |> Option.orElse h.Keys with
                | Some n -> KeyCount.Fixed n
                | None -> KeyCount.Dynamic
            Ok(keys, { Description = h.Description; ReadOnly = h.ReadOnly; Install = h.Install })

    /// Defines the command of one command file: its name, headers, and body with includes expanded.
    [<CompiledName("DefineOne")>]
    let defineOne (files: IReadOnlyDictionary<string, string>) (file: string) : Result<Script, ScriptFileError> =
        match nameOf file with
        | Error e -> Error e
        | Ok(name, fromName) ->
            let lines = Includes.lines files[file]
            match headers file lines with
            | Error e -> Error e
            | Ok h ->
                match settle file fromName lines h with
                | Error e -> Error e
                | Ok(keys, options) ->
                    match Includes.expand files file with
                    | Error e -> Error e
                    | Ok(body, map) ->
                        Script.createFromSource name body keys options map
                        |> Result.mapError (fun e -> ScriptFileError.InvalidDefinition(file, e))

    /// Defines every command file of a set (the `.lua` files at its root; files in folders are only
    /// included), in ordinal order of file name. Every problem of every file is reported, and
    /// nothing is defined unless all are fine.
    [<CompiledName("Define")>]
    let define (files: IReadOnlyDictionary<string, string>) : Result<Script list, ScriptFileError list> =
        let commandFiles =
            files.Keys |> Seq.filter isCommandFile |> Seq.sortWith (fun a b -> String.CompareOrdinal(a, b)) |> List.ofSeq
        let duplicates =
            commandFiles
            |> List.choose (fun f ->
                nameOf f
                |> (function
                | Ok v -> Some v
                | Error _ -> None)
                |> Option.map (fun (n, _) -> n, f))
            |> List.groupBy fst
            |> List.filter (fun (_, fs) -> fs.Length > 1)
            |> List.map (fun (name, fs) -> ScriptFileError.DuplicateName(name, List.map snd fs))
        let results = commandFiles |> List.map (defineOne files)
        let errors =
            (results
             |> List.choose (function
                 | Error e -> Some e
                 | Ok _ -> None))
            @ duplicates
        if errors.IsEmpty then
            Ok(
                results
                |> List.choose (function
                    | Ok v -> Some v
                    | Error _ -> None)
            )
        else
            Error errors
