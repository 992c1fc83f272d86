namespace LuaScripts.TestServers;

/// <summary>
/// The backend the test suites create their clients with, from the environment variable
/// <c>LUASCRIPTS_TEST_BACKEND</c>: <c>Scripts</c> (the default when unset or empty) or
/// <c>Functions</c>. Any other value is an error, so that a typo never runs the suites silently on the
/// default backend. Tests that pass a backend explicitly keep theirs.
/// </summary>
/// <remarks>
/// Strings and booleans only: this assembly does not reference the library. Each test project maps
/// <see cref="Name"/> to its own backend type (<c>ScriptBackend</c> or the core's <c>Backend</c>).
/// </remarks>
public static class TestBackend
{
    /// <summary>The environment variable that selects the backend.</summary>
    public const string Variable = "LUASCRIPTS_TEST_BACKEND";

    /// <summary>"Scripts" or "Functions", as the enums of the library spell them.</summary>
    public static string Name { get; } = Read(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Whether the suites run with the Functions backend.</summary>
    public static bool IsFunctions => Name == "Functions";

    /// <summary>What a skipped Scripts-only test says: <c>Scripts backend only: reason</c>.</summary>
    public static string ScriptsOnly(string reason) => "Scripts backend only: " + reason;

    /// <summary>The backend a value of the variable names; unset or empty is Scripts.</summary>
    /// <exception cref="InvalidOperationException">The value is neither Scripts nor Functions.</exception>
    public static string Read(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "Scripts";
        var trimmed = value.Trim();
        if (string.Equals(trimmed, "Scripts", StringComparison.OrdinalIgnoreCase)) return "Scripts";
        if (string.Equals(trimmed, "Functions", StringComparison.OrdinalIgnoreCase)) return "Functions";
        throw new InvalidOperationException(
            $"{Variable}='{value}' is not a backend the test suites know: use Scripts (the default) or Functions.");
    }
}
