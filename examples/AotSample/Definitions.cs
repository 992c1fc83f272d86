using LuaScripts;

namespace LuaScripts.AotSample;

/// <summary>The commands the sample defines (one copy, shared by the checks and the start-up run).</summary>
internal static class Definitions
{
    /// <summary>INCRBY of KEYS[1] by ARGV[1]; one key.</summary>
    public static readonly CommandDefinition IncrBy = new("return redis.call('INCRBY', KEYS[1], ARGV[1])") { Keys = 1 };

    /// <summary>A string reply built from ARGV[1]; no keys, read-only.</summary>
    public static readonly CommandDefinition Hello = new("return 'hello ' .. ARGV[1]") { Keys = 0, ReadOnly = true };

    /// <summary>The sum of the numbers stored at every key; a dynamic key count.</summary>
    public static readonly CommandDefinition MgetSum =
        new("local s = 0 for _, k in ipairs(KEYS) do s = s + tonumber(redis.call('GET', k) or '0') end return s");

    /// <summary>An array reply: KEYS[1]'s list after pushing ARGV; one key.</summary>
    public static readonly CommandDefinition PushAll =
        new("redis.call('RPUSH', KEYS[1], unpack(ARGV)) return redis.call('LRANGE', KEYS[1], 0, -1)") { Keys = 1 };

    /// <summary>A script that always fails with a Lua error.</summary>
    public static readonly CommandDefinition Fail = new("return redis.error_reply('boom from lua')") { Keys = 0 };

    /// <summary>Counts a visit of ARGV[1] in the hash KEYS[1]; a flat field/value reply (name, visits).</summary>
    public static readonly CommandDefinition Visit =
        new("local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1) return {'name', ARGV[1], 'visits', n}") { Keys = 1 };

    /// <summary>Defines every command on a client.</summary>
    public static void DefineAll(ScriptClient client)
    {
        client.DefineCommand("incr_by", IncrBy);
        client.DefineCommand("hello", Hello);
        client.DefineCommand("mget_sum", MgetSum);
        client.DefineCommand("push_all", PushAll);
        client.DefineCommand("fail", Fail);
        client.DefineCommand("visit", Visit);
    }
}
