using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LuaScripts.Hosting;

/// <summary>
/// Runs when the host starts, before the app takes traffic (hosted services start before the web
/// server): creates the client (so that a missing multiplexer or a bad definition stops the start with
/// its error), binds the registered interfaces (so that a method that does not fit stops it too), and
/// preloads when <see cref="LuaScriptsOptions.PreloadOnStart"/> is set. One per registered client.
/// </summary>
internal sealed class ScriptClientStartup : IHostedService
{
    private readonly ClientRegistration registration;
    private readonly IServiceProvider services;

    internal ScriptClientStartup(ClientRegistration registration, IServiceProvider services)
    {
        this.registration = registration;
        this.services = services;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var client = registration.Resolve(services);
        foreach (var type in registration.Interfaces)
        {
            _ = registration.ServiceKey is null ? services.GetRequiredService(type) : services.GetRequiredKeyedService(type, registration.ServiceKey);
        }
        var options = services.GetRequiredService<IOptionsMonitor<LuaScriptsOptions>>().Get(registration.OptionsName);
        if (!options.PreloadOnStart) return;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(Log.Category) ?? NullLogger.Instance;
        try
        {
            var loads = await client.PreloadScriptsAsync(cancellationToken).ConfigureAwait(false);
            Log.PreloadSucceeded(logger, registration.DisplayName, loads);
        }
        catch (ScriptLoadException e)
        {
            if (options.PreloadFailure == PreloadFailureBehavior.Log)
            {
                Log.PreloadFailedContinuing(logger, registration.DisplayName, e.Message, e);
                return;
            }
            Log.PreloadFailed(logger, registration.DisplayName, e.Message, e);
            throw new InvalidOperationException(
                $"{registration.DisplayName} could not preload its commands at startup (PreloadOnStart; set PreloadFailure to Log to start anyway): {e.Message}", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
