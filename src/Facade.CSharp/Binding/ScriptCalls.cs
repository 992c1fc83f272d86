using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// The few steps of a call that code written by the LuaScripts source generator (see
/// <see cref="ScriptCommandsAttribute"/>) takes outside <see cref="ScriptClient.RunScriptAsync(string, RedisValue[])"/>
/// and <see cref="ScriptPipeline.QueueScript(string, RedisValue[])"/>: converting a reply's task and the
/// arguments that have no implicit conversion to <see cref="RedisValue"/>, with the same rules as
/// <see cref="ScriptClient.Bind{T}"/>. Not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScriptCalls
{
    /// <summary>The task of a reply converted by <paramref name="convert"/> (its exception, if any, faults the task).</summary>
    /// <typeparam name="T">The method's result type.</typeparam>
    /// <param name="reply">The reply's task.</param>
    /// <param name="convert">The conversion (a static lambda in generated code: nothing is captured).</param>
    /// <returns>The converted reply's task.</returns>
    public static async Task<T> Convert<T>(Task<RedisResult> reply, Func<RedisResult, T> convert)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(convert);
        return convert(await reply.ConfigureAwait(false));
    }

    /// <summary>
    /// A reply's task that stops waiting when <paramref name="cancellationToken"/> is cancelled (a command
    /// already sent still runs on the server): how every call with a <see cref="CancellationToken"/> waits.
    /// </summary>
    /// <param name="reply">The reply's task.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The reply's task, or one cancelled with the token.</returns>
    public static Task<RedisResult> WaitAsync(Task<RedisResult> reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return cancellationToken.CanBeCanceled ? reply.WaitAsync(cancellationToken) : reply;
    }

    /// <summary>A key as a flat argument: its bytes, kept exactly (as <c>Bind&lt;T&gt;()</c> sends it).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(RedisKey key) => Args.KeyToValue(key);

    /// <summary>A key as a flat argument, or <see cref="RedisValue.Null"/> (refused when sent) without a value.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(RedisKey? key) => key is { } k ? Args.KeyToValue(k) : RedisValue.Null;

    /// <summary>A short as a flat argument (sent as the int it is).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(short value) => (int)value;

    /// <summary>A short as a flat argument, or <see cref="RedisValue.Null"/> without a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(short? value) => value is { } v ? (int)v : RedisValue.Null;

    /// <summary>A float as a flat argument (sent as its double).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(float value) => (double)value;

    /// <summary>A float as a flat argument, or <see cref="RedisValue.Null"/> without a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The flat argument.</returns>
    public static RedisValue Arg(float? value) => value is { } v ? (double)v : RedisValue.Null;

    /// <summary>
    /// Checks a generated binding's methods against a client's commands, as <see cref="ScriptClient.Bind{T}"/>
    /// checks them when binding: every command defined there, with few enough keys for the arguments.
    /// </summary>
    /// <param name="client">The client the binding runs on.</param>
    /// <param name="interfaceType">The interface.</param>
    /// <param name="methods">Each method: <c>Interface.Method</c>, its command, its flat arguments when its arrays are empty, whether an array can add any number.</param>
    /// <exception cref="ScriptBindingException">Some methods do not fit; it lists every problem.</exception>
    public static void CheckBinding(ScriptClient client, Type interfaceType,
        (string Member, string Command, int MinArguments, bool Unbounded)[] methods) =>
        Check(new ClientTarget(client ?? throw new ArgumentNullException(nameof(client))), interfaceType, methods);

    /// <summary>Checks a generated binding's methods against a pipeline's client's commands (see <see cref="CheckBinding(ScriptClient, Type, ValueTuple{string, string, int, bool}[])"/>).</summary>
    /// <param name="pipeline">The pipeline or transaction the binding queues on.</param>
    /// <param name="interfaceType">The interface.</param>
    /// <param name="methods">Each method, as for a client.</param>
    /// <exception cref="ScriptBindingException">Some methods do not fit; it lists every problem.</exception>
    public static void CheckBinding(ScriptPipeline pipeline, Type interfaceType,
        (string Member, string Command, int MinArguments, bool Unbounded)[] methods)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Check(new PipelineTarget(pipeline), interfaceType, methods);
    }

    private static void Check(ICommandTarget target, Type interfaceType,
        (string Member, string Command, int MinArguments, bool Unbounded)[] methods)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        ArgumentNullException.ThrowIfNull(methods);
        var problems = new List<string>();
        var registry = target.Registry;
        foreach (var (member, command, min, unbounded) in methods)
            ScriptBinder.CheckCommand(registry, target.Where, member, command, min, unbounded, problems);
        if (problems.Count > 0) throw new ScriptBindingException(interfaceType, problems);
    }

    /// <summary>The error of a null array passed for a parameter that expands in place (as <c>Bind&lt;T&gt;()</c> raises it).</summary>
    /// <param name="command">The command the method runs.</param>
    /// <param name="member">The method, as <c>Interface.Method</c>.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The exception to throw; nothing was sent.</returns>
    public static ScriptArgumentException NullArray(string command, string member, string parameter) =>
        new(command, Messages.Binding.NullArray(member, parameter));
}
