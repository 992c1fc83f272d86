using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StackExchange.Redis;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>
/// Per-call cost with 1 and with 10,000 defined scripts: it must not grow. With the Functions backend
/// the library holds every definition (about 2 MB for 10,000), and a pipeline sends it as its guard.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class RegistrySize : RedisBenchmark
{
    private Counter lua = null!, raw = null!, fn = null!, fcall = null!, luaPipe = null!, rawPipe = null!, fnPipe = null!, fcallPipe = null!;
    private ScriptClient client = null!, fnClient = null!;

    /// <summary>How many scripts the client has defined.</summary>
    [Params(1, 10_000)]
    public int Scripts { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
        fn = NewCounter("fn");
        fcall = NewCounter("fcall");
        luaPipe = NewCounter("lua-pipe");
        rawPipe = NewCounter("raw-pipe");
        fnPipe = NewCounter("fn-pipe");
        fcallPipe = NewCounter("fcall-pipe");
        (client, fnClient) = Scripts == 1 ? (F.Registry1, F.FnRegistry1) : (F.Registry10K, F.FnRegistry10K);
    }

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c> on a client with <see cref="Scripts"/> scripts.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync(name, key, 1)"), BenchmarkCategory("single call")]
    public Task<RedisResult> Lua()
    {
        lua.Calls++;
        return Fixture.LuaFlat(client, Fixture.Incr, lua.Key);
    }

    /// <summary>The same on a Functions-backend client with as many commands.</summary>
    [Benchmark(Description = "LuaScripts Functions RunScriptAsync(name, key, 1)"), BenchmarkCategory("single call")]
    public Task<RedisResult> Functions()
    {
        fn.Calls++;
        return Fixture.LuaFlat(fnClient, Fixture.Incr, fn.Key);
    }

    /// <summary>EVALSHA byte[].</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)"), BenchmarkCategory("single call")]
    public Task<RedisResult> Raw()
    {
        raw.Calls++;
        return F.RawEvalSha(raw.Key);
    }

    /// <summary>Raw FCALL.</summary>
    [Benchmark(Description = "raw ExecuteAsync(FCALL)"), BenchmarkCategory("single call")]
    public Task<RedisResult> RawFcall()
    {
        fcall.Calls++;
        return F.RawFcall(fcall.Key);
    }

    /// <summary>A pipeline of 10 (Scripts backend: the body once, then EVALSHA).</summary>
    [Benchmark(Description = "LuaScripts Pipeline of 10"), BenchmarkCategory("pipeline of 10")]
    public Task LuaPipeline()
    {
        luaPipe.Calls += 10;
        return Fixture.LuaPipeline(client, Fixture.Incr, luaPipe.Key, 10);
    }

    /// <summary>A pipeline of 10 with the Functions backend (the whole library as its guard, then FCALL).</summary>
    [Benchmark(Description = "LuaScripts Functions Pipeline of 10"), BenchmarkCategory("pipeline of 10")]
    public Task FunctionsPipeline()
    {
        fnPipe.Calls += 10;
        return Fixture.LuaPipeline(fnClient, Fixture.Incr, fnPipe.Key, 10);
    }

    /// <summary>A raw IBatch of 10 EVALSHA.</summary>
    [Benchmark(Baseline = true, Description = "raw IBatch of 10 EVALSHA"), BenchmarkCategory("pipeline of 10")]
    public Task RawBatch()
    {
        rawPipe.Calls += 10;
        return F.RawBatch(F.IncrSha, rawPipe.Key, 10);
    }

    /// <summary>A raw IBatch of 10 FCALL.</summary>
    [Benchmark(Description = "raw IBatch of 10 FCALL"), BenchmarkCategory("pipeline of 10")]
    public Task RawFcallBatch()
    {
        fcallPipe.Calls += 10;
        return F.RawFcallBatch(F.IncrFn, fcallPipe.Key, 10);
    }
}

