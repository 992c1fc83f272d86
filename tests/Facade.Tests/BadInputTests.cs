using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>Every bad input is a typed error raised before anything reaches the network.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class BadInputTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;

    public BadInputTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("fixed2", new CommandDefinition("return {KEYS[1], KEYS[2], ARGV[1]}") { Keys = 2 });
        client.DefineCommand("dynamic", new CommandDefinition("return #KEYS"));
    }

    public void Dispose() => mux.Dispose();

    private async Task<T> RefusedBeforeSending<T>(Func<Task> call) where T : LuaScriptException
    {
        T? caught = null;
        var sent = await Wire.Profile(mux, async () =>
        {
            try { await call(); }
            catch (T e) { caught = e; }
        });
        Assert.NotNull(caught);
        Assert.Empty(sent);
        return caught!;
    }

    private void DefinitionRefused(string? name, CommandDefinition definition, string expected)
    {
        var before = client.ListScripts();
        var error = Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommand(name!, definition));
        Assert.Contains(expected, error.Message);
        Assert.Equal(before, client.ListScripts());
    }

    [Fact] public void An_empty_name_is_refused() => DefinitionRefused("", new CommandDefinition("return 1"), "name");
    [Fact] public void A_white_space_name_is_refused() => DefinitionRefused("  \t", new CommandDefinition("return 1"), "name");
    [Fact] public void A_null_name_is_refused() => DefinitionRefused(null, new CommandDefinition("return 1"), "name");
    [Fact] public void A_name_with_a_control_character_is_refused() => DefinitionRefused("bad\nname", new CommandDefinition("return 1"), "control character");
    [Fact] public void A_null_body_is_refused() => DefinitionRefused("nobody", new CommandDefinition(null!), "'nobody'");
    [Fact] public void An_empty_body_is_refused() => DefinitionRefused("empty", new CommandDefinition(" \n "), "'empty'");
    [Fact] public void A_negative_key_count_is_refused() => DefinitionRefused("neg", new CommandDefinition("return 1") { Keys = -1 }, "'neg'");

    [Fact]
    public void A_refused_redefinition_keeps_the_old_definition()
    {
        var before = client.GetScript("fixed2").Sha1;
        Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommand("fixed2", new CommandDefinition("")));
        Assert.Equal(before, client.GetScript("fixed2").Sha1);
    }

    [Fact]
    public async Task An_unknown_name_is_refused()
    {
        var e = await RefusedBeforeSending<UnknownScriptException>(() => client.RunScriptAsync("missing", "a"));
        Assert.Equal("missing", e.ScriptName);
        Assert.Contains("'missing'", e.Message);
    }

    [Fact]
    public async Task Fewer_flat_arguments_than_keys_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("fixed2", "only-one"));
        Assert.Equal("fixed2", e.ScriptName);
        Assert.Contains("takes 2 key(s) but was given 1 argument(s)", e.Message);
    }

    [Fact]
    public async Task An_explicit_keys_array_of_the_wrong_length_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() =>
            client.RunScriptAsync("fixed2", new RedisKey[] { "a", "b", "c" }, Array.Empty<RedisValue>()));
        Assert.Contains("'fixed2' takes 2 key(s) but was given a KEYS array of 3", e.Message);
        var handle = client.GetScript("fixed2");
        await RefusedBeforeSending<ScriptArgumentException>(() => handle.RunAsync(new RedisKey[] { "a" }));
    }

    [Fact]
    public async Task A_dynamic_call_without_a_count_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("dynamic"));
        Assert.Contains("'dynamic'", e.Message);
        Assert.Contains("none was given", e.Message);
    }

    [Fact]
    public async Task A_dynamic_call_with_a_non_integer_count_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("dynamic", "two", "k1", "k2"));
        Assert.Contains("not 'two'", e.Message);
        await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("dynamic", 1.5, "k1"));
    }

    [Fact]
    public async Task A_dynamic_call_with_a_negative_count_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("dynamic", -1, "k1"));
        Assert.Contains("-1 keys is negative", e.Message);
    }

    [Fact]
    public async Task A_dynamic_call_whose_count_exceeds_its_arguments_is_refused()
    {
        var e = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("dynamic", 3, "k1", "k2"));
        Assert.Contains("take 3 key(s) but only 2 argument(s) follow", e.Message);
    }

    [Fact]
    public async Task A_null_argument_key_or_value_is_refused()
    {
        var flat = await RefusedBeforeSending<ScriptArgumentException>(() => client.RunScriptAsync("fixed2", "a", RedisValue.Null, "x"));
        Assert.Contains("null argument at position 1", flat.Message);
        var key = await RefusedBeforeSending<ScriptArgumentException>(() =>
            client.RunScriptAsync("fixed2", new RedisKey[] { "a", default }, new RedisValue[] { "x" }));
        Assert.Contains("null key at position 1", key.Message);
        var value = await RefusedBeforeSending<ScriptArgumentException>(() =>
            client.RunScriptAsync("fixed2", new RedisKey[] { "a", "b" }, new RedisValue[] { "x", RedisValue.Null }));
        Assert.Contains("null ARGV value at position 1", value.Message);
        var pipe = client.Pipeline().RunScript("dynamic", 1, "k");
        Assert.Throws<ScriptArgumentException>(() => pipe.RunScript("dynamic", 1, RedisValue.Null));
        Assert.Throws<ScriptArgumentException>(() => pipe.RawCommand("SET", (RedisKey)"k", RedisValue.Null));
        Assert.Throws<ScriptArgumentException>(() => pipe.RawCommand("SET", default(RedisKey), "v"));
        Assert.Equal(1, pipe.Count);
        // Empty values and empty keys are fine: only null is refused.
        Assert.Equal(new[] { "", "", "" }, ((RedisResult[])(await client.RunScriptAsync("fixed2", "", RedisValue.EmptyString, ""))!).Select(r => (string?)r));
    }

    [Fact]
    public async Task Every_error_derives_from_LuaScriptException()
    {
        await RefusedBeforeSending<LuaScriptException>(() => client.RunScriptAsync("dynamic", "x"));
        await RefusedBeforeSending<LuaScriptException>(() => client.RunScriptAsync("nope"));
        Assert.Throws<InvalidScriptDefinitionException>(() => client.DefineCommand("", new CommandDefinition("return 1")));
    }
}
