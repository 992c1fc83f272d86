using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using LuaScripts.Core;

namespace LuaScripts;

public sealed partial class ScriptClient
{
    /// <summary>
    /// Defines one command per <c>.lua</c> file at the root of a directory (files in its folders are
    /// only included): <c>name-N.lua</c> defines <c>name</c> with N keys, <c>name.lua</c> takes its key
    /// count from a <c>--! keys: N</c> header or else a dynamic one; <c>--! readonly</c>,
    /// <c>--! description: …</c>, <c>--! install</c> and a <c>#!lua flags=no-writes</c> first line set the
    /// rest, and <c>--- @include "relative/name"</c> lines bring in other files. All or nothing: every
    /// command is defined (replacing one of the same name) or none is. Nothing is sent. The rules are in
    /// docs/scripts-as-files.md.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <returns>The handles of the defined commands, in ordinal order of their file names.</returns>
    /// <exception cref="InvalidScriptDefinitionException">
    /// The directory cannot be read, or some file is wrong (a conflict, a bad header, a missing or cyclic
    /// include...): the message names every file at fault and nothing was defined.
    /// </exception>
    public IReadOnlyList<ScriptHandle> DefineCommandsFromDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Handles(ScriptSources.DefineFromDirectory(path, core));
    }

    /// <summary>
    /// Defines the commands of an assembly's embedded <c>.lua</c> resources whose names start with
    /// <paramref name="prefix"/>, with the rules of <see cref="DefineCommandsFromDirectory(string)"/>: the
    /// resource name after the prefix is the file's path. A name holding <c>/</c> (as the
    /// <c>LuaScript</c> MSBuild item gives) is a path as it is; a dotted default name reads every dot
    /// but the one before <c>lua</c> as a folder (<c>helpers.fanout.lua</c> is <c>helpers/fanout.lua</c>).
    /// All or nothing; nothing is sent.
    /// </summary>
    /// <param name="assembly">The assembly holding the scripts.</param>
    /// <param name="prefix">The start of the resource names to read (such as <c>MyApp.Scripts.</c>); empty for all.</param>
    /// <returns>The handles of the defined commands, in ordinal order of their file names.</returns>
    /// <exception cref="InvalidScriptDefinitionException">Some file is wrong: the message names every file at fault and nothing was defined.</exception>
    public IReadOnlyList<ScriptHandle> DefineCommandsFromAssembly(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        return Handles(ScriptSources.DefineFromAssembly(assembly, prefix, core));
    }

    /// <summary>
    /// Watch mode, for development: defines the commands of a directory as
    /// <see cref="DefineCommandsFromDirectory(string)"/> does, then watches it (folders included). When its
    /// files change, once they stay quiet for a quarter of a second (editors write several times per save),
    /// the whole directory is read and defined again, all or nothing: commands whose file changed are
    /// redefined, so their next call sends the new body (on either backend; the Functions backend loads its
    /// new library), commands whose file is gone are removed, and the client's logger writes
    /// <c>CommandsReloaded</c> (event 1009) naming them. Files that no longer define (a bad header, a
    /// missing include...) keep every previous definition, and <c>CommandsReloadFailed</c> (event 1010,
    /// Warning) names every problem with its file. Dispose the result to stop watching; the commands stay
    /// defined. The rules are in docs/scripts-as-files.md.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <returns>The watch: dispose it to stop.</returns>
    /// <exception cref="InvalidScriptDefinitionException">
    /// The directory cannot be read or watched, or its files do not define now: nothing was defined and
    /// nothing is watched.
    /// </exception>
    public IDisposable WatchCommandsDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var result = ScriptWatch.WatchDirectory(ScriptWatch.DefaultDebounce, null, path, core);
        if (result.IsError) throw ExceptionFactory.Files(result.ErrorValue);
        return result.ResultValue;
    }

    private List<ScriptHandle> Handles(Microsoft.FSharp.Core.FSharpResult<Microsoft.FSharp.Collections.FSharpList<Script>, Microsoft.FSharp.Collections.FSharpList<ScriptFileError>> result)
    {
        if (result.IsError) throw ExceptionFactory.Files(result.ErrorValue);
        return result.ResultValue.Select(s => new ScriptHandle(this, s)).ToList();
    }
}
