namespace LuaScripts.Core

open System.Net
open System.Threading
open System.Threading.Tasks
open StackExchange.Redis

/// Settings of a <see cref="Client"/>.
type ClientOptions =
    { /// The database number calls run against (-1: the multiplexer's default).
      Database: int
      /// How commands run on the server: scripts (EVAL/EVALSHA), functions (FCALL), or Auto.
      Backend: Backend }

/// Functions over <see cref="ClientOptions"/>.
[<RequireQualifiedAccess>]
module ClientOptions =
    /// The multiplexer's default database.
    [<CompiledName("Default")>]
    let defaults = { Database = -1; Backend = Backend.Scripts }

/// The F# entry point: a connection, the defined commands and what is loaded where. Thread-safe:
/// the registry is one immutable value swapped atomically, so a definition is never lost to a
/// concurrent one and a reader always sees a whole registry.
[<Sealed>]
type Client(mux: IConnectionMultiplexer, options: ClientOptions) =
    let mutable registry = Registry.empty
    let context = Context(mux, options.Backend, (fun () -> Volatile.Read(&registry)))
    let database = mux.GetDatabase(options.Database)

    /// The connection.
    member _.Multiplexer = mux
    /// The settings.
    member _.Options = options
    /// The database calls run against.
    member _.Database = database
    /// Load state and topology, for the interpreter.
    member _.Context = context
    /// The registry as it is now.
    member _.Registry: Registry = Volatile.Read(&registry)

    /// Applies a change to the registry atomically (retried if another thread changed it meanwhile).
    member _.Update(change: Registry -> Registry) : Registry =
        let mutable result = Unchecked.defaultof<Registry>
        let mutable settled = false
        while not settled do
            let current = Volatile.Read(&registry)
            let next = change current
            if obj.ReferenceEquals(Interlocked.CompareExchange(&registry, next, current), current) then
                result <- next
                settled <- true
        result

