using System.Text;
using StackExchange.Redis;

namespace LuaScripts.Bench;

/// <summary>
/// The workload every scenario runs: a 1-key, 1-arg script that adds ARGV[1] to KEYS[1] and returns
/// the new value. Every contender adds 1 per call, so after a run the counter equals the calls made.
/// </summary>
internal static class Workload
{
    /// <summary>The script body (KEYS/ARGV form).</summary>
    public const string IncrBy = "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])";

    /// <summary>The same script in LuaScript's @parameter form, for the LoadedLuaScript baseline.</summary>
    public const string IncrByParameters = "redis.call('INCRBY', @key, @value); return redis.call('GET', @key)";

    /// <summary>
    /// The workload body padded with Lua comments to exactly <paramref name="bytes"/> bytes: the server
    /// runs the same code, only the body (and its SHA1) differs.
    /// </summary>
    public static string Padded(int bytes, string tag)
    {
        var head = IncrBy + "\n-- " + tag + "\n";
        if (bytes < head.Length) throw new ArgumentOutOfRangeException(nameof(bytes), $"at least {head.Length} bytes");
        var sb = new StringBuilder(head, bytes);
        while (sb.Length < bytes)
        {
            var room = bytes - sb.Length;
            if (room <= 3) { sb.Append(' ', room); break; }
            var line = Math.Min(room, 80);
            sb.Append("--").Append('x', line - 3).Append('\n');
        }
        var body = sb.ToString();
        if (Encoding.UTF8.GetByteCount(body) != bytes) throw new InvalidOperationException("padding is off");
        return body;
    }
}

/// <summary>
/// One connection, the LuaScripts clients and the raw StackExchange.Redis handles every scenario
/// uses, and each contender's single operation (one INCRBY of a counter by 1).
/// </summary>
internal sealed class Fixture : IDisposable
{
    /// <summary>The workload, 1 fixed key.</summary>
    public const string Incr = "incr";
    /// <summary>The workload, dynamic key count (first flat argument is the count).</summary>
    public const string IncrDynamic = "incr_dyn";
    /// <summary>The workload, 64 fixed keys (KEYS[1] is the counter; the other 63 ride along).</summary>
    public const string Incr64 = "incr_64";
    /// <summary>The workload padded to 100 bytes.</summary>
    public const string Body100B = "body_100b";
    /// <summary>The workload padded to 100,000 bytes.</summary>
    public const string Body100KB = "body_100kb";

    /// <summary>How many keys the wide-key scenarios send.</summary>
    public const int WideKeys = 64;

    private Fixture(RedisTarget target, ConnectionMultiplexer mux)
    {
        Target = target;
        Mux = mux;
        Db = mux.GetDatabase();
        Server = mux.GetServer(mux.GetEndPoints()[0]);
        Client = new ScriptClient(mux);
        Client.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        Client.DefineCommand(IncrDynamic, new CommandDefinition(Workload.IncrBy));
        Client.DefineCommand(Incr64, new CommandDefinition(Workload.IncrBy) { Keys = WideKeys });
        Client.DefineCommand(Body100B, new CommandDefinition(Workload.Padded(100, "100 B")) { Keys = 1 });
        Client.DefineCommand(Body100KB, new CommandDefinition(Workload.Padded(100_000, "100 KB")) { Keys = 1 });

        Registry1 = new ScriptClient(mux);
        Registry1.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        Registry10K = new ScriptClient(mux);
        for (var i = 0; i < 9_999; i++)
            Registry10K.DefineCommand($"script_{i:D5}", new CommandDefinition(Workload.IncrBy + " -- " + i) { Keys = 1 });
        Registry10K.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        if (Registry10K.ListScripts().Count != 10_000) throw new InvalidOperationException("registry of 10,000 is not 10,000");

        IncrSha = Server.ScriptLoad(Workload.IncrBy);
        Body100BSha = Server.ScriptLoad(Client.GetScript(Body100B).Lua);
        Body100KBSha = Server.ScriptLoad(Client.GetScript(Body100KB).Lua);
        Loaded = LuaScript.Prepare(Workload.IncrByParameters).Load(Server);
        Client.PreloadScriptsAsync().GetAwaiter().GetResult();
        PadKeys = Enumerable.Range(1, WideKeys - 1).Select(i => $"bench:pad:{i:D2}").ToArray();
    }

    /// <summary>The server.</summary>
    public RedisTarget Target { get; }
    /// <summary>The one connection every contender shares.</summary>
    public ConnectionMultiplexer Mux { get; }
    /// <summary>Its default database.</summary>
    public IDatabase Db { get; }
    /// <summary>The server, for SCRIPT LOAD/FLUSH and INFO.</summary>
    public IServer Server { get; }
    /// <summary>A client with every workload variant defined and preloaded.</summary>
    public ScriptClient Client { get; }
    /// <summary>A client with exactly 1 defined script.</summary>
    public ScriptClient Registry1 { get; }
    /// <summary>A client with 10,000 defined scripts (one of them <see cref="Incr"/>).</summary>
    public ScriptClient Registry10K { get; }
    /// <summary>The raw SHA1 of <see cref="Workload.IncrBy"/>, loaded with SCRIPT LOAD.</summary>
    public byte[] IncrSha { get; }
    /// <summary>The raw SHA1 of the 100 B body.</summary>
    public byte[] Body100BSha { get; }
    /// <summary>The raw SHA1 of the 100 KB body.</summary>
    public byte[] Body100KBSha { get; }
    /// <summary>The workload as a StackExchange.Redis LoadedLuaScript.</summary>
    public LoadedLuaScript Loaded { get; }
    /// <summary>Keys 2..64 of the wide-key scenarios (never written).</summary>
    public string[] PadKeys { get; }

