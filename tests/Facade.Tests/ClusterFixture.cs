using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>A 3-primary, 3-replica Redis Cluster on loopback for the cluster tests, stopped by PID afterwards.</summary>
public sealed class ClusterFixture : IDisposable
{
    public ClusterFixture() => Cluster = RedisCluster.Start(primaries: 3, replicasPerPrimary: 1);

    public RedisCluster Cluster { get; }

    public ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect($"{Cluster.Configuration},allowAdmin=true,abortConnect=false,asyncTimeout=3000,syncTimeout=3000,connectTimeout=3000");

    /// <summary>The node process serving an endpoint.</summary>
    public RedisServer Node(System.Net.EndPoint endPoint) =>
        Cluster.Nodes.Single(n => endPoint.ToString()!.EndsWith(":" + n.Port, StringComparison.Ordinal));

    public void Dispose() => Cluster.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollectionDefinition : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
