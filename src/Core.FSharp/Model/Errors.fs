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

/// Why the server refused a defined command: it did not run it, or stopped it at the refused call.
[<RequireQualifiedAccess>]
type RefusalReason =
    /// Another script or function is running past the busy threshold (BUSY); SCRIPT KILL or
    /// FUNCTION KILL ends it (<c>Client.killRunningScripts</c>).
    | Busy
    /// The server is over its memory limit and refuses writes (OOM).
    | OutOfMemory
    /// A write reached a replica (READONLY): a demoted primary, or a replica chosen by the flags.
    | ReadOnlyReplica
    /// The user's ACL does not allow the command (NOPERM).
    | NoPermission
    /// The server is loading its data set (LOADING).
    | Loading
    /// A replica lost its link to its primary and serves no reads (MASTERDOWN).
    | MasterDown
    /// Any other refusal before the script ran (CLUSTERDOWN, CROSSSLOT, an unknown command...).
    | Other

/// A failure the server reported for one command. Connection failures and time-outs are not here:
/// they pass through as the exceptions StackExchange.Redis raises.
[<RequireQualifiedAccess>]
type ExecutionError =
    /// The server failed a defined command: a Lua compile or run-time error, the script's own error.
    | CommandFailed of name: string * sha1: string * message: string
    /// The server refused a defined command for a reason of its own state or the user's rights, not
    /// the script's: see <see cref="RefusalReason"/>.
    | Refused of name: string * sha1: string * reason: RefusalReason * message: string
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

/// What killing the running scripts did.
[<RequireQualifiedAccess>]
type KillOutcome =
    /// A running script or function was stopped on these servers.
    | Killed of endPoints: EndPoint list
    /// No script or function was running on any server the client uses.
    | NotBusy

/// Messages for <see cref="KillOutcome"/>.
[<RequireQualifiedAccess>]
module KillOutcome =

    /// A sentence naming every server where the running script could not be killed, and why.
    [<CompiledName("DescribeFailures")>]
    let describeFailures (failures: NodeFailure list) : string =
        let each = failures |> List.map (fun f -> $"{EndPointCollection.ToString f.EndPoint}: {f.Reason}") |> String.concat "; "
        $"The running script could not be killed on {failures.Length} server(s) (a script that already wrote can only be stopped by SHUTDOWN NOSAVE): {each}"

/// Carries an <see cref="ExecutionError"/> through a task when the caller asked for exceptions.
exception internal ExecutionFailed of ExecutionError

/// Raising a run's failure as <see cref="ExecutionFailed"/> (the runtime's own use of the raising path).
module internal Failures =
    /// The exception for a failure: ExecutionFailed for a server's, an ArgumentException otherwise.
    let raiseExecution: RunError -> exn =
        function
        | RunError.Execution e -> ExecutionFailed e
        | other -> System.ArgumentException(string other) :> exn

/// Functions over <see cref="RefusalReason"/>.
[<RequireQualifiedAccess>]
module RefusalReason =

    /// A few words for messages: "busy running another script", "out of memory"...
    [<CompiledName("Describe")>]
    let describe (reason: RefusalReason) : string =
        match reason with
        | RefusalReason.Busy -> "busy running another script"
        | RefusalReason.OutOfMemory -> "out of memory"
        | RefusalReason.ReadOnlyReplica -> "a read-only replica"
        | RefusalReason.NoPermission -> "no permission"
        | RefusalReason.Loading -> "loading its data"
        | RefusalReason.MasterDown -> "a replica without its primary"
        | RefusalReason.Other -> "refused"

    /// The refusal an error reply means, if it is one (None: the script's own failure).
    let internal ofKind (kind: ReplyKind) : RefusalReason option =
        match kind with
        | ReplyKind.Busy -> Some RefusalReason.Busy
        | ReplyKind.OutOfMemory -> Some RefusalReason.OutOfMemory
        | ReplyKind.ReadOnlyReplica -> Some RefusalReason.ReadOnlyReplica
        | ReplyKind.NoPermission -> Some RefusalReason.NoPermission
        | ReplyKind.Loading -> Some RefusalReason.Loading
        | ReplyKind.MasterDown -> Some RefusalReason.MasterDown
        | ReplyKind.Redirected
        | ReplyKind.CrossSlot
        | ReplyKind.UnknownCommand -> Some RefusalReason.Other
        | _ -> None

/// Messages for <see cref="ExecutionError"/>.
[<RequireQualifiedAccess>]
module ExecutionError =

    /// The error a server's error reply to a defined command is: a refusal, or the command's failure.
    let internal ofReply (name: string) (sha1: string) (message: string) : ExecutionError =
        match RefusalReason.ofKind (Replies.classify message) with
        | Some reason -> ExecutionError.Refused(name, sha1, reason, message)
        | None -> ExecutionError.CommandFailed(name, sha1, message)

    /// The line of the command's Lua body a compile or run-time error names, if it names one.
    [<CompiledName("LuaLine")>]
    let luaLine (error: ExecutionError) : int option =
        match error with
        | ExecutionError.CommandFailed(_, _, message) -> Replies.scriptLine message
        | _ -> None

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
        | ExecutionError.Refused(name, sha, reason, message) ->
            $"The script command '{name}' ({sha}) was refused by the server ({RefusalReason.describe reason}): {message}"
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
        | ExecutionError.CommandFailed(name, _, _)
        | ExecutionError.Refused(name, _, _, _) -> name
        | ExecutionError.RawCommandFailed(command, _)
        | ExecutionError.InvalidArguments(command, _)
        | ExecutionError.TransactionDiscarded(command, _)
        | ExecutionError.LibraryNotLoaded(command, _, _) -> command

    /// The server's own text.
    [<CompiledName("Message")>]
    let message (error: ExecutionError) : string =
        match error with
        | ExecutionError.CommandFailed(_, _, m)
        | ExecutionError.Refused(_, _, _, m)
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
