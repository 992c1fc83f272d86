using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Tests;

/// <summary>
/// One redis-server for the whole assembly (or the server REDIS_URL names). Tests that kill or
/// restart a server start their own.
/// </summary>
public sealed class RedisFixture : IDisposable
{
    private readonly RedisServer? owned;

    public RedisFixture()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (string.IsNullOrWhiteSpace(url))
        {
            owned = RedisServer.Start();
            Configuration = owned.EndPoint;
        }
        else
        {
            Configuration = url.StartsWith("redis://", StringComparison.Ordinal) ? url["redis://".Length..].TrimEnd('/') : url;
        }
        Admin = Connect();
    }

    /// <summary>The SE.Redis configuration string of the shared server.</summary>
    public string Configuration { get; }

    /// <summary>A connection for checking and disturbing the server (SCRIPT FLUSH, INFO).</summary>
    public ConnectionMultiplexer Admin { get; }

    public IServer AdminServer => Admin.GetServer(Admin.GetEndPoints()[0]);

    public ConnectionMultiplexer Connect(string? extra = null) =>
        ConnectionMultiplexer.Connect($"{Configuration},allowAdmin=true,abortConnect=false{(extra is null ? "" : "," + extra)}");

    public void Dispose()
    {
        Admin.Dispose();
        owned?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
