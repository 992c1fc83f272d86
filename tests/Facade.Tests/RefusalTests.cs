using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Tests;

/// <summary>
/// Refusals are typed apart from script failures, each reason on a real server: BUSY (and the kill
/// that ends it), OOM, NOPERM, READONLY; a Lua error names its line. Each test that changes a
/// server's state gets a server of its own.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RefusalTests
{
    private const string Loop = "local n = 0 while true do n = n + 1 end";

    private readonly RedisFixture redis;

    public RefusalTests(RedisFixture redis) => this.redis = redis;

    private static ScriptClient Client(IConnectionMultiplexer mux)
    {
        var client = TestClients.Create(mux);
        client.DefineCommand("loop", new CommandDefinition(Loop) { Keys = 0, ReadOnly = true });
        client.DefineCommand("write_then_loop", new CommandDefinition("redis.call('SET', KEYS[1], 1) " + Loop) { Keys = 1 });
        client.DefineCommand("incr_by", new CommandDefinition(Lua.IncrBy) { Keys = 1 });
        return client;
    }

    private static ConnectionMultiplexer Connect(RedisServer server) =>
        ConnectionMultiplexer.Connect($"{server.EndPoint},allowAdmin=true,abortConnect=false,syncTimeout=10000,asyncTimeout=10000");

    /// <summary>
    /// A server of the test's own that turns busy after 100 ms of script, and two clients over two
    /// connections, both ready (under Functions their libraries deployed) before it is busy: one to
    /// run a long script, the other to see the refusal and kill it.
    /// </summary>
    private sealed class BusyServer : IDisposable
    {
        private readonly ConnectionMultiplexer first;
        private readonly ConnectionMultiplexer second;

        private BusyServer()
        {
            Server = RedisServer.Start("--busy-reply-threshold", "100");
            first = Connect(Server);
            second = Connect(Server);
            Looping = Client(first);
            Other = Client(second);
        }

        public RedisServer Server { get; }
        public ScriptClient Looping { get; }
        public ScriptClient Other { get; }
        public IServer Admin => second.GetServer(Server.EndPoint);

        public static async Task<BusyServer> StartAsync()
        {
            var busy = new BusyServer();
            Assert.Equal(1, (long)await busy.Looping.RunScriptAsync("incr_by", "a", 1));
            Assert.Equal(2, (long)await busy.Other.RunScriptAsync("incr_by", "a", 1));
            return busy;
        }

        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
            Server.Dispose();
        }
    }

    [Fact]
    public async Task A_busy_server_is_a_Busy_refusal_and_the_kill_from_another_connection_ends_the_script()
    {
        using var busyServer = await BusyServer.StartAsync();
        var (looping, other) = (busyServer.Looping, busyServer.Other);

        var running = looping.RunScriptAsync("loop");
        await Task.Delay(300);
        var busy = await Assert.ThrowsAsync<ScriptRefusedException>(() => other.RunScriptAsync("incr_by", "a", 1));
        Assert.Equal(RefusalReason.Busy, busy.Reason);
        Assert.StartsWith("BUSY", busy.ServerMessage);
        Assert.IsType<RedisServerException>(busy.InnerException);

        Assert.True(await other.KillRunningScriptAsync());
        var killed = await Assert.ThrowsAsync<ScriptExecutionException>(() => running);
        Assert.Contains("killed", killed.ServerMessage, StringComparison.OrdinalIgnoreCase);
        Assert.False(await other.KillRunningScriptAsync());
        Assert.Equal(3, (long)await other.RunScriptAsync("incr_by", "a", 1));
    }

    [Fact]
    public async Task A_script_that_already_wrote_cannot_be_killed_and_says_so()
    {
        using var busyServer = await BusyServer.StartAsync();
        var (looping, other) = (busyServer.Looping, busyServer.Other);

        _ = looping.RunScriptAsync("write_then_loop", "w");
        await Task.Delay(300);
        var error = await Assert.ThrowsAsync<ScriptKillException>(() => other.KillRunningScriptAsync());
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("UNKILLABLE", failure.Reason);
        Assert.Contains("SHUTDOWN NOSAVE", error.Message);
        // Only SHUTDOWN NOSAVE stops it; the server is this test's own.
        try { await busyServer.Admin.ExecuteAsync("SHUTDOWN", "NOSAVE"); }
        catch (RedisException) { }
    }

    [Fact]
    public async Task A_write_under_OOM_is_an_OutOfMemory_refusal()
    {
        using var server = RedisServer.Start("--maxmemory-policy", "noeviction");
        using var mux = Connect(server);
        var client = Client(mux);
        Assert.Equal(1, (long)await client.RunScriptAsync("incr_by", "n", 1));
        await mux.GetServer(server.EndPoint).ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        var refused = await Assert.ThrowsAsync<ScriptRefusedException>(() => client.RunScriptAsync("incr_by", "n", 1));
        Assert.Equal(RefusalReason.OutOfMemory, refused.Reason);
        Assert.Equal("incr_by", refused.ScriptName);
        Assert.Equal(client.GetScript("incr_by").Sha1, refused.Sha1);
        Assert.Contains("out of memory", refused.Message);
    }

    [Fact]
    public async Task A_user_without_the_right_to_call_is_a_NoPermission_refusal()
    {
        var user = "nocall_" + Guid.NewGuid().ToString("N")[..8];
        await redis.AdminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-eval", "-evalsha", "-eval_ro", "-evalsha_ro", "-fcall", "-fcall_ro");
        try
        {
            using var mux = ConnectionMultiplexer.Connect($"{redis.Configuration},user={user},password=secret");
            var client = Client(mux);
            var refused = await Assert.ThrowsAsync<ScriptRefusedException>(() => client.RunScriptAsync("incr_by", "n", 1));
            Assert.Equal(RefusalReason.NoPermission, refused.Reason);
            Assert.StartsWith("NOPERM", refused.ServerMessage);
        }
        finally
        {
            await redis.AdminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [ScriptsBackendFact("A replica holds the library only once its primary replicated it: this uses the script cache path.")]
    public async Task A_write_sent_to_a_replica_is_a_ReadOnlyReplica_refusal()
    {
        using var primary = RedisServer.Start();
        using var replica = RedisServer.Start("--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var mux = ConnectionMultiplexer.Connect($"{primary.EndPoint},{replica.EndPoint},abortConnect=false");
        await ClusterOps.WaitUntil(() => mux.GetServer(replica.EndPoint).IsReplica && mux.GetServer(replica.EndPoint).IsConnected,
            TimeSpan.FromSeconds(10), "the multiplexer to see the replica");
        var client = Client(mux);
        var refused = await Assert.ThrowsAsync<ScriptRefusedException>(() =>
            client.RunScriptAsync("incr_by", new RedisKey[] { "n" }, new RedisValue[] { 1 }, CommandFlags.DemandReplica));
        Assert.Equal(RefusalReason.ReadOnlyReplica, refused.Reason);
        Assert.StartsWith("READONLY", refused.ServerMessage);
    }

    [Fact]
    public async Task A_Lua_error_is_a_failure_that_names_its_line()
    {
        using var mux = ConnectionMultiplexer.Connect(redis.Configuration);
        var client = TestClients.Create(mux);
        client.DefineCommand("third_line", new CommandDefinition("local a = 1\nlocal b = 2\nreturn a + nil") { Keys = 0 });
        var error = await Assert.ThrowsAsync<ScriptExecutionException>(() => client.RunScriptAsync("third_line"));
        Assert.IsType<RedisServerException>(error.InnerException);
        if (TestBackend.IsFunctions)
            Assert.NotNull(error.LuaLine); // a line of the library, which the error names
        else
            Assert.Equal(3, error.LuaLine);
    }

    [Fact]
    public async Task The_flat_form_and_handles_take_a_cancellation_token_that_stops_the_wait()
    {
        using var busyServer = await BusyServer.StartAsync();
        var (looping, other) = (busyServer.Looping, busyServer.Other);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var running = looping.RunScriptAsync("loop", Array.Empty<RedisValue>(), cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        using var cancelHandle = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => looping.GetScript("incr_by").RunAsync(new RedisKey[] { "a" }, new RedisValue[] { 1 }, cancellationToken: cancelHandle.Token));
        Assert.True(await other.KillRunningScriptAsync());
    }
}
