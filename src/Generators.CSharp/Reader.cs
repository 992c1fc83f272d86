using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LuaScripts.Generators;

/// <summary>Reads a [ScriptCommands] interface into the model the emitter writes: the rules of <c>Bind&lt;T&gt;()</c>.</summary>
internal static class Reader
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    internal static InterfaceModel Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        var methods = new List<MethodModel>();
        var location = syntax.Identifier.GetLocation();
        void Cannot(Location? where, string what, string why) =>
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.CannotGenerate, where ?? location, what, why));

        if (type.TypeKind != TypeKind.Interface) Cannot(location, type.Name, "[ScriptCommands] applies to interfaces");
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword)) Cannot(location, type.Name, "the interface must be declared partial");
        if (type.IsGenericType) Cannot(location, type.Name, "a generic interface cannot be generated");
        if (type.ContainingType is not null) Cannot(location, type.Name, "the interface must be declared in a namespace, not inside a type");

        foreach (var declaring in new[] { type }.Concat(type.AllInterfaces))
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var member in declaring.GetMembers())
            {
                if (member is INamedTypeSymbol) continue;
                var display = $"{declaring.Name}.{member.Name}";
                var where = member.Locations.FirstOrDefault(l => l.IsInSource) ?? location;
                if (member is not IMethodSymbol method)
                {
                    if (!member.IsStatic) Cannot(where, display, "a property or event cannot run a command; declare a method");
                    else if (member.IsAbstract) Cannot(where, display, "a static abstract member cannot be generated");
                    continue;
                }
                if (method.IsStatic)
                {
                    if (method.IsAbstract) Cannot(where, display, "a static abstract member cannot be generated");
                    continue;
                }
                if (method.MethodKind != MethodKind.Ordinary) continue;
                if (!method.IsAbstract)
                {
                    Cannot(where, display, "a method with a body (a default implementation) is not a command; remove the body");
                    continue;
                }
                if (method.IsGenericMethod)
                {
                    Cannot(where, display, "a generic method cannot be generated");
                    continue;
                }
                var read = ReadMethod(declaring, method, display, where, diagnostics);
                if (read is not null) methods.Add(read);
            }
        }
        var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        return new InterfaceModel(ns, type.Name, type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            (ns is null ? "" : ns + ".") + type.Name, HidesCreate(type), new EquatableArray<MethodModel>(methods), new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static MethodModel? ReadMethod(INamedTypeSymbol declaring, IMethodSymbol method, string display, Location where,
        List<DiagnosticInfo> diagnostics)
    {
        var attribute = method.GetAttributes().FirstOrDefault(a =>
            a.AttributeClass?.ToDisplayString() == "LuaScripts.ScriptCommandAttribute");
        string? named = null;
        int? keys = null;
        if (attribute is not null)
        {
            named = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            if (string.IsNullOrWhiteSpace(named))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.CannotGenerate, where, display, "[ScriptCommand] needs a command name"));
                return null;
            }
            foreach (var pair in attribute.NamedArguments)
            {
                if (pair.Key == "Keys" && pair.Value.Value is int n && n >= 0) keys = n;
            }
        }
        var command = named ?? CommandNames.FromMethod(method.Name);
        var ok = true;

        ReturnKind kind = ReturnKind.Plain;
        ReplyShape? result = null;
        if (!Types.IsTask(method.ReturnType, out var resultType))
        {
            ok = false;
        }
        else if (resultType is not null)
        {
            result = ReplyShapes.Read(resultType);
            if (result is null) ok = false;
            else if (Types.NameOf(resultType) == "RedisResult") kind = ReturnKind.Raw;
            else kind = result.Kind == ShapeKind.Leaf ? ReturnKind.Leaf : ReturnKind.Composite;
        }
        if (!ok)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedReturn, ReturnLocation(method) ?? where, display,
                method.ReturnType.ToDisplayString(), Types.SupportedReturns));
        }

        var parameters = new List<ParameterModel>();
        var leadingKeys = 0;
        var leading = true;
        foreach (var parameter in method.Parameters)
        {
            var ploc = parameter.Locations.FirstOrDefault(l => l.IsInSource) ?? where;
            var typeName = parameter.Type.ToDisplayString(TypeFormat);
            var name = SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedParameter, ploc, display, parameter.Name,
                    $"{parameter.RefKind.ToString().ToLowerInvariant()} {parameter.Type.ToDisplayString()}", "a parameter passed by value"));
                ok = false;
                continue;
            }
            if (Types.IsCancellationToken(parameter.Type))
            {
                parameters.Add(new ParameterModel(name, typeName, ParameterKind.Cancellation, ""));
                continue;
            }
            var canonical = Types.NameOf(parameter.Type);
            if (Types.IsArgument(canonical))
            {
                parameters.Add(new ParameterModel(name, typeName, ParameterKind.Single, Types.ConversionOf(canonical!)));
                if (leading && canonical is "RedisKey" or "RedisKey?") leadingKeys++;
                else leading = false;
            }
            else if (parameter.Type is IArrayTypeSymbol { Rank: 1 } array && Types.IsArgument(Types.NameOf(array.ElementType)))
            {
                parameters.Add(new ParameterModel(name, typeName, ParameterKind.Expanded, Types.ConversionOf(Types.NameOf(array.ElementType)!)));
                leading = false;
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedParameter, ploc, display, parameter.Name,
                    parameter.Type.ToDisplayString(), Types.SupportedArguments));
                ok = false;
            }
        }
        if (!ok) return null;
        return new MethodModel(declaring.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), display, method.Name, command, kind,
            method.ReturnType.ToDisplayString(TypeFormat), result, new EquatableArray<ParameterModel>(parameters), leadingKeys, keys,
            LocationInfo.From(where));
    }

    /// <summary>Whether a base interface has a Create of its own (written by hand, or by this generator: [ScriptCommands]).</summary>
    private static bool HidesCreate(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(i => i.GetMembers("Create").Any(m => m.IsStatic)
            || i.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "LuaScripts.ScriptCommandsAttribute"));

    private static Location? ReturnLocation(IMethodSymbol method) =>
        method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is MethodDeclarationSyntax m ? m.ReturnType.GetLocation() : null;
}
