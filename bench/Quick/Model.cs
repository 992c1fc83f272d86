namespace LuaScripts.Bench.Quick;

/// <summary>One timed run: throughput, allocated bytes per call and the client's CPU time per call.</summary>
internal readonly record struct Sample(double OpsPerSecond, double BytesPerOp, double CpuMicrosPerOp);

/// <summary>What a contender's calls must reach the server as (checked on its probe run).</summary>
internal enum Via
{
    /// <summary>A LuaScripts Scripts-backend contender: every call is one EVAL or EVALSHA, never FCALL.</summary>
    Scripts,
    /// <summary>A LuaScripts Functions-backend contender: every call is one FCALL, never EVAL or EVALSHA.</summary>
    Functions,
    /// <summary>A raw StackExchange.Redis baseline: not checked.</summary>
    Raw,
}

/// <summary>One way of doing a scenario's work (a LuaScripts call shape or a raw baseline).</summary>
internal sealed class Contender(string label, int ops, int probeOps, Func<string, int, Task> run)
{
    /// <summary>What is called, as the table shows it.</summary>
    public string Label { get; } = label;
    /// <summary>Calls per timed run.</summary>
    public int Ops { get; } = ops;
    /// <summary>Calls of the short run that reads what goes on the wire.</summary>
    public int ProbeOps { get; } = probeOps;
    /// <summary>Runs that many calls against a counter key.</summary>
    public Func<string, int, Task> Run { get; } = run;
    /// <summary>One sample per round (NaN where the run failed).</summary>
    public List<Sample> Samples { get; } = new();
    /// <summary>What one call sends, from INFO commandstats.</summary>
    public string Wire { get; set; } = "";
    /// <summary>Position in its scenario, for key names.</summary>
    public int Index { get; set; }
    /// <summary>What its calls must reach the server as.</summary>
    public Via Via { get; init; } = Via.Scripts;
}

/// <summary>A target a comparison should meet.</summary>
internal abstract record Target
{
    /// <summary>Whether the comparison meets it, and how it reads in the table.</summary>
    public abstract (bool Met, string Text) Check(Comparison c);
}

/// <summary>LuaScripts' time per call is at most <paramref name="Max"/> times the baseline's.</summary>
internal sealed record TimeAtMost(double Max) : Target
{
    public override (bool, string) Check(Comparison c)
    {
        var time = 1 / c.Ratio;
        return (time <= Max, $"time {time:0.00}× ≤ {Max:0.00}×");
    }
}

/// <summary>LuaScripts' throughput is at least <paramref name="Min"/> times the baseline's.</summary>
internal sealed record ThroughputAtLeast(double Min) : Target
{
    public override (bool, string) Check(Comparison c) => (c.Ratio >= Min, $"thrpt {c.Ratio:0.00}× ≥ {Min:0.00}×");
}

/// <summary>LuaScripts allocates at most the baseline's bytes per call plus one small object.</summary>
internal sealed record AllocAtMostPlus(double Bytes) : Target
{
    public override (bool, string) Check(Comparison c)
    {
        var extra = c.LuaBytes - c.BaseBytes;
        return (extra <= Bytes, $"alloc +{extra:0} B ≤ +{Bytes:0} B");
    }
}

/// <summary>A row of the table: a LuaScripts contender next to a baseline measured in the same rounds.</summary>
internal sealed class Comparison(string scenario, Contender lua, Contender baseline, Target[] targets)
{
    public string Scenario { get; } = scenario;
    public Contender Lua { get; } = lua;
    public Contender Baseline { get; } = baseline;
    public Target[] Targets { get; } = targets;

    /// <summary>Median over rounds of (LuaScripts ops/s ÷ baseline ops/s), each ratio from the same round.</summary>
    public double Ratio => Stats.Median(Lua.Samples.Zip(Baseline.Samples, (l, b) => l.OpsPerSecond / b.OpsPerSecond));
    public double LuaOps => Stats.Median(Lua.Samples.Select(s => s.OpsPerSecond));
    public double BaseOps => Stats.Median(Baseline.Samples.Select(s => s.OpsPerSecond));
    public double LuaBytes => Stats.Median(Lua.Samples.Select(s => s.BytesPerOp));
    public double BaseBytes => Stats.Median(Baseline.Samples.Select(s => s.BytesPerOp));
    public double LuaCpu => Stats.Median(Lua.Samples.Select(s => s.CpuMicrosPerOp));
    public double BaseCpu => Stats.Median(Baseline.Samples.Select(s => s.CpuMicrosPerOp));
}

/// <summary>Contenders measured in alternation, and the rows they make.</summary>
internal sealed class Scenario(string id, string title)
{
    public string Id { get; } = id;
    public string Title { get; } = title;
    public List<Contender> Contenders { get; } = new();
    public List<Comparison> Comparisons { get; } = new();

    public Contender Add(Contender c)
    {
        c.Index = Contenders.Count;
        Contenders.Add(c);
        return c;
    }

    public List<Quad> Quads { get; } = new();

    public void Compare(Contender lua, Contender baseline, params Target[] targets) =>
        Comparisons.Add(new Comparison(Title, lua, baseline, targets));

    /// <summary>A row of the Scripts-vs-Functions table (<paramref name="batch"/>: calls per batch, 0 for single calls).</summary>
    public void Quad(string shape, Contender scripts, Contender rawSha, Contender functions, Contender rawFcall, int batch = 0) =>
        Quads.Add(new Quad(Title, shape, scripts, rawSha, functions, rawFcall, batch));
}

/// <summary>
/// One shape of work done four ways, measured in the same rounds: LuaScripts with the Scripts
/// backend, raw EVALSHA, LuaScripts with the Functions backend, raw FCALL.
/// </summary>
internal sealed record Quad(string Scenario, string Shape, Contender Scripts, Contender RawSha, Contender Functions, Contender RawFcall, int Batch)
{
    /// <summary>Median over rounds of a's ops/s ÷ b's ops/s, each ratio from the same round.</summary>
    public static double Ratio(Contender a, Contender b) =>
        Stats.Median(a.Samples.Zip(b.Samples, (x, y) => x.OpsPerSecond / y.OpsPerSecond));

    /// <summary>Median over rounds of the extra time per batch of a over b, in µs (NaN for single calls).</summary>
    public double ExtraMicrosPerBatch(Contender a, Contender b) => Batch == 0
        ? double.NaN
        : Stats.Median(a.Samples.Zip(b.Samples, (x, y) => Batch * 1e6 * (1 / x.OpsPerSecond - 1 / y.OpsPerSecond)));
}

internal static class Stats
{
    /// <summary>The median of the finite values (NaN when there are none).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
