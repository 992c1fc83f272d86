using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LuaScripts.Generators.Tests;

/// <summary>
/// The emitted source of representative interfaces, compared with the checked-in Snapshots/*.verified.cs.
/// LUASCRIPTS_UPDATE_SURFACE=1 rewrites them (then review the diff).
/// </summary>
public sealed class SnapshotTests
{
    public static TheoryData<string> Names() => new(Samples.All.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_emitted_source_matches_its_snapshot_and_compiles(string name)
    {
        var run = GeneratorHarness.Run(Samples.All[name]);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        var source = Assert.Single(run.Sources).Value;
        var path = Path.Combine(Folder(), "Snapshots", name + ".verified.cs");
        if (Environment.GetEnvironmentVariable("LUASCRIPTS_UPDATE_SURFACE") == "1")
            File.WriteAllText(path, source);
        Assert.True(File.Exists(path), $"No snapshot {path}: run with LUASCRIPTS_UPDATE_SURFACE=1 to write it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings(), source.ReplaceLineEndings());
    }

    [Fact]
    public void Two_runs_emit_the_same_source()
    {
        var first = GeneratorHarness.Run(Samples.ChannelScripts);
        var second = GeneratorHarness.Run(Samples.ChannelScripts);

        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void An_unrelated_edit_reuses_every_cached_output()
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = GeneratorHarness.Compile(new[] { CSharpSyntaxTree.ParseText(Samples.Composites, options) });
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ScriptCommandsGenerator().AsSourceGenerator() },
            parseOptions: options, driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", options)));

        var outputs = driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    private static string Folder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
