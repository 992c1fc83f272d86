using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// <c>--curves</c>: per-call time, client CPU and allocation as one thing grows — registry size
/// (1 → 10,000 defined commands), body size (100 B → 100 KB), batch size (pipelines of 1 → 10,000)
/// and calls in flight (1 → 1,024) — for both backends, each point measured four ways in the same
/// interleaved rounds (LuaScripts Scripts, raw EVALSHA, LuaScripts Functions, raw FCALL), one table
/// per curve with the ratios to raw.
/// </summary>
internal sealed class CurvesMode : IDisposable
{
    private static readonly int[] RegistrySizes = { 1, 10, 100, 1_000, 10_000 };
    private static readonly int[] BodySizes = { 100, 1_000, 10_000, 100_000 };
    private static readonly (int Size, int Ops)[] BatchSizes = { (1, 1_200), (10, 6_000), (100, 20_000), (1_000, 20_000), (10_000, 20_000) };
    private static readonly (int Width, int Ops)[] Widths = { (1, 1_200), (4, 4_000), (16, 8_000), (64, 12_000), (256, 12_000), (1_024, 12_000) };

    private readonly Fixture f;
    private readonly bool smoke;
    private readonly Runner runner;
    private readonly List<(string Curve, string Note, List<Scenario> Points)> curves = new();

    private CurvesMode(RedisTarget target, bool smoke)
    {
        this.smoke = smoke;
        f = Fixture.Create(target);
        runner = new Runner(new NodeCounters(f), smoke ? 1 : 5);
    }

