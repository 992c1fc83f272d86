using StackExchange.Redis;

namespace LuaScripts.TestServers;

/// <summary>Which server owns a key, the same way on every StackExchange.Redis version the tests run on.</summary>
public static class Routing
{
    /// <summary>
    /// The server the multiplexer routes a key to. (<c>GetServer(RedisKey)</c> exists only from
    /// StackExchange.Redis 2.9; on 2.8 a key passed there converts to the host-and-port string overload.)
    /// </summary>
    public static IServer OwnerOf(this IConnectionMultiplexer mux, RedisKey key) =>
        mux.GetServer(mux.GetDatabase().IdentifyEndpoint(key) ?? throw new InvalidOperationException($"no server for {key}"));
}
