using System.Reflection;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>Commands defined from .lua files (a directory, embedded resources) on a real server, and their errors placed at the file line.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class FileScriptTests : IDisposable
{
    private const string ResourcePrefix = "LuaScriptsTests/";
    private const string DottedPrefix = "LuaScripts.Tests.DottedScripts.";

    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "t:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly List<string> directories = new();

    public FileScriptTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
    }

    public void Dispose()
    {
        mux.Dispose();
        foreach (var dir in directories) Directory.Delete(dir, recursive: true);
    }

    private string Key(string name) => prefix + name;

    private static Assembly TestAssembly => typeof(FileScriptTests).Assembly;

    private string Directory_(params (string Path, string Text)[] files)
    {
        var dir = Path.Combine(Path.GetTempPath(), "luascripts-" + Guid.NewGuid().ToString("N"));
        directories.Add(dir);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return dir;
    }

    // The test project's Scripts folder, as the embedded resources under path names hold it.
    private static (string, string)[] ScriptsOfTheTestProject() =>
        TestAssembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n =>
            {
                using var reader = new StreamReader(TestAssembly.GetManifestResourceStream(n)!);
                return (n[ResourcePrefix.Length..], reader.ReadToEnd());
            })
            .ToArray();

    [Fact]
    public async Task Defines_commands_from_a_directory_with_names_headers_and_includes()
    {
        var handles = client.DefineCommandsFromDirectory(Directory_(ScriptsOfTheTestProject()));

        Assert.Equal(new[] { "get_value", "publish_to_group" }, handles.Select(h => h.Name));
        var get = handles[0];
        Assert.Equal(1, get.Keys);
        Assert.True(get.ReadOnly);
        Assert.True(get.Install);
        Assert.Equal("Reads a value.", get.Description);
        Assert.Equal(1, handles[1].Keys);
        await mux.GetDatabase().SetAddAsync(Key("g"), new RedisValue[] { "a", "b" });
        Assert.Equal(2, (int)await client.RunScriptAsync("publish_to_group", Key("g"), "hi"));
        Assert.Equal("hi", (string?)await mux.GetDatabase().ListGetByIndexAsync(Key("g") + ":queue:a", 0));
    }

    [Fact]
    public async Task Defines_commands_from_embedded_resources_under_path_names_and_dotted_names_alike()
    {
        var byPath = client.DefineCommandsFromAssembly(TestAssembly, ResourcePrefix);
        var other = TestClients.Create(mux);
        var dotted = other.DefineCommandsFromAssembly(TestAssembly, DottedPrefix);

        Assert.Equal(new[] { "get_value", "publish_to_group" }, byPath.Select(h => h.Name));
        Assert.Equal(byPath.Select(h => h.Sha1), dotted.Select(h => h.Sha1));
        await mux.GetDatabase().StringSetAsync(Key("v"), "42");
        Assert.Equal("42", (string?)await other.RunScriptAsync("get_value", Key("v")));
    }

    [Fact]
    public async Task A_run_time_error_inside_an_include_names_the_helper_file_line_and_include_chain()
    {
        client.DefineCommandsFromAssembly(TestAssembly, ResourcePrefix);

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("publish_to_group", Key("g"), "fail"));

        Assert.Equal("helpers/fanout.lua", error.SourceFile);
        Assert.Equal(6, error.SourceLine);
        Assert.Equal(new[] { "publish_to_group-1.lua:3" }, error.IncludeChain);
        Assert.StartsWith("publish_to_group: helpers/fanout.lua:6 (included from publish_to_group-1.lua:3): attempt to perform arithmetic", error.Message, StringComparison.Ordinal);
        Assert.Contains(TestBackend.IsFunctions ? "user_function:" : "user_script:", error.ServerMessage, StringComparison.Ordinal);
        Assert.Equal("publish_to_group", error.ScriptName);
    }

    [Fact]
    public async Task A_handle_run_on_a_database_places_the_error_too()
    {
        var handle = client.DefineCommandsFromAssembly(TestAssembly, ResourcePrefix).Single(h => h.Name == "publish_to_group");

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(
            () => handle.RunOnAsync(client.Database, new RedisKey[] { Key("g") }, new RedisValue[] { "fail" }));

        Assert.Equal(("helpers/fanout.lua", 6), (error.SourceFile, error.SourceLine));
    }

    [Fact]
    public async Task A_compile_error_inside_an_include_names_the_helper_file_line()
    {
        client.DefineCommandsFromDirectory(Directory_(("broken-0.lua", "local a = 1\r\n--- @include \"lib/h\"\r\nreturn a\r\n"), ("lib/h.lua", "-- fine\r\nlocal x = = 2\r\n")));

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("broken"));

        Assert.Equal(("lib/h.lua", 2), (error.SourceFile, error.SourceLine));
        Assert.Equal(new[] { "broken-0.lua:2" }, error.IncludeChain);
        Assert.StartsWith("broken: lib/h.lua:2 (included from broken-0.lua:2): compile error: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_defined_from_a_string_points_at_its_own_line_whatever_the_backend()
    {
        client.DefineCommand("inline", new CommandDefinition("local a = 1\nlocal b = nil\nreturn a + b") { Keys = 0 });

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("inline"));

        Assert.Null(error.SourceFile);
        Assert.Equal(3, error.SourceLine);
        Assert.Empty(error.IncludeChain);
        Assert.StartsWith("inline: line 3: attempt to perform arithmetic", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("user_", error.Message, StringComparison.Ordinal);
        Assert.Contains(TestBackend.IsFunctions ? "user_function:" : "user_script:", error.ServerMessage, StringComparison.Ordinal);
        // The server's own numbering stays available: the body's line for a script, the library's for a function.
        if (TestBackend.IsFunctions) Assert.NotEqual(3, error.LuaLine);
        else Assert.Equal(3, error.LuaLine);
    }

    [Fact]
    public async Task A_compile_error_of_a_command_defined_from_a_string_points_at_its_own_line_whatever_the_backend()
    {
        client.DefineCommand("broken_inline", new CommandDefinition("local a = 1\nlocal b = 2\nlocal c = = 3\nreturn a") { Keys = 0 });

        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("broken_inline"));

        Assert.Null(error.SourceFile);
        Assert.Equal(3, error.SourceLine);
        Assert.Empty(error.IncludeChain);
        Assert.StartsWith("broken_inline: line 3: compile error: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected symbol", error.Message, StringComparison.Ordinal);
        Assert.Contains("Error compiling", error.ServerMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_count_conflict_names_the_file_and_defines_nothing()
    {
        var dir = Directory_(("good-1.lua", "return 1"), ("bad-1.lua", "--! keys: 2\nreturn 1"));

        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommandsFromDirectory(dir));

        Assert.Equal("bad-1.lua", error.SourceFile);
        Assert.Contains("bad-1.lua: the file name says 1 keys but its --! keys header says 2", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.ListScripts());
    }

    [Fact]
    public void Two_files_for_one_name_and_a_bad_header_are_reported_together()
    {
        var dir = Directory_(("a-1.lua", "return 1"), ("a.lua", "return 2"), ("b.lua", "--! colour: red\nreturn 1"));

        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommandsFromDirectory(dir));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Contains("defined by more than one file: a-1.lua, a.lua", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("b.lua:1: unknown header", StringComparison.Ordinal));
        Assert.Empty(client.ListScripts());
    }

    [Fact]
    public void A_missing_include_names_the_chain()
    {
        var dir = Directory_(("t-1.lua", "--- @include \"h/a\"\nreturn 1"), ("h/a.lua", "-- a\n--- @include \"gone\""));

        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommandsFromDirectory(dir));

        Assert.Equal("t-1.lua", error.SourceFile);
        Assert.Contains("t-1.lua:1 -> h/a.lua:2: the include \"gone\" names no file (looked for h/gone.lua, gone.lua)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_cycle_names_the_chain()
    {
        var dir = Directory_(("t.lua", "--- @include \"h/a\"\nreturn 1"), ("h/a.lua", "--- @include \"b\""), ("h/b.lua", "--- @include \"a\""));

        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommandsFromDirectory(dir));

        Assert.Contains("h/a.lua:1 -> h/b.lua:1: the include of h/a.lua closes a cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_directory_and_null_arguments_are_refused()
    {
        var missing = Path.Combine(Path.GetTempPath(), "luascripts-none-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommandsFromDirectory(missing));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => client.DefineCommandsFromDirectory(null!));
        Assert.Throws<ArgumentNullException>(() => client.DefineCommandsFromAssembly(null!, ResourcePrefix));
        Assert.Throws<ArgumentNullException>(() => client.DefineCommandsFromAssembly(TestAssembly, null!));
    }
}
