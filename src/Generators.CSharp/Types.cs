using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace LuaScripts.Generators;

/// <summary>
/// The types a generated binding accepts, named as C# writes them (<c>long?</c>, <c>RedisKey[]</c>). The
/// sets are those of <c>Bind&lt;T&gt;()</c>: the core's ArgumentValue for parameters and ScriptReplies'
/// leaf types for results; tests/Generators.Tests checks them against both, type by type.
/// </summary>
internal static class Types
{
    /// <summary>The values one parameter can send as one flat argument (their nullable forms too, for value types).</summary>
    internal static readonly HashSet<string> Arguments = new()
    {
        "RedisKey", "RedisValue", "string", "byte[]", "bool", "short", "int", "long", "uint", "ulong", "float", "double",
    };

    /// <summary>The result types a method may return inside <c>Task&lt;T&gt;</c>.</summary>
    internal static readonly HashSet<string> Leaves = new()
    {
        "RedisResult", "long", "int", "double", "bool", "long?", "int?", "double?", "bool?", "string", "byte[]",
        "RedisValue", "RedisKey", "string[]", "long[]", "RedisValue[]", "RedisKey[]", "RedisResult[]",
    };

    internal const string SupportedArguments =
        "RedisKey, RedisValue, string, byte[], bool, short, int, long, uint, ulong, float or double (or their nullable forms), "
        + "an array of any of them (expanded in place), or a CancellationToken";

    internal const string SupportedReturns =
        "Task, or Task<T> of RedisResult, long, int, double, bool, long?, int?, double?, bool?, string, byte[], "
        + "RedisValue, RedisKey, string[], long[], RedisValue[], RedisKey[] or RedisResult[], or an array, List<T>, "
        + "Dictionary<string, T>, tuple, record or class built of those";

    /// <summary>A type's name as the sets write it, or null for a type no set can hold.</summary>
    internal static string? NameOf(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol array)
        {
            if (array.Rank != 1) return null;
            var element = NameOf(array.ElementType);
            return element is null ? null : element + "[]";
        }
        if (type is INamedTypeSymbol named && named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            var inner = NameOf(named.TypeArguments[0]);
            return inner is null ? null : inner + "?";
        }
        switch (type.SpecialType)
        {
            case SpecialType.System_Int64: return "long";
            case SpecialType.System_Int32: return "int";
            case SpecialType.System_Int16: return "short";
            case SpecialType.System_UInt32: return "uint";
            case SpecialType.System_UInt64: return "ulong";
            case SpecialType.System_Single: return "float";
            case SpecialType.System_Double: return "double";
            case SpecialType.System_Boolean: return "bool";
            case SpecialType.System_String: return "string";
            case SpecialType.System_Byte: return "byte";
        }
        if (type is INamedTypeSymbol { Arity: 0 } redis && redis.ContainingNamespace?.ToDisplayString() == "StackExchange.Redis"
            && redis.Name is "RedisKey" or "RedisValue" or "RedisResult")
            return redis.Name;
        return null;
    }

    /// <summary>Whether a value of this named type is one flat argument.</summary>
    internal static bool IsArgument(string? name) =>
        name is not null
        && (Arguments.Contains(name)
            || (name.EndsWith("?", System.StringComparison.Ordinal) && name != "string?" && name != "byte[]?"
                && Arguments.Contains(name.Substring(0, name.Length - 1))));

    /// <summary>How a generated binding turns one value of this argument type into a RedisValue ({0}: the value).</summary>
    internal static string ConversionOf(string name) => name switch
    {
        "RedisValue" => "{0}",
        "RedisValue?" => "({0} ?? global::StackExchange.Redis.RedisValue.Null)",
        "RedisKey" or "RedisKey?" or "short" or "short?" or "float" or "float?" => "global::LuaScripts.ScriptCalls.Arg({0})",
        _ => "(global::StackExchange.Redis.RedisValue){0}",
    };

    /// <summary>Whether a type is System.Threading.CancellationToken.</summary>
    internal static bool IsCancellationToken(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CancellationToken", Arity: 0 } t && t.ContainingNamespace?.ToDisplayString() == "System.Threading";

    /// <summary>Whether a type is System.Threading.Tasks.Task or Task&lt;T&gt; (T in <paramref name="result"/>).</summary>
    internal static bool IsTask(ITypeSymbol type, out ITypeSymbol? result)
    {
        result = null;
        if (type is not INamedTypeSymbol { Name: "Task" } task || task.ContainingNamespace?.ToDisplayString() != "System.Threading.Tasks")
            return false;
        if (task.Arity == 0) return true;
        if (task.Arity != 1) return false;
        result = task.TypeArguments[0];
        return true;
    }
}
