using BenchmarkDotNet.Running;
using LuaScripts.Bench.Quick;

namespace LuaScripts.Bench;

/// <summary>
/// Entry point. <c>--quick</c>: the side-by-side table (add <c>--smoke</c> for tiny counts, which
/// also runs the cluster scenarios, <c>--only TEXT</c> to keep the scenarios whose id or title
/// contains TEXT, <c>--listen</c> to run with a listener that records every LuaScripts span and
/// measurement); <c>--cluster</c>: the same tables on a 3-primary cluster; <c>--curves</c>: cost
/// against registry size, body size, batch size and calls in flight;
/// anything else goes to BenchmarkDotNet (e.g. <c>--filter *</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the chosen mode; non-zero when a correctness check failed.</summary>
    /// <param name="args">The command line.</param>
    public static async Task<int> Main(string[] args)
    {
        var only = Array.IndexOf(args, "--only") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var smoke = args.Contains("--smoke");
        if (Array.IndexOf(args, "--rounds") is var r and >= 0)
        {
            if (r + 1 >= args.Length || !int.TryParse(args[r + 1], out var n) || n < 1)
            {
                Console.Error.WriteLine("--rounds takes a whole number of rounds, 1 or more (the default: 9, curves 5)");
                return 2;
            }
            Runner.RequestedRounds = n;
        }
        if (args.Contains("--cluster") && Array.IndexOf(args, "--hot") is var ch and >= 0)
            return await Guarded(() => ClusterMode.HotAsync(ch + 1 < args.Length ? args[ch + 1] : "", smoke ? 20_000 : 2_000_000));
        if (args.Contains("--cluster"))
            return await Guarded(() => ClusterMode.RunAsync(smoke, only));
        if (args.Contains("--curves"))
            return await Guarded(() => CurvesMode.RunAsync(smoke, only));
        if (args.Contains("--quick"))
        {
            using var listener = args.Contains("--listen") ? new TelemetryListener() : null;
            try
            {
                var code = await QuickMode.RunAsync(smoke, only);
                if (listener is not null) Console.WriteLine($"--listen: {listener.Seen:N0} LuaScripts spans and measurements recorded");
                // The smoke run covers the cluster scenarios too (tiny counts), unless --only leaves none.
                if (smoke && ClusterMode.AnyMatches(only)) code |= await ClusterMode.RunAsync(smoke: true, only);
                return code;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                return 1;
            }
        }
        if (Array.IndexOf(args, "--hot") is var h and >= 0)
            return await HotLoop.RunAsync(h + 1 < args.Length ? args[h + 1] : "", args.Contains("--smoke") ? 20_000 : 2_000_000);
        if (Array.IndexOf(args, "--split") is var sp and >= 0)
            return await Quick.SplitTimer.RunAsync(sp + 1 < args.Length && int.TryParse(args[sp + 1], out var size) && size > 0 ? size : 10);
        if (args.Contains("--profile-alloc"))
            return await AllocProfile.RunAsync(calls: args.Contains("--smoke") ? 20_000 : 200_000,
                only: Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : null);
        if (smoke)
        {
            Console.Error.WriteLine("--smoke goes with --quick, --cluster or --curves: dotnet run -c Release --project bench -- --quick --smoke");
            return 2;
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    private static async Task<int> Guarded(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
