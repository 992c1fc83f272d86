using LuaScripts.TestServers;
using StackExchange.Redis;

namespace LuaScripts.Bench;

/// <summary>
/// The redis-server a benchmark run talks to: the one REDIS_URL names, or a throwaway one started on
/// a free loopback port with no persistence (<c>--save '' --appendonly no</c>) and killed by PID on
/// <see cref="Dispose"/>.
/// </summary>
internal sealed class RedisTarget : IDisposable
{
    private readonly RedisServer? owned;

    private RedisTarget(RedisServer? owned, string configuration)
    {
        this.owned = owned;
        Configuration = configuration;
    }

    /// <summary>The StackExchange.Redis configuration string ("host:port").</summary>
    public string Configuration { get; }

    /// <summary>Whether this run started (and will kill) its own server.</summary>
    public bool IsOwned => owned is not null;

    /// <summary>What the run talks to, for the report.</summary>
    public string Description => owned is null
        ? $"REDIS_URL {Configuration}"
        : $"throwaway redis-server on {owned.EndPoint} (pid {owned.Pid}, --save '' --appendonly no)";

    /// <summary>Uses REDIS_URL when set, else starts a throwaway server.</summary>
    public static RedisTarget Start()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            var config = url.StartsWith("redis://", StringComparison.Ordinal) ? url["redis://".Length..].TrimEnd('/') : url;
            return new RedisTarget(null, config);
        }
        // RedisServer.Start already passes --save "" --appendonly no; a benchmark must not touch the disk.
        var server = RedisServer.Start();
        return new RedisTarget(server, server.EndPoint);
    }

    /// <summary>A new connection with admin commands allowed (SCRIPT LOAD/FLUSH, INFO).</summary>
    public ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect($"{Configuration},allowAdmin=true,abortConnect=false,syncTimeout=15000,asyncTimeout=15000");

    /// <summary>Kills the throwaway server (if this run started one) and removes its directory.</summary>
    public void Dispose() => owned?.Dispose();
}
