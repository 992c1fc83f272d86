namespace LuaScripts.Chaos;

/// <summary>
/// How long and how hard the chaos phases run. <c>CHAOS_SECONDS</c> sets how long each phase's
/// load runs under faults (default 30; the phase adds server start-up, the recovery window and
/// the final check); <c>CHAOS_WORKERS</c> the number of concurrent workers (default 64).
/// </summary>
public sealed record ChaosSettings
{
    /// <summary>How long the load runs while faults are injected, per phase.</summary>
    public TimeSpan FaultDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Concurrent workers.</summary>
    public int Workers { get; init; } = 64;

    /// <summary>SE.Redis asyncTimeout/syncTimeout/connectTimeout, in milliseconds.</summary>
    public int TimeoutMs { get; init; } = 2000;

    /// <summary>A call still pending after this long is a hang (3 × the async timeout).</summary>
    public TimeSpan Watchdog => TimeSpan.FromMilliseconds(3 * TimeoutMs);

    /// <summary>Consecutive successful operations every worker must reach after the faults stop.</summary>
    public int RecoveryWindow { get; init; } = 20;

    /// <summary>How long the load may go on after the faults stop while waiting for every worker to recover.</summary>
    public TimeSpan SettleLimit { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest recovery time the suite accepts.</summary>
    public TimeSpan RecoveryLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often SCRIPT FLUSH hits every server while the faults run.</summary>
    public TimeSpan FlushEvery { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The SE.Redis options every library connection of the suite uses.</summary>
    public string ConnectionOptions =>
        $"abortConnect=false,asyncTimeout={TimeoutMs},syncTimeout={TimeoutMs},connectTimeout={TimeoutMs},connectRetry=5";

    /// <summary>The settings, with the environment's overrides.</summary>
    public static ChaosSettings FromEnvironment()
    {
        var settings = new ChaosSettings();
        if (double.TryParse(Environment.GetEnvironmentVariable("CHAOS_SECONDS"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            settings = settings with { FaultDuration = TimeSpan.FromSeconds(seconds) };
        if (int.TryParse(Environment.GetEnvironmentVariable("CHAOS_WORKERS"), out var workers) && workers > 0)
            settings = settings with { Workers = workers };
        return settings;
    }
}
