using System;
using System.Text;

namespace LuaScripts.Generators;

/// <summary>
/// The command name a method runs when it has no <c>[ScriptCommand]</c>, at compile time. The rule is the
/// core's <c>LuaScripts.Core.Naming.commandOfMethod</c> (what <c>Bind&lt;T&gt;()</c> uses); a generator
/// loaded by the compiler cannot load the F# core, so this is its C# form, and tests/Generators.Tests
/// checks the two give the same name for every method name it tries (a fixed list and random names).
/// </summary>
internal static class CommandNames
{
    /// <summary>
    /// The method's name without an <c>Async</c> suffix, in snake_case: <c>PublishToGroupAsync</c> →
    /// <c>publish_to_group</c>, <c>GetHTTPStatus</c> → <c>get_http_status</c>.
    /// </summary>
    internal static string FromMethod(string methodName)
    {
        var name = methodName.Length > 5 && methodName.EndsWith("Async", StringComparison.Ordinal)
            ? methodName.Substring(0, methodName.Length - 5)
            : methodName;
        return ToSnakeCase(name);
    }

    /// <summary>A name in snake_case (<c>GetHTTPStatus</c> → <c>get_http_status</c>); an underscore is kept.</summary>
    internal static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_'
                    && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                        || (char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]))))
                    result.Append('_');
                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }
}
