using System;
using System.Linq;
using System.Threading.Tasks;
using LuaScripts;
using StackExchange.Redis;

namespace LuaScripts.AotSample;

/// <summary>What an application does with LuaScripts, on one backend, each result checked.</summary>
internal static class Scenario
{
    /// <summary>Runs every check on a fresh client of the given backend, under keys of its own.</summary>
    public static async Task RunAsync(IConnectionMultiplexer mux, ScriptBackend backend, Checks checks)
    {
        var prefix = $"aot:{backend}:{Guid.NewGuid():N}:";
        var client = new ScriptClient(mux, new ScriptClientOptions { Backend = backend, KeyPrefix = prefix });
        checks.Section($"{backend} backend (keys under {prefix})");
        Definitions.DefineAll(client);

        await ByNameAsync(client, backend, checks);
        await GeneratedBindings.RunAsync(client, checks);
        await PipelinesAsync(client, checks);
        await HealAsync(client, backend, mux, checks);
        await ErrorsAsync(client, checks);
        await FilesAsync(client, checks);

        checks.True("PreloadScriptsAsync", await client.PreloadScriptsAsync() >= 0, "a negative count");
        var status = await client.GetDeploymentStatusAsync();
        checks.Equal("the deployment status after the preload", DeploymentHealth.Healthy, status.Health);
        checks.True("its description counts the commands", status.Description.Contains($"{client.ListScripts().Count} command(s)", StringComparison.Ordinal),
            status.Description);
        await DeleteKeysUnderAsync(mux, prefix);
    }

    private static async Task ByNameAsync(ScriptClient client, ScriptBackend backend, Checks checks)
    {
        checks.Equal("RunScriptAsync by name, flat arguments", 5L, (long)await client.RunScriptAsync("incr_by", "counter", 5));
        checks.Equal("RunScriptAsync by name, explicit KEYS and ARGV", 7L,
            (long)await client.RunScriptAsync("incr_by", new RedisKey[] { "counter" }, new RedisValue[] { 2 }));
        checks.Equal("ActiveBackend after the first call", backend, client.ActiveBackend);
        checks.Equal("a string reply (read-only, keyless)", "hello aot", (string?)await client.RunScriptAsync("hello", "aot"));
        checks.Equal("a dynamic key count", 14L, (long)await client.RunScriptAsync("mget_sum", 2, "counter", "counter"));
        var list = (string[]?)await client.RunScriptAsync("push_all", "list", "a", "b");
        checks.Equal("an array reply", "a,b", list is null ? null : string.Join(",", list));
        var handle = client.GetScript("incr_by");
        checks.Equal("ScriptHandle.RunAsync", 8L, (long)await handle.RunAsync(new RedisKey[] { "counter" }, new RedisValue[] { 1 }));
        checks.Equal("the handle's SHA1 is the body's", 40, handle.Sha1.Length);
    }

    private static async Task PipelinesAsync(ScriptClient client, Checks checks)
    {
        var replies = await client.Pipeline()
            .RunScript("incr_by", "p", 1)
            .RunScript("incr_by", new RedisKey[] { "p" }, new RedisValue[] { 2 })
            .RawCommand("SET", "raw", "v")
            .RawCommand("GET", "raw")
            .RunScript("hello", "pipe")
            .ExecuteAsync();
        checks.Equal("a pipeline: scripts and raw commands, replies in order", "1|3|OK|v|hello pipe", Join(replies));

        var tx = await client.Transaction()
            .RawCommand("SET", "{t}:a", "10")
            .RunScript("incr_by", "{t}:a", 5)
            .RawCommand("GET", "{t}:a")
            .ExecuteAsync();
        checks.Equal("a transaction (MULTI/EXEC)", "OK|15|15", Join(tx));
        checks.Equal("an empty pipeline", 0, (await client.Pipeline().ExecuteAsync()).Length);
    }

