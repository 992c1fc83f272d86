using LuaScripts.TestServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Hosting.Tests;

/// <summary>
/// AddHealthChecks().AddLuaScripts(): Healthy when every command is deployed, Degraded after SCRIPT
/// FLUSH (Scripts) or FUNCTION FLUSH (Functions) naming the server and commands, Unhealthy with the
/// server stopped; it loads nothing itself.
/// </summary>
public sealed class HealthCheckTests : IDisposable
{
    private readonly RedisServer server = RedisServer.Start();

    public void Dispose() => server.Dispose();

    private async Task<IHost> StartAsync(bool preload, object? key = null)
    {
        var builder = Hosts.Builder();
        var connection = $"{server.EndPoint},abortConnect=false,connectTimeout=1000,connectRetry=1";
        if (key is null)
        {
            builder.Services.AddRedis(server.EndPoint);
            builder.Services.AddLuaScripts(o => { o.Backend = Hosts.Backend; o.PreloadOnStart = preload; })
                .AddCommand("first", new CommandDefinition("return 1") { Keys = 0 })
                .AddCommand("second", new CommandDefinition("return 2") { Keys = 0 });
            builder.Services.AddHealthChecks().AddLuaScripts();
        }
        else
        {
            builder.Services.AddKeyedLuaScripts(key, _ => ConnectionMultiplexer.Connect(connection), o => { o.Backend = Hosts.Backend; o.PreloadOnStart = preload; })
                .AddCommand("first", new CommandDefinition("return 1") { Keys = 0 });
            builder.Services.AddHealthChecks().AddLuaScripts("luascripts-" + key, serviceKey: key, tags: ["ready"]);
        }
        return await builder.StartAsync();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host) =>
        Assert.Single((await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries).Value;

    [Fact]
    public async Task Preloaded_is_Healthy_and_a_flush_turns_it_Degraded_naming_the_server_and_commands()
    {
        using var host = await StartAsync(preload: true);
        var healthy = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("holds every command", healthy.Data[server.EndPoint]);

        server.Send(Hosts.Backend == ScriptBackend.Functions ? "FUNCTION FLUSH" : "SCRIPT FLUSH");
        var degraded = await CheckAsync(host);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains($"{server.EndPoint} lacks 'first', 'second'", degraded.Description, StringComparison.Ordinal);
        Assert.Equal("lacks first, second", degraded.Data[server.EndPoint]);

        // The check loaded nothing: still Degraded until a call or a preload.
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(host)).Status);
        await host.Services.GetRequiredService<ScriptClient>().PreloadScriptsAsync();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    [Fact]
    public async Task Without_preload_nothing_is_deployed_so_it_is_Degraded_until_the_first_calls()
    {
        using var host = await StartAsync(preload: false);
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(host)).Status);
        var client = host.Services.GetRequiredService<ScriptClient>();
        await client.RunScriptAsync("first");
        await client.RunScriptAsync("second");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
    }

    [Fact]
    public async Task A_stopped_server_is_Unhealthy_for_a_keyed_client()
    {
        using var host = await StartAsync(preload: true, key: "orders");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);

        server.Kill();
        var mux = host.Services.GetRequiredKeyedService<ScriptClient>("orders").Multiplexer;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (mux.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(50);

        var entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains($"{server.EndPoint} is not connected", entry.Description, StringComparison.Ordinal);
        Assert.Contains("ready", entry.Tags);
    }
}
