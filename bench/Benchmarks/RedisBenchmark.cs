using BenchmarkDotNet.Attributes;

namespace LuaScripts.Bench.Benchmarks;

/// <summary>
/// Base of the BenchmarkDotNet classes: each benchmark process starts its own throwaway
/// redis-server (or uses REDIS_URL) in <see cref="GlobalSetup"/> and kills it in
/// <see cref="GlobalCleanup"/>, after checking that every counter equals the calls made.
/// </summary>
[MemoryDiagnoser]
public abstract class RedisBenchmark
{
    private readonly List<Counter> counters = new();
    private RedisTarget? target;

    internal Fixture F { get; private set; } = null!;

    /// <summary>Starts the server, connects, defines and loads the scripts.</summary>
    [GlobalSetup]
    public void GlobalSetup()
    {
        target = RedisTarget.Start();
        F = Fixture.Create(target);
        Setup();
    }

    /// <summary>Per-class setup after the fixture exists.</summary>
    protected virtual void Setup() { }

    /// <summary>Checks the counters, closes the connection and kills the server.</summary>
    [GlobalCleanup]
    public void GlobalCleanup()
    {
        try
        {
            foreach (var c in counters)
            {
                var value = F.CounterAsync(c.Key).GetAwaiter().GetResult();
                if (value != c.Calls)
                    throw new InvalidOperationException($"{GetType().Name}: counter {c.Key} is {value} after {c.Calls} calls");
                F.Db.KeyDelete(c.Key);
            }
        }
        finally
        {
            F.Dispose();
            target?.Dispose();
        }
    }

    /// <summary>A counter key of this benchmark; count every call made against it in <see cref="Counter.Calls"/>.</summary>
    private protected Counter NewCounter(string name)
    {
        var c = new Counter($"bdn:{GetType().Name}:{name}:{Guid.NewGuid():N}");
        counters.Add(c);
        return c;
    }

    /// <summary>A counter key and the calls made against it.</summary>
    private protected sealed class Counter(string key)
    {
        public string Key { get; } = key;
        public long Calls;
    }
}
