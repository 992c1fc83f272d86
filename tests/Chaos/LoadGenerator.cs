using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace LuaScripts.Chaos;

/// <summary>The shape of one operation of a worker.</summary>
public enum OpKind
{
    /// <summary>One <c>RunScriptAsync</c>.</summary>
    Call,
    /// <summary>A 10-call <c>client.Pipeline()</c>.</summary>
    Pipeline,
    /// <summary>A 3-call <c>client.Transaction()</c>.</summary>
    Transaction,
}

/// <summary>What the caller learnt about one script call.</summary>
public enum Outcome
{
    /// <summary>The call returned a reply: it ran exactly once.</summary>
    Success,
    /// <summary>It failed with a connection error, a time-out, a cancellation or a hang: it may or may not have run.</summary>
    InDoubt,
    /// <summary>It failed with the library's own error: it did not run.</summary>
    Failed,
}

/// <summary>One script call: its unique id (the value it pushes) and what the caller saw.</summary>
public readonly record struct CallRecord(string Id, OpKind Kind, Outcome Outcome);

/// <summary>One operation (a call, a pipeline or a transaction) of one worker, timed.</summary>
public readonly record struct OpRecord(OpKind Kind, long Start, long End, bool Success);

/// <summary>A call that neither completed nor failed within the watchdog's limit.</summary>
public sealed class HangException(TimeSpan limit) : Exception($"no reply and no error within {limit.TotalSeconds:0.#} s");

