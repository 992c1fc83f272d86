using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using System.Reflection;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// Builds, by reflection, the conversion of a bound method's return type out of
/// <see cref="ScriptReplies"/>'s: leaves, nullable forms, arrays and lists (<see cref="ScriptReplies.Items"/>),
/// dictionaries with string keys (<see cref="ScriptReplies.Pairs"/>), ValueTuples, records, classes and
/// structs (<see cref="ScriptReplies.Fields"/>), recursively, by the same rules as generated bindings. A
/// record, class or struct with one public constructor that takes parameters (a copy constructor aside)
/// is built through it, its members being its parameters, by their names; one with none is created with
/// its public parameterless constructor and filled through the public settable (set or init) properties
/// it declares, in declaration order; more than one is refused. Nil is null for a reference type or a
/// nullable form, and a mismatch for any other value type.
/// </summary>
[RequiresUnreferencedCode(ScriptBinder.TrimMessage)]
[RequiresDynamicCode(ScriptBinder.AotMessage)]
internal sealed class ReplyConverters
{
    private readonly Dictionary<Type, Built> built = new();
    private readonly string method;
    private readonly string returnTypeName;
    private readonly List<string> problems;

    private ReplyConverters(string method, string returnTypeName, List<string> problems)
    {
        this.method = method;
        this.returnTypeName = returnTypeName;
        this.problems = problems;
    }

    /// <summary>A conversion being built, so that a recursive type (a tree) refers to itself.</summary>
    private sealed class Built
    {
        internal ReplyConversion<object?>? Conversion;
    }

