using System;
using System.Collections.Generic;
using System.Net;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// The base of every error LuaScripts raises itself. Connection failures and time-outs are not
/// wrapped: they arrive as StackExchange.Redis raises them.
/// </summary>
public abstract class LuaScriptException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command the error is about, if any.</param>
    /// <param name="message">What went wrong, naming the command.</param>
    /// <param name="inner">The underlying error, if any.</param>
    protected LuaScriptException(string? scriptName, string message, Exception? inner = null)
        : base(message, inner) => ScriptName = scriptName;

    /// <summary>The command the error is about, or <see langword="null"/> when it is about none.</summary>
    public string? ScriptName { get; }
}

/// <summary>A command definition was refused (empty or bad name, empty body, negative key count). Nothing was defined.</summary>
public sealed class InvalidScriptDefinitionException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The name given, if any.</param>
    /// <param name="message">What is wrong.</param>
    public InvalidScriptDefinitionException(string? scriptName, string message) : this(scriptName, message, null, Array.Empty<string>()) { }

    /// <summary>Creates the exception for commands defined from files.</summary>
    /// <param name="scriptName">The name given, if any.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="sourceFile">The file at fault (the first one, when several are), if the definition came from files.</param>
    /// <param name="problems">Every problem found, one sentence each naming its file.</param>
    public InvalidScriptDefinitionException(string? scriptName, string message, string? sourceFile, IReadOnlyList<string> problems)
        : base(scriptName, message)
    {
        SourceFile = sourceFile;
        Problems = problems ?? Array.Empty<string>();
    }

    /// <summary>The file at fault, relative to the directory or resource prefix, or <see langword="null"/> for a definition from a string.</summary>
    public string? SourceFile { get; }

    /// <summary>Every problem found (files are checked all at once), one sentence each; empty for a definition from a string.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>No command is defined under the name. Nothing was sent.</summary>
public sealed class UnknownScriptException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The name asked for.</param>
    public UnknownScriptException(string scriptName)
        : base(scriptName, RunErrorModule.Describe(RunError.NewUnknownCommand(scriptName))) { }
}

/// <summary>A call's arguments do not fit the command's key count. Nothing was sent.</summary>
public class ScriptArgumentException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command called.</param>
    /// <param name="message">What is wrong with the arguments.</param>
    public ScriptArgumentException(string scriptName, string message) : base(scriptName, message) { }
}

/// <summary>
/// On a Redis Cluster, the keys of one call (or of one transaction) hash to different slots, so no
/// single node can run it. Nothing was sent. Give keys that belong together a common hash tag,
/// such as <c>{user:42}:cart</c> and <c>{user:42}:orders</c>.
/// </summary>
public sealed class CrossSlotException : ScriptArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command (or plain command) whose keys do not fit.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="slots">The distinct hash slots involved.</param>
    public CrossSlotException(string scriptName, string message, IReadOnlyList<int> slots)
        : base(scriptName, message) => Slots = slots;

    /// <summary>The distinct hash slots the keys fall in.</summary>
    public IReadOnlyList<int> Slots { get; }
}

