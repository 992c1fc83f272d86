using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StackExchange.Redis;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>Per-call cost with 1 and with 10,000 defined scripts: it must not grow.</summary>
public class RegistrySize : RedisBenchmark
{
    private Counter lua = null!, raw = null!;
    private ScriptClient client = null!;

    /// <summary>How many scripts the client has defined.</summary>
    [Params(1, 10_000)]
    public int Scripts { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
        client = Scripts == 1 ? F.Registry1 : F.Registry10K;
    }

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c> on a client with <see cref="Scripts"/> scripts.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync(name, key, 1)")]
    public Task<RedisResult> Lua()
    {
        lua.Calls++;
        return F.LuaFlat(client, Fixture.Incr, lua.Key);
    }

    /// <summary>EVALSHA byte[].</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)")]
    public Task<RedisResult> Raw()
    {
        raw.Calls++;
        return F.RawEvalSha(raw.Key);
    }
}

/// <summary>Script bodies of 100 B and 100 KB: once loaded, the per-call cost must not grow.</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class BodySize : RedisBenchmark
{
    private Counter lua = null!, raw = null!, luaPipe = null!, rawPipe = null!;
    private string name = "";
    private byte[] sha = Array.Empty<byte>();

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
        (name, sha) = Bytes == 100 ? (Fixture.Body100B, F.Body100BSha) : (Fixture.Body100KB, F.Body100KBSha);
    }

    /// <summary>One <c>RunScriptAsync</c>.</summary>
    [Benchmark(Description = "LuaScripts RunScriptAsync"), BenchmarkCategory("single call")]
    public Task<RedisResult> Lua()
    {
        lua.Calls++;
        return F.LuaFlat(F.Client, name, lua.Key);
    }

    /// <summary>One EVALSHA byte[].</summary>
    [Benchmark(Baseline = true, Description = "raw ScriptEvaluateAsync(byte[] sha1)"), BenchmarkCategory("single call")]
    public Task<RedisResult> Raw()
    {
        raw.Calls++;
        return F.RawEvalSha(sha, raw.Key);
    }

    /// <summary>A pipeline of 10.</summary>
    [Benchmark(Description = "LuaScripts Pipeline of 10"), BenchmarkCategory("pipeline of 10")]
    public Task LuaPipeline()
    {
        luaPipe.Calls += 10;
        return F.LuaPipeline(name, luaPipe.Key, 10);
    }

    /// <summary>A raw IBatch of 10 EVALSHA.</summary>
    [Benchmark(Baseline = true, Description = "raw IBatch of 10 EVALSHA"), BenchmarkCategory("pipeline of 10")]
    public Task RawBatch()
    {
        rawPipe.Calls += 10;
        return F.RawBatch(sha, rawPipe.Key, 10);
    }
}

/// <summary>Fixed against dynamic key counts, with 1 and 64 keys (flat arguments).</summary>
public class KeyCount : RedisBenchmark
{
    private Counter fixedKeys = null!, dynamicKeys = null!, raw = null!;

    /// <summary>How many keys each call sends.</summary>
    [Params(1, Fixture.WideKeys)]
    public int Keys { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        fixedKeys = NewCounter("fixed");
        dynamicKeys = NewCounter("dynamic");
        raw = NewCounter("raw");
    }

    /// <summary>A command defined with <c>Keys = n</c>.</summary>
    [Benchmark(Description = "LuaScripts fixed key count")]
    public Task<RedisResult> Fixed()
    {
        fixedKeys.Calls++;
        return Keys == 1 ? F.LuaFlat(F.Client, Fixture.Incr, fixedKeys.Key) : F.LuaFixed64(fixedKeys.Key);
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
}
