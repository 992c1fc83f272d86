namespace LuaScripts.Channels;

/// <summary>The rules for channel and topic names (and the key prefix).</summary>
public static class ChannelNames
{
    /// <summary>The longest name allowed, in characters.</summary>
    public const int MaxLength = 100;

    /// <summary>Whether a name is valid: 1 to 100 ASCII letters, digits, and <c>. - _ :</c>.</summary>
    /// <param name="name">The name.</param>
    public static bool IsValid(string? name) => Problem(name) is null;

    /// <summary>Throws <see cref="InvalidChannelNameException"/> unless the name is valid.</summary>
    /// <param name="kind">What the name is for, for the message: "channel", "topic" or "prefix".</param>
    /// <param name="name">The name.</param>
    /// <returns>The name.</returns>
    public static string Check(string kind, string? name) =>
        Problem(name) is { } reason ? throw new InvalidChannelNameException(kind, name, reason) : name!;

    private static string? Problem(string? name)
    {
        if (name is null) return "a name is required";
        if (name.Length == 0) return "it is empty";
        if (name.Length > MaxLength) return $"it is {name.Length} characters long; at most {MaxLength} are allowed";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_' or ':';
            if (!ok)
                return $"the character {(c < ' ' || c > '~' ? $"U+{(int)c:X4}" : $"'{c}'")} at position {i} is not allowed " +
                       "(only ASCII letters, digits and . - _ :)";
        }
        return null;
    }
}
