using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace LuaScripts.Chaos;

/// <summary>
/// The final check of one phase against the server's data, and its summary. Every promise is a
/// count that must be zero: duplicates, lost acknowledged writes, refused calls that ran anyway,
/// half-applied transactions, counters out of step with their lists, unknown ids, NOSCRIPT or
/// CROSSSLOT errors, hangs, unexpected exception types.
/// </summary>
public sealed class Verdict
{
    public required string Phase { get; init; }
    public int Calls { get; init; }
    public int Successes { get; init; }
    public int InDoubt { get; init; }
    public int InDoubtApplied { get; init; }
    public int OtherFailures { get; init; }
    public int Hangs { get; init; }
    public int Duplicates { get; init; }
    public int LostAcknowledged { get; init; }
    public int FailedButApplied { get; init; }
    public int PartialTransactions { get; init; }
    public int CounterMismatches { get; init; }
    public int UnknownIds { get; init; }
    public int NoScriptErrors { get; init; }
    /// <summary>"Function not found" errors that reached a caller (the Functions backend heals them).</summary>
    public int FunctionNotFoundErrors { get; init; }
    public int CrossSlotErrors { get; init; }
    public int UnexpectedExceptionTypes { get; init; }
    public int Transactions { get; init; }
    public double P50Ms { get; init; }
    public double P99Ms { get; init; }
    public double? RecoverySeconds { get; init; }
    public int FailuresAfterRecovery { get; init; }
    public double LoadSeconds { get; init; }
    public required IReadOnlyDictionary<OpKind, (int Calls, int Ok, int InDoubt, int Failed, double P50, double P99)> PerKind { get; init; }
    public required IReadOnlyList<KeyValuePair<string, int>> TopErrors { get; init; }
    public required string Faults { get; init; }
    public required string Timeline { get; init; }
    public required IReadOnlyList<string> Samples { get; init; }

    /// <summary>The promises that failed, one line each (empty when all hold).</summary>
    public IReadOnlyList<string> Violations(ChaosSettings settings)
    {
        var v = new List<string>();
        void Check(bool ok, string what) { if (!ok) v.Add(what); }
        Check(Duplicates == 0, $"{Duplicates} call id(s) applied more than once");
        Check(LostAcknowledged == 0, $"{LostAcknowledged} acknowledged call(s) missing from the data");
        Check(FailedButApplied == 0, $"{FailedButApplied} call(s) that failed with a library error ran anyway");
        Check(PartialTransactions == 0, $"{PartialTransactions} transaction(s) half applied");
        Check(CounterMismatches == 0, $"{CounterMismatches} counter(s) differ from their list's length");
        Check(UnknownIds == 0, $"{UnknownIds} id(s) in the data that no call sent");
        Check(NoScriptErrors == 0, $"{NoScriptErrors} NOSCRIPT error(s) reached the caller");
        Check(FunctionNotFoundErrors == 0, $"{FunctionNotFoundErrors} 'Function not found' error(s) reached the caller");
        Check(CrossSlotErrors == 0, $"{CrossSlotErrors} CROSSSLOT error(s)");
        Check(Hangs == 0, $"{Hangs} call(s) hung past the watchdog");
        Check(UnexpectedExceptionTypes == 0, $"{UnexpectedExceptionTypes} failure(s) of an unexpected exception type");
        Check(RecoverySeconds is not null, "some worker never had a full window of successes after the faults stopped");
        Check(RecoverySeconds is null || RecoverySeconds <= settings.RecoveryLimit.TotalSeconds,
            $"recovery took {RecoverySeconds:0.00} s (limit {settings.RecoveryLimit.TotalSeconds} s)");
        Check(FailuresAfterRecovery == 0, $"{FailuresAfterRecovery} operation(s) failed after recovery");
        Check(Successes > 0, "no call succeeded at all");
        var onTime = settings.FaultDuration + settings.SettleLimit + TimeSpan.FromSeconds(15);
        Check(LoadSeconds <= onTime.TotalSeconds, $"the run did not end on time: {LoadSeconds:0.0} s of load (limit {onTime.TotalSeconds:0} s)");
        return v;
    }

