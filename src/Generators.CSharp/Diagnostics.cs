using Microsoft.CodeAnalysis;

namespace LuaScripts.Generators;

/// <summary>The compile-time errors of the [ScriptCommands] generator (documented in docs/generated-bindings.md).</summary>
internal static class Diagnostics
{
    private const string Category = "LuaScripts";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor UnsupportedReturn = Error("LUAS001",
        "Unsupported return type",
        "{0} returns {1}, which a script command cannot return; use {2}");

    internal static readonly DiagnosticDescriptor UnsupportedParameter = Error("LUAS002",
        "Unsupported parameter type",
        "{0}: the parameter '{1}' of type {2} cannot be sent; use {3}");

    internal static readonly DiagnosticDescriptor TooFewKeys = Error("LUAS003",
        "Fewer arguments than the command's keys",
        "{0} passes {1} argument(s), but the command '{2}' takes {3} key(s) ({4})");

    internal static readonly DiagnosticDescriptor ShapeConflict = Error("LUAS004",
        "One command, two shapes",
        "{0} and {1} both run '{2}' but pass {3} and {4} leading key(s); give the keys the same way");

    internal static readonly DiagnosticDescriptor UnknownCommand = Error("LUAS005",
        "No .lua file defines the command",
        "{0} runs '{1}', which none of the project's .lua files defines");

    internal static readonly DiagnosticDescriptor KeyCountMismatch = Error("LUAS006",
        "Key count differs from the .lua file",
        "{0} gives '{1}' {2} key(s), but {3} says {4}");

    internal static readonly DiagnosticDescriptor CannotGenerate = Error("LUAS007",
        "Cannot generate a binding",
        "{0}: {1}");
}
