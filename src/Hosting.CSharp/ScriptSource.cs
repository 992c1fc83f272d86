using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace LuaScripts.Hosting;

/// <summary>Where a registered client's script files come from: a directory (maybe watched) or an assembly.</summary>
internal abstract record ScriptSource
{
    private ScriptSource()
    {
    }

    /// <summary>A directory; relative to the host's content root when not rooted.</summary>
    internal sealed record Directory(string Path, bool Watch) : ScriptSource;

    /// <summary>An assembly's embedded resources under a prefix.</summary>
    internal sealed record Embedded(Assembly Assembly, string Prefix) : ScriptSource;
}

/// <summary>
/// The directory watches of one registered client, owned by the service provider: disposed (so the
/// watching stops) when the host is disposed.
/// </summary>
internal sealed class ScriptWatches : IDisposable
{
    private readonly List<IDisposable> watches = new();
    private bool disposed;

    internal void Add(IDisposable watch)
    {
        lock (watches)
        {
            if (disposed)
            {
                watch.Dispose();
                return;
            }
            watches.Add(watch);
        }
    }

    public void Dispose()
    {
        lock (watches)
        {
            disposed = true;
            foreach (var watch in watches) watch.Dispose();
            watches.Clear();
        }
    }

    /// <summary>A directory path as the host reads it: rooted as given, else under the content root.</summary>
    internal static string Resolve(string path, string? contentRoot) =>
        System.IO.Path.IsPathRooted(path) || contentRoot is null ? path : System.IO.Path.Combine(contentRoot, path);
}
