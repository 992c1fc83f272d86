using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The Functions backend's batch guards once a reply has proved the library loaded: a pipeline of
/// FCALLs and a transaction of nothing but FCALLs go without FUNCTION LOAD, and a FUNCTION FLUSH the
/// client has not seen costs one more round trip, never a doubled or half-applied call. Batches that
/// mix FCALLs with other commands keep their guard.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class FunctionsGuardTests : IDisposable
{
    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "fg:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public FunctionsGuardTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = new ScriptClient(mux, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        client.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("peek", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1, ReadOnly = true });
    }

    public void Dispose()
    {
        redis.AdminServer.Execute("FUNCTION", "FLUSH");
        mux.Dispose();
    }

    private string Key(string name) => prefix + name;

    private long Loads => Wire.Calls(redis.AdminServer, "function|load");

    private Task<RedisResult> FunctionFlush() => redis.AdminServer.ExecuteAsync("FUNCTION", "FLUSH");

    /// <summary>A pipeline of FCALLs whose replies prove the library loaded on the server.</summary>
    private async Task ProveLoaded()
    {
        var replies = await client.Pipeline().RunScript("incr_by", Key("n"), 0).ExecuteAsync();
        Assert.Single(replies);
    }

    private ScriptPipeline Increments(bool transaction, int count)
    {
        var batch = transaction ? client.Transaction() : client.Pipeline();
        for (var i = 0; i < count; i++) batch.RunScript("incr_by", Key("n"), 1);
        return batch.RunScript("peek", Key("n"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Once_a_reply_proved_the_library_loaded_a_batch_of_FCALLs_sends_no_guard(bool transaction)
    {
        await ProveLoaded();
        var loads = Loads;

        for (var round = 1; round <= 3; round++)
        {
            var replies = await Increments(transaction, 10).ExecuteAsync();
            Assert.Equal((10 * round).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)replies[^1]);
        }

        Assert.Equal(loads, Loads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_an_unseen_FUNCTION_FLUSH_a_batch_of_FCALLs_runs_each_call_once_in_order(bool transaction)
    {
        await ProveLoaded();
        await FunctionFlush();
        var loads = Loads;

        var replies = await Increments(transaction, 3).ExecuteAsync();

        Assert.Equal(new[] { "1", "2", "3", "3" }, replies.Select(r => (string?)r));
        Assert.Equal("3", (string?)await mux.GetDatabase().StringGetAsync(Key("n")));
        Assert.Equal(1, Loads - loads); // one guarded resend
        // The resend's replies proved the library loaded again: the next batch goes without a guard.
        await Increments(transaction, 1).ExecuteAsync();
        Assert.Equal(1, Loads - loads);
    }

    [BatchProfilingFact]
    public async Task After_an_unseen_FUNCTION_FLUSH_a_pipeline_of_FCALLs_takes_two_round_trips()
    {
        await ProveLoaded();
        await FunctionFlush();

        var sent = await Wire.Profile(mux, async () => await Increments(transaction: false, 5).ExecuteAsync());

        Assert.Equal(2, Wire.RoundTrips(sent.Where(c => c.Command != "FUNCTION")));
        Assert.Equal("5", (string?)await mux.GetDatabase().StringGetAsync(Key("n")));
    }

    [BatchProfilingFact]
    public async Task After_an_unseen_FUNCTION_FLUSH_a_transaction_of_FCALLs_is_sent_again_whole_and_guarded()
    {
        await ProveLoaded();
        await FunctionFlush();
        var (fcalls, loads) = (Wire.Calls(redis.AdminServer, "fcall"), Loads);

        var sent = await Wire.Profile(mux, async () => await Increments(transaction: true, 5).ExecuteAsync());

        Assert.Equal(2, Wire.RoundTrips(sent));
        Assert.Equal(2, sent.Count(c => c.Command == "EXEC"));
        Assert.Equal(1, Loads - loads); // the resend's guard
        Assert.Equal(fcalls + 10, Wire.Calls(redis.AdminServer, "fcall")); // refused once, ran once
        Assert.Equal("5", (string?)await mux.GetDatabase().StringGetAsync(Key("n")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_that_mixes_FCALLs_with_raw_commands_keeps_its_guard_and_its_order_after_an_unseen_FUNCTION_FLUSH(bool transaction)
    {
        await client.Pipeline().RawCommand("GET", (RedisKey)Key("n")).ExecuteAsync(); // learns the command table
        await ProveLoaded();
        await FunctionFlush();
        var loads = Loads;
        var batch = transaction ? client.Transaction() : client.Pipeline();

        var sent = await Wire.Profile(mux, async () =>
        {
            var replies = await batch
                .RunScript("incr_by", Key("n"), 1)
                .RawCommand("GET", (RedisKey)Key("n"))
                .RunScript("incr_by", Key("n"), 1)
                .RawCommand("GET", (RedisKey)Key("n"))
                .ExecuteAsync();
            Assert.Equal(new[] { "1", "1", "2", "2" }, replies.Select(r => (string?)r));
        });

        Assert.Equal(1, Loads - loads); // the guard, ahead of the first FCALL
        if (Wire.ProfilesBatches) Assert.Equal(1, Wire.RoundTrips(sent.Where(c => c.Command != "FUNCTION")));
    }

    [Fact]
    public async Task A_reconnect_forgets_the_proof_so_the_next_pipeline_of_FCALLs_is_guarded()
    {
        await ProveLoaded();
        await redis.ReconnectAsync(mux);
        var loads = Loads;

        await Increments(transaction: false, 2).ExecuteAsync();
        await Increments(transaction: false, 2).ExecuteAsync();

        Assert.Equal(1, Loads - loads); // the first pipeline's guard; its replies proved the library again
    }
}
