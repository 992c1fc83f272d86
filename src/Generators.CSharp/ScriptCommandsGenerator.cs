using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LuaScripts.Generators;

/// <summary>
/// Implements each <c>[ScriptCommands] partial interface</c> at compile time: a class per target (a client,
/// a pipeline) and the interface's static <c>Create</c> factories, with the mapping rules of
/// <c>Bind&lt;T&gt;()</c>; reports LUAS001-LUAS007.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ScriptCommandsGenerator : IIncrementalGenerator
{
    private const string AttributeName = "LuaScripts.ScriptCommandsAttribute";

    /// <summary>Sets up the pipeline: the marked interfaces, and the .lua files among the AdditionalFiles.</summary>
    /// <param name="context">The generator's context.</param>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var interfaces = context.SyntaxProvider.ForAttributeWithMetadataName(AttributeName,
            static (node, _) => node is TypeDeclarationSyntax,
            static (ctx, cancellation) => Reader.Read(ctx, cancellation));
        var files = context.AdditionalTextsProvider
            .Select(static (file, cancellation) => LuaFiles.Read(file.Path, file.Path.EndsWith(".lua", System.StringComparison.OrdinalIgnoreCase)
                ? file.GetText(cancellation)
                : null))
            .Where(static f => f is not null)
            .Select(static (f, _) => f!)
            .Collect();
        context.RegisterSourceOutput(interfaces.Combine(files), static (spc, pair) => Generate(spc, pair.Left, pair.Right));
    }

    private static void Generate(SourceProductionContext context, InterfaceModel model, ImmutableArray<LuaCommand> files)
    {
        foreach (var diagnostic in model.Diagnostics) context.ReportDiagnostic(diagnostic.ToDiagnostic());
        var checks = Checks.Run(model, files.OrderBy(f => f.File, System.StringComparer.Ordinal).ToList()).ToList();
        foreach (var diagnostic in checks) context.ReportDiagnostic(diagnostic.ToDiagnostic());
        if (!model.CanEmit) return;
        context.AddSource(model.HintName + ".ScriptCommands.g.cs", SourceText.From(Emitter.Emit(model), System.Text.Encoding.UTF8));
    }
}
