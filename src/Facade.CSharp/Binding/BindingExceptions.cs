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
/// to a method declared <c>Task&lt;long&gt;</c> rather than <c>Task&lt;long?&gt;</c>). The script
/// has run: what it did stands.
/// </summary>
public sealed class ScriptResultConversionException : LuaScriptException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="scriptName">The command that ran.</param>
    /// <param name="methodName">The method, as <c>Interface.Method</c>.</param>
    /// <param name="expectedType">The type the method returns (inside its task).</param>
    /// <param name="reply">The script's reply.</param>
    /// <param name="inner">The conversion's own error, if any.</param>
    public ScriptResultConversionException(string scriptName, string methodName, Type expectedType, RedisResult reply, Exception? inner = null)
        : base(scriptName, Messages.Binding.ResultNotConverted(scriptName, methodName, expectedType, Results.DisplayName(expectedType), reply), inner)
    {
        MethodName = methodName;
        ExpectedType = expectedType;
        Reply = reply;
    }

    /// <summary>The method whose return type did not fit, as <c>Interface.Method</c>.</summary>
    public string MethodName { get; }

    /// <summary>The type the method returns (inside its task).</summary>
    public Type ExpectedType { get; }

    /// <summary>The script's reply, as it came.</summary>
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
