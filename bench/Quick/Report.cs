using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using StackExchange.Redis;

namespace LuaScripts.Bench.Quick;

/// <summary>The tables every quick-style mode prints, and how their numbers are written.</summary>
internal static class Report
{
    /// <summary>The date, machine, versions, rounds and run time.</summary>
    public static void Header(StringBuilder o, string redisVersion, int rounds, TimeSpan elapsed) =>
        o.AppendLine(CultureInfo.InvariantCulture, $"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · machine: {Machine()} · load average: {LoadAverage()} · {RuntimeInformation.FrameworkDescription} · " +
                     $"StackExchange.Redis {Version(typeof(IDatabase))} · LuaScripts {Version(typeof(ScriptClient))} · redis-server {redisVersion} · " +
                     $"{rounds} interleaved round(s) · {elapsed.TotalSeconds:0} s");

    /// <summary>The main table: one row per comparison, with each target's PASS/MISS (misses are added to <paramref name="misses"/>).</summary>
    public static void Comparisons(StringBuilder o, IEnumerable<Scenario> scenarios, List<string> misses)
    {
        o.AppendLine("| scenario | LuaScripts | ops/s | baseline | ops/s | ratio | CPU µs/op Lua | CPU µs/op base | B/op Lua | B/op base | target |");
        o.AppendLine("|---|---|--:|---|--:|--:|--:|--:|--:|--:|---|");
        foreach (var c in scenarios.SelectMany(s => s.Comparisons))
        {
            var checks = c.Targets.Select(t => t.Check(c)).ToList();
            var targetText = string.Join("; ", checks.Select(x => $"{x.Text} **{(x.Met ? "PASS" : "MISS")}**"));
            foreach (var x in checks.Where(x => !x.Met)) misses.Add($"{c.Scenario}: {c.Lua.Label} vs {c.Baseline.Label}: {x.Text}");
            o.AppendLine(CultureInfo.InvariantCulture, $"| {c.Scenario} | {c.Lua.Label} | {Num(c.LuaOps)} | {c.Baseline.Label} | {Num(c.BaseOps)} | {Ratio(c.Ratio)} | " +
                         $"{Micros(c.LuaCpu)} | {Micros(c.BaseCpu)} | {Bytes(c.LuaBytes)} | {Bytes(c.BaseBytes)} | {targetText} |");
        }
        o.AppendLine();
        o.AppendLine("ratio = LuaScripts ops/s ÷ baseline ops/s, the median of the per-round ratios (1.00 = the same; above 1 = LuaScripts faster).");
        o.AppendLine("CPU µs/op = this process's CPU time (getrusage: every thread, user+system) over the run ÷ calls; the server's CPU is not in it.");
        o.AppendLine("B/op = GC.GetTotalAllocatedBytes(precise: true) delta over the run ÷ calls (whole process, both sides alike).");
    }

