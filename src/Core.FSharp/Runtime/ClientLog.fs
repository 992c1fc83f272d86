namespace LuaScripts.Core

open System
open System.Net
open Microsoft.Extensions.Logging
open Microsoft.Extensions.Logging.Abstractions
open StackExchange.Redis

/// The ids of the events a client logs (category <c>LuaScripts</c>). They are stable: filter and
/// alert on them. Nothing is logged for a call that succeeds first time.
[<RequireQualifiedAccess>]
module ClientEventIds =
    /// A server answered NOSCRIPT (it lost its script cache, or the keys moved) and the call was
    /// sent again with its body (Information).
    [<Literal>]
    let ScriptHealed = 1001

    /// The Function library was loaded on a server: first use, a heal after "Function not found",
    /// or a preload (Information).
    [<Literal>]
    let LibraryLoaded = 1002

    /// A server refused to load the Function library (Warning).
    [<Literal>]
    let LibraryLoadFailed = 1003

    /// The Auto backend decided between Functions and Scripts, with its reason (Information).
    [<Literal>]
    let BackendDecided = 1004

    /// A preload finished on one server: how many loads succeeded (Information).
    [<Literal>]
    let Preloaded = 1005

    /// A preload failed on one server, with the server's reason (Warning).
    [<Literal>]
    let PreloadFailed = 1006

    /// A transaction was discarded with EXECABORT after a cluster redirection (nothing of it ran)
    /// and was sent again (Information).
    [<Literal>]
    let TransactionResent = 1007

    /// A server refused a command without running it: BUSY, OOM, READONLY, NOPERM, LOADING,
    /// MASTERDOWN (Warning).
    [<Literal>]
    let CommandRefused = 1008

    /// A watched directory's files changed and its commands were defined again: the commands
    /// (re)defined and removed are named; their next call runs the new body (Information).
    [<Literal>]
    let CommandsReloaded = 1009

    /// A watched directory's files changed but do not define (a syntax slip in a header, a missing
    /// include...): every problem is named with its file, and the previous definitions stay (Warning).
    [<Literal>]
    let CommandsReloadFailed = 1010

    /// The name of the log category every client event uses.
    [<Literal>]
    let Category = "LuaScripts"

/// One client's log: one method per event of <see cref="ClientEventIds"/>, each a cached
/// <c>LoggerMessage</c> (what the C# source generator emits), free when the level is off.
[<Sealed>]
type internal ClientLog(logger: ILogger) =
    static let scriptHealed =
        LoggerMessage.Define<string, string>(
            LogLevel.Information,
            EventId(ClientEventIds.ScriptHealed, "ScriptHealed"),
            "NOSCRIPT for '{Command}' from {Server}: sent again with its body"
        )
    static let libraryLoaded =
        LoggerMessage.Define<string, string>(
            LogLevel.Information,
            EventId(ClientEventIds.LibraryLoaded, "LibraryLoaded"),
            "Function library {Library} loaded on {Server}"
        )
    static let libraryLoadFailed =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Warning,
            EventId(ClientEventIds.LibraryLoadFailed, "LibraryLoadFailed"),
            "Function library {Library} could not be loaded on {Server}: {Reason}"
        )
    static let backendDecided =
        LoggerMessage.Define<string, string>(
            LogLevel.Information,
            EventId(ClientEventIds.BackendDecided, "BackendDecided"),
            "Auto backend chose {Backend}: {Reason}"
        )
    static let preloaded =
        LoggerMessage.Define<int, string>(
            LogLevel.Information,
            EventId(ClientEventIds.Preloaded, "Preloaded"),
            "Preloaded {Count} script(s) on {Server}"
        )
    static let preloadFailed =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            EventId(ClientEventIds.PreloadFailed, "PreloadFailed"),
            "Preload failed on {Server}: {Reason}"
        )
    static let transactionResent =
        LoggerMessage.Define<int, int>(
            LogLevel.Information,
            EventId(ClientEventIds.TransactionResent, "TransactionResent"),
            "A transaction of {Steps} step(s) was discarded with EXECABORT after a redirection (nothing ran): sent again (attempt {Attempt})"
        )
    static let commandRefused =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Warning,
            EventId(ClientEventIds.CommandRefused, "CommandRefused"),
            "'{Command}' was refused ({Reason}), nothing ran: {Message}"
        )

    static let commandsReloaded =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            EventId(ClientEventIds.CommandsReloaded, "CommandsReloaded"),
            "Scripts in {Directory} changed: defined {Commands}; removed {Removed}"
        )
    static let commandsReloadFailed =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            EventId(ClientEventIds.CommandsReloadFailed, "CommandsReloadFailed"),
            "Scripts in {Directory} changed but do not define, the previous commands stay: {Problems}"
        )

    static let server (endPoint: EndPoint) = if isNull endPoint then "the server" else EndPointCollection.ToString endPoint

    /// A log that writes nothing.
    static member val Silent = ClientLog(NullLogger.Instance)

    /// The log of a client with these options' logger factory (none: nothing is written).
    static member For(factory: ILoggerFactory option) =
        match factory with
        | Some f when not (isNull f) -> ClientLog(f.CreateLogger ClientEventIds.Category)
        | _ -> ClientLog.Silent

    member _.ScriptHealed(command: string, endPoint: EndPoint) = scriptHealed.Invoke(logger, command, server endPoint, null)

    member _.LibraryLoaded(library: string, endPoint: EndPoint) = libraryLoaded.Invoke(logger, library, server endPoint, null)

    member _.LibraryLoadFailed(library: string, endPoint: EndPoint, reason: string) =
        libraryLoadFailed.Invoke(logger, library, server endPoint, reason, null)

    member _.BackendDecided(useFunctions: bool, reason: string) =
        let reason = if String.IsNullOrEmpty reason then "every server runs Redis 7.0+ and accepted FUNCTION LOAD" else reason
        backendDecided.Invoke(logger, (if useFunctions then "Functions" else "Scripts"), reason, null)

    member _.Preloaded(count: int, endPoint: EndPoint) = preloaded.Invoke(logger, count, server endPoint, null)

    member _.PreloadFailed(endPoint: EndPoint, reason: string) = preloadFailed.Invoke(logger, server endPoint, reason, null)

    member _.TransactionResent(steps: int, attempt: int) = transactionResent.Invoke(logger, steps, attempt, null)

    member _.CommandsReloaded(directory: string, changed: string list, removed: string list) =
        let names (l: string list) = if l.IsEmpty then "none" else String.Join(", ", l)
        commandsReloaded.Invoke(logger, directory, names changed, names removed, null)

    member _.CommandsReloadFailed(directory: string, problems: string list) =
        commandsReloadFailed.Invoke(logger, directory, String.Join(" ", problems), null)

    /// Logs an execution error when it is a refusal (nothing ran); other errors are the caller's.
    member _.IfRefused(error: ExecutionError) =
        match error with
        | ExecutionError.Refused(name, _, reason, message) -> commandRefused.Invoke(logger, name, string reason, message, null)
        | _ -> ()
