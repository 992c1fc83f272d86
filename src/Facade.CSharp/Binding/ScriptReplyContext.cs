using System;

namespace LuaScripts;

/// <summary>
/// Where a reply is being converted, for the messages of <see cref="ScriptResultConversionException"/>:
/// the command that replied, and the target member as <c>Interface.Method</c>, with <c>.Member</c>
/// (or <c>[index]</c>) appended for each nested target, e.g. <c>IChannelScripts.Poll.Messages[2].Body</c>.
/// </summary>
public readonly struct ScriptReplyContext
{
    private readonly string? command;
    private readonly string? member;

    /// <summary>Creates a context.</summary>
    /// <param name="command">The script command whose reply is converted.</param>
    /// <param name="member">The target: <c>Interface.Method</c>, with <c>.Member</c> appended for nested targets.</param>
    public ScriptReplyContext(string command, string member)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(member);
        this.command = command;
        this.member = member;
    }

    /// <summary>The script command whose reply is converted.</summary>
    public string Command => command ?? "";

    /// <summary>The target, as <c>Interface.Method</c> with <c>.Member</c> or <c>[index]</c> appended for nested targets.</summary>
    public string Member => member ?? "";

    /// <summary>The context of a member of this target (a record's property, a tuple's item).</summary>
    /// <param name="name">The member's name.</param>
    /// <returns>This context with <c>.name</c> appended to <see cref="Member"/>.</returns>
    public ScriptReplyContext Field(string name) => new(Command, Member + "." + name);

    /// <summary>The context of an element of this target (a list's or an array's item, a dictionary's value).</summary>
    /// <param name="index">The element's position, or its key as text.</param>
    /// <returns>This context with <c>[index]</c> appended to <see cref="Member"/>.</returns>
    public ScriptReplyContext Item(string index) => new(Command, Member + "[" + index + "]");

    /// <inheritdoc />
    public override string ToString() => $"{Member} ({Command})";
}
