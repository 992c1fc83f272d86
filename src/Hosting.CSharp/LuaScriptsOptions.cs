namespace LuaScripts.Hosting;

/// <summary>
/// Settings of a <see cref="ScriptClient"/> registered with <c>AddLuaScripts</c>: those of
/// <see cref="ScriptClientOptions"/>, and what happens when the host starts. Read once, when the
/// client is created; bound from configuration by <c>AddLuaScripts(IConfiguration)</c> under the same
/// key names.
/// </summary>
public sealed class LuaScriptsOptions
{
    /// <summary>
    /// How commands run on the server: <see cref="ScriptBackend.Scripts"/> (the default),
    /// <see cref="ScriptBackend.Functions"/> or <see cref="ScriptBackend.Auto"/>. Configuration key <c>Backend</c>.
    /// </summary>
    public ScriptBackend Backend { get; set; } = ScriptBackend.Scripts;

    /// <summary>
    /// The database number calls run against; -1 (the default) is the multiplexer's default database.
    /// Configuration key <c>Database</c>.
    /// </summary>
    public int Database { get; set; } = -1;

    /// <summary>
    /// A prefix put before every key the client sends; <see langword="null"/> (the default) for none.
    /// Configuration key <c>KeyPrefix</c>.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// Whether the host loads every defined command on every server when it starts, before the app takes
    /// traffic (<see cref="ScriptClient.PreloadScriptsAsync"/>). Not needed for correctness: calls load what
    /// is missing by themselves. <see langword="false"/> by default. Configuration key <c>PreloadOnStart</c>.
    /// </summary>
    public bool PreloadOnStart { get; set; }

    /// <summary>
    /// What a failed preload at startup does: <see cref="PreloadFailureBehavior.FailStartup"/> (the
    /// default) or <see cref="PreloadFailureBehavior.Log"/>. Configuration key <c>PreloadFailure</c>.
    /// </summary>
    public PreloadFailureBehavior PreloadFailure { get; set; } = PreloadFailureBehavior.FailStartup;

    /// <summary>
    /// A directory of <c>.lua</c> command files defined when the client is created (see
    /// <see cref="ScriptClient.DefineCommandsFromDirectory(string)"/>), after the builder's own script
    /// sources; relative to the host's content root. Files that do not define stop the start, naming every
    /// file at fault. <see langword="null"/> (the default) for none. Configuration key <c>ScriptsDirectory</c>.
    /// </summary>
    public string? ScriptsDirectory { get; set; }

    /// <summary>
    /// Whether <see cref="ScriptsDirectory"/> is watched for the host's lifetime, its commands defined again
    /// when its files change (see <see cref="ScriptClient.WatchCommandsDirectory(string)"/>): for
    /// development. <see langword="false"/> by default. Configuration key <c>WatchScripts</c>.
    /// </summary>
    public bool WatchScripts { get; set; }
}

/// <summary>What a failed preload at startup (<see cref="LuaScriptsOptions.PreloadOnStart"/>) does.</summary>
public enum PreloadFailureBehavior
{
    /// <summary>
    /// The host does not start: the error names every server, the command and the server's message
    /// (e.g. a script that does not compile).
    /// </summary>
    FailStartup = 0,

    /// <summary>The failure is logged as an error and the host starts; calls load what they need when they run.</summary>
    Log = 1,
}
