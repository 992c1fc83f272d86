using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts;
using StackExchange.Redis;

namespace LuaScripts.AotSample;

/// <summary>A visit count as the <c>visit</c> command returns it: a flat field/value reply, read by name.</summary>
/// <param name="Name">The visitor's name.</param>
/// <param name="Visits">How many times they visited.</param>
public sealed record Visit(string Name, long Visits);

/// <summary>
/// The sample's commands as methods, implemented at compile time by the LuaScripts source generator
/// (no reflection, no DispatchProxy): what a trimmed or Native AOT application uses instead of
/// <c>Bind&lt;T&gt;()</c>.
/// </summary>
[ScriptCommands]
public partial interface ISampleScripts
{
    /// <summary>INCRBY of a counter (<c>incr_by</c>).</summary>
    Task<long> IncrBy(RedisKey counter, long by);

    /// <summary>A greeting (<c>hello</c>), with a token that stops the wait.</summary>
    Task<string?> HelloAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Pushes values and returns the whole list (<c>push_all</c>).</summary>
    Task<List<string>> PushAll(RedisKey list, params string[] values);

    /// <summary>Counts a visit and returns it as a record (<c>visit</c>).</summary>
    Task<Visit> Visit(RedisKey counter, string name);
}

/// <summary>
/// The one place where the typed bindings of the LuaScripts source generator are checked under Native
/// AOT: calls on the client, and the same calls queued on a pipeline.
/// </summary>
internal static class GeneratedBindings
{
    /// <summary>Runs the generated-binding checks on a client whose commands are defined.</summary>
    public static async Task RunAsync(ScriptClient client, Checks checks)
    {
        var scripts = ISampleScripts.Create(client);
        checks.Equal("generated binding: Task<long>", 4L, await scripts.IncrBy("generated", 4));
        checks.Equal("generated binding: Task<string?> with a CancellationToken", "hello gen", await scripts.HelloAsync("gen"));
        var list = await scripts.PushAll("generated:list", "x", "y");
        checks.Equal("generated binding: List<string> from an array reply", "x,y", string.Join(",", list));
        var visit = await scripts.Visit("generated:visits", "ada");
        checks.Equal("generated binding: a record read by name", "ada/1", $"{visit.Name}/{visit.Visits}");

        var pipeline = client.Pipeline();
        var queued = ISampleScripts.Create(pipeline);
        var first = queued.IncrBy("generated", 1);
        var second = queued.Visit("generated:visits", "ada");
        await pipeline.ExecuteAsync();
        checks.Equal("generated binding queued on a pipeline: Task<long>", 5L, await first);
        checks.Equal("generated binding queued on a pipeline: a record", "ada/2", $"{(await second).Name}/{(await second).Visits}");

        await checks.Throws<ScriptBindingException>("generated Create refuses a client lacking a command",
            () => Task.FromResult(ISampleScripts.Create(new ScriptClient(client.Multiplexer))));
    }
}
