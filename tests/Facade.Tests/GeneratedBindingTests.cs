using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests.Generated;

// The interfaces of BindingTests, implemented at compile time by the [ScriptCommands] generator.

[ScriptCommands]
public partial interface IChannelScripts
{
    Task<long> PublishToGroup(RedisKey topic, RedisValue message);

    [ScriptCommand("channel_poll", Keys = 1)]
    Task<RedisValue> PollAsync(RedisKey queue);

    Task<RedisValue[]> MultiGet(int keyCount, params RedisKey[] keys);
}

[ScriptCommands]
public partial interface IExtendedChannelScripts : IChannelScripts
{
    [ScriptCommand("channel_poll")]
    Task<string?> PollText(RedisKey queue, CancellationToken cancellation = default);
}

[ScriptCommands]
public partial interface IReturns
{
    [ScriptCommand("r_long")] Task<long> AsLong();
    [ScriptCommand("r_long")] Task<int> AsInt();
    [ScriptCommand("r_long")] Task<RedisResult> Raw();
    [ScriptCommand("r_long")] Task Plain();
    [ScriptCommand("r_true")] Task<bool> AsBool();
    [ScriptCommand("r_nil")] Task<bool> FalseFromNil();
    [ScriptCommand("r_fraction")] Task<double> AsDouble();
    [ScriptCommand("r_string")] Task<string?> AsString();
    [ScriptCommand("r_nil")] Task<long?> NullLong();
    [ScriptCommand("r_string")] Task<RedisKey> Key();
    [ScriptCommand("r_string")] Task<byte[]?> Bytes();
    [ScriptCommand("r_strings")] Task<string[]> Strings();
    [ScriptCommand("r_longs")] Task<long[]> Longs();
    [ScriptCommand("r_nested")] Task<RedisResult[]> Nested();
    [ScriptCommand("r_longs")] Task<long> TableAsLong();
    [ScriptCommand("r_nil")] Task<long> NilAsLong();
    [ScriptCommand("echo_args")] Task<string[]> Echo(string s, int i, long l, double d, bool b, byte[] bytes, RedisValue v, RedisKey k);
    [ScriptCommand("echo_args")] Task<string[]> EchoMany(string first, CancellationToken cancellation, params string[] rest);
    [ScriptCommand("echo_args")] Task<string[]> EchoNumbers(uint u, ulong ul, short sh, float f, int? some, params long?[] more);
}

[ScriptCommands]
public partial interface ICounter
{
    [ScriptCommand("incr", Keys = 1)] Task<long> IncrBy(RedisKey key, long by);
    [ScriptCommand("sum2", Keys = 2)] Task<long> Sum(RedisKey a, RedisKey b, long by);
    [ScriptCommand("fails")] Task<long> Fails(RedisKey key);
}

