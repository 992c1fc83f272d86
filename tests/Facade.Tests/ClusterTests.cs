using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

[Collection(ClusterCollectionDefinition.Name)]
public sealed class ClusterTests : IDisposable
{
    private const string IncrBy = Lua.IncrBy;

    private readonly ClusterFixture fixture;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public ClusterTests(ClusterFixture fixture)
    {
        this.fixture = fixture;
        mux = fixture.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("sum2",
            new CommandDefinition("return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[2], ARGV[1])") { Keys = 2 });
        client.DefineCommand("read", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1, ReadOnly = true });
        client.DefineCommand("sneaky", new CommandDefinition("return redis.call('SET', KEYS[1], 'x')") { Keys = 1, ReadOnly = true });
        client.DefineCommand("constant", new CommandDefinition("return 'keyless'") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => $"c:{tag}:{name}";

    private IServer Owner(RedisKey key) => mux.OwnerOf(key);

    private static IEnumerable<IServer> Primaries(ConnectionMultiplexer m) => m.GetServers().Where(s => !s.IsReplica);

    [Fact]
    public async Task A_call_runs_on_the_node_that_owns_its_keys_slot()
    {
        var key = Key("routed");
        Assert.Equal(5, (int)await client.RunScriptAsync("incr", key, 5));

        var owner = Owner(key);
        var handle = client.GetScript("incr");
        Assert.Contains(owner.EndPoint, handle.LoadedOn);
        Assert.Equal("5", RedisCluster.Cli(fixture.Node(owner.EndPoint), "GET", key).Trim());
    }

    [Fact]
    public async Task Keys_in_different_slots_are_refused_before_sending_and_hash_tags_keep_them_together()
    {
        var a = Key("a");
        var b = Key("b-other");
        Assert.NotEqual(mux.HashSlot(a), mux.HashSlot(b));

        CrossSlotException? error = null;
        var sent = await Wire.Profile(mux, async () =>
            error = await Assert.ThrowsAsync<CrossSlotException>(() => client.RunScriptAsync("sum2", a, b, 1)));

        Assert.Empty(sent);
        Assert.Equal("sum2", error!.ScriptName);
        Assert.Equal(new[] { mux.HashSlot(a), mux.HashSlot(b) }, error.Slots);
        Assert.Contains("hash tag", error.Message);
        Assert.Equal(2, (int)await client.RunScriptAsync("sum2", $"{{{tag}}}:a", $"{{{tag}}}:b", 1));
    }

    [Fact]
    public async Task A_keyless_script_runs_on_a_primary()
    {
        for (var i = 0; i < 10; i++) Assert.Equal("keyless", (string?)await client.RunScriptAsync("constant"));
        var primaries = Primaries(mux).Select(s => s.EndPoint).ToList();
        // Scripts: EVALSHA/EVAL; Functions: FCALL of the library every primary holds.
        var commands = TestBackend.IsFunctions ? new[] { "fcall" } : new[] { "evalsha", "eval" };
        var ran = primaries.Sum(e => commands.Sum(c => Wire.Calls(mux.GetServer(e), c)));
        Assert.True(ran >= 10);
    }

    [Fact]
    public async Task Preload_loads_every_primary_and_every_replica()
    {
        var count = await client.PreloadScriptsAsync();

        if (TestBackend.IsFunctions)
        {
            // Functions: FUNCTION LOAD REPLACE on the 3 primaries (5 functions each); the replicas
            // receive the library by replication.
            Assert.Equal(5 * 3, count);
            Assert.Equal(3, client.GetScript("incr").LoadedOn.Count);
            var library = client.DescribeFunctionLibrary().Name;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            foreach (var node in fixture.Cluster.Nodes)
                while (!RedisCluster.Cli(node, "FUNCTION", "LIST", "LIBRARYNAME", library).Contains(library))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"{node.EndPoint} did not receive the library");
                    await Task.Delay(50);
                }
            return;
        }
        Assert.Equal(5 * 6, count);
        Assert.Equal(6, client.GetScript("incr").LoadedOn.Count);
        var sha = client.GetScript("incr").Sha1;
        foreach (var node in fixture.Cluster.Nodes)
            Assert.Equal("1", RedisCluster.Cli(node, "SCRIPT", "EXISTS", sha).Trim());
    }

    [BatchProfilingFact]
    public async Task A_pipeline_across_slots_is_grouped_per_node_and_keeps_the_callers_order()
    {
        // What SCRIPT FLUSH is to scripts, FUNCTION FLUSH is to the library.
        foreach (var s in Primaries(mux))
            if (TestBackend.IsFunctions) await s.ExecuteAsync("FUNCTION", "FLUSH");
            else await s.ScriptFlushAsync();
        var pipe = client.Pipeline();
        var keys = Enumerable.Range(0, 60).Select(i => Key("p" + i)).ToList();
        for (var i = 0; i < keys.Count; i++) pipe.RunScript("incr", keys[i], i);
        pipe.RawCommand("SET", (RedisKey)Key("plain"), "v");

        RedisResult[] results = Array.Empty<RedisResult>();
        var sent = await Wire.Profile(mux, async () => results = await pipe.ExecuteAsync());

        Assert.Equal(Enumerable.Range(0, 60), results.Take(60).Select(r => (int)r));
        Assert.Equal("OK", (string?)results[60]);
        var nodes = sent.GroupBy(c => c.EndPoint).ToList();
        Assert.Equal(3, nodes.Count);
        if (TestBackend.IsFunctions)
        {
            // Functions: the first use of this registry deploys the library on every primary (one
            // FUNCTION LOAD each, in parallel), then each node's batch is its guard and its FCALLs.
            Assert.All(nodes, n => Assert.Equal(2, Wire.RoundTrips(n)));
            Assert.All(nodes, n => Assert.Equal(2, n.Count(c => c.Command == "FUNCTION")));
            Assert.All(nodes, n => Assert.Equal(1, Wire.RoundTrips(n.Where(c => c.Command != "FUNCTION"))));
            Assert.DoesNotContain(sent, c => c.Command is "EVAL" or "EVALSHA");
            Assert.Equal(60, sent.Count(c => c.Command == "FCALL"));
            // (No whole-pipeline count here: the per-node guards are written one after the other
            // without waiting, but a reply from one node can beat the next guard's creation, which the
            // profiling heuristic would count as another round.)
            return;
        }
        Assert.All(nodes, n => Assert.Equal(1, Wire.RoundTrips(n)));
        Assert.All(nodes, n => Assert.Equal(1, n.Count(c => c.Command == "EVAL")));
        Assert.Equal(1, Wire.RoundTrips(sent)); // the per-node batches are in flight at the same time
    }

    [BatchProfilingFact]
    public async Task After_an_unseen_flush_on_its_slots_owner_a_transaction_of_one_command_is_sent_again_whole()
    {
        var key = Key("tx");
        await client.RunScriptAsync("incr", new RedisKey[] { key }, new RedisValue[] { 0 }); // proves it loaded there
        // What SCRIPT FLUSH is to scripts, FUNCTION FLUSH is to the library.
        if (TestBackend.IsFunctions) await Owner(key).ExecuteAsync("FUNCTION", "FLUSH");
        else await Owner(key).ScriptFlushAsync();
        var tx = client.Transaction();
        for (var i = 0; i < 4; i++) tx.RunScript("incr", key, 1);

        RedisResult[] results = Array.Empty<RedisResult>();
        var sent = await Wire.Profile(mux, async () => results = await tx.ExecuteAsync());

        Assert.Equal(new[] { "1", "2", "3", "4" }, results.Select(r => (string?)r));
        Assert.Equal("4", (string?)await mux.GetDatabase().StringGetAsync(key));
        // Sent without the body (or the library's guard), found it gone everywhere, sent again with it.
        Assert.Equal(2, sent.Count(c => c.Command == "EXEC"));
        Assert.All(sent, c => Assert.Equal(Owner(key).EndPoint, c.EndPoint));
    }

    [Fact]
    public async Task A_transaction_across_slots_is_refused_at_queue_time()
    {
        var tx = client.Transaction().RunScript("incr", $"{{{tag}}}:x", 1);
        tx.RunScript("incr", $"{{{tag}}}:x", 1); // the previous call's key: not hashed again
        Assert.Throws<CrossSlotException>(() => tx.RunScript("incr", $"{{other{tag}}}:y", 1));
        Assert.Throws<CrossSlotException>(() => tx.RawCommand("SET", (RedisKey)$"{{other{tag}}}:z", "1"));
        tx.RawCommand("SET", (RedisKey)$"{{{tag}}}:w", "1");
        tx.RunScript("incr", $"{{{tag}}}:x", 1);
        var results = await tx.ExecuteAsync();
        Assert.Equal(new[] { "1", "2", "OK", "3" }, results.Select(r => (string?)r));
    }

    // One key on each primary (distinct owners), under this test's tag.
    private string[] KeyOnEachPrimary()
    {
        var keys = new Dictionary<string, string>();
        for (var i = 0; keys.Count < 3; i++)
            keys.TryAdd(Owner(Key($"p{i}")).EndPoint!.ToString()!, Key($"p{i}"));
        return keys.Values.ToArray();
    }

    // (EVALSHA, EVAL) calls a primary has served so far.
    private (long Sha, long Body) Served(string key) => (Wire.Calls(Owner(key), "evalsha"), Wire.Calls(Owner(key), "eval"));

    [ScriptsBackendFact("counts EVAL and EVALSHA")]
    public async Task A_script_proved_on_some_primaries_goes_with_its_body_to_the_others()
    {
        // A body of this test's own: no other test loaded it anywhere.
        client.DefineCommand("fresh", new CommandDefinition($"return redis.call('INCRBY', KEYS[1], ARGV[1]) -- {tag}") { Keys = 1 });
        var keys = KeyOnEachPrimary();
        foreach (var key in keys.Take(2))
            for (var i = 0; i < 2; i++) await client.RunScriptAsync("fresh", key, 1);

        var before = Served(keys[2]);
        for (var i = 1; i <= 3; i++) Assert.Equal(i, (int)await client.RunScriptAsync("fresh", keys[2], 1));

        // Loaded on two primaries is not loaded everywhere: the third gets the body once, then EVALSHA.
        Assert.Equal((before.Sha + 2, before.Body + 1), Served(keys[2]));
    }

    [ScriptsBackendFact("counts EVAL and EVALSHA after SCRIPT FLUSH")]
    public async Task Proved_on_every_primary_an_unseen_flush_on_one_costs_one_heal_there_and_none_elsewhere()
    {
        client.DefineCommand("fresh", new CommandDefinition($"return redis.call('INCRBY', KEYS[1], ARGV[1]) -- {tag}") { Keys = 1 });
        var keys = KeyOnEachPrimary();
        foreach (var key in keys)
            for (var i = 0; i < 2; i++) await client.RunScriptAsync("fresh", key, 1);
        await Owner(keys[0]).ScriptFlushAsync();

        var flushed = Served(keys[0]);
        var other = Served(keys[1]);
        for (var i = 3; i <= 5; i++)
        {
            Assert.Equal(i, (int)await client.RunScriptAsync("fresh", keys[0], 1));
            Assert.Equal(i, (int)await client.RunScriptAsync("fresh", keys[1], 1));
        }

        // The flushed primary: one EVALSHA answered NOSCRIPT, healed with one EVAL, then EVALSHA again.
        Assert.Equal((flushed.Sha + 3, flushed.Body + 1), Served(keys[0]));
        Assert.Equal((other.Sha + 3, other.Body), Served(keys[1]));
        Assert.Equal("1", RedisCluster.Cli(fixture.Node(Owner(keys[0]).EndPoint), "SCRIPT", "EXISTS", client.GetScript("fresh").Sha1).Trim());
    }

    [Fact]
    public async Task Read_only_scripts_can_be_served_by_a_replica_and_cannot_write()
    {
        var key = Key("ro");
        var db = mux.GetDatabase();
        await db.StringSetAsync(key, "value");
        await db.ExecuteAsync("WAIT", 1, 2000);
        var primaryNode = Owner(key).ClusterConfiguration!.GetBySlot(key)!;
        var replica = mux.GetServer(Assert.Single(primaryNode.Children).EndPoint!);
        Assert.True(replica.IsReplica);
        RedisCluster.Cli(fixture.Node(replica.EndPoint), "SCRIPT", "FLUSH");
        if (TestBackend.IsFunctions)
        {
            // Functions: the library is deployed on the primaries and replicated; wait until the replica has it.
            await client.PreloadScriptsAsync();
            var library = client.DescribeFunctionLibrary().Name;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!RedisCluster.Cli(fixture.Node(replica.EndPoint), "FUNCTION", "LIST", "LIBRARYNAME", library).Contains(library))
            {
                Assert.True(DateTime.UtcNow < deadline, "the replica did not receive the library");
                await Task.Delay(50);
            }
        }
        var evalshaRo = Wire.Calls(replica, "evalsha_ro");
        var evalRo = Wire.Calls(replica, "eval_ro");
        var fcallRo = Wire.Calls(replica, "fcall_ro");

        for (var i = 0; i < 5; i++)
            Assert.Equal("value", (string?)await client.RunScriptAsync("read", new RedisKey[] { key }, Array.Empty<RedisValue>(), CommandFlags.DemandReplica));

        if (TestBackend.IsFunctions)
        {
            // Functions: the replica serves every call with FCALL_RO of the replicated library.
            Assert.Equal(fcallRo + 5, Wire.Calls(replica, "fcall_ro"));
            Assert.Equal((evalshaRo, evalRo), (Wire.Calls(replica, "evalsha_ro"), Wire.Calls(replica, "eval_ro")));
        }
        else
        {
            // The replica never received the script (no replication of the script cache): the first
            // EVALSHA_RO is healed there with one EVAL_RO, every later call is EVALSHA_RO.
            Assert.Equal(evalshaRo + 5, Wire.Calls(replica, "evalsha_ro"));
            Assert.Equal(evalRo + 1, Wire.Calls(replica, "eval_ro"));
        }
        var refused = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("sneaky", key));
        Assert.Contains("Write commands are not allowed", refused.ServerMessage);
        Assert.Equal("value", (string?)await db.StringGetAsync(key));
    }
}
