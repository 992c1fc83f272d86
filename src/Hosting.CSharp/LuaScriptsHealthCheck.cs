using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace LuaScripts.Hosting;

/// <summary>
/// Reports whether a client's commands are deployed (<see cref="ScriptClient.GetDeploymentStatusAsync"/>):
/// the registration's failure status (Unhealthy by default) when a server is down or cannot be asked,
/// Degraded when a server lacks a defined command (naming the server and commands), Healthy otherwise.
/// Loads nothing. The data holds one entry per server.
/// </summary>
internal sealed class LuaScriptsHealthCheck : IHealthCheck
{
    private readonly ScriptClient client;

    internal LuaScriptsHealthCheck(ScriptClient client) => this.client = client;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        DeploymentStatus status;
        try
        {
            status = await client.GetDeploymentStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, Messages.Hosting.HealthCheckFailed(e.Message), e);
        }
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var server in status.Servers)
        {
            data[EndPointCollection.ToString(server.EndPoint)] = Messages.Hosting.ServerHealth(server.IsConnected, server.Failure, server.Missing);
        }
        return status.Health switch
        {
            DeploymentHealth.Healthy => HealthCheckResult.Healthy(status.Description, data),
            DeploymentHealth.Degraded => HealthCheckResult.Degraded(status.Description, data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, status.Description, data: data),
        };
    }

    internal static IEnumerable<string> NoTags { get; } = Enumerable.Empty<string>();
}
