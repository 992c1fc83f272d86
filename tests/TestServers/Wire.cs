using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace LuaScripts.TestServers;

/// <summary>Observes what reaches the server: command statistics and round trips.</summary>
public static class Wire
{
    /// <summary>Calls of one command since the server started (INFO commandstats), e.g. "eval", "evalsha".</summary>
    public static long Calls(IServer server, string command)
    {
        var info = server.Info("commandstats");
        foreach (var group in info)
            foreach (var pair in group)
                if (string.Equals(pair.Key, "cmdstat_" + command, StringComparison.OrdinalIgnoreCase))
                {
                    // calls=12,usec=...
                    var calls = pair.Value.Split(',')[0];
                    return long.Parse(calls.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
        return 0;
    }

    /// <summary>
    /// Calls of one command that succeeded since the server started: INFO commandstats' <c>calls</c>
    /// minus its <c>failed_calls</c> (errors inside the command, e.g. FUNCTION LOAD answering
    /// "Library already exists"). Redis 7.0+; older servers report no failures.
    /// </summary>
    public static long Succeeded(IServer server, string command)
    {
        var info = server.Info("commandstats");
        foreach (var group in info)
            foreach (var pair in group)
                if (string.Equals(pair.Key, "cmdstat_" + command, StringComparison.OrdinalIgnoreCase))
                    return Field(pair.Value, "calls") - Field(pair.Value, "failed_calls");
        return 0;
    }

    /// <summary>The names of the function libraries a server holds (FUNCTION LIST; Redis 7.0+).</summary>
    public static IReadOnlyList<string> Libraries(IServer server)
    {
        var list = (RedisResult[])server.Execute("FUNCTION", "LIST")!;
        // Each entry is a map: library_name, engine, functions (RESP2: a flat array of pairs).
        return list.Select(entry => (string)((RedisResult[])entry!)[1]!).ToList();
    }

    // One "name=value" field of a commandstats entry (0 when absent).
    private static long Field(string entry, string name)
    {
        foreach (var part in entry.Split(','))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] == name) return long.Parse(part[(eq + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>
    /// How many round trips a set of profiled commands took: a new round trip starts when a command is
    /// created after a reply of the current round had already arrived (so it could have waited for it).
    /// A batch creates all its commands before any is sent, so it counts as one; so does a long
    /// pipeline, queued whole before its batches are written. A fire-and-forget command (a pipeline's
    /// library guard) waits for no reply, so it takes no round trip: it is left out (its "answer" is
    /// only its write, which on a busy machine can come before the batch behind it is even created).
    /// </summary>
    public static int RoundTrips(IEnumerable<IProfiledCommand> commands)
    {
        var timed = commands
            .Where(c => (c.Flags & CommandFlags.FireAndForget) == 0)
            .Select(c =>
            {
                var sent = c.CommandCreated + c.CreationToEnqueued + c.EnqueuedToSending;
                return (Created: c.CommandCreated, Answered: sent + c.SentToResponse);
            })
            .OrderBy(c => c.Created)
            .ToList();
        if (timed.Count == 0) return 0;
        var trips = 1;
        var roundAnsweredFirst = timed[0].Answered;
        foreach (var c in timed.Skip(1))
        {
            if (c.Created > roundAnsweredFirst)
            {
                trips++;
                roundAnsweredFirst = c.Answered;
            }
            else if (c.Answered < roundAnsweredFirst)
            {
                roundAnsweredFirst = c.Answered;
            }
        }
        return trips;
    }

    /// <summary>
    /// Whether this StackExchange.Redis profiles commands sent in a batch (3.x does; 2.8 records only
    /// commands sent alone, so a batch's round trips cannot be observed there).
    /// </summary>
    public static bool ProfilesBatches { get; } = typeof(IServer).Assembly.GetName().Version!.Major >= 3;

    /// <summary>Why a test that counts a batch's round trips is skipped on this StackExchange.Redis.</summary>
    public static string NoBatchProfiling =>
        $"StackExchange.Redis {typeof(IServer).Assembly.GetName().Version} does not profile commands sent in a batch, so its round trips cannot be observed";

    /// <summary>Runs an action with SE.Redis profiling on and returns the commands it sent.</summary>
    public static async Task<IReadOnlyList<IProfiledCommand>> Profile(IConnectionMultiplexer mux, Func<Task> action)
    {
        var session = new ProfilingSession();
        mux.RegisterProfiler(() => session);
        try
        {
            await action();
        }
        finally
        {
            mux.RegisterProfiler(() => null);
        }
        return session.FinishProfiling().ToList();
    }
}
