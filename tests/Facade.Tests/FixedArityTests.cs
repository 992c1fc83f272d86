using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The one-, two- and three-argument <c>RunScriptAsync</c> overloads (no <c>params</c> array) split
/// their arguments exactly as the flat array form does, fixed and dynamic key counts alike, and fail
/// the same way.
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
}
