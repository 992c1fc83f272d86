namespace LuaScripts.Core

open System
open StackExchange.Redis

/// What a server's error reply means to the library. Every decision that depends on an error's
/// text reads it through <see cref="Replies.classify"/>, the one place that compares error texts
/// (ordinally, never by culture).
[<RequireQualifiedAccess>]
type internal ReplyKind =
    /// EVALSHA of a script the server does not hold: the exact, whole "NOSCRIPT No matching script" text.
    | NoScript
    /// FCALL of a function no loaded library registers: the exact, whole "ERR Function not found".
    | FunctionNotFound
    /// A plain FUNCTION LOAD found the library already there ("ERR Library 'name' already exists").
    | LibraryExists of library: string
    /// The server discarded a transaction (a command of it was refused at queue time).
    | ExecAbort
    /// A write sent to a replica (a primary demoted by a failover the client has not seen yet).
    | ReadOnlyReplica
    /// A script or function is running too long; the server takes no other script until it ends.
    | Busy
    /// The server is over its memory limit and refuses writes.
    | OutOfMemory
    /// The user's ACL does not allow the command (or a key or channel it touches).
    | NoPermission
    /// The server is loading its data set after a restart.
    | Loading
    /// The keys live on another node, or the cluster cannot serve them now (MOVED, ASK, TRYAGAIN,
    /// CLUSTERDOWN).
    | Redirected
    /// A replica whose link to its primary is down refuses reads (replica-serve-stale-data no).
    | MasterDown
    /// SCRIPT KILL or FUNCTION KILL found nothing running (NOTBUSY).
    | NotBusy
    /// The running script already wrote, so it cannot be killed (UNKILLABLE).
    | Unkillable
    /// The keys of one command span cluster slots.
    | CrossSlot
    /// The server would not compile a script's body (EVAL) or a function library (FUNCTION LOAD).
    | CompileError
    /// The server does not know the command or subcommand (an older Redis, a renamed command).
    | UnknownCommand
    /// A Lua run-time error of the script, with its line in the body when the server names it.
    | ScriptError of line: int option
    /// Any other error reply (a script's own error_reply, WRONGTYPE, a syntax error...).
    | Other

