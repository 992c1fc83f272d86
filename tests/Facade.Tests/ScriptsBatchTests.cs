using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The Scripts backend's batches once replies have proved their scripts loaded: a pipeline of
/// nothing but calls, and a transaction of nothing but calls of one script, go without bodies
/// (EVALSHA only), and a SCRIPT FLUSH the client has not seen costs one more round trip, never a
/// doubled, reordered or half-applied call. Batches with raw commands, and transactions of two
/// scripts, keep the body of each script's first call.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ScriptsBatchTests : IDisposable
{
    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "stx:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public ScriptsBatchTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = new ScriptClient(mux, new ScriptClientOptions { Backend = ScriptBackend.Scripts });
        // Bodies of their own (a comment), so no other test's call proves them loaded.
        client.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy + " -- " + prefix) { Keys = 1 });
        client.DefineCommand("peek", new CommandDefinition("return redis.call('GET', KEYS[1]) -- " + prefix) { Keys = 1, ReadOnly = true });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    private long Bodies => Wire.Calls(redis.AdminServer, "eval") + Wire.Calls(redis.AdminServer, "eval_ro");

    private long Shas => Wire.Calls(redis.AdminServer, "evalsha");

    private Task<RedisResult> ScriptFlush() => redis.AdminServer.ExecuteAsync("SCRIPT", "FLUSH");

    private async Task<string?> Counter() => await mux.GetDatabase().StringGetAsync(Key("n"));

    /// <summary>A call whose reply proves the script loaded on the server.</summary>
    private async Task ProveLoaded() => await client.RunScriptAsync("incr_by", new RedisKey[] { Key("n") }, new RedisValue[] { 0 });

    private ScriptPipeline Increments(int count, bool transaction = true)
    {
        var tx = transaction ? client.Transaction() : client.Pipeline();
        for (var i = 0; i < count; i++) tx.RunScript("incr_by", Key("n"), 1);
        return tx;
    }

    [Fact]
    public async Task The_first_transaction_carries_the_body_and_proves_the_script_loaded_for_the_next()
    {
        var bodies = Bodies;

        await Increments(3).ExecuteAsync();
        Assert.Equal(1, Bodies - bodies);

        var shas = Shas;
        var replies = await Increments(3).ExecuteAsync();
        Assert.Equal(new[] { "4", "5", "6" }, replies.Select(r => (string?)r));
        Assert.Equal(1, Bodies - bodies); // no body the second time
        Assert.Equal(3, Shas - shas);
    }

    [Fact]
    public async Task Once_a_reply_proved_the_script_loaded_a_transaction_of_its_calls_sends_no_body()
    {
        await ProveLoaded();
        var bodies = Bodies;

        for (var round = 1; round <= 3; round++)
        {
            var replies = await Increments(10).ExecuteAsync();
            Assert.Equal((10 * round).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)replies[^1]);
        }

        Assert.Equal(bodies, Bodies);
    }

    [Fact]
    public async Task After_an_unseen_SCRIPT_FLUSH_a_transaction_of_one_script_runs_each_call_once()
    {
        await ProveLoaded();
        await ScriptFlush();
        var bodies = Bodies;

        var replies = await Increments(3).ExecuteAsync();

        Assert.Equal(new[] { "1", "2", "3" }, replies.Select(r => (string?)r));
        Assert.Equal("3", await Counter());
        Assert.Equal(1, Bodies - bodies); // the resend's first call
        // The resend's body proved the script loaded again: the next transaction goes without it.
        await Increments(2).ExecuteAsync();
        Assert.Equal(1, Bodies - bodies);
        Assert.Equal("5", await Counter());
    }

    [BatchProfilingFact]
    public async Task After_an_unseen_SCRIPT_FLUSH_a_transaction_of_one_script_is_sent_again_whole_with_its_body()
    {
        await ProveLoaded();
        await ScriptFlush();
        var shas = Shas;

        var sent = await Wire.Profile(mux, async () => await Increments(5).ExecuteAsync());

        Assert.Equal(2, Wire.RoundTrips(sent));
        Assert.Equal(2, sent.Count(c => c.Command == "EXEC"));
        Assert.Equal(5 + 4, Shas - shas); // refused five times, then four after the body
        Assert.Equal("5", await Counter());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_transaction_of_two_scripts_or_with_a_raw_command_keeps_its_bodies_after_an_unseen_SCRIPT_FLUSH(bool raw)
    {
        await client.Pipeline().RawCommand("GET", (RedisKey)Key("n")).ExecuteAsync(); // learns the command table
        await ProveLoaded();
        await client.RunScriptAsync("peek", new RedisKey[] { Key("n") }, Array.Empty<RedisValue>());
        await ScriptFlush();
        var bodies = Bodies;
        var tx = client.Transaction().RunScript("incr_by", Key("n"), 1);
        tx = raw ? tx.RawCommand("GET", (RedisKey)Key("n")) : tx.RunScript("peek", Key("n"));

        var sent = await Wire.Profile(mux, async () =>
        {
            var replies = await tx.RunScript("incr_by", Key("n"), 1).ExecuteAsync();
            Assert.Equal(new[] { "1", "1", "2" }, replies.Select(r => (string?)r));
        });

        Assert.Equal(raw ? 1 : 2, Bodies - bodies); // each script's first call, in the one round
        if (Wire.ProfilesBatches) Assert.Equal(1, Wire.RoundTrips(sent));
    }

    [Fact]
    public async Task Once_replies_proved_its_scripts_loaded_a_pipeline_of_calls_sends_no_body()
    {
        await ProveLoaded();
        await client.RunScriptAsync("peek", new RedisKey[] { Key("n") }, Array.Empty<RedisValue>());
        var bodies = Bodies;

        for (var round = 1; round <= 3; round++)
        {
            var replies = await Increments(10, transaction: false).RunScript("peek", Key("n")).ExecuteAsync();
            Assert.Equal((10 * round).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)replies[^1]);
        }

        Assert.Equal(bodies, Bodies);
    }

    [BatchProfilingFact]
    public async Task After_an_unseen_SCRIPT_FLUSH_a_pipeline_of_calls_runs_each_once_in_order_in_two_round_trips()
    {
        await ProveLoaded();
        await client.RunScriptAsync("peek", new RedisKey[] { Key("n") }, Array.Empty<RedisValue>());
        await ScriptFlush();
        var bodies = Bodies;
        RedisResult[] replies = Array.Empty<RedisResult>();

        var sent = await Wire.Profile(mux, async () =>
            replies = await Increments(3, transaction: false).RunScript("peek", Key("n")).RunScript("incr_by", Key("n"), 1).ExecuteAsync());

        Assert.Equal(new[] { "1", "2", "3", "3", "4" }, replies.Select(r => (string?)r));
        Assert.Equal("4", await Counter());
        Assert.Equal(2, Wire.RoundTrips(sent));
        Assert.Equal(5, Bodies - bodies); // every call that missed, sent again with its body
        // Those bodies proved the scripts loaded again: the next pipeline goes without them.
        await Increments(2, transaction: false).ExecuteAsync();
        Assert.Equal(5, Bodies - bodies);
    }

    [Fact]
    public async Task A_pipeline_with_a_raw_command_keeps_its_bodies_and_its_order_after_an_unseen_SCRIPT_FLUSH()
    {
        await client.Pipeline().RawCommand("GET", (RedisKey)Key("n")).ExecuteAsync(); // learns the command table
        await ProveLoaded();
        await ScriptFlush();
        var bodies = Bodies;

        var replies = await Increments(2, transaction: false).RawCommand("GET", (RedisKey)Key("n")).RunScript("incr_by", Key("n"), 1).ExecuteAsync();

        Assert.Equal(new[] { "1", "2", "2", "3" }, replies.Select(r => (string?)r));
        Assert.Equal(1, Bodies - bodies); // the script's first use in the batch
    }

    [Fact]
    public async Task A_reconnect_forgets_the_proof_so_the_next_transaction_carries_the_body()
    {
        await ProveLoaded();
        await redis.ReconnectAsync(mux);
        var (bodies, shas) = (Bodies, Shas);

        await Increments(2).ExecuteAsync();

        Assert.Equal(1, Bodies - bodies);
        Assert.Equal(1, Shas - shas); // one round: the body, then its EVALSHA
    }
}
