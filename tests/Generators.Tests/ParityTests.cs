using LuaScripts.Core;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Generators.Tests;

/// <summary>
/// The generator decides at compile time what Bind&lt;T&gt;() decides at run time: its sets of argument and
/// result types are checked here against the run-time ones, type by type, and its naming rule is the same file.
/// </summary>
public sealed class ParityTests
{
    private static readonly Type[] Scalars =
    {
        typeof(RedisKey), typeof(RedisValue), typeof(RedisResult), typeof(string), typeof(byte[]), typeof(bool), typeof(byte),
        typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(long), typeof(uint), typeof(ulong), typeof(float),
        typeof(double), typeof(decimal), typeof(char), typeof(object), typeof(DateTime), typeof(Guid), typeof(TimeSpan),
        typeof(CancellationToken),
    };

    /// <summary>Every scalar, its nullable form (value types) and its array.</summary>
    private static IEnumerable<Type> Candidates() =>
        Scalars.SelectMany(t => new[] { t, t.MakeArrayType() }
            .Concat(t.IsValueType ? new[] { typeof(Nullable<>).MakeGenericType(t), typeof(Nullable<>).MakeGenericType(t).MakeArrayType() } : Array.Empty<Type>()));

    private static readonly CSharpCompilation Compilation = CSharpCompilation.Create("Parity", references:
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal)).Select(p => MetadataReference.CreateFromFile(p)));

    private static ITypeSymbol Symbol(Type type)
    {
        if (type.IsArray) return Compilation.CreateArrayTypeSymbol(Symbol(type.GetElementType()!));
        if (Nullable.GetUnderlyingType(type) is { } inner)
            return Compilation.GetSpecialType(SpecialType.System_Nullable_T).Construct(Symbol(inner));
        return Compilation.GetTypeByMetadataName(type.FullName!) ?? throw new InvalidOperationException(type.FullName);
    }

    [Fact]
    public void The_generator_accepts_exactly_the_parameter_types_Bind_accepts()
    {
        var checkedTypes = 0;
        foreach (var type in Candidates())
        {
            var symbol = Symbol(type);
            var runtime = ArgumentValue.KindOf(type);
            var name = Types.NameOf(symbol);
            var compile = Types.IsCancellationToken(symbol) ? ArgumentKind.Cancellation
                : Types.IsArgument(name) ? ArgumentKind.Single
                : symbol is IArrayTypeSymbol a && Types.IsArgument(Types.NameOf(a.ElementType)) ? ArgumentKind.Expanded
                : ArgumentKind.Unsupported;
            Assert.True(runtime == compile, $"{type}: Bind<T> says {runtime}, the generator {compile}");
            checkedTypes++;
        }
        Assert.True(checkedTypes > 60);
    }

    [Fact]
    public void The_naming_rule_is_the_facades()
    {
        Assert.Equal("publish_to_group", CommandNames.FromMethod("PublishToGroupAsync"));
        Assert.Equal("get_http_status", CommandNames.FromMethod("GetHTTPStatus"));
        Assert.Equal("async", CommandNames.FromMethod("Async"));
    }
}