    /// <summary>The shape of a method returning <c>Task&lt;T&gt;</c> of a composite <paramref name="type"/>, or null with its problems added.</summary>
    internal static IResultShape? ShapeOf(Type type, string method, string returnTypeName, List<string> problems)
    {
        var before = problems.Count;
        var conversion = new ReplyConverters(method, returnTypeName, problems).Build(type, Results.DisplayName(type));
        if (problems.Count > before) return null;
        var typed = typeof(ReplyConverters).GetMethod(nameof(Typed), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        return (IResultShape)typed.Invoke(null, [conversion])!;
    }

    private static ResultShape<T> Typed<T>(ReplyConversion<object?> conversion) =>
        new ResultShape<T>((RedisResult reply, in ScriptReplyContext context) => (T)conversion(reply, context)!);

    private ReplyConversion<object?> Problem(string at, string reason)
    {
        problems.Add(Messages.Binding.UnsupportedTarget(method, returnTypeName, at, reason));
        return static (RedisResult _, in ScriptReplyContext _) => null;
    }

    private ReplyConversion<object?> Build(Type type, string at)
    {
        if (Leaves.Table.TryGetValue(type, out var leaf)) return leaf.Boxed;
        if (built.TryGetValue(type, out var pending))
            return (RedisResult reply, in ScriptReplyContext context) => pending.Conversion!(reply, context);
        var entry = new Built();
        built[type] = entry;
        entry.Conversion = BuildNew(type, at);
        return entry.Conversion;
    }

    private ReplyConversion<object?> BuildNew(Type type, string at)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            var value = Build(inner, at);
            return (RedisResult reply, in ScriptReplyContext context) => reply is null || reply.IsNull ? null : value(reply, context);
        }
        if (type.IsArray && type.GetArrayRank() == 1) return Sequence(type.GetElementType()!, at, array: true);
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
                || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>))
                return Sequence(args[0], at, array: false);
            if ((definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
                && args[0] == typeof(string))
                return Map(args[1], at);
            if (type.IsValueType && type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
            {
                if (args.Length > 7) return Problem(at, Messages.Binding.TupleTooLong(Results.DisplayName(type)));
                var names = args.Select((_, i) => "Item" + (i + 1)).ToArray();
                return Record(type, type.GetConstructor(args)!, names, args, at);
            }
        }
        if (!IsRecordLike(type)) return Problem(at, Messages.Binding.NotConvertible(Results.DisplayName(type)));
        return Object(type, at);
    }

    /// <summary>Whether a type may be built from fields: a user's record, class or struct, not a framework type.</summary>
    private static bool IsRecordLike(Type type)
    {
        if (type.IsAbstract || type.IsInterface || type.IsEnum || type.IsPrimitive || type.IsPointer || type.IsByRef
            || type.ContainsGenericParameters || typeof(Delegate).IsAssignableFrom(type))
            return false;
        var space = type.Namespace ?? "";
        return !(space == "System" || space.StartsWith("System.", StringComparison.Ordinal)
            || space.StartsWith("StackExchange.Redis", StringComparison.Ordinal) || space.StartsWith("Microsoft.FSharp", StringComparison.Ordinal));
    }

    private ReplyConversion<object?> Sequence(Type element, string at, bool array)
    {
        var item = Build(element, $"the element of {at}");
        var listType = typeof(List<>).MakeGenericType(element);
        return (RedisResult reply, in ScriptReplyContext context) =>
        {
            var items = ScriptReplies.Items(reply, context);
            if (items is null) return null;
            if (array)
            {
                var result = Array.CreateInstance(element, items.Length);
                for (var i = 0; i < items.Length; i++) result.SetValue(item(items[i], context.Item(i.ToString(CultureInfo.InvariantCulture))), i);
                return result;
            }
            var list = (IList)Activator.CreateInstance(listType, items.Length)!;
            for (var i = 0; i < items.Length; i++) list.Add(item(items[i], context.Item(i.ToString(CultureInfo.InvariantCulture))));
            return list;
        };
    }

    private ReplyConversion<object?> Map(Type valueType, string at)
    {
        var value = Build(valueType, $"the value of {at}");
        var dictionaryType = typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType);
        return (RedisResult reply, in ScriptReplyContext context) =>
        {
            var pairs = ScriptReplies.Pairs(reply, context);
            if (pairs is null) return null;
            var dictionary = (IDictionary)Activator.CreateInstance(dictionaryType, pairs.Length, StringComparer.Ordinal)!;
            // A key given twice keeps its last value, as HSET would.
            foreach (var (key, item) in pairs) dictionary[key] = value(item, context.Item(key));
            return dictionary;
        };
    }

    private ReplyConversion<object?> Object(Type type, string at)
    {
        var name = Results.DisplayName(type);
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        // A copy constructor (a record's, or one declared T(T other)) does not count.
        var withParameters = constructors
            .Where(c => c.GetParameters() is { Length: > 0 } p && !(p.Length == 1 && p[0].ParameterType == type))
            .ToArray();
        if (withParameters.Length > 1)
            return Problem(at, Messages.Binding.AmbiguousConstructors(name, withParameters.Length));
        if (withParameters.Length == 1)
        {
            var parameters = withParameters[0].GetParameters();
            var names = parameters.Select(p => p.Name ?? "?").ToArray();
            return Record(type, withParameters[0], names, parameters.Select(p => p.ParameterType).ToArray(), at);
        }
        var parameterless = type.IsValueType || constructors.Any(c => c.GetParameters().Length == 0);
        var settable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p.GetIndexParameters().Length == 0 && p.SetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken)
            .ToArray();
        if (!parameterless || settable.Length == 0) return Problem(at, Messages.Binding.NoMembers(name));
        var members = settable.Select(p => Build(p.PropertyType, $"{name}.{p.Name}")).ToArray();
        var memberNames = settable.Select(p => p.Name).ToArray();
        return (RedisResult reply, in ScriptReplyContext context) =>
        {
            var fields = ScriptReplies.Fields(reply, memberNames, context);
            if (fields is null) return NilTo(type, reply, context);
            var values = new object?[fields.Length];
            for (var i = 0; i < fields.Length; i++) values[i] = members[i](fields[i], context.Field(memberNames[i]));
            return Construct(type, reply, context, () =>
            {
                var instance = Activator.CreateInstance(type)!;
                for (var i = 0; i < settable.Length; i++) settable[i].SetValue(instance, values[i]);
                return instance;
            });
        };
    }

    private ReplyConversion<object?> Record(Type type, ConstructorInfo constructor, string[] names, Type[] types, string at)
    {
        var name = Results.DisplayName(type);
        var members = types.Select((t, i) => Build(t, $"{name}.{names[i]}")).ToArray();
        return (RedisResult reply, in ScriptReplyContext context) =>
        {
            var fields = ScriptReplies.Fields(reply, names, context);
            if (fields is null) return NilTo(type, reply, context);
            var values = new object?[fields.Length];
            for (var i = 0; i < fields.Length; i++) values[i] = members[i](fields[i], context.Field(names[i]));
            return Construct(type, reply, context, () => constructor.Invoke(values));
        };
    }

    /// <summary>Nil: null for a reference type; a mismatch for a value type (its nullable form takes nil).</summary>
    private static object? NilTo(Type type, RedisResult reply, in ScriptReplyContext context) =>
        type.IsValueType ? throw new ScriptResultConversionException(context.Command, context.Member, type, reply) : null;

    /// <summary>Runs the type's own code (a constructor, setters); what it throws is a conversion error at the member.</summary>
    private static object Construct(Type type, RedisResult reply, in ScriptReplyContext context, Func<object> create)
    {
        try
        {
            return create();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new ScriptResultConversionException(context.Command, context.Member, type, reply, e.InnerException);
        }
    }
}
