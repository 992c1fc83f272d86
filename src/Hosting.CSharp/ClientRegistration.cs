using System;
using System.Collections.Generic;
using System.Globalization;
using LuaScripts.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LuaScripts.Hosting;

/// <summary>
/// One registered client: its service key (<see langword="null"/> for the unkeyed one), the name of its
/// options, where its multiplexer comes from, and the commands and interfaces added to it. Filled while
/// the services are configured; read when the client is first resolved.
/// </summary>
internal sealed class ClientRegistration
{
    private readonly List<KeyValuePair<string, CommandDefinition>> commands = new();
    private readonly List<Type> interfaces = new();
    private readonly List<Action<ScriptClient>> configurations = new();
    private readonly List<ScriptSource> sources = new();

    internal ClientRegistration(object? serviceKey, Func<IServiceProvider, IConnectionMultiplexer>? multiplexer)
    {
        ServiceKey = serviceKey;
        Multiplexer = multiplexer;
        OptionsName = serviceKey is null ? Options.DefaultName : "LuaScripts:" + Convert.ToString(serviceKey, CultureInfo.InvariantCulture);
    }

    internal object? ServiceKey { get; }

    internal string OptionsName { get; }

    /// <summary>A factory given to <c>AddKeyedLuaScripts</c>, or null to resolve the registered multiplexer.</summary>
    internal Func<IServiceProvider, IConnectionMultiplexer>? Multiplexer { get; }

    internal IReadOnlyList<Type> Interfaces => interfaces;

    /// <summary>How logs and errors name this client.</summary>
    internal string DisplayName => ServiceKey is null ? "ScriptClient" : $"ScriptClient '{ServiceKey}'";

    internal void AddCommand(string name, CommandDefinition definition)
    {
        lock (commands) commands.Add(new(name, definition));
    }

    internal void AddSource(ScriptSource source)
    {
        lock (sources) sources.Add(source);
    }

    internal void AddConfiguration(Action<ScriptClient> configure)
    {
        lock (configurations) configurations.Add(configure);
    }

    internal void AddInterface(Type type)
    {
        lock (interfaces)
        {
            if (!interfaces.Contains(type)) interfaces.Add(type);
        }
    }

    /// <summary>Resolves this registration's client (keyed or not).</summary>
    internal ScriptClient Resolve(IServiceProvider services) =>
        ServiceKey is null ? services.GetRequiredService<ScriptClient>() : services.GetRequiredKeyedService<ScriptClient>(ServiceKey);

    /// <summary>
    /// Creates the client: options, the host's logger factory, the multiplexer, the commands, then the
    /// script files (the builder's sources in order, then <see cref="LuaScriptsOptions.ScriptsDirectory"/>),
    /// then the configurations. A watched directory's watch is owned by the service provider.
    /// </summary>
    internal ScriptClient Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptionsMonitor<LuaScriptsOptions>>().Get(OptionsName);
        var multiplexer = FindMultiplexer(services);
        var client = new ScriptClient(multiplexer, new ScriptClientOptions
        {
            Backend = options.Backend,
            Database = options.Database,
            KeyPrefix = options.KeyPrefix,
            LoggerFactory = services.GetService<ILoggerFactory>(),
        });
        lock (commands)
        {
            foreach (var command in commands) client.DefineCommand(command.Key, command.Value);
        }
        List<ScriptSource> files;
        lock (sources) files = new(sources);
        if (options.ScriptsDirectory is { Length: > 0 } directory) files.Add(new ScriptSource.Directory(directory, options.WatchScripts));
        var contentRoot = services.GetService<IHostEnvironment>()?.ContentRootPath;
        foreach (var source in files)
        {
            switch (source)
            {
                case ScriptSource.Directory { Watch: true } d:
                    services.GetRequiredKeyedService<ScriptWatches>(this).Add(client.WatchCommandsDirectory(ScriptWatches.Resolve(d.Path, contentRoot)));
                    break;
                case ScriptSource.Directory d:
                    client.DefineCommandsFromDirectory(ScriptWatches.Resolve(d.Path, contentRoot));
                    break;
                case ScriptSource.Embedded e:
                    client.DefineCommandsFromAssembly(e.Assembly, e.Prefix);
                    break;
            }
        }
        lock (configurations)
        {
            foreach (var configure in configurations) configure(client);
        }
        return client;
    }

    private IConnectionMultiplexer FindMultiplexer(IServiceProvider services)
    {
        if (Multiplexer is not null)
        {
            return Multiplexer(services)
                ?? throw new InvalidOperationException(Messages.Hosting.MultiplexerFactoryReturnedNull(DisplayName));
        }
        var found = ServiceKey is null
            ? services.GetService<IConnectionMultiplexer>()
            : services.GetKeyedService<IConnectionMultiplexer>(ServiceKey);
        if (found is not null) return found;
        throw new InvalidOperationException(Messages.Hosting.NoMultiplexer(DisplayName, ServiceKey?.ToString()));
    }
}
