using LuaScripts.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Hosting.Tests;

public interface ICounterScripts
{
    Task<long> IncrBy(RedisKey counter, long by);
}

/// <summary>
/// AddLuaScripts in a real host: options from code and from configuration (and their errors), the
/// registered multiplexer (by hand and in Aspire's shape) and the error without one, commands, bound
/// interfaces, and the host's logger factory reaching the client.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RegistrationTests(RedisFixture redis)
{
    private const string IncrBy = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

    private readonly string prefix = "hosting:" + Guid.NewGuid().ToString("N")[..8] + ":";

    [Fact]
    public async Task Configuration_sets_backend_database_prefix_and_preload()
    {
        var builder = Hosts.Builder(configuration: new Dictionary<string, string?>
        {
            ["LuaScripts:Backend"] = Hosts.Backend.ToString(),
            ["LuaScripts:Database"] = "3",
            ["LuaScripts:KeyPrefix"] = prefix,
            ["LuaScripts:PreloadOnStart"] = "true",
            ["LuaScripts:PreloadFailure"] = "log",
        });
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(builder.Configuration.GetSection("LuaScripts")).AddCommand("incr_by", new CommandDefinition(IncrBy) { Keys = 1 });
        using var host = await builder.StartAsync();

        var options = host.Services.GetRequiredService<IOptionsMonitor<LuaScriptsOptions>>().CurrentValue;
        Assert.Equal((Hosts.Backend, 3, prefix, true, PreloadFailureBehavior.Log),
            (options.Backend, options.Database, options.KeyPrefix, options.PreloadOnStart, options.PreloadFailure));
        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal((Hosts.Backend, 3, prefix), (client.Options.Backend, client.Options.Database, client.Options.KeyPrefix));

        Assert.Equal(5, (long)await client.RunScriptAsync("incr_by", "counter", 5));
        Assert.Equal(5, (long)redis.Admin.GetDatabase(3).StringGet(prefix + "counter"));
        redis.Admin.GetDatabase(3).KeyDelete(prefix + "counter");
    }

    [Fact]
    public async Task Bad_configuration_values_stop_the_start_naming_each_key_and_what_is_expected()
    {
        var builder = Hosts.Builder(configuration: new Dictionary<string, string?>
        {
            ["LuaScripts:Backend"] = "Fuctions",
            ["LuaScripts:Database"] = "three",
            ["LuaScripts:PreloadOnStart"] = "yes",
        });
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(builder.Configuration.GetSection("LuaScripts"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());
        Assert.Contains("LuaScripts:Backend is 'Fuctions'; expected Scripts, Functions or Auto.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("LuaScripts:Database is 'three'", StringComparison.Ordinal));
        Assert.Contains("LuaScripts:PreloadOnStart is 'yes'; expected true or false.", error.Failures);
    }

    [Fact]
    public async Task Bad_values_set_in_code_stop_the_start()
    {
        var builder = Hosts.Builder();
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(o => o.Database = -5);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.StartAsync());
        Assert.Contains(error.Failures, f => f.StartsWith("LuaScriptsOptions.Database is -5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_multiplexer_the_start_fails_saying_how_to_register_one()
    {
        var builder = Hosts.Builder();
        builder.Services.AddLuaScripts();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.StartAsync());
        Assert.Contains("none is registered", error.Message, StringComparison.Ordinal);
        Assert.Contains("services.AddSingleton<IConnectionMultiplexer>", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisClient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_keyed_client_without_a_multiplexer_under_its_key_fails_naming_the_key()
    {
        var builder = Hosts.Builder();
        builder.Services.AddRedis(redis.Configuration); // unkeyed: not the one a keyed client uses
        builder.Services.AddKeyedLuaScripts("orders");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.StartAsync());
        Assert.Contains("under the key 'orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddKeyedSingleton<IConnectionMultiplexer>(\"orders\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_registered_multiplexer_instance_is_the_one_the_client_uses()
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var builder = Hosts.Builder();
        builder.Services.AddSingleton<IConnectionMultiplexer>(mux);
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend).AddCommand("incr_by", new CommandDefinition(IncrBy) { Keys = 1 });
        using var host = await builder.StartAsync();

        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Same(mux, client.Multiplexer);
        Assert.Same(client, host.Services.GetRequiredService<ScriptClient>());
        Assert.Equal(2, (long)await client.RunScriptAsync("incr_by", prefix + "n", 2));
    }

    [Fact]
    public async Task A_bound_interface_is_injected_and_runs_the_command()
    {
        var builder = Hosts.Builder();
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend)
            .AddScriptInterface<ICounterScripts>()
            .AddCommand("incr_by", new CommandDefinition(IncrBy) { Keys = 1 }); // after the interface: order does not matter
        using var host = await builder.StartAsync();

        var counters = host.Services.GetRequiredService<ICounterScripts>();
        Assert.Equal(7, await counters.IncrBy(prefix + "c", 7));
        Assert.Equal(9, await counters.IncrBy(prefix + "c", 2));
    }

    [Fact]
    public async Task An_interface_whose_command_is_not_defined_stops_the_start()
    {
        var builder = Hosts.Builder();
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts().AddScriptInterface<ICounterScripts>();

        var error = await Assert.ThrowsAsync<ScriptBindingException>(() => builder.StartAsync());
        Assert.Contains("incr_by", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calling_AddLuaScripts_twice_adds_to_the_same_client()
    {
        var builder = Hosts.Builder();
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend).AddCommand("one", new CommandDefinition("return 1") { Keys = 0 });
        builder.Services.AddLuaScripts(o => o.KeyPrefix = prefix).AddCommand("two", new CommandDefinition("return 2") { Keys = 0 });
        using var host = await builder.StartAsync();

        Assert.Single(host.Services.GetServices<ScriptClient>());
        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal(new[] { "one", "two" }, client.ListScripts());
        Assert.Equal((Hosts.Backend, prefix), (client.Options.Backend, client.Options.KeyPrefix));
    }

    [Fact]
    public async Task The_hosts_logger_factory_reaches_the_client_and_sees_the_cores_events()
    {
        var logs = new CollectingLoggerProvider();
        var builder = Hosts.Builder(logs);
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend)
            .AddCommand("fresh", new CommandDefinition($"return 1 -- {Guid.NewGuid()}") { Keys = 0 });
        using var host = await builder.StartAsync();

        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), client.Options.LoggerFactory);

        if (Hosts.Backend == ScriptBackend.Scripts)
        {
            await client.PreloadScriptsAsync();
            redis.AdminServer.ScriptFlush();
        }
        await client.RunScriptAsync("fresh");
        // The core logs the heal after NOSCRIPT (Scripts) or the library load (Functions) once its
        // logging events exist; before that, the factory reaching the options is all there is to see.
        if (typeof(Client).Assembly.GetType("LuaScripts.Core.ClientEventIds") is null) return;
        var expected = Hosts.Backend == ScriptBackend.Functions ? 1002 : 1001;
        Assert.Contains(logs.Events, e => e.Category == "LuaScripts" && e.Id.Id == expected);
    }
}
