using System.Diagnostics;
using System.Globalization;

namespace LuaScripts.TestServers;

/// <summary>
/// A real Redis Cluster on loopback: primaries with replicas, created with
/// <c>redis-cli --cluster create … --cluster-replicas N --cluster-yes</c>, every node stopped by PID.
/// </summary>
public sealed class RedisCluster : IDisposable
{
    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    /// <summary>Every node, in creation order (redis-cli makes the first ones primaries).</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>An SE.Redis configuration string naming every node.</summary>
    public string Configuration => string.Join(",", Nodes.Select(n => n.EndPoint));

    /// <summary>Starts the nodes, creates the cluster and waits until every slot is served and every replica is in sync.</summary>
    public static RedisCluster Start(int primaries = 3, int replicasPerPrimary = 1)
    {
        var nodes = new List<RedisServer>();
        try
        {
            for (var i = 0; i < primaries * (1 + replicasPerPrimary); i++)
                nodes.Add(RedisServer.Start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000", "--cluster-replica-validity-factor", "0"));
            var args = new List<string> { "--cluster", "create" };
            args.AddRange(nodes.Select(n => n.EndPoint));
            args.AddRange(new[] { "--cluster-replicas", replicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes" });
            Run("redis-cli", args, TimeSpan.FromSeconds(60));
            var cluster = new RedisCluster(nodes);
            cluster.WaitUntilHealthy(TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            foreach (var n in nodes) n.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits until every node reports cluster_state:ok, every replica's link to its primary is up, and
    /// every live node's CLUSTER NODES agrees with each node's own ROLE (right after a failover the
    /// others may still list the demoted primary as a primary, and a new client would believe them).
    /// </summary>
    public void WaitUntilHealthy(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var live = Nodes.Where(n => n.Pid is not null).ToList();
            var healthy = live.All(n =>
            {
                var info = Cli(n, "CLUSTER", "INFO");
                if (!info.Contains("cluster_state:ok")) return false;
                var replication = Cli(n, "INFO", "replication");
                return replication.Contains("role:master") || replication.Contains("master_link_status:up");
            }) && RolesAgree(live);
            if (healthy) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the cluster did not become healthy in time");
            Thread.Sleep(100);
        }
    }

    private static bool RolesAgree(IReadOnlyList<RedisServer> live)
    {
        var primary = live.ToDictionary(n => n.Port, n => Cli(n, "ROLE").StartsWith("master", StringComparison.Ordinal));
        foreach (var viewer in live)
            foreach (var line in Cli(viewer, "CLUSTER", "NODES").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // <id> <ip:port@cport> <flags> ...
                var fields = line.Split(' ');
                if (fields.Length < 3) continue;
                var address = fields[1].Split('@')[0];
                if (!int.TryParse(address[(address.LastIndexOf(':') + 1)..], out var port) || !primary.TryGetValue(port, out var isPrimary)) continue;
                var flags = fields[2].Split(',');
                if (flags.Contains("fail") || flags.Contains("fail?")) return false;
                if (flags.Contains("master") != isPrimary) return false;
            }
        return true;
    }

    /// <summary>Runs redis-cli against one node and returns its output.</summary>
    public static string Cli(RedisServer node, params string[] args)
    {
        var all = new List<string> { "-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture) };
        all.AddRange(args);
        return Run("redis-cli", all, TimeSpan.FromSeconds(30));
    }

    private static string Run(string file, IEnumerable<string> args, TimeSpan limit)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit((int)limit.TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in {limit}");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {p.ExitCode}: {output.Result} {error.Result}");
        return output.Result;
    }

    /// <summary>Stops every node by PID.</summary>
    public void Dispose()
    {
        foreach (var n in Nodes) n.Dispose();
    }
}
