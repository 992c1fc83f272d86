using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

public sealed record Member(long Id, string DisplayName, string[]? Tags);

public sealed class Profile
{
    public string? Name { get; set; }

    public int Age { get; init; }

    public List<Member>? Friends { get; set; }
}

public readonly record struct Point(long X, long Y);

public sealed record Node(string Name, List<Node>? Children);

public sealed record Checked
{
    public Checked(long id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        Id = id;
    }

    public long Id { get; }
}

public sealed class Score(string name, long points)
{
    public Score() : this("", 0) { }

    public string Name => name;

    public long Points => points;
}

public sealed record WithDate(long Id, DateTime When);

public sealed class TwoWays
{
    public TwoWays(long a) => A = a;

    public TwoWays(string b) => A = b.Length;

    public long A { get; }
}

public interface IReplyMapping
{
    [ScriptCommand("rm_positional")] Task<Member> ByPosition(RedisKey key);
    [ScriptCommand("rm_hash")] Task<Member?> ByName(RedisKey key);
    [ScriptCommand("rm_map")] Task<Profile> Resp3Map(RedisKey key);
    [ScriptCommand("rm_members")] Task<List<Member>> Members(RedisKey key);
    [ScriptCommand("rm_members")] Task<Member[]> MemberArray(RedisKey key);
    [ScriptCommand("rm_members")] Task<IReadOnlyList<(long Id, string Name, string[] Tags)>> Tuples(RedisKey key);
    [ScriptCommand("rm_hash")] Task<Dictionary<string, string>> AsDictionary(RedisKey key);
    [ScriptCommand("rm_counts")] Task<IReadOnlyDictionary<string, long?>> Counts(RedisKey key);
    [ScriptCommand("rm_point")] Task<(long Count, string Label)> Pair(RedisKey key);
    [ScriptCommand("rm_point")] Task<Point> PointStruct(RedisKey key);
    [ScriptCommand("rm_nil")] Task<Member?> NilRecord(RedisKey key);
    [ScriptCommand("rm_nil")] Task<Point?> NilPoint(RedisKey key);
    [ScriptCommand("rm_nil")] Task<Point> NilPointStrict(RedisKey key);
    [ScriptCommand("rm_nil")] Task<List<Member>?> NilList(RedisKey key);
    [ScriptCommand("rm_nil")] Task<Dictionary<string, long>?> NilDictionary(RedisKey key);
    [ScriptCommand("rm_tree")] Task<Node> Tree(RedisKey key);
    [ScriptCommand("rm_bad_member")] Task<List<Member>> BadMember(RedisKey key);
    [ScriptCommand("rm_unknown_field")] Task<Member> UnknownField(RedisKey key);
    [ScriptCommand("rm_point")] Task<Member> WrongLength(RedisKey key);
    [ScriptCommand("rm_negative")] Task<Checked> Validated(RedisKey key);
    [ScriptCommand("rm_hash")] Task<Dictionary<string, long>> HashAsNumbers(RedisKey key);
    [ScriptCommand("rm_score")] Task<Score> ScoreByName(RedisKey key);
}

public interface IUnsupportedTargets
{
    [ScriptCommand("rm_positional")] Task<WithDate> Dated(RedisKey key);
    [ScriptCommand("rm_positional")] Task<Dictionary<int, string>> IntKeys(RedisKey key);
    [ScriptCommand("rm_positional")] Task<List<TwoWays>> Ambiguous(RedisKey key);
    [ScriptCommand("rm_positional")] Task<Member> Fine(RedisKey key);
}

[Collection(RedisCollectionDefinition.Name)]
public sealed class ReplyMappingTests : IDisposable
{
    private const string Hash = "redis.call('DEL', KEYS[1]) redis.call('HSET', KEYS[1], 'id', 7, 'display_name', 'Hal') ";

    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly RedisKey key = "rm:" + Guid.NewGuid().ToString("N")[..8];

    public ReplyMappingTests(RedisFixture redis)
    {
        // RESP3, so that a script's map arrives as a map.
        mux = redis.Connect("protocol=resp3");
        client = TestClients.Create(mux);
        void Define(string name, string lua) => client.DefineCommand(name, new CommandDefinition(lua) { Keys = 1 });
        Define("rm_positional", "return {1, 'Ann', {'a', 'b'}}");
        Define("rm_hash", Hash + "return redis.call('HGETALL', KEYS[1])");
        Define("rm_map", "redis.setresp(3) return {map={name='Zed', age=40, friends={{1, 'Ann', {}}, {2, 'Bob', {'x'}}}}}");
        Define("rm_members", "return {{1, 'Ann', {'a'}}, {2, 'Bob', {}}}");
        Define("rm_counts", "return {'seen', 3, 'missed', false}");
        Define("rm_point", "return {3, 4}");
        Define("rm_nil", "return false");
        Define("rm_tree", "return {'root', {{'a', false}, {'b', {{'c', false}}}}}");
        Define("rm_bad_member", "return {{1, 'Ann', {}}, {'x', 'Bob', {}}}");
        Define("rm_unknown_field", "redis.setresp(3) return {map={id=1, display_name='Ann', age=3}}");
        Define("rm_negative", "return {-1}");
        Define("rm_score", "return {'points', 5, 'name', 'Ann'}");
    }

    public void Dispose() => mux.Dispose();

