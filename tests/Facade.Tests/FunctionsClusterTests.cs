using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The Functions backend on a 3-primary cluster: the library is loaded on every primary and reaches
/// the replicas by replication, a promoted replica serves FCALL with no reload, and a primary that
/// lost the library (or receives a slot without it) is healed on first use.
/// </summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class FunctionsClusterTests : IDisposable
{
    private readonly ClusterFixture fixture;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public FunctionsClusterTests(ClusterFixture fixture)
    {
        this.fixture = fixture;
        mux = fixture.Connect();
        client = new ScriptClient(mux, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        client.DefineCommand("incr", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("peek", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1, ReadOnly = true });
        client.DefineCommand("hello", new CommandDefinition("return 'hello'") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => $"fc:{{{tag}}}:{name}";

    private string Library => client.DescribeFunctionLibrary().Name;

    private static bool HasLibrary(RedisServer node, string library) =>
        RedisCluster.Cli(node, "FUNCTION", "LIST", "LIBRARYNAME", library).Contains(library, StringComparison.Ordinal);

    private long Calls(RedisServer node, string command) => Wire.Calls(mux.GetServer("127.0.0.1", node.Port), command);

    private RedisServer OwnerNode(RedisKey key) => fixture.Node(mux.OwnerOf(key).EndPoint);

    private RedisServer ReplicaOf(RedisKey key) =>
        fixture.Node(mux.OwnerOf(key).ClusterConfiguration!.GetBySlot(key)!.Children.Single().EndPoint!);

    [Fact]
    public async Task The_first_call_loads_the_library_on_every_primary_and_replication_brings_it_to_every_replica()
    {
        Assert.Equal("1", (string?)await client.RunScriptAsync("incr", Key("n"), 1));

        var library = Library;
        foreach (var primary in fixture.Cluster.Nodes.Where(ClusterOps.IsPrimary))
            Assert.True(HasLibrary(primary, library), $"primary {primary.Port} has the library");
        var replicas = fixture.Cluster.Nodes.Where(n => !ClusterOps.IsPrimary(n)).ToList();
        Assert.Equal(3, replicas.Count);
        await ClusterOps.WaitUntil(() => replicas.All(r => HasLibrary(r, library)), TimeSpan.FromSeconds(10), "every replica to receive the library");
        Assert.Equal(3, client.GetScript("incr").LoadedOn.Count);
    }

    [Fact]
    public async Task After_a_failover_the_first_call_on_the_new_primary_is_an_FCALL_with_no_reload()
    {
        var key = Key("fo");
        Assert.Equal("1", (string?)await client.RunScriptAsync("incr", key, 1));
        var primary = OwnerNode(key);
        var replica = ReplicaOf(key);
        await ClusterOps.WaitUntil(() => HasLibrary(replica, Library), TimeSpan.FromSeconds(10), "the replica to receive the library");
        RedisCluster.Cli(replica, "SCRIPT", "FLUSH"); // nothing of the script cache helps

        await ClusterOps.Failover(fixture, mux, replica, key);
        try
        {
            var (loads, fcalls) = (Calls(replica, "function|load"), Calls(replica, "fcall"));
            var profiled = await Wire.Profile(mux, async () => Assert.Equal("2", (string?)await client.RunScriptAsync("incr", key, 1)));

            Assert.Equal(0, Calls(replica, "function|load") - loads);
            Assert.Equal(1, Calls(replica, "fcall") - fcalls);
            Assert.Equal(1, Wire.RoundTrips(profiled));
            var pipeline = client.Pipeline();
            for (var i = 0; i < 5; i++) pipeline.RunScript("incr", key, 1);
            Assert.Equal(new[] { 3, 4, 5, 6, 7 }, (await pipeline.ExecuteAsync()).Select(r => (int)r));
        }
        finally
        {
            await ClusterOps.Failover(fixture, mux, primary, key);
        }
        Assert.Equal("8", (string?)await client.RunScriptAsync("incr", key, 1));
    }

    [Fact]
    public async Task A_primary_that_lost_the_library_is_healed_by_calls_pipelines_and_transactions()
    {
        var key = Key("heal");
        Assert.Equal("1", (string?)await client.RunScriptAsync("incr", key, 1));
        var owner = OwnerNode(key);

        RedisCluster.Cli(owner, "FUNCTION", "FLUSH");
        Assert.Equal("2", (string?)await client.RunScriptAsync("incr", key, 1));
        Assert.True(HasLibrary(owner, Library));

        RedisCluster.Cli(owner, "FUNCTION", "FLUSH");
        var pipelined = await client.Pipeline()
            .RunScript("incr", key, 1).RawCommand("GET", (RedisKey)key).RunScript("peek", key)
            .ExecuteAsync();
        Assert.Equal(new[] { "3", "3", "3" }, pipelined.Select(r => (string?)r));

        RedisCluster.Cli(owner, "FUNCTION", "FLUSH");
        var transacted = await client.Transaction()
            .RunScript("incr", key, 1).RawCommand("GET", (RedisKey)key).RunScript("incr", key, 1)
            .ExecuteAsync();
        Assert.Equal(new[] { "4", "4", "5" }, transacted.Select(r => (string?)r));
    }

    [Fact]
    public async Task A_call_succeeds_after_its_slot_moves_to_a_primary_without_the_library()
    {
        var key = Key("mig");
        Assert.Equal("1", (string?)await client.RunScriptAsync("incr", key, 1));
        var slot = mux.HashSlot(key);
        var source = OwnerNode(key);
        var target = fixture.Cluster.Nodes.First(n => n != source && ClusterOps.IsPrimary(n));
        RedisCluster.Cli(target, "FUNCTION", "FLUSH");

        ClusterOps.Move(fixture, slot, source, target);
        try
        {
            Assert.Equal("2", (string?)await client.RunScriptAsync("incr", key, 1));
            Assert.Equal("2", RedisCluster.Cli(target, "GET", key).Trim());
            Assert.True(HasLibrary(target, Library));
        }
        finally
        {
            ClusterOps.Move(fixture, slot, target, source);
        }
        Assert.Equal("3", (string?)await client.RunScriptAsync("incr", key, 1));
    }

    [Fact]
    public async Task Keyless_calls_run_anywhere_and_preload_counts_every_primary()
    {
        var loaded = await client.PreloadScriptsAsync();

        Assert.Equal(3 * 3, loaded); // three functions on three primaries
        var pipeline = client.Pipeline();
        for (var i = 0; i < 5; i++) pipeline.RunScript("hello");
        Assert.All(await pipeline.ExecuteAsync(), r => Assert.Equal("hello", (string?)r));
        for (var i = 0; i < 5; i++) Assert.Equal("hello", (string?)await client.RunScriptAsync("hello"));
    }
}
