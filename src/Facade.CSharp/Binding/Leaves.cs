using System;
using System.Collections.Generic;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>A leaf conversion of <see cref="ScriptReplies"/>, whatever its type.</summary>
internal abstract class LeafConversion
{
    /// <summary>The shape of a bound method returning the leaf type.</summary>
    internal abstract IResultShape Shape();

    /// <summary>The conversion, its value boxed, for conversions built by reflection.</summary>
    internal abstract ReplyConversion<object?> Boxed { get; }
}

/// <summary>A conversion of a reply to a leaf type: one of StackExchange.Redis's explicit conversions.</summary>
internal sealed class LeafConversion<T> : LeafConversion
{
    private readonly Func<RedisResult, T> convert;
    private readonly bool rejectsNil;

    /// <param name="convert">The conversion.</param>
    /// <param name="rejectsNil">Nil is a mismatch rather than a default value (non-nullable numbers).</param>
    internal LeafConversion(Func<RedisResult, T> convert, bool rejectsNil)
    {
        this.convert = convert;
        this.rejectsNil = rejectsNil;
    }

    internal T Convert(RedisResult? reply, in ScriptReplyContext context)
    {
        reply ??= Leaves.Nil;
        if (rejectsNil && reply.IsNull)
            throw new ScriptResultConversionException(context.Command, context.Member, typeof(T), reply);
        try
        {
            return convert(reply);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ScriptResultConversionException(context.Command, context.Member, typeof(T), reply, e);
        }
    }

    internal override ReplyConversion<object?> Boxed => (RedisResult reply, in ScriptReplyContext context) => Convert(reply, context);

    internal override IResultShape Shape() =>
        new ResultShape<T>((RedisResult reply, in ScriptReplyContext context) => Convert(reply, context));
}

/// <summary>The leaf conversion to <typeparamref name="T"/>, looked up once per type.</summary>
internal static class LeafOf<T>
{
    /// <summary>The conversion, or null when <typeparamref name="T"/> is not a leaf type.</summary>
    internal static readonly LeafConversion<T>? Instance =
        Leaves.Table.TryGetValue(typeof(T), out var leaf) ? leaf as LeafConversion<T> : null;
}

/// <summary>The leaf types of replies: the one table <see cref="ScriptReplies"/> and <c>Bind&lt;T&gt;</c> read.</summary>
internal static class Leaves
{
    /// <summary>A nil reply, for a missing one.</summary>
    internal static readonly RedisResult Nil = RedisResult.Create(RedisValue.Null);

    internal static readonly Dictionary<Type, LeafConversion> Table = new()
    {
        [typeof(RedisResult)] = new LeafConversion<RedisResult>(r => r, rejectsNil: false),
        [typeof(long)] = new LeafConversion<long>(r => (long)r, rejectsNil: true),
        [typeof(int)] = new LeafConversion<int>(r => (int)r, rejectsNil: true),
        [typeof(double)] = new LeafConversion<double>(r => (double)r, rejectsNil: true),
        // Lua false arrives as nil: it reads as false.
        [typeof(bool)] = new LeafConversion<bool>(r => !r.IsNull && (bool)r, rejectsNil: false),
        [typeof(long?)] = new LeafConversion<long?>(r => (long?)r, rejectsNil: false),
        [typeof(int?)] = new LeafConversion<int?>(r => (int?)r, rejectsNil: false),
        [typeof(double?)] = new LeafConversion<double?>(r => (double?)r, rejectsNil: false),
        [typeof(bool?)] = new LeafConversion<bool?>(r => (bool?)r, rejectsNil: false),
        [typeof(string)] = new LeafConversion<string?>(r => (string?)r, rejectsNil: false),
        [typeof(byte[])] = new LeafConversion<byte[]?>(r => (byte[]?)r, rejectsNil: false),
        [typeof(RedisValue)] = new LeafConversion<RedisValue>(r => (RedisValue)r, rejectsNil: false),
        [typeof(RedisKey)] = new LeafConversion<RedisKey>(r => (RedisKey)r, rejectsNil: false),
        // Nil is null for an array: StackExchange.Redis would read it as an array of one null.
        [typeof(string[])] = new LeafConversion<string?[]?>(r => r.IsNull ? null : (string?[]?)r, rejectsNil: false),
        [typeof(long[])] = new LeafConversion<long[]?>(r => r.IsNull ? null : (long[]?)r, rejectsNil: false),
        [typeof(RedisValue[])] = new LeafConversion<RedisValue[]?>(r => r.IsNull ? null : (RedisValue[]?)r, rejectsNil: false),
        [typeof(RedisKey[])] = new LeafConversion<RedisKey[]?>(r => r.IsNull ? null : (RedisKey[]?)r, rejectsNil: false),
        [typeof(RedisResult[])] = new LeafConversion<RedisResult[]?>(r => r.IsNull ? null : (RedisResult[]?)r, rejectsNil: false),
    };

    /// <summary>The leaf types, for messages.</summary>
    internal const string Supported =
        "RedisResult, long, int, double, bool, long?, int?, double?, bool?, string, byte[], RedisValue, RedisKey, "
        + "string[], long[], RedisValue[], RedisKey[] and RedisResult[]";
}
