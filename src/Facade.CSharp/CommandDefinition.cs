namespace LuaScripts;

/// <summary>
/// What a named command is: its Lua body, how many of its arguments are KEYS, and optional facts
/// about it. Pass one to <see cref="ScriptClient.DefineCommand(string, CommandDefinition)"/>.
/// Immutable once built; safe to share.
/// </summary>
public sealed class CommandDefinition
{
    /// <summary>Creates a definition from a Lua body. The body is checked when the command is defined.</summary>
    /// <param name="lua">The Lua body, as EVAL would take it (KEYS and ARGV are its inputs).</param>
    public CommandDefinition(string lua) => Lua = lua;

    /// <summary>The Lua body.</summary>
    public string Lua { get; }

    /// <summary>
    /// How many of the flat arguments are KEYS. <see langword="null"/> (the default) makes the key
    /// count dynamic: the first flat argument of every call says how many keys follow.
    /// </summary>
    public int? Keys { get; init; }

    /// <summary>Free text for people: what the command does.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// The script never writes. It runs with EVALSHA_RO/EVAL_RO, and the server refuses any write it tries.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>The command may be reached as a method through the client's dynamic view.</summary>
    public bool Install { get; init; }
}