/// <summary>Script bodies of 100 B and 100 KB: once loaded, the per-call cost must not grow.</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class BodySize : RedisBenchmark
{
    private Counter lua = null!, raw = null!, luaPipe = null!, rawPipe = null!, fn = null!, fcall = null!, fnPipe = null!, fcallPipe = null!;
    private string name = "";
    private byte[] sha = Array.Empty<byte>();
    private ScriptClient fnClient = null!;
    private string function = "";

    /// <summary>The body's size in bytes.</summary>
    [Params(100, 100_000)]
    public int Bytes { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
        luaPipe = NewCounter("lua-pipe");
        rawPipe = NewCounter("raw-pipe");
        fn = NewCounter("fn");
        fcall = NewCounter("fcall");
        fnPipe = NewCounter("fn-pipe");
        fcallPipe = NewCounter("fcall-pipe");
        (name, sha, fnClient, function) = Bytes == 100
            ? (Fixture.Body100B, F.Body100BSha, F.FnBody100B, F.Body100BFn)
            : (Fixture.Body100KB, F.Body100KBSha, F.FnBody100KB, F.Body100KBFn);
    }

    /// <summary>One <c>RunScriptAsync</c>.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync"), BenchmarkCategory("single call")]
    public Task<RedisResult> Lua()
    {
        lua.Calls++;
        return Fixture.LuaFlat(F.Client, name, lua.Key);
    }

    /// <summary>One <c>RunScriptAsync</c> with the Functions backend.</summary>
    [Benchmark(Description = "LuaScripts Functions RunScriptAsync"), BenchmarkCategory("single call")]
    public Task<RedisResult> Functions()
    {
        fn.Calls++;
        return Fixture.LuaFlat(fnClient, name, fn.Key);
    }

    /// <summary>One EVALSHA byte[].</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)"), BenchmarkCategory("single call")]
    public Task<RedisResult> Raw()
    {
        raw.Calls++;
        return F.RawEvalSha(sha, raw.Key);
    }

    /// <summary>One raw FCALL.</summary>
    [Benchmark(Description = "raw ExecuteAsync(FCALL)"), BenchmarkCategory("single call")]
    public Task<RedisResult> RawFcall()
    {
        fcall.Calls++;
        return F.RawFcall(function, fcall.Key);
    }

    /// <summary>A pipeline of 10.</summary>
    [Benchmark(Description = "LuaScripts Pipeline of 10"), BenchmarkCategory("pipeline of 10")]
    public Task LuaPipeline()
    {
        luaPipe.Calls += 10;
        return F.LuaPipeline(name, luaPipe.Key, 10);
    }

    /// <summary>A pipeline of 10 with the Functions backend.</summary>
    [Benchmark(Description = "LuaScripts Functions Pipeline of 10"), BenchmarkCategory("pipeline of 10")]
    public Task FunctionsPipeline()
    {
        fnPipe.Calls += 10;
        return Fixture.LuaPipeline(fnClient, name, fnPipe.Key, 10);
    }

    /// <summary>A raw IBatch of 10 EVALSHA.</summary>
    [Benchmark(Baseline = true, Description = "raw IBatch of 10 EVALSHA"), BenchmarkCategory("pipeline of 10")]
    public Task RawBatch()
    {
        rawPipe.Calls += 10;
        return F.RawBatch(sha, rawPipe.Key, 10);
    }

    /// <summary>A raw IBatch of 10 FCALL.</summary>
    [Benchmark(Description = "raw IBatch of 10 FCALL"), BenchmarkCategory("pipeline of 10")]
    public Task RawFcallBatch()
    {
        fcallPipe.Calls += 10;
        return F.RawFcallBatch(function, fcallPipe.Key, 10);
    }
}

/// <summary>Fixed against dynamic key counts, with 1 and 64 keys (flat arguments), both backends.</summary>
public class KeyCount : RedisBenchmark
{
    private Counter fixedKeys = null!, dynamicKeys = null!, raw = null!, fnFixed = null!, fnDynamic = null!, fcall = null!;

    /// <summary>How many keys each call sends.</summary>
    [Params(1, Fixture.WideKeys)]
    public int Keys { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        fixedKeys = NewCounter("fixed");
        dynamicKeys = NewCounter("dynamic");
        raw = NewCounter("raw");
        fnFixed = NewCounter("fn-fixed");
        fnDynamic = NewCounter("fn-dynamic");
        fcall = NewCounter("fcall");
    }

    /// <summary>A command defined with <c>Keys = n</c>.</summary>
    [Benchmark(Description = "LuaScripts fixed key count")]
    public Task<RedisResult> Fixed()
    {
        fixedKeys.Calls++;
        return Keys == 1 ? Fixture.LuaFlat(F.Client, Fixture.Incr, fixedKeys.Key) : F.LuaFixed64(fixedKeys.Key);
    }

    /// <summary>A command with a dynamic key count (the count is the first argument).</summary>
    [Benchmark(Description = "LuaScripts dynamic key count")]
    public Task<RedisResult> Dynamic()
    {
        dynamicKeys.Calls++;
        return Keys == 1 ? F.LuaDynamic1(dynamicKeys.Key) : F.LuaDynamic64(dynamicKeys.Key);
    }

    /// <summary>EVALSHA byte[] with the same keys.</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)")]
    public Task<RedisResult> Raw()
    {
        raw.Calls++;
        return Keys == 1 ? F.RawEvalSha(raw.Key) : F.RawEvalSha64(raw.Key);
    }

    /// <summary>The fixed-key command with the Functions backend.</summary>
    [Benchmark(Description = "LuaScripts Functions fixed key count")]
    public Task<RedisResult> FunctionsFixed()
    {
        fnFixed.Calls++;
        return Keys == 1 ? Fixture.LuaFlat(F.Fn, Fixture.Incr, fnFixed.Key) : F.LuaFixed64(F.Fn, fnFixed.Key);
    }

    /// <summary>The dynamic-key command with the Functions backend.</summary>
    [Benchmark(Description = "LuaScripts Functions dynamic key count")]
    public Task<RedisResult> FunctionsDynamic()
    {
        fnDynamic.Calls++;
        return Keys == 1 ? Fixture.LuaDynamic1(F.Fn, fnDynamic.Key) : F.LuaDynamic64(F.Fn, fnDynamic.Key);
    }

    /// <summary>Raw FCALL with the same keys.</summary>
    [Benchmark(Description = "raw ExecuteAsync(FCALL)")]
    public Task<RedisResult> RawFcall()
    {
        fcall.Calls++;
        return Keys == 1 ? F.RawFcall(fcall.Key) : F.RawFcall64(fcall.Key);
    }
}
