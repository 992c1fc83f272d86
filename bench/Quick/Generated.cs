using LuaScripts;
using StackExchange.Redis;

namespace LuaScripts.Bench.Quick;

/// <summary>
/// The workload as a [ScriptCommands] interface: the generated call against RunScriptAsync by name (issue 17:
/// at least 0.98× its throughput, the same bytes per call). The parameters are those of
/// <see cref="Fixture.LuaFlat"/> (a string key, an int), so both send the same flat arguments.
/// </summary>
[ScriptCommands]
public partial interface IBenchScripts
{
    /// <summary>The workload: INCRBY then GET, one key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="by">The increment.</param>
    /// <returns>The reply.</returns>
    [ScriptCommand(Fixture.Incr, Keys = 1)]
    Task<RedisResult> Incr(string key, int by);
}
