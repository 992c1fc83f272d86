namespace LuaScripts.Core

open System
open System.Collections.Generic
open System.IO
open System.Reflection
open System.Text

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

    /// Compiles every script on a server without running it (SCRIPT LOAD of each expanded body) and
    /// returns each compile error placed in its source, for checking scripts before production (a
    /// body that compiles as a script compiles as a function callback too). The SHA1s it loads are
    /// harmless: loading never runs a script.
    [<CompiledName("CompileOn")>]
    let compileOn (server: StackExchange.Redis.IServer) (scripts: Script list) : System.Threading.Tasks.Task<ErrorSource list> =
        task {
            let errors = ResizeArray<ErrorSource>()
            for script in scripts do
                try
                    let! _ = server.ScriptLoadAsync(script.Lua)
                    ()
                with :? StackExchange.Redis.RedisServerException as e ->
                    match ErrorSource.ofMessage script None e.Message with
                    | Some source -> errors.Add source
                    | None ->
                        errors.Add
                            { Command = script.Name
                              BodyLine = 1
                              Location = script.Source |> Option.bind (SourceMap.locate 1)
                              Detail = ErrorSource.detail e.Message
                              ServerMessage = e.Message }
            return List.ofSeq errors
        }
