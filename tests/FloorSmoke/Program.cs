// Smoke run of LuaScripts against the oldest StackExchange.Redis its packages accept (RESP2):
// define, run, pipeline, transaction, and a SCRIPT FLUSH healed. Exit code 0 when every check holds.
using LuaScripts;
using StackExchange.Redis;

var url = Environment.GetEnvironmentVariable("REDIS_URL") ?? "127.0.0.1:6379";
if (url.StartsWith("redis://", StringComparison.Ordinal)) url = url["redis://".Length..].TrimEnd('/');
using var mux = await ConnectionMultiplexer.ConnectAsync($"{url},allowAdmin=true");
var seRedis = typeof(IDatabase).Assembly.GetName().Version;
var failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

var client = new ScriptClient(mux);
var key = "floor:" + Guid.NewGuid().ToString("N");
client.DefineCommand("incr", new CommandDefinition("redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])") { Keys = 1 });
client.DefineCommand("pair", new CommandDefinition("return {tonumber(ARGV[1]), ARGV[2]}") { Keys = 0 });

Check((int)await client.RunScriptAsync("incr", key, 2) == 2, $"define and run (StackExchange.Redis {seRedis})");
var pair = (RedisResult[])(await client.RunScriptAsync("pair", 7, "x"))!;
Check(pair.Length == 2 && (long)pair[0] == 7 && (string?)pair[1] == "x", "a table reply is an array of an integer and a bulk string");
var replies = await client.Pipeline().RunScript("incr", key, 1).RawCommand("GET", (RedisKey)key).RunScript("incr", key, 1).ExecuteAsync();
Check(replies.Select(r => (string?)r).SequenceEqual(new[] { "3", "3", "4" }), "pipeline replies in order");
await mux.GetServer(mux.GetEndPoints()[0]).ScriptFlushAsync();
Check((int)await client.RunScriptAsync("incr", key, 1) == 5, "a SCRIPT FLUSH is healed");
var tx = await client.Transaction().RunScript("incr", key, 1).RunScript("incr", key, 1).ExecuteAsync();
Check(tx.Select(r => (int)r).SequenceEqual(new[] { 6, 7 }), "transaction after the flush");
try
{
    await client.RunScriptAsync("incr");
    Check(false, "bad arguments are refused");
}
catch (ScriptArgumentException)
{
    Check(true, "bad arguments are refused");
}
await mux.GetDatabase().KeyDeleteAsync(key);
Console.WriteLine(failures == 0 ? "floor smoke passed" : $"floor smoke: {failures} failure(s)");
return failures == 0 ? 0 : 1;