    /// <summary>Reads every worker's counter and list and checks them against what the callers saw.</summary>
    public static async Task<Verdict> CheckAsync(string phase, LoadGenerator load, IDatabase db, long loadStart, long loadEnd, string faults)
    {
        var calls = load.Workers.SelectMany(w => w.Calls).ToList();
        var byId = calls.ToDictionary(c => c.Id);
        var seen = new Dictionary<string, int>();
        var counterMismatches = 0;
        var samples = new List<string>();
        foreach (var w in load.Workers)
        {
            var list = await Retry(() => db.ListRangeAsync(LoadGenerator.ListKey(w.Index)));
            var counter = await Retry(() => db.StringGetAsync(LoadGenerator.CounterKey(w.Index)));
            var n = counter.IsNull ? 0 : (long)counter;
            if (n != list.Length)
            {
                counterMismatches++;
                if (samples.Count < 10) samples.Add($"worker {w.Index}: counter {n}, list length {list.Length}");
            }
            foreach (var item in list)
            {
                var id = (string)item!;
                seen[id] = seen.TryGetValue(id, out var k) ? k + 1 : 1;
            }
        }

        int duplicates = 0, lost = 0, failedButApplied = 0, unknown = 0, inDoubtApplied = 0;
        foreach (var (id, count) in seen)
        {
            if (count > 1)
            {
                duplicates++;
                if (samples.Count < 10) samples.Add($"duplicate: {id} ×{count} ({(byId.TryGetValue(id, out var c) ? c.Outcome.ToString() : "unknown")})");
            }
            if (!byId.ContainsKey(id))
            {
                unknown++;
                if (samples.Count < 10) samples.Add($"unknown id in the data: {id}");
            }
        }
        foreach (var c in calls)
        {
            var present = seen.ContainsKey(c.Id);
            switch (c.Outcome)
            {
                case Outcome.Success when !present:
                    lost++;
                    if (samples.Count < 10) samples.Add($"lost acknowledged call: {c.Id}");
                    break;
                case Outcome.Failed when present:
                    failedButApplied++;
                    if (samples.Count < 10) samples.Add($"refused but applied: {c.Id}");
                    break;
                case Outcome.InDoubt when present:
                    inDoubtApplied++;
                    break;
            }
        }

        // A transaction is all or nothing: tx:<worker>:<seq>:0..2.
        var partial = 0;
        var transactions = calls.Where(c => c.Kind == OpKind.Transaction).GroupBy(c => c.Id[..c.Id.LastIndexOf(':')]).ToList();
        foreach (var tx in transactions)
        {
            var applied = tx.Count(c => seen.ContainsKey(c.Id));
            if (applied != 0 && applied != tx.Count())
            {
                partial++;
                if (samples.Count < 10) samples.Add($"half-applied transaction {tx.Key}: {applied}/{tx.Count()} ({tx.First().Outcome})");
            }
        }

        var errors = load.Errors.ToArray();
        int Matching(string s) => errors.Where(e => e.Key.Contains(s, StringComparison.OrdinalIgnoreCase)).Sum(e => e.Value);
        var unexpected = errors
            .Where(e => !IsExpectedType(e.Key))
            .Sum(e => e.Value);

        var ops = load.Workers.SelectMany(w => w.Ops).ToList();
        var perKind = Enum.GetValues<OpKind>().ToDictionary(k => k, k =>
        {
            var kc = calls.Where(c => c.Kind == k).ToList();
            var lat = ops.Where(o => o.Kind == k && o.Success).Select(Ms).OrderBy(x => x).ToList();
            return (kc.Count, kc.Count(c => c.Outcome == Outcome.Success), kc.Count(c => c.Outcome == Outcome.InDoubt),
                kc.Count(c => c.Outcome == Outcome.Failed), Percentile(lat, 0.50), Percentile(lat, 0.99));
        });
        var allLatencies = ops.Where(o => o.Success).Select(Ms).OrderBy(x => x).ToList();

        double? recovery = null;
        var stoppedAt = load.FaultsStoppedAt;
        if (load.AllRecovered && stoppedAt != 0)
            recovery = Math.Max(0, load.Workers.Max(w => Stopwatch.GetElapsedTime(stoppedAt, w.RecoveredAt).TotalSeconds));

        return new Verdict
        {
            Phase = phase,
            Calls = calls.Count,
            Successes = calls.Count(c => c.Outcome == Outcome.Success),
            InDoubt = calls.Count(c => c.Outcome == Outcome.InDoubt),
            InDoubtApplied = inDoubtApplied,
            OtherFailures = calls.Count(c => c.Outcome == Outcome.Failed),
            Hangs = load.Workers.Sum(w => w.Hangs),
            Duplicates = duplicates,
            LostAcknowledged = lost,
            FailedButApplied = failedButApplied,
            PartialTransactions = partial,
            CounterMismatches = counterMismatches,
            UnknownIds = unknown,
            NoScriptErrors = Matching("NOSCRIPT"),
            FunctionNotFoundErrors = Matching("Function not found"),
            CrossSlotErrors = Matching("CROSSSLOT") + Matching("CrossSlotException"),
            UnexpectedExceptionTypes = unexpected,
            Transactions = transactions.Count,
            P50Ms = Percentile(allLatencies, 0.50),
            P99Ms = Percentile(allLatencies, 0.99),
            RecoverySeconds = recovery,
            FailuresAfterRecovery = load.Workers.Sum(w => w.FailuresAfterRecovery),
            LoadSeconds = Stopwatch.GetElapsedTime(loadStart, loadEnd).TotalSeconds,
            PerKind = perKind,
            TopErrors = errors.OrderByDescending(e => e.Value).Take(12).ToList(),
            Faults = faults,
            Timeline = string.Join(" ", load.Timeline.OrderBy(t => t.Key).Select(t => $"{t.Key}s:{t.Value.InDoubt}/{t.Value.Failed}")),
            Samples = samples,
        };
    }

