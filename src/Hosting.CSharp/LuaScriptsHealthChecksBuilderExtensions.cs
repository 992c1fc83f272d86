using System;
using System.Collections.Generic;
using LuaScripts;
using LuaScripts.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds LuaScripts' health check to a host's health checks.</summary>
public static class LuaScriptsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of a registered <see cref="ScriptClient"/>'s deployment: Unhealthy (or
    /// <paramref name="failureStatus"/>) when a server of its connection is down; Degraded when a server
    /// lacks a defined command (SCRIPT EXISTS with the Scripts backend, the library in FUNCTION LIST with
    /// Functions), naming the server and the commands; Healthy otherwise. It loads nothing: a Degraded
    /// deployment heals on the next calls or preload.
    /// </summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name; <c>luascripts</c> by default (give each keyed client its own).</param>
    /// <param name="serviceKey">The key of a client registered with <c>AddKeyedLuaScripts</c>; <see langword="null"/> for the one of <c>AddLuaScripts</c>.</param>
    /// <param name="failureStatus">What a server that is down reports; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (e.g. "ready").</param>
    /// <param name="timeout">How long the check may take; <see langword="null"/> for no limit of its own.</param>
    /// <returns>The health checks.</returns>
    public static IHealthChecksBuilder AddLuaScripts(this IHealthChecksBuilder builder, string name = "luascripts", object? serviceKey = null,
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new LuaScriptsHealthCheck(serviceKey is null ? sp.GetRequiredService<ScriptClient>() : sp.GetRequiredKeyedService<ScriptClient>(serviceKey)),
            failureStatus,
            tags ?? LuaScriptsHealthCheck.NoTags,
            timeout));
    }
}
