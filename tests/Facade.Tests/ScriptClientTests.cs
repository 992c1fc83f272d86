using System.Collections.Concurrent;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

[Collection(RedisCollectionDefinition.Name)]
public sealed class ScriptClientTests : IDisposable
{
    private const string IncrBy = Lua.IncrBy;
    private const string PublishToGroup = Lua.PublishToGroup;
    private const string MgetSum = """
        local sum = 0
        for _, k in ipairs(KEYS) do sum = sum + tonumber(redis.call('GET', k) or '0') end
        return {sum, #ARGV}
        """;

    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "t:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public ScriptClientTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = TestClients.Create(mux);
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    private long Calls(string command) => Wire.Calls(redis.AdminServer, command);

    [Fact]
    public async Task Runs_a_fixed_key_command_with_flat_and_explicit_arguments()
    {
        var db = mux.GetDatabase();
        await db.SetAddAsync(Key("topic"), new RedisValue[] { "a", "b" });
        client.DefineCommand("publish_to_group", new CommandDefinition(PublishToGroup) { Keys = 1, Description = "fan out to members" });

        var flat = await client.RunScriptAsync("publish_to_group", Key("topic"), "hello");
        var explicitly = await client.RunScriptAsync("publish_to_group", new RedisKey[] { Key("topic") }, new RedisValue[] { "again" });

        Assert.Equal(2, (int)flat);
        Assert.Equal(2, (int)explicitly);
        Assert.Equal(new RedisValue[] { "hello", "again" }, await db.ListRangeAsync(Key("topic") + ":queue:a"));
    }

    [Fact]
    public async Task Runs_a_dynamic_key_command_whose_first_argument_is_the_key_count()
    {
        var db = mux.GetDatabase();
        await db.StringSetAsync(Key("k1"), 3);
        await db.StringSetAsync(Key("k2"), 4);
        client.DefineCommand("mget_sum", new CommandDefinition(MgetSum));

        var reply = (RedisResult[])(await client.RunScriptAsync("mget_sum", 2, Key("k1"), Key("k2"), "x"))!;
        var oneKey = (RedisResult[])(await client.RunScriptAsync("mget_sum", 1, Key("k2")))!;

        Assert.Equal(7, (int)reply[0]);
        Assert.Equal(1, (int)reply[1]);
        Assert.Equal(4, (int)oneKey[0]);
        Assert.Equal(0, (int)oneKey[1]);
    }

    [Fact]
    public void The_registry_answers_by_name()
    {
        var handle = client.DefineCommand("publish_to_group", new CommandDefinition(PublishToGroup) { Keys = 1, Description = "fan out" });
        client.DefineCommand("mget_sum", new CommandDefinition(MgetSum) { ReadOnly = true, Install = true });

        Assert.Equal(new[] { "mget_sum", "publish_to_group" }, client.ListScripts());
        var found = client.GetScript("publish_to_group");
        Assert.Equal(handle.Sha1, found.Sha1);
        Assert.Equal(1, found.Keys);
        Assert.Equal("fan out", found.Description);
        Assert.False(found.ReadOnly);
        Assert.True(client.TryGetScript("mget_sum", out var dynamic));
        Assert.Null(dynamic!.Keys);
        Assert.True(dynamic.ReadOnly);
        Assert.True(dynamic.Install);
        Assert.Null(dynamic.Description);
        Assert.False(client.TryGetScript("nope", out var none));
        Assert.Null(none);
        var unknown = Assert.Throws<UnknownScriptException>(() => client.GetScript("nope"));
        Assert.Equal("nope", unknown.ScriptName);
        Assert.True(client.RemoveCommand("mget_sum"));
        Assert.False(client.RemoveCommand("mget_sum"));
        Assert.Equal(new[] { "publish_to_group" }, client.ListScripts());
    }

    [Fact]
    public async Task Another_client_never_sees_a_clients_commands()
    {
        client.DefineCommand("mine", new CommandDefinition("return 1") { Keys = 0 });
        var other = TestClients.Create(mux);
        Assert.Empty(other.ListScripts());
        await Assert.ThrowsAsync<UnknownScriptException>(() => other.RunScriptAsync("mine"));
    }

    [Theory]
    [InlineData("return 'plain ascii'")]
    [InlineData("return 'ünïcödé – 日本語 – 🚀'")]
    public async Task The_local_sha1_equals_what_SCRIPT_LOAD_returns(string lua)
    {
        var handle = client.DefineCommand("sha", new CommandDefinition(lua) { Keys = 0 });
        var loaded = await redis.AdminServer.ScriptLoadAsync(lua);
        Assert.Equal(Convert.ToHexString(loaded).ToLowerInvariant(), handle.Sha1);
        Assert.Matches("^[0-9a-f]{40}$", handle.Sha1);
        Assert.Equal(lua[8..^1], (string?)await handle.RunAsync());
    }

