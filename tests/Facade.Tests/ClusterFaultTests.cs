using System.Globalization;
using System.Net;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>The cluster changes under the client: failover, slot migration, an unreachable node.</summary>
[Collection(ClusterCollectionDefinition.Name)]
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

    private IServer Owner(RedisKey key) => mux.OwnerOf(key);

    [Fact]
    public async Task Calls_and_pipelines_keep_working_after_a_replica_is_promoted()
    {
        var key = Key("fo");
        Assert.Equal(1, (int)await client.RunScriptAsync("incr", key, 1));
        var primary = fixture.Node(Owner(key).EndPoint);
        var replica = fixture.Node(Owner(key).ClusterConfiguration!.GetBySlot(key)!.Children.Single().EndPoint!);
        RedisCluster.Cli(replica, "SCRIPT", "FLUSH"); // the replica to be promoted has never seen the script
        Assert.Equal("0", RedisCluster.Cli(replica, "SCRIPT", "EXISTS", client.GetScript("incr").Sha1).Trim());

        await ClusterOps.Failover(fixture, mux, replica, key);
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
            await ClusterOps.Failover(fixture, mux, primary, key);
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
        var target = fixture.Cluster.Nodes.First(n => n != source && RedisCluster.Cli(n, "ROLE").StartsWith("master", StringComparison.Ordinal));
        // Functions: the target never had the library (FUNCTION FLUSH), as the script's body for Scripts.
        RedisCluster.Cli(target, TestBackend.IsFunctions ? "FUNCTION" : "SCRIPT", "FLUSH");

        ClusterOps.Move(fixture, slot, source, target);
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
            ClusterOps.Move(fixture, slot, target, source);
        }
        Assert.Equal(3, (int)await client.RunScriptAsync("incr", key, 1));
    }

    [Fact]
    public async Task Preload_loads_every_reachable_node_and_names_each_failed_one()
    {
        var victim = fixture.Cluster.Nodes.Last(n => RedisCluster.Cli(n, "ROLE").StartsWith("slave", StringComparison.Ordinal));
        var victimEndPoint = mux.GetServers().Single(s => s.EndPoint.ToString()!.EndsWith(":" + victim.Port, StringComparison.Ordinal)).EndPoint;
        victim.Kill();
        try
        {
            await ClusterOps.WaitUntil(() => !mux.GetServer(victimEndPoint).IsConnected, TimeSpan.FromSeconds(10), "the multiplexer to notice");
            if (TestBackend.IsFunctions)
            {
                await PreloadedFunctionsReachTheReplicaWhenItIsBack(victim, victimEndPoint);
                return;
            }
            var error = await Assert.ThrowsAsync<ScriptLoadException>(() => client.PreloadScriptsAsync());

            var failure = Assert.Single(error.Failures);
            Assert.Equal(victimEndPoint, failure.EndPoint);
            Assert.Contains(victim.Port.ToString(CultureInfo.InvariantCulture), error.Message);
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
        await ClusterOps.WaitUntil(() =>
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
        await ClusterOps.WaitUntil(() => RedisCluster.Cli(victim, "FUNCTION", "LIST", "LIBRARYNAME", library).Contains(library),
            TimeSpan.FromSeconds(20), "the restarted replica to receive the library");
    }
}
