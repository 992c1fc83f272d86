using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LuaScripts.Generators;

/// <summary>What a result type is built from: a leaf conversion, or items, fields or pairs of other shapes.</summary>
internal enum ShapeKind
{
    /// <summary>A leaf type: <c>ScriptReplies.Leaf&lt;T&gt;</c>.</summary>
    Leaf,
    /// <summary>An array <c>T[]</c> of a non-leaf element: <c>ScriptReplies.Items</c>.</summary>
    Array,
    /// <summary><c>List&lt;T&gt;</c> or one of the interfaces it implements: <c>ScriptReplies.Items</c>.</summary>
    List,
    /// <summary><c>Dictionary&lt;string, T&gt;</c> or one of its read interfaces: <c>ScriptReplies.Pairs</c>.</summary>
    Dictionary,
    /// <summary>A value tuple: <c>ScriptReplies.Fields</c> by its element names.</summary>
    Tuple,
    /// <summary>A record or class built by its constructor: <c>ScriptReplies.Fields</c> by its parameter names.</summary>
    Constructor,
    /// <summary>A class built by its settable properties: <c>ScriptReplies.Fields</c> by their names.</summary>
    Initializer,
    /// <summary><c>Nullable&lt;T&gt;</c> of a tuple or struct: nil is null.</summary>
    Nullable,
}

/// <summary>One result type's shape (Type: as C# writes it, fully qualified; Members: what the parts are called).</summary>
internal sealed record ReplyShape(ShapeKind Kind, string Type, string TypeOf, bool IsValueType, EquatableArray<ReplyShape> Parts,
    EquatableArray<string> Members);

/// <summary>Reads a result type into its shape, or null when no conversion exists.</summary>
internal static class ReplyShapes
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly HashSet<string> Lists = new()
    {
        "System.Collections.Generic.List<T>", "System.Collections.Generic.IReadOnlyList<T>", "System.Collections.Generic.IList<T>",
        "System.Collections.Generic.IEnumerable<T>", "System.Collections.Generic.IReadOnlyCollection<T>", "System.Collections.Generic.ICollection<T>",
    };

    private static readonly HashSet<string> Dictionaries = new()
    {
        "System.Collections.Generic.Dictionary<TKey, TValue>", "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>",
        "System.Collections.Generic.IDictionary<TKey, TValue>",
    };

    internal static ReplyShape? Read(ITypeSymbol type, int depth = 0)
    {
        if (depth > 8) return null;
        var display = type.ToDisplayString(TypeFormat);
        var name = Types.NameOf(type);
        if (name is not null && Types.Leaves.Contains(name)) return Shape(ShapeKind.Leaf, type, display);
        if (type is IArrayTypeSymbol { Rank: 1 } array)
            return Read(array.ElementType, depth + 1) is { } element ? Shape(ShapeKind.Array, type, display, element) : null;
        if (type is not INamedTypeSymbol named) return null;
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            return Read(named.TypeArguments[0], depth + 1) is { } inner ? Shape(ShapeKind.Nullable, type, display, inner) : null;
        var generic = named.OriginalDefinition.ToDisplayString();
        if (Lists.Contains(generic))
            return Read(named.TypeArguments[0], depth + 1) is { } item ? Shape(ShapeKind.List, type, display, item) : null;
        if (Dictionaries.Contains(generic))
        {
            if (named.TypeArguments[0].SpecialType != SpecialType.System_String) return null;
            return Read(named.TypeArguments[1], depth + 1) is { } value ? Shape(ShapeKind.Dictionary, type, display, value) : null;
        }
        if (named.IsTupleType)
        {
            var elements = named.TupleElements;
            if (elements.Length > 7) return null;
            var parts = elements.Select(e => Read(e.Type, depth + 1)).ToList();
            return parts.Any(p => p is null) ? null
                : Shape(ShapeKind.Tuple, type, display, parts!, elements.Select(e => e.Name));
        }
        return ReadObject(named, display, depth);
    }

    /// <summary>A record, class or struct: by its one public constructor with parameters, else by its settable properties.</summary>
    private static ReplyShape? ReadObject(INamedTypeSymbol type, string display, int depth)
    {
        if (type.IsAbstract || type.IsStatic || type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return null;
        if (type.SpecialType != SpecialType.None || type.ContainingNamespace?.ToDisplayString().StartsWith("System", System.StringComparison.Ordinal) == true)
            return null;
        var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        var withParameters = constructors.Where(c => c.Parameters.Length > 0
            && !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type, type))).ToList();
        if (withParameters.Count == 1)
        {
            var parameters = withParameters[0].Parameters;
            var parts = parameters.Select(p => p.RefKind == RefKind.None ? Read(p.Type, depth + 1) : null).ToList();
            return parts.Any(p => p is null) ? null
                : Shape(ShapeKind.Constructor, type, display, parts!, parameters.Select(p => p.Name));
        }
        if (withParameters.Count > 1 || !constructors.Any(c => c.Parameters.Length == 0)) return null;
        var properties = type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => !p.IsStatic && !p.IsIndexer && p.DeclaredAccessibility == Accessibility.Public
                && p.SetMethod is { DeclaredAccessibility: Accessibility.Public })
            .ToList();
        if (properties.Count == 0) return null;
        var props = properties.Select(p => Read(p.Type, depth + 1)).ToList();
        return props.Any(p => p is null) ? null
            : Shape(ShapeKind.Initializer, type, display, props!, properties.Select(p => p.Name));
    }

    private static ReplyShape Shape(ShapeKind kind, ITypeSymbol type, string display, params ReplyShape[] parts) =>
        Shape(kind, type, display, parts, Enumerable.Empty<string>());

    private static ReplyShape Shape(ShapeKind kind, ITypeSymbol type, string display, IEnumerable<ReplyShape> parts, IEnumerable<string> members) =>
        new(kind, display, TypeOf(type), type.IsValueType, new EquatableArray<ReplyShape>(parts), new EquatableArray<string>(members));

    /// <summary>The type as <c>typeof(...)</c> takes it: no nullable reference annotation, a tuple as ValueTuple.</summary>
    private static string TypeOf(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsTupleType: true } tuple
            ? "global::System.ValueTuple<" + string.Join(", ", tuple.TupleElements.Select(e => TypeOf(e.Type))) + ">"
            : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
}