    private static async Task HealAsync(ScriptClient client, ScriptBackend backend, IConnectionMultiplexer mux, Checks checks)
    {
        // The server loses the commands (as after a restart): the next call and pipeline heal by themselves.
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        if (backend == ScriptBackend.Functions)
        {
            await server.ExecuteAsync("FUNCTION", "DELETE", client.DescribeFunctionLibrary().Name);
        }
        else
        {
            await server.ExecuteAsync("SCRIPT", "FLUSH");
        }

        checks.Equal("a call after the server lost the commands (healed)", 9L, (long)await client.RunScriptAsync("incr_by", "counter", 1));
        if (backend == ScriptBackend.Functions)
        {
            await server.ExecuteAsync("FUNCTION", "DELETE", client.DescribeFunctionLibrary().Name);
        }
        else
        {
            await server.ExecuteAsync("SCRIPT", "FLUSH");
        }

        var replies = await client.Pipeline().RunScript("incr_by", "counter", 1).RunScript("hello", "again").ExecuteAsync();
        checks.Equal("a pipeline after the server lost the commands", "10|hello again", Join(replies));
    }

    private static async Task ErrorsAsync(ScriptClient client, Checks checks)
    {
        await checks.Throws<UnknownScriptException>("an unknown name fails before the network",
            () => client.RunScriptAsync("no_such_command", "x"));
        var few = await checks.Throws<ScriptArgumentException>("too few arguments for the key count",
            () => client.RunScriptAsync("incr_by", Array.Empty<RedisKey>(), Array.Empty<RedisValue>()));
        checks.True("its message names the command", few?.Message.Contains("incr_by", StringComparison.Ordinal) == true,
            few?.Message ?? "(no exception)");
        await checks.Throws<InvalidScriptDefinitionException>("an empty body is refused",
            () => Task.FromResult(client.DefineCommand("empty", new CommandDefinition(""))));
        var negative = await checks.Throws<InvalidScriptDefinitionException>("a negative key count is refused",
            () => Task.FromResult(client.DefineCommand("negative", new CommandDefinition("return 1") { Keys = -3 })));
        checks.True("its message gives the count", negative?.Message.Contains("-3", StringComparison.Ordinal) == true,
            negative?.Message ?? "(no exception)");
        var failed = await checks.Throws<ScriptExecutionException>("a Lua error", () => client.RunScriptAsync("fail"));
        checks.True("the Lua error's text is kept", failed?.Message.Contains("boom from lua", StringComparison.Ordinal) == true,
            failed?.Message ?? "(no exception)");
        var pipe = await checks.Throws<PipelineExecutionException>("a pipeline with a failing position",
            () => client.Pipeline().RunScript("hello", "x").RunScript("fail").ExecuteAsync());
        checks.Equal("the other positions' replies are kept", "hello x|1",
            pipe is null ? null : $"{pipe.Results[0]}|{pipe.Failures.Count}");
    }

    private static async Task FilesAsync(ScriptClient client, Checks checks)
    {
        // Scripts as files, embedded with <LuaScript Include="Scripts/**/*.lua" />: headers, a key-count
        // suffix, an include, and an error placed in the included file.
        var handles = client.DefineCommandsFromAssembly(typeof(Definitions).Assembly, "LuaScripts/");
        checks.Equal("commands defined from embedded files", "bump_twice,read_value",
            string.Join(",", handles.Select(h => h.Name).OrderBy(n => n, StringComparer.Ordinal)));
        var read = client.GetScript("read_value");
        checks.Equal("headers read (keys, readonly, description)", "1,True,Reads a value.", $"{read.Keys},{read.ReadOnly},{read.Description}");
        checks.Equal("a command with an include", 6L, (long)await client.RunScriptAsync("bump_twice", "files", 3));
        checks.Equal("a read-only command from a file", "6", (string?)await client.RunScriptAsync("read_value", "files"));
        var failed = await checks.Throws<ScriptExecutionException>("a failure inside the include",
            () => client.RunScriptAsync("bump_twice", "files", "x"));
        checks.Equal("it is placed in the included file", "helpers/bump.lua:4", failed is null ? null : $"{failed.SourceFile}:{failed.SourceLine}");
    }

    private static string Join(RedisResult?[] replies) => string.Join("|", replies.Select(r => r?.ToString()));

    private static async Task DeleteKeysUnderAsync(IConnectionMultiplexer mux, string prefix)
    {
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            await mux.GetDatabase().KeyDeleteAsync(key);
        }
    }
}
