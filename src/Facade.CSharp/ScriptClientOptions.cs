using Microsoft.Extensions.Logging;

namespace LuaScripts;

/// <summary>Settings of a <see cref="ScriptClient"/>.</summary>
public sealed class ScriptClientOptions
{
    /// <summary>The database number calls run against; -1 (the default) is the multiplexer's default database.</summary>
    public int Database { get; init; } = -1;

    /// <summary>
    /// How commands run on the server: <see cref="ScriptBackend.Scripts"/> (the default),
    /// <see cref="ScriptBackend.Functions"/> or <see cref="ScriptBackend.Auto"/>.
    /// </summary>
    public ScriptBackend Backend { get; init; } = ScriptBackend.Scripts;

    /// <summary>
    /// A prefix put before every key the client sends, as StackExchange.Redis's <c>WithKeyPrefix</c>
    /// does (KEYS of defined commands and <c>RedisKey</c> arguments of raw commands; never
    /// ARGV or replies). On a cluster, slots are checked on the prefixed keys. <see langword="null"/>
    /// (the default) for none.
    /// </summary>
    public string? KeyPrefix { get; init; }

    /// <summary>
    /// Where the client logs what it does off the hot path: a heal after NOSCRIPT, a Function-library
    /// load, the <see cref="ScriptBackend.Auto"/> decision, preload results, a resend after EXECABORT,
    /// a refusal. Nothing is logged for a call that succeeds first time. <see langword="null"/> (the
    /// default) for no logging.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>How a <see cref="ScriptClient"/> runs its commands on the server.</summary>
public enum ScriptBackend
{
    /// <summary>
    /// EVAL/EVALSHA through each server's script cache, healed when a server answers NOSCRIPT.
    /// Works on every Redis version.
    /// </summary>
    Scripts = 0,

    /// <summary>
    /// FCALL/FCALL_RO of the commands deployed as one Redis Function library (Redis 7.0+), which the
    /// server stores with its data, replicates and persists, and which SCRIPT FLUSH does not touch.
    /// Loaded on first use and healed when a server answers "Function not found". Needs FUNCTION LOAD
    /// permission: without it calls fail with <see cref="FunctionLibraryLoadException"/>.
    /// </summary>
    Functions = 1,

    /// <summary>
    /// <see cref="Functions"/> where every server is Redis 7.0 or newer and the user may run
    /// FUNCTION LOAD, <see cref="Scripts"/> otherwise; decided once, on the client's first call or preload.
    /// </summary>
    Auto = 2,
}
