using System.Collections.Concurrent;
using System.Diagnostics;
using LuaScripts.TestServers;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// <see cref="ScriptClient.WatchCommandsDirectory"/> on a real server (the run's backend): an edit runs on
/// the next call, a broken edit keeps the old body and is logged, a new file defines a command, a disposed
/// watch changes nothing. Waits poll with a timeout.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class WatchTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly ConnectionMultiplexer mux;
    private readonly Recorder log = new();
    private readonly ScriptClient client;
    private readonly string dir = Path.Combine(Path.GetTempPath(), "luascripts-watch-" + Guid.NewGuid().ToString("N"));

    public WatchTests(RedisFixture redis)
    {
        mux = redis.Connect();
        client = new ScriptClient(mux, new ScriptClientOptions { Backend = TestClients.Backend, LoggerFactory = log });
        Directory.CreateDirectory(dir);
    }

    public void Dispose()
    {
        mux.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private async Task<string?> Run(string name)
    {
        try
        {
            return (string?)await client.RunScriptAsync(name);
        }
        catch (UnknownScriptException)
        {
            return null;
        }
    }

    private static async Task Until(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Timeout) Assert.Fail($"timed out after {Timeout} waiting for: {what}");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task An_edit_runs_on_the_next_call_and_a_broken_edit_keeps_the_old_body()
    {
        Write("greet-0.lua", "--- @include \"h/word\"\nreturn word('one')");
        Write("h/word.lua", "local function word(w) return w end");
        using var watch = client.WatchCommandsDirectory(dir);
        Assert.Equal("one", await Run("greet"));

        Write("greet-0.lua", "--- @include \"h/word\"\nreturn word('two')");
        await Until("the new body", async () => await Run("greet") == "two");
        // The new definitions are visible a moment before the reload is logged: wait for the entry too.
        await Until("the reload logged", () => Task.FromResult(log.Entries.Any(e => e.Id == 1009 && e.Message.Contains("greet", StringComparison.Ordinal))));

        Write("greet-0.lua", "--- @include \"h/gone\"\nreturn word('three')");
        await Until("the failure logged", () => Task.FromResult(log.Entries.Any(e => e.Id == 1010)));
        Assert.Equal("two", await Run("greet"));
        var failed = log.Entries.First(e => e.Id == 1010);
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("greet-0.lua", failed.Message, StringComparison.Ordinal);

        Write("added-0.lua", "return 'new'");
        Write("greet-0.lua", "return 'fixed'");
        await Until("the new command", async () => await Run("added") == "new");
        Assert.Equal("fixed", await Run("greet"));
    }

    [Fact]
    public async Task A_disposed_watch_changes_nothing()
    {
        Write("d-0.lua", "return 'before'");
        client.WatchCommandsDirectory(dir).Dispose();
        // A second client's watch proves the write's events came and settled.
        var witness = new ScriptClient(mux, TestClients.Options());
        using var second = witness.WatchCommandsDirectory(dir);
        Write("d-0.lua", "return 'after'");
        await Until("the witness reloaded", async () => (string?)await witness.RunScriptAsync("d") == "after");
        Assert.Equal("before", await Run("d"));
    }

    [Fact]
    public void A_directory_that_does_not_define_is_refused_and_nothing_is_watched()
    {
        Write("bad-1.lua", "--! keys: 2\nreturn 1");
        Write("ok-0.lua", "return 1");
        var e = Assert.Throws<InvalidScriptDefinitionException>(() => client.WatchCommandsDirectory(dir));
        Assert.Contains("bad-1.lua", e.Message, StringComparison.Ordinal);
        Assert.Empty(client.ListScripts());
        Assert.Throws<InvalidScriptDefinitionException>(() => client.WatchCommandsDirectory(Path.Combine(dir, "nope")));
    }

    /// <summary>Keeps every log entry: id, level, message.</summary>
    private sealed class Recorder : ILoggerFactory, ILogger
    {
        private readonly ConcurrentQueue<(int Id, LogLevel Level, string Message)> entries = new();

        public IReadOnlyList<(int Id, LogLevel Level, string Message)> Entries => entries.ToArray();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        // Explicit, with a non-null scope: the ILogger.BeginScope signature differs in nullability between the
        // Logging.Abstractions floor the StackExchange.Redis floor brings and the newest, and this compiles against both.
        IDisposable ILogger.BeginScope<TState>(TState state) => NoScope.Instance;

        private sealed class NoScope : IDisposable
        {
            public static readonly NoScope Instance = new();

            public void Dispose() { }
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
