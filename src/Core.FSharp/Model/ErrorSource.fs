namespace LuaScripts.Core

open System

/// Where a command's compile or run-time error happened, in the command's own terms: the line of
/// its body and, for a command defined from files, the file line and include chain.
type ErrorSource =
    {
        /// The command.
        Command: string
        /// The line of the command's body (the expanded body for files), counted from 1.
        BodyLine: int
        /// For a command defined from files, the file and line, and the include lines that brought it in.
        Location: SourceLocation option
        /// The server's message without its line marker and script trailer
        /// ("attempt to perform arithmetic on a nil value").
        Detail: string
        /// The server's own text.
        ServerMessage: string
    }

/// Placing a server's error message in a command's source.
[<RequireQualifiedAccess>]
module ErrorSource =

    let private lineCount (text: string) =
        let mutable n = 1
        for c in text do
            if c = '\n' then n <- n + 1
        n

    let private cut (prefix: string) (text: string) =
        if text.StartsWith(prefix, StringComparison.Ordinal) then Some(text.Substring prefix.Length) else None

    let private skipMarker (text: string) =
        let drop (marker: string) =
            if text.StartsWith(marker, StringComparison.Ordinal) then
                let mutable i = marker.Length
                while i < text.Length && Char.IsAsciiDigit text[i] do
                    i <- i + 1
                if i > marker.Length && i + 1 < text.Length && text[i] = ':' && text[i + 1] = ' ' then Some(text.Substring(i + 2)) else None
            else
                None
        drop "user_script:" |> Option.orElse (drop "user_function:") |> Option.defaultValue text

    /// The server's message without "ERR ", its "user_script:N: " (or "user_function:N: ") marker and
    /// its " script: ..., on @user_script:N." trailer; a compile error (of a script, or of a function
    /// library) keeps a "compile error: " prefix.
    [<CompiledName("Detail")>]
    let detail (message: string) : string =
        let text = cut "ERR " message |> Option.defaultValue message
        let compile, text =
            match cut "Error compiling script (new function): " text |> Option.orElse (cut "Error compiling function: " text) with
            | Some rest -> true, rest
            | None -> false, text
        let text = skipMarker text
        let trailer = text.LastIndexOf(" script: ", StringComparison.Ordinal)
        let text =
            if trailer >= 0 && text.IndexOf(", on @user_", trailer, StringComparison.Ordinal) > 0 then text.Substring(0, trailer) else text
        if compile then "compile error: " + text else text

    /// Where a server's error for a script happened: the body line its "user_script:N" names, or for
    /// "user_function:N" (a line of the function library) the body line of the command's lines in
    /// the library (`functionLines`, first and last, as <c>FunctionLibrary.Lines</c> gives them).
    /// None when the message names no line of this body.
    [<CompiledName("OfMessage")>]
    let ofMessage (script: Script) (functionLines: (int * int) option) (message: string) : ErrorSource option =
        let line =
            match Replies.scriptLine message with
            | None -> None
            | Some n when message.Contains("user_function:", StringComparison.Ordinal) ->
                functionLines |> Option.bind (fun (first, last) -> if n > first && n < last then Some(n - first) else None)
            | Some n -> Some n
        match line with
        | Some n when n >= 1 && n <= lineCount script.Lua ->
            Some
                { Command = script.Name
                  BodyLine = n
                  Location = script.Source |> Option.bind (SourceMap.locate n)
                  Detail = detail message
                  ServerMessage = message }
        | _ -> None

    /// "publish_to_group: helpers/fanout.lua:7 (included from publish_to_group-1.lua:3): attempt to ...",
    /// or for a command defined from a string "publish_to_group: line 7: attempt to ...".
    [<CompiledName("Describe")>]
    let describe (source: ErrorSource) : string =
        let where =
            match source.Location with
            | Some l -> SourceMap.describe l
            | None -> $"line {source.BodyLine}"
        $"{source.Command}: {where}: {source.Detail}"
