using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LuaScripts.TestServers;
using StackExchange.Redis;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--cluster</c>: the quick mode's side-by-side tables on a 3-primary Redis Cluster on loopback
/// (started here, every node stopped by PID at the end): single calls spread over all slots with 256
/// in flight, pipelines of 1,000 spanning slots, and transactions of 10 in one slot, each against raw
/// StackExchange.Redis EVALSHA / FCALL through <see cref="IDatabase"/> on the same cluster, both backends.
/// </summary>
internal sealed class ClusterMode : IDisposable
{
    private const int Width = 256;

    private readonly RedisCluster cluster;
    private readonly ConnectionMultiplexer mux;
    private readonly IDatabase db;
    private readonly IServer[] primaries;
    private readonly ScriptClient scripts;
    private readonly ScriptClient functions;
    private readonly byte[] sha;
    private readonly string fn;
    private readonly Runner runner;
    private readonly List<Scenario> scenarios = new();
    private readonly bool smoke;

    private ClusterMode(RedisCluster cluster, bool smoke)
    {
        this.cluster = cluster;
        this.smoke = smoke;
        mux = ConnectionMultiplexer.Connect($"{cluster.Configuration},allowAdmin=true,abortConnect=false,syncTimeout=15000,asyncTimeout=15000");
        db = mux.GetDatabase();
        primaries = mux.GetServers().Where(s => !s.IsReplica).ToArray();
        if (primaries.Length != 3) throw new InvalidOperationException($"expected 3 primaries, found {primaries.Length}");
        scripts = new ScriptClient(mux);
        scripts.DefineCommand(Fixture.Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        functions = new ScriptClient(mux, new ScriptClientOptions { Backend = ScriptBackend.Functions });
        functions.DefineCommand(Fixture.Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        // The raw baselines: the script and the very function the Functions client deploys, loaded on
        // every primary once (SCRIPT LOAD, FUNCTION LOAD REPLACE); the clients' preloads then find them.
        var library = functions.DescribeFunctionLibrary();
        fn = library.Functions[Fixture.Incr];
        sha = Array.Empty<byte>();
        foreach (var p in primaries)
        {
            sha = p.ScriptLoad(Workload.IncrBy);
            p.Execute("FUNCTION", "LOAD", "REPLACE", library.Code);
        }
        scripts.PreloadScriptsAsync().GetAwaiter().GetResult();
        functions.PreloadScriptsAsync().GetAwaiter().GetResult();
        if (functions.ActiveBackend != ScriptBackend.Functions) throw new InvalidOperationException("the Functions client is not on Functions");
        runner = new Runner(new ClusterCounters(db, primaries), smoke ? 1 : 9);
    }

    /// <summary>Runs the cluster scenarios (or, with <paramref name="smoke"/>, tiny counts); 0 when every counter matched.</summary>
    public static async Task<int> RunAsync(bool smoke, string? only)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"# LuaScripts cluster benchmark{(smoke ? " (smoke: tiny counts, numbers mean nothing)" : "")}");
        var cluster = RedisCluster.Start(primaries: 3, replicasPerPrimary: 0);
        ConsoleCancelEventHandler stop = (_, _) => cluster.Dispose();
        Console.CancelKeyPress += stop;
        try
        {
            Console.WriteLine($"cluster: 3 primaries, no replicas, throwaway redis-servers on {string.Join(", ", cluster.Nodes.Select(n => $"{n.EndPoint} (pid {n.Pid})"))}");
            Console.Error.WriteLine($"  cluster up: {clock.Elapsed.TotalSeconds:0.0} s");
            using var mode = new ClusterMode(cluster, smoke);
            mode.Build();
            if (only is not null)
                mode.scenarios.RemoveAll(s => !s.Id.Contains(only, StringComparison.OrdinalIgnoreCase) &&
                                              !s.Title.Contains(only, StringComparison.OrdinalIgnoreCase));
            foreach (var scenario in mode.scenarios)
            {
                var started = clock.Elapsed;
                await mode.runner.RunScenarioAsync(scenario);
                Console.Error.WriteLine($"  {scenario.Title}: {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
            mode.Print(clock.Elapsed);
            return mode.runner.Failures.Count == 0 ? 0 : 1;
        }
        finally
        {
            Console.CancelKeyPress -= stop;
            cluster.Dispose();
        }
    }

    /// <summary>
    /// The contenders <c>--cluster --hot NAME</c> runs alone, in the order the scenarios add them
    /// (each scenario: Scripts, raw EVALSHA, Functions, raw FCALL).
    /// </summary>
    public static readonly string[] HotNames =
    {
        "cl-flat", "cl-sha", "cl-fn-flat", "cl-fcall",
        "cl-pipeline", "cl-batch", "cl-fn-pipeline", "cl-fcall-batch",
        "cl-tx", "cl-tx-batch", "cl-fn-tx", "cl-fcall-tx",
    };

    /// <summary>Runs one contender alone on a fresh cluster, for a profiler (see <see cref="HotLoop"/>); 0 when its counter matched.</summary>
    public static async Task<int> HotAsync(string name, int calls)
    {
        var at = Array.IndexOf(HotNames, name);
        if (at < 0) throw new ArgumentException($"--cluster --hot takes one of: {string.Join(", ", HotNames)}");
        using var cluster = RedisCluster.Start(primaries: 3, replicasPerPrimary: 0);
        using var mode = new ClusterMode(cluster, smoke: false);
        mode.Build();
        var contender = mode.scenarios[at / 4].Contenders[at % 4];
        var counters = new ClusterCounters(mode.db, mode.primaries);
        var prefix = "bench:hot:" + Guid.NewGuid().ToString("N")[..8];
        return await HotLoop.MeasureAsync(name, calls, prefix, contender.Run, counters.ReadAsync, counters.ResetAsync);
    }

    /// <summary>Whether any cluster scenario's id or title contains <paramref name="only"/> (to skip starting a cluster for nothing).</summary>
    public static bool AnyMatches(string? only) =>
        only is null || Ids.Any(id => id.Contains(only, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] Ids = { "clinflight", "clpipe", "cltx", "cluster" };

    private void Build()
    {
        var target = new ThroughputAtLeast(0.90);
        int Ops(int tiny, int quick) => smoke ? tiny : quick;

        var fly = New("clinflight", $"cluster: {Width} calls in flight over all slots");
        var flyLua = fly.Add(new Contender("RunScriptAsync(name, key, 1)", Ops(512, 100_000), 10, Spread.InFlight(Width, k => scripts.RunScriptAsync(Fixture.Incr, k, 1))));
        var flySha = fly.Add(new Contender("ScriptEvaluateAsync(byte[] sha1)", Ops(512, 100_000), 10, Spread.InFlight(Width, RawEvalSha)) { Via = Via.Raw });
        var flyFn = fly.Add(new Contender("Functions: RunScriptAsync(name, key, 1)", Ops(512, 100_000), 10, Spread.InFlight(Width, k => functions.RunScriptAsync(Fixture.Incr, k, 1))) { Via = Via.Functions });
        var flyFcall = fly.Add(new Contender("raw FCALL ExecuteAsync", Ops(512, 100_000), 10, Spread.InFlight(Width, RawFcall)) { Via = Via.Raw });
        fly.Compare(flyLua, flySha, target);
        fly.Compare(flyFn, flyFcall, target);
        fly.Quad("256 in flight", flyLua, flySha, flyFn, flyFcall);

        var pipe = New("clpipe", "cluster: pipelines of 1,000 over all slots");
        var pipeLua = pipe.Add(new Contender("Pipeline().RunScript×1,000.ExecuteAsync", Ops(1_000, 200_000), 1_000, Spread.Pipelines(1_000, (keys, at, n) => LuaPipeline(scripts, keys, at, n))));
        var pipeSha = pipe.Add(new Contender("IBatch of 1,000 EVALSHA", Ops(1_000, 200_000), 1_000, Spread.Pipelines(1_000, RawShaBatch)) { Via = Via.Raw });
        var pipeFn = pipe.Add(new Contender("Functions: Pipeline().RunScript×1,000.ExecuteAsync", Ops(1_000, 200_000), 1_000, Spread.Pipelines(1_000, (keys, at, n) => LuaPipeline(functions, keys, at, n))) { Via = Via.Functions });
        var pipeFcall = pipe.Add(new Contender("IBatch of 1,000 FCALL", Ops(1_000, 200_000), 1_000, Spread.Pipelines(1_000, RawFcallBatch)) { Via = Via.Raw });
        pipe.Compare(pipeLua, pipeSha, target);
        pipe.Compare(pipeFn, pipeFcall, target);
        pipe.Quad("pipeline of 1,000", pipeLua, pipeSha, pipeFn, pipeFcall, 1_000);

        var tx = New("cltx", "cluster: transactions of 10 in one slot");
        var txLua = tx.Add(new Contender("Transaction().RunScript×10.ExecuteAsync", Ops(10, 60_000), 10, Spread.Transactions(10, (k, n) => Fixture.LuaPipeline(scripts, Fixture.Incr, k, n, transaction: true))));
        var txSha = tx.Add(new Contender("ITransaction of 10 EVALSHA", Ops(10, 60_000), 10, Spread.Transactions(10, RawShaTransaction)) { Via = Via.Raw });
        var txFn = tx.Add(new Contender("Functions: Transaction().RunScript×10.ExecuteAsync", Ops(10, 60_000), 10, Spread.Transactions(10, (k, n) => Fixture.LuaPipeline(functions, Fixture.Incr, k, n, transaction: true))) { Via = Via.Functions });
        var txFcall = tx.Add(new Contender("ITransaction of 10 FCALL", Ops(10, 60_000), 10, Spread.Transactions(10, RawFcallTransaction)) { Via = Via.Raw });
        tx.Compare(txLua, txSha, target);
        tx.Compare(txFn, txFcall, target);
        tx.Quad("transaction of 10", txLua, txSha, txFn, txFcall, 10);
    }

    private Scenario New(string id, string title)
    {
        var s = new Scenario(id, title);
        scenarios.Add(s);
        return s;
    }

    private Task<RedisResult> RawEvalSha(string key) => db.ScriptEvaluateAsync(sha, new RedisKey[] { key }, new RedisValue[] { 1 });

    private Task<RedisResult> RawFcall(string key) => db.ExecuteAsync("FCALL", fn, 1, (RedisKey)key, 1);

    private static async Task LuaPipeline(ScriptClient client, string[] keys, int at, int size)
    {
        var pipeline = client.Pipeline();
        for (var i = 0; i < size; i++) pipeline.RunScript(Fixture.Incr, keys[(at + i) % keys.Length], 1);
        var results = await pipeline.ExecuteAsync().ConfigureAwait(false);
        if (results.Length != size) throw new InvalidOperationException($"pipeline returned {results.Length} replies for {size} calls");
    }

    private async Task RawShaBatch(string[] keys, int at, int size)
    {
        var tasks = new Task<RedisResult>[size];
        var batch = db.CreateBatch();
        for (var i = 0; i < size; i++) tasks[i] = batch.ScriptEvaluateAsync(sha, new RedisKey[] { keys[(at + i) % keys.Length] }, new RedisValue[] { 1 });
        batch.Execute();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task RawFcallBatch(string[] keys, int at, int size)
    {
        var tasks = new Task<RedisResult>[size];
        var batch = db.CreateBatch();
        for (var i = 0; i < size; i++) tasks[i] = batch.ExecuteAsync("FCALL", fn, 1, (RedisKey)keys[(at + i) % keys.Length], 1);
        batch.Execute();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task RawShaTransaction(string key, int size)
    {
        var tasks = new Task<RedisResult>[size];
        var tx = db.CreateTransaction();
        for (var i = 0; i < size; i++) tasks[i] = tx.ScriptEvaluateAsync(sha, new RedisKey[] { key }, new RedisValue[] { 1 });
        if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("transaction not committed");
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task RawFcallTransaction(string key, int size)
    {
        var tasks = new Task<RedisResult>[size];
        var tx = db.CreateTransaction();
        for (var i = 0; i < size; i++) tasks[i] = tx.ExecuteAsync("FCALL", fn, 1, (RedisKey)key, 1);
        if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("transaction not committed");
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private void Print(TimeSpan elapsed)
    {
        var o = new StringBuilder();
        o.AppendLine();
        Report.Header(o, primaries[0].Version.ToString(), runner.Rounds, elapsed);
        o.AppendLine();
        var keys = Spread.For("bench:distribution");
        var byPrimary = keys.GroupBy(k => db.IdentifyEndpoint(k)?.ToString() ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Count()} keys in {g.Select(k => mux.HashSlot(k)).Distinct().Count()} slots");
        o.AppendLine(CultureInfo.InvariantCulture, $"Keys: each contender counts over {keys.Length:N0} keys; by primary: {string.Join("; ", byPrimary)}.");
        o.AppendLine("A transaction's 10 calls share one key (one slot); each next transaction takes the next key.");
        o.AppendLine();
        var misses = new List<string>();
        Report.Comparisons(o, scenarios, misses);
        o.AppendLine();
        Report.Quads(o, scenarios);
        o.AppendLine();
        Report.Wires(o, scenarios);
        o.AppendLine();
        Report.Verdict(o, misses, runner.Failures);
        Console.WriteLine(o.ToString());
    }

    /// <summary>Closes the connection (the cluster is stopped by <see cref="RunAsync"/>).</summary>
    public void Dispose() => mux.Dispose();

    /// <summary>Contenders whose calls are spread over many keys (so over every slot and primary).</summary>
    private static class Spread
    {
        /// <summary>How many keys a contender's calls go round.</summary>
        private const int Keys = 1_024;

        private static readonly ConcurrentDictionary<string, string[]> Sets = new();

        /// <summary>The keys under a contender's counter prefix (made once, outside the timed runs after the first).</summary>
        public static string[] For(string prefix) =>
            Sets.GetOrAdd(prefix, p => Enumerable.Range(0, Keys).Select(i => $"{p}:{i:D4}").ToArray());

        /// <summary><paramref name="width"/> loops of single calls, call i on key i mod 1,024.</summary>
        public static Func<string, int, Task> InFlight(int width, Func<string, Task> call) => (prefix, ops) =>
        {
            var keys = For(prefix);
            var issued = new int[1];
            async Task Loop()
            {
                int i;
                while ((i = Interlocked.Increment(ref issued[0])) <= ops) await call(keys[i % keys.Length]).ConfigureAwait(false);
            }
            var loops = new Task[Math.Min(width, ops)];
            for (var i = 0; i < loops.Length; i++) loops[i] = Loop();
            return Task.WhenAll(loops);
        };

        /// <summary>Pipelines of <paramref name="size"/>, position i of the run on key i mod 1,024.</summary>
        public static Func<string, int, Task> Pipelines(int size, Func<string[], int, int, Task> batch) => async (prefix, ops) =>
        {
            if (ops % size != 0) throw new ArgumentException($"{ops} calls are not whole batches of {size}");
            var keys = For(prefix);
            for (var done = 0; done < ops; done += size) await batch(keys, done, size).ConfigureAwait(false);
        };

        /// <summary>Transactions of <paramref name="size"/> calls on one key; transaction t on key t mod 1,024.</summary>
        public static Func<string, int, Task> Transactions(int size, Func<string, int, Task> batch) => async (prefix, ops) =>
        {
            if (ops % size != 0) throw new ArgumentException($"{ops} calls are not whole batches of {size}");
            var keys = For(prefix);
            for (var t = 0; t * size < ops; t++) await batch(keys[t % keys.Length], size).ConfigureAwait(false);
        };

        /// <summary>The counter of a run: the sum over its keys.</summary>
        public static async Task<long> SumAsync(IDatabase db, string prefix)
        {
            var values = await Task.WhenAll(For(prefix).Select(k => db.StringGetAsync(k))).ConfigureAwait(false);
            return values.Sum(v => v.IsNull ? 0 : (long)v);
        }

        /// <summary>Deletes a run's keys (one DEL per key: they are in different slots).</summary>
        public static async Task DeleteAsync(IDatabase db, string prefix) =>
            await Task.WhenAll(For(prefix).Select(k => db.KeyDeleteAsync(k))).ConfigureAwait(false);
    }

    /// <summary>The cluster's counters: one prefix per contender (its 1,024 keys), command counts summed over the primaries.</summary>
    private sealed class ClusterCounters(IDatabase db, IServer[] primaries) : ICounters
    {
        public string KeyFor(string runId, Scenario scenario, Contender contender, string phase) => $"bench:{runId}:{scenario.Id}:{contender.Index}";

        public Task<long> ReadAsync(string key) => Spread.SumAsync(db, key);

        public Task ResetAsync(string key) => Spread.DeleteAsync(db, key);

        public async Task<Dictionary<string, long>> CommandStatsAsync()
        {
            var total = new Dictionary<string, long>();
            foreach (var p in primaries)
                foreach (var (command, n) in CommandStats.Parse(await p.InfoAsync("commandstats").ConfigureAwait(false)))
                    total[command] = total.GetValueOrDefault(command) + n;
            return total;
        }
    }
}
