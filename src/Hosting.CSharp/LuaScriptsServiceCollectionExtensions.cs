using System;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using LuaScripts;
using LuaScripts.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LuaScripts' <see cref="ScriptClient"/> in a service collection.</summary>
[SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters",
    Justification = "The shape the ecosystem uses (AddX(), AddX(configure), AddX(IConfiguration)); every overload differs by the type of a required parameter.")]
[SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads",
    Justification = "As RS0026: the overloads differ by type, not by count.")]
public static class LuaScriptsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="ScriptClient"/> singleton over the <see cref="IConnectionMultiplexer"/>
    /// registered in the services (by hand, or by Aspire's <c>AddRedisClient</c>), with the host's
    /// <c>ILoggerFactory</c>, and a hosted service that creates it when the host starts (and preloads
    /// when <see cref="LuaScriptsOptions.PreloadOnStart"/> is set). Without a registered multiplexer the
    /// start fails with an error saying how to register one. Calling it again returns a builder for the
    /// same client and applies <paramref name="configure"/> too.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>A builder to add commands and bound interfaces.</returns>
    public static LuaScriptsBuilder AddLuaScripts(this IServiceCollection services, Action<LuaScriptsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registration = Register(services, serviceKey: null, multiplexer: null);
        if (configure is not null) services.Configure(registration.OptionsName, configure);
        return new LuaScriptsBuilder(services, registration);
    }

    /// <summary>
    /// <see cref="AddLuaScripts(IServiceCollection, Action{LuaScriptsOptions})"/> with the options read
    /// from a configuration section: <c>Backend</c> (Scripts, Functions or Auto), <c>Database</c>,
    /// <c>KeyPrefix</c>, <c>PreloadOnStart</c> (true or false), <c>PreloadFailure</c> (FailStartup or
    /// Log), <c>ScriptsDirectory</c> (a directory of <c>.lua</c> command files) and <c>WatchScripts</c> (true
    /// or false). A value that does not parse stops the start with an <see cref="OptionsValidationException"/>
    /// naming its key, the value and what is expected.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>builder.Configuration.GetSection("LuaScripts")</c>.</param>
    /// <returns>A builder to add commands and bound interfaces.</returns>
    public static LuaScriptsBuilder AddLuaScripts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var registration = Register(services, serviceKey: null, multiplexer: null);
        services.Configure<LuaScriptsOptions>(registration.OptionsName, o => OptionsReader.Read(configuration, o, registration.OptionsName));
        return new LuaScriptsBuilder(services, registration);
    }

    /// <summary>
    /// Registers a <see cref="ScriptClient"/> keyed singleton, for an app with several clients (e.g. two
    /// Redis deployments): resolve it with <c>[FromKeyedServices(key)]</c> or
    /// <c>GetRequiredKeyedService&lt;ScriptClient&gt;(key)</c>. It runs over the
    /// <see cref="IConnectionMultiplexer"/> registered under the same key (Aspire's
    /// <c>AddKeyedRedisClient(key)</c> registers one so). Each key has its own commands and options.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key of the client and of its multiplexer.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>A builder to add commands and bound interfaces (registered under the same key).</returns>
    public static LuaScriptsBuilder AddKeyedLuaScripts(this IServiceCollection services, object serviceKey, Action<LuaScriptsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        var registration = Register(services, serviceKey, multiplexer: null);
        if (configure is not null) services.Configure(registration.OptionsName, configure);
        return new LuaScriptsBuilder(services, registration);
    }

    /// <summary>
    /// <see cref="AddKeyedLuaScripts(IServiceCollection, object, Action{LuaScriptsOptions})"/> over a
    /// multiplexer the factory gives (e.g. one registered under another key), called once, when the
    /// client is created.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key of the client.</param>
    /// <param name="multiplexer">Gives the client's connection; the client never disposes it.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>A builder to add commands and bound interfaces (registered under the same key).</returns>
    /// <exception cref="InvalidOperationException">A client is already registered under this key with another multiplexer source.</exception>
    public static LuaScriptsBuilder AddKeyedLuaScripts(this IServiceCollection services, object serviceKey,
        Func<IServiceProvider, IConnectionMultiplexer> multiplexer, Action<LuaScriptsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(multiplexer);
        var registration = Register(services, serviceKey, multiplexer);
        if (configure is not null) services.Configure(registration.OptionsName, configure);
        return new LuaScriptsBuilder(services, registration);
    }

    /// <summary>
    /// <see cref="AddKeyedLuaScripts(IServiceCollection, object, Action{LuaScriptsOptions})"/> with the
    /// options read from a configuration section, as <see cref="AddLuaScripts(IServiceCollection, IConfiguration)"/> reads them.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key of the client and of its multiplexer.</param>
    /// <param name="configuration">The section, e.g. <c>builder.Configuration.GetSection("LuaScripts:Orders")</c>.</param>
    /// <returns>A builder to add commands and bound interfaces (registered under the same key).</returns>
    public static LuaScriptsBuilder AddKeyedLuaScripts(this IServiceCollection services, object serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        var registration = Register(services, serviceKey, multiplexer: null);
        services.Configure<LuaScriptsOptions>(registration.OptionsName, o => OptionsReader.Read(configuration, o, registration.OptionsName));
        return new LuaScriptsBuilder(services, registration);
    }

    /// <summary>The registration under this key, made now (with its client, options checks and startup) if there is none.</summary>
    private static ClientRegistration Register(IServiceCollection services, object? serviceKey,
        Func<IServiceProvider, IConnectionMultiplexer>? multiplexer)
    {
        var existing = services
            .Where(d => d.ServiceType == typeof(ClientRegistration) && Equals(d.ServiceKey, serviceKey))
            .Select(d => (ClientRegistration?)(d.IsKeyedService ? d.KeyedImplementationInstance : d.ImplementationInstance))
            .FirstOrDefault();
        if (existing is not null)
        {
            if (multiplexer is not null && !ReferenceEquals(existing.Multiplexer, multiplexer))
            {
                throw new InvalidOperationException(
                    $"{existing.DisplayName} is already registered; give its multiplexer factory in the first AddKeyedLuaScripts call only.");
            }
            return existing;
        }

        var registration = new ClientRegistration(serviceKey, multiplexer);
        if (serviceKey is null)
        {
            services.AddSingleton(registration);
            services.AddSingleton(registration.Create);
        }
        else
        {
            services.AddKeyedSingleton(serviceKey, registration);
            services.AddKeyedSingleton(serviceKey, (sp, _) => registration.Create(sp));
        }
        services.AddKeyedSingleton(registration, (_, _) => new ScriptWatches());
        services.AddOptions<LuaScriptsOptions>(registration.OptionsName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LuaScriptsOptions>>(new LuaScriptsOptionsValidator(registration.OptionsName));
        services.AddSingleton<IHostedService>(sp => new ScriptClientStartup(registration, sp));
        return registration;
    }
}
