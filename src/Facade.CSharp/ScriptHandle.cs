using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using LuaScripts.Core;
using StackExchange.Redis;

namespace LuaScripts;

/// <summary>
/// One defined script, as it was when the handle was taken: redefining the name later does not
/// change what this handle runs. Thread-safe.
/// </summary>
public sealed class ScriptHandle
{
    private readonly ScriptClient client;

    internal ScriptHandle(ScriptClient client, Script script)
    {
        this.client = client;
        Script = script;
    }

    internal Script Script { get; }

    /// <summary>The command's name.</summary>
    public string Name => Script.Name;

    /// <summary>The Lua body.</summary>
    public string Lua => Script.Lua;

    /// <summary>The body's SHA1 as 40 lower-case hexadecimal characters, equal to what SCRIPT LOAD returns.</summary>
    public string Sha1 => Script.Sha1;

    /// <summary>How many flat arguments are KEYS; <see langword="null"/> for a dynamic key count.</summary>
    public int? Keys => Script.KeyCount is KeyCount.Fixed f ? f.Item : null;

    /// <summary>Free text for people, if given.</summary>
    public string? Description => Script.Description?.Value;

    /// <summary>The script never writes: it runs with EVALSHA_RO/EVAL_RO.</summary>
    public bool ReadOnly => Script.ReadOnly;

    /// <summary>The command may be reached through the client's dynamic method view.</summary>
    public bool Install => Script.Install;

    /// <summary>
    /// The servers on which a reply proved this script loaded (an EVAL, EVALSHA or SCRIPT LOAD that
    /// succeeded there). A server is forgotten when it answers NOSCRIPT or its connection drops.
    /// With the Functions backend, for a command in the client's library: the primaries where a
    /// reply proved the library loaded (FUNCTION LOAD, or an FCALL that ran).
    /// </summary>
    public IReadOnlyCollection<EndPoint> LoadedOn => ClientModule.LoadedOn(Script, client.Core).ToList();

    /// <summary>Runs this script with explicit KEYS and ARGV on the client's database.</summary>
    /// <param name="keys">The KEYS (none when null); for a fixed key count, exactly that many.</param>
    /// <param name="args">The ARGV (none when null).</param>
    /// <param name="flags">StackExchange.Redis command flags.</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a command already sent still runs on the server.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="ScriptArgumentException">The KEYS do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The script failed.</exception>
    /// <exception cref="ScriptRefusedException">The server refused it (BUSY, OOM, READONLY, NOPERM...).</exception>
    public Task<RedisResult> RunAsync(RedisKey[]? keys = null, RedisValue[]? args = null, CommandFlags flags = CommandFlags.None,
        System.Threading.CancellationToken cancellationToken = default) =>
        RunOnAsync(client.Database, keys, args, flags, cancellationToken);

    /// <summary>
    /// Runs this script on any database: another connection's, a batch's or a transaction's. On a
    /// batch or transaction the call is queued with its body (nothing can be resent there) and
    /// completes when the batch is executed. With the Functions backend, a call on a batch, a
    /// transaction or another connection's database runs as a script (EVAL/EVALSHA) the same way.
    /// </summary>
    /// <param name="database">Where to run it.</param>
    /// <param name="keys">The KEYS (none when null); for a fixed key count, exactly that many.</param>
    /// <param name="args">The ARGV (none when null).</param>
    /// <param name="flags">StackExchange.Redis command flags.</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a command already sent still runs on the server.</param>
    /// <returns>The script's reply.</returns>
    /// <exception cref="ScriptArgumentException">The KEYS do not fit the key count; nothing was sent.</exception>
    /// <exception cref="ScriptExecutionException">The script failed.</exception>
    /// <exception cref="ScriptRefusedException">The server refused it (BUSY, OOM, READONLY, NOPERM...).</exception>
    public Task<RedisResult> RunOnAsync(IDatabaseAsync database, RedisKey[]? keys = null, RedisValue[]? args = null,
        CommandFlags flags = CommandFlags.None, System.Threading.CancellationToken cancellationToken = default)
    {
        System.ArgumentNullException.ThrowIfNull(database);
        var invocation = Args.InvokeExplicit(Script, keys ?? System.Array.Empty<RedisKey>(), args ?? System.Array.Empty<RedisValue>());
        if (invocation.IsError) throw ExceptionFactory.Argument(Name, invocation.ErrorValue);
        var reply = ClientModule.EvaluateOn(client.OnFailure, database, flags, invocation.ResultValue, client.Core);
        return cancellationToken.CanBeCanceled ? reply.WaitAsync(cancellationToken) : reply;
    }

    /// <inheritdoc />
    public override string ToString() => Script.ToString();
}
