using System.Collections.Generic;

namespace LuaScripts;

/// <summary>The Redis Function library a client's commands are deployed as (see <see cref="ScriptClient.DescribeFunctionLibrary"/>).</summary>
/// <param name="Name">The library's name: <c>luascripts_</c> and a digest of the included definitions, as FUNCTION LIST shows it.</param>
/// <param name="Code">The exact source FUNCTION LOAD receives.</param>
/// <param name="Functions">Each included command's function name (what FCALL calls), by command name.</param>
/// <param name="Excluded">The commands that run as scripts instead, with the reason, by command name.</param>
public sealed record FunctionLibraryInfo(
    string Name,
    string Code,
    IReadOnlyDictionary<string, string> Functions,
    IReadOnlyDictionary<string, string> Excluded);
