using System;
using System.Collections.Generic;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// An interface could not be bound to a client's (or pipeline's) commands. Lists every problem found,
/// not only the first: a type that is not an interface, a method whose command is not defined, a
/// method with fewer arguments than its command has keys, an unsupported return or parameter type.
/// Nothing was bound.
/// </summary>
public sealed class ScriptBindingException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="interfaceType">The type that was to be bound.</param>
    /// <param name="problems">Every problem found, one sentence each.</param>
    public ScriptBindingException(Type interfaceType, IReadOnlyList<string> problems)
        : base(null, Messages.Binding.Failed(interfaceType.Name, problems))
    {
        InterfaceType = interfaceType;
        Problems = problems;
    }

    /// <summary>The type that was to be bound.</summary>
    public Type InterfaceType { get; }

    /// <summary>Every problem found, one sentence each, in method order.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// A bound method's command ran, but its reply does not convert to the method's return type (e.g.
/// the script returned a table of two elements to a method declared <c>Task&lt;long&gt;</c>, or nil
/// to a method declared <c>Task&lt;long&gt;</c> rather than <c>Task&lt;long?&gt;</c>, or a map with a
/// field the returned record lacks). The message names the method and the member where the reply did
/// not fit, and the reply's shape there. The script has run: what it did stands.
/// </summary>
public sealed class ScriptResultConversionException : LuaScriptException
{
    /// <summary>Creates the exception for a value that does not convert to a leaf type (see <see cref="ScriptReplies.Leaf{T}"/>).</summary>
    /// <param name="scriptName">The command that ran.</param>
    /// <param name="methodName">The target, as <c>Interface.Method</c> (with <c>.Member</c> appended for a nested target).</param>
    /// <param name="expectedType">The type the target has.</param>
    /// <param name="reply">The reply, or the part of it the target was to convert from.</param>
    /// <param name="inner">The conversion's own error, if any.</param>
    public ScriptResultConversionException(string scriptName, string methodName, Type expectedType, RedisResult reply, Exception? inner = null)
        : base(scriptName, Messages.Binding.ResultNotConverted(scriptName, methodName, expectedType, Results.DisplayName(expectedType), reply), inner)
    {
        MethodName = methodName;
        ExpectedType = expectedType;
        Reply = reply;
    }

    /// <summary>
    /// Creates the exception for a reply whose shape does not fit its target: not an array for a list,
    /// neither positions nor fields for a record, not field/value pairs for a dictionary.
    /// </summary>
    /// <param name="scriptName">The command that ran.</param>
    /// <param name="methodName">The target, as <c>Interface.Method</c> (with <c>.Member</c> appended for a nested target).</param>
    /// <param name="reason">What did not fit, describing the reply (from the core's decoders).</param>
    /// <param name="reply">The reply, or the part of it the target was to convert from.</param>
    public ScriptResultConversionException(string scriptName, string methodName, string reason, RedisResult reply)
        : base(scriptName, Messages.Binding.ReplyNotConverted(scriptName, methodName, reason))
    {
        MethodName = methodName;
        Reply = reply;
    }

    /// <summary>
    /// The target whose type did not fit, as <c>Interface.Method</c>, with <c>.Member</c> or
    /// <c>[index]</c> appended for a nested target (e.g. <c>IScripts.Poll.Messages[2].Body</c>).
    /// </summary>
    public string MethodName { get; }

    /// <summary>The leaf type the target has; <see langword="null"/> when the reply's shape did not fit (see the message).</summary>
    public Type? ExpectedType { get; }

    /// <summary>The reply, or the part of it at <see cref="MethodName"/>, as it came.</summary>
    public RedisResult Reply { get; }
}

/// <summary>
/// A command reached through <see cref="ScriptClient.Commands"/> is defined but was not defined with
/// <see cref="CommandDefinition.Install"/> = <see langword="true"/>, so the dynamic view does not
/// offer it. Nothing was sent. Run it by name, or define it with <c>Install = true</c>.
/// </summary>
public sealed class ScriptNotInstalledException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command asked for.</param>
    public ScriptNotInstalledException(string scriptName)
        : base(scriptName, Messages.Binding.NotInstalled(scriptName)) { }
}
