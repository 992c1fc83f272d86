namespace LuaScripts.Tests;

/// <summary>Script bodies several test classes use.</summary>
internal static class Lua
{
    /// <summary>Adds ARGV[1] to the counter at KEYS[1] and returns its new value as a string.</summary>
    public const string IncrBy = "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])";

    /// <summary>The plan's fan-out: pushes ARGV[1] to a queue per member of the set at KEYS[1]; returns the member count.</summary>
    public const string PublishToGroup = """
        local members = redis.call('SMEMBERS', KEYS[1])
        for _, channel in ipairs(members) do
            redis.call('RPUSH', KEYS[1] .. ':queue:' .. channel, ARGV[1])
        end
        return #members
        """;
}
