using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// Script calls and plain commands queued to be sent together: a pipeline (one round trip) or a
/// transaction (MULTI/EXEC, all or nothing). Every call is checked when it is queued, so a bad name
/// or bad arguments throw then and nothing of the pipeline is ever sent. Within a pipeline the first
/// use of each script on each server carries its body and later uses are EVALSHA, so the replies keep
/// the queue order even right after the server lost its scripts. Not thread-safe: build it on one
/// thread, execute it once.
/// </summary>
public sealed class ScriptPipeline
{
    private readonly ScriptClient client;
    private readonly StepQueue queue;
    private int executed;

    internal ScriptPipeline(ScriptClient client, bool transaction)
    {
        this.client = client;
        queue = transaction ? ClientModule.Transaction(client.Core) : ClientModule.Pipeline(client.Core);
        IsTransaction = transaction;
    }

    /// <summary>Whether this is a MULTI/EXEC transaction rather than a plain pipeline.</summary>
    public bool IsTransaction { get; }

    /// <summary>How many commands are queued.</summary>
    public int Count => queue.Count;

    /// <summary>Queues a named command with flat arguments (split as <see cref="ScriptClient.RunScriptAsync(string, RedisValue[])"/> does).</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, params RedisValue[] args)
    {
        var invocation = ClientModule.Invoke(name, args, client.Core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        return Add(Step.NewCall(invocation.ResultValue));
    }

    /// <summary>
    /// Queues a named command with flat arguments, as <see cref="RunScript(string, RedisValue[])"/> does, and
    /// returns the task of its own reply: <see cref="ExecuteAsync"/> completes it with the reply at this
    /// position, or faults it with that position's error (or the error that failed the whole round). What
    /// the generated bindings of <see cref="ScriptCommandsAttribute"/> queue through.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <returns>The reply's task, completed when the pipeline is executed.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public Task<RedisResult> QueueScript(string name, params RedisValue[] args)
    {
        RunScript(name, args);
        var reply = new PendingReply<RedisResult>(static r => r);
        Pending.Add(Count - 1, reply);
        return reply.Reply;
    }

    /// <summary>
    /// Queues a named command as <see cref="QueueScript(string, RedisValue[])"/> does, with its reply
    /// converted by <paramref name="convert"/> when <see cref="ExecuteAsync"/> brings it: the task is
    /// complete (with the value, or faulted with the conversion's exception) when <see cref="ExecuteAsync"/>
    /// returns. What generated bindings with a typed result queue through.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <param name="convert">The reply's conversion (such as <c>ScriptReplies.Leaf</c>).</param>
    /// <returns>The converted reply's task.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public Task<T> QueueScript<T>(string name, RedisValue[] args, Func<RedisResult, T> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        RunScript(name, args);
        var reply = new PendingReply<T>(convert);
        Pending.Add(Count - 1, reply);
        return reply.Reply;
    }

    /// <summary>
    /// Queues a named command with one flat argument, split as <see cref="RunScript(string, RedisValue[])"/>
    /// splits it, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, RedisValue arg0) => RunFew(name, 1, arg0, default, default);

    /// <summary>
    /// Queues a named command with two flat arguments, split as <see cref="RunScript(string, RedisValue[])"/>
    /// splits them, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <param name="arg1">The second flat argument.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, RedisValue arg0, RedisValue arg1) => RunFew(name, 2, arg0, arg1, default);

    /// <summary>
    /// Queues a named command with three flat arguments, split as <see cref="RunScript(string, RedisValue[])"/>
    /// splits them, without building an argument array.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arg0">The first flat argument.</param>
    /// <param name="arg1">The second flat argument.</param>
    /// <param name="arg2">The third flat argument.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count (or, on a cluster, the keys span slots); nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, RedisValue arg0, RedisValue arg1, RedisValue arg2) => RunFew(name, 3, arg0, arg1, arg2);