    [Fact]
    public async Task After_the_first_call_every_call_is_EVALSHA_in_one_round_trip()
    {
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        await client.RunScriptAsync("incr", Key("n"), 1);
        var evalBefore = Calls("eval");
        var evalshaBefore = Calls("evalsha");
        var fcallBefore = Calls("fcall");
        var loadsBefore = Calls("function|load");

        for (var i = 0; i < 1000; i++) await client.RunScriptAsync("incr", Key("n"), 1);

        Assert.Equal(evalBefore, Calls("eval"));
        Assert.Equal(1001, (long)await mux.GetDatabase().StringGetAsync(Key("n")));
        var one = await Wire.Profile(mux, () => client.RunScriptAsync("incr", Key("n"), 1));
        Assert.Single(one);
        if (TestBackend.IsFunctions)
        {
            // Functions: every call after the first (which deployed the library) is one FCALL, nothing loaded again.
            Assert.Equal(evalshaBefore, Calls("evalsha"));
            Assert.Equal(fcallBefore + 1001, Calls("fcall"));
            Assert.Equal(loadsBefore, Calls("function|load"));
            Assert.Equal("FCALL", one[0].Command);
        }
        else
        {
            Assert.Equal(evalshaBefore + 1001, Calls("evalsha"));
            Assert.Equal("EVALSHA", one[0].Command);
        }
    }

    [Fact]
    public async Task A_SCRIPT_FLUSH_by_another_client_is_healed_and_EVALSHA_resumes()
    {
        client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        await client.RunScriptAsync("incr", Key("n"), 1);
        await redis.AdminServer.ScriptFlushAsync();

        var loadsBefore = Calls("function|load");
        var healed = await Wire.Profile(mux, () => client.RunScriptAsync("incr", Key("n"), 1));
        var evalBefore = Calls("eval");
        var evalshaBefore = Calls("evalsha");
        var fcallBefore = Calls("fcall");
        var reply = await client.RunScriptAsync("incr", Key("n"), 1);

        Assert.Equal(3, (int)reply);
        Assert.Equal(evalBefore, Calls("eval"));
        if (TestBackend.IsFunctions)
        {
            // Functions: SCRIPT FLUSH does not touch the library; nothing to heal, nothing loaded.
            Assert.Equal(new[] { "FCALL" }, healed.Select(c => c.Command));
            Assert.Equal(evalshaBefore, Calls("evalsha"));
            Assert.Equal(fcallBefore + 1, Calls("fcall"));
            Assert.Equal(loadsBefore, Calls("function|load"));
        }
        else
        {
            Assert.Equal(new[] { "EVALSHA", "EVAL" }, healed.Select(c => c.Command));
            Assert.Equal(evalshaBefore + 1, Calls("evalsha"));
        }
    }

    [Fact]
    public async Task A_restarted_server_is_healed_once_the_multiplexer_has_reconnected()
    {
        using var server = RedisServer.Start();
        using var own = ConnectionMultiplexer.Connect($"{server.EndPoint},abortConnect=false,connectRetry=5,connectTimeout=2000");
        var scripts = TestClients.Create(own);
        var handle = scripts.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        await scripts.RunScriptAsync("incr", "n", 5);
        Assert.NotEmpty(handle.LoadedOn);

        server.Restart();
        await WaitUntil(() => own.IsConnected && own.GetServer(server.EndPoint).IsConnected, TimeSpan.FromSeconds(20));

        // The dropped connection makes the client forget the server (the multiplexer raises its events
        // on the thread pool, so the forgetting may follow the reconnect by a moment).
        await WaitUntil(() => handle.LoadedOn.Count == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(2, (int)await scripts.RunScriptAsync("incr", "n", 2)); // no persistence: the counter restarted too
        Assert.NotEmpty(handle.LoadedOn);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(50);
        }
    }

