using System.Diagnostics;
using System.Globalization;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace LuaScripts.Chaos;

/// <summary>
/// Phase 2: a 3 primary + 3 replica Redis Cluster under 64 workers, while the injector flushes every
/// node's scripts every 100 ms, fails a primary over to its replica and back, moves a slot holding a
/// worker's keys to another primary and back, and kills every client connection on every node.
/// </summary>
public sealed class ClusterChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task No_call_is_lost_or_doubled_while_the_cluster_fails_over_and_reshards()
    {
        var settings = ChaosSettings.FromEnvironment();
        var setup = Stopwatch.StartNew();
        using var cluster = RedisCluster.Start(primaries: 3, replicasPerPrimary: 1);
        var ops = new ClusterOps(cluster);
        using var _ = ops;
        output.WriteLine($"cluster up in {setup.Elapsed.TotalSeconds:0.0} s");

        using var mux = await ConnectionMultiplexer.ConnectAsync($"{cluster.Configuration},{settings.ConnectionOptions}");
        var client = TestClients.Create(mux);
        using var load = new LoadGenerator(client, settings);

        // The failover hits the primary serving worker 1; the migration moves worker 0's slot.
        var failoverSlot = mux.HashSlot(LoadGenerator.CounterKey(1));
        var primary = ops.OwnerOf(failoverSlot);
        var replica = ops.ReplicaOf(primary);
        var movedSlot = mux.HashSlot(LoadGenerator.CounterKey(0));
        var source = ops.OwnerOf(movedSlot);
        var target = ops.Primaries().First(p => p.Port != source.Port);

        var log = new List<string>();
        int flushes;
        var loadStart = Stopwatch.GetTimestamp();
        load.Start();
        await using (var flusher = new Flusher(ops.Connections, settings.FlushEvery))
        {
            await Schedule.RunAsync(settings.FaultDuration, new (string, Func<Task<string>>)[]
            {
                ($"migrate slot {movedSlot} :{source.Port} -> :{target.Port}", () => ops.Migrate(movedSlot, source, target, TimeSpan.FromSeconds(1))),
                ("CLIENT KILL TYPE normal on every node", () => Task.FromResult(ops.ClientKillAll())),
                ($"migrate slot {movedSlot} back :{target.Port} -> :{source.Port}", () => ops.Migrate(movedSlot, target, source, TimeSpan.FromSeconds(1))),
                ($"CLUSTER FAILOVER on replica :{replica.Port} of :{primary.Port}", () => ops.Failover(replica)),
                ("CLIENT KILL TYPE normal on every node", () => Task.FromResult(ops.ClientKillAll())),
                // The last fault: recovery is measured from its end.
                ($"CLUSTER FAILOVER back on :{primary.Port}", () => ops.Failover(primary)),
            }, log);
            flushes = flusher.Flushes;
        }
        load.FaultsStopped();
        await SingleNodeChaosTests.Settle(load, settings);
        await load.StopAsync();
        var loadEnd = Stopwatch.GetTimestamp();
        var counters = ops.Connections.Select(ScriptCounters.Read).Aggregate((a, b) => a + b);

        await ops.WaitUntilHealthy(TimeSpan.FromSeconds(30));
        using var check = await ConnectionMultiplexer.ConnectAsync($"{cluster.Configuration},{settings.ConnectionOptions}");
        var verdict = await Verdict.CheckAsync("cluster 3+3", load, check.GetDatabase(), loadStart, loadEnd,
            $"SCRIPT FLUSH ×{flushes} (all 6 nodes); {counters}; " + string.Join("; ", log));
        output.WriteLine(verdict.Render(settings));
        output.WriteLine($"phase took {setup.Elapsed.TotalSeconds:0.0} s in all");
        Assert.Empty(verdict.Violations(settings));
    }
}

/// <summary>Cluster faults on the injector's own connections (plain RESP, no StackExchange.Redis).</summary>
public sealed class ClusterOps : IDisposable
{
    private readonly Dictionary<int, RespConnection> byPort;

    public ClusterOps(RedisCluster cluster)
    {
        byPort = cluster.Nodes.ToDictionary(n => n.Port, n => new RespConnection(n.Port));
        Connections = byPort.Values.ToList();
    }

    public IReadOnlyList<RespConnection> Connections { get; }

    private sealed record Node(string Id, int Port, bool IsPrimary, string PrimaryId, List<(int From, int To)> Slots);

