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
}

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
