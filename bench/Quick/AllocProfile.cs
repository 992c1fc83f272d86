using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--profile-alloc</c>: where each call's bytes go, by type. The runtime raises a GC
/// AllocationTick event each time about 100 KB have been allocated, naming the type of the object
/// that crossed the line; summed per type over many calls this estimates bytes per call per type.
/// Runs the hot contenders {Width} calls in flight, one after another, and prints the types whose
/// share differs.
/// </summary>
internal static class AllocProfile
{
    private const int Width = 256;

    /// <summary>Profiles the main contenders and prints a per-type breakdown for each.</summary>
    public static async Task<int> RunAsync(int calls, string? only = null)
    {
        using var target = RedisTarget.Start();
        using var f = Fixture.Create(target);
        Console.WriteLine($"# Allocation profile: {calls:N0} calls each, {Width} in flight; server: {target.Description}");
        var paths = new (string Label, Func<string, int, Task> Run)[]
        {
            ("ScriptEvaluateAsync(byte[] sha1)", Shapes.InFlight(Width, f.RawEvalSha)),
            ("RunScriptAsync(name, keys, args)", Shapes.InFlight(Width, f.LuaExplicit)),
            ("RunScriptAsync(name, key, 1)", Shapes.InFlight(Width, k => Fixture.LuaFlat(f.Client, Fixture.Incr, k))),
            ("raw FCALL ExecuteAsync", Shapes.InFlight(Width, f.RawFcall)),
            ("Functions: RunScriptAsync(name, keys, args)", Shapes.InFlight(Width, k => Fixture.LuaExplicit(f.Fn, k))),
            ("Functions: RunScriptAsync(name, key, 1)", Shapes.InFlight(Width, k => Fixture.LuaFlat(f.Fn, Fixture.Incr, k))),
            ("64 keys: EVALSHA byte[]", Shapes.InFlight(Width, f.RawEvalSha64)),
            ("64 keys: RunScriptAsync flat", Shapes.InFlight(Width, f.LuaFixed64)),
            ("IBatch of 1,000 EVALSHA", Shapes.Batches(1_000, (k, n) => f.RawBatch(f.IncrSha, k, n))),
            ("Pipeline of 1,000", Shapes.Batches(1_000, (k, n) => f.LuaPipeline(Fixture.Incr, k, n))),
            ("IBatch of 1,000 FCALL", Shapes.Batches(1_000, (k, n) => f.RawFcallBatch(f.IncrFn, k, n))),
            ("Functions: Pipeline of 1,000", Shapes.Batches(1_000, (k, n) => Fixture.LuaPipeline(f.Fn, Fixture.Incr, k, n))),
            ("IBatch of 1 FCALL", Shapes.Batches(1, (k, n) => f.RawFcallBatch(f.IncrFn, k, n))),
            ("Pipeline of 1", Shapes.Batches(1, (k, n) => f.LuaPipeline(Fixture.Incr, k, n))),
            ("Functions: Pipeline of 1", Shapes.Batches(1, (k, n) => Fixture.LuaPipeline(f.Fn, Fixture.Incr, k, n))),
            ("ITransaction of 10 EVALSHA", Shapes.Batches(10, (k, n) => f.RawBatch(f.IncrSha, k, n, transaction: true))),
            ("Transaction of 10", Shapes.Batches(10, (k, n) => f.LuaPipeline(Fixture.Incr, k, n, transaction: true))),
            ("ITransaction of 10 FCALL", Shapes.Batches(10, (k, n) => f.RawFcallBatch(f.IncrFn, k, n, transaction: true))),
            ("Functions: Transaction of 10", Shapes.Batches(10, (k, n) => Fixture.LuaPipeline(f.Fn, Fixture.Incr, k, n, transaction: true))),
        };
        var failed = false;
        foreach (var (label, run) in paths)
        {
            if (only is not null && !label.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            var key = "bench:alloc:" + Guid.NewGuid().ToString("N")[..8];
            await run(key, 10_000); // warm
            await f.Db.KeyDeleteAsync(key);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var listener = new AllocationListener();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await run(key, calls);
            var total = GC.GetTotalAllocatedBytes(precise: true) - before;
            await Task.Delay(1_500); // let the event pipe deliver the last events
            listener.Stop();
            var counter = await f.CounterAsync(key);
            await f.Db.KeyDeleteAsync(key);
            if (counter != calls)
            {
                Console.WriteLine($"FAIL: {label}: the counter is {counter} after {calls} calls");
                failed = true;
            }
            Console.WriteLine();
            Console.WriteLine($"## {label}: {(double)total / calls:0} B/call measured, {listener.Total / (double)calls:0} B/call sampled ({listener.Events} samples)");
            foreach (var (type, bytes) in listener.ByType.OrderByDescending(x => x.Value).Take(Environment.GetEnvironmentVariable("BENCH_ALLOC_TOP") is { } top ? int.Parse(top, System.Globalization.CultureInfo.InvariantCulture) : 14))
                Console.WriteLine($"  {bytes / (double)calls,7:0.0} B/call  {type}");
        }
        return failed ? 1 : 0;
    }

    private sealed class AllocationListener : EventListener
    {
        private volatile bool stopped;
        public ConcurrentDictionary<string, long> ByType { get; } = new();
        public long Total;
        public int Events;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1 /* GC */);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (stopped || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
            var names = e.PayloadNames!;
            var amount = Convert.ToInt64(e.Payload[names.IndexOf("AllocationAmount64")] ?? e.Payload[names.IndexOf("AllocationAmount")], CultureInfo.InvariantCulture);
            var type = e.Payload[names.IndexOf("TypeName")] as string ?? "?";
            ByType.AddOrUpdate(Simplify(type), amount, (_, v) => v + amount);
            Interlocked.Add(ref Total, amount);
            Interlocked.Increment(ref Events);
        }

        public void Stop() => stopped = true;

        private static string Simplify(string type) => type
            .Replace("System.Threading.Tasks.", "", StringComparison.Ordinal)
            .Replace("System.Runtime.CompilerServices.", "", StringComparison.Ordinal)
            .Replace("StackExchange.Redis.", "SER.", StringComparison.Ordinal)
            .Replace("Microsoft.FSharp.Core.", "", StringComparison.Ordinal)
            .Replace("LuaScripts.Core.", "Core.", StringComparison.Ordinal);
    }
}
