using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests.Generated;

[ScriptCommands]
public sealed partial class CounterScripts
{
    [ScriptCommand("incr", Keys = 1)]
    public partial Task<long> IncrBy(RedisKey key, long by, CancellationToken cancellation = default);

    [ScriptCommand("echo_args")]
    public partial Task<string[]> Echo(params RedisValue[] values);

    /// <summary>An ordinary member: stays as written.</summary>
    public Task<long> Twice(RedisKey key) => IncrBy(key, 2);
}

/// <summary>A [ScriptCommands] partial class: its bodiless partial methods run (or queue) commands.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class GeneratedClassTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "gk:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public GeneratedClassTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("incr", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        client.DefineCommand("echo_args", new CommandDefinition("return ARGV") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    [Fact]
    public async Task A_partial_class_runs_on_a_client_and_queues_on_a_pipeline()
    {
        var scripts = CounterScripts.Create(client);
        Assert.Equal(5, await scripts.IncrBy(prefix + "n", 5));
        Assert.Equal(7, await scripts.Twice(prefix + "n"));
        Assert.Equal(new[] { "a", "b" }, await scripts.Echo("a", "b"));

        var pipe = client.Pipeline();
        var queued = CounterScripts.Create(pipe);
        var a = queued.IncrBy(prefix + "n", 1);
        var echo = queued.Echo("x");
        Assert.Equal(2, pipe.Count);
        await pipe.ExecuteAsync();
        Assert.True(a.IsCompletedSuccessfully);
        Assert.Equal(8, await a);
        Assert.Equal(new[] { "x" }, await echo);

        var error = Assert.Throws<ScriptBindingException>(() => CounterScripts.Create(TestClients.Create(mux)));
        Assert.Equal(2, error.Problems.Count);
    }
}
