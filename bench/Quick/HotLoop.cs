using System.Diagnostics;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--hot NAME</c>: one contender alone, 256 in flight (or in pipelines of 1,000, or transactions of 10: <c>tx</c>, <c>fn-tx</c> and their raw <c>tx-batch</c>, <c>fcall-tx</c>), for a CPU
/// profiler to attach to (e.g. <c>DOTNET_PerfMapEnabled=1 perf record -g</c>). Checks the counter. With
/// <c>--cluster</c>, the cluster's contenders instead (<see cref="ClusterMode.HotNames"/>).
/// </summary>
internal static class HotLoop
{
    /// <summary>The contenders <c>--hot</c> knows.</summary>
    public static readonly string[] Names = { "flat", "explicit", "sha", "pipeline", "batch", "fn-flat", "fn-explicit", "fcall", "fn-pipeline", "fcall-batch", "tx", "tx-batch", "fn-tx", "fcall-tx" };

    /// <summary>Runs <paramref name="calls"/> calls of the named contender; 0 when the counter matches.</summary>
    public static async Task<int> RunAsync(string name, int calls)
    {
        using var target = RedisTarget.Start();
        using var f = Fixture.Create(target);
        Func<string, int, Task> run = name switch
        {
            "flat" => Shapes.InFlight(256, k => Fixture.LuaFlat(f.Client, Fixture.Incr, k)),
            "explicit" => Shapes.InFlight(256, f.LuaExplicit),
            "sha" => Shapes.InFlight(256, f.RawEvalSha),
            "pipeline" => Shapes.Batches(1_000, (k, n) => f.LuaPipeline(Fixture.Incr, k, n)),
            "batch" => Shapes.Batches(1_000, (k, n) => f.RawBatch(f.IncrSha, k, n)),
            "fn-flat" => Shapes.InFlight(256, k => Fixture.LuaFlat(f.Fn, Fixture.Incr, k)),
            "fn-explicit" => Shapes.InFlight(256, k => Fixture.LuaExplicit(f.Fn, k)),
            "fcall" => Shapes.InFlight(256, f.RawFcall),
            "fn-pipeline" => Shapes.Batches(1_000, (k, n) => Fixture.LuaPipeline(f.Fn, Fixture.Incr, k, n)),
            "fcall-batch" => Shapes.Batches(1_000, (k, n) => f.RawFcallBatch(f.IncrFn, k, n)),
            "tx" => Shapes.Batches(10, (k, n) => f.LuaPipeline(Fixture.Incr, k, n, transaction: true)),
            "tx-batch" => Shapes.Batches(10, (k, n) => f.RawBatch(f.IncrSha, k, n, transaction: true)),
            "fn-tx" => Shapes.Batches(10, (k, n) => Fixture.LuaPipeline(f.Fn, Fixture.Incr, k, n, transaction: true)),
            "fcall-tx" => Shapes.Batches(10, (k, n) => f.RawFcallBatch(f.IncrFn, k, n, transaction: true)),
            _ => throw new ArgumentException($"--hot takes one of: {string.Join(", ", Names)}"),
        };
        var key = "bench:hot:" + Guid.NewGuid().ToString("N")[..8];
        return await MeasureAsync(name, calls, key, run, f.CounterAsync, k => f.Db.KeyDeleteAsync(k));
    }

    /// <summary>
    /// Runs <paramref name="calls"/> (rounded down to whole thousands) of <paramref name="run"/> on
    /// <paramref name="key"/> and prints ops/s, CPU µs, thread-pool work items per call and gen0 GCs;
    /// 0 when <paramref name="counter"/> then reads the calls made.
    /// </summary>
    public static async Task<int> MeasureAsync(string name, int calls, string key, Func<string, int, Task> run, Func<string, Task<long>> counter, Func<string, Task> delete)
    {
        calls = calls / 1_000 * 1_000;
        var cpu = CpuClock.NowMicroseconds();
        var items = ThreadPool.CompletedWorkItemCount;
        var gcs = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        await run(key, calls);
        var cpuUsed = CpuClock.NowMicroseconds() - cpu;
        items = ThreadPool.CompletedWorkItemCount - items;
        gcs = GC.CollectionCount(0) - gcs;
        var counted = await counter(key);
        await delete(key);
        Console.WriteLine($"{name}: {calls:N0} calls, {calls / clock.Elapsed.TotalSeconds:N0} ops/s, {cpuUsed / calls:0.00} CPU µs/call, {(double)items / calls:0.00} thread-pool work items/call, {gcs} gen0 GCs (pid {Environment.ProcessId})");
        if (counted == calls) return 0;
        Console.WriteLine($"FAIL: the counter is {counted} after {calls} calls");
        return 1;
    }
}
