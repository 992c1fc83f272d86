using LuaScripts.TestServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LuaScripts.Hosting.Tests;

/// <summary>
/// PreloadOnStart: the commands are on the server before the host has started; a script that does not
/// compile stops the start with the command's name and the server's message, or (PreloadFailure = Log)
/// is logged with event 2003 and the host starts.
/// </summary>
public sealed class PreloadOnStartTests : IDisposable
{
    private const string Broken = "return redis.call('GET', KEYS[1]"; // a missing parenthesis

    private readonly RedisServer server = RedisServer.Start();

    public void Dispose() => server.Dispose();

    private HostBuilderParts Parts(bool broken, PreloadFailureBehavior failure)
    {
        var logs = new CollectingLoggerProvider();
        var builder = Hosts.Builder(logs);
        builder.Services.AddRedis(server.EndPoint);
        var scripts = builder.Services.AddLuaScripts(o =>
        {
            o.Backend = Hosts.Backend;
            o.PreloadOnStart = true;
            o.PreloadFailure = failure;
        });
        scripts.AddCommand("good", new CommandDefinition("return 1") { Keys = 0 });
        if (broken) scripts.AddCommand("broken_one", new CommandDefinition(Broken) { Keys = 1 });
        return new HostBuilderParts(builder, logs);
    }

    private sealed record HostBuilderParts(Microsoft.Extensions.Hosting.HostApplicationBuilder Builder, CollectingLoggerProvider Logs);

    [Fact]
    public async Task The_commands_are_loaded_before_the_host_has_started()
    {
        var (builder, logs) = Parts(broken: false, PreloadFailureBehavior.FailStartup);
        using var host = await builder.StartAsync();

        var status = await host.Services.GetRequiredService<ScriptClient>().GetDeploymentStatusAsync();
        Assert.Equal(DeploymentHealth.Healthy, status.Health);
        var done = Assert.Single(logs.Events, e => e.Id.Id == 2001);
        Assert.Equal(("LuaScripts.Hosting", LogLevel.Information), (done.Category, done.Level));
    }

    [Fact]
    public async Task A_script_that_does_not_compile_stops_the_start_with_its_name_and_the_servers_message()
    {
        var (builder, logs) = Parts(broken: true, PreloadFailureBehavior.FailStartup);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.StartAsync());
        Assert.Contains("'broken_one'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Error compiling script", error.Message, StringComparison.Ordinal);
        Assert.IsType<ScriptLoadException>(error.InnerException);
        var logged = Assert.Single(logs.Events, e => e.Id.Id == 2002);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("'broken_one'", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_PreloadFailure_Log_the_failure_is_logged_and_the_host_starts()
    {
        var (builder, logs) = Parts(broken: true, PreloadFailureBehavior.Log);
        using var host = await builder.StartAsync();

        var logged = Assert.Single(logs.Events, e => e.Id.Id == 2003);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("'broken_one'", logged.Message, StringComparison.Ordinal);
        Assert.IsType<ScriptLoadException>(logged.Exception);
        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal(1, (long)await client.RunScriptAsync("good"));
    }

    [Fact]
    public async Task Commands_defined_by_ConfigureClient_are_preloaded_too()
    {
        var (builder, _) = Parts(broken: false, PreloadFailureBehavior.FailStartup);
        builder.Services.AddLuaScripts().ConfigureClient(client =>
            client.DefineCommand("from_library", new CommandDefinition("return 'library'") { Keys = 0 }));
        using var host = await builder.StartAsync();

        var status = await host.Services.GetRequiredService<ScriptClient>().GetDeploymentStatusAsync();
        Assert.Equal(new[] { "from_library", "good" }, status.Commands);
        Assert.Equal(DeploymentHealth.Healthy, status.Health);
    }
}
