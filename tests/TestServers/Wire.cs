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
                    return long.Parse(calls.Split('=')[1]);
                }
        return 0;
    }

    /// <summary>
    /// How many round trips a set of profiled commands took: a new round trip starts when a command is
    /// created after a reply of the current round had already arrived (so it could have waited for it).
    /// A batch creates all its commands before any is sent, so it counts as one.
    /// </summary>
    public static int RoundTrips(IEnumerable<IProfiledCommand> commands)
    {
        var timed = commands
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
