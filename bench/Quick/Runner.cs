using System.Diagnostics;
using System.Globalization;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// Where a mode's counters live: how a contender's counter (under a key built from the scenario, the
/// contender and the phase) is read and reset, and how many times each command ran on the server(s).
/// </summary>
internal interface ICounters
{
    /// <summary>The key (or key prefix) a contender's run counts under.</summary>
    string KeyFor(string runId, Scenario scenario, Contender contender, string phase);

    /// <summary>What the run under <paramref name="key"/> counted (0 when nothing).</summary>
    Task<long> ReadAsync(string key);

    /// <summary>Removes what the run under <paramref name="key"/> counted.</summary>
    Task ResetAsync(string key);

    /// <summary>INFO commandstats calls per command, summed over the servers that run scripts.</summary>
    Task<Dictionary<string, long>> CommandStatsAsync();
}

/// <summary>
/// Runs scenarios the quick way: each contender warmed up, probed (what one call sends, and whether
/// it reached the server as its backend), then several interleaved rounds with the order rotated each
/// round; every run's counter is checked against the calls made.
/// </summary>
internal sealed class Runner(ICounters counters, int defaultRounds)
{
    /// <summary>The rounds <c>--rounds N</c> asked for, instead of each mode's default (smoke runs keep theirs).</summary>
    public static int? RequestedRounds { get; set; }

    private readonly int rounds = defaultRounds > 1 && RequestedRounds is int n ? n : defaultRounds;

    private static readonly string[] WatchedCommands = { "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "function|load", "incr", "multi", "exec" };

    private readonly string runId = Guid.NewGuid().ToString("N")[..8];

    // The fewest units (single calls, or batches) each contender runs before it is measured.
    private const int WarmUnits = 80;

    /// <summary>The correctness failures seen so far.</summary>
    public List<string> Failures { get; } = new();

    /// <summary>Rounds per scenario.</summary>
    public int Rounds => rounds;

    /// <summary>Records a correctness failure (and prints it at once).</summary>
    public void Fail(string message)
    {
        Failures.Add(message);
        Console.Error.WriteLine("FAIL: " + message);
    }

    /// <summary>Warm-up, probe and the timed rounds of one scenario.</summary>
    public async Task RunScenarioAsync(Scenario scenario)
    {
        // Warm-up (JIT, first loads), then a short probe that reads what one call sends. Code that runs
        // once per batch (a pipeline's planning and its replies, on both sides) is promoted to optimized
        // code only after some 30 calls, and only once the runtime has seen no new code for 100 ms: each
        // contender runs at least WarmUnits units (calls, or batches) in two halves with a pause between,
        // so that rounds measure optimized code rather than part of the tiering (smoke runs excepted).
        foreach (var c in scenario.Contenders)
        {
            var warm = Math.Max(c.ProbeOps, c.Ops / 4 / c.ProbeOps * c.ProbeOps);
            if (c.Ops > c.ProbeOps) warm = Math.Max(warm, WarmUnits * c.ProbeOps);
            for (var half = 0; half < 2; half++)
            {
                await MeasureAsync(scenario, c, "warm" + half, Math.Max(c.ProbeOps, warm / 2 / c.ProbeOps * c.ProbeOps));
                await Task.Delay(150);
            }
            var before = await counters.CommandStatsAsync();
            await MeasureAsync(scenario, c, "probe", c.ProbeOps);
            var after = await counters.CommandStatsAsync();
            c.Wire = string.Join(" + ", WatchedCommands
                .Select(cmd => (cmd, n: after.GetValueOrDefault(cmd) - before.GetValueOrDefault(cmd)))
                .Where(x => x.n > 0)
                .Select(x => $"{x.cmd.ToUpperInvariant()}×{((double)x.n / c.ProbeOps).ToString("0.####", CultureInfo.InvariantCulture)}"));
            // A Functions row that ran as scripts (or the reverse) would measure the wrong thing.
            long Delta(params string[] cmds) => cmds.Sum(cmd => after.GetValueOrDefault(cmd) - before.GetValueOrDefault(cmd));
            var scripted = Delta("eval", "evalsha", "eval_ro", "evalsha_ro");
            var fcalled = Delta("fcall", "fcall_ro");
            if (c.Via == Via.Scripts && (scripted != c.ProbeOps || fcalled != 0))
                Fail($"{scenario.Title} / {c.Label}: {c.ProbeOps} calls sent {scripted} EVAL/EVALSHA and {fcalled} FCALL (expected all EVAL/EVALSHA): {c.Wire}");
            if (c.Via == Via.Functions && (fcalled != c.ProbeOps || scripted != 0))
                Fail($"{scenario.Title} / {c.Label}: {c.ProbeOps} calls sent {fcalled} FCALL and {scripted} EVAL/EVALSHA (expected all FCALL): {c.Wire}");
        }
        for (var round = 0; round < rounds; round++)
        {
            var n = scenario.Contenders.Count;
            for (var i = 0; i < n; i++)
            {
                var c = scenario.Contenders[(i + round) % n];
                var sample = await MeasureAsync(scenario, c, "r" + round, c.Ops);
                c.Samples.Add(sample ?? new Sample(double.NaN, double.NaN, double.NaN));
            }
        }
    }

    private async Task<Sample?> MeasureAsync(Scenario scenario, Contender c, string phase, int ops)
    {
        var key = counters.KeyFor(runId, scenario, c, phase);
        await counters.ResetAsync(key);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = CpuClock.NowMicroseconds();
        var clock = Stopwatch.StartNew();
        try
        {
            await c.Run(key, ops);
        }
        catch (Exception e)
        {
            Fail($"{scenario.Title} / {c.Label} ({phase}): {e.GetType().Name}: {e.Message}");
            return null;
        }
        clock.Stop();
        var cpuUsed = CpuClock.NowMicroseconds() - cpu;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var counter = await counters.ReadAsync(key);
        await counters.ResetAsync(key);
        if (counter != ops)
        {
            Fail($"{scenario.Title} / {c.Label} ({phase}): the counter is {counter} after {ops} calls");
            return null;
        }
        return new Sample(ops / clock.Elapsed.TotalSeconds, (double)bytes / ops, cpuUsed / ops);
    }
}
