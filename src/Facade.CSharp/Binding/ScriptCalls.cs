using System;
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

    /// <summary>The error of a null array passed for a parameter that expands in place (as <c>Bind&lt;T&gt;()</c> raises it).</summary>
    /// <param name="command">The command the method runs.</param>
    /// <param name="member">The method, as <c>Interface.Method</c>.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The exception to throw; nothing was sent.</returns>
    public static ScriptArgumentException NullArray(string command, string member, string parameter) =>
        new(command, Messages.Binding.NullArray(member, parameter));
}
