using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using LuaScripts.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using StackExchange.Redis;

namespace LuaScripts.Tool;

/// <summary>
/// <c>luascripts check</c>: defines every command of a directory of <c>.lua</c> files (or of an
/// assembly's embedded resources) with the core's rules, compiles each on a real server, lints them,
/// and prints every problem at its file line. Every decision (expansion, line mapping, lint, wording of
/// a location) is the core's; this only reads arguments, calls the core and prints.
/// </summary>
public static class Check
{
    /// <summary>Exit code: no script error (lint warnings allowed unless <c>--warnings-as-errors</c>).</summary>
    public const int Clean = 0;

    /// <summary>Exit code: a script error (a definition problem, a compile error), or a warning with <c>--warnings-as-errors</c>.</summary>
    public const int ScriptErrors = 1;

    /// <summary>Exit code: a usage error (bad arguments, nothing to read) or a server that cannot be reached or refuses the check.</summary>
    public const int UsageOrServer = 2;

    /// <summary>Runs the tool's command line (<c>check ...</c>, or <c>--help</c>).</summary>
    /// <param name="args">The command line after the tool's name: <c>check</c> and its arguments.</param>
    /// <param name="output">Where problems and the summary go.</param>
    /// <param name="error">Where usage errors and server failures go.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>The exit code: <see cref="Clean"/>, <see cref="ScriptErrors"/> or <see cref="UsageOrServer"/>.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 1 && args[0] is "--help" or "-h" or "help")
        {
            await output.WriteLineAsync(CheckOptions.Usage).ConfigureAwait(false);
            return Clean;
        }
        if (args.Length == 0 || args[0] != "check")
        {
            var what = args.Length == 0 ? "no command given" : $"unknown command '{args[0]}'";
            return await UsageAsync(error, what).ConfigureAwait(false);
        }
        var (options, problem) = CheckOptions.Parse(args.Skip(1).ToList());
        if (options is null) return await UsageAsync(error, problem!).ConfigureAwait(false);
        return await RunAsync(options, output, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a check with options already read.</summary>
    /// <param name="options">What to check and where.</param>
    /// <param name="output">Where problems and the summary go.</param>
    /// <param name="error">Where usage errors and server failures go.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(CheckOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var (files, unreadable) = Read(options);
        if (files is null) return await UsageAsync(error, unreadable!).ConfigureAwait(false);

        var report = new Report(output);
        var scripts = Define(files, report);
        var warnings = scripts.SelectMany(s => ScriptLint.Check(s)).ToList();

        string where;
        if (options.Redis is null)
        {
            where = "without a server: definitions and lint only (give --redis <url> to compile them)";
        }
        else
        {
            var compiled = await CompileAsync(options, scripts, report, error, cancellationToken).ConfigureAwait(false);
            if (compiled is null) return UsageOrServer;
            where = compiled;
        }
        foreach (var warning in warnings)
            await output.WriteLineAsync($"{SourceMapModule.Describe(warning.Location)}: warning: {warning.Command}: {warning.Message}").ConfigureAwait(false);

        var failed = report.Errors > 0 || (options.WarningsAsErrors && warnings.Count > 0);
        var asErrors = options.WarningsAsErrors && warnings.Count > 0 ? " (as errors)" : "";
        await output.WriteLineAsync(
            $"{(failed ? "FAILED" : "OK")}: {scripts.Count} command(s) checked {where}: {report.Errors} error(s), {warnings.Count} warning(s){asErrors}.")
            .ConfigureAwait(false);
        return failed ? ScriptErrors : Clean;
    }

