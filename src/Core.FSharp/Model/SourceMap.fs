namespace LuaScripts.Core

/// A line of a source file, counted from 1.
type SourceLine =
    {
        /// The file, as a path relative to the root it was read from, with `/` between folders.
        File: string
        /// The line, counted from 1.
        Line: int
    }

/// Where one line of a command's expanded body comes from.
type SourceLocation =
    {
        /// The file and line the body line was copied from.
        Source: SourceLine
        /// The include lines that brought the file in, innermost first (the last is in the command's
        /// own file); empty for a line of the command's own file.
        IncludedFrom: SourceLine list
    }

/// The lines of a command body built from files: for each line of the expanded body (the first at
/// index 0), the file line it was copied from.
type SourceMap =
    {
        /// The command's own file.
        File: string
        /// One location per line of the expanded body, in order.
        Lines: SourceLocation[]
    }

/// Reading a <see cref="SourceMap"/>.
[<RequireQualifiedAccess>]
module SourceMap =

    /// Where a line of the expanded body (counted from 1) comes from; None outside the body.
    [<CompiledName("Locate")>]
    let locate (line: int) (map: SourceMap) : SourceLocation option =
        if line >= 1 && line <= map.Lines.Length then Some map.Lines[line - 1] else None

    /// "helpers/fanout.lua:7 (included from publish_to_group-1.lua:3)": a location as people read it.
    [<CompiledName("Describe")>]
    let describe (location: SourceLocation) : string =
        let at (l: SourceLine) = $"{l.File}:{l.Line}"
        match location.IncludedFrom with
        | [] -> at location.Source
        | chain ->
            let from = chain |> List.map (fun l -> $"included from {at l}") |> String.concat ", "
            $"{at location.Source} ({from})"
