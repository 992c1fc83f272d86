namespace LuaScripts.Core

open System
open System.Net
open System.Threading
open System.Threading.Tasks
open StackExchange.Redis

/// Settings of a <see cref="Client"/>.
type ClientOptions =
    {
        /// The database number calls run against (-1: the multiplexer's default).
        Database: int
        /// How commands run on the server: scripts (EVAL/EVALSHA), functions (FCALL), or Auto.
        Backend: Backend
        /// A prefix put before every key the client sends (StackExchange.Redis's <c>WithKeyPrefix</c>);
        /// cluster slots are checked on the prefixed keys.
        KeyPrefix: string option
        /// Where the client logs what it does off the hot path (heals, library loads, the Auto
        /// backend's decision, preload results, resends, refusals); <c>None</c> for no logging.
        LoggerFactory: Microsoft.Extensions.Logging.ILoggerFactory option
    }

/// Functions over <see cref="ClientOptions"/>.
[<RequireQualifiedAccess>]
module ClientOptions =
    /// The multiplexer's default database, the Scripts backend, no key prefix, no logging.
    [<CompiledName("Default")>]
    let defaults = { Database = -1; Backend = Backend.Scripts; KeyPrefix = None; LoggerFactory = None }

/// The F# entry point: a connection, the defined commands and what is loaded where. Every check and
/// every decision of a call, a pipeline, a transaction or a preload is made through it, so that F#
/// and C# callers behave the same. Thread-safe: the registry is one immutable value swapped
/// atomically, so a definition is never lost to a concurrent one and a reader always sees a whole
/// registry.
[<Sealed>]
type Client(mux: IConnectionMultiplexer, options: ClientOptions) =
    let mutable registry = Registry.empty
    let database =
        let db = mux.GetDatabase(options.Database)
        match options.KeyPrefix with
        | Some prefix when not (String.IsNullOrEmpty prefix) ->
            StackExchange.Redis.KeyspaceIsolation.DatabaseExtensions.WithKeyPrefix(db, RedisKey.op_Implicit prefix)
        | _ -> db
    let prefix =
        match options.KeyPrefix with
        | Some p -> RedisKey.op_Implicit p
        | None -> Unchecked.defaultof<RedisKey>
    let context =
        Context(mux, database, prefix, options.Backend, (fun () -> Volatile.Read(&registry)), ClientLog.For options.LoggerFactory)

    /// The connection.
    member _.Multiplexer = mux
    /// The settings.
    member _.Options = options
    /// The database calls run against (key-prefixed when the options give a prefix).
    member _.Database = database
    /// What the runtime knows about the connection.
    member internal _.Context = context
    /// The registry as it is now.
    member _.Registry: Registry = Volatile.Read(&registry)

    /// Applies a change to the registry atomically (retried if another thread changed it meanwhile).
    member internal _.Update(change: Registry -> Registry) : Registry =
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
    let define
        (name: string)
        (lua: string)
        (keyCount: KeyCount)
        (options: ScriptOptions)
        (client: Client)
        : Result<Script, DefinitionError> =
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
        let mutable script = null
        if not (client.Registry.TryGetValue(name, &script)) then
            Error(RunError.UnknownCommand name)
        else
            match Args.invoke script args with
            | Ok inv -> Ok inv
            | Error e -> Error(RunError.InvalidArguments(name, e))

    /// Splits up to three flat arguments of a named command, given one by one so that the caller
    /// builds no array (`count`, 0 to 3, says how many of `a0`, `a1`, `a2` are given), into an
    /// invocation, without sending anything; the same split as <see cref="invoke"/>.
    [<CompiledName("InvokeFew")>]
    let invokeFew
        (name: string)
        (count: int)
        (a0: RedisValue)
        (a1: RedisValue)
        (a2: RedisValue)
        (client: Client)
        : Result<Invocation, RunError> =
        let mutable script = null
        if not (client.Registry.TryGetValue(name, &script)) then
            Error(RunError.UnknownCommand name)
        else
            match Args.invokeFew script count a0 a1 a2 with
            | Ok inv -> Ok inv
            | Error e -> Error(RunError.InvalidArguments(name, e))

    /// Checks a named command's explicit KEYS and ARGV, without sending anything.
    [<CompiledName("InvokeExplicit")>]
    let invokeExplicit (name: string) (keys: RedisKey[]) (argv: RedisValue[]) (client: Client) : Result<Invocation, RunError> =
        let mutable script = null
        if not (client.Registry.TryGetValue(name, &script)) then
            Error(RunError.UnknownCommand name)
        else
            match Args.invokeExplicit script keys argv with
            | Ok inv -> Ok inv
            | Error e -> Error(RunError.InvalidArguments(name, e))

    // The cluster check of a call on a database: made where the client knows the keys the database
    // sends (see Context.KnowsKeysOf).
    let private checkCall (client: Client) (db: IDatabaseAsync) (inv: Invocation) : Result<unit, RunError> =
        if inv.Keys.Length < 2 || not (client.Context.KnowsKeysOf db) then
            Ok()
        else
            match client.Context.CheckKeys inv.Keys with
            | Ok() -> Ok()
            | Error e -> Error(RunError.InvalidArguments(inv.Script.Name, e))

    /// Runs an invocation on another database (another connection's, a batch's, a transaction's)
    /// with StackExchange.Redis flags; every failure, a refused check included, is raised as
    /// `onFailure` makes it. For adapters whose callers expect exceptions (the C# facade). A check
    /// that fails raises before anything is sent; connection failures and time-outs pass through.
    [<CompiledName("EvaluateOn")>]
    let evaluateOn
        (onFailure: RunError -> exn)
        (db: IDatabaseAsync)
        (flags: CommandFlags)
        (inv: Invocation)
        (client: Client)
        : Task<RedisResult> =
        match checkCall client db inv with
        | Error e -> raise (onFailure e)
        | Ok() -> Calls.evaluate client.Context db inv flags onFailure

    /// Runs an invocation on the client's database; see <see cref="evaluateOn"/>.
    [<CompiledName("Evaluate")>]
    let evaluate (onFailure: RunError -> exn) (flags: CommandFlags) (inv: Invocation) (client: Client) : Task<RedisResult> =
        evaluateOn onFailure client.Database flags inv client

    /// Runs an invocation on the client's database, healing NOSCRIPT; keys spanning cluster slots are
    /// refused before anything is sent.
    [<CompiledName("RunInvocation")>]
    let runInvocation (inv: Invocation) (client: Client) : Task<Result<RedisResult, RunError>> =
        match checkCall client client.Database inv with
        | Error e -> Task.FromResult(Error e)
        | Ok() ->
            task {
                try
                    let! result = Calls.evaluate client.Context client.Database inv CommandFlags.None Failures.raiseExecution
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

    /// A program that calls a named command (flat arguments); checked now, sent when the program runs.
    [<CompiledName("Call")>]
    let call (name: string) (args: RedisValue list) (client: Client) : Result<Program<RedisResult>, RunError> =
        invoke name (List.toArray args) client |> Result.map Program.call

    /// Runs a program as pipelined batches, one per round. Each round's steps are checked (keys
    /// spanning cluster slots, null arguments) before it is sent: a refused step fails the program
    /// with <c>ExecutionError.InvalidArguments</c> and nothing of that round is sent.
    [<CompiledName("Execute")>]
    let execute (program: Program<'T>) (client: Client) : Task<Result<'T, ExecutionError list>> =
        Rounds.run client.Context client.Database RoundMode.Pipeline CommandFlags.None program

    /// Runs a single-round program as one MULTI/EXEC transaction: all or nothing. On a cluster every
    /// step's keys must share one slot; otherwise nothing is sent.
    [<CompiledName("Transact")>]
    let transact (program: Program<'T>) (client: Client) : Task<Result<'T, ExecutionError list>> =
        Rounds.run client.Context client.Database RoundMode.Transaction CommandFlags.None program

    /// An empty pipeline: steps checked as they are queued, sent together by <see cref="send"/>.
    [<CompiledName("Pipeline")>]
    let pipeline (client: Client) : StepQueue = StepQueue(client.Context, RoundMode.Pipeline)

    /// An empty transaction: steps checked as they are queued (on a cluster, all in one slot), sent
    /// together as MULTI/EXEC by <see cref="send"/>.
    [<CompiledName("Transaction")>]
    let transaction (client: Client) : StepQueue = StepQueue(client.Context, RoundMode.Transaction)

    /// <see cref="send"/> with its result converted by `convert` inside the round's own task (for a
    /// caller, such as the C# facade, whose result type is not a Result: no task of the caller's own
    /// around the round's). An exception `convert` raises faults the returned task.
    [<CompiledName("SendAs")>]
    let sendAs (convert: Func<Result<Reply[], RunError>, 'R>) (queue: StepQueue) (client: Client) : Task<'R> =
        if queue.Count = 0 then
            Task.FromResult(convert.Invoke(Ok(Array.Empty<Reply>())))
        elif queue.Checked then
            // The usual case: the result made in the round's own task, no task of this function's.
            Rounds.sendQueuedAs (fun replies -> convert.Invoke(Ok replies)) client.Context client.Database queue.Mode (queue.Steps())
        else
            task {
                match! queue.Prepare() with
                | Error e -> return convert.Invoke(Error e)
                | Ok steps ->
                    let! replies = Rounds.send client.Context client.Database queue.Mode CommandFlags.None steps
                    return convert.Invoke(Ok replies)
            }

    // Made once: the queue's result as it is.
    let private asItIs = Func<Result<Reply[], RunError>, Result<Reply[], RunError>>(id)

    /// Sends a queue's steps in one round trip and returns one reply per step, in order; an empty
    /// queue sends nothing. Error (nothing sent) when a raw command learned only now does not fit.
    [<CompiledName("Send")>]
    let send (queue: StepQueue) (client: Client) : Task<Result<Reply[], RunError>> = sendAs asItIs queue client

    /// Loads every defined command on every server: SCRIPT LOAD of every script (Scripts backend), or
    /// FUNCTION LOAD REPLACE of the library on every primary (Functions); the number of loads that
    /// succeeded.
    [<CompiledName("Preload")>]
    let preload (client: Client) : Task<Result<int, PreloadError>> = Preload.preloadRegistry client.Context CommandFlags.None

    /// Stops a script or function that keeps a server busy (a BUSY refusal): SCRIPT KILL, or FUNCTION
    /// KILL then SCRIPT KILL where the client may run functions, on every connected server. Ok NotBusy
    /// when nothing was running; Error naming each server whose script already wrote (UNKILLABLE: only
    /// SHUTDOWN NOSAVE stops it) or could not be reached. A running script blocks the connection that
    /// started it, so call this on a client over another connection.
    [<CompiledName("KillRunningScripts")>]
    let killRunningScripts (client: Client) : Task<Result<KillOutcome, NodeFailure list>> = Kill.running client.Context

    /// <see cref="run"/>, waiting at most until the token is cancelled; a command already sent still runs.
    [<CompiledName("RunCancellable")>]
    let runCancellable (token: CancellationToken) (name: string) (args: RedisValue list) (client: Client) =
        (run name args client).WaitAsync(token)

    /// <see cref="runExplicit"/>, waiting at most until the token is cancelled.
    [<CompiledName("RunExplicitCancellable")>]
    let runExplicitCancellable (token: CancellationToken) (name: string) (keys: RedisKey list) (argv: RedisValue list) (client: Client) =
        (runExplicit name keys argv client).WaitAsync(token)

    /// <see cref="execute"/>, waiting at most until the token is cancelled; rounds already sent still run.
    [<CompiledName("ExecuteCancellable")>]
    let executeCancellable (token: CancellationToken) (program: Program<'T>) (client: Client) = (execute program client).WaitAsync(token)

    /// <see cref="transact"/>, waiting at most until the token is cancelled.
    [<CompiledName("TransactCancellable")>]
    let transactCancellable (token: CancellationToken) (program: Program<'T>) (client: Client) = (transact program client).WaitAsync(token)

    /// <see cref="send"/>, waiting at most until the token is cancelled.
    [<CompiledName("SendCancellable")>]
    let sendCancellable (token: CancellationToken) (queue: StepQueue) (client: Client) = (send queue client).WaitAsync(token)

    /// <see cref="preload"/>, waiting at most until the token is cancelled; loads already sent still complete.
    [<CompiledName("PreloadCancellable")>]
    let preloadCancellable (token: CancellationToken) (client: Client) = (preload client).WaitAsync(token)

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
