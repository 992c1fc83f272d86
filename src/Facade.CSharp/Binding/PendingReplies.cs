using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// The typed tasks of calls queued on a pipeline through a bound interface, by queue position.
/// <see cref="ScriptPipeline.ExecuteAsync"/> completes them when the replies arrive: each with its
/// own reply, or its own position's error, or the error that failed the whole round.
/// </summary>
internal sealed class PendingReplies
{
    private readonly List<(int Position, IPendingReply Reply)> replies = new();

    internal void Add(int position, IPendingReply reply) => replies.Add((position, reply));

    /// <summary>The round's task, completing the pending replies first when there are any.</summary>
    internal static Task<FSharpResult<RedisResult, ExecutionError>[]> Track(
        PendingReplies? pending, Task<FSharpResult<RedisResult, ExecutionError>[]> round) =>
        pending is null ? round : pending.TrackAsync(round);

    private async Task<FSharpResult<RedisResult, ExecutionError>[]> TrackAsync(Task<FSharpResult<RedisResult, ExecutionError>[]> round)
    {
        FSharpResult<RedisResult, ExecutionError>[] results;
        try
        {
            results = await round.ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            foreach (var (_, reply) in replies) reply.Cancel(e.CancellationToken);
            throw;
        }
        catch (Exception e)
        {
            foreach (var (_, reply) in replies) reply.Fail(e);
            throw;
        }
        foreach (var (position, reply) in replies)
        {
            var result = results[position];
            if (result.IsOk) reply.Complete(result.ResultValue);
            else reply.Fail(ExceptionFactory.ToException(result.ErrorValue));
        }
        return results;
    }
}

/// <summary>A queued call's reply, converted when it arrives (<see cref="ScriptPipeline.QueueScript{T}"/>).</summary>
internal sealed class PendingReply<T> : IPendingReply
{
    private readonly Func<RedisResult, T> convert;
    private readonly TaskCompletionSource<T> source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal PendingReply(Func<RedisResult, T> convert) => this.convert = convert;

    internal Task<T> Reply => source.Task;

    public Task Task => source.Task;

    public void Complete(RedisResult reply)
    {
        T value;
        try
        {
            value = convert(reply);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            source.TrySetException(e);
            return;
        }
        source.TrySetResult(value);
    }

    public void Fail(Exception error) => source.TrySetException(error);

    public void Cancel(System.Threading.CancellationToken token) => source.TrySetCanceled(token);
}
