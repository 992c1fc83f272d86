using System.Collections.Concurrent;
using LuaScripts.TestServers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Hosting.Tests;

/// <summary>One redis-server for the assembly (or the one REDIS_URL names).</summary>
public sealed class RedisFixture : SharedRedis
{
}

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>Builds real hosts (Host.CreateApplicationBuilder) the way an app does.</summary>
internal static class Hosts
{
    /// <summary>A host builder with the given configuration values, and the test log provider.</summary>
    public static HostApplicationBuilder Builder(CollectingLoggerProvider? logs = null, IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (configuration is not null) builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null) builder.Logging.AddProvider(logs);
        return builder;
    }

    /// <summary>Registers a multiplexer to <paramref name="configuration"/> as Aspire's AddRedisClient does: a singleton factory.</summary>
    public static void AddRedis(this IServiceCollection services, string configuration) =>
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect($"{configuration},abortConnect=false,allowAdmin=true"));

    /// <summary>Runs the host's start; the caller disposes it.</summary>
    public static async Task<IHost> StartAsync(this HostApplicationBuilder builder)
    {
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>The options of the run's backend.</summary>
    public static ScriptBackend Backend => TestClients.Backend;
}

/// <summary>Records every log event, with its category, id and level.</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId Id, LogLevel Level, string Message, Exception? Exception)> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Collector(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Events.Enqueue((category, eventId, logLevel, formatter(state, exception), exception));
    }
}
