using System;

namespace LuaScripts;

/// <summary>
/// Names the script command a method of a bound interface runs (see
/// <see cref="ScriptClient.Bind{T}"/>). Without it the command is the method's name without an
/// <c>Async</c> suffix, in snake_case: <c>PublishToGroup</c> and <c>PublishToGroupAsync</c> both run
/// <c>publish_to_group</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ScriptCommandAttribute : Attribute
{
    /// <summary>Names the command the method runs.</summary>
    /// <param name="name">The command's name, exactly as it was defined (case-sensitive).</param>
    public ScriptCommandAttribute(string name) => Name = name;

    /// <summary>The command's name.</summary>
    public string Name { get; }

    /// <summary>
    /// The command's fixed key count, when the method wants it checked at compile time: a
    /// <see cref="ScriptCommandsAttribute"/> interface whose method passes fewer arguments, or gives the same
    /// command another count, or disagrees with the command's <c>.lua</c> file, does not compile (LUAS003,
    /// LUAS004, LUAS006). -1 (the default) leaves it unsaid. <see cref="ScriptClient.Bind{T}"/> does not read
    /// it: it checks the defined command itself when binding.
    /// </summary>
    public int Keys { get; set; } = -1;
}
