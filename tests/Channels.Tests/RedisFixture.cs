using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Channels.Tests;

/// <summary>One redis-server for the whole assembly, or the server REDIS_URL names (host:port or redis://host:port).</summary>
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

    /// <summary>A connection for checking and disturbing the server (SCRIPT FLUSH, INFO, raw reads).</summary>
    public ConnectionMultiplexer Admin { get; }

    public IServer AdminServer => Admin.GetServer(Admin.GetEndPoints()[0]);

    public ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect($"{Configuration},allowAdmin=true,abortConnect=false");

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

/// <summary>A clock the test moves by hand.</summary>
public sealed class FakeClock
{
    private long ticks = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public DateTimeOffset Now => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
