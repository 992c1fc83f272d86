using System.Threading.Tasks;
using LuaScripts;

namespace LuaScripts.AotSample;

/// <summary>
/// The one place where the typed bindings of the LuaScripts source generator are checked under Native
/// AOT (generated code, no reflection, no DispatchProxy): an interface over <see cref="Definitions"/>
/// and its calls, direct and pipelined, go here once the generator ships. Until then it checks nothing.
/// </summary>
internal static class GeneratedBindings
{
    /// <summary>Runs the generated-binding checks on a client whose commands are defined.</summary>
    public static Task RunAsync(ScriptClient client, Checks checks)
    {
        _ = client;
        _ = checks;
        System.Console.WriteLine("      (generated bindings: not wired in yet)");
        return Task.CompletedTask;
    }
}