/// <summary>
/// The script failed: it did not compile, raised a Lua run-time error or its own error, or a call it
/// made failed. A refusal by the server's state or the user's rights is a
/// <see cref="ScriptRefusedException"/> instead. Never raised for NOSCRIPT, which the library heals itself.
/// </summary>
public sealed class ScriptExecutionException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command that failed.</param>
    /// <param name="sha1">The script's SHA1.</param>
    /// <param name="serverMessage">The server's error text.</param>
    public ScriptExecutionException(string scriptName, string sha1, string serverMessage)
        : this(scriptName, sha1, serverMessage, null) { }

    /// <summary>Creates the exception with the error StackExchange.Redis raised for the reply.</summary>
    /// <param name="scriptName">The command that failed.</param>
    /// <param name="sha1">The script's SHA1.</param>
    /// <param name="serverMessage">The server's error text.</param>
    /// <param name="inner">The server error as StackExchange.Redis reports it, if any.</param>
    public ScriptExecutionException(string scriptName, string sha1, string serverMessage, Exception? inner)
        : this(scriptName, sha1, serverMessage, ExecutionErrorModule.Describe(ExecutionError.NewCommandFailed(scriptName, sha1, serverMessage)),
            null, null, Array.Empty<string>(), inner)
    { }

    /// <summary>Creates the exception placed in the command's source.</summary>
    /// <param name="scriptName">The command that failed.</param>
    /// <param name="sha1">The script's SHA1.</param>
    /// <param name="serverMessage">The server's error text.</param>
    /// <param name="message">The message, naming the command and where it failed.</param>
    /// <param name="sourceFile">The file of the failing line, for a command defined from files.</param>
    /// <param name="sourceLine">The failing line: of <paramref name="sourceFile"/>, or of the body for a command defined from a string.</param>
    /// <param name="includeChain">The include lines that brought the file in, innermost first, as <c>file:line</c>.</param>
    /// <param name="inner">The server error as StackExchange.Redis reports it, if any.</param>
    public ScriptExecutionException(string scriptName, string sha1, string serverMessage, string message,
        string? sourceFile, int? sourceLine, IReadOnlyList<string> includeChain, Exception? inner)
        : base(scriptName, message, inner)
    {
        Sha1 = sha1;
        ServerMessage = serverMessage;
        var line = ExecutionErrorModule.LuaLine(ExecutionError.NewCommandFailed(scriptName, sha1, serverMessage));
        LuaLine = line is null ? null : line.Value;
        SourceFile = sourceFile;
        SourceLine = sourceLine;
        IncludeChain = includeChain ?? Array.Empty<string>();
    }

    /// <summary>
    /// The file the failing line is in (relative to the directory or resource prefix it was defined
    /// from), or <see langword="null"/> for a command defined from a string or an error that names no line.
    /// </summary>
    public string? SourceFile { get; }

    /// <summary>
    /// The failing line, counted from 1: of <see cref="SourceFile"/>, or of the command's own body when
    /// it was defined from a string (whatever the backend's numbering); <see langword="null"/> when the
    /// error names no line.
    /// </summary>
    public int? SourceLine { get; }

    /// <summary>The include lines that brought <see cref="SourceFile"/> in, innermost first, as <c>file:line</c>; empty when none did.</summary>
    public IReadOnlyList<string> IncludeChain { get; }

    /// <summary>The script's lower-case hexadecimal SHA1.</summary>
    public string Sha1 { get; }

    /// <summary>The server's error text, as it sent it.</summary>
    public string ServerMessage { get; }

    /// <summary>The line of the Lua body the error names (<c>user_script:N</c>), or <see langword="null"/>.</summary>
    public int? LuaLine { get; }
}

/// <summary>Why the server refused a command.</summary>
public enum RefusalReason
{
    /// <summary>Any other refusal before the script ran (CLUSTERDOWN, CROSSSLOT, an unknown command...).</summary>
    Other = 0,

    /// <summary>Another script or function is running past the busy threshold (BUSY); <see cref="ScriptClient.KillRunningScriptAsync"/> ends it.</summary>
    Busy = 1,

    /// <summary>The server is over its memory limit and refuses writes (OOM).</summary>
    OutOfMemory = 2,

    /// <summary>A write reached a replica (READONLY).</summary>
    ReadOnlyReplica = 3,

    /// <summary>The user's ACL does not allow the command (NOPERM).</summary>
    NoPermission = 4,

    /// <summary>The server is loading its data set (LOADING).</summary>
    Loading = 5,

    /// <summary>A replica lost its link to its primary and serves no reads (MASTERDOWN).</summary>
    MasterDown = 6,
}

/// <summary>
/// The server refused the command for a reason of its own state or the user's rights, not the
/// script's: it did not run it, or stopped it at the refused call. <see cref="Reason"/> says which.
/// </summary>
public sealed class ScriptRefusedException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command refused.</param>
    /// <param name="sha1">The script's SHA1.</param>
    /// <param name="reason">Why.</param>
    /// <param name="message">What happened, naming the command.</param>
    /// <param name="serverMessage">The server's error text.</param>
    /// <param name="inner">The server error as StackExchange.Redis reports it, if any.</param>
    public ScriptRefusedException(string scriptName, string sha1, RefusalReason reason, string message, string serverMessage, Exception? inner)
        : base(scriptName, message, inner)
    {
        Sha1 = sha1;
        Reason = reason;
        ServerMessage = serverMessage;
    }

    /// <summary>The script's lower-case hexadecimal SHA1.</summary>
    public string Sha1 { get; }

    /// <summary>Why the server refused.</summary>
    public RefusalReason Reason { get; }

    /// <summary>The server's error text, as it sent it.</summary>
    public string ServerMessage { get; }
}

