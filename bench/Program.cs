using BenchmarkDotNet.Running;
using LuaScripts.Bench.Quick;

namespace LuaScripts.Bench;

/// <summary>
/// Entry point. <c>--quick</c>: the side-by-side table (add <c>--smoke</c> for tiny counts,
/// <c>--only TEXT</c> to keep the scenarios whose id or title contains TEXT, <c>--listen</c> to run
/// with a listener that records every LuaScripts span and measurement);
/// anything else goes to BenchmarkDotNet (e.g. <c>--filter *</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the chosen mode; non-zero when a correctness check failed.</summary>
    /// <param name="args">The command line.</param>
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--quick"))
        {
            var only = Array.IndexOf(args, "--only") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            using var listener = args.Contains("--listen") ? new TelemetryListener() : null;
            try
            {
                var code = await QuickMode.RunAsync(smoke: args.Contains("--smoke"), only);
                if (listener is not null) Console.WriteLine($"--listen: {listener.Seen:N0} LuaScripts spans and measurements recorded");
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
        if (args.Contains("--profile-alloc"))
            return await AllocProfile.RunAsync(calls: args.Contains("--smoke") ? 20_000 : 200_000,
                only: Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length ? args[o + 1] : null);
        if (args.Contains("--smoke"))
        {
            Console.Error.WriteLine("--smoke goes with --quick: dotnet run -c Release --project bench -- --quick --smoke");
            return 2;
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
