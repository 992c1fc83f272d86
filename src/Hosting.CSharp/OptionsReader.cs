using System;
using System.Collections.Generic;
using System.Globalization;
using LuaScripts.Core;
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
            else failures.Add(Messages.Hosting.InvalidSetting(Path("Backend"), backend, Messages.Backends));
        }
        if (section["Database"] is { Length: > 0 } database)
        {
            if (int.TryParse(database, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) options.Database = value;
            else failures.Add(Messages.Hosting.InvalidSetting(Path("Database"), database, Messages.Hosting.ExpectedDatabase));
        }
        if (section.GetSection("KeyPrefix").Value is { } prefix) options.KeyPrefix = prefix.Length == 0 ? null : prefix;
        if (section["PreloadOnStart"] is { Length: > 0 } preload)
        {
            if (bool.TryParse(preload, out var value)) options.PreloadOnStart = value;
            else failures.Add(Messages.Hosting.InvalidSetting(Path("PreloadOnStart"), preload, Messages.Hosting.ExpectedBoolean));
        }
        if (section["PreloadFailure"] is { Length: > 0 } failure)
        {
            if (Enum.TryParse<PreloadFailureBehavior>(failure, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(failure[0]))
                options.PreloadFailure = value;
            else failures.Add(Messages.Hosting.InvalidSetting(Path("PreloadFailure"), failure, Messages.Hosting.ExpectedPreloadFailure));
        }
        if (section.GetSection("ScriptsDirectory").Value is { } scripts) options.ScriptsDirectory = scripts.Length == 0 ? null : scripts;
        if (section["WatchScripts"] is { Length: > 0 } watch)
        {
            if (bool.TryParse(watch, out var value)) options.WatchScripts = value;
            else failures.Add(Messages.Hosting.InvalidSetting(Path("WatchScripts"), watch, Messages.Hosting.ExpectedBoolean));
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
            failures.Add(Messages.Hosting.InvalidOption("Backend", client, ((int)options.Backend).ToString(CultureInfo.InvariantCulture), Messages.Backends));
        if (options.Database < -1)
            failures.Add(Messages.Hosting.InvalidOption("Database", client, options.Database.ToString(CultureInfo.InvariantCulture), Messages.Hosting.ExpectedDatabase));
        if (!Enum.IsDefined(options.PreloadFailure))
            failures.Add(Messages.Hosting.InvalidOption("PreloadFailure", client, ((int)options.PreloadFailure).ToString(CultureInfo.InvariantCulture), Messages.Hosting.ExpectedPreloadFailure));
        if (options.WatchScripts && options.ScriptsDirectory is not { Length: > 0 })
            failures.Add(Messages.Hosting.WatchWithoutDirectory(client));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
