using System.Diagnostics;
using StackExchange.Redis;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--split [N]</c>: where the time of a batch of N (10 unless given) goes, LuaScripts (Functions backend) against raw
/// StackExchange.Redis, one batch at a time, the four contenders interleaved: building it (queueing
/// the calls) and executing it (from <c>ExecuteAsync</c> to every reply). LuaScripts queues on
/// StackExchange.Redis only when executing, so its build is short and its execute holds that part.
/// </summary>
internal static class SplitTimer
{
    private const int Rounds = 40, Warmup = 5;

    /// <summary>Runs the four contenders with batches of <paramref name="size"/>; 0 when every counter matches the calls made.</summary>
    public static async Task<int> RunAsync(int size = 10)
    {
        // About 20,000 calls per contender per round, whatever the batch size.
        var perRound = Math.Max(1, 20_000 / size);
        using var target = RedisTarget.Start();
        using var f = Fixture.Create(target);
        var run = "bench:split:" + Guid.NewGuid().ToString("N")[..8] + ":";
        string[] names = { "LuaScripts transaction", "raw ITransaction of FCALL", "LuaScripts pipeline", "raw IBatch of FCALL" };
        long[] build = new long[4], exec = new long[4], batches = new long[4], calls = new long[4];
        for (var round = 0; round < Rounds; round++)
        {
            for (var c = 0; c < names.Length; c++)
            {
                var key = run + c;
                for (var i = 0; i < perRound; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    var (t1, execute) = Start(f, c, key, size);
                    await execute.ConfigureAwait(false);
                    var t2 = Stopwatch.GetTimestamp();
                    calls[c] += size;
                    if (round < Warmup) continue;
                    build[c] += t1 - t0;
                    exec[c] += t2 - t1;
                    batches[c]++;
                }
            }
        }
        var failed = 0;
        for (var c = 0; c < names.Length; c++)
        {
            var counter = await f.CounterAsync(run + c);
            await f.Db.KeyDeleteAsync(run + c);
            if (counter != calls[c]) { Console.WriteLine($"FAIL: {names[c]}: the counter is {counter} after {calls[c]} calls"); failed++; }
            Console.WriteLine($"{names[c]}: build {Micro(build[c], batches[c]):0.00} µs, execute {Micro(exec[c], batches[c]):0.00} µs, " +
                              $"total {Micro(build[c] + exec[c], batches[c]):0.00} µs per batch of {size}");
        }
        return failed == 0 ? 0 : 1;
    }

    private static double Micro(long ticks, long count) => ticks * 1e6 / Stopwatch.Frequency / count;

    // Builds contender c's batch and starts executing it: the time the build ended, and the execution.
    private static (long Built, Task Execute) Start(Fixture f, int c, string key, int size)
    {
        switch (c)
        {
            case 0 or 2:
            {
                var batch = c == 0 ? f.Fn.Transaction() : f.Fn.Pipeline();
                for (var j = 0; j < size; j++) batch.RunScript(Fixture.Incr, key, 1);
                return (Stopwatch.GetTimestamp(), batch.ExecuteAsync());
            }
            default:
            {
                var tasks = new Task<RedisResult>[size];
                if (c == 1)
                {
                    var tx = f.Db.CreateTransaction();
                    for (var j = 0; j < size; j++) tasks[j] = tx.ExecuteAsync("FCALL", f.IncrFn, 1, (RedisKey)key, 1);
                    var built = Stopwatch.GetTimestamp();
                    return (built, Commit(tx, tasks));
                }
                var b = f.Db.CreateBatch();
                for (var j = 0; j < size; j++) tasks[j] = b.ExecuteAsync("FCALL", f.IncrFn, 1, (RedisKey)key, 1);
                var t = Stopwatch.GetTimestamp();
                b.Execute();
                return (t, Task.WhenAll(tasks));
            }
        }
    }

    private static async Task Commit(ITransaction tx, Task<RedisResult>[] tasks)
    {
        if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("transaction not committed");
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
