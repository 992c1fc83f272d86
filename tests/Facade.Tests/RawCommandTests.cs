using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// Raw Redis commands in pipelines and transactions on the 3+3 cluster: their keys are the ones the
/// server describes, whether the caller passes them as strings, RedisKey or RedisValue, so they go
/// to the keys' owner, keep their place in the caller's order, get the client's key prefix and take
/// part in the slot checks.
/// </summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class RawCommandTests : IDisposable
{
    private readonly ClusterFixture fixture;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public RawCommandTests(ClusterFixture fixture)
    {
        this.fixture = fixture;
        mux = fixture.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incrby", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("get", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1 });
    }

    public void Dispose() => mux.Dispose();

    /// <summary>A key given the way the test names: as a string, a RedisKey or a RedisValue.</summary>
    private static object As(string kind, string key) => kind switch
    {
        "string" => key,
        "RedisKey" => (RedisKey)key,
        _ => (RedisValue)key,
    };

    /// <summary>One key per primary, so a pipeline spans every node.</summary>
    private List<string> KeysOnEveryPrimary()
    {
        var keys = new List<string>();
        var owners = new HashSet<string>();
        for (var i = 0; owners.Count < 3; i++)
        {
            var key = $"raw:{tag}:{i}";
            if (owners.Add(mux.OwnerOf(key).EndPoint!.ToString()!)) keys.Add(key);
        }
        return keys;
    }

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    [InlineData("RedisValue")]
    public async Task Raw_commands_keep_their_place_among_calls_whatever_their_keys_are_passed_as(string kind)
    {
        var keys = KeysOnEveryPrimary();
        var pipe = client.Pipeline();
        var expected = new List<long>();
        var sums = new long[keys.Count];
        for (var i = 0; i < 30; i++)
        {
            var k = i % keys.Count;
            sums[k] += i;
            expected.Add(sums[k]);
            if (i % 2 == 0) pipe.RunScript("incrby", keys[k], i);
            else pipe.RawCommand("INCRBY", As(kind, keys[k]), i);
        }
        var replies = await pipe.ExecuteAsync();
        Assert.Equal(expected, replies.Select(r => (long)r));
    }

    [Theory]
    [InlineData("string")]
    [InlineData("RedisKey")]
    [InlineData("RedisValue")]
    public async Task A_raw_SET_between_two_reads_runs_between_them_on_every_primary(string kind)
    {
        foreach (var key in KeysOnEveryPrimary())
        {
            var replies = await client.Pipeline()
                .RunScript("get", key)
                .RawCommand("SET", As(kind, key), "X")
                .RunScript("get", key)
                .ExecuteAsync();
            Assert.True(replies[0].IsNull);
            Assert.Equal("X", (string?)replies[2]);
        }
    }

    [Fact]
    public async Task Keyless_commands_mix_in_where_StackExchange_Redis_sends_them()
    {
        var key = $"raw:{tag}:{{k}}";
        var replies = await client.Pipeline()
            .RawCommand("PING")
            .RunScript("incrby", key, 1)
            .RawCommand("TIME")
            .RawCommand("INCRBY", key, 10)
            .RawCommand("ECHO", "hi")
            .ExecuteAsync();
        Assert.Equal("PONG", (string?)replies[0]);
        Assert.Equal(1, (long)replies[1]);
        Assert.Equal(2, replies[2].Length);
        Assert.Equal(11, (long)replies[3]);
        Assert.Equal("hi", (string?)replies[4]);
    }

    [Theory]
    [InlineData("string")]
    [InlineData("RedisValue")]
    public async Task String_keys_of_a_raw_command_are_checked_before_anything_is_sent(string kind)
    {
        var a = $"raw:{tag}:a";
        var b = $"raw:{tag}:b";
        Assert.NotEqual(mux.HashSlot(a), mux.HashSlot(b));
        var error = Assert.Throws<CrossSlotException>(() => client.Pipeline().RawCommand("MSET", As(kind, a), "1", As(kind, b), "2"));
        Assert.Equal("MSET", error.ScriptName);
        Assert.Equal(new[] { mux.HashSlot(a), mux.HashSlot(b) }, error.Slots);

        var tx = client.Transaction().RawCommand("SET", As(kind, a), "1");
        Assert.Throws<CrossSlotException>(() => tx.RawCommand("SET", As(kind, b), "2"));
        Assert.Equal(1, tx.Count);
        Assert.False(await mux.GetDatabase().KeyExistsAsync(a));
    }

    [Fact]
    public async Task A_transaction_of_raw_commands_and_calls_with_string_keys_in_one_slot_runs()
    {
        var a = $"raw:{{{tag}}}:a";
        var b = $"raw:{{{tag}}}:b";
        var replies = await client.Transaction()
            .RawCommand("SET", a, "5")
            .RunScript("incrby", a, 1)
            .RawCommand("RENAME", a, b)
            .RawCommand("GET", b)
            .ExecuteAsync();
        Assert.Equal("6", (string?)replies[3]);
    }

    [Fact]
    public async Task A_raw_command_gets_the_clients_key_prefix_when_its_key_is_a_string()
    {
        var prefixed = new ScriptClient(mux, new ScriptClientOptions { Backend = TestClients.Backend, KeyPrefix = $"{{{tag}}}:" });
        var replies = await prefixed.Pipeline().RawCommand("SET", "k", "v").RawCommand("MGET", "k", "other").ExecuteAsync();
        Assert.Equal("v", (string?)replies[1][0]);
        Assert.Equal("v", (string?)await mux.GetDatabase().StringGetAsync($"{{{tag}}}:k"));
        Assert.False(await mux.GetDatabase().KeyExistsAsync("k"));
    }

    [Fact]
    public async Task Order_holds_when_the_slot_moved_under_the_pipeline()
    {
        var key = $"raw:{tag}:moved";
        Assert.Equal(1, (long)await client.RunScriptAsync("incrby", key, 1));
        var slot = mux.HashSlot(key);
        var source = fixture.Node(mux.OwnerOf(key).EndPoint!);
        var target = fixture.Cluster.Nodes.First(n => n != source && ClusterOps.IsPrimary(n));
        // Queued while the client still routes the slot to its old owner; sent after it moved.
        var pipe = client.Pipeline()
            .RunScript("incrby", key, 1)
            .RawCommand("INCRBY", key, 10)
            .RunScript("incrby", key, 100)
            .RawCommand("GET", key);
        ClusterOps.Move(fixture, slot, source, target);
        try
        {
            var replies = await pipe.ExecuteAsync();
            Assert.Equal(new long[] { 2, 12, 112 }, replies.Take(3).Select(r => (long)r));
            Assert.Equal("112", (string?)replies[3]);
        }
        finally
        {
            ClusterOps.Move(fixture, slot, target, source);
        }
    }
}
