using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using LuaScripts.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// The conversions of script replies shared by <see cref="ScriptClient.Bind{T}"/> and generated
/// bindings: one implementation of how a reply maps to a method's return type, whether reflection or
/// generated code walks the type. A leaf is one of the single conversions (<see cref="Leaf{T}"/>);
/// lists, records, tuples and dictionaries are built from <see cref="Items"/>, <see cref="Fields"/>
/// and <see cref="Pairs"/>. Each failure is a <see cref="ScriptResultConversionException"/> naming the
/// command, the target member (see <see cref="ScriptReplyContext"/>) and the reply's shape. Thread-safe.
/// </summary>
public static class ScriptReplies
{
    private static readonly FSharpFunc<RedisResult, FSharpResult<FSharpOption<RedisResult[]>, string>> OptionalItems =
        Decode.Optional(Decode.Array(Decode.Result));

    private static readonly FSharpFunc<RedisResult, FSharpResult<FSharpOption<FSharpList<Tuple<string, RedisResult>>>, string>> OptionalEntries =
        Decode.Optional(Decode.Entries(Decode.Result));

    // The decoders of the name lists seen, by list: generated code and Bind<T> pass one static array per type.
    private static readonly ConditionalWeakTable<string[], FSharpFunc<RedisResult, FSharpResult<FSharpOption<RedisResult[]>, string>>> FieldDecoders = new();

    /// <summary>
    /// Converts a reply to one of the leaf types: <see cref="RedisResult"/>, <see cref="long"/>,
    /// <see cref="int"/>, <see cref="double"/>, <see cref="bool"/>, their nullable forms,
    /// <see cref="string"/>, <c>byte[]</c>, <see cref="RedisValue"/>, <see cref="RedisKey"/>,
    /// and arrays of <see cref="string"/>, <see cref="long"/>, <see cref="RedisValue"/>,
    /// <see cref="RedisKey"/> and <see cref="RedisResult"/> (see <see cref="IsLeaf"/>). Nil is
    /// <see langword="null"/> (or <see cref="RedisValue.Null"/>) for the types that have one, false for
    /// <see cref="bool"/> (Lua's false arrives as nil), and a mismatch for the other numbers.
    /// </summary>
    /// <typeparam name="T">The leaf type.</typeparam>
    /// <param name="reply">The reply, or a part of it.</param>
    /// <param name="context">The command and the target member, for the error.</param>
    /// <returns>The converted value.</returns>
    /// <exception cref="ScriptResultConversionException">The reply does not convert to <typeparamref name="T"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a leaf type.</exception>
    public static T Leaf<T>(RedisResult reply, in ScriptReplyContext context)
    {
        var leaf = LeafOf<T>.Instance
            ?? throw new NotSupportedException(Messages.Binding.NotALeaf(Results.DisplayName(typeof(T)), Leaves.Supported));
        return leaf.Convert(reply, context);
    }

    /// <summary>Whether <see cref="Leaf{T}"/> converts to a type.</summary>
    /// <param name="type">The type.</param>
    /// <returns><see langword="true"/> for the leaf types listed on <see cref="Leaf{T}"/>.</returns>
    public static bool IsLeaf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Leaves.Table.ContainsKey(type);
    }

    /// <summary>
    /// An array reply's items, for a list or an array target (a RESP3 map's keys and values in turn, as
    /// RESP2 sends them).
    /// </summary>
    /// <param name="reply">The reply, or a part of it.</param>
    /// <param name="context">The command and the target member, for the error.</param>
    /// <returns>The items; <see langword="null"/> when the reply is nil.</returns>
    /// <exception cref="ScriptResultConversionException">The reply is not an array.</exception>
    public static RedisResult[]? Items(RedisResult reply, in ScriptReplyContext context) =>
        Unwrap(OptionalItems.Invoke(reply), reply, context);

    /// <summary>
    /// A record's, class's or tuple's member replies, in the order of <paramref name="names"/>, read by
    /// position (an array of exactly <c>names.Length</c> elements) or by name (a RESP3 map, or a flat
    /// field/value array as HGETALL returns it, every field of which is a member's name, exactly or in
    /// snake_case: <c>DisplayName</c> or <c>display_name</c>). By name, a member the reply lacks is nil.
    /// </summary>
    /// <param name="reply">The reply, or a part of it.</param>
    /// <param name="names">The target's member names, in the order wanted (pass the same array each time).</param>
    /// <param name="context">The command and the target member, for the error.</param>
    /// <returns>The member replies; <see langword="null"/> when the reply is nil.</returns>
    /// <exception cref="ScriptResultConversionException">
    /// The reply is neither: not an array, an array of another length that is not field/value pairs, a
    /// field no member has, or a field given twice.
    /// </exception>
    public static RedisResult[]? Fields(RedisResult reply, string[] names, in ScriptReplyContext context)
    {
        ArgumentNullException.ThrowIfNull(names);
        var decoder = FieldDecoders.GetValue(names, static n => Decode.Optional(Decode.Fields(n)));
        return Unwrap(decoder.Invoke(reply), reply, context);
    }

    /// <summary>
    /// A map reply's entries, in reply order, for a dictionary target: a RESP3 map, or a flat
    /// field/value array as HGETALL returns it. A key is a single value (an integer reads as its text).
    /// </summary>
    /// <param name="reply">The reply, or a part of it.</param>
    /// <param name="context">The command and the target member, for the error.</param>
    /// <returns>The entries; <see langword="null"/> when the reply is nil.</returns>
    /// <exception cref="ScriptResultConversionException">
    /// The reply is not a map: not an array, an array of an odd length, or a key that is not a single value.
    /// </exception>
    public static KeyValuePair<string, RedisResult>[]? Pairs(RedisResult reply, in ScriptReplyContext context)
    {
        var entries = Unwrap(OptionalEntries.Invoke(reply), reply, context);
        if (entries is null) return null;
        var pairs = new KeyValuePair<string, RedisResult>[entries.Length];
        var i = 0;
        foreach (var (key, value) in entries) pairs[i++] = new KeyValuePair<string, RedisResult>(key, value);
        return pairs;
    }

    private static T? Unwrap<T>(FSharpResult<FSharpOption<T>, string> result, RedisResult reply, in ScriptReplyContext context)
        where T : class
    {
        if (result.IsError) throw new ScriptResultConversionException(context.Command, context.Member, result.ErrorValue, reply);
        return FSharpOption<T>.get_IsSome(result.ResultValue) ? result.ResultValue.Value : null;
    }
}