/// <summary>
/// 64 workers (by default), each looping over single calls, 10-call pipelines and 3-call transactions
/// of an increment script on its own keys <c>chaos:{w&lt;N&gt;}:n</c> (a counter) and
/// <c>chaos:{w&lt;N&gt;}:l</c> (the list of applied call ids). Every call and every operation is
/// recorded with what the caller saw, for the final check against the server's data.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    /// <summary>INCRBY the counter and RPUSH the call's id, atomically; returns the counter.</summary>
    public const string IncrementLua =
        "local n = redis.call('INCRBY', KEYS[1], ARGV[2]); redis.call('RPUSH', KEYS[2], ARGV[1]); return n";

    public const string ScriptName = "chaos_incr";

    private readonly ScriptClient client;
    private readonly ChaosSettings settings;
    private readonly WorkerState[] workers;
    private readonly OpKind[] kinds;
    private readonly CancellationTokenSource stop = new();
    private long faultsStoppedAt; // Stopwatch timestamp; 0 while faults run
    private Task[] running = Array.Empty<Task>();

    /// <param name="client">The client under test.</param>
    /// <param name="settings">Workers, time-outs.</param>
    /// <param name="kinds">The operations each worker cycles through (default: single, pipeline, transaction).</param>
    public LoadGenerator(ScriptClient client, ChaosSettings settings, IReadOnlyList<OpKind>? kinds = null)
    {
        this.client = client;
        this.settings = settings;
        this.kinds = (kinds ?? Enum.GetValues<OpKind>()).ToArray();
        client.DefineCommand(ScriptName, new CommandDefinition(IncrementLua) { Keys = 2, Description = "chaos increment" });
        workers = Enumerable.Range(0, settings.Workers).Select(i => new WorkerState(i)).ToArray();
    }

    public IReadOnlyList<WorkerState> Workers => workers;

    /// <summary>Error texts seen (exception type + message prefix), with counts.</summary>
    public ConcurrentDictionary<string, int> Errors { get; } = new();

    /// <summary>When the load started (a Stopwatch timestamp): the origin of the timeline.</summary>
    public long StartedAt { get; private set; }

    /// <summary>Failed calls per second since the load started: (in doubt, refused).</summary>
    public ConcurrentDictionary<int, (int InDoubt, int Failed)> Timeline { get; } = new();

    public static RedisKey CounterKey(int worker) => $"chaos:{{w{worker}}}:n";
    public static RedisKey ListKey(int worker) => $"chaos:{{w{worker}}}:l";

    public void Start()
    {
        StartedAt = Stopwatch.GetTimestamp();
        running = workers.Select(w => Task.Run(() => Loop(w))).ToArray();
    }

    /// <summary>Marks the moment the faults stopped: recovery is measured from here.</summary>
    public void FaultsStopped() => Interlocked.Exchange(ref faultsStoppedAt, Stopwatch.GetTimestamp());

    public long FaultsStoppedAt => Interlocked.Read(ref faultsStoppedAt);

    /// <summary>Whether every worker has had its window of consecutive successes since the faults stopped.</summary>
    public bool AllRecovered => workers.All(w => w.RecoveredAt != 0);

    /// <summary>Releases the workers' stop signal; call <see cref="StopAsync"/> first.</summary>
    public void Dispose() => stop.Dispose();

    /// <summary>Stops the workers and waits for them (each finishes its current operation).</summary>
    public async Task StopAsync()
    {
        stop.Cancel();
        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(settings.Watchdog * 2)) != all)
            throw new TimeoutException("the workers did not stop: some operation hangs past the watchdog");
        await all;
    }

    private async Task Loop(WorkerState w)
    {
        var counter = CounterKey(w.Index);
        var list = ListKey(w.Index);
        var keys = new[] { counter, list };
        long seq = 0;
        while (!stop.IsCancellationRequested)
        {
            seq++;
            var kind = kinds[seq % kinds.Length];
            var start = Stopwatch.GetTimestamp();
            bool success;
            switch (kind)
            {
                case OpKind.Call:
                {
                    var id = $"s:{w.Index}:{seq}";
                    // Alternate the flat and the explicit overload.
                    var outcome = await Run(() => seq % 2 == 0
                        ? client.RunScriptAsync(ScriptName, (RedisValue)(string)counter!, (RedisValue)(string)list!, id, 1)
                        : client.RunScriptAsync(ScriptName, keys, new RedisValue[] { id, 1 }), w);
                    w.Calls.Add(new CallRecord(id, kind, outcome));
                    success = outcome == Outcome.Success;
                    break;
                }
                default:
                {
                    var n = kind == OpKind.Pipeline ? 10 : 3;
                    var prefix = kind == OpKind.Pipeline ? "p" : "tx";
                    var ids = Enumerable.Range(0, n).Select(i => $"{prefix}:{w.Index}:{seq}:{i}").ToArray();
                    var outcomes = await RunRound(kind, keys, ids, w);
                    for (var i = 0; i < n; i++) w.Calls.Add(new CallRecord(ids[i], kind, outcomes[i]));
                    success = outcomes.All(o => o == Outcome.Success);
                    break;
                }
            }
            var end = Stopwatch.GetTimestamp();
            if (!success)
            {
                var second = (int)Stopwatch.GetElapsedTime(StartedAt, end).TotalSeconds;
                var calls = w.Calls.Skip(w.Calls.Count - (kind == OpKind.Call ? 1 : kind == OpKind.Pipeline ? 10 : 3)).ToList();
                var inDoubt = calls.Count(c => c.Outcome == Outcome.InDoubt);
                var failed = calls.Count(c => c.Outcome == Outcome.Failed);
                Timeline.AddOrUpdate(second, (inDoubt, failed), (_, t) => (t.InDoubt + inDoubt, t.Failed + failed));
            }
            w.Record(new OpRecord(kind, start, end, success), FaultsStoppedAt, settings.RecoveryWindow);
        }
    }

    private async Task<Outcome> Run(Func<Task<RedisResult>> call, WorkerState w)
    {
        try
        {
            var reply = await Watch(call, w);
            return reply.IsNull ? Fail(new InvalidDataException("null reply")) : Outcome.Success;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    private async Task<Outcome[]> RunRound(OpKind kind, RedisKey[] keys, string[] ids, WorkerState w)
    {
        var outcomes = new Outcome[ids.Length];
        try
        {
            var round = kind == OpKind.Pipeline ? client.Pipeline() : client.Transaction();
            foreach (var id in ids) round.RunScript(ScriptName, keys, new RedisValue[] { id, 1 });
            await Watch(() => round.ExecuteAsync(), w);
            Array.Fill(outcomes, Outcome.Success);
        }
        catch (PipelineExecutionException e)
        {
            // Positions with a reply ran; failed positions did not (the library's promise).
            for (var i = 0; i < ids.Length; i++)
                outcomes[i] = i < e.Results.Count && e.Results[i] is not null ? Outcome.Success : Outcome.Failed;
            foreach (var f in e.Failures) Note($"{kind} position: {f.Message}");
        }
        catch (Exception e)
        {
            Array.Fill(outcomes, Fail(e));
        }
        return outcomes;
    }

    private async Task<T> Watch<T>(Func<Task<T>> call, WorkerState w)
    {
        var task = call();
        if (await Task.WhenAny(task, Task.Delay(settings.Watchdog)) == task) return await task;
        w.Hung();
        _ = task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        throw new HangException(settings.Watchdog);
    }

    /// <summary>Whether an exception leaves the call in doubt (it may have run) rather than refused.</summary>
    public static bool IsInDoubt(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or OperationCanceledException or ObjectDisposedException or HangException;

    private Outcome Fail(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        Note($"{e.GetType().Name}: {e.Message}");
        return IsInDoubt(e) ? Outcome.InDoubt : Outcome.Failed;
    }

    private void Note(string text)
    {
        // Group by the first words (messages carry ids, ports and timings).
        var key = new string(text.Take(110).Select(c => char.IsDigit(c) ? '#' : c).ToArray());
        Errors.AddOrUpdate(key, 1, (_, n) => n + 1);
    }
}

/// <summary>One worker's record: its calls, its operations and its recovery.</summary>
public sealed class WorkerState(int index)
{
    private readonly object gate = new();
    private int streak;
    private long streakStart;
    private int hangs;

    public int Index { get; } = index;

    /// <summary>Every call, in order (written by the worker only).</summary>
    public List<CallRecord> Calls { get; } = new();

    /// <summary>Every operation, in order.</summary>
    public List<OpRecord> Ops { get; } = new();

    /// <summary>Calls that neither completed nor failed within the watchdog's limit.</summary>
    public int Hangs => Volatile.Read(ref hangs);

    internal void Hung() => Interlocked.Increment(ref hangs);

    /// <summary>Start of the first operation of the first window of consecutive successes after the faults stopped (0 until then).</summary>
    public long RecoveredAt { get; private set; }

    /// <summary>Operations that failed after this worker had recovered.</summary>
    public int FailuresAfterRecovery { get; private set; }

    internal void Record(OpRecord op, long faultsStoppedAt, int window)
    {
        lock (gate) Ops.Add(op);
        if (faultsStoppedAt == 0 || op.Start < faultsStoppedAt) return;
        if (RecoveredAt != 0)
        {
            if (!op.Success) FailuresAfterRecovery++;
            return;
        }
        if (!op.Success)
        {
            streak = 0;
            return;
        }
        if (streak++ == 0) streakStart = op.Start;
        if (streak >= window) RecoveredAt = streakStart;
    }
}
