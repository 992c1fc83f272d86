using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Channels.Tests;

/// <summary>
/// The layer on a one-node Redis Cluster (it owns all 16,384 slots). A script that starts with a
/// Redis 7 shebang (<c>#!lua</c>) is refused by a cluster node when it touches a key outside the
/// slot of its declared KEYS; the test redefines the layer's commands with that shebang, so the run
/// proves that every script only touches keys of the layer's hash tag, and that the layer runs
/// unchanged on a cluster. (The layer's own bodies have no shebang, so that they also run on Redis 6.)
/// </summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task The_layer_runs_unchanged_on_a_cluster_node()
    {
        using var server = RedisServer.Start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
        Assert.StartsWith("+OK", server.Send("CLUSTER ADDSLOTSRANGE 0 16383"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!server.Send("CLUSTER INFO").Contains("cluster_state:ok"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the one-node cluster did not reach state ok");
            await Task.Delay(50);
        }
        using var mux = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},abortConnect=false");
        Assert.Equal(ServerType.Cluster, mux.GetServer(server.EndPoint).ServerType);
        var client = TestClients.Create(mux);
        var layer = new ChannelLayer(client, new ChannelLayerOptions { Prefix = "cl", Capacity = 3 });

        foreach (var name in ChannelCommands.All)
        {
            var script = client.GetScript(name);
            client.DefineCommand(name, new CommandDefinition("#!lua\n" + script.Lua) { Keys = script.Keys });
        }

        // The guard is real: a shebang script that touches an undeclared key of another slot is refused.
        client.DefineCommand("sneaky", new CommandDefinition("#!lua\nreturn redis.call('GET', 'elsewhere')") { Keys = 1 });
        var refused = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("sneaky", "{cl}:x"));
        Assert.Contains("slot", refused.ServerMessage, StringComparison.OrdinalIgnoreCase);

        foreach (var c in new[] { "a", "b", "c" }) await layer.SubscribeAsync("room", c);
        Assert.Equal(2, await layer.PublishAsync("room", "hello", exclude: "a"));
        await layer.SendAsync("a", "direct");
        var pipe = client.Pipeline();
        await layer.QueuePublishAsync(pipe, "room", "p1");
        await layer.QueuePublishAsync(pipe, "room", "p2", exclude: "b");
        Assert.Equal(new long[] { 3, 2 }, (await pipe.ExecuteAsync()).Select(r => (long)r).ToArray());
        await layer.SendAsync("b", "direct");                                                  // hello, p1, direct: full
        await Assert.ThrowsAsync<ChannelFullException>(() => layer.SendAsync("b", "overflow"));
        Assert.Equal("direct", (await layer.PollAsync("a"))!.Text);
        Assert.Equal("hello", (await layer.ReceiveAsync("b", TimeSpan.FromSeconds(1)))!.Text);
        Assert.Equal(new CleanupResult(true, 1), await layer.CleanupAsync("c", new[] { "room" }));
        Assert.Equal(new[] { "a", "b" }, await layer.MembersAsync("room"));
        await layer.UnsubscribeAsync("room", "b");
        Assert.Equal(new[] { "a" }, await layer.MembersAsync("room"));
    }

    [Fact]
    public async Task Layers_run_on_a_three_primary_cluster_each_on_the_node_of_its_hash_tag()
    {
        using var cluster = RedisCluster.Start(primaries: 3, replicasPerPrimary: 0);
        using var mux = await ConnectionMultiplexer.ConnectAsync($"{cluster.Configuration},abortConnect=false");
        var client = TestClients.Create(mux);
        // Prefixes whose hash tags live on different primaries.
        var prefixes = Enumerable.Range(0, 50).Select(i => $"layer{i}")
            .GroupBy(p => mux.OwnerOf($"{{{p}}}").EndPoint.ToString())
            .Select(g => g.First()).Take(3).ToList();
        Assert.Equal(3, prefixes.Count);

        foreach (var prefix in prefixes)
        {
            var layer = new ChannelLayer(client, new ChannelLayerOptions { Prefix = prefix, Capacity = 5 });
            foreach (var c in new[] { "a", "b", "c" }) await layer.SubscribeAsync("room", c);
            Assert.Equal(2, await layer.PublishAsync("room", "hello", exclude: "a"));
            Assert.Null(await layer.PollAsync("a"));
            Assert.Equal("hello", (await layer.PollAsync("b"))!.Text);
            var pipe = client.Pipeline();
            await layer.QueuePublishAsync(pipe, "room", "p1");
            await layer.SubscribeAsync("lobby", "b");
            await layer.QueuePublishAsync(pipe, "lobby", "p2");
            Assert.Equal(new long[] { 3, 1 }, (await pipe.ExecuteAsync()).Select(r => (long)r).ToArray());
            Assert.Equal(new CleanupResult(true, 2), await layer.CleanupAsync("b", new[] { "room", "lobby" }));
            Assert.Equal(new[] { "a", "c" }, await layer.MembersAsync("room"));
        }
        // Every primary ran the layer's scripts.
        Assert.Equal(3, client.GetScript(ChannelCommands.Publish).LoadedOn.Count);
    }
}
