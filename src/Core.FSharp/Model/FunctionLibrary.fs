namespace LuaScripts.Core

open System
open System.Text

/// A Redis Function library generated from script definitions (Redis 7+ `FUNCTION LOAD`): one
/// library per registry, each definition registered as a function whose callback receives KEYS and
/// ARGV. Pure data: nothing here talks to a server.
type FunctionLibrary =
    {
        /// The library's name: `luascripts_` and 16 hexadecimal characters of a digest of every
        /// definition's name, body SHA1 and flags, so two different registries never share a name.
        Name: string
        /// The exact library source `FUNCTION LOAD` would receive.
        Code: string
        /// Each included command's function name, by command name.
        Functions: Map<string, string>
        /// Definitions that cannot run as a function body, with the reason; they keep running as scripts.
        Excluded: (string * string) list
        /// Each included command's lines in <see cref="Code"/> (first and last, from 1 as the server
        /// counts them in its compile errors), by command name.
        Lines: Map<string, int * int>
    }

/// Generating function libraries from script definitions.
[<RequireQualifiedAccess>]
module FunctionLibrary =

    /// Every generated library's name starts with this.
    [<Literal>]
    let internal Prefix = "luascripts_"

    let private isPlain (c: char) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')

    /// A command name as the part of a function name Redis accepts (letters, digits, underscore):
    /// ASCII letters and digits stay, an underscore becomes two, any other UTF-16 code unit becomes
    /// `_` and four lower-case hexadecimal digits. Distinct names always give distinct results.
    [<CompiledName("Escape")>]
    let internal escape (commandName: string) : string =
        let out = StringBuilder()
        for c in commandName do
            if isPlain c then out.Append c |> ignore
            elif c = '_' then out.Append "__" |> ignore
            else out.Append('_').Append((int c).ToString("x4")) |> ignore
        out.ToString()

    /// The function a command becomes in a library: the library's digest, then the escaped name.
    [<CompiledName("FunctionName")>]
    let internal functionName (libraryName: string) (commandName: string) : string =
        let digest =
            if libraryName.StartsWith(Prefix, System.StringComparison.Ordinal) then libraryName.Substring Prefix.Length else libraryName
        $"ls{digest.Substring(0, min 8 digest.Length)}_{escape commandName}"

    /// Why a definition cannot be a function callback, if it cannot. A body that starts with a
    /// `#!` line declares its own script flags, which only a top-level chunk may do.
    [<CompiledName("Unsupported")>]
    let internal unsupported (script: Script) : string option =
        if script.Lua.TrimStart().StartsWith("#!", StringComparison.Ordinal) then
            Some "its body starts with a #! line (script flags), which only a top-level script may have"
        else
            None

    let private flagsOf (script: Script) = if script.ReadOnly then "{'no-writes'}" else "{}"

    /// The statement that registers one definition in a library: its function name and flags, and
    /// its body as the callback `function(KEYS, ARGV) ... end`.
    [<CompiledName("Registration")>]
    let internal registration (libraryName: string) (script: Script) : string =
        StringBuilder()
            .Append("redis.register_function{function_name='")
            .Append(functionName libraryName script.Name)
            .Append("', flags=")
            .Append(flagsOf script)
            .Append(", callback=function(KEYS, ARGV)\n")
            .Append(script.Lua)
            .Append("\nend}")
            .ToString()

    let private lineCount (text: string) =
        let mutable n = 1
        for c in text do
            if c = '\n' then n <- n + 1
        n

    /// Why <see cref="generateExcluding"/> leaves a definition out of the library (it then runs as a
    /// script): <see cref="unsupported"/>'s reason, else `exclude`'s; None when it is included.
    [<CompiledName("Exclusion")>]
    let internal exclusion (exclude: Script -> string option) (script: Script) : string option =
        match unsupported script with
        | Some reason -> Some reason
        | None -> exclude script

    /// Generates the library for a set of definitions, leaving out (as scripts) those `exclude`
    /// gives a reason for as well as those <see cref="unsupported"/> refuses. The name is a digest of
    /// the included definitions only. The same definitions, in any order, give the same library.
    [<CompiledName("GenerateExcluding")>]
    let internal generateExcluding (exclude: Script -> string option) (scripts: Script seq) : FunctionLibrary =
        let sorted = scripts |> Seq.sortWith (fun a b -> String.CompareOrdinal(a.Name, b.Name)) |> Seq.toList
        let reasons = sorted |> List.choose (fun s -> exclusion exclude s |> Option.map (fun reason -> s.Name, reason))
        let excludedNames = reasons |> List.map fst |> set
        let included = sorted |> List.filter (fun s -> not (excludedNames.Contains s.Name))
        let canonical = included |> List.map (fun s -> $"{s.Name}\u0000{s.Sha1}\u0000{flagsOf s}") |> String.concat "\n"
        let name = Prefix + (Sha1.hex canonical).Substring(0, 16)
        let code = StringBuilder()
        code.Append("#!lua name=").Append(name).Append('\n') |> ignore
        // Line 1 is the #! line; each definition takes its register line, its body and the closing line.
        let mutable line = 2
        let lines = ResizeArray<string * (int * int)>()
        for s in included do
            let last = line + lineCount s.Lua + 1
            lines.Add(s.Name, (line, last))
            line <- last + 1
            code.Append(registration name s).Append('\n') |> ignore
        { Name = name
          Code = code.ToString()
          Functions = included |> List.map (fun s -> s.Name, functionName name s.Name) |> Map.ofList
          Excluded = reasons
          Lines = Map.ofSeq lines }

    /// Generates the library for a set of definitions (those <see cref="unsupported"/> refuses stay
    /// scripts). The same definitions, in any order, give the same library.
    [<CompiledName("Generate")>]
    let generate (scripts: Script seq) : FunctionLibrary = generateExcluding (fun _ -> None) scripts

    /// The command whose lines hold a line of the library, if any.
    [<CompiledName("CommandAtLine")>]
    let internal commandAtLine (library: FunctionLibrary) (line: int) : string option =
        library.Lines |> Map.tryFindKey (fun _ (first, last) -> line >= first && line <= last)

    /// The library line a `FUNCTION LOAD` compile error points at ("... user_function:12: ..."), if any.
    [<CompiledName("CompileErrorLine")>]
    let internal compileErrorLine (message: string) : int option =
        match Replies.classify message with
        | ReplyKind.CompileError -> Replies.scriptLine message
        | _ -> None

    /// A script that compiles (without running) each registration statement passed as ARGV, alone,
    /// and returns one string per statement: empty when it compiles, the compiler's message
    /// otherwise. Finds every definition that breaks a library in one round trip.
    [<Literal>]
    let internal CompileCheck =
        "local out = {} for i, code in ipairs(ARGV) do local f, err = loadstring(code, '=definition') out[i] = f and '' or err end return out"

    /// The exact library text `FUNCTION LOAD` would receive.
    [<CompiledName("Explain")>]
    let explain (library: FunctionLibrary) : string = library.Code