/// Reading server error replies.
[<RequireQualifiedAccess>]
module internal Replies =

    /// The server's whole reply to EVALSHA of an unknown script, the same from Redis 2.6 to 7.x.
    [<Literal>]
    let NoScriptText = "NOSCRIPT No matching script. Please use EVAL."

    /// The server's whole reply to FCALL of an unknown function (Redis 7.x).
    [<Literal>]
    let FunctionNotFoundText = "ERR Function not found"

    let private libraryExistsStart = "ERR Library '"
    let private libraryExistsEnd = "' already exists"

    /// The server's whole reply when a plain FUNCTION LOAD finds a library already there.
    [<CompiledName("LibraryExistsText")>]
    let libraryExistsText (library: string) = libraryExistsStart + library + libraryExistsEnd

    let private starts (prefix: string) (text: string) = text.StartsWith(prefix, StringComparison.Ordinal)

    // "... user_script:12: ..." (EVAL) or "... user_function:12: ..." (FCALL): the line in the body.
    let private lineAfter (marker: string) (text: string) =
        let at = text.IndexOf(marker, StringComparison.Ordinal)
        if at < 0 then
            None
        else
            let start = at + marker.Length
            let mutable stop = start
            while stop < text.Length && Char.IsAsciiDigit text[stop] do
                stop <- stop + 1
            if stop > start then Some(int (text.Substring(start, stop - start))) else None

    /// The line of the script body a Lua error names ("user_script:N" or "user_function:N"), if any.
    [<CompiledName("ScriptLine")>]
    let scriptLine (text: string) : int option =
        if isNull text then
            None
        else
            match lineAfter "user_script:" text with
            | Some line -> Some line
            | None -> lineAfter "user_function:" text

    /// What an error reply's text means. Texts are compared ordinally; NOSCRIPT and "Function not
    /// found" only as the server's exact, whole reply, so that a script's own error that merely
    /// mentions them is never taken for them.
    [<CompiledName("Classify")>]
    let classify (text: string) : ReplyKind =
        if isNull text then
            ReplyKind.Other
        elif String.Equals(text, NoScriptText, StringComparison.Ordinal) then
            ReplyKind.NoScript
        elif String.Equals(text, FunctionNotFoundText, StringComparison.Ordinal) then
            ReplyKind.FunctionNotFound
        elif starts libraryExistsStart text && text.EndsWith(libraryExistsEnd, StringComparison.Ordinal) then
            ReplyKind.LibraryExists(
                text.Substring(libraryExistsStart.Length, text.Length - libraryExistsStart.Length - libraryExistsEnd.Length)
            )
        elif starts "EXECABORT" text then
            ReplyKind.ExecAbort
        elif starts "READONLY" text then
            ReplyKind.ReadOnlyReplica
        elif starts "BUSY " text then
            ReplyKind.Busy
        elif starts "OOM" text then
            ReplyKind.OutOfMemory
        elif starts "NOPERM" text then
            ReplyKind.NoPermission
        elif starts "LOADING" text then
            ReplyKind.Loading
        elif starts "MOVED" text || starts "ASK" text || starts "TRYAGAIN" text || starts "CLUSTERDOWN" text then
            ReplyKind.Redirected
        elif starts "MASTERDOWN" text then
            ReplyKind.MasterDown
        elif starts "NOTBUSY" text then
            ReplyKind.NotBusy
        elif starts "UNKILLABLE" text then
            ReplyKind.Unkillable
        elif starts "CROSSSLOT" text then
            ReplyKind.CrossSlot
        elif starts "ERR Error compiling" text then
            ReplyKind.CompileError
        elif starts "ERR unknown command" text || starts "ERR unknown subcommand" text then
            ReplyKind.UnknownCommand
        else
            match scriptLine text with
            | Some line -> ReplyKind.ScriptError(Some line)
            | None when starts "ERR Error running script" text -> ReplyKind.ScriptError None
            | None -> ReplyKind.Other

    /// The kind of a failure: a server error reply's, or None for anything else (a connection
    /// failure, a time-out, a cancellation), which is never a server's answer.
    [<CompiledName("OfException")>]
    let ofException (error: exn) : ReplyKind voption =
        match error with
        | :? RedisServerException as e -> ValueSome(classify e.Message)
        | _ -> ValueNone

    /// Whether an exception is the server's exact NOSCRIPT reply.
    [<CompiledName("IsNoScript")>]
    let isNoScript (error: exn) = ofException error = ValueSome ReplyKind.NoScript

    /// Whether an exception is the server's exact "Function not found" reply.
    [<CompiledName("IsFunctionNotFound")>]
    let isFunctionNotFound (error: exn) = ofException error = ValueSome ReplyKind.FunctionNotFound

    /// Whether an error reply to EVAL proves the script is now cached on the server: a script that
    /// compiled and then failed at run time (its own error, a failed call) stays cached; a refusal
    /// before it ran does not. Unsure cases count as not cached, which costs at most one more body
    /// later. (EVAL is never answered NOSCRIPT, so a NOSCRIPT-looking text here is the script's own.)
    [<CompiledName("ProvesLoaded")>]
    let provesLoaded (kind: ReplyKind) : bool =
        match kind with
        | ReplyKind.ScriptError _
        | ReplyKind.Other
        | ReplyKind.NoScript
        | ReplyKind.FunctionNotFound
        | ReplyKind.LibraryExists _ -> true
        | ReplyKind.ExecAbort
        | ReplyKind.ReadOnlyReplica
        | ReplyKind.Busy
        | ReplyKind.OutOfMemory
        | ReplyKind.NoPermission
        | ReplyKind.Loading
        | ReplyKind.Redirected
        | ReplyKind.MasterDown
        | ReplyKind.NotBusy
        | ReplyKind.Unkillable
        | ReplyKind.CrossSlot
        | ReplyKind.CompileError
        | ReplyKind.UnknownCommand -> false

    /// Whether a refusal of FUNCTION LOAD means this user or server cannot load functions at all
    /// (Auto then picks Scripts).
    [<CompiledName("CannotLoadFunctions")>]
    let cannotLoadFunctions (kind: ReplyKind) : bool =
        match kind with
        | ReplyKind.NoPermission
        | ReplyKind.UnknownCommand -> true
        | _ -> false
