using System.Diagnostics;
using LuaScripts.TestServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Hosting.Tests;

/// <summary>
/// Commands from script files in a real host: a directory (by the builder or by configuration), a watched
/// directory that follows edits until the host is disposed, an assembly's embedded scripts, and files that
/// do not define stopping the start with the file named.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ScriptFileTests(RedisFixture redis) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly string dir = Path.Combine(Path.GetTempPath(), "luascripts-hosting-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private HostApplicationBuilder Builder(IDictionary<string, string?>? configuration = null)
    {
        var builder = Hosts.Builder(configuration: configuration);
        builder.Services.AddRedis(redis.Configuration);
        return builder;
    }

    private static async Task Until(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Timeout) Assert.Fail($"timed out after {Timeout} waiting for: {what}");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task A_directory_and_an_assembly_define_their_commands_at_startup()
    {
        Write("add-0.lua", "--- @include \"lib/two\"\nreturn two() + 1");
        Write("lib/two.lua", "local function two() return 2 end");
        var builder = Builder();
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend)
            .AddCommandsFromDirectory(dir)
            .AddCommandsFromAssembly(typeof(ScriptFileTests).Assembly, "LuaScripts/");
        using var host = await builder.StartAsync();

        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal(3, (long)await client.RunScriptAsync("add"));
        Assert.Equal("hello from the assembly", (string?)await client.RunScriptAsync("hello"));
        Assert.Equal("Greets from an embedded script.", client.GetScript("hello").Description);
    }

    [Fact]
    public async Task A_relative_directory_is_read_from_the_content_root()
    {
        Write("rel-0.lua", "return 'from the content root'");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Path.GetDirectoryName(dir),
        });
        builder.Services.AddRedis(redis.Configuration);
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend).AddCommandsFromDirectory(Path.GetFileName(dir));
        using var host = await builder.StartAsync();

        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal("from the content root", (string?)await client.RunScriptAsync("rel"));
    }

    [Fact]
    public async Task A_watched_directory_from_configuration_follows_edits_until_the_host_is_disposed()
    {
        Write("v-0.lua", "return 'one'");
        var builder = Builder(new Dictionary<string, string?>
        {
            ["LuaScripts:Backend"] = Hosts.Backend.ToString(),
            ["LuaScripts:ScriptsDirectory"] = dir,
            ["LuaScripts:WatchScripts"] = "true",
        });
        builder.Services.AddLuaScripts(builder.Configuration.GetSection("LuaScripts"));
        var host = await builder.StartAsync();
        var client = host.Services.GetRequiredService<ScriptClient>();
        Assert.Equal("one", (string?)await client.RunScriptAsync("v"));

        Write("v-0.lua", "return 'two'");
        await Until("the edit applied", async () => (string?)await client.RunScriptAsync("v") == "two");

        host.Dispose();
        // A second client's watch proves the next write's events came and settled.
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var witness = new ScriptClient(mux, TestClients.Options());
        using var watch = witness.WatchCommandsDirectory(dir);
        Write("v-0.lua", "return 'three'");
        await Until("the witness reloaded", async () => (string?)await witness.RunScriptAsync("v") == "three");
        Assert.Equal("return 'two'", client.GetScript("v").Lua);
    }

    [Fact]
    public async Task Files_that_do_not_define_stop_the_start_naming_the_file()
    {
        Write("good-0.lua", "return 1");
        Write("bad-1.lua", "--! keys: 2\nreturn 1");
        var builder = Builder();
        builder.Services.AddLuaScripts(o => o.Backend = Hosts.Backend).AddCommandsFromDirectory(dir, watch: true);

        var error = await Assert.ThrowsAsync<InvalidScriptDefinitionException>(() => builder.StartAsync());
        Assert.Contains("bad-1.lua", error.Message, StringComparison.Ordinal);

        var missing = Builder(new Dictionary<string, string?> { ["LuaScripts:ScriptsDirectory"] = Path.Combine(dir, "nope") });
        missing.Services.AddLuaScripts(missing.Configuration.GetSection("LuaScripts"));
        var unreadable = await Assert.ThrowsAsync<InvalidScriptDefinitionException>(() => missing.StartAsync());
        Assert.Contains("nope", unreadable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_WatchScripts_value_or_a_watch_without_a_directory_stops_the_start()
    {
        var bad = Builder(new Dictionary<string, string?> { ["LuaScripts:WatchScripts"] = "sometimes" });
        bad.Services.AddLuaScripts(bad.Configuration.GetSection("LuaScripts"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
        Assert.Contains("LuaScripts:WatchScripts is 'sometimes'", error.Message, StringComparison.Ordinal);

        var nothing = Builder();
        nothing.Services.AddLuaScripts(o => o.WatchScripts = true);
        var unset = await Assert.ThrowsAsync<OptionsValidationException>(() => nothing.StartAsync());
        Assert.Contains("ScriptsDirectory is not set", unset.Message, StringComparison.Ordinal);
    }
}
