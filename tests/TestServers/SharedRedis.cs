using StackExchange.Redis;

namespace LuaScripts.TestServers;

/// <summary>
/// The single-node server a test assembly shares: the server REDIS_URL names (host:port or
/// redis://host:port), or one this class starts on a free loopback port and stops by PID. Tests that
/// kill or restart a server start their own <see cref="RedisServer"/> instead.
/// </summary>
public class SharedRedis : IDisposable
{
    private readonly RedisServer? owned;

    /// <summary>Connects to REDIS_URL, or starts a throwaway server.</summary>
    public SharedRedis()
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

    /// <summary>The server behind <see cref="Admin"/>.</summary>
    public IServer AdminServer => Admin.GetServer(Admin.GetEndPoints()[0]);

    /// <summary>A new connection with admin commands allowed; <paramref name="extra"/> is appended to the configuration.</summary>
    public ConnectionMultiplexer Connect(string? extra = null) =>
        ConnectionMultiplexer.Connect($"{Configuration},allowAdmin=true,abortConnect=false{(extra is null ? "" : "," + extra)}");

    /// <summary>Closes the admin connection and stops the server if this class started it.</summary>
    public void Dispose()
    {
        Admin.Dispose();
        owned?.Dispose();
        GC.SuppressFinalize(this);
    }
}
