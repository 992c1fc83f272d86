namespace LuaScripts.Core

open System.Net
open StackExchange.Redis

/// One server that could not do what was asked, and the reason it gave.
type NodeFailure =
    {
        /// The server.
        EndPoint: EndPoint
        /// The server's error text, or what went wrong reaching it.
        Reason: string
    }

/// A failure the server reported for one command. Connection failures and time-outs are not here:
/// they pass through as the exceptions StackExchange.Redis raises.
[<RequireQualifiedAccess>]
type ExecutionError =
    /// The server failed a defined command: a Lua compile or run-time error, a refused write, NOPERM, OOM...
    | CommandFailed of name: string * sha1: string * message: string
    /// The server failed a raw command of a pipeline (WRONGTYPE, a syntax error...).
    | RawCommandFailed of command: string * message: string
    /// The server discarded the whole transaction (EXECABORT, or a WATCH that saw a change):
    /// nothing of it ran.
    | TransactionDiscarded of command: string * message: string
    /// The Functions backend could not load the client's function library where the command runs
    /// (an ACL without FUNCTION LOAD, OOM, no primary reachable...): nothing of the call was sent.
    | LibraryNotLoaded of command: string * library: string * failures: NodeFailure list
    /// A step's arguments were refused before anything was sent (keys spanning cluster slots, a
    /// transaction spanning slots, a null argument): nothing of its round was sent.
    | InvalidArguments of command: string * error: ArgumentError

/// Why running a named command failed.
[<RequireQualifiedAccess>]
type RunError =
    /// No command is defined under that name.
    | UnknownCommand of name: string
    /// The arguments could not be split into KEYS and ARGV; nothing was sent.
    | InvalidArguments of name: string * error: ArgumentError
    /// The server failed the script.
    | Execution of ExecutionError

/// Why preloading did not load every script everywhere.
type PreloadError =
    {
        /// How many (script, server) loads succeeded.
        Loaded: int
        /// Every server that refused or could not be reached, with its reason.
        Failures: NodeFailure list
    }

/// Carries an <see cref="ExecutionError"/> through a task when the caller asked for exceptions.
exception internal ExecutionFailed of ExecutionError

/// Messages for <see cref="ExecutionError"/>.
[<RequireQualifiedAccess>]
module ExecutionError =

    let internal describeFailures (failures: NodeFailure list) =
        if failures.IsEmpty then
            "no primary server is connected"
        else
            failures |> List.map (fun f -> $"{EndPointCollection.ToString f.EndPoint}: {f.Reason}") |> String.concat "; "

    /// A sentence naming the script (and its SHA) or command, and the server's message.
    [<CompiledName("Describe")>]
    let describe (error: ExecutionError) : string =
        match error with
        | ExecutionError.CommandFailed(name, sha, message) -> $"The script command '{name}' ({sha}) failed on the server: {message}"
        | ExecutionError.RawCommandFailed(command, message) -> $"The command '{command}' failed on the server: {message}"
        | ExecutionError.InvalidArguments(command, error) -> $"{ArgumentError.describe command error} Nothing of the round was sent."
        | ExecutionError.TransactionDiscarded(command, message) ->
            $"The transaction holding '{command}' was discarded by the server, so nothing of it ran: {message}"
        | ExecutionError.LibraryNotLoaded(command, library, failures) ->
            $"The command '{command}' was not sent: the function library '{library}' could not be loaded: {describeFailures failures}"

    /// The script or command name an error is about.
    [<CompiledName("Subject")>]
    let subject (error: ExecutionError) : string =
        match error with
        | ExecutionError.CommandFailed(name, _, _) -> name
        | ExecutionError.RawCommandFailed(command, _)
        | ExecutionError.InvalidArguments(command, _)
        | ExecutionError.TransactionDiscarded(command, _)
        | ExecutionError.LibraryNotLoaded(command, _, _) -> command

    /// The server's own text.
    [<CompiledName("Message")>]
    let message (error: ExecutionError) : string =
        match error with
        | ExecutionError.CommandFailed(_, _, m)
        | ExecutionError.RawCommandFailed(_, m)
        | ExecutionError.TransactionDiscarded(_, m) -> m
        | ExecutionError.LibraryNotLoaded(_, _, failures) -> describeFailures failures
        | ExecutionError.InvalidArguments(command, error) -> ArgumentError.describe command error

/// Messages for <see cref="RunError"/>.
[<RequireQualifiedAccess>]
module RunError =

    /// A sentence that names the command and says what went wrong.
    [<CompiledName("Describe")>]
    let describe (error: RunError) : string =
        match error with
        | RunError.UnknownCommand name -> $"No script command named '{name}' is defined on this client."
        | RunError.InvalidArguments(name, e) -> ArgumentError.describe name e
        | RunError.Execution e -> ExecutionError.describe e

/// Messages for <see cref="PreloadError"/>.
[<RequireQualifiedAccess>]
module PreloadError =

    /// A sentence that names every failed server and its reason.
    [<CompiledName("Describe")>]
    let describe (error: PreloadError) : string =
        let failures = ExecutionError.describeFailures error.Failures
        $"Preloading scripts failed on {error.Failures.Length} server(s) ({error.Loaded} load(s) succeeded): {failures}"
