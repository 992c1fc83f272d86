using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The one-, two- and three-argument <c>RunScriptAsync</c> and <c>ScriptPipeline.RunScript</c>
/// overloads (no <c>params</c> array) split their arguments exactly as the flat array form does, fixed
/// and dynamic key counts alike, and fail the same way.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class FixedArityTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "fa:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public FixedArityTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("echo", new CommandDefinition("return {#KEYS, KEYS[1] or '', ARGV[1] or '', ARGV[2] or ''}") { Keys = 1 });
        client.DefineCommand("dyn", new CommandDefinition("return {#KEYS, KEYS[1] or '', ARGV[1] or ''}"));
    }

    public void Dispose() => mux.Dispose();

    private static string Show(RedisResult reply) => string.Join(",", ((RedisResult[])reply!).Select(r => (string?)r));

    [Fact]
    public async Task One_two_and_three_arguments_split_as_the_array_form_does()
    {
        var key = prefix + "k";
        Assert.Equal(Show(await client.RunScriptAsync("echo", new RedisValue[] { key })), Show(await client.RunScriptAsync("echo", key)));
        Assert.Equal($"1,{key},a,", Show(await client.RunScriptAsync("echo", key, "a")));
        Assert.Equal($"1,{key},a,b", Show(await client.RunScriptAsync("echo", key, "a", "b")));
        Assert.Equal("0,,", Show(await client.RunScriptAsync("dyn", 0)));
        Assert.Equal($"1,{key},", Show(await client.RunScriptAsync("dyn", 1, key)));
        Assert.Equal($"1,{key},x", Show(await client.RunScriptAsync("dyn", 1, key, "x")));
        Assert.Equal("0,,x", Show(await client.RunScriptAsync("dyn", 0, "x")));
    }

    [Fact]
    public async Task They_fail_as_the_array_form_does_before_anything_is_sent()
    {
        var tooMany = await Assert.ThrowsAsync<ScriptArgumentException>(() => client.RunScriptAsync("dyn", 3, "a", "b"));
        var tooManyArray = await Assert.ThrowsAsync<ScriptArgumentException>(() => client.RunScriptAsync("dyn", new RedisValue[] { 3, "a", "b" }));
        Assert.Equal(tooManyArray.Message, tooMany.Message);
        var nullValue = await Assert.ThrowsAsync<ScriptArgumentException>(() => client.RunScriptAsync("echo", "k", RedisValue.Null));
        Assert.Contains("position 1", nullValue.Message);
        await Assert.ThrowsAsync<ScriptArgumentException>(() => client.RunScriptAsync("dyn", "x"));
        await Assert.ThrowsAsync<UnknownScriptException>(() => client.RunScriptAsync("nope", "k"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pipeline_one_two_and_three_arguments_split_as_the_array_form_does(bool transaction)
    {
        var key = prefix + "p";
        var pipeline = transaction ? client.Transaction() : client.Pipeline();
        pipeline.RunScript("echo", key).RunScript("echo", new RedisValue[] { key })
            .RunScript("echo", key, "a").RunScript("echo", key, "a", "b")
            .RunScript("dyn", 1, key).RunScript("dyn", 1, key, "x");
        var replies = (await pipeline.ExecuteAsync()).Select(Show).ToArray();
        Assert.Equal(new[] { $"1,{key},,", $"1,{key},,", $"1,{key},a,", $"1,{key},a,b", $"1,{key},", $"1,{key},x" }, replies);
        var noKeys = client.Pipeline().RunScript("dyn", 0).RunScript("dyn", 0, "x");
        Assert.Equal(new[] { "0,,", "0,,x" }, (await noKeys.ExecuteAsync()).Select(Show).ToArray());
    }

    [Fact]
    public void Pipeline_overloads_fail_as_the_array_form_does_and_queue_nothing()
    {
        var pipeline = client.Pipeline();
        var tooMany = Assert.Throws<ScriptArgumentException>(() => pipeline.RunScript("dyn", 3, "a", "b"));
        var tooManyArray = Assert.Throws<ScriptArgumentException>(() => pipeline.RunScript("dyn", new RedisValue[] { 3, "a", "b" }));
        Assert.Equal(tooManyArray.Message, tooMany.Message);
        var nullValue = Assert.Throws<ScriptArgumentException>(() => pipeline.RunScript("echo", "k", RedisValue.Null));
        Assert.Contains("position 1", nullValue.Message);
        Assert.Throws<ScriptArgumentException>(() => pipeline.RunScript("dyn", "x"));
        Assert.Throws<UnknownScriptException>(() => pipeline.RunScript("nope", "k"));
        Assert.Equal(0, pipeline.Count);
    }
}
