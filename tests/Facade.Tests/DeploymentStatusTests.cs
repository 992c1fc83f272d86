using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// <see cref="ScriptClient.GetDeploymentStatusAsync"/>: what the servers hold of the defined commands,
/// translated from the core's report, on the run's backend; a stopped server is Unhealthy.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class DeploymentStatusTests : IDisposable
{
    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;

    public DeploymentStatusTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = TestClients.Create(mux);
        var suffix = Guid.NewGuid().ToString("N");
        client.DefineCommand("status_a", new CommandDefinition($"return 1 -- {suffix}") { Keys = 0 });
        client.DefineCommand("status_b", new CommandDefinition($"return 2 -- {suffix}") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    [Fact]
    public async Task Preloaded_commands_are_Healthy_and_a_flush_makes_them_Degraded_naming_the_server_and_commands()
    {
        await client.PreloadScriptsAsync();
        var healthy = await client.GetDeploymentStatusAsync();
        Assert.Equal(DeploymentHealth.Healthy, healthy.Health);
        Assert.Equal(TestClients.Backend, healthy.Backend);
        Assert.Equal(new[] { "status_a", "status_b" }, healthy.Commands);
        Assert.Empty(Assert.Single(healthy.Servers).Missing);

        if (TestClients.Backend == ScriptBackend.Functions) redis.AdminServer.Execute("FUNCTION", "DELETE", healthy.Library!);
        else redis.AdminServer.ScriptFlush();

        var degraded = await client.GetDeploymentStatusAsync();
        Assert.Equal(DeploymentHealth.Degraded, degraded.Health);
        Assert.Equal(new[] { "status_a", "status_b" }, Assert.Single(degraded.Servers).Missing);
        Assert.Contains("lacks 'status_a', 'status_b'", degraded.Description, StringComparison.Ordinal);
        Assert.Contains(redis.Configuration.Split(',')[0], degraded.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_server_is_Unhealthy()
    {
        using var server = RedisServer.Start();
        using var own = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},abortConnect=false,connectTimeout=500");
        var other = TestClients.Create(own);
        other.DefineCommand("status_a", new CommandDefinition("return 1") { Keys = 0 });
        Assert.Equal(DeploymentHealth.Degraded, (await other.GetDeploymentStatusAsync()).Health);

        server.Kill();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (own.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(50);

        var status = await other.GetDeploymentStatusAsync();
        Assert.Equal(DeploymentHealth.Unhealthy, status.Health);
        Assert.False(Assert.Single(status.Servers).IsConnected);
        Assert.Contains("is not connected", status.Description, StringComparison.Ordinal);
    }
}