/// Defining and running commands with a <see cref="Client"/>.
[<RequireQualifiedAccess>]
module Client =

    /// A client over a connection, with the default options.
    [<CompiledName("Create")>]
    let create (mux: IConnectionMultiplexer) = Client(mux, ClientOptions.defaults)

    /// A client over a connection, with options.
    [<CompiledName("CreateWith")>]
    let createWith (options: ClientOptions) (mux: IConnectionMultiplexer) = Client(mux, options)

    /// Defines (or redefines) a command. Nothing is sent.
    [<CompiledName("Define")>]
    let define (name: string) (lua: string) (keyCount: KeyCount) (options: ScriptOptions) (client: Client) : Result<Script, DefinitionError> =
        match Script.create name lua keyCount options with
        | Ok script ->
            client.Update(Registry.define script) |> ignore
            Ok script
        | Error e -> Error e

    /// The script defined under a name.
    [<CompiledName("TryFind")>]
    let tryFind (name: string) (client: Client) : Script option = Registry.tryFind name client.Registry

    /// Removes a command; true when it was defined.
    [<CompiledName("Remove")>]
    let remove (name: string) (client: Client) : bool =
        let mutable found = false
        client.Update(fun r ->
            found <- (Registry.tryFind name r).IsSome
            Registry.remove name r)
        |> ignore
        found

    /// Splits a named command's flat arguments into an invocation, without sending anything.
    [<CompiledName("Invoke")>]
    let invoke (name: string) (args: RedisValue[]) (client: Client) : Result<Invocation, RunError> =
        match Registry.tryFind name client.Registry with
        | None -> Error(RunError.UnknownScript name)
        | Some script ->
            match Args.invoke script args with
            | Ok inv -> Ok inv
            | Error e -> Error(RunError.InvalidArguments(name, e))

    /// Checks a named command's explicit KEYS and ARGV, without sending anything.
    [<CompiledName("InvokeExplicit")>]
    let invokeExplicit (name: string) (keys: RedisKey[]) (argv: RedisValue[]) (client: Client) : Result<Invocation, RunError> =
        match Registry.tryFind name client.Registry with
        | None -> Error(RunError.UnknownScript name)
        | Some script ->
            match Args.invokeExplicit script keys argv with
            | Ok inv -> Ok inv
            | Error e -> Error(RunError.InvalidArguments(name, e))

    /// Runs an invocation on the client's database (or another `db`), healing NOSCRIPT.
    [<CompiledName("RunInvocation")>]
    let runInvocation (inv: Invocation) (client: Client) : Task<Result<RedisResult, RunError>> =
        task {
            try
                let! result = Interpreter.evaluate client.Context client.Database inv CommandFlags.None ExecutionFailed
                return Ok result
            with ExecutionFailed e ->
                return Error(RunError.Execution e)
        }

    /// Runs a named command with flat arguments (the first KEYS count of them are KEYS).
    [<CompiledName("Run")>]
    let run (name: string) (args: RedisValue list) (client: Client) : Task<Result<RedisResult, RunError>> =
        match invoke name (List.toArray args) client with
        | Ok inv -> runInvocation inv client
        | Error e -> Task.FromResult(Error e)

    /// Runs a named command with explicit KEYS and ARGV.
    [<CompiledName("RunExplicit")>]
    let runExplicit (name: string) (keys: RedisKey list) (argv: RedisValue list) (client: Client) : Task<Result<RedisResult, RunError>> =
        match invokeExplicit name (List.toArray keys) (List.toArray argv) client with
        | Ok inv -> runInvocation inv client
        | Error e -> Task.FromResult(Error e)

    /// A program that runs a named command (flat arguments); checked now, sent when the program runs.
    [<CompiledName("Script")>]
    let script (name: string) (args: RedisValue list) (client: Client) : Result<Program<RedisResult>, RunError> =
        invoke name (List.toArray args) client |> Result.map Program.script

    /// Runs a program as pipelined batches, one per round.
    [<CompiledName("Execute")>]
    let execute (program: Program<'T>) (client: Client) : Task<Result<'T, ExecutionError list>> =
        Interpreter.run client.Context client.Database Interpreter.Mode.Pipeline CommandFlags.None program

    /// Runs a single-round program as one MULTI/EXEC transaction: all or nothing.
    [<CompiledName("Transact")>]
    let transact (program: Program<'T>) (client: Client) : Task<Result<'T, ExecutionError list>> =
        Interpreter.run client.Context client.Database Interpreter.Mode.Transaction CommandFlags.None program

    /// Loads every defined command on every server: SCRIPT LOAD of every script (Scripts backend), or
    /// FUNCTION LOAD REPLACE of the library on every primary (Functions); the number of loads that
    /// succeeded.
    [<CompiledName("Preload")>]
    let preload (client: Client) : Task<Result<int, PreloadError>> =
        Interpreter.preloadRegistry client.Context CommandFlags.None

    /// The servers on which a reply proved the script loaded: its library's servers where it runs as
    /// a function, its SHA's where it runs as a script.
    [<CompiledName("LoadedOn")>]
    let loadedOn (script: Script) (client: Client) : EndPoint list =
        match client.Context.Functions.Current with
        | Some(Plan.Library deployed as plan) when not (isNull (Plan.functionFor script plan)) ->
            client.Context.LoadState.LoadedOn deployed.Library.Name
        | _ -> client.Context.LoadState.LoadedOn script.Sha1

    /// The function library the registry as it is now would be deployed as (the definitions a server
    /// refused to compile as functions left out). Pure: nothing is sent.
    [<CompiledName("FunctionLibrary")>]
    let functionLibrary (client: Client) : FunctionLibrary =
        FunctionLibrary.generateExcluding client.Context.Functions.BrokenReason (Registry.scripts client.Registry)

    /// The backend calls use now: Scripts or Functions as asked, or for Auto, what it decided
    /// (Scripts until the first call or preload decides for Functions).
    [<CompiledName("ActiveBackend")>]
    let activeBackend (client: Client) : Backend =
        match client.Options.Backend, client.Context.Functions.AutoDecision with
        | Backend.Auto, Some true -> Backend.Functions
        | Backend.Auto, _ -> Backend.Scripts
        | backend, _ -> backend
