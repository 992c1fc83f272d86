using System.Globalization;
using LuaScripts.TestServers;
using StackExchange.Redis;

namespace LuaScripts.Tests;

/// <summary>Changes a test cluster under a client: manual failover and slot migration, waiting until the client sees it.</summary>
internal static class ClusterOps
{
    /// <summary>Polls until a condition holds, or fails naming what it waited for.</summary>
    public static Task WaitUntil(Func<bool> condition, TimeSpan limit, string what) => WaitUntil(condition, limit, () => what);

    /// <summary>Polls until a condition holds, or fails with what <paramref name="what"/> says then.</summary>
    public static async Task WaitUntil(Func<bool> condition, TimeSpan limit, Func<string> what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what());
            await Task.Delay(100);
        }
    }

    /// <summary>A node's cluster id.</summary>
    public static string Id(RedisServer node) => RedisCluster.Cli(node, "CLUSTER", "MYID").Trim();

    /// <summary>Whether a node is a primary now.</summary>
    public static bool IsPrimary(RedisServer node) => RedisCluster.Cli(node, "ROLE").StartsWith("master", StringComparison.Ordinal);

    /// <summary>Promotes a replica with CLUSTER FAILOVER (asking again until it happens) and waits until the multiplexer routes the key to it.</summary>
    public static async Task Failover(ClusterFixture fixture, ConnectionMultiplexer mux, RedisServer toPromote, RedisKey key)
    {
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!IsPrimary(toPromote))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("failover");
            RedisCluster.Cli(toPromote, "CLUSTER", "FAILOVER");
            var asked = DateTime.UtcNow;
            while (!IsPrimary(toPromote) && DateTime.UtcNow - asked < TimeSpan.FromSeconds(5))
                await Task.Delay(100);
        }
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
        await WaitUntil(() =>
        {
            // A promotion can be undone when an earlier slot migration left two nodes with the same
            // config epoch (the cluster then settles the collision): ask again until it holds.
            if (!IsPrimary(toPromote))
            {
                RedisCluster.Cli(toPromote, "CLUSTER", "FAILOVER");
                return false;
            }
            // A read of the key sent to its old primary (now a replica) comes back MOVED, which
            // updates the multiplexer's slot map even when a reconfiguration alone read a stale view.
            try { mux.GetDatabase().KeyExists(key, CommandFlags.DemandMaster); }
            catch (RedisException) { }
            mux.Configure();
            return mux.OwnerOf(key).EndPoint!.ToString()!.EndsWith(":" + toPromote.Port, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), () => "the multiplexer to see the new primary :" + toPromote.Port + "; it routes the key to "
            + mux.OwnerOf(key).EndPoint + "; its servers: "
            + string.Join(", ", mux.GetServers().Select(s => $"{s.EndPoint} {(s.IsConnected ? "up" : "down")} {(s.IsReplica ? "replica" : "primary")}"))
            + "; the promoted node says: " + RedisCluster.Cli(toPromote, "CLUSTER", "NODES"));
    }

    /// <summary>Moves one slot (and its keys) from one primary to another and tells every primary.</summary>
    public static void Move(ClusterFixture fixture, int slot, RedisServer from, RedisServer to)
    {
        var fromId = Id(from);
        var toId = Id(to);
        RedisCluster.Cli(to, "CLUSTER", "SETSLOT", slot.ToString(CultureInfo.InvariantCulture), "IMPORTING", fromId);
        RedisCluster.Cli(from, "CLUSTER", "SETSLOT", slot.ToString(CultureInfo.InvariantCulture), "MIGRATING", toId);
        var keys = RedisCluster.Cli(from, "CLUSTER", "GETKEYSINSLOT", slot.ToString(CultureInfo.InvariantCulture), "1000")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length > 0)
        {
            var args = new List<string> { "MIGRATE", "127.0.0.1", to.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS" };
            args.AddRange(keys);
            RedisCluster.Cli(from, args.ToArray());
        }
        foreach (var node in fixture.Cluster.Nodes.Where(IsPrimary))
            RedisCluster.Cli(node, "CLUSTER", "SETSLOT", slot.ToString(CultureInfo.InvariantCulture), "NODE", toId);
        fixture.Cluster.WaitUntilHealthy(TimeSpan.FromSeconds(30));
    }
}