    [Fact]
    public async Task Records_and_classes_read_by_position_by_name_and_from_a_RESP3_map()
    {
        var m = client.Bind<IReplyMapping>();
        var byPosition = await m.ByPosition(key);
        Assert.Equal((1L, "Ann"), (byPosition.Id, byPosition.DisplayName));
        Assert.Equal(["a", "b"], byPosition.Tags!);

        var byName = await m.ByName(key);
        Assert.Equal(new Member(7, "Hal", null), byName);

        var profile = await m.Resp3Map(key);
        Assert.Equal("Zed", profile.Name);
        Assert.Equal(40, profile.Age);
        Assert.Equal(["Ann", "Bob"], profile.Friends!.Select(f => f.DisplayName));
        Assert.Equal(["x"], profile.Friends![1].Tags!);

        // One constructor with parameters is used even beside a parameterless one; its parameters are the members.
        var score = await m.ScoreByName(key);
        Assert.Equal(("Ann", 5L), (score.Name, score.Points));
    }

    [Fact]
    public async Task Lists_arrays_tuples_dictionaries_and_structs_nest()
    {
        var m = client.Bind<IReplyMapping>();
        var members = await m.Members(key);
        Assert.Equal([1L, 2L], members.Select(x => x.Id));
        Assert.Empty(members[1].Tags!);
        Assert.Equal(members.Select(x => x.DisplayName), (await m.MemberArray(key)).Select(x => x.DisplayName));
        var tuples = await m.Tuples(key);
        Assert.Equal((2L, "Bob"), (tuples[1].Id, tuples[1].Name));

        var dictionary = await m.AsDictionary(key);
        Assert.Equal(new Dictionary<string, string> { ["id"] = "7", ["display_name"] = "Hal" }, dictionary);
        var counts = await m.Counts(key);
        Assert.Equal(3L, counts["seen"]);
        Assert.Null(counts["missed"]);

        Assert.Equal((3L, "4"), await m.Pair(key));
        Assert.Equal(new Point(3, 4), await m.PointStruct(key));

        var tree = await m.Tree(key);
        Assert.Equal("root", tree.Name);
        Assert.Null(tree.Children![0].Children);
        Assert.Equal("c", tree.Children[1].Children![0].Name);
    }

    [Fact]
    public async Task Nil_is_null_for_nullable_targets_and_a_mismatch_for_a_struct()
    {
        var m = client.Bind<IReplyMapping>();
        Assert.Null(await m.NilRecord(key));
        Assert.Null(await m.NilPoint(key));
        Assert.Null(await m.NilList(key));
        Assert.Null(await m.NilDictionary(key));
        var strict = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.NilPointStrict(key));
        Assert.Equal("IReplyMapping.NilPointStrict", strict.MethodName);
        Assert.Equal(typeof(Point), strict.ExpectedType);
        Assert.Contains("returned nil", strict.Message);
        Assert.Contains("Point?", strict.Message);
    }

    [Fact]
    public async Task Each_mismatch_names_the_method_the_member_and_the_reply_shape()
    {
        var m = client.Bind<IReplyMapping>();
        var member = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.BadMember(key));
        Assert.Equal("IReplyMapping.BadMember[1].Id", member.MethodName);
        Assert.Equal(typeof(long), member.ExpectedType);
        Assert.Contains("\"x\"", member.Message);

        var unknown = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.UnknownField(key));
        Assert.Equal("IReplyMapping.UnknownField", unknown.MethodName);
        Assert.Contains("a map of 3 field(s) with the unknown field 'age'", unknown.Message);
        Assert.Contains("'rm_unknown_field'", unknown.Message);

        var length = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.WrongLength(key));
        Assert.Contains("at IReplyMapping.WrongLength: expected an array of 3 element(s) (by position)", length.Message);
        Assert.Contains("got an array of 2 element(s)", length.Message);

        var hash = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.HashAsNumbers(key));
        Assert.Equal("IReplyMapping.HashAsNumbers[display_name]", hash.MethodName);

        var validated = await Assert.ThrowsAsync<ScriptResultConversionException>(() => m.Validated(key));
        Assert.Equal("IReplyMapping.Validated", validated.MethodName);
        Assert.IsType<ArgumentOutOfRangeException>(validated.InnerException);
    }

    [Fact]
    public async Task Queued_calls_convert_the_same_way()
    {
        var pipe = client.Pipeline();
        var q = pipe.Bind<IReplyMapping>();
        var members = q.Members(key);
        var profile = q.Resp3Map(key);
        var bad = q.BadMember(key);
        var nil = q.NilRecord(key);
        await pipe.ExecuteAsync();
        Assert.Equal(2, (await members).Count);
        Assert.Equal(40, (await profile).Age);
        Assert.Null(await nil);
        var error = await Assert.ThrowsAsync<ScriptResultConversionException>(() => bad);
        Assert.Equal("IReplyMapping.BadMember[1].Id", error.MethodName);
    }

    [Fact]
    public void An_unsupported_target_fails_at_Bind_naming_the_method_and_the_member()
    {
        var error = Assert.Throws<ScriptBindingException>(() => client.Bind<IUnsupportedTargets>());
        Assert.Equal(3, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("IUnsupportedTargets.Dated:", StringComparison.Ordinal)
            && p.Contains("WithDate.When is DateTime"));
        Assert.Contains(error.Problems, p => p.StartsWith("IUnsupportedTargets.IntKeys:", StringComparison.Ordinal)
            && p.Contains("Dictionary<int, string>"));
        Assert.Contains(error.Problems, p => p.StartsWith("IUnsupportedTargets.Ambiguous:", StringComparison.Ordinal)
            && p.Contains("the element of List<TwoWays>") && p.Contains("2 public constructors with parameters"));
    }
}