/// <summary>One server where a running script could not be killed, and why.</summary>
/// <param name="EndPoint">The server.</param>
/// <param name="Reason">The server's error text (UNKILLABLE: the script already wrote), or what went wrong reaching it.</param>
public sealed record ScriptKillFailure(EndPoint EndPoint, string Reason);

/// <summary>
/// A running script could not be killed: it already wrote (UNKILLABLE; only SHUTDOWN NOSAVE stops
/// it), or a server could not be reached.
/// </summary>
public sealed class ScriptKillException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming every server.</param>
    /// <param name="failures">Every server that could not kill, with its reason.</param>
    public ScriptKillException(string message, IReadOnlyList<ScriptKillFailure> failures)
        : base(null, message) => Failures = failures;

    /// <summary>Every server that could not kill, with its reason.</summary>
    public IReadOnlyList<ScriptKillFailure> Failures { get; }
}

/// <summary>One server that refused to load scripts or could not be reached, and why.</summary>
/// <param name="EndPoint">The server.</param>
/// <param name="Reason">The server's error text, or what went wrong reaching it.</param>
public sealed record ScriptLoadFailure(EndPoint EndPoint, string Reason);

/// <summary>
/// Preloading did not load every script on every server. The servers that could be loaded were.
/// Running commands keeps working: a server that lacks a script is sent its body on first use.
/// </summary>
public sealed class ScriptLoadException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming every failed server.</param>
    /// <param name="loaded">How many (script, server) loads succeeded.</param>
    /// <param name="failures">Every failed server with its reason.</param>
    public ScriptLoadException(string message, int loaded, IReadOnlyList<ScriptLoadFailure> failures)
        : base(null, message)
    {
        Loaded = loaded;
        Failures = failures;
    }

    /// <summary>How many (script, server) loads succeeded.</summary>
    public int Loaded { get; }

    /// <summary>Every server that refused or could not be reached, with its reason.</summary>
    public IReadOnlyList<ScriptLoadFailure> Failures { get; }
}

/// <summary>
/// With the Functions backend, the client's function library could not be loaded where a command
/// runs (an ACL without FUNCTION LOAD, OOM, no primary reachable...). Nothing of the call was sent.
/// </summary>
public sealed class FunctionLibraryLoadException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command that was not sent.</param>
    /// <param name="libraryName">The library's name.</param>
    /// <param name="message">What failed, naming every server and its refusal.</param>
    /// <param name="failures">Every server that refused or could not be reached, with its reason.</param>
    public FunctionLibraryLoadException(string scriptName, string libraryName, string message, IReadOnlyList<ScriptLoadFailure> failures)
        : base(scriptName, message)
    {
        LibraryName = libraryName;
        Failures = failures;
    }

    /// <summary>The library's name, as FUNCTION LIST shows it.</summary>
    public string LibraryName { get; }

    /// <summary>Every server that refused or could not be reached, with its reason (empty when no primary was connected).</summary>
    public IReadOnlyList<ScriptLoadFailure> Failures { get; }
}

/// <summary>One failed position of a pipeline or transaction.</summary>
/// <param name="Index">The position in queue order, from 0.</param>
/// <param name="Name">The script command or plain command at that position.</param>
/// <param name="Message">The server's error text.</param>
public sealed record PipelineFailure(int Index, string Name, string Message);

/// <summary>
/// Some positions of a pipeline or transaction failed on the server. The other positions' replies
/// are in <see cref="Results"/>; a failed position holds <see langword="null"/> there and is
/// described in <see cref="Failures"/>. For a transaction the server discarded (EXECABORT, a WATCH
/// conflict), every position is a failure and nothing of it ran.
/// </summary>
public sealed class PipelineExecutionException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A summary naming each failed position.</param>
    /// <param name="results">Every position's reply, null where it failed.</param>
    /// <param name="failures">Every failed position.</param>
    public PipelineExecutionException(string message, RedisResult?[] results, IReadOnlyList<PipelineFailure> failures)
        : base(failures.Count > 0 ? failures[0].Name : null, message)
    {
        Results = results;
        Failures = failures;
    }

    /// <summary>Every position's reply in queue order; <see langword="null"/> where the position failed.</summary>
    public IReadOnlyList<RedisResult?> Results { get; }

    /// <summary>Every failed position, in queue order.</summary>
    public IReadOnlyList<PipelineFailure> Failures { get; }
}
