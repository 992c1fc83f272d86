using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using LuaScripts;
using LuaScripts.AotSample;
using StackExchange.Redis;

// The Native AOT sample: everything a trimmed, AOT-compiled application does with LuaScripts, checked
// against a real redis-server (REDIS_URL, default localhost:6379). Prints one line per check and exits
// 1 when any result is wrong (2 on bad usage).
//   LuaScripts.AotSample [--backend scripts|functions|both]   the checks (default: both backends)
//   LuaScripts.AotSample --startup                             one call, then the figures bench/README.md records
var url = Environment.GetEnvironmentVariable("REDIS_URL") ?? "localhost:6379";
var mode = args.Length > 0 ? args[0] : "--backend";
var which = args.Length > 1 ? args[1] : "both";

if (mode == "--startup")
{
    await using var startupMux = await ConnectionMultiplexer.ConnectAsync(url);
    var client = new ScriptClient(startupMux, new ScriptClientOptions { KeyPrefix = $"aot:startup:{Guid.NewGuid():N}:" });
    client.DefineCommand("incr_by", Definitions.IncrBy);
    var reply = await client.RunScriptAsync("incr_by", "counter", 1);
    var firstCallUs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
    var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
    Console.WriteLine($"reply={(long)reply} first_call_unix_us={firstCallUs} since_process_start_ms={sinceStart.TotalMilliseconds:F0} peak_rss_kb={PeakRssKb()}");
    return (long)reply == 1 ? 0 : 1;
}

ScriptBackend[] backends = (mode, which.ToUpperInvariant()) switch
{
    ("--backend", "SCRIPTS") => [ScriptBackend.Scripts],
    ("--backend", "FUNCTIONS") => [ScriptBackend.Functions],
    ("--backend", "BOTH") => [ScriptBackend.Scripts, ScriptBackend.Functions],
    _ => [],
};
if (backends.Length == 0)
{
    await Console.Error.WriteLineAsync("usage: LuaScripts.AotSample [--backend scripts|functions|both] | --startup");
    return 2;
}

Console.WriteLine($"LuaScripts AOT sample against {url} ({(Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? "JIT, under the dotnet host" : "native executable")})");
await using var mux = await ConnectionMultiplexer.ConnectAsync(url);
var checks = new Checks();
foreach (var backend in backends)
{
    await Scenario.RunAsync(mux, backend, checks);
}

Console.WriteLine($"{checks.Count - checks.Failed} of {checks.Count} checks passed");
return checks.Failed == 0 ? 0 : 1;

// The most memory the process has held (VmHWM), in KiB; 0 where /proc is absent.
static long PeakRssKb()
{
    const string status = "/proc/self/status";
    if (!File.Exists(status))
    {
        return 0;
    }

    foreach (var line in File.ReadLines(status))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    return 0;
}