    [ScriptsBackendFact("the user may EVAL/EVALSHA but not SCRIPT LOAD; with Functions such a user cannot FUNCTION LOAD, " +
        "so it cannot run at all (FunctionsTests.Without_FUNCTION_LOAD_permission_Auto_picks_scripts_and_Functions_fails_naming_the_refusal)")]
    public async Task An_ACL_user_without_the_script_category_can_run_but_not_preload()
    {
        var user = "noscript_" + Guid.NewGuid().ToString("N")[..6];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-@scripting", "+eval", "+evalsha", "+eval_ro", "+evalsha_ro", "-script");
        try
        {
            using var limited = redis.Connect($"user={user},password=secret");
            var scripts = TestClients.Create(limited);
            scripts.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
            Assert.Equal(1, (int)await scripts.RunScriptAsync("incr", Key("acl"), 1));

            var refused = await Assert.ThrowsAsync<ScriptLoadException>(() => scripts.PreloadScriptsAsync());
            Assert.Contains("NOPERM", refused.Message);
            Assert.Contains("incr", refused.Message);
            var failure = Assert.Single(refused.Failures);
            Assert.Contains("NOPERM", failure.Reason);

            Assert.Equal(3, (int)await scripts.RunScriptAsync("incr", Key("acl"), 2));
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task LoadedOn_is_marked_only_after_a_reply_and_forgets_a_server_that_answers_NOSCRIPT()
    {
        var user = "shaonly_" + Guid.NewGuid().ToString("N")[..6];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-eval");
        try
        {
            var handle = client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
            Assert.Empty(handle.LoadedOn);
            await client.RunScriptAsync("incr", Key("n"), 1);
            Assert.Equal(new[] { redis.AdminServer.EndPoint.ToString() }, handle.LoadedOn.Select(e => e.ToString()));

            // A client whose user may EVALSHA but not EVAL: after a flush, the NOSCRIPT makes it forget
            // the server, and the healing EVAL is refused, so nothing marks it loaded again.
            using var limited = redis.Connect($"user={user},password=secret");
            var scripts = TestClients.Create(limited);
            var limitedHandle = scripts.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
            await scripts.PreloadScriptsAsync();
            Assert.Single(limitedHandle.LoadedOn);
            await redis.AdminServer.ScriptFlushAsync();
            if (TestBackend.IsFunctions)
            {
                // Functions: the call is FCALL of the library, which SCRIPT FLUSH leaves alone; the
                // user's missing EVAL right never matters and the server stays known loaded.
                Assert.Equal(2, (int)await scripts.RunScriptAsync("incr", Key("n"), 1));
                Assert.Single(limitedHandle.LoadedOn);
                return;
            }
            var error = await Assert.ThrowsAsync<ScriptRefusedException>(() => scripts.RunScriptAsync("incr", Key("n"), 1));
            Assert.Equal(RefusalReason.NoPermission, error.Reason);
            Assert.Contains("NOPERM", error.ServerMessage);
            Assert.Empty(limitedHandle.LoadedOn);
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task Sixty_four_concurrent_first_calls_of_an_unseen_script_all_succeed()
    {
        var lua = IncrBy + " -- " + Guid.NewGuid(); // a body this server has never seen
        client.DefineCommand("fresh", new CommandDefinition(lua) { Keys = 1 });
        var calls = Enumerable.Range(0, 64).Select(_ => client.RunScriptAsync("fresh", Key("c"), 1));
        var replies = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(1, 64).ToHashSet(), replies.Select(r => (int)r).ToHashSet());
    }

    [Fact]
    public async Task A_script_error_that_mentions_NOSCRIPT_is_not_resent()
    {
        client.DefineCommand("fake",
            new CommandDefinition("redis.call('INCR', KEYS[1]); return redis.error_reply('NOSCRIPT fake')") { Keys = 1 });
        await client.RunScriptAsync("fake", Key("once")).ContinueWith(_ => { });
        await redis.AdminServer.ScriptFlushAsync();
        var before = (long)await mux.GetDatabase().StringGetAsync(Key("once"));

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("fake", Key("once")));

        Assert.Contains("NOSCRIPT fake", error.ServerMessage);
        Assert.Equal(before + 1, (long)await mux.GetDatabase().StringGetAsync(Key("once")));
    }

    [Fact]
    public async Task A_script_that_fails_at_run_time_stays_cached_and_is_then_EVALSHA()
    {
        client.DefineCommand("refuse",
            new CommandDefinition("return redis.error_reply('ERR insufficient balance ' .. KEYS[1])") { Keys = 1 });
        await redis.AdminServer.ScriptFlushAsync();
        var eval = Calls("eval");
        var evalsha = Calls("evalsha");
        var fcall = Calls("fcall");
        var loads = Calls("function|load");

        for (var i = 0; i < 3; i++)
            await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("refuse", Key("acct")));

        if (TestBackend.IsFunctions)
        {
            // Functions: one FUNCTION LOAD (the first call of this registry deploys the library), each
            // call is one FCALL, and the function's own error loads nothing again.
            Assert.Equal(eval, Calls("eval"));
            Assert.Equal(evalsha, Calls("evalsha"));
            Assert.Equal(fcall + 3, Calls("fcall"));
            Assert.Equal(loads + 1, Calls("function|load"));
        }
        else
        {
            Assert.Equal(eval + 1, Calls("eval"));
            Assert.Equal(evalsha + 2, Calls("evalsha"));
        }
    }

    [Fact]
    public async Task A_Lua_error_is_a_ScriptExecutionException_and_is_not_retried()
    {
        var handle = client.DefineCommand("broken", new CommandDefinition("return redis.call('NOSUCHCOMMAND')") { Keys = 0 });
        client.DefineCommand("uncompilable", new CommandDefinition("return (") { Keys = 0 });
        var evalBefore = Calls("eval");
        var fcallBefore = Calls("fcall");

        var runtime = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("broken"));
        var compile = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("uncompilable"));