    /// <summary>Runs every curve (or, with <paramref name="smoke"/>, tiny counts); 0 when every counter matched.</summary>
    public static async Task<int> RunAsync(bool smoke, string? only)
    {
        var clock = Stopwatch.StartNew();
        using var target = RedisTarget.Start();
        ConsoleCancelEventHandler stop = (_, _) => target.Dispose();
        Console.CancelKeyPress += stop;
        try
        {
            Console.WriteLine($"# LuaScripts cost curves{(smoke ? " (smoke: tiny counts, numbers mean nothing)" : "")}");
            Console.WriteLine($"server: {target.Description}");
            using var mode = new CurvesMode(target, smoke);
            mode.Build();
            if (only is not null) mode.curves.RemoveAll(c => !c.Curve.Contains(only, StringComparison.OrdinalIgnoreCase));
            foreach (var (curve, _, points) in mode.curves)
            {
                var started = clock.Elapsed;
                foreach (var point in points) await mode.runner.RunScenarioAsync(point);
                Console.Error.WriteLine($"  {curve}: {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
            mode.Print(clock.Elapsed);
            return mode.runner.Failures.Count == 0 ? 0 : 1;
        }
        finally
        {
            Console.CancelKeyPress -= stop;
        }
    }

    private int Ops(int quick) => smoke ? Math.Min(quick, 100) : quick;

    private void Build()
    {
        // Registry size: clients of N commands (the workload and N − 1 others), both backends; the raw
        // rows call the same script (EVALSHA) and the same deployed function (FCALL).
        var registrySingle = new List<Scenario>();
        var registryPipe = new List<Scenario>();
        foreach (var n in RegistrySizes)
        {
            var (scripts, functions) = Registry(n);
            var fn = functions.DescribeFunctionLibrary().Functions[Fixture.Incr];
            registrySingle.Add(Point($"registry {n:N0}, 256 in flight", n.ToString("N0", CultureInfo.InvariantCulture), 0, Ops(12_000),
                Shapes.InFlight(256, k => Fixture.LuaFlat(scripts, Fixture.Incr, k)), Shapes.InFlight(256, f.RawEvalSha),
                Shapes.InFlight(256, k => Fixture.LuaFlat(functions, Fixture.Incr, k)), Shapes.InFlight(256, k => f.RawFcall(fn, k))));
            registryPipe.Add(Point($"registry {n:N0}, pipelines of 10", n.ToString("N0", CultureInfo.InvariantCulture), 10, Ops(3_000),
                Shapes.Batches(10, (k, c) => Fixture.LuaPipeline(scripts, Fixture.Incr, k, c)), Shapes.Batches(10, (k, c) => f.RawBatch(f.IncrSha, k, c)),
                Shapes.Batches(10, (k, c) => Fixture.LuaPipeline(functions, Fixture.Incr, k, c)), Shapes.Batches(10, (k, c) => f.RawFcallBatch(fn, k, c))));
        }
        curves.Add(("registry size, single calls (256 in flight)", "defined commands in the client", registrySingle));
        curves.Add(("registry size, pipelines of 10", "defined commands in the client", registryPipe));

        // Body size: one command whose body is the workload padded with comments to N bytes.
        var bodySingle = new List<Scenario>();
        var bodyPipe = new List<Scenario>();
        foreach (var bytes in BodySizes)
        {
            const string name = "body";
            var lua = Workload.Padded(bytes, $"{bytes} B");
            var scripts = new ScriptClient(f.Mux);
            scripts.DefineCommand(name, new CommandDefinition(lua) { Keys = 1 });
            var functions = Functions();
            functions.DefineCommand(name, new CommandDefinition(lua) { Keys = 1 });
            Deploy(scripts, functions);
            var sha = f.Server.ScriptLoad(lua);
            var fn = functions.DescribeFunctionLibrary().Functions[name];
            var label = Size(bytes);
            bodySingle.Add(Point($"body {label}, 256 in flight", label, 0, Ops(12_000),
                Shapes.InFlight(256, k => Fixture.LuaFlat(scripts, name, k)), Shapes.InFlight(256, k => f.RawEvalSha(sha, k)),
                Shapes.InFlight(256, k => Fixture.LuaFlat(functions, name, k)), Shapes.InFlight(256, k => f.RawFcall(fn, k))));
            bodyPipe.Add(Point($"body {label}, pipelines of 10", label, 10, Ops(3_000),
                Shapes.Batches(10, (k, c) => Fixture.LuaPipeline(scripts, name, k, c)), Shapes.Batches(10, (k, c) => f.RawBatch(sha, k, c)),
                Shapes.Batches(10, (k, c) => Fixture.LuaPipeline(functions, name, k, c)), Shapes.Batches(10, (k, c) => f.RawFcallBatch(fn, k, c))));
        }
        curves.Add(("body size, single calls (256 in flight)", "body of the one command", bodySingle));
        curves.Add(("body size, pipelines of 10", "body of the one command", bodyPipe));

        var batches = new List<Scenario>();
        foreach (var (size, ops) in BatchSizes)
            batches.Add(Point($"pipeline of {size:N0}", size.ToString("N0", CultureInfo.InvariantCulture), size, smoke ? size : ops,
                Shapes.Batches(size, (k, c) => Fixture.LuaPipeline(f.Registry1, Fixture.Incr, k, c)), Shapes.Batches(size, (k, c) => f.RawBatch(f.IncrSha, k, c)),
                Shapes.Batches(size, (k, c) => Fixture.LuaPipeline(f.FnRegistry1, Fixture.Incr, k, c)), Shapes.Batches(size, (k, c) => f.RawFcallBatch(f.IncrFn, k, c))));
        curves.Add(("batch size (pipelines)", "calls per pipeline", batches));

        var fly = new List<Scenario>();
        var registry1Fn = f.FnRegistry1.DescribeFunctionLibrary().Functions[Fixture.Incr];
        foreach (var (width, ops) in Widths)
            fly.Add(Point($"{width:N0} in flight", width.ToString("N0", CultureInfo.InvariantCulture), 0, Ops(ops),
                Shapes.InFlight(width, k => Fixture.LuaFlat(f.Registry1, Fixture.Incr, k)), Shapes.InFlight(width, f.RawEvalSha),
                Shapes.InFlight(width, k => Fixture.LuaFlat(f.FnRegistry1, Fixture.Incr, k)), Shapes.InFlight(width, k => f.RawFcall(registry1Fn, k))));
        curves.Add(("calls in flight (single calls)", "calls in flight", fly));
    }

    private static string Size(int bytes) => bytes >= 1_000 ? $"{bytes / 1_000:N0} KB" : $"{bytes} B";

    private ScriptClient Functions() => new(f.Mux, new ScriptClientOptions { Backend = ScriptBackend.Functions });

    /// <summary>Clients of <paramref name="n"/> commands, the workload among them (the fixture's for 1 and 10,000).</summary>
    private (ScriptClient Scripts, ScriptClient Functions) Registry(int n)
    {
        if (n == 1) return (f.Registry1, f.FnRegistry1);
        if (n == 10_000) return (f.Registry10K, f.FnRegistry10K);
        var scripts = new ScriptClient(f.Mux);
        var functions = Functions();
        for (var i = 0; i < n - 1; i++)
        {
            var definition = new CommandDefinition(Workload.IncrBy + " -- " + i) { Keys = 1 };
            scripts.DefineCommand($"script_{i:D5}", definition);
            functions.DefineCommand($"script_{i:D5}", definition);
        }
        scripts.DefineCommand(Fixture.Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        functions.DefineCommand(Fixture.Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        Deploy(scripts, functions);
        return (scripts, functions);
    }

    /// <summary>Loads both clients' code the way the fixture does (the library with a raw FUNCTION LOAD REPLACE first).</summary>
    private void Deploy(ScriptClient scripts, ScriptClient functions)
    {
        f.Server.Execute("FUNCTION", "LOAD", "REPLACE", functions.DescribeFunctionLibrary().Code);
        scripts.PreloadScriptsAsync().GetAwaiter().GetResult();
        functions.PreloadScriptsAsync().GetAwaiter().GetResult();
        if (functions.ActiveBackend != ScriptBackend.Functions) throw new InvalidOperationException("a Functions client is not on Functions");
    }

    /// <summary>One point of a curve: the four contenders of one shape (<paramref name="batch"/>: calls per batch, 0 for single calls).</summary>
    private static Scenario Point(string title, string x, int batch, int ops,
        Func<string, int, Task> scripts, Func<string, int, Task> rawSha, Func<string, int, Task> functions, Func<string, int, Task> rawFcall)
    {
        var probe = batch == 0 ? 10 : batch;
        ops = Math.Max(probe, ops / probe * probe);
        var s = new Scenario("curve", title);
        var a = s.Add(new Contender("Scripts", ops, probe, scripts));
        var b = s.Add(new Contender("raw EVALSHA", ops, probe, rawSha) { Via = Via.Raw });
        var c = s.Add(new Contender("Functions", ops, probe, functions) { Via = Via.Functions });
        var d = s.Add(new Contender("raw FCALL", ops, probe, rawFcall) { Via = Via.Raw });
        s.Quad(x, a, b, c, d, batch);
        return s;
    }

    private void Print(TimeSpan elapsed)
    {
        var o = new StringBuilder();
        o.AppendLine();
        Report.Header(o, f.Server.Version.ToString(), runner.Rounds, elapsed);
        o.AppendLine();
        o.AppendLine("µs/call = 1,000,000 ÷ median ops/s (with calls in flight or batched, the time per call at that throughput, not a latency).");
        o.AppendLine("÷ raw = median of per-round throughput ratios (LuaScripts ÷ the raw call of the same backend; 1.00 = the same, below 1 = LuaScripts slower).");
        o.AppendLine("CPU = this process's CPU µs per call (LuaScripts + StackExchange.Redis + runtime; the server is another process). B = bytes allocated per call.");
        foreach (var (curve, note, points) in curves)
        {
            o.AppendLine();
            o.AppendLine(CultureInfo.InvariantCulture, $"### {curve}");
            o.AppendLine();
            o.AppendLine(CultureInfo.InvariantCulture, $"| {note} | µs/call Scripts | µs/call EVALSHA | Scripts ÷ raw | µs/call Functions | µs/call FCALL | Functions ÷ raw | CPU Scripts | CPU EVALSHA | CPU Functions | CPU FCALL | B Scripts | B EVALSHA | B Functions | B FCALL |");
            o.AppendLine("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var q in points.SelectMany(p => p.Quads))
                o.AppendLine(CultureInfo.InvariantCulture, $"| {q.Shape} | {T(q.Scripts)} | {T(q.RawSha)} | {Report.Ratio(Quad.Ratio(q.Scripts, q.RawSha))} | " +
                             $"{T(q.Functions)} | {T(q.RawFcall)} | {Report.Ratio(Quad.Ratio(q.Functions, q.RawFcall))} | " +
                             $"{Report.Micros2(Report.Cpu(q.Scripts))} | {Report.Micros2(Report.Cpu(q.RawSha))} | {Report.Micros2(Report.Cpu(q.Functions))} | {Report.Micros2(Report.Cpu(q.RawFcall))} | " +
                             $"{Report.Bytes(Report.B(q.Scripts))} | {Report.Bytes(Report.B(q.RawSha))} | {Report.Bytes(Report.B(q.Functions))} | {Report.Bytes(Report.B(q.RawFcall))} |");
        }
        o.AppendLine();
        Report.Verdict(o, new List<string>(), runner.Failures);
        Console.WriteLine(o.ToString());
    }

    private static string T(Contender c) => Report.Micros2(1e6 / Report.Ops(c));

    /// <summary>Closes the fixture's connection (the server is the caller's).</summary>
    public void Dispose() => f.Dispose();
}
