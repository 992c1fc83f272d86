using System.Globalization;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The Functions backend on a single node: commands run as FCALL of one library per client, the
/// library is loaded on first use and healed after FUNCTION FLUSH, pipelines and transactions keep
/// their order and never half-apply, and Auto falls back to scripts where FUNCTION LOAD is refused.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class FunctionsTests : IDisposable
{
    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "fn:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public FunctionsTests(RedisFixture redis)
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

    private long Calls(string command) => Wire.Calls(redis.AdminServer, command);

    private IDatabase Db => mux.GetDatabase();

    private async Task<IReadOnlyList<string>> LibraryNames()
    {
        var list = (RedisResult[])(await redis.AdminServer.ExecuteAsync("FUNCTION", "LIST"))!;
        return list.Select(entry => (string)((RedisResult[])entry!)[1]!).ToList();
    }

    [Fact]
    public async Task Calls_run_as_FCALL_of_the_clients_library_and_never_as_scripts()
    {
        var (evals, evalshas, fcalls, fcallRos) = (Calls("eval"), Calls("evalsha"), Calls("fcall"), Calls("fcall_ro"));

        Assert.Equal("5", (string?)await client.RunScriptAsync("incr_by", Key("n"), 5));
        Assert.Equal("7", (string?)await client.RunScriptAsync("incr_by", Key("n"), 2));
        Assert.Equal("7", (string?)await client.RunScriptAsync("peek", Key("n")));

        Assert.Equal(2, Calls("fcall") - fcalls);
        Assert.Equal(1, Calls("fcall_ro") - fcallRos);
        Assert.Equal(0, Calls("eval") - evals);
        Assert.Equal(0, Calls("evalsha") - evalshas);
        Assert.Contains(client.DescribeFunctionLibrary().Name, await LibraryNames());
        Assert.Equal(ScriptBackend.Functions, client.ActiveBackend);
        Assert.Contains(client.GetScript("incr_by").LoadedOn, e => e.ToString() == redis.AdminServer.EndPoint.ToString());
    }

    [Fact]
    public async Task SCRIPT_FLUSH_does_not_touch_the_library()
    {
        await client.RunScriptAsync("incr_by", Key("n"), 1);
        var loads = Calls("function|load");

        for (var i = 0; i < 5; i++)
        {
            await redis.AdminServer.ExecuteAsync("SCRIPT", "FLUSH");
            await client.RunScriptAsync("incr_by", Key("n"), 1);
        }

        Assert.Equal("6", (string?)await Db.StringGetAsync(Key("n")));
        Assert.Equal(loads, Calls("function|load"));
    }

    [Fact]
    public async Task A_FUNCTION_FLUSH_is_healed_by_the_next_call_which_runs_once()
    {
        await client.RunScriptAsync("incr_by", Key("n"), 1);
        await redis.AdminServer.ExecuteAsync("FUNCTION", "FLUSH");
        var loads = Calls("function|load");

        var profiled = await Wire.Profile(mux, async () => Assert.Equal("2", (string?)await client.RunScriptAsync("incr_by", Key("n"), 1)));

        Assert.Equal(1, Calls("function|load") - loads);
        Assert.Equal(2, Wire.RoundTrips(profiled)); // the refused FCALL; then the load and the FCALL again, pipelined
        Assert.Contains(client.DescribeFunctionLibrary().Name, await LibraryNames());
    }

    [Fact]
    public async Task Concurrent_calls_after_a_FUNCTION_FLUSH_all_succeed_and_each_runs_once()
    {
        await client.RunScriptAsync("incr_by", Key("n"), 0);
        await redis.AdminServer.ExecuteAsync("FUNCTION", "FLUSH");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.RunScriptAsync("incr_by", Key("n"), 1)));

        Assert.Equal("50", (string?)await Db.StringGetAsync(Key("n")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pipeline_or_transaction_after_a_FUNCTION_FLUSH_keeps_its_order(bool transaction)
    {
        await client.RunScriptAsync("incr_by", Key("n"), 0);
        await redis.AdminServer.ExecuteAsync("FUNCTION", "FLUSH");
        var batch = transaction ? client.Transaction() : client.Pipeline();

        var replies = await batch
            .RunScript("incr_by", Key("n"), 1)
            .RawCommand("GET", (RedisKey)Key("n"))
            .RunScript("incr_by", Key("n"), 1)
            .RunScript("peek", Key("n"))
            .ExecuteAsync();

        Assert.Equal(new[] { "1", "1", "2", "2" }, replies.Select(r => (string?)r));
        Assert.Contains(client.DescribeFunctionLibrary().Name, await LibraryNames());
    }

    [Fact]
    public async Task A_pipeline_with_the_library_in_place_sends_no_script_and_loads_nothing_new()
    {
        await client.RunScriptAsync("incr_by", Key("n"), 0);
        var (evals, libraries) = (Calls("eval"), (await LibraryNames()).Count);

        var pipeline = client.Pipeline();
        for (var i = 0; i < 100; i++) pipeline.RunScript("incr_by", Key("n"), 1);
        var replies = await pipeline.ExecuteAsync();

        Assert.Equal("100", (string?)replies[^1]);
        Assert.Equal(0, Calls("eval") - evals);
        Assert.Equal(libraries, (await LibraryNames()).Count);
    }

    [Fact]
    public async Task A_script_error_is_the_scripts_own_and_loads_nothing()
    {
        client.DefineCommand("fail", new CommandDefinition("return redis.error_reply('boom')") { Keys = 0 });
        await client.RunScriptAsync("incr_by", Key("n"), 1);
        var loads = Calls("function|load");

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("fail"));

        Assert.Contains("boom", error.ServerMessage);
        Assert.Equal("fail", error.ScriptName);
        Assert.Equal(loads, Calls("function|load"));
    }

    [Fact]
    public async Task A_body_with_a_shebang_runs_as_a_script_and_the_library_says_so()
    {
        client.DefineCommand("flagged", new CommandDefinition("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])") { Keys = 1 });
        await Db.StringSetAsync(Key("s"), "v");
        var evals = Calls("eval") + Calls("evalsha");

        Assert.Equal("v", (string?)await client.RunScriptAsync("flagged", Key("s")));

        var library = client.DescribeFunctionLibrary();
        Assert.Contains("#!", library.Excluded["flagged"]);
        Assert.False(library.Functions.ContainsKey("flagged"));
        Assert.Equal(1, Calls("eval") + Calls("evalsha") - evals);
    }

    [Fact]
    public async Task A_body_that_does_not_compile_runs_as_a_script_with_its_own_error_and_the_rest_stay_functions()
    {
        client.DefineCommand("broken", new CommandDefinition("return x = ") { Keys = 0 });
        var fcalls = Calls("fcall");

        Assert.Equal("3", (string?)await client.RunScriptAsync("incr_by", Key("n"), 3));
        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("broken"));

        Assert.Contains("Error compiling script", error.ServerMessage);
        Assert.Equal(1, Calls("fcall") - fcalls);
        var library = client.DescribeFunctionLibrary();
        Assert.Contains("would not compile", library.Excluded["broken"]);
        Assert.True(library.Functions.ContainsKey("incr_by"));
    }

    [Fact]
    public async Task A_redefinition_deploys_a_new_library_version_and_runs_the_new_body()
    {
        await client.RunScriptAsync("incr_by", Key("n"), 1);
        var before = client.DescribeFunctionLibrary().Name;
        var oldHandle = client.GetScript("incr_by");

        client.DefineCommand("incr_by", new CommandDefinition("return 'new ' .. redis.call('INCRBY', KEYS[1], ARGV[1])") { Keys = 1 });
        var reply = (string?)await client.RunScriptAsync("incr_by", Key("n"), 1);
        var old = (string?)await oldHandle.RunAsync(new RedisKey[] { Key("n") }, new RedisValue[] { 1 });

        var after = client.DescribeFunctionLibrary().Name;
        Assert.NotEqual(before, after);
        Assert.Equal("new 2", reply);
        Assert.Equal("3", old); // a handle to the old definition keeps running the old body (as a script)
        var names = await LibraryNames();
        Assert.Contains(after, names);
        Assert.DoesNotContain(before, names); // the version this client loaded before is deleted
    }

    [Fact]
    public async Task A_registry_that_keeps_changing_leaves_one_library_on_the_server()
    {
        var libraries = (await LibraryNames()).Count;

        for (var i = 0; i < 20; i++)
        {
            client.DefineCommand("version", new CommandDefinition($"return {i}") { Keys = 0 });
            Assert.Equal(i, (int)await client.RunScriptAsync("version"));
            Assert.Equal("1", (string?)await client.RunScriptAsync("incr_by", Key($"v{i}"), 1));
        }

        var names = await LibraryNames();
        Assert.Equal(libraries + 1, names.Count);
        Assert.Contains(client.DescribeFunctionLibrary().Name, names);
    }

    [Fact]
    public async Task Preload_loads_the_library_with_FUNCTION_LOAD_REPLACE()
    {
        var loads = Calls("function|load");

        var loaded = await client.PreloadScriptsAsync();

        Assert.Equal(2, loaded); // two functions on one primary
        Assert.Equal(1, Calls("function|load") - loads);
        Assert.Contains(client.DescribeFunctionLibrary().Name, await LibraryNames());
        var fcalls = Calls("fcall");
        await client.RunScriptAsync("incr_by", Key("n"), 1);
        Assert.Equal(1, Calls("fcall") - fcalls);
        Assert.Equal(1, Calls("function|load") - loads);
    }

    [Fact]
    public async Task Two_clients_with_different_registries_keep_their_own_libraries()
    {
        using var otherMux = redis.Connect();
        var other = new ScriptClient(otherMux, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        other.DefineCommand("incr_by", new CommandDefinition("return 'other'") { Keys = 1 });

        Assert.Equal("other", (string?)await other.RunScriptAsync("incr_by", Key("n"), 1));
        Assert.Equal("1", (string?)await client.RunScriptAsync("incr_by", Key("n"), 1));
        Assert.Equal("other", (string?)await other.RunScriptAsync("incr_by", Key("n"), 1));

        var names = await LibraryNames();
        Assert.Contains(client.DescribeFunctionLibrary().Name, names);
        Assert.Contains(other.DescribeFunctionLibrary().Name, names);
        Assert.NotEqual(client.DescribeFunctionLibrary().Name, other.DescribeFunctionLibrary().Name);
    }

    [Fact]
    public async Task Without_FUNCTION_LOAD_permission_Auto_picks_scripts_and_Functions_fails_naming_the_refusal()
    {
        var user = "nofn" + Guid.NewGuid().ToString("N")[..6];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-function");
        try
        {
            using var limited = redis.Connect($"user={user},password=secret");
            var auto = new ScriptClient(limited, new ScriptClientOptions { Backend = ScriptBackend.Auto });
            auto.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
            var functions = new ScriptClient(limited, new ScriptClientOptions { Backend = ScriptBackend.Functions });
            functions.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });

            Assert.Equal("1", (string?)await auto.RunScriptAsync("incr_by", Key("a"), 1));
            Assert.Equal(ScriptBackend.Scripts, auto.ActiveBackend);

            var error = await Assert.ThrowsAsync<FunctionLibraryLoadException>(() => functions.RunScriptAsync("incr_by", Key("f"), 1));
            Assert.Contains("NOPERM", error.Message);
            Assert.Equal("incr_by", error.ScriptName);
            Assert.Equal(functions.DescribeFunctionLibrary().Name, error.LibraryName);

            var pipeline = functions.Pipeline().RawCommand("SET", (RedisKey)Key("p"), "x").RunScript("incr_by", Key("f"), 1);
            var failed = await Assert.ThrowsAsync<PipelineExecutionException>(() => pipeline.ExecuteAsync());
            Assert.Equal(2, failed.Failures.Count);
            Assert.False(await Db.KeyExistsAsync(Key("p"))); // nothing of it was sent
            Assert.False(await Db.KeyExistsAsync(Key("f")));
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task Auto_picks_functions_on_Redis_7_with_FUNCTION_LOAD()
    {
        var auto = new ScriptClient(mux, new ScriptClientOptions { Backend = ScriptBackend.Auto });
        auto.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        Assert.Equal(ScriptBackend.Scripts, auto.ActiveBackend); // undecided until the first call
        var fcalls = Calls("fcall");

        await auto.RunScriptAsync("incr_by", Key("n"), 1);

        Assert.Equal(ScriptBackend.Functions, auto.ActiveBackend);
        Assert.Equal(1, Calls("fcall") - fcalls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_restart_the_library_is_still_there_with_persistence_and_healed_on_first_use_without(bool persistence)
    {
        using var server = persistence
            ? RedisServer.Start("--appendonly", "yes", "--appendfsync", "always")
            : RedisServer.Start();
        using var own = ConnectionMultiplexer.Connect($"{server.EndPoint},allowAdmin=true,abortConnect=false");
        var restarted = new ScriptClient(own, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        restarted.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        Assert.Equal("1", (string?)await restarted.RunScriptAsync("incr_by", "n", 1));

        server.Restart();
        var admin = own.GetServer(server.EndPoint);
        await ClusterOps.WaitUntil(() => admin.IsConnected, TimeSpan.FromSeconds(20), "the client to reconnect");
        var libraryThere = ((RedisResult[])(await admin.ExecuteAsync("FUNCTION", "LIST"))!).Length == 1;
        var (loads, fcalls) = (Wire.Calls(admin, "function|load"), Wire.Calls(admin, "fcall"));

        var reply = (string?)await restarted.RunScriptAsync("incr_by", "n", 1);

        Assert.Equal(persistence, libraryThere);
        Assert.Equal(persistence ? "2" : "1", reply); // without persistence the counter was lost with the library
        Assert.Equal(persistence ? 0 : 1, Wire.Calls(admin, "function|load") - loads);
        Assert.Equal(persistence ? 1 : 2, Wire.Calls(admin, "fcall") - fcalls); // healed: one refused FCALL, then the call
        Assert.Equal("1", ((RedisResult[])(await admin.ExecuteAsync("FUNCTION", "LIST"))!).Length.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SCRIPT_FLUSH_every_100_ms_under_load_costs_no_FCALL_error_and_no_reload()
    {
        await client.RunScriptAsync("incr_by", Key("load"), 0);
        var (loads, evals) = (Calls("function|load"), Calls("eval") + Calls("evalsha"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var flusher = Task.Run(async () =>
        {
            var flushes = 0;
            while (!stop.IsCancellationRequested)
            {
                await redis.AdminServer.ExecuteAsync("SCRIPT", "FLUSH");
                flushes++;
                await Task.Delay(100);
            }
            return flushes;
        });
        var errors = 0;
        var done = 0;
        var pipelines = 0;
        var workers = Enumerable.Range(0, 16).Select(async w =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (w % 2 == 0) await client.RunScriptAsync("incr_by", Key("load"), 1);
                    else
                    {
                        await client.Pipeline().RunScript("incr_by", Key("load"), 1).RunScript("peek", Key("load")).ExecuteAsync();
                        Interlocked.Increment(ref pipelines);
                    }
                    Interlocked.Increment(ref done);
                }
                catch (LuaScriptException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });

        await Task.WhenAll(workers);
        var flushes = await flusher;

        Assert.True(flushes >= 10, $"{flushes} flushes");
        Assert.True(done > 100, $"{done} calls");
        Assert.Equal(0, errors);
        Assert.True(pipelines > 0, $"{pipelines} pipelines");
        // The library was proved loaded when it was deployed: pipelines of FCALLs send no guard, nothing reloads.
        Assert.Equal(0, Calls("function|load") - loads);
        Assert.Equal(0, Calls("eval") + Calls("evalsha") - evals);
    }

    [Fact]
    public void A_backend_out_of_range_is_refused_when_the_client_is_made()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptClient(mux, new ScriptClientOptions { Backend = (ScriptBackend)7 }));
        Assert.Contains("Scripts, Functions or Auto", error.Message);
    }

    [Fact]
    public async Task Bodies_that_would_swallow_the_rest_of_the_library_are_found_and_left_out_together()
    {
        client.DefineCommand("a_comment", new CommandDefinition("return 1 --[[ never closed") { Keys = 0 });
        client.DefineCommand("b_varargs", new CommandDefinition("return select('#', ...)") { Keys = 0 });
        client.DefineCommand("c_extra_end", new CommandDefinition("return 1 end") { Keys = 0 });
        var loads = Calls("function|load");

        Assert.Equal("1", (string?)await client.RunScriptAsync("incr_by", Key("n"), 1));

        var library = client.DescribeFunctionLibrary();
        Assert.Equal(new[] { "a_comment", "b_varargs", "c_extra_end" }, library.Excluded.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Contains("unfinished long comment", library.Excluded["a_comment"]);
        Assert.Contains("vararg", library.Excluded["b_varargs"]);
        Assert.Equal(new[] { "incr_by", "peek" }, library.Functions.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(2, Calls("function|load") - loads); // the failed load, then the library without them
        // As scripts they behave exactly as with the Scripts backend: `...` is fine in a top-level
        // chunk, the others carry their own compile error.
        Assert.Equal(0, (int)await client.RunScriptAsync("b_varargs"));
        Assert.Contains("unfinished long comment", (await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("a_comment"))).ServerMessage);
        Assert.Contains("Error compiling script", (await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("c_extra_end"))).ServerMessage);
    }

    [Theory]
    [InlineData(ScriptBackend.Scripts)]
    [InlineData(ScriptBackend.Functions)]
    public async Task A_transaction_started_while_the_server_is_down_runs_whole_once_it_is_back(ScriptBackend backend)
    {
        using var server = RedisServer.Start("--appendonly", "yes", "--appendfsync", "always");
        using var own = ConnectionMultiplexer.Connect($"{server.EndPoint},abortConnect=false,syncTimeout=15000,asyncTimeout=15000");
        var down = new ScriptClient(own, new ScriptClientOptions { Backend = backend });
        down.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        Assert.Equal("1", (string?)await down.RunScriptAsync("incr_by", "n", 1));
        var endPoint = own.GetEndPoints()[0];

        server.Kill();
        await ClusterOps.WaitUntil(() => !own.GetServer(endPoint).IsConnected, TimeSpan.FromSeconds(10), "the client to see the server down");
        var transaction = down.Transaction()
            .RunScript("incr_by", "n", 1).RawCommand("GET", (RedisKey)"n").RunScript("incr_by", "n", 1)
            .ExecuteAsync();
        await Task.Delay(300);
        server.Restart();

        Assert.Equal(new[] { "2", "2", "3" }, (await transaction).Select(r => (string?)r));
        Assert.Equal("4", (string?)await down.RunScriptAsync("incr_by", "n", 1));
    }

    [Fact]
    public async Task Auto_picks_scripts_when_a_server_is_older_than_Redis_7()
    {
        // The client knows a server's version from HELLO or INFO. Configured for Redis 5 (so it sends no
        // HELLO) and as a user without INFO, the multiplexer keeps the version its configuration
        // names, as it would see an old server.
        var user = "old" + Guid.NewGuid().ToString("N")[..6];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-info");
        try
        {
            using var old = redis.Connect($"user={user},password=secret,protocol=resp2,version=5.0.0");
            Assert.True(old.GetServer(old.GetEndPoints()[0]).Version < new Version(7, 0), "the multiplexer believes an old server");
            var auto = new ScriptClient(old, new ScriptClientOptions { Backend = ScriptBackend.Auto });
            auto.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
            var (fcalls, loads) = (Calls("fcall"), Calls("function|load"));

            Assert.Equal("1", (string?)await auto.RunScriptAsync("incr_by", Key("old"), 1));
            Assert.Equal(new[] { "2", "3" }, (await auto.Pipeline().RunScript("incr_by", Key("old"), 1).RunScript("incr_by", Key("old"), 1).ExecuteAsync()).Select(r => (string?)r));

            Assert.Equal(ScriptBackend.Scripts, auto.ActiveBackend);
            Assert.Equal(0, Calls("fcall") - fcalls);
            Assert.Equal(0, Calls("function|load") - loads);
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task Under_OOM_reads_still_run_and_a_transaction_is_refused_whole_naming_the_library()
    {
        using var server = RedisServer.Start("--maxmemory-policy", "noeviction");
        using var own = ConnectionMultiplexer.Connect($"{server.EndPoint},allowAdmin=true,abortConnect=false");
        var full = new ScriptClient(own, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        full.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        full.DefineCommand("peek", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1, ReadOnly = true });
        Assert.Equal("1", (string?)await full.RunScriptAsync("incr_by", "n", 1));
        var admin = own.GetServer(server.EndPoint);
        await admin.ExecuteAsync("CONFIG", "SET", "maxmemory", "1"); // every write is now refused

        // A read-only function runs, alone and in a pipeline (whose guard is refused, fire-and-forget).
        Assert.Equal("1", (string?)await full.RunScriptAsync("peek", "n"));
        Assert.Equal(new[] { "1", "1" }, (await full.Pipeline().RunScript("peek", "n").RawCommand("GET", (RedisKey)"n").ExecuteAsync()).Select(r => (string?)r));
        // A writing function is refused before it runs.
        var refused = await Assert.ThrowsAsync<ScriptRefusedException>(() => full.RunScriptAsync("incr_by", "n", 1));
        Assert.Equal(RefusalReason.OutOfMemory, refused.Reason);
        Assert.StartsWith("OOM", refused.ServerMessage);
        // A transaction is refused whole: the server refuses FCALL_RO inside MULTI under OOM too.
        var whole = await Assert.ThrowsAsync<PipelineExecutionException>(() => full.Transaction().RunScript("peek", "n").ExecuteAsync());
        Assert.Contains("EXECABORT", Assert.Single(whole.Failures).Message);
        // One that mixes in other commands carries the library guard, a write command: the reason
        // names the library.
        var discarded = await Assert.ThrowsAsync<PipelineExecutionException>(
            () => full.Transaction().RunScript("peek", "n").RawCommand("GET", (RedisKey)"n").ExecuteAsync());
        Assert.Equal(2, discarded.Failures.Count);
        var failure = discarded.Failures[0];
        Assert.Contains("EXECABORT", failure.Message);
        Assert.Contains(full.DescribeFunctionLibrary().Name, failure.Message);
        Assert.Contains("OOM", failure.Message);

        await admin.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        Assert.Equal("1", (string?)await own.GetDatabase().StringGetAsync("n")); // nothing wrote
    }
}
