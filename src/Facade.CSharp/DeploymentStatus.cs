using System.Collections.Generic;
using System.Net;

namespace LuaScripts;

/// <summary>What a health check concludes from a <see cref="DeploymentStatus"/>.</summary>
public enum DeploymentHealth
{
    /// <summary>Every server is connected and holds every defined command.</summary>
    Healthy = 0,

    /// <summary>
    /// Every server is connected, but some lack commands (calls still work: they load what is missing
    /// first) or could not be inspected.
    /// </summary>
    Degraded = 1,

    /// <summary>No server is connected, or some server of the connection is down.</summary>
    Unhealthy = 2,
}

/// <summary>
/// Whether the servers of a client's connection hold its defined commands (see
/// <see cref="ScriptClient.GetDeploymentStatusAsync"/>). Immutable.
/// </summary>
/// <param name="Backend">The backend inspected: the one calls use now (Scripts or Functions).</param>
/// <param name="Library">With the Functions backend, the name of the library looked for; <see langword="null"/> otherwise.</param>
/// <param name="Commands">The defined commands, in ordinal order.</param>
/// <param name="Servers">Every server of the connection.</param>
/// <param name="Health">The verdict: Unhealthy when a server is down, Degraded when one lacks commands, Healthy otherwise.</param>
/// <param name="Description">A sentence naming every server that is down or lacks commands (and which).</param>
public sealed record DeploymentStatus(
    ScriptBackend Backend,
    string? Library,
    IReadOnlyList<string> Commands,
    IReadOnlyList<ServerDeploymentStatus> Servers,
    DeploymentHealth Health,
    string Description);

/// <summary>What one server holds of a client's commands.</summary>
/// <param name="EndPoint">The server.</param>
/// <param name="IsReplica">Whether the server is a replica.</param>
/// <param name="IsConnected">Whether the connection to the server is up.</param>
/// <param name="Missing">The defined commands the server lacks, in ordinal order.</param>
/// <param name="Failure">Why a connected server could not be inspected; <see langword="null"/> when it answered.</param>
public sealed record ServerDeploymentStatus(
    EndPoint EndPoint,
    bool IsReplica,
    bool IsConnected,
    IReadOnlyList<string> Missing,
    string? Failure);
