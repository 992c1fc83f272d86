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

        var isClass = type.TypeKind == TypeKind.Class;
        var kind = isClass ? "class" : "interface";
        if (type.TypeKind != TypeKind.Interface && !isClass) Cannot(location, type.Name, "[ScriptCommands] applies to interfaces and classes");
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword)) Cannot(location, type.Name, $"the {kind} must be declared partial");
        if (type.IsGenericType) Cannot(location, type.Name, $"a generic {kind} cannot be generated");
        if (type.ContainingType is not null) Cannot(location, type.Name, $"the {kind} must be declared in a namespace, not inside a type");
        if (isClass)
        {
            if (type.IsStatic || type.IsAbstract) Cannot(location, type.Name, "the class must be neither static nor abstract: Create makes instances");
            if (type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared))
                Cannot(location, type.Name, "the class must not declare constructors: the generated Create makes its instances");
            ReadClassMethods(type, location, diagnostics, methods, Cannot);
        }

        foreach (var declaring in isClass ? Enumerable.Empty<INamedTypeSymbol>() : new[] { type }.Concat(type.AllInterfaces))
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
                var read = ReadMethod(declaring, method, display, where, diagnostics, accessibility: null);
                if (read is not null) methods.Add(read);
            }
        }
        var ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        return new InterfaceModel(ns, type.Name, type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            (ns is null ? "" : ns + ".") + type.Name, isClass, !isClass && HidesCreate(type), new EquatableArray<MethodModel>(methods), new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    /// <summary>A partial class's commands: its partial methods that have no implementation (the generator writes it).</summary>
    private static void ReadClassMethods(INamedTypeSymbol type, Location location, List<DiagnosticInfo> diagnostics, List<MethodModel> methods,
        System.Action<Location?, string, string> cannot)
    {
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (!method.IsPartialDefinition || method.PartialImplementationPart is not null) continue;
            var display = $"{type.Name}.{method.Name}";
            var where = method.Locations.FirstOrDefault(l => l.IsInSource) ?? location;
            if (method.IsStatic) cannot(where, display, "a static partial method cannot run a command; make it an instance method");
            else if (method.IsGenericMethod) cannot(where, display, "a generic method cannot be generated");
            else if (method.DeclaredAccessibility == Microsoft.CodeAnalysis.Accessibility.NotApplicable
                || !method.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is MethodDeclarationSyntax m
                    && m.Modifiers.Any(t => t.IsKind(SyntaxKind.PublicKeyword) || t.IsKind(SyntaxKind.InternalKeyword)
                        || t.IsKind(SyntaxKind.PrivateKeyword) || t.IsKind(SyntaxKind.ProtectedKeyword))))
                cannot(where, display, "a command's partial method needs an accessibility (public, internal...) to return a Task");
            else if (ReadMethod(type, method, display, where, diagnostics, AccessibilityOf(method)) is { } read) methods.Add(read);
        }
    }

    private static string AccessibilityOf(IMethodSymbol method) => method.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    private static MethodModel? ReadMethod(INamedTypeSymbol declaring, IMethodSymbol method, string display, Location where,
        List<DiagnosticInfo> diagnostics, string? accessibility)
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
                parameters.Add(new ParameterModel(name, typeName, ParameterKind.Expanded, Types.ConversionOf(Types.NameOf(array.ElementType)!),
                    parameter.IsParams));
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
        return new MethodModel(declaring.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), accessibility, display, method.Name, command, kind,
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
