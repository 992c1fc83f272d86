using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LuaScripts.Hosting;

/// <summary>
/// Reads <see cref="LuaScriptsOptions"/> from a configuration section by hand (no reflection, so it stays
/// trim-safe), and checks the values: every bad value is reported at once, naming its configuration
/// path, the value found and what is expected.
/// </summary>
internal static class OptionsReader
{
    internal static void Read(IConfiguration section, LuaScriptsOptions options, string optionsName)
    {
        var failures = new List<string>();
        string Path(string key) => section is IConfigurationSection s ? $"{s.Path}:{key}" : key;

        if (section["Backend"] is { Length: > 0 } backend)
        {
            if (Enum.TryParse<ScriptBackend>(backend, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(backend[0]))
                options.Backend = value;
            else failures.Add($"{Path("Backend")} is '{backend}'; expected Scripts, Functions or Auto.");
        }
        if (section["Database"] is { Length: > 0 } database)
        {
            if (int.TryParse(database, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) options.Database = value;
            else failures.Add($"{Path("Database")} is '{database}'; expected a database number (0, 1, ...) or -1 for the multiplexer's default.");
        }
        if (section.GetSection("KeyPrefix").Value is { } prefix) options.KeyPrefix = prefix.Length == 0 ? null : prefix;
        if (section["PreloadOnStart"] is { Length: > 0 } preload)
        {
            if (bool.TryParse(preload, out var value)) options.PreloadOnStart = value;
            else failures.Add($"{Path("PreloadOnStart")} is '{preload}'; expected true or false.");
        }
        if (section["PreloadFailure"] is { Length: > 0 } failure)
        {
            if (Enum.TryParse<PreloadFailureBehavior>(failure, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(failure[0]))
                options.PreloadFailure = value;
            else failures.Add($"{Path("PreloadFailure")} is '{failure}'; expected FailStartup or Log.");
        }
        if (section.GetSection("ScriptsDirectory").Value is { } scripts) options.ScriptsDirectory = scripts.Length == 0 ? null : scripts;
        if (section["WatchScripts"] is { Length: > 0 } watch)
        {
            if (bool.TryParse(watch, out var value)) options.WatchScripts = value;
            else failures.Add($"{Path("WatchScripts")} is '{watch}'; expected true or false.");
        }
        if (failures.Count > 0) throw new OptionsValidationException(optionsName, typeof(LuaScriptsOptions), failures);
    }
}

/// <summary>Checks <see cref="LuaScriptsOptions"/> however they were set (code or configuration).</summary>
internal sealed class LuaScriptsOptionsValidator : IValidateOptions<LuaScriptsOptions>
{
    private readonly string name;

    internal LuaScriptsOptionsValidator(string name) => this.name = name;

    public ValidateOptionsResult Validate(string? name, LuaScriptsOptions options)
    {
        if ((name ?? Options.DefaultName) != this.name) return ValidateOptionsResult.Skip;
        var failures = new List<string>();
        var client = name is { Length: > 0 } ? $" ({name})" : "";
        if (!Enum.IsDefined(options.Backend))
            failures.Add($"LuaScriptsOptions.Backend{client} is {(int)options.Backend}; expected Scripts, Functions or Auto.");
        if (options.Database < -1)
            failures.Add($"LuaScriptsOptions.Database{client} is {options.Database}; expected a database number (0, 1, ...) or -1 for the multiplexer's default.");
        if (!Enum.IsDefined(options.PreloadFailure))
            failures.Add($"LuaScriptsOptions.PreloadFailure{client} is {(int)options.PreloadFailure}; expected FailStartup or Log.");
        if (options.WatchScripts && options.ScriptsDirectory is not { Length: > 0 })
            failures.Add($"LuaScriptsOptions.WatchScripts{client} is true but ScriptsDirectory is not set; set the directory to watch.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
