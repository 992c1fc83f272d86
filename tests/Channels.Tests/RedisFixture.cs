using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Channels.Tests;

/// <summary>One redis-server for the whole assembly, or the server REDIS_URL names (host:port or redis://host:port).</summary>
public sealed class RedisFixture : SharedRedis
{
}

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class FakeClock
{
    private long ticks = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public DateTimeOffset Now => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
