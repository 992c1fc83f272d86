using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

[Collection(RedisCollectionDefinition.Name)]
public sealed class PipelineTests : IDisposable
{
    private const string IncrBy = Lua.IncrBy;

    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "p:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public PipelineTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        client.DefineCommand("get_via_script", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1 });
        client.DefineCommand("count_keys", new CommandDefinition("return #KEYS .. ':' .. #ARGV"));
        client.DefineCommand("raise", new CommandDefinition("return redis.error_reply('boom ' .. ARGV[1])") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    private long Calls(string command) => Wire.Calls(redis.AdminServer, command);

    private Task Flush() => redis.AdminServer.ScriptFlushAsync();

    [BatchProfilingFact]
    public async Task A_thousand_script_calls_are_one_round_trip_and_one_body_even_after_a_flush()
    {
        if (TestBackend.IsFunctions)
        {
            await A_thousand_function_calls_are_two_round_trips_with_one_guard_after_an_unseen_FUNCTION_FLUSH();
            return;
        }
        await Flush();
        var pipe = client.Pipeline();
        for (var i = 0; i < 1000; i++) pipe.RunScript("incr", Key("n"), 1);
        var eval = Calls("eval");
        var evalsha = Calls("evalsha");
        RedisResult[] results = Array.Empty<RedisResult>();

        var sent = await Wire.Profile(mux, async () => results = await pipe.ExecuteAsync());

        Assert.Equal(1000, sent.Count);
        Assert.Equal(1, Wire.RoundTrips(sent));
        Assert.Equal(eval + 1, Calls("eval"));
        Assert.Equal(evalsha + 999, Calls("evalsha"));
        Assert.Equal(Enumerable.Range(1, 1000), results.Select(r => (int)r));
        Assert.DoesNotContain(sent, c => c.Command == "SCRIPT");
    }

    // The Functions counterpart: what SCRIPT FLUSH is to scripts, FUNCTION FLUSH is to the library.
    // The first call deploys this registry's library, which proves it loaded, so the pipeline of
    // FCALLs goes without a guard; after a FUNCTION FLUSH the client has not seen, every call is
    // refused "Function not found" (nothing ran) and the whole pipeline is sent again, in order, in
    // one batch behind one FUNCTION LOAD: two round trips, each call run once.
    private async Task A_thousand_function_calls_are_two_round_trips_with_one_guard_after_an_unseen_FUNCTION_FLUSH()
    {
        await client.RunScriptAsync("incr", Key("warm"), 1);
        await redis.AdminServer.ExecuteAsync("FUNCTION", "FLUSH");
        var pipe = client.Pipeline();
        for (var i = 0; i < 1000; i++) pipe.RunScript("incr", Key("n"), 1);
        var (eval, evalsha, fcall) = (Calls("eval"), Calls("evalsha"), Calls("fcall"));
        var loads = Wire.Succeeded(redis.AdminServer, "function|load");
        RedisResult[] results = Array.Empty<RedisResult>();

        var sent = await Wire.Profile(mux, async () => results = await pipe.ExecuteAsync());

        Assert.Equal(2000, sent.Count(c => c.Command == "FCALL"));
        Assert.Equal(1, sent.Count(c => c.Command == "FUNCTION"));
        Assert.Equal(2001, sent.Count);
        Assert.Equal(2, Wire.RoundTrips(sent));
        Assert.Equal(eval, Calls("eval"));
        Assert.Equal(evalsha, Calls("evalsha"));
        Assert.Equal(fcall + 2000, Calls("fcall")); // refused once, ran once
        Assert.Equal(loads + 1, Wire.Succeeded(redis.AdminServer, "function|load"));
        Assert.Equal(Enumerable.Range(1, 1000), results.Select(r => (int)r));
        Assert.DoesNotContain(sent, c => c.Command == "SCRIPT");
    }

    // A pipeline longer than 256 steps is queued whole, then written in batches of 256 (each flushed
    // as it is written, so the server starts on the first while the rest are written): one round
    // trip, in order, and every call exists before the first is written, so that a command made
    // after a reply always belongs to another round trip.
    [BatchProfilingFact]
    public async Task A_long_pipeline_is_queued_whole_then_written_in_one_round_trip_and_in_order()
    {
        await client.RunScriptAsync("incr", Key("warm"), 1); // proves the script (or the library) loaded
        var pipe = client.Pipeline();
        for (var i = 0; i < 1000; i++) pipe.RunScript("incr", Key("n"), 1);
        RedisResult[] results = Array.Empty<RedisResult>();

        var sent = await Wire.Profile(mux, async () => results = await pipe.ExecuteAsync());

        var calls = sent.Where(c => c.Command is "EVAL" or "EVALSHA" or "FCALL").ToList();
        Assert.Equal(1000, calls.Count);
        Assert.Equal(1, Wire.RoundTrips(sent));
        Assert.Equal(Enumerable.Range(1, 1000), results.Select(r => (int)r));
        var lastCreated = calls.Max(c => c.CommandCreated);
        var firstWritten = calls.Min(c => c.CommandCreated + c.CreationToEnqueued + c.EnqueuedToSending);
        Assert.True(lastCreated <= firstWritten,
            $"a call was written at {firstWritten:HH:mm:ss.ffffff}, before the last was created ({lastCreated:HH:mm:ss.ffffff})");
    }

    [Fact]
    public async Task The_callers_order_holds_after_a_flush()
    {
        await client.RunScriptAsync("get_via_script", Key("foo")); // known loaded, then the server forgets it
        await Flush();

        var results = await client.Pipeline()
            .RunScript("get_via_script", Key("foo"))
            .RawCommand("SET", (RedisKey)Key("foo"), "X")
            .RunScript("get_via_script", Key("foo"))
            .ExecuteAsync();

        Assert.True(results[0].IsNull);
        Assert.Equal("OK", (string?)results[1]);
        Assert.Equal("X", (string?)results[2]);
    }

    [Fact]
    public async Task The_same_script_ten_times_after_a_flush_counts_one_to_ten()
    {
        await Flush();
        var pipe = client.Pipeline();
        for (var i = 0; i < 10; i++) pipe.RunScript("incr", Key("ten"), 1);
        var results = await pipe.ExecuteAsync();
        Assert.Equal(Enumerable.Range(1, 10), results.Select(r => (int)r));
    }

    [Fact]
    public async Task Dynamic_key_scripts_with_two_three_and_one_keys()
    {
        var results = await client.Pipeline()
            .RunScript("count_keys", 2, Key("a"), Key("b"), "x")
            .RunScript("count_keys", 3, Key("a"), Key("b"), Key("c"))
            .RunScript("count_keys", new RedisKey[] { Key("a") }, new RedisValue[] { "x", "y" })
            .ExecuteAsync();
        Assert.Equal(new[] { "2:1", "3:0", "1:2" }, results.Select(r => (string?)r));
    }

    [Fact]
    public async Task Plain_commands_and_scripts_interleave_in_order()
    {
        var results = await client.Pipeline()
            .RawCommand("SET", (RedisKey)Key("i"), 10)
            .RunScript("incr", Key("i"), 5)
            .RawCommand("INCR", (RedisKey)Key("i"))
            .RunScript("incr", Key("i"), 100)
            .RawCommand("GET", (RedisKey)Key("i"))
            .ExecuteAsync();
        Assert.Equal(new[] { "OK", "15", "16", "116", "116" }, results.Select(r => (string?)r));
    }

    [Fact]
    public async Task An_unknown_script_or_bad_arguments_fail_at_queue_time_and_nothing_is_sent()
    {
        var pipe = client.Pipeline().RawCommand("SET", (RedisKey)Key("never"), "1");
        Assert.Throws<UnknownScriptException>(() => pipe.RunScript("missing", Key("x")));
        Assert.Throws<ScriptArgumentException>(() => pipe.RunScript("incr"));
        Assert.Throws<ScriptArgumentException>(() => pipe.RunScript("count_keys", 5, Key("x")));
        Assert.Equal(1, pipe.Count);
        Assert.False(await mux.GetDatabase().KeyExistsAsync(Key("never")));
    }

    [Fact]
    public async Task An_empty_pipeline_returns_nothing_without_a_round_trip()
    {
        RedisResult[] results = new RedisResult[1];
        var sent = await Wire.Profile(mux, async () => results = await client.Pipeline().ExecuteAsync());
        Assert.Empty(results);
        Assert.Empty(sent);
    }

    [Fact]
    public async Task A_pipeline_executes_once()
    {
        var pipe = client.Pipeline().RunScript("incr", Key("once"), 1);
        await pipe.ExecuteAsync();
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => pipe.ExecuteAsync());
        Assert.Contains("already been executed", again.Message);
        Assert.Equal(LuaScripts.Core.Messages.AlreadyExecuted(false), again.Message);
        var transaction = client.Transaction().RunScript("incr", Key("once-tx"), 1);
        await transaction.ExecuteAsync();
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => transaction.ExecuteAsync());
        Assert.Contains("This transaction has already been executed", twice.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => pipe.RunScript("incr", Key("once"), 1));
        Assert.Equal(1, (long)await mux.GetDatabase().StringGetAsync(Key("once")));
    }

    [Fact]
    public void A_blank_raw_command_name_is_refused_with_the_cores_wording()
    {
        var blank = Assert.Throws<ArgumentException>(() => client.Pipeline().RawCommand(" ", Key("blank")));
        Assert.StartsWith("A command name is required.", blank.Message, StringComparison.Ordinal);
        Assert.Equal("command", blank.ParamName);
    }

    [Fact]
    public async Task A_failed_command_or_script_keeps_every_other_reply()
    {
        await mux.GetDatabase().StringSetAsync(Key("str"), "text");
        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => client.Pipeline()
            .RunScript("incr", Key("ok"), 1)
            .RawCommand("LPUSH", (RedisKey)Key("str"), "x")
            .RunScript("raise", "it")
            .RawCommand("GET", (RedisKey)Key("str"))
            .ExecuteAsync());

        Assert.Equal(2, error.Failures.Count);
        Assert.Equal(1, error.Failures[0].Index);
        Assert.Equal("LPUSH", error.Failures[0].Name);
        Assert.Contains("WRONGTYPE", error.Failures[0].Message);
        Assert.Equal(2, error.Failures[1].Index);
        Assert.Equal("raise", error.Failures[1].Name);
        Assert.Contains("boom it", error.Failures[1].Message);
        Assert.Equal(1, (int)error.Results[0]!);
        Assert.Null(error.Results[1]);
        Assert.Null(error.Results[2]);
        Assert.Equal("text", (string?)error.Results[3]);
        Assert.Contains("#1 'LPUSH'", error.Message);
    }

    [Fact]
    public async Task A_transaction_after_a_flush_applies_everything()
    {
        await client.RunScriptAsync("incr", Key("t"), 1);
        await Flush();
        var eval = Calls("eval");
        var fcall = Calls("fcall");

        var results = await client.Transaction()
            .RawCommand("SET", (RedisKey)Key("a"), "1")
            .RunScript("incr", Key("t"), 1)
            .RunScript("incr", Key("t"), 1)
            .RawCommand("SET", (RedisKey)Key("b"), "2")
            .ExecuteAsync();

        Assert.Equal(new[] { "OK", "2", "3", "OK" }, results.Select(r => (string?)r));
        Assert.Equal("1", (string?)await mux.GetDatabase().StringGetAsync(Key("a")));
        Assert.Equal("2", (string?)await mux.GetDatabase().StringGetAsync(Key("b")));
        if (TestBackend.IsFunctions)
            Assert.Equal((eval, fcall + 2), (Calls("eval"), Calls("fcall"))); // SCRIPT FLUSH left the library: two FCALLs within EXEC
        else
            Assert.Equal(eval + 1, Calls("eval")); // the body once; the second use was EVALSHA within EXEC
    }

    [Fact]
    public async Task A_script_that_raises_inside_a_transaction_is_a_failed_position()
    {
        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => client.Transaction()
            .RawCommand("SET", (RedisKey)Key("x"), "1")
            .RunScript("raise", "tx")
            .RawCommand("SET", (RedisKey)Key("y"), "2")
            .ExecuteAsync());

        var failure = Assert.Single(error.Failures);
        Assert.Equal(1, failure.Index);
        Assert.Equal("raise", failure.Name);
        Assert.Contains("boom tx", failure.Message);
        Assert.Equal("OK", (string?)error.Results[0]);
        Assert.Equal("OK", (string?)error.Results[2]);
        Assert.Contains("transaction", error.Message);
    }

    [Fact]
    public async Task A_discarded_transaction_leaves_no_false_loaded_state()
    {
        await Flush();
        var fresh = client.DefineCommand("fresh", new CommandDefinition(IncrBy + " -- " + Guid.NewGuid()) { Keys = 1 });

        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => client.Transaction()
            .RunScript("fresh", Key("d"), 1)
            .RawCommand("SET", (RedisKey)Key("d2")) // wrong arity: the server discards the whole transaction
            .ExecuteAsync());

        Assert.Equal(2, error.Failures.Count);
        Assert.All(error.Failures, f => Assert.Contains("EXECABORT", f.Message));
        if (TestBackend.IsFunctions)
        {
            // Functions: the library is deployed (FUNCTION LOAD, its own round trip) before the
            // transaction is queued, so the server is truly loaded although the transaction was discarded.
            Assert.Equal(new[] { redis.AdminServer.EndPoint.ToString() }, fresh.LoadedOn.Select(e => e.ToString()));
            Assert.Contains(client.DescribeFunctionLibrary().Name, Wire.Libraries(redis.AdminServer));
        }
        else
        {
            Assert.Empty(fresh.LoadedOn);
        }
        Assert.False(await mux.GetDatabase().KeyExistsAsync(Key("d")));
        Assert.Equal(1, (int)await client.RunScriptAsync("fresh", Key("d"), 1));
        var results = await client.Pipeline().RunScript("fresh", Key("d"), 1).ExecuteAsync();
        Assert.Equal(2, (int)results[0]);
    }

    [Fact]
    public async Task A_script_whose_own_error_reads_NOSCRIPT_is_not_resent_from_a_pipeline()
    {
        client.DefineCommand("forged",
            new CommandDefinition("redis.call('INCR', KEYS[1]); return redis.error_reply('NOSCRIPT No matching script. Please use EVAL.')") { Keys = 1 });
        await Flush();

        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => client.Pipeline().RunScript("forged", Key("ran")).ExecuteAsync());

        Assert.Contains("NOSCRIPT", Assert.Single(error.Failures).Message);
        Assert.Equal(1, (long)await mux.GetDatabase().StringGetAsync(Key("ran")));
        Assert.Single(client.GetScript("forged").LoadedOn); // an EVAL is never missing its script: it ran
    }

    [Fact]
    public async Task A_script_that_does_not_compile_fails_every_position_of_a_transaction_with_its_compile_error()
    {
        client.DefineCommand("broken", new CommandDefinition("return (") { Keys = 0 });
        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => client.Transaction()
            .RunScript("broken")
            .RawCommand("SET", (RedisKey)Key("between"), "1")
            .RunScript("broken")
            .ExecuteAsync());

        Assert.Equal(new[] { 0, 2 }, error.Failures.Select(f => f.Index));
        Assert.All(error.Failures, f => Assert.Contains("compiling", f.Message));
        Assert.DoesNotContain(error.Failures, f => f.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal));
        Assert.Equal("OK", (string?)error.Results[1]);
    }

    [Fact]
    public async Task A_transaction_is_one_round_trip_of_MULTI_and_EXEC()
    {
        var tx = client.Transaction();
        for (var i = 0; i < 10; i++) tx.RunScript("incr", Key("ten"), 1);
        RedisResult[] results = Array.Empty<RedisResult>();
        var fcall = Calls("fcall");
        var sent = await Wire.Profile(mux, async () => results = await tx.ExecuteAsync());
        Assert.Equal(Enumerable.Range(1, 10), results.Select(r => (int)r));
        if (TestBackend.IsFunctions)
        {
            // Functions: the first use of a registry version deploys the library (one FUNCTION LOAD
            // round) before MULTI; the library guard and the FCALLs go with MULTI/EXEC in one round trip.
            Assert.Equal(2, Wire.RoundTrips(sent));
            Assert.Equal(1, Wire.RoundTrips(sent.Where(c => c.Command != "FUNCTION")));
            Assert.Equal(fcall + 10, Calls("fcall"));
        }
        else
        {
            Assert.Equal(1, Wire.RoundTrips(sent));
        }
    }
}
