namespace LuaScripts.Bench.Quick;

/// <summary>How a contender's calls are issued: one at a time, N in flight, or in batches.</summary>
internal static class Shapes
{
    /// <summary>One call at a time: each awaited before the next is sent (latency).</summary>
    public static Func<string, int, Task> Sequential(Func<string, Task> call) => async (key, ops) =>
    {
        for (var i = 0; i < ops; i++) await call(key).ConfigureAwait(false);
    };

    /// <summary><paramref name="width"/> calls in flight: as many loops, each sending its next call when its last one returns.</summary>
    public static Func<string, int, Task> InFlight(int width, Func<string, Task> call) => (key, ops) =>
    {
        var issued = new StrongBox<int>(0);
        async Task Loop()
        {
            while (Interlocked.Increment(ref issued.Value) <= ops) await call(key).ConfigureAwait(false);
        }
        var loops = new Task[Math.Min(width, ops)];
        for (var i = 0; i < loops.Length; i++) loops[i] = Loop();
        return Task.WhenAll(loops);
    };

    /// <summary>Batches of <paramref name="size"/> calls (a pipeline or a transaction), one batch at a time.</summary>
    public static Func<string, int, Task> Batches(int size, Func<string, int, Task> batch) => async (key, ops) =>
    {
        if (ops % size != 0) throw new ArgumentException($"{ops} calls are not whole batches of {size}");
        for (var done = 0; done < ops; done += size) await batch(key, size).ConfigureAwait(false);
    };

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }
}
