using System;
using System.Collections.Generic;
using System.Threading;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>Turns the arguments of a bound method or a dynamic call into the flat argument list.</summary>
internal static class Arguments
{
    /// <summary>The parameter types a bound method may declare, for error messages.</summary>
    internal const string Supported =
        "RedisKey, RedisValue, string, int, long, double, bool, byte[] (or their nullable forms), "
        + "an array of any of them (expanded in place), or a CancellationToken";

    /// <summary>How one parameter of a bound method contributes to the flat arguments.</summary>
    internal enum Kind
    {
        /// <summary>One flat argument.</summary>
        Single,
        /// <summary>An array: each element is one flat argument.</summary>
        Expanded,
        /// <summary>Not an argument: stops waiting for the reply.</summary>
        Cancellation,
        /// <summary>A type that cannot be sent.</summary>
        Unsupported,
    }

    /// <summary>How a parameter of the given type is passed.</summary>
    internal static Kind KindOf(Type type)
    {
        if (type == typeof(CancellationToken)) return Kind.Cancellation;
        if (IsValueType(type)) return Kind.Single;
        if (type.IsArray && type.GetArrayRank() == 1 && IsValueType(type.GetElementType()!)) return Kind.Expanded;
        return Kind.Unsupported;
    }

    private static bool IsValueType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(RedisKey) || t == typeof(RedisValue) || t == typeof(string) || t == typeof(int)
            || t == typeof(long) || t == typeof(double) || t == typeof(bool) || t == typeof(byte[]);
    }

    /// <summary>
    /// Flattens arguments in order: an array (other than <c>byte[]</c>) expands into its elements,
    /// a <see cref="CancellationToken"/> is taken out. Returns false (and the offending position)
    /// when an argument has a type that cannot be sent.
    /// </summary>
    internal static bool TryFlatten(object?[]? args, out RedisValue[] flat, out CancellationToken cancellation, out int badIndex)
    {
        cancellation = default;
        badIndex = -1;
        var values = new List<RedisValue>(args?.Length ?? 0);
        if (args is not null)
        {
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                if (arg is CancellationToken token)
                {
                    cancellation = token;
                }
                else if (arg is Array array && arg is not byte[])
                {
                    foreach (var item in array)
                    {
                        if (!TryConvert(item, out var value))
                        {
                            badIndex = i;
                            flat = Array.Empty<RedisValue>();
                            return false;
                        }
                        values.Add(value);
                    }
                }
                else if (TryConvert(arg, out var value))
                {
                    values.Add(value);
                }
                else
                {
                    badIndex = i;
                    flat = Array.Empty<RedisValue>();
                    return false;
                }
            }
        }
        flat = values.ToArray();
        return true;
    }

    /// <summary>One argument as a flat value; a key keeps its bytes.</summary>
    internal static bool TryConvert(object? arg, out RedisValue value)
    {
        switch (arg)
        {
            case null: value = RedisValue.Null; return true;
            case RedisValue v: value = v; return true;
            case RedisKey k: value = Args.KeyToValue(k); return true;
            case string s: value = s; return true;
            case int i: value = i; return true;
            case long l: value = l; return true;
            case double d: value = d; return true;
            case bool b: value = b; return true;
            case byte[] bytes: value = bytes; return true;
            case uint u: value = u; return true;
            case ulong ul: value = ul; return true;
            case short sh: value = sh; return true;
            case float f: value = f; return true;
            default: value = RedisValue.Null; return false;
        }
    }
}