        Assert.Equal("broken", runtime.ScriptName);
        Assert.Equal(handle.Sha1, runtime.Sha1);
        Assert.Contains("Unknown Redis command", runtime.ServerMessage, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("broken: line 1: ", runtime.Message, StringComparison.Ordinal);
        Assert.Equal(1, runtime.SourceLine);
        Assert.Equal("uncompilable", compile.ScriptName);
        Assert.Contains("compil", compile.ServerMessage, StringComparison.OrdinalIgnoreCase);
        if (TestBackend.IsFunctions)
        {
            // Functions: 'broken' compiles and fails once as FCALL; 'uncompilable' is found by the
            // library's compile check (one EVAL that compiles each definition alone, running none), left
            // out of the library and run (once) as a script, so its compile error is the one the Scripts
            // backend shows.
            Assert.Equal(evalBefore + 2, Calls("eval"));
            Assert.Equal(fcallBefore + 1, Calls("fcall"));
        }
        else
        {
            Assert.Equal(evalBefore + 2, Calls("eval"));
        }
        Assert.IsAssignableFrom<LuaScriptException>(runtime);
    }

    [BatchProfilingFact]
    public async Task Preload_loads_a_thousand_scripts_in_one_round_trip_and_calls_then_skip_EVAL()
    {
        await redis.AdminServer.ScriptFlushAsync();
        for (var i = 0; i < 1000; i++)
            client.DefineCommand($"s{i}", new CommandDefinition($"return {i}") { Keys = 0 });

        var loaded = 0;
        var sent = await Wire.Profile(mux, async () => loaded = await client.PreloadScriptsAsync());

        Assert.Equal(1000, loaded);
        // Scripts: 1000 SCRIPT LOADs; Functions: one FUNCTION LOAD REPLACE of a library of 1000 functions.
        if (TestBackend.IsFunctions)
        {
            Assert.Equal(1, sent.Count(c => c.Command == "FUNCTION"));
            Assert.DoesNotContain(sent, c => c.Command == "SCRIPT");
        }
        else
        {
            Assert.Equal(1000, sent.Count(c => c.Command == "SCRIPT"));
        }
        Assert.Equal(1, Wire.RoundTrips(sent));
        Assert.Single(client.GetScript("s999").LoadedOn);
        var evalBefore = Calls("eval");
        var loadsBefore = Calls("function|load");
        Assert.Equal(999, (int)await client.RunScriptAsync("s999"));
        Assert.Equal(evalBefore, Calls("eval"));
        Assert.Equal(loadsBefore, Calls("function|load"));
    }

    [Fact]
    public async Task Redefining_a_name_replaces_the_script_and_old_handles_keep_their_body()
    {
        var first = client.DefineCommand("version", new CommandDefinition("return 1") { Keys = 0 });
        var second = client.DefineCommand("version", new CommandDefinition("return 2") { Keys = 0 });

        Assert.NotEqual(first.Sha1, second.Sha1);
        Assert.Equal(2, (int)await client.RunScriptAsync("version"));
        Assert.Equal(1, (int)await first.RunAsync());
        Assert.Equal(second.Sha1, client.GetScript("version").Sha1);
    }

