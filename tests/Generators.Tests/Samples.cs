namespace LuaScripts.Generators.Tests;

/// <summary>Representative [ScriptCommands] interfaces: their emitted source is pinned under Snapshots/.</summary>
internal static class Samples
{
    internal const string Usings = """
        using System.Threading;
        using System.Threading.Tasks;
        using LuaScripts;
        using StackExchange.Redis;

        """;

    /// <summary>The example: fixed and dynamic keys, names by attribute and by snake_case, a token.</summary>
    internal const string ChannelScripts = Usings + """
        namespace MyApp.Channels;

        [ScriptCommands]
        public partial interface IChannelScripts
        {
            Task<long> PublishToGroup(RedisKey topic, RedisValue message);

            [ScriptCommand("channel_poll", Keys = 1)]
            Task<RedisValue> PollAsync(RedisKey queue, CancellationToken cancellation = default);

            Task<RedisValue[]> MultiGet(int keyCount, params RedisKey[] keys);

            Task<string?> GetHTTPStatusAsync();
        }
        """;

    /// <summary>Every result type: Task, RedisResult and the leaf types.</summary>
    internal const string Returns = Usings + """
        namespace MyApp;

        [ScriptCommands]
        internal partial interface IReturns
        {
            [ScriptCommand("r")] Task Plain();
            [ScriptCommand("r")] Task<RedisResult> Raw();
            [ScriptCommand("r")] Task<long> AsLong();
            [ScriptCommand("r")] Task<int> AsInt();
            [ScriptCommand("r")] Task<double> AsDouble();
            [ScriptCommand("r")] Task<bool> AsBool();
            [ScriptCommand("r")] Task<long?> AsNullableLong();
            [ScriptCommand("r")] Task<int?> AsNullableInt();
            [ScriptCommand("r")] Task<double?> AsNullableDouble();
            [ScriptCommand("r")] Task<bool?> AsNullableBool();
            [ScriptCommand("r")] Task<string?> AsString();
            [ScriptCommand("r")] Task<byte[]?> AsBytes();
            [ScriptCommand("r")] Task<RedisValue> AsValue();
            [ScriptCommand("r")] Task<RedisKey> AsKey();
            [ScriptCommand("r")] Task<string?[]?> AsStrings();
            [ScriptCommand("r")] Task<long[]> AsLongs();
            [ScriptCommand("r")] Task<RedisValue[]> AsValues();
            [ScriptCommand("r")] Task<RedisKey[]> AsKeys();
            [ScriptCommand("r")] Task<RedisResult[]> AsResults();
        }
        """;

    /// <summary>Every argument type, more than three of them, arrays, keyword names and an inherited interface.</summary>
    internal const string Arguments = Usings + """
        namespace MyApp;

        public interface IBase
        {
            [ScriptCommand("echo_key")] Task<string[]> Inherited(RedisKey key);
        }

        [ScriptCommands]
        public partial interface IArguments : IBase
        {
            [ScriptCommand("echo")]
            Task<string[]> Scalars(string s, int i, long l, double d, bool b, byte[] bytes, RedisValue v, RedisKey k, short sh, float f, uint u, ulong ul);

            [ScriptCommand("echo")]
            Task<string[]> Nullables(int? i, long? l, double? d, bool? b, RedisValue? v, RedisKey? k, short? sh, float? f, uint? u, ulong? ul);

            [ScriptCommand("echo")]
            Task<string[]> Arrays(string first, CancellationToken cancellation, params long?[] rest);

            [ScriptCommand("echo")]
            Task<string[]> Keywords(string @class, RedisValue[] @params, byte[][] blobs);

            [ScriptCommand("echo_key")]
            Task<string[]> Three(RedisKey a, RedisValue b, string c, CancellationToken cancellation);
        }
        """;

    /// <summary>Results built of parts: records, classes, structs, tuples, lists, arrays and dictionaries, nested.</summary>
    internal const string Composites = Usings + """
        using System.Collections.Generic;

        namespace MyApp;

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
            [ScriptCommand("members")] Task<List<Member>> Members(RedisKey key);
            [ScriptCommand("members")] Task<Member[]> MemberArray(RedisKey key);
            [ScriptCommand("scores")] Task<Dictionary<string, long>> Scores(RedisKey key);
            [ScriptCommand("settings")] Task<Settings?> GetSettings(RedisKey key);
            [ScriptCommand("pair")] Task<(long Count, string? Name)> Pair();
            [ScriptCommand("point")] Task<Point?> MaybePoint();
            [ScriptCommand("point")] Task<Point> APoint();
            [ScriptCommand("nested")] Task<IReadOnlyDictionary<string, IReadOnlyList<Point>>> Nested();
            [ScriptCommand("grid")] Task<long[][]> Grid();
        }
        """;

    /// <summary>A partial class: its bodiless partial methods are the commands; other members stay as written.</summary>
    internal const string PartialClass = Usings + """
        namespace MyApp;

        [ScriptCommands]
        public sealed partial class CounterScripts
        {
            [ScriptCommand("incr", Keys = 1)]
            public partial Task<long> IncrBy(RedisKey key, long by, CancellationToken cancellation = default);

            internal partial Task<RedisResult> Raw(RedisKey key, params RedisValue[] rest);

            public int NotACommand() => 1;
        }
        """;

    /// <summary>The snippets pinned as snapshots, by name.</summary>
    internal static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["ChannelScripts"] = ChannelScripts,
        ["Returns"] = Returns,
        ["Arguments"] = Arguments,
        ["Composites"] = Composites,
        ["PartialClass"] = PartialClass,
    };
}
