using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>One call at a time (latency): LuaScripts next to every raw way of running the same script.</summary>
public class OneCallAtATime : RedisBenchmark
{
    private Counter flat = null!, expl = null!, sha = null!, str = null!, loaded = null!, incr = null!;
    private Counter fnFlat = null!, fnExpl = null!, fcall = null!;

    /// <inheritdoc />
    protected override void Setup()
    {
        flat = NewCounter("flat");
        expl = NewCounter("explicit");
        sha = NewCounter("sha");
        str = NewCounter("string");
        loaded = NewCounter("loaded");
        incr = NewCounter("incr");
        fnFlat = NewCounter("fn-flat");
        fnExpl = NewCounter("fn-explicit");
        fcall = NewCounter("fcall");
    }

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c>.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync(name, key, 1)")]
    public Task<RedisResult> LuaFlat()
    {
        flat.Calls++;
        return Fixture.LuaFlat(F.Client, Fixture.Incr, flat.Key);
    }

    /// <summary><c>client.RunScriptAsync(name, keys, args)</c>.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync(name, keys, args)")]
    public Task<RedisResult> LuaExplicit()
    {
        expl.Calls++;
        return F.LuaExplicit(expl.Key);
    }

    /// <summary><c>ScriptEvaluateAsync(byte[] sha1, keys, values)</c>, preloaded: the floor.</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)")]
    public Task<RedisResult> RawEvalSha()
    {
        sha.Calls++;
        return F.RawEvalSha(sha.Key);
    }

    /// <summary><c>ScriptEvaluateAsync(string script, keys, values)</c>.</summary>
    [Benchmark(Description = "raw ScriptEvaluateAsync(string script)")]
    public Task<RedisResult> RawEvalString()
    {
        str.Calls++;
        return F.RawEvalString(str.Key);
    }

    /// <summary><c>LoadedLuaScript.EvaluateAsync</c>.</summary>
    [Benchmark(Description = "raw LoadedLuaScript.EvaluateAsync")]
    public Task<RedisResult> RawLoaded()
    {
        loaded.Calls++;
        return F.RawLoaded(loaded.Key);
    }

    /// <summary><c>StringIncrementAsync</c>: a round trip without Lua.</summary>
    [Benchmark(Description = "raw StringIncrementAsync (no Lua)")]
    public Task<long> RawIncr()
    {
        incr.Calls++;
        return F.RawIncr(incr.Key);
    }

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c> with <c>Backend = ScriptBackend.Functions</c> (FCALL).</summary>
    [Benchmark(Description = "LuaScripts Functions RunScriptAsync(name, key, 1)")]
    public Task<RedisResult> FunctionsFlat()
    {
        fnFlat.Calls++;
        return Fixture.LuaFlat(F.Fn, Fixture.Incr, fnFlat.Key);
    }

    /// <summary><c>client.RunScriptAsync(name, keys, args)</c> with the Functions backend.</summary>
    [Benchmark(Description = "LuaScripts Functions RunScriptAsync(name, keys, args)")]
    public Task<RedisResult> FunctionsExplicit()
    {
        fnExpl.Calls++;
        return Fixture.LuaExplicit(F.Fn, fnExpl.Key);
    }

    /// <summary>Raw FCALL (<c>ExecuteAsync("FCALL", fn, 1, key, 1)</c>) of the same library, loaded once.</summary>
    [Benchmark(Description = "raw ExecuteAsync(FCALL)")]
    public Task<RedisResult> RawFcall()
    {
        fcall.Calls++;
        return F.RawFcall(fcall.Key);
    }
}