    private ScriptPipeline RunFew(string name, int count, RedisValue arg0, RedisValue arg1, RedisValue arg2)
    {
        var invocation = ClientModule.InvokeFew(name, count, arg0, arg1, arg2, client.Core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        return Add(Step.NewCall(invocation.ResultValue));
    }

    /// <summary>Queues a named command with explicit KEYS and ARGV.</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="keys">The KEYS; for a fixed key count, exactly that many.</param>
    /// <param name="args">The ARGV.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The KEYS do not fit the key count (or, on a cluster, span slots); nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, RedisKey[] keys, RedisValue[] args)
    {
        var invocation = ClientModule.InvokeExplicit(name, keys, args, client.Core);
        if (invocation.IsError) throw ExceptionFactory.Run(invocation.ErrorValue);
        return Add(Step.NewCall(invocation.ResultValue));
    }

    /// <summary>
    /// Queues a raw Redis command (one that is not a defined command). Pass keys as
    /// <see cref="RedisKey"/> so that they are routed (and prefixed) as keys; other arguments are sent
    /// as values.
    /// </summary>
    /// <param name="command">The Redis command, e.g. "SET".</param>
    /// <param name="args">Its arguments.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="ArgumentException">The command name is empty.</exception>
    /// <exception cref="ScriptArgumentException">An argument is null (or, on a cluster, its keys span slots); nothing was queued.</exception>
    public ScriptPipeline RawCommand(string command, params object[] args)
    {
        if (string.IsNullOrWhiteSpace(command)) throw new ArgumentException(Messages.CommandNameRequired, nameof(command));
        ArgumentNullException.ThrowIfNull(args);
        return Add(Step.NewRaw(command, args));
    }

    private ScriptPipeline Add(Step step)
    {
        if (Volatile.Read(ref executed) != 0) throw AlreadyExecuted();
        var added = queue.Add(step);
        if (added.IsError) throw ExceptionFactory.Run(added.ErrorValue);
        return this;
    }

    private InvalidOperationException AlreadyExecuted() =>
        new(Messages.AlreadyExecuted(IsTransaction));

    /// <summary>
    /// Sends every queued command in one round trip (a transaction: one MULTI/EXEC) and returns the
    /// replies in queue order. An empty pipeline returns an empty array without a round trip.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; commands already sent still run on the server.</param>
    /// <returns>One reply per queued command, in queue order.</returns>
    /// <exception cref="PipelineExecutionException">Some positions failed; it carries every other position's reply.</exception>
    /// <exception cref="InvalidOperationException">The pipeline was already executed.</exception>
    public Task<RedisResult[]> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref executed, 1) != 0) return Task.FromException<RedisResult[]>(AlreadyExecuted());
        if (queue.Count == 0) return Task.FromResult(Array.Empty<RedisResult>());
        if (pending is not null || cancellationToken.CanBeCanceled) return ExecuteTrackedAsync(cancellationToken);
        // The usual case: the replies converted in the round's own task, no task of this method's.
        try
        {
            return ClientModule.SendAs(IsTransaction ? ConvertTransaction : ConvertPipeline, queue, client.Core);
        }
        catch (Exception e)
        {
            return Task.FromException<RedisResult[]>(e);
        }
    }

    // Made once: a sent queue's replies, or the exception for why nothing was sent (a raw command
    // learned only when sent may still be refused, keys spanning slots), then as C# callers get them.
    private static readonly Func<FSharpResult<FSharpResult<RedisResult, ExecutionError>[], RunError>, FSharpResult<RedisResult, ExecutionError>[]> RepliesOrThrow =
        sent => sent.IsError ? throw ExceptionFactory.Run(sent.ErrorValue) : sent.ResultValue;

    private static readonly Func<FSharpResult<FSharpResult<RedisResult, ExecutionError>[], RunError>, RedisResult[]> ConvertPipeline =
        sent => ToResults(RepliesOrThrow(sent), transaction: false);

    private static readonly Func<FSharpResult<FSharpResult<RedisResult, ExecutionError>[], RunError>, RedisResult[]> ConvertTransaction =
        sent => ToResults(RepliesOrThrow(sent), transaction: true);

    // With a cancellation token or typed replies to complete (Bind<T>): the round tracked by a task of its own.
    private async Task<RedisResult[]> ExecuteTrackedAsync(CancellationToken cancellationToken)
    {
        var round = ClientModule.SendAs(RepliesOrThrow, queue, client.Core);
        if (cancellationToken.CanBeCanceled) round = round.WaitAsync(cancellationToken);
        var replies = await PendingReplies.Track(pending, round).ConfigureAwait(false);
        return ToResults(replies, IsTransaction);
    }

    // Typed tasks of calls queued through Bind<T>(), completed by ExecuteAsync (Binding/PendingReplies.cs).
    private PendingReplies? pending;

    internal PendingReplies Pending => pending ??= new PendingReplies();

    internal ScriptClient Client => client;

    /// <summary>
    /// An implementation of the interface <typeparamref name="T"/> whose methods queue this pipeline's
    /// client's commands here, as <see cref="ScriptClient.Bind{T}"/> describes: each call is checked
    /// and queued now, and its task completes when <see cref="ExecuteAsync"/> brings the replies (with
    /// its own position's reply or error). Not trim- or Native-AOT-safe (it uses
    /// <see cref="System.Reflection.DispatchProxy"/>).
    /// </summary>
    /// <typeparam name="T">An interface whose methods each return <c>Task</c> or <c>Task&lt;T&gt;</c>.</typeparam>
    /// <returns>The implementation; like the pipeline, not thread-safe.</returns>
    /// <exception cref="ScriptBindingException">T is not an interface, or some methods do not fit; it lists every problem.</exception>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(ScriptBinder.TrimMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(ScriptBinder.AotMessage)]
    public T Bind<T>() where T : class => ScriptBinder.Bind<T>(new PipelineTarget(this));

    internal static RedisResult[] ToResults(FSharpResult<RedisResult, ExecutionError>[] replies, bool transaction)
    {
        var results = new RedisResult?[replies.Length];
        List<PipelineFailure>? failures = null;
        for (var i = 0; i < replies.Length; i++)
        {
            if (replies[i].IsOk) results[i] = replies[i].ResultValue;
            else
            {
                var error = replies[i].ErrorValue;
                (failures ??= new()).Add(new PipelineFailure(i, ExecutionErrorModule.Subject(error), ExecutionErrorModule.Message(error)));
            }
        }
        if (failures is not null)
            throw new PipelineExecutionException(ExceptionFactory.PipelineMessage(failures, transaction), results, failures);
        return results!;
    }
}
