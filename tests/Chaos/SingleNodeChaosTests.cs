using System.Diagnostics;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Chaos;

/// <summary>
/// Phase 1: one redis-server with an fsync-always AOF under 64 workers, while the injector flushes
/// its scripts every 100 ms, kills and restarts it twice and kills every client connection twice.
/// </summary>
public sealed class SingleNodeChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task No_call_is_lost_or_doubled_while_the_server_is_flushed_killed_and_restarted()
    {
        var settings = ChaosSettings.FromEnvironment();
        using var server = RedisServer.Start("--appendonly", "yes", "--appendfsync", "always");
        using var injector = new RespConnection(server.Port);
        // RedisServer passes --appendonly no first; the later arguments win.
        Assert.Equal(new object?[] { "appendonly", "yes" }, injector.Must("CONFIG", "GET", "appendonly"));
        Assert.Equal(new object?[] { "appendfsync", "always" }, injector.Must("CONFIG", "GET", "appendfsync"));

        using var mux = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},{settings.ConnectionOptions}");
        var client = TestClients.Create(mux);
        using var load = new LoadGenerator(client, settings);
        var log = new List<string>();
        int flushes;
        var counters = new ScriptCounters(); // summed over the server's lives

        var loadStart = Stopwatch.GetTimestamp();
        load.Start();
        await using (var flusher = new Flusher(new[] { injector }, settings.FlushEvery))
        {
            await Schedule.RunAsync(settings.FaultDuration, new (string, Func<Task<string>>)[]
            {
                ("CLIENT KILL TYPE normal", () => Task.FromResult(ClientKill(injector))),
                ("kill -9 + restart", () => { counters += ScriptCounters.Read(injector); return Restart(server); }),
                ("CLIENT KILL TYPE normal", () => Task.FromResult(ClientKill(injector))),
                ("kill -9 + restart", () => { counters += ScriptCounters.Read(injector); return Restart(server); }), // the last fault: recovery is measured from its end
            }, log);
            flushes = flusher.Flushes;
        }
        load.FaultsStopped();
        await Settle(load, settings);
        await load.StopAsync();
        var loadEnd = Stopwatch.GetTimestamp();
        counters += ScriptCounters.Read(injector);

        // Every acknowledged write must also survive one more kill: check the data as the AOF brings it back.
        await Restart(server);
        using var check = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},{settings.ConnectionOptions}");
        var verdict = await Verdict.CheckAsync("single node", load, check.GetDatabase(), loadStart, loadEnd,
            $"SCRIPT FLUSH ×{flushes}; {counters}; " + string.Join("; ", log) + "; a last kill -9 + restart before the check");
        output.WriteLine(verdict.Render(settings));
        if (TestBackend.IsFunctions)
        {
            // SCRIPT FLUSH never touches the library, and the fsync-always AOF brings it back with
            // every restart: the library is loaded by the first deployment, plus at most once per
            // restart (had the AOF lost it). Every other FUNCTION LOAD is a pipeline's or a
            // transaction's guard, answered "already exists".
            const int restarts = 2; // the restarts under load; counters are read before the last one
            output.WriteLine($"Functions backend: {counters.LibrariesLoaded} library load(s) (limit {1 + restarts}), " +
                $"{counters.FunctionLoads - counters.LibrariesLoaded} guard(s) answered 'already exists', {counters.FCall} FCALL(s), " +
                $"{counters.Eval + counters.EvalSha} script call(s)");
            Assert.InRange(counters.LibrariesLoaded, 1, 1 + restarts);
        }
        Assert.Empty(verdict.Violations(settings));
    }

    internal static async Task Settle(LoadGenerator load, ChaosSettings settings)
    {
        var deadline = DateTime.UtcNow + settings.SettleLimit;
        while (!load.AllRecovered && DateTime.UtcNow < deadline) await Task.Delay(100);
        // A little more load after recovery, to see that it stays recovered.
        await Task.Delay(500);
    }

    private static async Task<string> Restart(RedisServer server)
    {
        var sw = Stopwatch.StartNew();
        await Task.Run(server.Restart);
        return $"answering again after {sw.ElapsedMilliseconds} ms";
    }

    internal static string ClientKill(RespConnection node)
    {
        // SKIPME yes (the default): the injector's own connection survives.
        var killed = node.Call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        return killed is long n ? $"{n} connection(s)" : $"{killed}";
    }
}
