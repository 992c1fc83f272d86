namespace LuaScripts;

/// <summary>Settings of a <see cref="ScriptClient"/>.</summary>
public sealed class ScriptClientOptions
{
    /// <summary>The database number calls run against; -1 (the default) is the multiplexer's default database.</summary>
    public int Database { get; init; } = -1;
}
