using LuaScripts.TestServers;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// A client with a key prefix: KEYS (and raw commands' RedisKey arguments) are prefixed, ARGV and
/// replies are not, and on a cluster the slots are checked on the keys as the server sees them.
/// </summary>
[Collection(ClusterCollectionDefinition.Name)]
public sealed class KeyPrefixTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly string tag = Guid.NewGuid().ToString("N")[..8];

    public KeyPrefixTests(ClusterFixture fixture) => mux = fixture.Connect();

    public void Dispose() => mux.Dispose();

    private ScriptClient Client(string prefix)
    {
        var client = new ScriptClient(mux, new ScriptClientOptions { Backend = TestClients.Backend, KeyPrefix = prefix });
        client.DefineCommand("set2",
            new CommandDefinition("redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return KEYS[1] .. '|' .. ARGV[1]") { Keys = 2 });
        return client;
    }

    [Fact]
    public async Task Keys_are_prefixed_argv_is_not()
    {
        var client = Client($"p:{tag}:");
        var reply = (string?)await client.RunScriptAsync("set2", "{x}a", "{x}b", "v");
        Assert.Equal($"p:{tag}:{{x}}a|v", reply);
        var db = mux.GetDatabase();
        Assert.Equal("v", (string?)await db.StringGetAsync($"p:{tag}:{{x}}b"));
        Assert.False(await db.KeyExistsAsync("{x}b"));
    }

    [Fact]
    public async Task A_prefix_with_a_hash_tag_puts_every_key_in_its_slot()
    {
        // Unprefixed, "a" and "b" hash to different slots; with the prefix "{tag}" both go to tag's slot.
        Assert.NotEqual(mux.HashSlot("a"), mux.HashSlot("b"));
        var client = Client($"{{{tag}}}:");
        Assert.Equal($"{{{tag}}}:a|1", (string?)await client.RunScriptAsync("set2", "a", "b", "1"));
        var replies = await client.Transaction().RunScript("set2", "a", "b", "2").RawCommand("GET", (RedisKey)"b").ExecuteAsync();
        Assert.Equal("2", (string?)replies[1]);
    }

    [Fact]
    public async Task A_prefix_without_a_hash_tag_is_checked_on_the_prefixed_keys_before_sending()
    {
        var prefix = $"p:{tag}:";
        var client = Client(prefix);
        var error = await Assert.ThrowsAsync<CrossSlotException>(() => client.RunScriptAsync("set2", "a", "b", "1"));
        Assert.Equal(new[] { mux.HashSlot(prefix + "a"), mux.HashSlot(prefix + "b") }, error.Slots);
        Assert.Throws<CrossSlotException>(() => client.Pipeline().RawCommand("MSET", (RedisKey)"a", "1", (RedisKey)"b", "2"));
        Assert.False(await mux.GetDatabase().KeyExistsAsync(prefix + "a"));
    }

    [Fact]
    public async Task A_handle_run_on_a_database_prefixed_by_StackExchange_Redis_is_left_to_its_own_slot_check()
    {
        var client = Client("");
        var handle = client.GetScript("set2");
        // The client cannot see the prefix of a WithKeyPrefix database: StackExchange.Redis checks
        // the prefixed keys itself, and a tag in the prefix makes any keys fit.
        var tagged = mux.GetDatabase().WithKeyPrefix($"{{{tag}}}:");
        Assert.Equal($"{{{tag}}}:a|3", (string?)await handle.RunOnAsync(tagged, new RedisKey[] { "a", "b" }, new RedisValue[] { "3" }));
    }
}