    [Fact]
    public async Task Sixteen_threads_defining_and_running_concurrently_lose_nothing()
    {
        var errors = new ConcurrentQueue<Exception>();
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var i = 0;
            while (DateTime.UtcNow < stop)
            {
                try
                {
                    client.DefineCommand($"w{w}:{i}", new CommandDefinition($"return {i}") { Keys = 0 });
                    client.DefineCommand("shared", new CommandDefinition($"return {w}") { Keys = 0 });
                    Assert.Equal(i, (int)await client.RunScriptAsync($"w{w}:{i}"));
                    var shared = (int)await client.RunScriptAsync("shared");
                    Assert.InRange(shared, 0, 15);
                    i++;
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                    return 0;
                }
            }
            return i;
        })).ToArray();

        var counts = await Task.WhenAll(workers);

        Assert.Empty(errors);
        var names = client.ListScripts().ToHashSet();
        Assert.Equal(counts.Sum() + 1, names.Count);
        for (var w = 0; w < 16; w++)
            for (var i = 0; i < counts[w]; i++)
                Assert.True(names.Contains($"w{w}:{i}"), $"w{w}:{i} was lost");
    }

    [Fact]
    public async Task A_read_only_script_runs_with_EVAL_RO_and_cannot_write()
    {
        await mux.GetDatabase().StringSetAsync(Key("ro"), "value");
        client.DefineCommand("get", new CommandDefinition("return redis.call('GET', KEYS[1])") { Keys = 1, ReadOnly = true });
        client.DefineCommand("sneaky", new CommandDefinition("return redis.call('SET', KEYS[1], 'x')") { Keys = 1, ReadOnly = true });
        var evalRo = Calls("eval_ro");
        var evalshaRo = Calls("evalsha_ro");
        var fcallRo = Calls("fcall_ro");

        Assert.Equal("value", (string?)await client.RunScriptAsync("get", Key("ro")));
        Assert.Equal("value", (string?)await client.RunScriptAsync("get", Key("ro")));
        var refused = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("sneaky", Key("ro")));

        Assert.Contains("Write commands are not allowed", refused.ServerMessage);
        if (TestBackend.IsFunctions)
        {
            // Functions: read-only definitions are no-writes functions called with FCALL_RO.
            Assert.Equal(fcallRo + 3, Calls("fcall_ro"));
            Assert.Equal(evalRo, Calls("eval_ro"));
            Assert.Equal(evalshaRo, Calls("evalsha_ro"));
        }
        else
        {
            Assert.Equal(evalRo + 2, Calls("eval_ro"));
            Assert.Equal(evalshaRo + 1, Calls("evalsha_ro"));
        }
        Assert.Equal("value", (string?)await mux.GetDatabase().StringGetAsync(Key("ro")));
    }

    [Fact]
    public async Task RunOnAsync_runs_on_another_database_a_batch_or_a_transaction()
    {
        var handle = client.DefineCommand("incr", new CommandDefinition(IncrBy) { Keys = 1 });
        await redis.AdminServer.ScriptFlushAsync();

        var batch = mux.GetDatabase().CreateBatch();
        var inBatch = handle.RunOnAsync(batch, new RedisKey[] { Key("b") }, new RedisValue[] { 2 });
        batch.Execute();
        var tx = mux.GetDatabase().CreateTransaction();
        var inTx = handle.RunOnAsync(tx, new RedisKey[] { Key("b") }, new RedisValue[] { 3 });
        Assert.True(await tx.ExecuteAsync());
        using var other = redis.Connect();
        var elsewhere = await handle.RunOnAsync(other.GetDatabase(), new RedisKey[] { Key("b") }, new RedisValue[] { 4 });

        Assert.Equal(2, (int)await inBatch);
        Assert.Equal(5, (int)await inTx);
        Assert.Equal(9, (int)elsewhere);
    }

    [Fact]
    public void The_facade_exposes_no_FSharp_types()
    {
        var offenders = typeof(ScriptClient).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMembers().Select(m => (t, m)))
            .Where(x => Mentions(x.m))
            .Select(x => $"{x.t.Name}.{x.m.Name}")
            .ToList();
        Assert.Empty(offenders);

        static bool Mentions(System.Reflection.MemberInfo member)
        {
            IEnumerable<Type> types = member switch
            {
                System.Reflection.MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
                System.Reflection.PropertyInfo p => new[] { p.PropertyType },
                System.Reflection.ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
                System.Reflection.FieldInfo f => new[] { f.FieldType },
                _ => Array.Empty<Type>(),
            };
            return types.Any(IsFSharp);
        }

        static bool IsFSharp(Type t) =>
            (t.Namespace?.StartsWith("Microsoft.FSharp", StringComparison.Ordinal) ?? false)
            || (t.Namespace?.StartsWith("LuaScripts.Core", StringComparison.Ordinal) ?? false)
            || (t.IsGenericType && t.GetGenericArguments().Any(IsFSharp))
            || (t.HasElementType && IsFSharp(t.GetElementType()!));
    }
}