/// <summary>Generated bindings on a single node: the same results and errors as Bind&lt;T&gt;(), through RunScriptAsync's path.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class GeneratedBindingTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "g:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public GeneratedBindingTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("publish_to_group", new CommandDefinition(Lua.PublishToGroup) { Keys = 1 });
        client.DefineCommand("channel_poll", new CommandDefinition("return redis.call('LPOP', KEYS[1])") { Keys = 1 });
        client.DefineCommand("multi_get", new CommandDefinition("return redis.call('MGET', unpack(KEYS))"));
        client.DefineCommand("r_long", new CommandDefinition("return 42") { Keys = 0 });
        client.DefineCommand("r_true", new CommandDefinition("return true") { Keys = 0 });
        client.DefineCommand("r_nil", new CommandDefinition("return false") { Keys = 0 });
        client.DefineCommand("r_fraction", new CommandDefinition("return tostring(1.5)") { Keys = 0 });
        client.DefineCommand("r_string", new CommandDefinition("return 'hello'") { Keys = 0 });
        client.DefineCommand("r_strings", new CommandDefinition("return {'a', 'b', 'c'}") { Keys = 0 });
        client.DefineCommand("r_longs", new CommandDefinition("return {1, 2, 3}") { Keys = 0 });
        client.DefineCommand("r_nested", new CommandDefinition("return {1, {2, 'x'}}") { Keys = 0 });
        client.DefineCommand("echo_args", new CommandDefinition("return ARGV") { Keys = 0 });
        client.DefineCommand("incr", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("sum2",
            new CommandDefinition("return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[2], ARGV[1])") { Keys = 2 });
        client.DefineCommand("fails", new CommandDefinition("return redis.error_reply('ERR no luck')") { Keys = 1 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    [Fact]
    public async Task The_issue_example_runs_fixed_and_dynamic_key_commands()
    {
        var db = mux.GetDatabase();
        await db.SetAddAsync(Key("topic"), new RedisValue[] { "a", "b" });
        await db.StringSetAsync(Key("k1"), "one");
        await db.StringSetAsync(Key("k2"), "two");

        var scripts = IChannelScripts.Create(client);

        Assert.Equal(2, await scripts.PublishToGroup(Key("topic"), "hi"));
        Assert.Equal("hi", await scripts.PollAsync(Key("topic") + ":queue:a"));
        Assert.Equal(new RedisValue[] { "one", "two" }, await scripts.MultiGet(2, Key("k1"), Key("k2")));
        Assert.Equal(new RedisValue[] { "two" }, await scripts.MultiGet(1, Key("k2")));
        Assert.Contains("IChannelScripts", scripts.ToString());
    }

    [Fact]
    public async Task An_inherited_method_and_a_cancellation_token_work_as_with_Bind()
    {
        await mux.GetDatabase().ListRightPushAsync(Key("q"), new RedisValue[] { "x", "y" });
        var scripts = IExtendedChannelScripts.Create(client);

        Assert.Equal("x", await scripts.PollText(Key("q")));
        Assert.Equal("y", await scripts.PollAsync(Key("q")));
        Assert.Null(await scripts.PollText(Key("q"), CancellationToken.None));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scripts.PollText(Key("q"), cancelled.Token));
    }

    [Fact]
    public async Task Every_return_and_argument_type_gives_what_Bind_gives()
    {
        var generated = IReturns.Create(client);
#pragma warning disable IL2026, IL3050 // Bind<T> is the reference the generated form must match.
        var bound = client.Bind<IReturns>();
#pragma warning restore IL2026, IL3050

        Assert.Equal(42L, await generated.AsLong());
        Assert.Equal(await bound.AsInt(), await generated.AsInt());
        Assert.Equal(42L, (long)await generated.Raw());
        await generated.Plain();
        Assert.True(await generated.AsBool());
        Assert.False(await generated.FalseFromNil());
        Assert.Equal(1.5, await generated.AsDouble());
        Assert.Equal("hello", await generated.AsString());
        Assert.Null(await generated.NullLong());
        Assert.Equal((RedisKey)"hello", await generated.Key());
        Assert.Equal(await bound.Bytes(), await generated.Bytes());
        Assert.Equal(new[] { "a", "b", "c" }, await generated.Strings());
        Assert.Equal(new long[] { 1, 2, 3 }, await generated.Longs());
        Assert.Equal(2, (await generated.Nested()).Length);
        var args = ("s", 7, 8L, 2.5, true, new byte[] { 65, 66 }, (RedisValue)"v", (RedisKey)"k");
        Assert.Equal(await bound.Echo("s", 7, 8L, 2.5, true, new byte[] { 65, 66 }, "v", "k"),
            await generated.Echo(args.Item1, args.Item2, args.Item3, args.Item4, args.Item5, args.Item6, args.Item7, args.Item8));
        Assert.Equal(new[] { "first", "a", "b" }, await generated.EchoMany("first", CancellationToken.None, "a", "b"));
        Assert.Equal(await bound.EchoNumbers(1, 2, 3, 1.25f, 4, 5, 6), await generated.EchoNumbers(1, 2, 3, 1.25f, 4, 5, 6));
    }

    [Fact]
    public async Task Errors_are_the_typed_errors_of_Bind()
    {
        var generated = IReturns.Create(client);

        var table = await Assert.ThrowsAsync<ScriptResultConversionException>(() => generated.TableAsLong());
        Assert.Equal("IReturns.TableAsLong", table.MethodName);
        Assert.Equal("r_longs", table.ScriptName);
        var nil = await Assert.ThrowsAsync<ScriptResultConversionException>(() => generated.NilAsLong());
        Assert.True(nil.Reply.IsNull);
        var nullArray = Assert.Throws<ScriptArgumentException>(() => { _ = generated.EchoMany("x", default, null!); });
        Assert.Contains("IReturns.EchoMany", nullArray.Message);
        Assert.Contains("'rest'", nullArray.Message);

        client.RemoveCommand("r_long");
        var unknown = Assert.Throws<UnknownScriptException>(() => { _ = generated.AsLong(); });
        Assert.Equal("r_long", unknown.ScriptName);
        Assert.Throws<ArgumentNullException>(() => IReturns.Create((ScriptClient)null!));
    }

    [Fact]
    public void Create_checks_the_commands_as_Bind_does_and_lists_the_same_problems()
    {
        var other = TestClients.Create(mux);
        other.DefineCommand("incr", new CommandDefinition(Lua.IncrBy) { Keys = 3 });
        other.DefineCommand("fails", new CommandDefinition("return 1") { Keys = 1 });

        var generated = Assert.Throws<ScriptBindingException>(() => ICounter.Create(other));
#pragma warning disable IL2026, IL3050 // Bind<T> is the reference the generated form must match.
        var bound = Assert.Throws<ScriptBindingException>(() => other.Bind<ICounter>());
#pragma warning restore IL2026, IL3050

        Assert.Equal(bound.Problems, generated.Problems);
        Assert.Equal(2, generated.Problems.Count);
        Assert.Contains(generated.Problems, p => p.Contains("ICounter.Sum", StringComparison.Ordinal) && p.Contains("'sum2'", StringComparison.Ordinal));
        Assert.Contains(generated.Problems, p => p.Contains("ICounter.IncrBy", StringComparison.Ordinal));
        Assert.Equal(typeof(ICounter), generated.InterfaceType);
        var queued = Assert.Throws<ScriptBindingException>(() => ICounter.Create(other.Transaction()));
        Assert.Contains("transaction", queued.Problems.Single(p => p.Contains("'sum2'", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pipeline_binding_queues_and_its_tasks_are_complete_when_ExecuteAsync_returns()
    {
        var pipe = client.Pipeline();
        var counter = ICounter.Create(pipe);

        var first = counter.IncrBy(Key("n"), 1);
        var second = counter.IncrBy(Key("n"), 10);
        var failed = counter.Fails(Key("n"));
        Assert.Equal(3, pipe.Count);
        Assert.False(first.IsCompleted);
        Assert.False(await mux.GetDatabase().KeyExistsAsync(Key("n")));

        var executed = await Assert.ThrowsAsync<PipelineExecutionException>(() => pipe.ExecuteAsync());

        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
        Assert.Equal(1, await first);
        Assert.Equal(11, await second);
        Assert.Contains("no luck", (await Assert.ThrowsAsync<ScriptExecutionException>(() => failed)).ServerMessage);
        Assert.Equal(2, executed.Failures.Single().Index);
    }

    [Fact]
    public async Task A_transaction_binding_converts_each_reply_and_a_bad_call_queues_nothing()
    {
        var tx = client.Transaction();
        var counter = ICounter.Create(tx);
        var returns = IReturns.Create(tx);

        var a = counter.IncrBy(Key("t"), 5);
        var strings = returns.Strings();
        var wrong = returns.TableAsLong();
        client.RemoveCommand("sum2");
        Assert.Throws<UnknownScriptException>(() => { _ = counter.Sum(Key("t"), Key("u"), 1); });
        Assert.Equal(3, tx.Count);

        var results = await tx.ExecuteAsync();

        Assert.Equal(3, results.Length);
        Assert.Equal(5, await a);
        Assert.Equal(new[] { "a", "b", "c" }, await strings);
        Assert.Equal("IReturns.TableAsLong", (await Assert.ThrowsAsync<ScriptResultConversionException>(() => wrong)).MethodName);
    }
}
