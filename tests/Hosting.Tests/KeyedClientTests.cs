using LuaScripts.TestServers;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Hosting.Tests;

/// <summary>Two keyed clients on two real servers: each its own multiplexer, commands and options.</summary>
public sealed class KeyedClientTests : IDisposable
{
    private readonly RedisServer orders = RedisServer.Start();
    private readonly RedisServer sessions = RedisServer.Start();

    public void Dispose()
    {
        orders.Dispose();
        sessions.Dispose();
    }

    [Fact]
    public async Task Keyed_clients_run_on_the_multiplexer_of_their_key_with_their_own_commands()
    {
        var builder = Hosts.Builder();
        builder.Services.AddKeyedSingleton<IConnectionMultiplexer>("orders", (_, _) => ConnectionMultiplexer.Connect(orders.EndPoint));
        builder.Services.AddKeyedSingleton<IConnectionMultiplexer>("sessions", (_, _) => ConnectionMultiplexer.Connect(sessions.EndPoint));
        builder.Services.AddKeyedLuaScripts("orders", o => o.Backend = Hosts.Backend)
            .AddCommand("place", new CommandDefinition("return redis.call('SET', KEYS[1], 'order')") { Keys = 1 })
            .AddScriptInterface<ICounterScripts>()
            .AddCommand("incr_by", new CommandDefinition("return redis.call('INCRBY', KEYS[1], ARGV[1])") { Keys = 1 });
        builder.Services.AddKeyedLuaScripts("sessions", o => { o.Backend = Hosts.Backend; o.KeyPrefix = "s:"; })
            .AddCommand("touch", new CommandDefinition("return redis.call('SET', KEYS[1], 'session')") { Keys = 1 });
        using var host = await builder.StartAsync();

        var orderClient = host.Services.GetRequiredKeyedService<ScriptClient>("orders");
        var sessionClient = host.Services.GetRequiredKeyedService<ScriptClient>("sessions");
        Assert.Null(host.Services.GetService<ScriptClient>());
        Assert.Equal(new[] { "incr_by", "place" }, orderClient.ListScripts());
        Assert.Equal(new[] { "touch" }, sessionClient.ListScripts());

        await orderClient.RunScriptAsync("place", "o1");
        await sessionClient.RunScriptAsync("touch", "u1");
        Assert.Equal(3, await host.Services.GetRequiredKeyedService<ICounterScripts>("orders").IncrBy("n", 3));

        Assert.Equal("order", orders.Send("GET o1").Split("\r\n")[1]);
        Assert.Equal("session", sessions.Send("GET s:u1").Split("\r\n")[1]);
        Assert.StartsWith("$-1", sessions.Send("GET o1"), StringComparison.Ordinal);
        Assert.StartsWith("$-1", orders.Send("GET s:u1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_multiplexer_factory_gives_a_keyed_client_its_connection()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(sessions.EndPoint);
        var builder = Hosts.Builder();
        builder.Services.AddKeyedLuaScripts("cache", _ => mux, o => o.Backend = Hosts.Backend)
            .AddCommand("touch", new CommandDefinition("return redis.call('SET', KEYS[1], 'cached')") { Keys = 1 });
        using var host = await builder.StartAsync();

        var client = host.Services.GetRequiredKeyedService<ScriptClient>("cache");
        Assert.Same(mux, client.Multiplexer);
        await client.RunScriptAsync("touch", "k");
        Assert.Equal("cached", sessions.Send("GET k").Split("\r\n")[1]);
    }
}
