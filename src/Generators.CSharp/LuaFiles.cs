using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace LuaScripts.Generators;

/// <summary>
/// The command a .lua file defines, read as docs/scripts-as-files.md says: <c>name-N.lua</c> is <c>name</c>
/// with N keys, <c>name.lua</c> is <c>name</c> with the count of a <c>--! keys: N</c> header, or a dynamic one.
/// </summary>
internal static class LuaFiles
{
    private static readonly Regex Suffix = new(@"^(.+)-([0-9]+)$", RegexOptions.CultureInvariant);
    private static readonly Regex KeysHeader = new(@"^\s*--!\s*keys\s*:\s*([0-9]+)\s*$", RegexOptions.CultureInvariant);

    internal static LuaCommand? Read(string path, SourceText? text)
    {
        if (!path.EndsWith(".lua", StringComparison.OrdinalIgnoreCase)) return null;
        var file = Path.GetFileName(path);
        var stem = file.Substring(0, file.Length - 4);
        if (stem.Trim().Length == 0) return null;
        var m = Suffix.Match(stem);
        if (m.Success && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return new LuaCommand(m.Groups[1].Value, n, file);
        if (text is not null)
        {
            foreach (var line in text.Lines)
            {
                var header = KeysHeader.Match(line.ToString());
                if (header.Success && int.TryParse(header.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var k))
                    return new LuaCommand(stem, k, file);
            }
        }
        return new LuaCommand(stem, null, file);
    }
}
