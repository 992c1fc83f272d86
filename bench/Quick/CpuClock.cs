using System.Runtime.InteropServices;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// CPU time used by this process (every thread: the caller, the thread pool, StackExchange.Redis's
/// socket reader), from getrusage(RUSAGE_SELF). On Linux its user+system sum comes from the
/// scheduler's nanosecond runtime, unlike Process.TotalProcessorTime which reads clock ticks.
/// The redis-server is another process, so this is the client's own cost.
/// </summary>
internal static partial class CpuClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVCsw, NIvCsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRUsage(int who, out RUsage usage);

    private static readonly bool Available = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>The process's CPU time so far, in microseconds (from Process.TotalProcessorTime where getrusage is missing).</summary>
    public static double NowMicroseconds()
    {
        if (Available && GetRUsage(0, out var u) == 0)
            return (u.User.Seconds + u.System.Seconds) * 1e6 + u.User.Microseconds + u.System.Microseconds;
        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;
    }
}