    /// <summary>The Scripts-vs-Functions table (nothing when no scenario has a four-way row).</summary>
    public static void Quads(StringBuilder o, IEnumerable<Scenario> scenarios)
    {
        var quads = scenarios.SelectMany(s => s.Quads).ToList();
        if (quads.Count == 0) return;
        o.AppendLine("Scripts vs Functions (each row: four contenders measured in the same rounds; ratios are medians of per-round ratios):");
        o.AppendLine();
        o.AppendLine("| scenario | shape | Scripts ops/s | raw EVALSHA ops/s | Functions ops/s | raw FCALL ops/s | Scripts ÷ EVALSHA | Functions ÷ FCALL | FCALL ÷ EVALSHA | Functions ÷ Scripts | B/op Scripts | B/op Functions | B/op EVALSHA | B/op FCALL | extra µs/batch Scripts | extra µs/batch Functions |");
        o.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var q in quads)
        {
            o.AppendLine(CultureInfo.InvariantCulture, $"| {q.Scenario} | {q.Shape} | {Num(Ops(q.Scripts))} | {Num(Ops(q.RawSha))} | {Num(Ops(q.Functions))} | {Num(Ops(q.RawFcall))} | " +
                         $"{Ratio(Quad.Ratio(q.Scripts, q.RawSha))} | {Ratio(Quad.Ratio(q.Functions, q.RawFcall))} | {Ratio(Quad.Ratio(q.RawFcall, q.RawSha))} | " +
                         $"{Ratio(Quad.Ratio(q.Functions, q.Scripts))} | {Bytes(B(q.Scripts))} | {Bytes(B(q.Functions))} | {Bytes(B(q.RawSha))} | {Bytes(B(q.RawFcall))} | " +
                         $"{Extra(q.ExtraMicrosPerBatch(q.Scripts, q.RawSha))} | {Extra(q.ExtraMicrosPerBatch(q.Functions, q.RawFcall))} |");
        }
        o.AppendLine();
        o.AppendLine("extra µs/batch = median over rounds of (LuaScripts time per batch − the raw batch's), Scripts against raw EVALSHA, Functions against raw FCALL:");
        o.AppendLine("what LuaScripts adds per batch (for Scripts, the body of the first use of each script; for Functions, the FUNCTION LOAD guard).");
    }

    /// <summary>What one call of each contender sends, from its probe run.</summary>
    public static void Wires(StringBuilder o, IEnumerable<Scenario> scenarios)
    {
        o.AppendLine("What one call sends (INFO commandstats over a short probe run):");
        foreach (var c in scenarios.SelectMany(s => s.Contenders.Select(c => (s, c))).Where(x => x.c.Wire.Length > 0)
                     .GroupBy(x => x.c.Label + "|" + x.c.Wire).Select(g => g.First()))
            o.AppendLine(CultureInfo.InvariantCulture, $"- {c.s.Title} · {c.c.Label}: {c.c.Wire}");
    }

    /// <summary>The misses and the correctness verdict.</summary>
    public static void Verdict(StringBuilder o, List<string> misses, List<string> failures)
    {
        o.AppendLine(misses.Count == 0 ? "Targets: all met." : $"Targets missed ({misses.Count}), reported, not failed:");
        foreach (var m in misses) o.AppendLine("- MISS " + m);
        o.AppendLine(failures.Count == 0
            ? "Correctness: every counter equals the calls made."
            : $"Correctness: {failures.Count} FAILURE(S):\n- " + string.Join("\n- ", failures));
    }

    /// <summary>Median ops/s of a contender.</summary>
    public static double Ops(Contender c) => Stats.Median(c.Samples.Select(x => x.OpsPerSecond));

    /// <summary>Median bytes per call of a contender.</summary>
    public static double B(Contender c) => Stats.Median(c.Samples.Select(x => x.BytesPerOp));

    /// <summary>Median client CPU µs per call of a contender.</summary>
    public static double Cpu(Contender c) => Stats.Median(c.Samples.Select(x => x.CpuMicrosPerOp));

    public static string Extra(double v) => double.IsFinite(v) ? v.ToString("+0;−0;0", CultureInfo.InvariantCulture) : "";
    public static string Num(double v) => double.IsFinite(v) ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";
    public static string Ratio(double v) => double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
    public static string Micros(double v) => double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
    public static string Micros2(double v) => double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
    public static string Bytes(double v) => double.IsFinite(v) ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static string Version(Type type)
    {
        var v = type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
            ?? type.Assembly.GetName().Version?.ToString() ?? "?";
        var plus = v.IndexOf('+');
        return plus < 0 ? v : v[..plus];
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg), or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Length >= 3 ? $"{parts[0]} {parts[1]} {parts[2]}" : "n/a";
        }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    /// <summary>nproc and the CPU model from /proc/cpuinfo.</summary>
    public static string Machine()
    {
        var model = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) model = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"nproc {Environment.ProcessorCount}, {model}, {RuntimeInformation.OSDescription}";
    }
}
