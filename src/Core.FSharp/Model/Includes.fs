namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.Text.RegularExpressions

/// Why commands could not be defined from files. Each case names the file (and line) at fault.
[<RequireQualifiedAccess>]
type ScriptFileError =
    /// The directory or resource set could not be read at all.
    | Unreadable of source: string * reason: string
    /// A command file's name cannot name a command (an empty name, a key count suffix too large).
    | InvalidFileName of file: string * reason: string
    /// A `--!` header, a `#!` line or an `--- @include` line that is malformed or not allowed where it is.
    | InvalidHeader of file: string * line: int * reason: string
    /// The file name's `-N` suffix and the `--! keys:` header give different key counts.
    | KeyCountConflict of file: string * suffix: int * header: int
    /// `--! readonly` with a `#!lua` line whose flags lack `no-writes`: the server would refuse the
    /// read-only call of a script that declares it may write.
    | ReadOnlyConflict of file: string * flagsLine: string
    /// Two command files define the same command name.
    | DuplicateName of name: string * files: string list
    /// An include names no file. The chain holds the include lines from the command's file to the
    /// one that failed; `searched` the paths looked at.
    | MissingInclude of chain: SourceLine list * target: string * searched: string list
    /// An include brings back a file that is already being expanded. The chain holds the include
    /// lines from the first inclusion of that file to the one that closes the cycle.
    | IncludeCycle of chain: SourceLine list * file: string
    /// The expanded command was refused as a definition (an empty body...).
    | InvalidDefinition of file: string * error: DefinitionError

/// Messages for <see cref="ScriptFileError"/>.
[<RequireQualifiedAccess>]
module ScriptFileError =

    let private at (l: SourceLine) = $"{l.File}:{l.Line}"

    /// The file the error is about (for a chain, the command's own file).
    [<CompiledName("File")>]
    let file (error: ScriptFileError) : string =
        match error with
        | ScriptFileError.Unreadable(source, _) -> source
        | ScriptFileError.InvalidFileName(file, _)
        | ScriptFileError.InvalidHeader(file, _, _)
        | ScriptFileError.KeyCountConflict(file, _, _)
        | ScriptFileError.ReadOnlyConflict(file, _)
        | ScriptFileError.InvalidDefinition(file, _) -> file
        | ScriptFileError.DuplicateName(_, files) -> List.head files
        | ScriptFileError.MissingInclude(chain, _, _)
        | ScriptFileError.IncludeCycle(chain, _) -> (List.head chain).File

    /// A sentence naming the file (and line, and include chain) and what is wrong.
    [<CompiledName("Describe")>]
    let describe (error: ScriptFileError) : string =
        match error with
        | ScriptFileError.Unreadable(source, reason) -> $"The scripts in '{source}' could not be read: {reason}"
        | ScriptFileError.InvalidFileName(file, reason) -> $"{file}: the file name cannot name a command: {reason}."
        | ScriptFileError.InvalidHeader(file, line, reason) -> $"{file}:{line}: {reason}."
        | ScriptFileError.KeyCountConflict(file, suffix, header) ->
            $"{file}: the file name says {suffix} keys but its --! keys header says {header}; give the count once."
        | ScriptFileError.ReadOnlyConflict(file, flags) ->
            $"{file}: --! readonly conflicts with the first line '{flags}', which lacks flags=no-writes (the server would refuse a read-only call of it)."
        | ScriptFileError.DuplicateName(name, files) ->
            let all = String.Join(", ", files)
            $"The command '{name}' is defined by more than one file: {all}."
        | ScriptFileError.MissingInclude(chain, target, searched) ->
            let path = chain |> List.map at |> String.concat " -> "
            let looked = String.Join(", ", searched)
            $"{path}: the include \"{target}\" names no file (looked for {looked})."
        | ScriptFileError.IncludeCycle(chain, file) ->
            let path = chain |> List.map at |> String.concat " -> "
            $"{path}: the include of {file} closes a cycle ({file} is already being included)."
        | ScriptFileError.InvalidDefinition(file, e) -> $"{file}: {DefinitionError.describe e}"

