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
    public void The_generator_accepts_exactly_the_result_types_ScriptReplies_converts()
    {
        var checkedTypes = 0;
        foreach (var type in Candidates().Where(t => t != typeof(CancellationToken)))
        {
            var name = Types.NameOf(Symbol(type));
            var compile = name is not null && Types.Leaves.Contains(name);
            Assert.True(ScriptReplies.IsLeaf(type) == compile, $"{type}: ScriptReplies.IsLeaf says {ScriptReplies.IsLeaf(type)}, the generator {compile}");
            checkedTypes++;
        }
        Assert.True(checkedTypes > 60);
    }

    [Fact]
    public void The_naming_rule_gives_the_cores_names()
    {
        var names = new List<string>
        {
            "PublishToGroupAsync", "GetHTTPStatus", "Async", "RunAsync", "already_snake", "ABC", "A1B2Async", "HTTPServer2Go",
            "getValue", "X", "", "Get_Value", "ÉtéValue", "IOStream", "Async2Async",
        };
        var random = new Random(17);
        const string Alphabet = "aAbBzZ09_É";
        for (var i = 0; i < 500; i++)
            names.Add(new string(Enumerable.Range(0, random.Next(0, 12)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray())
                + (random.Next(3) == 0 ? "Async" : ""));

        foreach (var name in names)
            Assert.Equal(Naming.CommandOfMethod(name), CommandNames.FromMethod(name));
        Assert.Equal("get_http_status", CommandNames.FromMethod("GetHTTPStatus"));
    }
}
