using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests.Generated;

public sealed record Member(string Name, long Score);

public sealed class Settings
{
    public string? Mode { get; set; }

    public long? Limit { get; init; }
}

public readonly record struct Point(long X, long Y);

[ScriptCommands]
public partial interface IComposites
{
    [ScriptCommand("member")] Task<Member?> GetMember(RedisKey key);
    [ScriptCommand("member_hash")] Task<Member?> GetMemberFromHash(RedisKey key);
    [ScriptCommand("members")] Task<List<Member>> Members();
    [ScriptCommand("members")] Task<Member[]> MemberArray();
    [ScriptCommand("scores")] Task<Dictionary<string, long>> Scores(RedisKey key);
    [ScriptCommand("settings")] Task<Settings?> GetSettings();
    [ScriptCommand("pair")] Task<(long Count, string? Name)> Pair();
    [ScriptCommand("nil")] Task<Point?> NoPoint();
    [ScriptCommand("nil")] Task<Point> PointFromNil();
    [ScriptCommand("nil")] Task<Member?> NoMember();
    [ScriptCommand("nested")] Task<IReadOnlyDictionary<string, IReadOnlyList<Point>>> Nested();
    [ScriptCommand("grid")] Task<long[][]> Grid();
    [ScriptCommand("members")] Task<List<Point>> MembersAsPoints();
}

/// <summary>Generated bindings returning records, classes, tuples, lists and dictionaries, built through ScriptReplies.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class GeneratedCompositeTests : IDisposable
{
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly string prefix = "gx:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public GeneratedCompositeTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = TestClients.Create(mux);
        client.DefineCommand("member", new CommandDefinition("return {'ann', 7}") { Keys = 1 });
        client.DefineCommand("member_hash", new CommandDefinition(
            "redis.call('HSET', KEYS[1], 'score', 9, 'name', 'bob'); return redis.call('HGETALL', KEYS[1])")
        { Keys = 1 });
        client.DefineCommand("members", new CommandDefinition("return {{'a', 1}, {'b', 2}}") { Keys = 0 });
        client.DefineCommand("scores", new CommandDefinition(
            "redis.call('HSET', KEYS[1], 'x', 1, 'y', 2); return redis.call('HGETALL', KEYS[1])")
        { Keys = 1 });
        client.DefineCommand("settings", new CommandDefinition("return {'mode', 'fast', 'limit', 10}") { Keys = 0 });
        client.DefineCommand("pair", new CommandDefinition("return {3, 'x'}") { Keys = 0 });
        client.DefineCommand("nil", new CommandDefinition("return false") { Keys = 0 });
        client.DefineCommand("nested", new CommandDefinition("return {'a', {{1, 2}, {3, 4}}, 'b', {}}") { Keys = 0 });
        client.DefineCommand("grid", new CommandDefinition("return {{1, 2}, {3}}") { Keys = 0 });
    }

    public void Dispose() => mux.Dispose();

    private string Key(string name) => prefix + name;

    [Fact]
    public async Task Records_classes_tuples_lists_and_dictionaries_are_built_by_position_or_by_name()
    {
        var c = IComposites.Create(client);

        Assert.Equal(new Member("ann", 7), await c.GetMember(Key("m")));
        Assert.Equal(new Member("bob", 9), await c.GetMemberFromHash(Key("h")));
        Assert.Equal(new[] { new Member("a", 1), new Member("b", 2) }, await c.Members());
        Assert.Equal(new[] { new Member("a", 1), new Member("b", 2) }, await c.MemberArray());
        Assert.Equal(new Dictionary<string, long> { ["x"] = 1, ["y"] = 2 }, await c.Scores(Key("s")));
        var settings = await c.GetSettings();
        Assert.Equal(("fast", 10L), (settings!.Mode, settings.Limit));
        Assert.Equal((3L, "x"), await c.Pair());
        var nested = await c.Nested();
        Assert.Equal(new[] { new Point(1, 2), new Point(3, 4) }, nested["a"]);
        Assert.Empty(nested["b"]);
        Assert.Equal(new[] { new long[] { 1, 2 }, new long[] { 3 } }, await c.Grid());
    }

    [Fact]
    public async Task Nil_is_null_where_the_type_allows_it_and_a_mismatch_names_the_nested_member()
    {
        var c = IComposites.Create(client);

        Assert.Null(await c.NoPoint());
        Assert.Null(await c.NoMember());
        var nil = await Assert.ThrowsAsync<ScriptResultConversionException>(() => c.PointFromNil());
        Assert.Equal("IComposites.PointFromNil", nil.MethodName);
        var wrong = await Assert.ThrowsAsync<ScriptResultConversionException>(() => c.MembersAsPoints());
        Assert.Contains("IComposites.MembersAsPoints[0].X", wrong.MethodName, StringComparison.Ordinal);
        Assert.Equal("members", wrong.ScriptName);
    }

    [Fact]
    public async Task Bind_and_the_generated_binding_give_the_same_values_and_errors()
    {
        var generated = IComposites.Create(client);
#pragma warning disable IL2026, IL3050 // Bind<T> is the reference the generated form must match.
        var bound = client.Bind<IComposites>();
#pragma warning restore IL2026, IL3050

        Assert.Equal(await bound.GetMemberFromHash(Key("h")), await generated.GetMemberFromHash(Key("h")));
        Assert.Equal(await bound.Members(), await generated.Members());
        Assert.Equal(await bound.Scores(Key("s")), await generated.Scores(Key("s")));
        Assert.Equal(await bound.Pair(), await generated.Pair());
        Assert.Equal(await bound.Grid(), await generated.Grid());
        Assert.Equal((await bound.Nested())["a"], (await generated.Nested())["a"]);
        var boundNil = await Assert.ThrowsAsync<ScriptResultConversionException>(() => bound.PointFromNil());
        var generatedNil = await Assert.ThrowsAsync<ScriptResultConversionException>(() => generated.PointFromNil());
        Assert.Equal(boundNil.Message, generatedNil.Message);
        var boundWrong = await Assert.ThrowsAsync<ScriptResultConversionException>(() => bound.MembersAsPoints());
        var generatedWrong = await Assert.ThrowsAsync<ScriptResultConversionException>(() => generated.MembersAsPoints());
        Assert.Equal(boundWrong.Message, generatedWrong.Message);
    }

    [Fact]
    public async Task A_pipeline_binding_builds_composites_when_ExecuteAsync_returns()
    {
        var pipe = client.Pipeline();
        var c = IComposites.Create(pipe);
        var members = c.Members();
        var pair = c.Pair();

        await pipe.ExecuteAsync();

        Assert.True(members.IsCompletedSuccessfully && pair.IsCompletedSuccessfully);
        Assert.Equal(2, (await members).Count);
        Assert.Equal((3L, "x"), await pair);
    }
}