/// Expanding `--- @include "path"` lines into one body, with its source map. Pure: the files are
/// given as text by path (relative to their root, `/` between folders).
[<RequireQualifiedAccess>]
module Includes =

    /// The lines of a file's text: a UTF-8 byte order mark dropped, CRLF and CR read as LF, and a
    /// final line break ending the last line rather than starting an empty one.
    [<CompiledName("Lines")>]
    let lines (text: string) : string[] =
        let text = if not (String.IsNullOrEmpty text) && text[0] = '\uFEFF' then text.Substring 1 else text
        if String.IsNullOrEmpty text then
            [||]
        else
            let parts = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n')
            if parts.Length > 1 && parts[parts.Length - 1] = "" then parts[.. parts.Length - 2] else parts

    let private directivePattern = Regex(@"^\s*---\s*@include\s+""([^""]+)""\s*$", RegexOptions.CultureInvariant)
    let private directiveStart = Regex(@"^\s*---\s*@include\b", RegexOptions.CultureInvariant)

    /// What a line is to the expander: None for plain text, Some(Ok target) for an include, Some(Error
    /// reason) for a line that starts like an include but is malformed.
    [<CompiledName("Directive")>]
    let directive (line: string) : Result<string, string> option =
        let m = directivePattern.Match line
        if m.Success then
            Some(Ok m.Groups[1].Value)
        elif directiveStart.IsMatch line then
            Some(Error "an include reads --- @include \"relative/path\" (one quoted path, nothing after it)")
        else
            None

    /// A path with `.` and `..` folded; None when it climbs above the root.
    let private normalize (path: string) : string option =
        let parts = Stack<string>()
        let mutable ok = true
        for part in path.Replace('\\', '/').Split('/') do
            match part with
            | ""
            | "." -> ()
            | ".." -> if parts.Count = 0 then ok <- false else parts.Pop() |> ignore
            | p -> parts.Push p
        if ok && parts.Count > 0 then Some(String.Join("/", parts |> Seq.rev)) else None

    let private folderOf (file: string) =
        let at = file.LastIndexOf '/'
        if at < 0 then "" else file.Substring(0, at + 1)

    /// The paths an include target may mean, in the order they are tried: relative to the including
    /// file's folder, then to the root (`.lua` added when the target lacks it).
    [<CompiledName("Candidates")>]
    let candidates (from: string) (target: string) : string list =
        let target = if target.EndsWith(".lua", StringComparison.Ordinal) then target else target + ".lua"
        let rooted = target.StartsWith("/", StringComparison.Ordinal)
        [ if not rooted then normalize (folderOf from + target)
          normalize target ]
        |> List.choose id
        |> List.distinct

    /// The line an include becomes in the expanded body: still a comment, no longer an include, so
    /// that expanding an expanded body changes nothing.
    [<CompiledName("Marker")>]
    let marker (path: string) = $"--- @included \"{path}\""

    /// Expands a file's includes recursively, each file at most once (a later include of a file
    /// already expanded keeps only its marker line). Every line of every file brought in appears
    /// exactly once in the body, in file order, with an include line turned into its
    /// <see cref="marker"/>; the source map says where each body line comes from. Lines are joined
    /// with LF, so the body (and its SHA1) does not depend on the files' line endings. An included
    /// file may not carry `--!` headers or a `#!` line.
    [<CompiledName("Expand")>]
    let expand (files: IReadOnlyDictionary<string, string>) (entry: string) : Result<string * SourceMap, ScriptFileError> =
        let out = ResizeArray<string>()
        let map = ResizeArray<SourceLocation>()
        let expanded = HashSet<string>(StringComparer.Ordinal)
        // chain: the include lines that led here, innermost first; open: the files being expanded.
        let rec go (file: string) (chain: SourceLine list) (openFiles: string list) : Result<unit, ScriptFileError> =
            expanded.Add file |> ignore
            let text = lines files[file]
            let mutable failure = None
            let mutable i = 0
            while failure.IsNone && i < text.Length do
                let here = { File = file; Line = i + 1 }
                let line = text[i]
                let plain () =
                    out.Add line
                    map.Add { Source = here; IncludedFrom = chain }
                if
                    file <> entry
                    && (line.TrimStart().StartsWith("--!", StringComparison.Ordinal)
                        || (i = 0 && line.StartsWith("#!", StringComparison.Ordinal)))
                then
                    failure <-
                        Some(
                            ScriptFileError.InvalidHeader(
                                file,
                                i + 1,
                                "an included file cannot declare --! headers or a #! line; only the command's own file does"
                            )
                        )
                else
                    match directive line with
                    | None -> plain ()
                    | Some(Error reason) -> failure <- Some(ScriptFileError.InvalidHeader(file, i + 1, reason))
                    | Some(Ok target) ->
                        let searched = candidates file target
                        match searched |> List.tryFind files.ContainsKey with
                        | None -> failure <- Some(ScriptFileError.MissingInclude(List.rev (here :: chain), target, searched))
                        | Some path ->
                            out.Add(marker path)
                            map.Add { Source = here; IncludedFrom = chain }
                            if List.contains path openFiles then
                                let fromPath = (here :: chain) |> List.rev
                                let start = fromPath |> List.findIndex (fun l -> l.File = path)
                                failure <- Some(ScriptFileError.IncludeCycle(fromPath |> List.skip start, path))
                            elif not (expanded.Contains path) then
                                match go path (here :: chain) (path :: openFiles) with
                                | Error e -> failure <- Some e
                                | Ok() -> ()
                i <- i + 1
            match failure with
            | Some e -> Error e
            | None -> Ok()
        match go entry [] [ entry ] with
        | Error e -> Error e
        | Ok() -> Ok(String.Join("\n", out), { File = entry; Lines = map.ToArray() })
