using StackExchange.Redis;

namespace LuaScripts.TestServers;

/// <summary>
/// Creates the <see cref="ScriptClient"/>s of a test project with the backend
/// <see cref="TestBackend"/> names (<c>LUASCRIPTS_TEST_BACKEND</c>). A test that means a particular
/// backend passes it explicitly instead. Compiled into every C# test project that creates clients.
/// </summary>
internal static class TestClients
{
    /// <summary>The backend of the run, as the facade spells it.</summary>
    public static ScriptBackend Backend { get; } = Enum.Parse<ScriptBackend>(TestBackend.Name);

    /// <summary>Options with the run's backend and, when given, a database number.</summary>
    public static ScriptClientOptions Options(int database = -1) => new() { Database = database, Backend = Backend };

    /// <summary>A client over <paramref name="mux"/> with the run's backend.</summary>
    public static ScriptClient Create(IConnectionMultiplexer mux, int database = -1) => new(mux, Options(database));
}
