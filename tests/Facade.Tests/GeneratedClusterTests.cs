using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests.Generated;

/// <summary>Generated bindings on a 3-primary cluster: each call routes to its keys' slot, pipelined or not.</summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class GeneratedClusterTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public GeneratedClusterTests(ClusterFixture fixture)
    {
        mux = fixture.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incr", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("sum2",
            new CommandDefinition("return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[2], ARGV[1])") { Keys = 2 });
        client.DefineCommand("fails", new CommandDefinition("return redis.error_reply('ERR no luck')") { Keys = 1 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => $"gc:{{{tag}}}:{name}";

    [Fact]
    public async Task Calls_reach_the_owner_of_their_slot_and_cross_slot_keys_are_refused_before_sending()
    {
        var counter = ICounter.Create(client);
        var spread = Enumerable.Range(0, 12).Select(i => $"gc:{tag}:{i}").ToList();
        Assert.True(spread.Select(k => mux.HashSlot(k)).Distinct().Count() > 1);

        foreach (var key in spread) Assert.Equal(3, await counter.IncrBy(key, 3));
        foreach (var key in spread) Assert.Equal("3", await mux.GetDatabase().StringGetAsync(key));
        Assert.Equal(4, await counter.Sum(Key("a"), Key("b"), 2));
        await Assert.ThrowsAsync<CrossSlotException>(() => counter.Sum($"gc:{tag}:x", $"gc:{tag}:y-other", 1));
    }

    [Fact]
    public async Task A_pipeline_binding_on_a_cluster_completes_every_task()
    {
        var pipe = client.Pipeline();
        var counter = ICounter.Create(pipe);
        var calls = Enumerable.Range(0, 10).Select(i => counter.IncrBy($"gc:{tag}:p{i}", i)).ToList();

        await pipe.ExecuteAsync();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), await Task.WhenAll(calls));
    }
}
