using Microsoft.CodeAnalysis;
using Xunit;

namespace LuaScripts.Generators.Tests;

/// <summary>Each LUAS diagnostic: its ID, where it points, what its message names; and no diagnostic for a fitting interface.</summary>
public sealed class DiagnosticTests
{
    private static string Interface(string members, string name = "IScripts") => Samples.Usings + $$"""
        namespace MyApp;

        [ScriptCommands]
        public partial interface {{name}}
        {
        {{members}}
        }
        """;

    /// <summary>The generator's diagnostics as (ID, the source text it points at, message).</summary>
    private static List<(string Id, string At, string Message)> Diagnose(string source, params LuaFile[] files)
    {
        var run = GeneratorHarness.Run(source, files);
        return run.GeneratorDiagnostics
            .Select(d => (d.Id, At(source, d), d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>The snippet text a diagnostic points at (in Snippet.cs, the one source file).</summary>
    private static string At(string source, Diagnostic d)
    {
        Assert.Equal("Snippet.cs", d.Location.GetLineSpan().Path);
        return source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length);
    }

    [Fact]
    public void LUAS001_an_unsupported_return_type_points_at_the_return_type_and_nothing_is_emitted()
    {
        var source = Interface("    Task<System.DateTime> When(RedisKey key);\n    long NotATask();");
        var run = GeneratorHarness.Run(source);

        var found = run.GeneratorDiagnostics.Select(d => (d.Id, At(source, d))).ToList();
        Assert.Equal(new[] { ("LUAS001", "Task<System.DateTime>"), ("LUAS001", "long") }, found);
        Assert.Contains("IScripts.When returns System.Threading.Tasks.Task<System.DateTime>", run.GeneratorDiagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void LUAS001_a_composite_result_with_a_part_no_reply_converts_to()
    {
        var source = Interface("""
                Task<System.Collections.Generic.List<object>> Objects();
                Task<System.Collections.Generic.Dictionary<int, long>> IntKeys();
                Task<(long, System.DateTime)> TupleWithDate();
                Task<System.Collections.Generic.List<(long A, string? B)>> Fine();
            """);

        var found = Diagnose(source);

        Assert.Equal(new[] { "Task<System.Collections.Generic.List<object>>", "Task<System.Collections.Generic.Dictionary<int, long>>",
            "Task<(long, System.DateTime)>" }, found.Select(f => f.At));
        Assert.All(found, f => Assert.Equal("LUAS001", f.Id));
    }

    [Fact]
    public void LUAS002_an_unsupported_or_by_ref_parameter_points_at_the_parameter()
    {
        var found = Diagnose(Interface("    Task Send(RedisKey key, object what, ref long n, System.DateTime[] when);"));

        Assert.Equal(new[] { "what", "n", "when" }, found.Select(f => f.At));
        Assert.All(found, f => Assert.Equal("LUAS002", f.Id));
        Assert.Contains("'what' of type object cannot be sent", found[0].Message);
        Assert.Contains("ref long", found[1].Message);
    }

    [Fact]
    public void LUAS003_fewer_arguments_than_the_declared_keys_points_at_the_method()
    {
        var found = Diagnose(Interface("""
                [ScriptCommand("two_keys", Keys = 2)] Task<long> Short(RedisKey onlyOne);
                [ScriptCommand("two_keys_ok", Keys = 2)] Task<long> Enough(RedisKey a, RedisKey b, RedisValue v);
                [ScriptCommand("two_keys_many", Keys = 2)] Task<long> Unbounded(params RedisKey[] keys);
            """));

        var (id, at, message) = Assert.Single(found);
        Assert.Equal("LUAS003", id);
        Assert.Equal("Short", at);
        Assert.Contains("passes 1 argument(s), but the command 'two_keys' takes 2 key(s)", message);
    }

    [Fact]
    public void LUAS003_fewer_arguments_than_a_files_fixed_keys()
    {
        var found = Diagnose(Interface("    Task<long> PublishToGroup();"), new LuaFile("/p/Scripts/publish_to_group-1.lua", "return 1"));

        var (id, at, message) = Assert.Single(found);
        Assert.Equal(("LUAS003", "PublishToGroup"), (id, at));
        Assert.Contains("publish_to_group-1.lua", message);
    }

    [Fact]
    public void LUAS004_two_methods_giving_one_command_different_keys_points_at_the_second()
    {
        var found = Diagnose(Interface("""
                [ScriptCommand("move")] Task<long> MoveOne(RedisKey from, RedisValue what);
                [ScriptCommand("move")] Task<long> MoveTwo(RedisKey from, RedisKey to, RedisValue what);
                [ScriptCommand("move")] Task<RedisResult> MoveRaw(RedisKey from, RedisValue what);
            """));

        var (id, at, message) = Assert.Single(found);
        Assert.Equal(("LUAS004", "MoveTwo"), (id, at));
        Assert.Contains("IScripts.MoveOne and IScripts.MoveTwo both run 'move' but pass 1 and 2 leading key(s)", message);
    }

    [Fact]
    public void LUAS005_a_command_no_file_defines_is_reported_only_when_there_are_lua_files()
    {
        const string Members = "    Task<RedisValue> GetValue(RedisKey key);\n    Task<long> NotDefinedAnywhere();";
        var files = new[] { new LuaFile("/p/Scripts/get_value.lua", "--! keys: 1\nreturn redis.call('GET', KEYS[1])") };

        var found = Diagnose(Interface(Members), files);

        var (id, at, message) = Assert.Single(found);
        Assert.Equal(("LUAS005", "NotDefinedAnywhere"), (id, at));
        Assert.Contains("'not_defined_anywhere'", message);
        Assert.Empty(Diagnose(Interface(Members)));
    }

    [Fact]
    public void LUAS006_a_key_count_that_disagrees_with_the_file()
    {
        var files = new[]
        {
            new LuaFile("/p/a-1.lua", "return 1"),
            new LuaFile("/p/b.lua", "--! keys: 2\nreturn 1"),
            new LuaFile("/p/c.lua", "return 1"),
            new LuaFile("/p/d-1.lua", "return 1"),
        };
        var found = Diagnose(Interface("""
                [ScriptCommand("a")] Task<long> TwoLeadingKeys(RedisKey x, RedisKey y);
                [ScriptCommand("b", Keys = 3)] Task<long> DeclaresThree(RedisKey x, RedisKey y, RedisKey z);
                [ScriptCommand("c", Keys = 1)] Task<long> DeclaresOnDynamic(RedisKey x);
                [ScriptCommand("d")] Task<long> Fits(RedisKey x, RedisValue v);
            """), files);

        Assert.Equal(new[] { "TwoLeadingKeys", "DeclaresThree", "DeclaresOnDynamic" }, found.Select(f => f.At));
        Assert.All(found, f => Assert.Equal("LUAS006", f.Id));
        Assert.Contains("b.lua says 2", found[1].Message);
        Assert.Contains("dynamic key count", found[2].Message);
    }

    [Fact]
    public void LUAS007_members_and_declarations_that_cannot_be_generated()
    {
        var found = Diagnose(Samples.Usings + """
            namespace MyApp;

            [ScriptCommands]
            public interface INotPartial { Task Run(); }

            [ScriptCommands]
            public partial interface IMembers
            {
                long Count { get; }
                Task<T> Generic<T>();
                Task WithBody() => Task.CompletedTask;
                [ScriptCommand(" ")] Task NoName();
            }
            """);

        Assert.Equal(new[] { "INotPartial", "Count", "Generic", "WithBody", "NoName" }, found.Select(f => f.At));
        Assert.All(found, f => Assert.Equal("LUAS007", f.Id));
        Assert.Contains("partial", found[0].Message);
    }

    [Fact]
    public void LUAS007_a_partial_class_that_cannot_be_generated()
    {
        var found = Diagnose(Samples.Usings + """
            namespace MyApp;

            [ScriptCommands]
            public partial class WithConstructor
            {
                public WithConstructor() { }
                public partial Task<long> Run();
            }

            [ScriptCommands]
            public static partial class Static
            {
            }

            [ScriptCommands]
            public partial class BadMembers
            {
                public static partial Task<long> StaticOne();
                public partial Task<T> Generic<T>();
                public partial Task<object> Unsupported();
            }
            """);

        Assert.Equal(new[] { ("LUAS007", "WithConstructor"), ("LUAS007", "Static"), ("LUAS007", "StaticOne"), ("LUAS007", "Generic"),
            ("LUAS001", "Task<object>") }, found.Select(f => (f.Id, f.At)));
        Assert.Contains("constructors", found[0].Message);
    }

    [Fact]
    public void A_fitting_interface_with_matching_files_has_no_diagnostic()
    {
        var files = new[] { new LuaFile("/p/publish_to_group-1.lua", "return 1"), new LuaFile("/p/channel_poll.lua", "--! keys: 1\nreturn 1") };
        var run = GeneratorHarness.Run(Samples.ChannelScripts.Replace("Task<RedisValue[]> MultiGet(int keyCount, params RedisKey[] keys);", "")
            .Replace("Task<string?> GetHTTPStatusAsync();", ""), files);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
    }
}
