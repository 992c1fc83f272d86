using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Tests;

/// <summary>
/// One redis-server for the whole assembly (or the server REDIS_URL names). Tests that kill or
/// restart a server start their own.
/// </summary>
public sealed class RedisFixture : SharedRedis
{
    /// <summary>Kills the connection's interactive link on the server and waits until it is restored.</summary>
    public async Task ReconnectAsync(ConnectionMultiplexer mux)
    {
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mux.ConnectionRestored += (_, _) => restored.TrySetResult();
        var id = (long)await mux.GetDatabase().ExecuteAsync("CLIENT", "ID");
        await AdminServer.ExecuteAsync("CLIENT", "KILL", "ID", id);
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
