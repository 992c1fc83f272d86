namespace LuaScripts.Chaos;

/// <summary>Sends SCRIPT FLUSH to every server at a fixed period, on the injector's own connections, until stopped.</summary>
public sealed class Flusher : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int flushes;

    public Flusher(IReadOnlyList<RespConnection> servers, TimeSpan every)
    {
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                    foreach (var s in servers)
                        if (s.TryCall("SCRIPT", "FLUSH") is "OK") Interlocked.Increment(ref flushes);
            }
            catch (OperationCanceledException) { }
        });
    }

    /// <summary>Flushes that the servers acknowledged.</summary>
    public int Flushes => Volatile.Read(ref flushes);

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        await loop;
    }
}

/// <summary>A fault schedule: steps spread evenly over the fault window, run one after the other.</summary>
public static class Schedule
{
    /// <summary>Runs every step in turn, each not before its due time, and returns when the last one is done.</summary>
    /// <remarks>Step k (from 1) is due at k/n of the window, so the last one ends the window: recovery is measured from its end.</remarks>
    public static async Task RunAsync(TimeSpan window, IReadOnlyList<(string Name, Func<Task<string>> Step)> steps, List<string> log)
    {
        var started = DateTime.UtcNow;
        for (var k = 0; k < steps.Count; k++)
        {
            var due = started + window * (k + 1) / steps.Count;
            var wait = due - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var at = DateTime.UtcNow - started;
            var t0 = DateTime.UtcNow;
            var detail = await steps[k].Step();
            log.Add($"{steps[k].Name} at {at.TotalSeconds:0.0}s took {(DateTime.UtcNow - t0).TotalSeconds:0.0}s{(detail.Length > 0 ? " (" + detail + ")" : "")}");
        }
    }
}
