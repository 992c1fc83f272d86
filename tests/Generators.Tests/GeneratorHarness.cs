using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LuaScripts.Generators.Tests;

/// <summary>A .lua file given to the generator as an AdditionalFiles item.</summary>
internal sealed class LuaFile(string path, string text) : AdditionalText
{
    public override string Path => path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}

/// <summary>What one run of the generator over a snippet gave.</summary>
internal sealed record GeneratorRun(
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    IReadOnlyDictionary<string, string> Sources,
    ImmutableArray<Diagnostic> CompileErrors);

/// <summary>Compiles a snippet against the facade with the generator, as a user's project would.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    /// <summary>A compilation of the trees against the test's references (the facade, StackExchange.Redis, the BCL).</summary>
    internal static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create("Snippet", trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    internal static GeneratorRun Run(string source, params LuaFile[] files)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Snippet.cs");
        var trees = new List<SyntaxTree> { tree };
        var compilation = Compile(trees);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new ScriptCommandsGenerator().AsSourceGenerator() }, files, (CSharpParseOptions)tree.Options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        var sources = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        // Every error, and any warning in the emitted code (users build with warnings as errors).
        var generated = output.SyntaxTrees.Where(t => !trees.Contains(t)).ToHashSet();
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && generated.Contains(t)))
            .ToImmutableArray();
        return new GeneratorRun(diagnostics, sources, errors);
    }
}