    /// <summary>Connects to the target and defines/loads everything.</summary>
    public static Fixture Create(RedisTarget target) => new(target, target.Connect());

    // ---- one call: LuaScripts ----

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c>: flat arguments.</summary>
    public Task<RedisResult> LuaFlat(ScriptClient client, string name, string key) => client.RunScriptAsync(name, key, 1);

    /// <summary><c>client.RunScriptAsync(name, keys, args)</c>: explicit KEYS and ARGV.</summary>
    public Task<RedisResult> LuaExplicit(string key) =>
        Client.RunScriptAsync(Incr, new RedisKey[] { key }, new RedisValue[] { 1 });

    /// <summary>The dynamic-key command with 1 key: <c>RunScriptAsync(name, 1, key, 1)</c>.</summary>
    public Task<RedisResult> LuaDynamic1(string key) => Client.RunScriptAsync(IncrDynamic, 1, key, 1);

    /// <summary>The 64-fixed-key command, flat.</summary>
    public Task<RedisResult> LuaFixed64(string key)
    {
        var args = new RedisValue[WideKeys + 1];
        args[0] = key;
        for (var i = 0; i < PadKeys.Length; i++) args[1 + i] = PadKeys[i];
        args[WideKeys] = 1;
        return Client.RunScriptAsync(Incr64, args);
    }

    /// <summary>The dynamic-key command with 64 keys, flat (count first).</summary>
    public Task<RedisResult> LuaDynamic64(string key)
    {
        var args = new RedisValue[WideKeys + 2];
        args[0] = WideKeys;
        args[1] = key;
        for (var i = 0; i < PadKeys.Length; i++) args[2 + i] = PadKeys[i];
        args[WideKeys + 1] = 1;
        return Client.RunScriptAsync(IncrDynamic, args);
    }

    // ---- one call: raw StackExchange.Redis ----

    /// <summary><c>IDatabase.ScriptEvaluateAsync(byte[] sha1, keys, values)</c>: EVALSHA, script preloaded. The floor.</summary>
    public Task<RedisResult> RawEvalSha(string key) => RawEvalSha(IncrSha, key);

    /// <summary>EVALSHA of the given preloaded SHA1 with one key and ARGV 1.</summary>
    public Task<RedisResult> RawEvalSha(byte[] sha, string key) =>
        Db.ScriptEvaluateAsync(sha, new RedisKey[] { key }, new RedisValue[] { 1 });

    /// <summary>EVALSHA with 64 keys.</summary>
    public Task<RedisResult> RawEvalSha64(string key)
    {
        var keys = new RedisKey[WideKeys];
        keys[0] = key;
        for (var i = 0; i < PadKeys.Length; i++) keys[1 + i] = PadKeys[i];
        return Db.ScriptEvaluateAsync(IncrSha, keys, new RedisValue[] { 1 });
    }

    /// <summary><c>IDatabase.ScriptEvaluateAsync(string script, keys, values)</c>.</summary>
    public Task<RedisResult> RawEvalString(string key) =>
        Db.ScriptEvaluateAsync(Workload.IncrBy, new RedisKey[] { key }, new RedisValue[] { 1 });

    /// <summary><c>LoadedLuaScript.EvaluateAsync(db, new { key, value })</c>.</summary>
    public Task<RedisResult> RawLoaded(string key) => Loaded.EvaluateAsync(Db, new { key = (RedisKey)key, value = 1 });

    /// <summary><c>StringIncrementAsync</c>: a round trip without Lua.</summary>
    public Task<long> RawIncr(string key) => Db.StringIncrementAsync(key, 1);

    // ---- batches ----

    /// <summary><c>client.Pipeline()</c> of <paramref name="size"/> calls, then <c>ExecuteAsync</c>.</summary>
    public async Task LuaPipeline(string name, string key, int size, bool transaction = false)
    {
        var pipeline = transaction ? Client.Transaction() : Client.Pipeline();
        for (var i = 0; i < size; i++) pipeline.RunScript(name, key, 1);
        var results = await pipeline.ExecuteAsync().ConfigureAwait(false);
        if (results.Length != size) throw new InvalidOperationException($"pipeline returned {results.Length} replies for {size} calls");
    }

    /// <summary>A raw <see cref="IBatch"/> (or <see cref="ITransaction"/>) of <paramref name="size"/> EVALSHA.</summary>
    public async Task RawBatch(byte[] sha, string key, int size, bool transaction = false)
    {
        var tasks = new Task<RedisResult>[size];
        if (transaction)
        {
            var tx = Db.CreateTransaction();
            for (var i = 0; i < size; i++) tasks[i] = tx.ScriptEvaluateAsync(sha, new RedisKey[] { key }, new RedisValue[] { 1 });
            if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("transaction not committed");
        }
        else
        {
            var batch = Db.CreateBatch();
            for (var i = 0; i < size; i++) tasks[i] = batch.ScriptEvaluateAsync(sha, new RedisKey[] { key }, new RedisValue[] { 1 });
            batch.Execute();
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>The counter's value (0 when missing).</summary>
    public async Task<long> CounterAsync(string key) => (long)await Db.StringGetAsync(key).ConfigureAwait(false);

    /// <summary>Closes the connection; the target is disposed by its owner.</summary>
    public void Dispose() => Mux.Dispose();
}
