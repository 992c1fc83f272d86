using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 compile records.</summary>
    internal static class IsExternalInit { }
}

namespace LuaScripts.Generators
{
    /// <summary>An immutable array compared by its items, so the incremental pipeline can cache on it.</summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
        where T : IEquatable<T>
    {
        private readonly T[]? items;

        internal EquatableArray(IEnumerable<T> items) => this.items = items.ToArray();

        internal int Length => items?.Length ?? 0;

        internal T this[int index] => items![index];

        public bool Equals(EquatableArray<T> other) =>
            (items ?? Array.Empty<T>()).SequenceEqual(other.items ?? Array.Empty<T>());

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            var hash = 17;
            foreach (var item in items ?? Array.Empty<T>()) hash = (hash * 31) + item.GetHashCode();
            return hash;
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>A source location kept as plain values (a Location holds a syntax tree, which must not be cached).</summary>
    internal sealed record LocationInfo(string Path, TextSpan Span, LinePositionSpan Lines)
    {
        internal Location ToLocation() => Location.Create(Path, Span, Lines);

        internal static LocationInfo? From(Location? location) =>
            location is null || location.SourceTree is null
                ? null
                : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>A diagnostic found while reading a declaration, reported by the output step.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        internal static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
            new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments));

        internal static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new(descriptor.Id, location, new EquatableArray<string>(arguments));
    }

    /// <summary>How a parameter contributes to the flat arguments (the core's ArgumentKind).</summary>
    internal enum ParameterKind
    {
        Single,
        Expanded,
        Cancellation,
    }

    /// <summary>One parameter: its declaration and, for a value or an array, how one value becomes a RedisValue.</summary>
    internal sealed record ParameterModel(string Name, string Type, ParameterKind Kind, string Convert, bool IsParams = false);

    /// <summary>How a method's reply becomes its result.</summary>
    internal enum ReturnKind
    {
        /// <summary><c>Task</c>: the reply is not converted.</summary>
        Plain,
        /// <summary><c>Task&lt;RedisResult&gt;</c>: the reply itself.</summary>
        Raw,
        /// <summary><c>Task&lt;T&gt;</c> of a leaf type: <c>ScriptReplies.Leaf&lt;T&gt;</c>.</summary>
        Leaf,
        /// <summary><c>Task&lt;T&gt;</c> of a list, dictionary, tuple, record or class: a generated reader.</summary>
        Composite,
    }

    /// <summary>One method to implement (Interface: its declaring interface, for an explicit implementation; Accessibility: a partial method's).</summary>
    internal sealed record MethodModel(
        string Interface,
        string? Accessibility,
        string Display,
        string Name,
        string Command,
        ReturnKind Return,
        string ReturnType,
        ReplyShape? Result,
        EquatableArray<ParameterModel> Parameters,
        int LeadingKeys,
        int? DeclaredKeys,
        LocationInfo? Location)
    {
        /// <summary>The flat arguments passed when every array is empty.</summary>
        internal int MinArguments => Parameters.Count(p => p.Kind == ParameterKind.Single);

        /// <summary>Whether an array can pass any number of flat arguments.</summary>
        internal bool Unbounded => Parameters.Any(p => p.Kind == ParameterKind.Expanded);
    }

    /// <summary>A [ScriptCommands] interface or partial class: what to emit, or why not.</summary>
    internal sealed record InterfaceModel(
        string? Namespace,
        string Name,
        string FullName,
        string HintName,
        bool IsClass,
        bool HidesCreate,
        EquatableArray<MethodModel> Methods,
        EquatableArray<DiagnosticInfo> Diagnostics)
    {
        internal bool CanEmit => Diagnostics.Length == 0;
    }

    /// <summary>A command a .lua file (an AdditionalFiles item) defines: <c>name-N.lua</c> or a <c>--! keys: N</c> header.</summary>
    internal sealed record LuaCommand(string Name, int? Keys, string File);

    /// <summary>The descriptors by ID, to rebuild a diagnostic from its DiagnosticInfo.</summary>
    internal static class DiagnosticDescriptors
    {
        internal static readonly ImmutableDictionary<string, DiagnosticDescriptor> ById = new[]
        {
            Diagnostics.UnsupportedReturn, Diagnostics.UnsupportedParameter, Diagnostics.TooFewKeys, Diagnostics.ShapeConflict,
            Diagnostics.UnknownCommand, Diagnostics.KeyCountMismatch, Diagnostics.CannotGenerate,
        }.ToImmutableDictionary(d => d.Id);

        internal static Diagnostic ToDiagnostic(this DiagnosticInfo info) =>
            Diagnostic.Create(ById[info.Id], info.Location?.ToLocation() ?? Location.None, info.Arguments.ToArray<object>());
    }
}
