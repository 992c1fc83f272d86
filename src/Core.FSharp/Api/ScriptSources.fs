namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.IO
open System.Reflection
open System.Text
open System.Threading.Tasks
open StackExchange.Redis

/// Defining a client's commands from `.lua` files (a directory, or an assembly's embedded
/// resources) and placing their errors in those files. The rules are in docs/scripts-as-files.md.
[<RequireQualifiedAccess>]
module ScriptSources =

    /// Every `.lua` file under a directory (folders included), by path relative to it with `/`
    /// between folders.
    [<CompiledName("ReadDirectory")>]
    let readDirectory (path: string) : Result<IReadOnlyDictionary<string, string>, ScriptFileError> =
        if String.IsNullOrWhiteSpace path then
            Error(ScriptFileError.Unreadable(string path, "no directory was given"))
        elif not (Directory.Exists path) then
            Error(ScriptFileError.Unreadable(path, "the directory does not exist"))
        else
            try
                let root = Path.GetFullPath path
                let files = Dictionary<string, string>(StringComparer.Ordinal)
                for file in Directory.EnumerateFiles(root, "*.lua", SearchOption.AllDirectories) do
                    let relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/')
                    files[relative] <- File.ReadAllText(file, Encoding.UTF8)
                Ok(files :> IReadOnlyDictionary<_, _>)
            with
            | :? IOException
            | :? UnauthorizedAccessException as e -> Error(ScriptFileError.Unreadable(path, e.Message))

    /// The path a resource name stands for, after the prefix: kept as it is when it holds a `/`
    /// (a LogicalName, as the LuaScript MSBuild item gives), otherwise MSBuild's dotted default read
    /// back, every dot but the one before `lua` a folder separator.
    [<CompiledName("ResourcePath")>]
    let resourcePath (rest: string) : string =
        if rest.Contains '/' then
            rest
        else
            let stem = rest.Substring(0, rest.Length - 4)
            stem.Replace('.', '/') + ".lua"

    /// Every embedded resource of an assembly whose name starts with the prefix and ends with `.lua`,
    /// by the path its name stands for after the prefix (see <see cref="resourcePath"/>).
    [<CompiledName("ReadAssembly")>]
    let readAssembly (assembly: Assembly) (prefix: string) : Result<IReadOnlyDictionary<string, string>, ScriptFileError> =
        if isNull assembly then
            Error(ScriptFileError.Unreadable("(no assembly)", "no assembly was given"))
        else
            let prefix = if isNull prefix then "" else prefix
            let files = Dictionary<string, string>(StringComparer.Ordinal)
            for name in assembly.GetManifestResourceNames() do
                if name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".lua", StringComparison.Ordinal) then
                    let rest = name.Substring(prefix.Length).TrimStart('.', '/')
                    if rest.Length > 4 then
                        use stream = assembly.GetManifestResourceStream name
                        use reader = new StreamReader(stream, Encoding.UTF8)
                        files[resourcePath rest] <- reader.ReadToEnd()
            Ok(files :> IReadOnlyDictionary<_, _>)

    /// Defines every command of a set of files (see <c>ScriptFiles.define</c>) on the client, all in
    /// one registry change: either every command is defined (a name already defined is replaced) or,
    /// with every problem reported, none is. Nothing is sent.
    [<CompiledName("Define")>]
    let define (files: IReadOnlyDictionary<string, string>) (client: Client) : Result<Script list, ScriptFileError list> =
        match ScriptFiles.define files with
        | Error e -> Error e
        | Ok scripts ->
            client.Update(fun r -> scripts |> List.fold (fun r s -> Registry.define s r) r) |> ignore
            Ok scripts

    /// Defines the commands of a directory's `.lua` files: one command per file at its root, files in
    /// folders only included. All or nothing; nothing is sent.
    [<CompiledName("DefineFromDirectory")>]
    let defineFromDirectory (path: string) (client: Client) : Result<Script list, ScriptFileError list> =
        match readDirectory path with
        | Error e -> Error [ e ]
        | Ok files -> define files client

    /// Defines the commands of an assembly's embedded `.lua` resources under a prefix (the resource
    /// name after the prefix is the file's path). All or nothing; nothing is sent.
    [<CompiledName("DefineFromAssembly")>]
    let defineFromAssembly (assembly: Assembly) (prefix: string) (client: Client) : Result<Script list, ScriptFileError list> =
        match readAssembly assembly prefix with
        | Error e -> Error [ e ]
        | Ok files -> define files client

    /// Where a command's failure happened in its source: the body line and, for a command defined
    /// from files, the file line and include chain. Looked up by the error's command name in the
    /// client's registry (None when that name now holds another body) and, for a function's error,
    /// in the library the client deployed. None for errors that name no line.
    [<CompiledName("Locate")>]
    let locate (error: ExecutionError) (client: Client) : ErrorSource option =
        match error with
        | ExecutionError.CommandFailed(name, sha1, message) ->
            match Registry.tryFind name client.Registry with
            | Some script when script.Sha1 = sha1 ->
                let lines =
                    match client.Context.Functions.Current with
                    | Some(Plan.Library deployed) -> deployed.Library.Lines.TryFind name
                    | _ -> None
                ErrorSource.ofMessage script lines message
            | _ -> None
        | _ -> None

    // A server's compile error placed in a script's source; at the body's first line when the
    // message names no line of it (or, for a function library, at its last line when the message
    // names the library's closing line, as an unclosed block does).
    let private placed (script: Script) (functionLines: (int * int) option) (message: string) : ErrorSource =
        match ErrorSource.ofMessage script functionLines message with
        | Some source -> source
        | None ->
            let bodyLines = script.Lua.Split('\n').Length
            let line =
                match functionLines, FunctionLibrary.compileErrorLine message with
                | Some(_, last), Some n when n >= last -> bodyLines
                | _ -> 1
            { Command = script.Name
              BodyLine = line
              Location = script.Source |> Option.bind (SourceMap.locate line)
              Detail = ErrorSource.detail message
              ServerMessage = message }

    /// Compiles every script on a server without running it (SCRIPT LOAD of each expanded body) and
    /// returns each compile error placed in its source, for checking scripts before production. The
    /// SHA1s it loads are harmless: loading never runs a script. A body that compiles as a script may
    /// still break a function library (`...` outside a vararg function): see <see cref="compileLibraryOn"/>.
    /// Error with the server's message when it refuses SCRIPT LOAD itself rather than a script's
    /// body (an ACL without SCRIPT, a busy or loading server...: a refusal as
    /// <see cref="RefusalReason"/> classifies replies); nothing is reported as a compile error then.
    [<CompiledName("CompileOn")>]
    let compileOn (server: IServer) (scripts: Script list) : Task<Result<ErrorSource list, string>> =
        task {
            let errors = ResizeArray<ErrorSource>()
            let mutable refused = None
            for script in scripts do
                if refused.IsNone then
                    try
                        let! _ = server.ScriptLoadAsync(script.Lua)
                        ()
                    with :? RedisServerException as e ->
                        match RefusalReason.ofKind (Replies.classify e.Message) with
                        | Some _ -> refused <- Some e.Message
                        | None -> errors.Add(placed script None e.Message)
            return
                match refused with
                | Some message -> Error message
                | None -> Ok(List.ofSeq errors)
        }

    /// Compiles on a server the function library the Functions backend would deploy for these
    /// scripts (FUNCTION LOAD, nothing runs) and returns each definition that breaks it, placed in its
    /// source: one FUNCTION LOAD per broken definition found, each time without those found before.
    /// A library this check loaded is deleted again (FUNCTION DELETE); one already there is left
    /// alone. Definitions that cannot be functions at all (a `#!` first line) are compiled with
    /// SCRIPT LOAD instead, as the backend runs them as scripts (<see cref="compileOn"/>). Error with
    /// the server's message when it refuses FUNCTION LOAD for another reason (a Redis older than 7.0,
    /// an ACL without FUNCTION...), or refuses SCRIPT LOAD (see <see cref="compileOn"/>).
    [<CompiledName("CompileLibraryOn")>]
    let compileLibraryOn (server: IServer) (scripts: Script list) : Task<Result<ErrorSource list, string>> =
        task {
            let asScripts = (FunctionLibrary.generate scripts).Excluded |> List.map fst |> set
            let! scriptErrors = compileOn server (scripts |> List.filter (fun s -> asScripts.Contains s.Name))
            let errors =
                ResizeArray<ErrorSource>(
                    match scriptErrors with
                    | Ok found -> found
                    | Error _ -> []
                )
            let mutable remaining = scripts |> List.filter (fun s -> not (asScripts.Contains s.Name))
            let mutable outcome =
                match scriptErrors with
                | Error message -> Some(Error message)
                | Ok _ -> None
            while outcome.IsNone do
                let library = FunctionLibrary.generate remaining
                if library.Functions.IsEmpty then
                    outcome <- Some(Ok())
                else
                    match! Deployment.loadLibraryOn server library false CommandFlags.None with
                    | Ok loadedNow ->
                        if loadedNow then
                            let! _ = server.ExecuteAsync("FUNCTION", [| box "DELETE"; box library.Name |] :> ICollection<obj>)
                            ()
                        outcome <- Some(Ok())
                    | Error message ->
                        let broken =
                            FunctionLibrary.compileErrorLine message
                            |> Option.bind (FunctionLibrary.commandAtLine library)
                            |> Option.bind (fun name -> remaining |> List.tryFind (fun s -> s.Name = name))
                        match broken with
                        | Some script ->
                            errors.Add(placed script (library.Lines.TryFind script.Name) message)
                            remaining <- remaining |> List.filter (fun s -> s.Name <> script.Name)
                        | None -> outcome <- Some(Error message)
            return
                match outcome with
                | Some(Error message) -> Error message
                | _ -> Ok(List.ofSeq errors)
        }
