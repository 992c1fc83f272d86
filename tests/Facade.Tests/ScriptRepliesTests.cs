using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// The conversions shared by Bind&lt;T&gt; and generated bindings, on replies built by hand and on
/// replies of real scripts, under RESP2 and RESP3.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ScriptRepliesTests
{
    private static readonly string[] Names = ["Id", "DisplayName", "Tags"];
    private static readonly ScriptReplyContext Context = new("poll", "IChannelScripts.Poll");

    private readonly RedisFixture redis;
    private readonly string prefix = "sr:" + Guid.NewGuid().ToString("N")[..8] + ":";

    public ScriptRepliesTests(RedisFixture redis) => this.redis = redis;

    private static RedisResult S(string text) => RedisResult.Create((RedisValue)text);

    private static RedisResult N(long n) => RedisResult.Create((RedisValue)n);

    private static RedisResult A(params RedisResult[] items) => RedisResult.Create(items);

    private static RedisResult Map(params RedisResult[] keysAndValues) => RedisResult.Create(keysAndValues, ResultType.Map);

    private static readonly RedisResult Nil = RedisResult.Create(RedisValue.Null);

    /// <summary>Runs <paramref name="lua"/> as a defined command on a connection speaking <paramref name="protocol"/>.</summary>
    private async Task<RedisResult> RunAsync(string protocol, string lua, params RedisValue[] args)
    {
        using var mux = redis.Connect("protocol=" + protocol);
        var client = TestClients.Create(mux);
        client.DefineCommand("reply", new CommandDefinition(lua) { Keys = 1 });
        return await client.RunScriptAsync("reply", [(RedisValue)(prefix + protocol), .. args]);
    }

    [Fact]
    public void Leaves_convert_as_Bind_does_and_name_the_member_when_they_do_not()
    {
        Assert.Equal(7L, ScriptReplies.Leaf<long>(N(7), Context));
        Assert.Equal(7, ScriptReplies.Leaf<int>(S("7"), Context));
        Assert.Null(ScriptReplies.Leaf<long?>(Nil, Context));
        Assert.Null(ScriptReplies.Leaf<string>(Nil, Context));
        Assert.False(ScriptReplies.Leaf<bool>(Nil, Context));
        Assert.Equal(["a", "b"], ScriptReplies.Leaf<string[]>(A(S("a"), S("b")), Context));
        Assert.Null(ScriptReplies.Leaf<string[]>(Nil, Context));
        Assert.Null(ScriptReplies.Leaf<RedisResult[]>(Nil, Context));

        var nil = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Leaf<long>(Nil, Context.Field("Id")));
        Assert.Equal("IChannelScripts.Poll.Id", nil.MethodName);
        Assert.Equal("poll", nil.ScriptName);
        Assert.Equal(typeof(long), nil.ExpectedType);
        Assert.Contains("long?", nil.Message);

        var word = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Leaf<long>(S("hello"), Context.Item("2")));
        Assert.Equal("IChannelScripts.Poll[2]", word.MethodName);
        Assert.Contains("\"hello\"", word.Message);

        Assert.True(ScriptReplies.IsLeaf(typeof(RedisValue[])));
        Assert.True(ScriptReplies.IsLeaf(typeof(int?)));
        Assert.False(ScriptReplies.IsLeaf(typeof(DateTime)));
        Assert.False(ScriptReplies.IsLeaf(typeof(List<long>)));
        var notLeaf = Assert.Throws<NotSupportedException>(() => ScriptReplies.Leaf<DateTime>(N(1), Context));
        Assert.Contains("DateTime", notLeaf.Message);
    }

    [Fact]
    public void Items_read_an_array_nil_as_null_and_anything_else_as_a_mismatch()
    {
        var items = ScriptReplies.Items(A(N(1), S("x")), Context);
        Assert.NotNull(items);
        Assert.Equal(2, items.Length);
        Assert.Equal("x", (string?)items[1]);
        Assert.Null(ScriptReplies.Items(Nil, Context));
        Assert.Empty(ScriptReplies.Items(A(), Context)!);

        var scalar = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Items(N(3), Context));
        Assert.Equal("IChannelScripts.Poll", scalar.MethodName);
        Assert.Null(scalar.ExpectedType);
        Assert.Contains("IChannelScripts.Poll", scalar.Message);
        Assert.Contains("the integer 3", scalar.Message);
        Assert.Contains("'poll'", scalar.Message);
    }

    [Fact]
    public void Fields_read_by_position_or_by_name_exactly_or_in_snake_case()
    {
        var byPosition = ScriptReplies.Fields(A(N(1), S("Ann"), A()), Names, Context)!;
        Assert.Equal(1L, (long)byPosition[0]);
        Assert.Equal("Ann", (string?)byPosition[1]);

        var byName = ScriptReplies.Fields(A(S("display_name"), S("Bo"), S("Id"), N(2)), Names, Context)!;
        Assert.Equal(2L, (long)byName[0]);
        Assert.Equal("Bo", (string?)byName[1]);
        Assert.True(byName[2].IsNull, "a member the reply lacks is nil");

        var map = ScriptReplies.Fields(Map(S("tags"), A(S("t")), S("id"), N(3)), Names, Context)!;
        Assert.Equal(3L, (long)map[0]);
        Assert.True(map[1].IsNull);
        Assert.Equal(1, map[2].Length);

        Assert.Null(ScriptReplies.Fields(Nil, Names, Context));
        Assert.All(ScriptReplies.Fields(A(), Names, Context)!, r => Assert.True(r.IsNull));
    }

    [Fact]
    public void Fields_name_the_member_and_the_reply_shape_when_the_reply_does_not_fit()
    {
        var ctx = Context.Item("0");
        var wrongLength = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Fields(A(N(1), N(2)), Names, ctx));
        Assert.Equal("IChannelScripts.Poll[0]", wrongLength.MethodName);
        Assert.Contains("IChannelScripts.Poll[0]", wrongLength.Message);
        Assert.Contains("an array of 3 element(s) (by position)", wrongLength.Message);
        Assert.Contains("Id, DisplayName, Tags", wrongLength.Message);
        Assert.Contains("got an array of 2 element(s)", wrongLength.Message);

        var unknown = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Fields(Map(S("id"), N(1), S("age"), N(3)), Names, ctx));
        Assert.Contains("a map of 2 field(s)", unknown.Message);
        Assert.Contains("unknown field 'age'", unknown.Message);

        var flatUnknown = Assert.Throws<ScriptResultConversionException>(
            () => ScriptReplies.Fields(A(S("id"), N(1), S("age"), N(3)), Names, ctx));
        Assert.Contains("unknown field 'age'", flatUnknown.Message);

        var twice = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Fields(A(S("id"), N(1), S("Id"), N(2)), Names, ctx));
        Assert.Contains("'Id' twice", twice.Message);

        var scalar = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Fields(S("x"), Names, ctx));
        Assert.Contains("the string \"x\"", scalar.Message);
        Assert.Throws<ArgumentNullException>(() => ScriptReplies.Fields(Nil, null!, ctx));
    }

    [Fact]
    public void Pairs_read_a_map_or_flat_pairs_in_order()
    {
        var flat = ScriptReplies.Pairs(A(S("b"), N(2), S("a"), N(1)), Context)!;
        Assert.Equal(["b", "a"], flat.Select(p => p.Key));
        Assert.Equal([2L, 1L], flat.Select(p => (long)p.Value));
        var map = ScriptReplies.Pairs(Map(N(5), S("five")), Context)!;
        Assert.Equal("5", map[0].Key);
        Assert.Equal("five", (string?)map[0].Value);
        Assert.Null(ScriptReplies.Pairs(Nil, Context));

        var odd = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Pairs(A(S("a")), Context));
        Assert.Contains("even length", odd.Message);
        Assert.Contains("an array of 1 element(s)", odd.Message);
        var nestedKey = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Pairs(A(A(), N(1)), Context));
        Assert.Contains("[0]: expected a field name, got an array of 0 element(s)", nestedKey.Message);
        var scalar = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Pairs(N(1), Context));
        Assert.Contains("the integer 1", scalar.Message);
    }

    [Theory]
    [InlineData("resp2")]
    [InlineData("resp3")]
    public async Task Real_replies_read_the_same_under_both_protocols(string protocol)
    {
        const string hash = "redis.call('DEL', KEYS[1]) redis.call('HSET', KEYS[1], 'id', 9, 'display_name', 'Cy') ";
        // Lua's view of HGETALL: a flat table under RESP2, a map table after redis.setresp(3).
        var flat = await RunAsync(protocol, hash + "return redis.call('HGETALL', KEYS[1])");
        var resp3 = await RunAsync(protocol, "redis.setresp(3) " + hash + "return redis.call('HGETALL', KEYS[1])");
        var literal = await RunAsync(protocol, "return {map={id=4, tags={'x','y'}}}");
        Assert.Equal(protocol == "resp3" ? ResultType.Map : ResultType.Array, resp3.Resp3Type);
        Assert.Equal(protocol == "resp3" ? ResultType.Map : ResultType.Array, literal.Resp3Type);

        foreach (var reply in new[] { flat, resp3 })
        {
            var fields = ScriptReplies.Fields(reply, Names, Context)!;
            Assert.Equal(9, ScriptReplies.Leaf<int>(fields[0], Context.Field("Id")));
            Assert.Equal("Cy", ScriptReplies.Leaf<string>(fields[1], Context.Field("DisplayName")));
            Assert.Null(ScriptReplies.Leaf<string[]>(fields[2], Context.Field("Tags")));
            var pairs = ScriptReplies.Pairs(reply, Context)!;
            Assert.Equal(new Dictionary<string, string?> { ["id"] = "9", ["display_name"] = "Cy" },
                pairs.ToDictionary(p => p.Key, p => (string?)p.Value));
        }
        var fromLiteral = ScriptReplies.Fields(literal, Names, Context)!;
        Assert.Equal(4L, ScriptReplies.Leaf<long>(fromLiteral[0], Context));
        Assert.Equal(["x", "y"], ScriptReplies.Leaf<string[]>(fromLiteral[2], Context));

        var positional = await RunAsync(protocol, "return {{1, 'a', {}}, {2, 'b', {'t'}}}");
        var rows = ScriptReplies.Items(positional, Context)!;
        Assert.Equal(2, rows.Length);
        var second = ScriptReplies.Fields(rows[1], Names, Context.Item("1"))!;
        Assert.Equal("b", ScriptReplies.Leaf<string>(second[1], Context));
        Assert.Equal(["t"], ScriptReplies.Leaf<string[]>(second[2], Context));

        var nil = await RunAsync(protocol, "return false");
        Assert.Null(ScriptReplies.Fields(nil, Names, Context));
        Assert.Null(ScriptReplies.Items(nil, Context));
        Assert.Null(ScriptReplies.Pairs(nil, Context));

        var missingKey = await RunAsync(protocol, "return redis.call('HGETALL', KEYS[1] .. ':none')");
        Assert.All(ScriptReplies.Fields(missingKey, Names, Context)!, r => Assert.True(r.IsNull));
        var shortRow = await RunAsync(protocol, "return {1, 2}");
        var error = Assert.Throws<ScriptResultConversionException>(() => ScriptReplies.Fields(shortRow, Names, Context.Item("0")));
        Assert.Contains("IChannelScripts.Poll[0]", error.Message);
        Assert.Contains("got an array of 2 element(s)", error.Message);
    }
}
