using BenchmarkDotNet.Attributes;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>
/// Pipelines of 1 to 10,000 calls: <c>client.Pipeline()</c> (Scripts and Functions backends) next to
/// raw <c>IBatch</c>es of EVALSHA and of FCALL.
/// </summary>
public class Pipelines : RedisBenchmark
{
    private Counter lua = null!, raw = null!, fn = null!, fcall = null!;

    /// <summary>Calls per pipeline.</summary>
    [Params(1, 10, 100, 1_000, 10_000)]
    public int Size { get; set; }

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
        fn = NewCounter("fn");
        fcall = NewCounter("fcall");
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

    /// <summary>The Functions backend's pipeline: a FUNCTION LOAD guard, then Size FCALL.</summary>
    [Benchmark(Description = "LuaScripts Functions Pipeline")]
    public Task FunctionsPipeline()
    {
        fn.Calls += Size;
        return Fixture.LuaPipeline(F.Fn, Fixture.Incr, fn.Key, Size);
    }

    /// <summary>A raw <c>IBatch</c> of Size FCALL (no guard).</summary>
    [Benchmark(Description = "raw IBatch of FCALL")]
    public Task RawFcallBatch()
    {
        fcall.Calls += Size;
        return F.RawFcallBatch(F.IncrFn, fcall.Key, Size);
    }
}

/// <summary>
/// A transaction of 10 script calls: <c>client.Transaction()</c> (Scripts and Functions backends) next
/// to raw <c>ITransaction</c>s of EVALSHA and of FCALL.
/// </summary>
public class Transactions : RedisBenchmark
{
    /// <summary>Calls per transaction.</summary>
    public const int Size = 10;

    private Counter lua = null!, raw = null!, fn = null!, fcall = null!;

    /// <inheritdoc />
    protected override void Setup()
    {
        lua = NewCounter("lua");
        raw = NewCounter("raw");
        fn = NewCounter("fn");
        fcall = NewCounter("fcall");
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

    /// <summary>The Functions backend's transaction: MULTI, a FUNCTION LOAD guard, 10 FCALL, EXEC.</summary>
    [Benchmark(Description = "LuaScripts Functions Transaction of 10")]
    public Task FunctionsTransaction()
    {
        fn.Calls += Size;
        return Fixture.LuaPipeline(F.Fn, Fixture.Incr, fn.Key, Size, transaction: true);
    }

    /// <summary>A raw <c>ITransaction</c> of 10 FCALL.</summary>
    [Benchmark(Description = "raw ITransaction of 10 FCALL")]
    public Task RawFcallTransaction()
    {
        fcall.Calls += Size;
        return F.RawFcallBatch(F.IncrFn, fcall.Key, Size, transaction: true);
    }
}
