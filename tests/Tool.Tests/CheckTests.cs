using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tool.Tests;

/// <summary>`luascripts check` through its entry point, on a real redis-server: each exit code, on each backend.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class CheckTests(RedisFixture redis) : ToolTestBase(redis)
{
    private static readonly (string, string)[] Clean =
    {
        ("publish_to_group-1.lua", "--! description: Publishes to every member.\n--- @include \"helpers/fanout\"\nreturn fanout(KEYS[1], ARGV[1])\n"),
        ("helpers/fanout.lua", "-- fans out\nlocal function fanout(group, message)\n  local members = redis.call('SMEMBERS', group)\n  return #members\nend\n"),
        ("get_value.lua", "--! keys: 1\n--! readonly\nreturn redis.call('GET', KEYS[1])\n"),
    };

    [Theory]
    [InlineData("scripts")]
    [InlineData("functions")]
    [InlineData("both")]
    public async Task A_clean_directory_exits_0_and_leaves_no_library_behind(string backend)
    {
        var run = await Run("check", Dir(Clean), "--redis", Url, "--backend", backend);

        Assert.True(run.ExitCode == Check.Clean, run.ToString());
        Assert.Contains($"OK: 2 command(s) checked on {Redis.Configuration} (backend {backend}): 0 error(s), 0 warning(s).", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
        var libraries = (RedisResult[])(await Redis.AdminServer.ExecuteAsync("FUNCTION", "LIST"))!;
        Assert.Empty(libraries);
    }

    [Theory]
    [InlineData("scripts", "scripts backend")]
    [InlineData("functions", "functions backend")]
    public async Task A_compile_error_inside_an_include_exits_1_naming_the_included_file_and_line(string backend, string by)
    {
        var dir = Dir(Clean.Append(("broken-0.lua", "local a = 1\n--- @include \"lib/h\"\nreturn a\n")).Append(("lib/h.lua", "-- fine\nlocal x = = 2\n")).ToArray());

        var run = await Run("check", dir, "--redis", Url, "--backend", backend);

        Assert.True(run.ExitCode == Check.ScriptErrors, run.ToString());
        Assert.Contains($"lib/h.lua:2 (included from broken-0.lua:2): error: broken: compile error: unexpected symbol near '=' [{by}]", run.Output, StringComparison.Ordinal);
        Assert.Contains("FAILED: 3 command(s) checked", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 error(s)", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scripts", Check.Clean)]
    [InlineData("functions", Check.ScriptErrors)]
    [InlineData("both", Check.ScriptErrors)]
    public async Task A_body_that_compiles_as_a_script_but_not_as_a_function_fails_only_the_Functions_check(string backend, int expected)
    {
        var dir = Dir(("ok-0.lua", "return 1"), ("vararg-0.lua", "-- reads the chunk's varargs\nlocal first = ...\nreturn first"));

        var run = await Run("check", dir, "--redis", Url, "--backend", backend);

        Assert.True(run.ExitCode == expected, run.ToString());
        var line = "vararg-0.lua:2: error: vararg: compile error: cannot use '...' outside a vararg function near '...' [functions backend]";
        if (expected == Check.Clean) Assert.DoesNotContain("error:", run.Output, StringComparison.Ordinal);
        else Assert.Contains(line, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Functions_check_compiles_a_command_with_a_flags_line_as_the_script_the_backend_runs_it_as()
    {
        var dir = Dir(("ok-0.lua", "return 1"), ("flagged-0.lua", "#!lua flags=no-writes\n-- reads only\nreturn ("));

        var run = await Run("check", dir, "--redis", Url, "--backend", "functions");

        Assert.True(run.ExitCode == Check.ScriptErrors, run.ToString());
        Assert.Contains("flagged-0.lua:3: error: flagged: compile error: ", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 error(s)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_compile_error_is_reported_not_only_the_first()
    {
        var dir = Dir(("a-0.lua", "return ("), ("b-0.lua", "local = 1"), ("c-0.lua", "return 1"));

        var run = await Run("check", dir, "--redis", Url, "--backend", RunBackend);

        Assert.True(run.ExitCode == Check.ScriptErrors, run.ToString());
        Assert.Contains("a-0.lua:1: error: a: compile error: ", run.Output, StringComparison.Ordinal);
        Assert.Contains("b-0.lua:1: error: b: compile error: ", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 error(s)", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_definition_conflict_exits_1_and_the_other_files_are_still_compiled(bool withServer)
    {
        var dir = Dir(("bad-1.lua", "--! keys: 2\nreturn KEYS[1]"), ("worse-0.lua", "return ("), ("good-0.lua", "return 1"));
        var args = new List<string> { "check", dir };
        if (withServer) args.AddRange(new[] { "--redis", Url, "--backend", RunBackend });

        var run = await Run(args.ToArray());

        Assert.True(run.ExitCode == Check.ScriptErrors, run.ToString());
        Assert.Contains("error: bad-1.lua: the file name says 1 keys but its --! keys header says 2", run.Output, StringComparison.Ordinal);
        if (withServer) Assert.Contains("worse-0.lua:1: error: worse: compile error: ", run.Output, StringComparison.Ordinal);
        else Assert.DoesNotContain("worse", run.Output, StringComparison.Ordinal);
        Assert.Contains(withServer ? "2 error(s)" : "1 error(s)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_name_and_a_missing_include_are_each_reported()
    {
        var dir = Dir(("a-1.lua", "return 1"), ("a.lua", "return 2"), ("m-0.lua", "--- @include \"nope\"\nreturn 1"));

        var run = await Run("check", dir);

        Assert.True(run.ExitCode == Check.ScriptErrors, run.ToString());
        Assert.Contains("error: The command 'a' is defined by more than one file: a-1.lua, a.lua.", run.Output, StringComparison.Ordinal);
        Assert.Contains("error: m-0.lua:1: the include \"nope\" names no file", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, Check.Clean)]
    [InlineData(true, Check.ScriptErrors)]
    public async Task Lint_findings_are_warnings_unless_warnings_are_errors(bool warningsAsErrors, int expected)
    {
        var dir = Dir(
            ("too_far-1.lua", "local a = KEYS[1]\nreturn redis.call('GET', KEYS[2])"),
            ("literal-0.lua", "-- a key not from KEYS\nreturn redis.call('GET', 'fixed:key')"));
        var args = new List<string> { "check", dir, "--redis", Url, "--backend", RunBackend };
        if (warningsAsErrors) args.Add("--warnings-as-errors");

        var run = await Run(args.ToArray());

        Assert.True(run.ExitCode == expected, run.ToString());
        Assert.Contains("too_far-1.lua:2: warning: too_far: reads KEYS[2] but the command declares 1 key(s)", run.Output, StringComparison.Ordinal);
        Assert.Contains("literal-0.lua:2: warning: literal: GET touches a key given as a string literal", run.Output, StringComparison.Ordinal);
        Assert.Contains("0 error(s), 2 warning(s)" + (warningsAsErrors ? " (as errors)" : ""), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_server_it_checks_definitions_and_lint_only_and_says_so()
    {
        var dir = Dir(("uncompiled-0.lua", "return ("));

        var run = await Run("check", dir);

        Assert.True(run.ExitCode == Check.Clean, run.ToString());
        Assert.Contains("without a server: definitions and lint only (give --redis <url> to compile them)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assembly_s_embedded_scripts_are_checked_like_a_directory()
    {
        var run = await Run("check", "--assembly", typeof(CheckTests).Assembly.Location, "--prefix", "ToolTests/", "--redis", Redis.Configuration, "--backend", "both");

        Assert.True(run.ExitCode == Check.Clean, run.ToString());
        Assert.Contains("OK: 2 command(s) checked", run.Output, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { Array.Empty<string>(), "no command given" },
        { new[] { "lint", "x" }, "unknown command 'lint'" },
        { new[] { "check" }, "give the directory of .lua files to check" },
        { new[] { "check", "DIR", "--backend", "lua" }, "--backend must be scripts, functions or both" },
        { new[] { "check", "DIR", "--colour" }, "unknown option '--colour'" },
        { new[] { "check", "DIR", "--redis" }, "--redis needs a server address" },
        { new[] { "check", "DIR", "--redis", "redis://:6379" }, "is not a redis:// address" },
        { new[] { "check", "DIR", "--prefix", "p/" }, "--prefix goes with --assembly" },
        { new[] { "check", "DIR", "other" }, "one directory only" },
        { new[] { "check", "DIR/missing" }, "the directory does not exist" },
        { new[] { "check", "--assembly", "DIR/missing.dll" }, "cannot be read" },
        { new[] { "check", "EMPTY" }, "holds no .lua file at its root" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Bad_arguments_exit_2_with_the_reason_and_the_usage(string[] args, string reason)
    {
        var dir = Dir(("ok-0.lua", "return 1"));
        var empty = Dir(("helpers/only.lua", "return 1"));
        var resolved = args.Select(a => a.Replace("EMPTY", empty, StringComparison.Ordinal).Replace("DIR", dir, StringComparison.Ordinal)).ToArray();

        var run = await Run(resolved);

        Assert.True(run.ExitCode == Check.UsageOrServer, run.ToString());
        Assert.StartsWith("luascripts: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.Contains("usage: luascripts check", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        var run = await Run("--help");

        Assert.True(run.ExitCode == Check.Clean, run.ToString());
        Assert.Contains("exit codes: 0 clean", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_exits_2()
    {
        var port = RedisServer.FreePort();

        var run = await Run("check", Dir(Clean), "--redis", $"redis://127.0.0.1:{port}", "--backend", RunBackend);

        Assert.True(run.ExitCode == Check.UsageOrServer, run.ToString());
        Assert.Contains($"luascripts: cannot reach the server 127.0.0.1:{port}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("OK:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_refuses_FUNCTION_LOAD_exits_2_for_the_Functions_check()
    {
        var user = "tool_" + Guid.NewGuid().ToString("N")[..6];
        await Redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-function");
        try
        {
            var url = $"redis://{user}:secret@{Redis.Configuration}";

            var functions = await Run("check", Dir(Clean), "--redis", url, "--backend", "functions");
            var scripts = await Run("check", Dir(Clean), "--redis", url, "--backend", "scripts");

            Assert.True(functions.ExitCode == Check.UsageOrServer, functions.ToString());
            Assert.Contains("refused FUNCTION LOAD", functions.Error, StringComparison.Ordinal);
            Assert.True(scripts.ExitCode == Check.Clean, scripts.ToString());
        }
        finally
        {
            await Redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task A_server_that_refuses_SCRIPT_LOAD_exits_2_for_the_Scripts_check_instead_of_reporting_compile_errors()
    {
        var user = "tool_" + Guid.NewGuid().ToString("N")[..6];
        await Redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-script");
        try
        {
            var url = $"redis://{user}:secret@{Redis.Configuration}";

            var scripts = await Run("check", Dir(Clean), "--redis", url, "--backend", "scripts");
            var functions = await Run("check", Dir(Clean), "--redis", url, "--backend", "functions");

            Assert.True(scripts.ExitCode == Check.UsageOrServer, scripts.ToString());
            Assert.Contains("refused SCRIPT LOAD", scripts.Error, StringComparison.Ordinal);
            Assert.Contains("NOPERM", scripts.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("compile error", scripts.Output + scripts.Error, StringComparison.Ordinal);
            Assert.True(functions.ExitCode == Check.Clean, functions.ToString());
        }
        finally
        {
            await Redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }
}