    private static async Task<int> UsageAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"luascripts: {problem}").ConfigureAwait(false);
        await error.WriteLineAsync(CheckOptions.Usage).ConfigureAwait(false);
        return UsageOrServer;
    }

    // The files to check, by path relative to their root; or why they cannot be read.
    private static (IReadOnlyDictionary<string, string>? Files, string? Error) Read(CheckOptions options)
    {
        FSharpResult<IReadOnlyDictionary<string, string>, ScriptFileError> read;
        if (options.Assembly is not null)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.LoadFile(Path.GetFullPath(options.Assembly));
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException or ArgumentException)
            {
                return (null, $"the assembly '{options.Assembly}' cannot be read: {e.Message}");
            }
            read = ScriptSources.ReadAssembly(assembly, options.Prefix);
        }
        else
        {
            read = ScriptSources.ReadDirectory(options.Directory);
        }
        if (read.IsError) return (null, ScriptFileErrorModule.Describe(read.ErrorValue));
        if (!read.ResultValue.Keys.Any(ScriptFiles.IsCommandFile))
            return (null, options.Assembly is null
                ? $"the directory '{options.Directory}' holds no .lua file at its root (each one defines a command)"
                : $"the assembly '{options.Assembly}' holds no .lua resource under the prefix '{options.Prefix}'");
        return (read.ResultValue, null);
    }

    // Every command the files define. When some file is wrong, every problem is reported and the
    // commands of the files that are fine are still checked.
    private static List<Script> Define(IReadOnlyDictionary<string, string> files, Report report)
    {
        var all = ScriptFiles.Define(files);
        if (all.IsOk) return all.ResultValue.ToList();
        foreach (var problem in all.ErrorValue)
            report.Error($"error: {ScriptFileErrorModule.Describe(problem)}");
        return files.Keys.Where(ScriptFiles.IsCommandFile).Order(StringComparer.Ordinal)
            .Select(f => ScriptFiles.DefineOne(files, f))
            .Where(r => r.IsOk)
            .Select(r => r.ResultValue)
            .ToList();
    }

    // Compiles on the server; the words for the summary, or null (reported) when the server cannot be reached or refuses.
    private static async Task<string?> CompileAsync(
        CheckOptions options, List<Script> scripts, Report report, TextWriter error, CancellationToken cancellationToken)
    {
        var endpoints = string.Join(", ", options.Redis!.EndPoints.Select(EndPointCollection.ToString));
        ConnectionMultiplexer mux;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(options.Redis).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            await error.WriteLineAsync($"luascripts: cannot reach the server {endpoints}: {e.Message}").ConfigureAwait(false);
            return null;
        }
        using (mux)
        {
            var server = mux.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica);
            if (server is null)
            {
                await error.WriteLineAsync($"luascripts: no primary server is connected at {endpoints}").ConfigureAwait(false);
                return null;
            }
            try
            {
                var list = ListModule.OfSeq(scripts);
                var failed = new HashSet<string>(StringComparer.Ordinal);
                if (options.Backend is CheckBackend.Scripts or CheckBackend.Both)
                {
                    var compiled = await ScriptSources.CompileOn(server, list).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (compiled.IsError)
                    {
                        await error.WriteLineAsync(
                            $"luascripts: {EndPointCollection.ToString(server.EndPoint)} refused SCRIPT LOAD (the Scripts backend needs the SCRIPT command): {compiled.ErrorValue}")
                            .ConfigureAwait(false);
                        return null;
                    }
                    foreach (var e in compiled.ResultValue)
                    {
                        failed.Add(e.Command);
                        report.Error(Describe(e, scripts, "scripts backend"));
                    }
                }
                if (options.Backend is CheckBackend.Functions or CheckBackend.Both)
                {
                    var rest = ListModule.OfSeq(scripts.Where(s => !failed.Contains(s.Name)));
                    var library = await ScriptSources.CompileLibraryOn(server, rest).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (library.IsError)
                    {
                        await error.WriteLineAsync(
                            $"luascripts: {EndPointCollection.ToString(server.EndPoint)} refused FUNCTION LOAD (the Functions backend needs Redis 7.0+ and the FUNCTION command): {library.ErrorValue}")
                            .ConfigureAwait(false);
                        return null;
                    }
                    foreach (var e in library.ResultValue) report.Error(Describe(e, scripts, "functions backend"));
                }
                var backend = options.Backend.ToString().ToLowerInvariant();
                return $"on {EndPointCollection.ToString(server.EndPoint)} (backend {backend})";
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
            {
                await error.WriteLineAsync($"luascripts: the server {endpoints} failed during the check: {e.Message}").ConfigureAwait(false);
                return null;
            }
        }
    }

    // "helpers/fanout.lua:6 (included from publish_to_group-1.lua:3): error: publish_to_group: compile error: ... [scripts backend]"
    private static string Describe(ErrorSource e, List<Script> scripts, string by)
    {
        string where;
        if (e.Location is { } location)
        {
            where = SourceMapModule.Describe(location.Value);
        }
        else
        {
            var file = scripts.FirstOrDefault(s => s.Name == e.Command)?.Source;
            where = file is null ? e.Command : $"{file.Value.File}:{e.BodyLine}";
        }
        return $"{where}: error: {e.Command}: {e.Detail} [{by}]";
    }

    // Problems printed as they are found, and how many errors there were.
    private sealed class Report(TextWriter output)
    {
        public int Errors { get; private set; }

        public void Error(string line)
        {
            Errors++;
            output.WriteLine(line);
        }
    }
}
