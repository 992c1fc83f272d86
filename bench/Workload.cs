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

        // The Functions backend: the same commands, deployed as Redis Function libraries. Each client's
        // library holds every command it defines, and a pipeline's guard sends the whole library, so the
        // clients are split by what their library holds: a small one for the common rows, one per body
        // size, and registries of 1 and 10,000.
        Fn = NewFunctions();
        Fn.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        Fn.DefineCommand(IncrDynamic, new CommandDefinition(Workload.IncrBy));
        Fn.DefineCommand(Incr64, new CommandDefinition(Workload.IncrBy) { Keys = WideKeys });
        FnBody100B = NewFunctions();
        FnBody100B.DefineCommand(Body100B, new CommandDefinition(Client.GetScript(Body100B).Lua) { Keys = 1 });
        FnBody100KB = NewFunctions();
        FnBody100KB.DefineCommand(Body100KB, new CommandDefinition(Client.GetScript(Body100KB).Lua) { Keys = 1 });
        FnBody100KB.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        FnRegistry1 = NewFunctions();
        FnRegistry1.DefineCommand(Incr, new CommandDefinition(Workload.IncrBy) { Keys = 1 });
        FnRegistry10K = NewFunctions();
        foreach (var name in Registry10K.ListScripts())
        {
            var s = Registry10K.GetScript(name);
            FnRegistry10K.DefineCommand(name, new CommandDefinition(s.Lua) { Keys = 1 });
        }

        // The raw FCALL baselines call the very functions the clients deploy, loaded once here with a
        // raw FUNCTION LOAD REPLACE (the clients' preloads then find them there).
        var fnClients = new[] { Fn, FnBody100B, FnBody100KB, FnRegistry1, FnRegistry10K };
        foreach (var c in fnClients)
        {
            var library = c.DescribeFunctionLibrary();
            if (library.Excluded.Count > 0)
                throw new InvalidOperationException($"library {library.Name} leaves out {string.Join(", ", library.Excluded.Keys)}");
            Server.Execute("FUNCTION", "LOAD", "REPLACE", library.Code);
        }
        foreach (var c in fnClients)
        {
            c.PreloadScriptsAsync().GetAwaiter().GetResult();
            if (c.ActiveBackend != ScriptBackend.Functions) throw new InvalidOperationException("a Functions client is not on Functions");
        }
        IncrFn = Fn.DescribeFunctionLibrary().Functions[Incr];
        Body100BFn = FnBody100B.DescribeFunctionLibrary().Functions[Body100B];
        Body100KBFn = FnBody100KB.DescribeFunctionLibrary().Functions[Body100KB];
        Incr64Fn = Fn.DescribeFunctionLibrary().Functions[Incr64];
        var big = FnRegistry10K.DescribeFunctionLibrary();
        Registry10KIncrFn = big.Functions[Incr];
        Registry10KCode = big.Code;
        Registry10KCodeBytes = Encoding.UTF8.GetBytes(big.Code);
    }

    private ScriptClient NewFunctions() => new(Mux, new ScriptClientOptions { Backend = ScriptBackend.Functions });

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

    /// <summary>Functions backend: the workload (1 key, dynamic, 64 keys); a library of about 1 KB.</summary>
    public ScriptClient Fn { get; }
    /// <summary>Functions backend: the 100 B body alone.</summary>
    public ScriptClient FnBody100B { get; }
    /// <summary>Functions backend: the 100 KB body and the 1-key workload (a library of about 100 KB).</summary>
    public ScriptClient FnBody100KB { get; }
    /// <summary>Functions backend: exactly 1 defined command.</summary>
    public ScriptClient FnRegistry1 { get; }
    /// <summary>Functions backend: the same 10,000 commands as <see cref="Registry10K"/> (a library of about 2 MB).</summary>
    public ScriptClient FnRegistry10K { get; }
    /// <summary>The function <see cref="Fn"/> deploys <see cref="Incr"/> as (raw FCALL baseline).</summary>
    public string IncrFn { get; }
    /// <summary>The function <see cref="Fn"/> deploys <see cref="Incr64"/> as.</summary>
    public string Incr64Fn { get; }
    /// <summary>The function <see cref="FnRegistry10K"/> deploys <see cref="Incr"/> as.</summary>
    public string Registry10KIncrFn { get; }
    /// <summary>The source of <see cref="FnRegistry10K"/>'s library (what its guard sends).</summary>
    public string Registry10KCode { get; }
    /// <summary>The same source, encoded once as UTF-8.</summary>
    public byte[] Registry10KCodeBytes { get; }
    /// <summary>The function of the 100 B body.</summary>
    public string Body100BFn { get; }
    /// <summary>The function of the 100 KB body.</summary>
    public string Body100KBFn { get; }

    /// <summary>Connects to the target and defines/loads everything.</summary>
    public static Fixture Create(RedisTarget target) => new(target, target.Connect());

    // ---- one call: LuaScripts ----

    /// <summary><c>client.RunScriptAsync(name, key, 1)</c>: flat arguments.</summary>
    public static Task<RedisResult> LuaFlat(ScriptClient client, string name, string key) => client.RunScriptAsync(name, key, 1);

    /// <summary><c>client.RunScriptAsync(name, keys, args)</c>: explicit KEYS and ARGV.</summary>
    public Task<RedisResult> LuaExplicit(string key) => LuaExplicit(Client, key);

    /// <summary><c>client.RunScriptAsync(name, keys, args)</c> on the given client.</summary>
    public static Task<RedisResult> LuaExplicit(ScriptClient client, string key) =>
        client.RunScriptAsync(Incr, new RedisKey[] { key }, new RedisValue[] { 1 });

    /// <summary>The dynamic-key command with 1 key: <c>RunScriptAsync(name, 1, key, 1)</c>.</summary>
    public Task<RedisResult> LuaDynamic1(string key) => LuaDynamic1(Client, key);

    /// <summary>The dynamic-key command with 1 key on the given client.</summary>
    public static Task<RedisResult> LuaDynamic1(ScriptClient client, string key) => client.RunScriptAsync(IncrDynamic, 1, key, 1);

    /// <summary>The 64-fixed-key command, flat.</summary>
    public Task<RedisResult> LuaFixed64(string key) => LuaFixed64(Client, key);

    /// <summary>The 64-fixed-key command, flat, on the given client.</summary>
    public Task<RedisResult> LuaFixed64(ScriptClient client, string key)
    {
        var args = new RedisValue[WideKeys + 1];
        args[0] = key;
        for (var i = 0; i < PadKeys.Length; i++) args[1 + i] = PadKeys[i];
        args[WideKeys] = 1;
        return client.RunScriptAsync(Incr64, args);
    }

    /// <summary>The dynamic-key command with 64 keys, flat (count first).</summary>
    public Task<RedisResult> LuaDynamic64(string key) => LuaDynamic64(Client, key);

    /// <summary>The dynamic-key command with 64 keys, flat (count first), on the given client.</summary>
    public Task<RedisResult> LuaDynamic64(ScriptClient client, string key)
    {
        var args = new RedisValue[WideKeys + 2];
        args[0] = WideKeys;
        args[1] = key;
        for (var i = 0; i < PadKeys.Length; i++) args[2 + i] = PadKeys[i];
        args[WideKeys + 1] = 1;
        return client.RunScriptAsync(IncrDynamic, args);
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

    /// <summary>
    /// Raw FCALL of the workload's function, loaded once with FUNCTION LOAD:
    /// <c>db.ExecuteAsync("FCALL", fn, 1, key, 1)</c> (the key as a <see cref="RedisKey"/>, so it routes).
    /// </summary>
    public Task<RedisResult> RawFcall(string key) => RawFcall(IncrFn, key);

    /// <summary>Raw FCALL of the given function with one key and ARGV 1.</summary>
    public Task<RedisResult> RawFcall(string fn, string key) => Db.ExecuteAsync("FCALL", fn, 1, (RedisKey)key, 1);

    /// <summary>Raw FCALL with 64 keys.</summary>
    public Task<RedisResult> RawFcall64(string key)
    {
        var args = new object[WideKeys + 3];
        args[0] = Incr64Fn;
        args[1] = WideKeys;
        args[2] = (RedisKey)key;
        for (var i = 0; i < PadKeys.Length; i++) args[3 + i] = (RedisKey)PadKeys[i];
        args[WideKeys + 2] = 1;
        return Db.ExecuteAsync("FCALL", args);
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
    public Task LuaPipeline(string name, string key, int size, bool transaction = false) =>
        LuaPipeline(Client, name, key, size, transaction);

    /// <summary><c>client.Pipeline()</c> (or <c>Transaction()</c>) of <paramref name="size"/> calls on the given client.</summary>
    public static async Task LuaPipeline(ScriptClient client, string name, string key, int size, bool transaction = false)
    {
        var pipeline = transaction ? client.Transaction() : client.Pipeline();
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

    /// <summary>A raw <see cref="IBatch"/> (or <see cref="ITransaction"/>) of <paramref name="size"/> FCALL, no guard.</summary>
    public async Task RawFcallBatch(string fn, string key, int size, bool transaction = false)
    {
        var tasks = new Task<RedisResult>[size];
        if (transaction)
        {
            var tx = Db.CreateTransaction();
            for (var i = 0; i < size; i++) tasks[i] = tx.ExecuteAsync("FCALL", fn, 1, (RedisKey)key, 1);
            if (!await tx.ExecuteAsync().ConfigureAwait(false)) throw new InvalidOperationException("transaction not committed");
        }
        else
        {
            var batch = Db.CreateBatch();
            for (var i = 0; i < size; i++) tasks[i] = batch.ExecuteAsync("FCALL", fn, 1, (RedisKey)key, 1);
            batch.Execute();
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// What a Functions pipeline's guard costs at the least, done by hand: FUNCTION LOAD of a library
    /// already on the server (<paramref name="code"/> a string, encoded on each write, or UTF-8 bytes
    /// encoded once), answered "already exists", sent ahead of a raw <see cref="IBatch"/> of FCALL.
    /// </summary>
    public async Task RawGuardedFcallBatch(object code, string fn, string key, int size)
    {
        var guard = Server.ExecuteAsync("FUNCTION", "LOAD", code);
        await RawFcallBatch(fn, key, size).ConfigureAwait(false);
        try
        {
            await guard.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.EndsWith("already exists", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>The counter's value (0 when missing).</summary>
    public async Task<long> CounterAsync(string key) => (long)await Db.StringGetAsync(key).ConfigureAwait(false);

    /// <summary>Closes the connection; the target is disposed by its owner.</summary>
    public void Dispose() => Mux.Dispose();
}
