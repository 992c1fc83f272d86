using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.FSharp.Collections;
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
    private readonly List<Core.Command> commands = new();
    private int executed;
    private FSharpOption<int>? transactionSlot;

    internal ScriptPipeline(ScriptClient client, bool transaction)
    {
        this.client = client;
        IsTransaction = transaction;
    }

    /// <summary>Whether this is a MULTI/EXEC transaction rather than a plain pipeline.</summary>
    public bool IsTransaction { get; }

    /// <summary>How many commands are queued.</summary>
    public int Count => commands.Count;

    /// <summary>Queues a named command with flat arguments (split as <see cref="ScriptClient.RunScriptAsync(string, RedisValue[])"/> does).</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="args">The flat arguments.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The arguments do not fit the key count; nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, params RedisValue[] args)
    {
        var invocation = Args.Invoke(client.Find(name), args);
        if (invocation.IsError) throw Errors.Argument(name, invocation.ErrorValue);
        return Add(Core.Command.NewScript(invocation.ResultValue));
    }

    /// <summary>Queues a named command with explicit KEYS and ARGV.</summary>
    /// <param name="name">The command's name.</param>
    /// <param name="keys">The KEYS; for a fixed key count, exactly that many.</param>
    /// <param name="args">The ARGV.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="UnknownScriptException">No such command; nothing was queued.</exception>
    /// <exception cref="ScriptArgumentException">The KEYS do not fit the key count; nothing was queued.</exception>
    public ScriptPipeline RunScript(string name, RedisKey[] keys, RedisValue[] args)
    {
        var invocation = Args.InvokeExplicit(client.Find(name), keys, args);
        if (invocation.IsError) throw Errors.Argument(name, invocation.ErrorValue);
        return Add(Core.Command.NewScript(invocation.ResultValue));
    }

    /// <summary>
    /// Queues a plain Redis command. Pass keys as <see cref="RedisKey"/> so that they are routed (and
    /// prefixed) as keys; other arguments are sent as values.
    /// </summary>
    /// <param name="command">The command, e.g. "SET".</param>
    /// <param name="args">Its arguments.</param>
    /// <returns>This pipeline.</returns>
    /// <exception cref="ArgumentException">The command name is empty.</exception>
    /// <exception cref="ScriptArgumentException">An argument is null; nothing was queued.</exception>
    public ScriptPipeline Command(string command, params object[] args)
    {
        if (string.IsNullOrWhiteSpace(command)) throw new ArgumentException("A command name is required.", nameof(command));
        ArgumentNullException.ThrowIfNull(args);
        var check = CommandArgs.Check(args);
        if (check.IsError) throw Errors.Argument(command, check.ErrorValue);
        return Add(Core.Command.NewPlain(command, args));
    }

    private ScriptPipeline Add(Core.Command command)
    {
        if (Volatile.Read(ref executed) != 0) throw AlreadyExecuted();
        var context = client.Core.Context;
        if (command is Core.Command.Script script) client.CheckRoute(script.Item);
        if (IsTransaction)
        {
            var slot = Interpreter.CheckTransactionSlot(context, transactionSlot, command);
            if (slot.IsError) throw Errors.Argument(Name(command), slot.ErrorValue);
            transactionSlot = slot.ResultValue;
        }
        commands.Add(command);
        return this;
    }

    private static string Name(Core.Command command) =>
        command is Core.Command.Script s ? s.Item.Script.Name : ((Core.Command.Plain)command).name;

    private InvalidOperationException AlreadyExecuted() =>
        new($"This {(IsTransaction ? "transaction" : "pipeline")} has already been executed; create a new one.");

    /// <summary>
    /// Sends every queued command in one round trip (a transaction: one MULTI/EXEC) and returns the
    /// replies in queue order. An empty pipeline returns an empty array without a round trip.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; commands already sent still run on the server.</param>
    /// <returns>One reply per queued command, in queue order.</returns>
    /// <exception cref="PipelineExecutionException">Some positions failed; it carries every other position's reply.</exception>
    /// <exception cref="InvalidOperationException">The pipeline was already executed.</exception>
    public async Task<RedisResult[]> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref executed, 1) != 0) throw AlreadyExecuted();
        if (commands.Count == 0) return Array.Empty<RedisResult>();
        var replies = await PendingReplies.Track(pending, client.RunRound(commands.ToArray(), IsTransaction, cancellationToken)).ConfigureAwait(false);
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
            throw new PipelineExecutionException(Errors.PipelineMessage(failures, transaction), results, failures);
        return results!;
    }
}
