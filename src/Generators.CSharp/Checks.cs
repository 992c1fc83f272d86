using System.Collections.Generic;
using System.Linq;

namespace LuaScripts.Generators;

/// <summary>The checks across methods, and against the project's .lua files when it has any as AdditionalFiles.</summary>
internal static class Checks
{
    internal static IEnumerable<DiagnosticInfo> Run(InterfaceModel model, IReadOnlyList<LuaCommand> files)
    {
        var byName = new Dictionary<string, LuaCommand>(System.StringComparer.Ordinal);
        foreach (var file in files) byName[file.Name] = file;
        var firstByCommand = new Dictionary<string, MethodModel>(System.StringComparer.Ordinal);
        foreach (var m in model.Methods)
        {
            var location = m.Location;
            if (m.DeclaredKeys is int declared && !m.Unbounded && m.MinArguments < declared)
                yield return DiagnosticInfo.Create(Diagnostics.TooFewKeys, location, m.Display, Count(m.MinArguments), m.Command,
                    Count(declared), "[ScriptCommand(Keys = ...)]");

            if (firstByCommand.TryGetValue(m.Command, out var first))
            {
                if (Shape(first) != Shape(m))
                    yield return DiagnosticInfo.Create(Diagnostics.ShapeConflict, location, first.Display, m.Display, m.Command,
                        Count(Shape(first)), Count(Shape(m)));
            }
            else
            {
                firstByCommand[m.Command] = m;
            }

            if (files.Count == 0) continue;
            if (!byName.TryGetValue(m.Command, out var lua))
            {
                yield return DiagnosticInfo.Create(Diagnostics.UnknownCommand, location, m.Display, m.Command);
                continue;
            }
            if (lua.Keys is not int keys)
            {
                if (m.DeclaredKeys is int d)
                    yield return DiagnosticInfo.Create(Diagnostics.KeyCountMismatch, location, m.Display, m.Command, Count(d),
                        lua.File, "a dynamic key count (no -N suffix, no --! keys header)");
                continue;
            }
            if (!m.Unbounded && m.MinArguments < keys && m.DeclaredKeys is null)
                yield return DiagnosticInfo.Create(Diagnostics.TooFewKeys, location, m.Display, Count(m.MinArguments), m.Command,
                    Count(keys), lua.File);
            else if (m.DeclaredKeys is int d && d != keys)
                yield return DiagnosticInfo.Create(Diagnostics.KeyCountMismatch, location, m.Display, m.Command, Count(d), lua.File, Count(keys));
            else if (m.DeclaredKeys is null && m.LeadingKeys > 0 && m.LeadingKeys != keys)
                yield return DiagnosticInfo.Create(Diagnostics.KeyCountMismatch, location, m.Display, m.Command,
                    Count(m.LeadingKeys) + " leading RedisKey", lua.File, Count(keys));
        }
    }

    /// <summary>How many keys a method says it passes: its declared Keys, else its leading RedisKey parameters.</summary>
    private static int Shape(MethodModel m) => m.DeclaredKeys ?? m.LeadingKeys;

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
