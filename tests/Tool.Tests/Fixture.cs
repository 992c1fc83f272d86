using System.Reflection;
using LuaScripts.TestServers;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LuaScripts.Tool.Tests;

/// <summary>One redis-server for the assembly (or the one REDIS_URL names).</summary>
public sealed class RedisFixture : SharedRedis
{
}

[CollectionDefinition(Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out\n{Output}--- err\n{Error}";
}

/// <summary>Directories of scripts written for a test, deleted with it; and runs of the tool's entry point.</summary>
public abstract class ToolTestBase : IDisposable
{
    private readonly List<string> directories = new();

    protected ToolTestBase(RedisFixture redis) => Redis = redis;

    protected RedisFixture Redis { get; }

    /// <summary>The fixture's server as a redis:// address.</summary>
    protected string Url => "redis://" + Redis.Configuration;

    /// <summary>The backend of this run of the suite (LUASCRIPTS_TEST_BACKEND), as the tool's --backend names it.</summary>
    protected static string RunBackend => TestBackend.IsFunctions ? "functions" : "scripts";

    protected string Dir(params (string Path, string Text)[] files)
    {
        var dir = Path.Combine(Path.GetTempPath(), "luascripts-tool-" + Guid.NewGuid().ToString("N"));
        directories.Add(dir);
        Directory.CreateDirectory(dir);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return dir;
    }

    protected static async Task<ToolRun> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Check.RunAsync(args, output, error);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The tool's own build output, or the copy beside the tests.</summary>
    protected static string ToolDll
    {
        get
        {
            var built = typeof(ToolTestBase).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "ToolDll").Value!;
            return File.Exists(built) ? built : Path.Combine(AppContext.BaseDirectory, "luascripts.dll");
        }
    }

    public void Dispose()
    {
        foreach (var dir in directories)
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        GC.SuppressFinalize(this);
    }
}
