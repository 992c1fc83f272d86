using System;
using System.Collections.Generic;
using StackExchange.Redis;

namespace LuaScripts.Tool;

/// <summary>Which backend's compilation <c>luascripts check</c> runs on the server.</summary>
public enum CheckBackend
{
    /// <summary>SCRIPT LOAD of every command's body (the Scripts backend, the library's default).</summary>
    Scripts = 0,

    /// <summary>FUNCTION LOAD of the library the Functions backend would deploy (Redis 7.0+).</summary>
    Functions = 1,

    /// <summary>Both: SCRIPT LOAD, then FUNCTION LOAD of the commands that compiled as scripts.</summary>
    Both = 2,
}

/// <summary>The arguments of <c>luascripts check</c>, read and checked.</summary>
/// <param name="Directory">The directory of <c>.lua</c> files, or <see langword="null"/> with <paramref name="Assembly"/>.</param>
/// <param name="Assembly">The assembly whose embedded <c>.lua</c> resources to check, or <see langword="null"/>.</param>
/// <param name="Prefix">The resource name prefix, with <paramref name="Assembly"/>.</param>
/// <param name="Redis">The server to compile on, or <see langword="null"/> to check definitions and lint only.</param>
/// <param name="Backend">Which backend's compilation to run.</param>
/// <param name="WarningsAsErrors">Whether a lint warning fails the check.</param>
public sealed record CheckOptions(
    string? Directory, string? Assembly, string Prefix, ConfigurationOptions? Redis, CheckBackend Backend, bool WarningsAsErrors)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: luascripts check <dir> [--redis <url>] [--backend scripts|functions|both] [--warnings-as-errors]
               luascripts check --assembly <dll> [--prefix <resource prefix>] [--redis <url>] [...]

          <dir>                 a directory of .lua files: one command per file at its root, files in folders included
          --assembly <dll>      check the .lua resources embedded in an assembly instead (with --prefix, default empty)
          --redis <url>         compile every command on this server (redis://[user:password@]host:port, rediss://...,
                                or a StackExchange.Redis configuration string); without it, definitions and lint only
          --backend <b>         scripts (SCRIPT LOAD, the default), functions (FUNCTION LOAD of the library), or both
          --warnings-as-errors  lint warnings fail the check too

        exit codes: 0 clean (warnings allowed), 1 a script error (a definition problem, a compile error, or a
        warning with --warnings-as-errors), 2 a usage error or an unreachable server
        """;

    /// <summary>Reads the arguments after <c>check</c>; an error message for anything wrong.</summary>
    /// <param name="args">The arguments after the <c>check</c> command.</param>
    /// <returns>The options, or why the arguments are wrong.</returns>
    public static (CheckOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? directory = null, assembly = null, prefix = null, redis = null;
        var backend = CheckBackend.Scripts;
        var warningsAsErrors = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) return null;
                i++;
                return args[i];
            }
            switch (arg)
            {
                case "--redis":
                    if (redis is not null) return Fail("--redis is given twice");
                    redis = Value();
                    if (string.IsNullOrWhiteSpace(redis)) return Fail("--redis needs a server address (redis://host:port)");
                    break;
                case "--backend":
                    switch (Value()?.ToUpperInvariant())
                    {
                        case "SCRIPTS": backend = CheckBackend.Scripts; break;
                        case "FUNCTIONS": backend = CheckBackend.Functions; break;
                        case "BOTH": backend = CheckBackend.Both; break;
                        default: return Fail("--backend must be scripts, functions or both");
                    }
                    break;
                case "--assembly":
                    if (assembly is not null) return Fail("--assembly is given twice");
                    assembly = Value();
                    if (string.IsNullOrWhiteSpace(assembly)) return Fail("--assembly needs the path of a .dll");
                    break;
                case "--prefix":
                    if (prefix is not null) return Fail("--prefix is given twice");
                    prefix = i + 1 < args.Count ? args[++i] : null;
                    if (prefix is null) return Fail("--prefix needs a resource name prefix (\"\" for all)");
                    break;
                case "--warnings-as-errors":
                    warningsAsErrors = true;
                    break;
                default:
                    if (arg.StartsWith('-')) return Fail($"unknown option '{arg}'");
                    if (directory is not null) return Fail($"one directory only ('{directory}', then '{arg}')");
                    directory = arg;
                    break;
            }
        }
        if (directory is null && assembly is null) return Fail("give the directory of .lua files to check (or --assembly <dll>)");
        if (directory is not null && assembly is not null) return Fail("give a directory or --assembly, not both");
        if (prefix is not null && assembly is null) return Fail("--prefix goes with --assembly");
        ConfigurationOptions? options = null;
        if (redis is not null)
        {
            var (parsed, error) = Server(redis);
            if (error is not null) return Fail(error);
            options = parsed;
        }
        return (new CheckOptions(directory, assembly, prefix ?? "", options, backend, warningsAsErrors), null);
    }

    private static (CheckOptions?, string?) Fail(string message) => (null, message);

    /// <summary>
    /// The connection options for a server address: <c>redis://[user:password@]host[:port]</c>
    /// (<c>rediss://</c> for TLS), or a StackExchange.Redis configuration string (<c>host:port,password=...</c>).
    /// The connection fails at once rather than retrying in the background, and admin commands stay off.
    /// </summary>
    /// <param name="address">The address as given.</param>
    /// <returns>The options, or why the address cannot be read.</returns>
    public static (ConfigurationOptions? Options, string? Error) Server(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ConfigurationOptions options;
        if (address.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                return (null, $"'{address}' is not a redis:// address (redis://[user:password@]host:port)");
            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                if (parts.Length == 2)
                {
                    if (parts[0].Length > 0) options.User = Uri.UnescapeDataString(parts[0]);
                    options.Password = Uri.UnescapeDataString(parts[1]);
                }
                else
                {
                    options.Password = Uri.UnescapeDataString(parts[0]);
                }
            }
        }
        else
        {
            try
            {
                options = ConfigurationOptions.Parse(address);
            }
            catch (ArgumentException e)
            {
                return (null, $"'{address}' is not a server address: {e.Message}");
            }
            if (options.EndPoints.Count == 0) return (null, $"'{address}' names no server");
        }
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        return (options, null);
    }
}