    private List<Node> Nodes()
    {
        foreach (var c in Connections)
        {
            if (c.TryCall("CLUSTER", "NODES") is not string text) continue;
            var nodes = new List<Node>();
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var f = line.Split(' ');
                var address = f[1].Split('@')[0];
                var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
                var flags = f[2].Split(',');
                var slots = new List<(int, int)>();
                foreach (var s in f.Skip(8).Where(s => !s.StartsWith('[')))
                {
                    var r = s.Split('-');
                    slots.Add((int.Parse(r[0], CultureInfo.InvariantCulture), int.Parse(r[^1], CultureInfo.InvariantCulture)));
                }
                nodes.Add(new Node(f[0], port, flags.Contains("master"), f[3], slots));
            }
            return nodes;
        }
        throw new InvalidOperationException("no node answered CLUSTER NODES");
    }

    public RespConnection OwnerOf(int slot) =>
        byPort[Nodes().Single(n => n.IsPrimary && n.Slots.Any(r => r.From <= slot && slot <= r.To)).Port];

    public RespConnection ReplicaOf(RespConnection primary)
    {
        var nodes = Nodes();
        var id = nodes.Single(n => n.Port == primary.Port).Id;
        return byPort[nodes.First(n => !n.IsPrimary && n.PrimaryId == id).Port];
    }

    public IEnumerable<RespConnection> Primaries() => Nodes().Where(n => n.IsPrimary).Select(n => byPort[n.Port]);

    private static string Id(RespConnection node) => (string)node.Must("CLUSTER", "MYID")!;

    private static bool IsPrimary(RespConnection node) => node.TryCall("ROLE") is object?[] { Length: > 0 } role && role[0] is "master";

    /// <summary>Promotes a replica with CLUSTER FAILOVER, asking again until it happens (the replica must first catch up).</summary>
    public async Task<string> Failover(RespConnection replica)
    {
        await WaitUntilHealthy(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var attempts = 0;
        while (!IsPrimary(replica))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"failover to :{replica.Port}");
            attempts++;
            replica.Must("CLUSTER", "FAILOVER");
            var asked = DateTime.UtcNow;
            while (!IsPrimary(replica) && DateTime.UtcNow - asked < TimeSpan.FromSeconds(5)) await Task.Delay(50);
        }
        await WaitUntilHealthy(TimeSpan.FromSeconds(30));
        return $"{attempts} attempt(s)";
    }

    /// <summary>
    /// Moves a slot and its keys from one primary to another (IMPORTING/MIGRATING, MIGRATE, SETSLOT
    /// NODE), lingering a moment in each in-between state so that the load meets both the
    /// MIGRATING source (keys still there) and ASK redirections (keys already moved).
    /// </summary>
    public async Task<string> Migrate(int slot, RespConnection from, RespConnection to, TimeSpan linger)
    {
        await WaitUntilHealthy(TimeSpan.FromSeconds(30));
        var s = slot.ToString(CultureInfo.InvariantCulture);
        var fromId = Id(from);
        var toId = Id(to);
        to.Must("CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
        from.Must("CLUSTER", "SETSLOT", s, "MIGRATING", toId);
        await Task.Delay(linger);
        var moved = 0;
        for (var round = 0; round < 50; round++)
        {
            var keys = ((object?[])from.Must("CLUSTER", "GETKEYSINSLOT", s, "1000")!).Cast<string>().ToArray();
            if (keys.Length == 0) break;
            var args = new List<string> { "MIGRATE", "127.0.0.1", to.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS" };
            args.AddRange(keys);
            from.Must(args.ToArray());
            moved += keys.Length;
        }
        await Task.Delay(linger);
        to.Must("CLUSTER", "SETSLOT", s, "NODE", toId);
        from.Must("CLUSTER", "SETSLOT", s, "NODE", toId);
        foreach (var p in Primaries().Where(p => p != to && p != from)) p.Must("CLUSTER", "SETSLOT", s, "NODE", toId);
        await WaitUntilHealthy(TimeSpan.FromSeconds(30));
        return $"{moved} key(s) moved";
    }

    public string ClientKillAll() =>
        string.Join(", ", Connections.Select(c => $":{c.Port} {SingleNodeChaosTests.ClientKill(c)}"));

    /// <summary>Every node reports cluster_state:ok, every replica's link is up, and every node agrees on the slot owners.</summary>
    public async Task WaitUntilHealthy(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var healthy = Connections.All(c =>
                c.TryCall("CLUSTER", "INFO") is string info && info.Contains("cluster_state:ok")
                && c.TryCall("INFO", "replication") is string replication
                && (replication.Contains("role:master") || replication.Contains("master_link_status:up")));
            if (healthy) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the cluster did not become healthy in time");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        foreach (var c in Connections) c.Dispose();
    }
}