    private static bool IsExpectedType(string noted) =>
        noted.StartsWith("Pipeline position:", StringComparison.Ordinal)
        || noted.StartsWith("Transaction position:", StringComparison.Ordinal)
        || noted.StartsWith(nameof(RedisConnectionException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(RedisTimeoutException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(TaskCanceledException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(OperationCanceledException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(ObjectDisposedException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(HangException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(ScriptExecutionException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(ScriptRefusedException) + ":", StringComparison.Ordinal)
        || noted.StartsWith(nameof(PipelineExecutionException) + ":", StringComparison.Ordinal);

    private static double Ms(OpRecord o) => Stopwatch.GetElapsedTime(o.Start, o.End).TotalMilliseconds;

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<T> Retry<T>(Func<Task<T>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await read(); }
            catch (Exception e) when (LoadGenerator.IsInDoubt(e) && attempt < 20) { await Task.Delay(250); }
            catch (RedisServerException e) when (attempt < 20 && (e.Message.StartsWith("LOADING", StringComparison.Ordinal) || e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)))
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>The summary: one table row of the phase, a per-kind breakdown, the faults and the errors seen.</summary>
    public string Render(ChaosSettings settings)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"=== chaos phase: {Phase} ({settings.Workers} workers, {settings.FaultDuration.TotalSeconds:0} s of faults, load ran {LoadSeconds:0.0} s, {LuaScripts.TestServers.TestBackend.Name} backend) ===");
        sb.AppendLine($"| phase | calls | successes | in doubt (applied) | other failures | duplicates | lost acked | refused-but-ran | tx half-applied | hangs | NOSCRIPT | Function not found | CROSSSLOT | p50 ms | p99 ms | recovery s |");
        sb.AppendLine($"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {Phase} | {Calls} | {Successes} | {InDoubt} ({InDoubtApplied}) | {OtherFailures} | {Duplicates} | {LostAcknowledged} | {FailedButApplied} | {PartialTransactions}/{Transactions} | {Hangs} | {NoScriptErrors} | {FunctionNotFoundErrors} | {CrossSlotErrors} | {P50Ms:0.0} | {P99Ms:0.0} | {(RecoverySeconds is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : "never")} |");
        sb.AppendLine();
        sb.AppendLine("| kind | calls | ok | in doubt | failed | p50 ms (op) | p99 ms (op) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (kind, k) in PerKind)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {k.Calls} | {k.Ok} | {k.InDoubt} | {k.Failed} | {k.P50:0.0} | {k.P99:0.0} |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"counters out of step: {CounterMismatches}; unknown ids: {UnknownIds}; unexpected exception types: {UnexpectedExceptionTypes}; failures after recovery: {FailuresAfterRecovery}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"faults: {Faults}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"failed calls per second of load (in doubt/refused): {(Timeline.Length == 0 ? "none" : Timeline)}");
        if (TopErrors.Count > 0)
        {
            sb.AppendLine("errors seen by callers (count, type: message):");
            foreach (var (text, count) in TopErrors) sb.AppendLine(CultureInfo.InvariantCulture, $"  {count,7}  {text}");
        }
        foreach (var s in Samples) sb.AppendLine("  ! " + s);
        var violations = Violations(settings);
        sb.AppendLine(violations.Count == 0 ? "every promise held" : "VIOLATED: " + string.Join("; ", violations));
        return sb.ToString();
    }
}
