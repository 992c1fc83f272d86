using System.Net;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>The cluster changes under the client: failover, slot migration, an unreachable node.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFaultTests : IDisposable
{
    private const string IncrBy = Lua.IncrBy;

    private readonly ClusterFixture fixture;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public ClusterFaultTests(ClusterFixture fixture)
    {
        this.fixture = fixture;
        mux = fixture.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => $"f:{tag}:{name}";

    private static async Task WaitUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    private IServer Owner(RedisKey key) => mux.GetServer(key);

    private static string Id(RedisServer node) => RedisCluster.Cli(node, "CLUSTER", "MYID").Trim();

    private async Task Failover(RedisServer toPromote, RedisKey key)
    {
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
        // A manual failover can time out (the replica must first catch up): ask again until it happens.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!RedisCluster.Cli(toPromote, "ROLE").StartsWith("master"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("failover");
            RedisCluster.Cli(toPromote, "CLUSTER", "FAILOVER");
            var asked = DateTime.UtcNow;
            while (!RedisCluster.Cli(toPromote, "ROLE").StartsWith("master") && DateTime.UtcNow - asked < TimeSpan.FromSeconds(5))
                await Task.Delay(100);
        }
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
        await WaitUntil(() =>
        {
            mux.Configure();
            return Owner(key).EndPoint!.ToString()!.EndsWith(":" + toPromote.Port);
        }, TimeSpan.FromSeconds(30), "the multiplexer to see the new primary");
    }

    [Fact]
    public async Task Calls_and_pipelines_keep_working_after_a_replica_is_promoted()
    {
        var key = Key("fo");
        Assert.Equal(1, (int)await client.RunScriptAsync("incr", key, 1));
        var primary = fixture.Node(Owner(key).EndPoint);
        var replica = fixture.Node(Owner(key).ClusterConfiguration!.GetBySlot(key)!.Children.Single().EndPoint!);
        RedisCluster.Cli(replica, "SCRIPT", "FLUSH"); // the replica to be promoted has never seen the script
        Assert.Equal("0", RedisCluster.Cli(replica, "SCRIPT", "EXISTS", client.GetScript("incr").Sha1).Trim());

        await Failover(replica, key);
        try
        {
            Assert.Equal(2, (int)await client.RunScriptAsync("incr", key, 1));
            var pipe = client.Pipeline();
            for (var i = 0; i < 10; i++) pipe.RunScript("incr", key, 1);
            var results = await pipe.ExecuteAsync();
            Assert.Equal(Enumerable.Range(3, 10), results.Select(r => (int)r));
            Assert.Contains(Owner(key).EndPoint, client.GetScript("incr").LoadedOn);
        }
        finally
        {
            await Failover(primary, key);
        }
        Assert.Equal(13, (int)await client.RunScriptAsync("incr", key, 1));
    }

    [Fact]
    public async Task A_call_succeeds_after_its_slot_moves_to_a_primary_that_never_saw_the_script()
    {
        var key = Key("mig");
        Assert.Equal(1, (int)await client.RunScriptAsync("incr", key, 1));
        var slot = mux.HashSlot(key);
        var source = fixture.Node(Owner(key).EndPoint);
        var target = fixture.Cluster.Nodes.First(n => n != source && RedisCluster.Cli(n, "ROLE").StartsWith("master"));
        // Functions: the target never had the library (FUNCTION FLUSH), as the script's body for Scripts.
        RedisCluster.Cli(target, TestBackend.IsFunctions ? "FUNCTION" : "SCRIPT", "FLUSH");

        Move(slot, source, target);
        try
        {
            Assert.Equal(2, (int)await client.RunScriptAsync("incr", key, 1));
            Assert.Equal("2", RedisCluster.Cli(target, "GET", key).Trim());
            if (TestBackend.IsFunctions)
            {
                // "Function not found" was healed with FUNCTION LOAD REPLACE on the new owner.
                var library = client.DescribeFunctionLibrary().Name;
                Assert.Contains(library, RedisCluster.Cli(target, "FUNCTION", "LIST", "LIBRARYNAME", library));
            }
            else
            {
                Assert.Equal("1", RedisCluster.Cli(target, "SCRIPT", "EXISTS", client.GetScript("incr").Sha1).Trim());
            }
        }
        finally
        {
            Move(slot, target, source);
        }
        Assert.Equal(3, (int)await client.RunScriptAsync("incr", key, 1));
    }

    private void Move(int slot, RedisServer from, RedisServer to)
    {
        var fromId = Id(from);
        var toId = Id(to);
        RedisCluster.Cli(to, "CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", fromId);
        RedisCluster.Cli(from, "CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", toId);
        var keys = RedisCluster.Cli(from, "CLUSTER", "GETKEYSINSLOT", slot.ToString(), "1000")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length > 0)
        {
            var args = new List<string> { "MIGRATE", "127.0.0.1", to.Port.ToString(), "", "0", "5000", "KEYS" };
            args.AddRange(keys);
            RedisCluster.Cli(from, args.ToArray());
        }
        foreach (var node in fixture.Cluster.Nodes.Where(n => RedisCluster.Cli(n, "ROLE").StartsWith("master")))
            RedisCluster.Cli(node, "CLUSTER", "SETSLOT", slot.ToString(), "NODE", toId);
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Preload_loads_every_reachable_node_and_names_each_failed_one()
    {
        var victim = fixture.Cluster.Nodes.Last(n => RedisCluster.Cli(n, "ROLE").StartsWith("slave"));
        var victimEndPoint = mux.GetServers().Single(s => s.EndPoint.ToString()!.EndsWith(":" + victim.Port)).EndPoint;
        victim.Kill();
        try
        {
            await WaitUntil(() => !mux.GetServer(victimEndPoint).IsConnected, TimeSpan.FromSeconds(10), "the multiplexer to notice");
            if (TestBackend.IsFunctions)
            {
                await PreloadedFunctionsReachTheReplicaWhenItIsBack(victim, victimEndPoint);
                return;
            }
            var error = await Assert.ThrowsAsync<ScriptLoadException>(() => client.PreloadScriptsAsync());

            var failure = Assert.Single(error.Failures);
            Assert.Equal(victimEndPoint, failure.EndPoint);
            Assert.Contains(victim.Port.ToString(), error.Message);
            Assert.Equal(5, error.Loaded);
            Assert.Equal(5, client.GetScript("incr").LoadedOn.Count);
            Assert.DoesNotContain(victimEndPoint, client.GetScript("incr").LoadedOn);
        }
        finally
        {
            if (victim.Pid is null) victim.Restart();
            fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(60));
        }
    }

    // The Functions counterpart: FUNCTION LOAD REPLACE goes to the primaries only, so an unreachable
    // replica is no failure of the preload; it receives the library by replication once it is back.
    private async Task PreloadedFunctionsReachTheReplicaWhenItIsBack(RedisServer victim, EndPoint victimEndPoint)
    {
        // Right after the failover tests, the multiplexer may still take a demoted primary for a
        // primary; FUNCTION LOAD sent there is refused with READONLY and fails the preload (reported
        // as a library issue: the deployment trusts the multiplexer's roles). Start from a settled view.
        await WaitUntil(() =>
        {
            var stale = mux.GetServers().Any(s => s.IsConnected
                && s.IsReplica != RedisCluster.Cli(fixture.Node(s.EndPoint), "ROLE").StartsWith("slave", StringComparison.Ordinal));
            if (stale) mux.Configure();
            return !stale;
        }, TimeSpan.FromSeconds(30), "the multiplexer to see every node's role");
        int loaded;
        try
        {
            loaded = await client.PreloadScriptsAsync();
        }
        catch (ScriptLoadException e)
        {
            var roles = string.Join(", ", mux.GetServers().Select(s =>
                $"{s.EndPoint} {(s.IsReplica ? "replica" : "primary")} (ROLE: {(s.IsConnected ? RedisCluster.Cli(fixture.Node(s.EndPoint), "ROLE").Split('\n')[0] : "down")})"));
            throw new Xunit.Sdk.XunitException(
                $"preload failed: {e.Message}: {string.Join("; ", e.Failures.Select(f => $"{f.EndPoint}: {f.Reason}"))} (the killed replica is {victimEndPoint}); the multiplexer sees {roles}");
        }

        Assert.Equal(3, loaded); // one function on each of the 3 primaries
        Assert.Equal(3, client.GetScript("incr").LoadedOn.Count);
        Assert.DoesNotContain(victimEndPoint, client.GetScript("incr").LoadedOn);
        victim.Restart(); // no persistence: it comes back empty and resyncs from its primary
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(60));
        var library = client.DescribeFunctionLibrary().Name;
        await WaitUntil(() => RedisCluster.Cli(victim, "FUNCTION", "LIST", "LIBRARYNAME", library).Contains(library),
            TimeSpan.FromSeconds(20), "the restarted replica to receive the library");
    }
}
