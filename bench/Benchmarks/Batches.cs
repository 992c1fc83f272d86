using BenchmarkDotNet.Attributes;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>Pipelines of 1 to 10,000 calls: <c>client.Pipeline()</c> next to a raw <c>IBatch</c> of EVALSHA.</summary>
public class Pipelines : RedisBenchmark
{
    private Counter lua = null!, raw = null!;

    /// <summary>Calls per pipeline.</summary>
    [Params(1, 10, 100, 1_000, 10_000)]
    public int Size { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
    }

    /// <summary><c>client.Pipeline()</c>, <c>RunScript</c> × Size, <c>ExecuteAsync</c>.</summary>
    [Benchmark(Description = "LuaScripts Pipeline")]
    public Task LuaPipeline()
    {
        lua.Calls += Size;
        return F.LuaPipeline(Fixture.Incr, lua.Key, Size);
    }

    /// <summary>A raw <c>IBatch</c> of Size EVALSHA.</summary>
    [Benchmark(Baseline = true, Description = "raw IBatch of EVALSHA")]
    public Task RawBatch()
    {
        raw.Calls += Size;
        return F.RawBatch(F.IncrSha, raw.Key, Size);
    }
}

/// <summary>A transaction of 10 script calls: <c>client.Transaction()</c> next to a raw <c>ITransaction</c> of EVALSHA.</summary>
public class Transactions : RedisBenchmark
{
    /// <summary>Calls per transaction.</summary>
    public const int Size = 10;

    private Counter lua = null!, raw = null!;

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
    }

    /// <summary><c>client.Transaction()</c>, <c>RunScript</c> × 10, <c>ExecuteAsync</c>.</summary>
    [Benchmark(Description = "LuaScripts Transaction of 10")]
    public Task LuaTransaction()
    {
        lua.Calls += Size;
        return F.LuaPipeline(Fixture.Incr, lua.Key, Size, transaction: true);
    }

    /// <summary>A raw <c>ITransaction</c> of 10 EVALSHA.</summary>
    [Benchmark(Baseline = true, Description = "raw ITransaction of 10 EVALSHA")]
    public Task RawTransaction()
    {
        raw.Calls += Size;
        return F.RawBatch(F.IncrSha, raw.Key, Size, transaction: true);
    }
}
