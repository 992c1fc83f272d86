using BenchmarkDotNet.Attributes;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>256 calls in flight: 256 calls sent back to back, then awaited together (per-call figures).</summary>
public class InFlight : RedisBenchmark
{
    /// <summary>Calls per invocation.</summary>
    public const int Width = 256;

    private readonly Task[] tasks = new Task[Width];
    private Counter flat = null!, expl = null!, sha = null!, incr = null!, fnFlat = null!, fcall = null!;

    /// <inheritdoc />
    protected override void Setup()
    {
        flat = NewCounter("flat");
        expl = NewCounter("explicit");
        sha = NewCounter("sha");
        incr = NewCounter("incr");
        fnFlat = NewCounter("fn-flat");
        fcall = NewCounter("fcall");
    }

    /// <summary>256 × <c>client.RunScriptAsync(name, key, 1)</c>.</summary>
    [Benchmark(OperationsPerInvoke = Width, Description = "LuaScripts RunScriptAsync(name, key, 1)")]
    public Task LuaFlat()
    {
        for (var i = 0; i < Width; i++) tasks[i] = Fixture.LuaFlat(F.Client, Fixture.Incr, flat.Key);
        flat.Calls += Width;
        return Task.WhenAll(tasks);
    }

    /// <summary>256 × <c>client.RunScriptAsync(name, keys, args)</c>.</summary>
    [Benchmark(OperationsPerInvoke = Width, Description = "LuaScripts RunScriptAsync(name, keys, args)")]
    public Task LuaExplicit()
    {
        for (var i = 0; i < Width; i++) tasks[i] = F.LuaExplicit(expl.Key);
        expl.Calls += Width;
        return Task.WhenAll(tasks);
    }

    /// <summary>256 × EVALSHA byte[].</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Width, Description = "raw ScriptEvaluateAsync(byte[] sha1)")]
    public Task RawEvalSha()
    {
        for (var i = 0; i < Width; i++) tasks[i] = F.RawEvalSha(sha.Key);
        sha.Calls += Width;
        return Task.WhenAll(tasks);
    }

    /// <summary>256 × <c>StringIncrementAsync</c>.</summary>
    [Benchmark(OperationsPerInvoke = Width, Description = "raw StringIncrementAsync (no Lua)")]
    public Task RawIncr()
    {
        for (var i = 0; i < Width; i++) tasks[i] = F.RawIncr(incr.Key);
        incr.Calls += Width;
        return Task.WhenAll(tasks);
    }

    /// <summary>256 × <c>client.RunScriptAsync(name, key, 1)</c> with the Functions backend (FCALL).</summary>
    [Benchmark(OperationsPerInvoke = Width, Description = "LuaScripts Functions RunScriptAsync(name, key, 1)")]
    public Task FunctionsFlat()
    {
        for (var i = 0; i < Width; i++) tasks[i] = Fixture.LuaFlat(F.Fn, Fixture.Incr, fnFlat.Key);
        fnFlat.Calls += Width;
        return Task.WhenAll(tasks);
    }

    /// <summary>256 × raw FCALL.</summary>
    [Benchmark(OperationsPerInvoke = Width, Description = "raw ExecuteAsync(FCALL)")]
    public Task RawFcall()
    {
        for (var i = 0; i < Width; i++) tasks[i] = F.RawFcall(fcall.Key);
        fcall.Calls += Width;
        return Task.WhenAll(tasks);
    }
}
