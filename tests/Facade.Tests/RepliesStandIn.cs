// TEMPORARY: stands in for ScriptReplies (branch `replies`) until it is merged; deleted at that merge.
using StackExchange.Redis;

namespace LuaScripts;

internal readonly struct ScriptReplyContext(string command, string member)
{
    public string Command => command;

    public string Member => member;
}

internal static class ScriptReplies
{
    public static T Leaf<T>(RedisResult reply, in ScriptReplyContext context)
    {
        var rejectsNil = typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(double);
        if (rejectsNil && reply.IsNull) throw new ScriptResultConversionException(context.Command, context.Member, typeof(T), reply);
        try
        {
            object? value = typeof(T) switch
            {
                var t when t == typeof(long) => (long)reply,
                var t when t == typeof(int) => (int)reply,
                var t when t == typeof(double) => (double)reply,
                var t when t == typeof(bool) => !reply.IsNull && (bool)reply,
                var t when t == typeof(long?) => (long?)reply,
                var t when t == typeof(string) => (string?)reply,
                var t when t == typeof(byte[]) => (byte[]?)reply,
                var t when t == typeof(RedisValue) => (RedisValue)reply,
                var t when t == typeof(RedisKey) => (RedisKey)reply,
                var t when t == typeof(string[]) => (string?[]?)reply,
                var t when t == typeof(long[]) => (long[]?)reply,
                var t when t == typeof(RedisValue[]) => (RedisValue[]?)reply,
                var t when t == typeof(RedisResult[]) => (RedisResult[]?)reply,
                _ => throw new NotSupportedException(typeof(T).Name),
            };
            return (T)value!;
        }
        catch (Exception e) when (e is not NotSupportedException)
        {
            throw new ScriptResultConversionException(context.Command, context.Member, typeof(T), reply, e);
        }
    }
}
