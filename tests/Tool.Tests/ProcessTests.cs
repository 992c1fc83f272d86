using System.Diagnostics;
using Xunit;

namespace LuaScripts.Tool.Tests;

/// <summary>The built tool run as a process (`dotnet luascripts.dll check ...`): the real entry point and its exit code.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ProcessTests(RedisFixture redis) : ToolTestBase(redis)
{
    private static async Task<ToolRun> RunProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ToolDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new ToolRun(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_built_tool_exits_1_on_a_compile_error_and_prints_the_included_file_line()
    {
        var dir = Dir(("broken-0.lua", "local a = 1\n--- @include \"lib/h\"\nreturn a\n"), ("lib/h.lua", "-- fine\nlocal x = = 2\n"));

        var run = await RunProcess("check", dir, "--redis", Url, "--backend", RunBackend);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("lib/h.lua:2 (included from broken-0.lua:2): error: broken: compile error: unexpected symbol near '='", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_built_tool_exits_0_on_a_clean_directory_and_2_on_bad_arguments()
    {
        var dir = Dir(("ok-1.lua", "return redis.call('GET', KEYS[1])"));

        var clean = await RunProcess("check", dir, "--redis", Url, "--backend", RunBackend);
        var usage = await RunProcess("check", dir, "--backend", "nope");

        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("OK: 1 command(s) checked", clean.Output, StringComparison.Ordinal);
        Assert.True(usage.ExitCode == 2, usage.ToString());
        Assert.Contains("--backend must be scripts, functions or both", usage.Error, StringComparison.Ordinal);
    }
}
