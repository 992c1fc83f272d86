using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LuaScripts.TestServers;
using StackExchange.Redis;
using Xunit;

namespace LuaScripts.Channels.Tests;

[Collection(RedisCollectionDefinition.Name)]
public sealed class ChannelLayerTests : IDisposable
{
    private readonly RedisFixture redis;
    private readonly ConnectionMultiplexer mux;
    private readonly ScriptClient client;
    private readonly FakeClock clock = new();
    private readonly string prefix = "ch" + Guid.NewGuid().ToString("N")[..8];

    public ChannelLayerTests(RedisFixture redis)
    {
        this.redis = redis;
        mux = redis.Connect();
        client = TestClients.Create(mux);
    }

    public void Dispose()
    {
        // Leave nothing behind on a shared (REDIS_URL) server: every key of this test has the prefix's hash tag.
        var db = redis.Admin.GetDatabase();
        foreach (var key in redis.AdminServer.Keys(pattern: "{" + prefix + "*")) db.KeyDelete(key);
        mux.Dispose();
    }

    private ChannelLayer Layer(int capacity = 100, TimeSpan? expiry = null) =>
        new(client, new ChannelLayerOptions
        {
            Prefix = prefix,
            Capacity = capacity,
            MessageExpiry = expiry ?? TimeSpan.FromSeconds(60),
            Clock = () => clock.Now,
        });

    private IDatabase Db => redis.Admin.GetDatabase();

    private static async Task<List<string>> Drain(ChannelLayer layer, string channel)
    {
        var got = new List<string>();
        while (await layer.PollAsync(channel) is { } m) got.Add(m.Text);
        return got;
    }

    // ---- the plan's five scenarios ---------------------------------------------------------

    [Fact]
    public async Task Publish_with_exclude_reaches_only_the_other_members()
    {
        var layer = Layer();
        foreach (var c in new[] { "alice", "bob", "carol" }) Assert.True(await layer.SubscribeAsync("room", c));

        var delivered = await layer.PublishAsync("room", "hi from alice", exclude: "alice");

        Assert.Equal(2, delivered);
        Assert.Empty(await Drain(layer, "alice"));
        Assert.Equal(new[] { "hi from alice" }, await Drain(layer, "bob"));
        Assert.Equal(new[] { "hi from alice" }, await Drain(layer, "carol"));
    }

    [Fact]
    public async Task Five_subscribers_all_receive_a_publish()
    {
        var layer = Layer();
        var members = Enumerable.Range(1, 5).Select(i => $"client-{i}").ToArray();
        foreach (var c in members) await layer.SubscribeAsync("news", c);

        Assert.Equal(5, await layer.PublishAsync("news", "extra!"));

        foreach (var c in members)
        {
            var m = await layer.PollAsync(c);
            Assert.NotNull(m);
            Assert.Equal("extra!", m!.Text);
            Assert.Equal(c, m.Channel);
            Assert.Equal(clock.Now, m.SentAt);
        }
    }

    [Fact]
    public async Task A_full_member_skips_the_sixth_publish_until_a_poll_frees_room()
    {
        var layer = Layer(capacity: 5);
        await layer.SubscribeAsync("t", "slow");
        for (var i = 1; i <= 5; i++) Assert.Equal(1, await layer.PublishAsync("t", $"m{i}"));

        Assert.Equal(0, await layer.PublishAsync("t", "m6"));          // dropped for the full member
        Assert.Equal("m1", (await layer.PollAsync("slow"))!.Text);      // frees one place
        Assert.Equal(1, await layer.PublishAsync("t", "m7"));

        Assert.Equal(new[] { "m2", "m3", "m4", "m5", "m7" }, await Drain(layer, "slow"));
    }

    [Fact]
    public async Task Cleanup_removes_the_channel_from_two_topics_and_deletes_its_queue()
    {
        var layer = Layer();
        await layer.SubscribeAsync("a", "gone");
        await layer.SubscribeAsync("b", "gone");
        await layer.SubscribeAsync("b", "stays");
        await layer.SendAsync("gone", "unread");

        var result = await layer.CleanupAsync("gone", new[] { "a", "b" });

        Assert.Equal(new CleanupResult(QueueDeleted: true, TopicsLeft: 2), result);
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("gone")));
        Assert.Empty(await layer.MembersAsync("a"));
        Assert.Equal(new[] { "stays" }, await layer.MembersAsync("b"));
        Assert.Equal(1, await layer.PublishAsync("b", "after"));
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("gone")));
    }

    [Fact]
    public async Task A_pipeline_of_two_publishes_to_two_topics_returns_2_and_1()
    {
        var layer = Layer();
        await layer.SubscribeAsync("t1", "x");
        await layer.SubscribeAsync("t1", "y");
        await layer.SubscribeAsync("t2", "z");

        var pipe = client.Pipeline();
        await layer.QueuePublishAsync(pipe, "t1", "one");
        await layer.QueuePublishAsync(pipe, "t2", "two");
        var replies = await pipe.ExecuteAsync();

        Assert.Equal(new long[] { 2, 1 }, replies.Select(r => (long)r).ToArray());
        Assert.Equal(new[] { "one" }, await Drain(layer, "x"));
        Assert.Equal(new[] { "one" }, await Drain(layer, "y"));
        Assert.Equal(new[] { "two" }, await Drain(layer, "z"));
    }

    [Fact]
    public async Task A_queued_publish_runs_in_a_transaction_too_and_skips_members_that_left_meanwhile()
    {
        var layer = Layer();
        await layer.SubscribeAsync("t", "stays");
        await layer.SubscribeAsync("t", "leaves");

        var tx = client.Transaction();
        await layer.QueuePublishAsync(tx, "t", "queued", exclude: null);
        await layer.UnsubscribeAsync("t", "leaves");          // between the membership read and the run
        await layer.SubscribeAsync("t", "late");              // joins after the read: not in this publish
        var replies = await tx.ExecuteAsync();

        Assert.Equal(1, (long)replies[0]);
        Assert.Equal(new[] { "queued" }, await Drain(layer, "stays"));
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("leaves")));
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("late")));
    }

    // ---- expiry, capacity, errors ----------------------------------------------------------

    [Fact]
    public async Task Expiry_drops_an_old_message_and_keeps_newer_ones()
    {
        var layer = Layer();
        await layer.SendAsync("c", "old");
        clock.Advance(TimeSpan.FromSeconds(30));
        await layer.SendAsync("c", "newer");
        clock.Advance(TimeSpan.FromSeconds(20));
        await layer.SendAsync("c", "newest");
        clock.Advance(TimeSpan.FromSeconds(10));   // "old" is now exactly 60 s old: expired

        var first = await layer.PollAsync("c");
        Assert.Equal("newer", first!.Text);
        Assert.Equal(clock.Now - TimeSpan.FromSeconds(30), first.SentAt);
        Assert.Equal(new[] { "newest" }, await Drain(layer, "c"));
    }

    [Fact]
    public async Task Publish_drops_expired_messages_before_counting_capacity()
    {
        var layer = Layer(capacity: 2);
        await layer.SubscribeAsync("t", "m");
        await layer.PublishAsync("t", "stale-1");
        await layer.PublishAsync("t", "stale-2");
        Assert.Equal(0, await layer.PublishAsync("t", "refused"));

        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await layer.PublishAsync("t", "fresh"));

        Assert.Equal(1, await Db.ListLengthAsync(layer.QueueKey("m")));
        Assert.Equal(new[] { "fresh" }, await Drain(layer, "m"));
    }

    [Fact]
    public async Task Capacity_is_counted_per_member()
    {
        var layer = Layer(capacity: 3);
        foreach (var c in new[] { "full", "half", "empty" }) await layer.SubscribeAsync("t", c);
        for (var i = 0; i < 3; i++) await layer.SendAsync("full", $"f{i}");
        await layer.SendAsync("half", "h0");
        await layer.SendAsync("half", "h1");

        Assert.Equal(2, await layer.PublishAsync("t", "p1"));   // half (2 -> 3) and empty
        Assert.Equal(1, await layer.PublishAsync("t", "p2"));   // empty only

        Assert.Equal(new[] { "f0", "f1", "f2" }, await Drain(layer, "full"));
        Assert.Equal(new[] { "h0", "h1", "p1" }, await Drain(layer, "half"));
        Assert.Equal(new[] { "p1", "p2" }, await Drain(layer, "empty"));
    }

    [Fact]
    public async Task Send_to_a_full_channel_throws_and_stores_nothing()
    {
        var layer = Layer(capacity: 2);
        await layer.SendAsync("c", "a");
        await layer.SendAsync("c", "b");

        var error = await Assert.ThrowsAsync<ChannelFullException>(() => layer.SendAsync("c", "overflow"));

        Assert.Equal("c", error.Channel);
        Assert.Equal(2, error.Capacity);
        Assert.IsAssignableFrom<ChannelLayerException>(error);
        Assert.Equal(new RedisValue[] { "a", "b" },
            (await Db.ListRangeAsync(layer.QueueKey("c"))).Select(e => (RedisValue)((string)e!).Split('|', 2)[1]).ToArray());
    }

    [Fact]
    public async Task Bad_names_and_oversized_messages_are_refused_before_anything_is_sent()
    {
        var layer = Layer();
        var tooLong = new string('a', 101);
        var oneMiB = new byte[1024 * 1024];
        var overOneMiB = new byte[1024 * 1024 + 1];
        var overInText = new string('é', 1024 * 512 + 1);   // 2 UTF-8 bytes each: 1 MiB + 2

        var errors = new List<ChannelLayerException>();
        async Task Refused<T>(Func<Task> call) where T : ChannelLayerException =>
            errors.Add(await Assert.ThrowsAsync<T>(call));

        var sent = await Wire.Profile(mux, async () =>
        {
            await Refused<InvalidChannelNameException>(() => layer.SendAsync("bad name", "x"));
            await Refused<InvalidChannelNameException>(() => layer.SendAsync(tooLong, "x"));
            await Refused<InvalidChannelNameException>(() => layer.SendAsync("", "x"));
            await Refused<InvalidChannelNameException>(() => layer.SendAsync("ünïcode", "x"));
            await Refused<InvalidChannelNameException>(() => layer.PublishAsync("topic{x}", "x"));
            await Refused<InvalidChannelNameException>(() => layer.PublishAsync("ok", "x", exclude: "no/slash"));
            await Refused<InvalidChannelNameException>(() => layer.SubscribeAsync("ok", "a b"));
            await Refused<InvalidChannelNameException>(() => layer.SubscribeAsync("a*", "ok"));
            await Refused<InvalidChannelNameException>(() => layer.UnsubscribeAsync("ok", "new\nline"));
            await Refused<InvalidChannelNameException>(() => layer.PollAsync("?"));
            await Refused<InvalidChannelNameException>(() => layer.ReceiveAsync("?", TimeSpan.FromSeconds(1)));
            await Refused<InvalidChannelNameException>(() => layer.CleanupAsync("ok", new[] { "fine", "not fine" }));
            await Refused<InvalidChannelNameException>(() => layer.QueuePublishAsync(client.Pipeline(), "$", "x"));
            await Refused<MessageTooLargeException>(() => layer.SendAsync("ok", overOneMiB));
            await Refused<MessageTooLargeException>(() => layer.SendAsync("ok", overInText));
            await Refused<MessageTooLargeException>(() => layer.PublishAsync("ok", overOneMiB));
            await Refused<MessageTooLargeException>(() => layer.QueuePublishAsync(client.Pipeline(), "ok", overOneMiB));
        });

        Assert.Empty(sent);
        var tooLarge = Assert.IsType<MessageTooLargeException>(errors[^4]);
        Assert.Equal(1024 * 1024 + 1, tooLarge.Size);
        Assert.Equal(1024 * 1024, tooLarge.Limit);
        Assert.Equal(1024 * 1024 + 2, Assert.IsType<MessageTooLargeException>(errors[^3]).Size);
        var badName = Assert.IsType<InvalidChannelNameException>(errors[0]);
        Assert.Equal("channel", badName.Kind);
        Assert.Contains("' '", badName.Message);
        Assert.Equal("topic", Assert.IsType<InvalidChannelNameException>(errors[4]).Kind);

        // The limits themselves are allowed: a 100-character name and exactly 1 MiB.
        var longest = new string('z', 100);
        await layer.SendAsync(longest, oneMiB);
        var back = await layer.PollAsync(longest);
        Assert.Equal(oneMiB.Length, back!.Payload.Length);
        Assert.True(ChannelNames.IsValid("A.b-c_d:9"));
    }

    [Fact]
    public async Task Receive_returns_a_message_sent_while_waiting_and_null_on_timeout()
    {
        var layer = Layer();

        var waiting = layer.ReceiveAsync("inbox", TimeSpan.FromSeconds(10));
        await Task.Delay(150);
        Assert.False(waiting.IsCompleted);
        await layer.SendAsync("inbox", "wake up");
        var watch = Stopwatch.StartNew();
        var received = await waiting;
        Assert.Equal("wake up", received!.Text);
        Assert.True(watch.ElapsedMilliseconds < 1000, $"took {watch.ElapsedMilliseconds} ms after the send");

        watch.Restart();
        Assert.Null(await layer.ReceiveAsync("inbox", TimeSpan.FromMilliseconds(300)));
        Assert.InRange(watch.ElapsedMilliseconds, 290, 2000);

        Assert.Null(await layer.ReceiveAsync("inbox", TimeSpan.Zero));

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => layer.ReceiveAsync("inbox", Timeout.InfiniteTimeSpan, cancel.Token));
    }

    [Fact]
    public async Task Four_producers_and_eight_consumers_deliver_every_message_once_in_producer_order()
    {
        const int producers = 4, perProducer = 1000, members = 8;
        var layer = Layer(capacity: producers * perProducer);
        var channels = Enumerable.Range(0, members).Select(i => $"consumer-{i}").ToArray();
        foreach (var c in channels) await layer.SubscribeAsync("firehose", c);

        var received = channels.ToDictionary(c => c, _ => new List<string>());
        var consumers = channels.Select(c => Task.Run(async () =>
        {
            var list = received[c];
            while (list.Count < producers * perProducer)
            {
                var m = await layer.ReceiveAsync(c, TimeSpan.FromSeconds(10));
                if (m is null) break;
                list.Add(m.Text);
            }
        })).ToArray();
        var publishers = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
                Assert.Equal(members, await layer.PublishAsync("firehose", $"{p}:{i}"));
        })).ToArray();

        await Task.WhenAll(publishers);
        await Task.WhenAll(consumers);

        foreach (var c in channels)
        {
            var got = received[c];
            Assert.Equal(producers * perProducer, got.Count);
            Assert.Equal(got.Count, got.Distinct().Count());
            for (var p = 0; p < producers; p++)
            {
                var fromP = got.Where(m => m.StartsWith($"{p}:", StringComparison.Ordinal)).Select(m => int.Parse(m.Split(':')[1], CultureInfo.InvariantCulture));
                Assert.Equal(Enumerable.Range(0, perProducer), fromP);
            }
            Assert.Null(await layer.PollAsync(c));
        }
    }

    // ---- membership ------------------------------------------------------------------------

    [Fact]
    public async Task Subscribe_is_idempotent_and_renews_the_membership()
    {
        var layer = Layer();
        Assert.True(await layer.SubscribeAsync("t", "c"));
        Assert.False(await layer.SubscribeAsync("t", "c"));
        Assert.Equal(new[] { "c" }, await layer.MembersAsync("t"));

        clock.Advance(TimeSpan.FromSeconds(50_000));
        Assert.False(await layer.SubscribeAsync("t", "c"));      // renewed: expires 86,400 s from now
        await layer.SubscribeAsync("t", "d");
        clock.Advance(TimeSpan.FromSeconds(50_000));             // c joined 50,000 s ago again; d too
        Assert.Equal(2, await layer.PublishAsync("t", "still here"));

        clock.Advance(TimeSpan.FromSeconds(36_400));             // 86,400 s since the last subscribe
        Assert.Empty(await layer.MembersAsync("t"));
        Assert.Equal(0, await layer.PublishAsync("t", "nobody"));
        Assert.Equal(0, await redis.Admin.GetDatabase().SortedSetLengthAsync(layer.GroupKey("t")));
        Assert.True(await layer.SubscribeAsync("t", "c"));        // an expired member joins anew
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery()
    {
        var layer = Layer();
        await layer.SubscribeAsync("t", "a");
        await layer.SubscribeAsync("t", "b");

        Assert.True(await layer.UnsubscribeAsync("t", "a"));
        Assert.False(await layer.UnsubscribeAsync("t", "a"));

        Assert.Equal(1, await layer.PublishAsync("t", "only b"));
        Assert.Null(await layer.PollAsync("a"));
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("a")));
    }

    [Fact]
    public async Task A_publish_whose_member_list_is_stale_writes_nothing_and_names_the_newcomers()
    {
        var layer = Layer();
        await layer.SubscribeAsync("t", "known");
        await layer.SubscribeAsync("t", "newcomer");
        await layer.SubscribeAsync("t", "left");
        await layer.UnsubscribeAsync("t", "left");
        var now = clock.Now.ToUnixTimeMilliseconds();

        // The script as PublishAsync sends it after reading ["known", "left"] (strict mode).
        var reply = await client.RunScriptAsync(ChannelCommands.Publish,
            new[] { layer.GroupKey("t"), layer.QueueKey("known"), layer.QueueKey("left") },
            new RedisValue[] { now, 60_000, 100, now - 86_400_000, 1, "", "payload", "known", "left" });

        Assert.Equal(new[] { "newcomer" }, ((RedisResult[])reply!).Select(r => (string)r!).ToArray());
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("known")));

        // Non-strict (as in a pipeline): the known live member gets it, the one that left does not.
        var lenient = await client.RunScriptAsync(ChannelCommands.Publish,
            new[] { layer.GroupKey("t"), layer.QueueKey("known"), layer.QueueKey("left") },
            new RedisValue[] { now, 60_000, 100, now - 86_400_000, 0, "", "payload", "known", "left" });
        Assert.Equal(1, (long)lenient);
        Assert.False(await Db.KeyExistsAsync(layer.QueueKey("left")));

        // The layer's own publish reads, then runs strictly: everyone live gets it.
        Assert.Equal(2, await layer.PublishAsync("t", "all"));
    }

    [Fact]
    public async Task Publish_calls_again_when_a_member_joins_between_its_read_and_its_script()
    {
        var clockCalls = 0;
        var layer = new ChannelLayer(client, new ChannelLayerOptions
        {
            Prefix = prefix,
            Clock = () =>
            {
                // PublishAsync reads the clock once for the membership read, then once per script call:
                // the newcomer joins (from another connection) right after the read.
                if (Interlocked.Increment(ref clockCalls) == 2)
                    Db.SortedSetAdd(GroupKeyOf("t"), "newcomer", clock.Now.ToUnixTimeMilliseconds());
                return clock.Now;
            },
        });
        await layer.SubscribeAsync("t", "early");
        clockCalls = 0;
        var scriptCalls = ScriptCalls();

        Assert.Equal(2, await layer.PublishAsync("t", "for everyone"));

        Assert.Equal(3, clockCalls);                                              // read, refused call, delivering call
        Assert.Equal(scriptCalls + 2, ScriptCalls());
        Assert.Equal(new[] { "for everyone" }, await Drain(layer, "early"));
        Assert.Equal(new[] { "for everyone" }, await Drain(layer, "newcomer"));
    }

    private string GroupKeyOf(string topic) => "{" + prefix + "}:g:" + topic;

    // Calls of the layer's commands on the server: EVALSHA/EVAL, or FCALL with the Functions backend.
    private long ScriptCalls() => TestBackend.IsFunctions
        ? Wire.Calls(redis.AdminServer, "fcall") + Wire.Calls(redis.AdminServer, "fcall_ro")
        : Wire.Calls(redis.AdminServer, "evalsha") + Wire.Calls(redis.AdminServer, "eval");

    // ---- keys, scripts ---------------------------------------------------------------------

    [Fact]
    public async Task Every_key_shares_the_prefix_hash_tag_and_layers_with_other_prefixes_are_isolated()
    {
        var layer = Layer();
        var keys = new[] { layer.QueueKey("a"), layer.QueueKey("b.c"), layer.GroupKey("t"), layer.GroupKey("u:v") };
        Assert.All(keys, k => Assert.StartsWith("{" + prefix + "}:", (string)k!));
        Assert.Single(keys.Select(k => mux.HashSlot(k)).Distinct());

        Assert.Equal(ChannelCommands.All.OrderBy(n => n, StringComparer.Ordinal), client.ListScripts().OrderBy(n => n, StringComparer.Ordinal));
        Assert.Null(client.GetScript(ChannelCommands.Publish).Keys);
        Assert.Null(client.GetScript(ChannelCommands.Cleanup).Keys);
        Assert.Equal(1, client.GetScript(ChannelCommands.Send).Keys);
        // No script builds a key name itself: they only use KEYS[...].
        foreach (var name in ChannelCommands.All)
            Assert.DoesNotContain(":q:", client.GetScript(name).Lua);

        // Keys come from the caller's prefix, never from the script: two layers over one client
        // (same script bodies) with different prefixes do not see each other's channels.
        var other = new ChannelLayer(client, new ChannelLayerOptions { Prefix = prefix + "-2", Clock = () => clock.Now });
        await other.SubscribeAsync("t", "a");
        await layer.SubscribeAsync("t", "a");
        Assert.Equal(1, await other.PublishAsync("t", "to other"));
        Assert.Null(await layer.PollAsync("a"));
        Assert.Equal("to other", (await other.PollAsync("a"))!.Text);
    }

    [Fact]
    public async Task Runs_with_evalsha_and_heals_after_script_flush()
    {
        var layer = Layer();
        await layer.SubscribeAsync("t", "a");
        await layer.PublishAsync("t", "warm-up");
        var evalBefore = Wire.Calls(redis.AdminServer, "eval");
        var evalshaBefore = Wire.Calls(redis.AdminServer, "evalsha");
        var fcallBefore = Wire.Calls(redis.AdminServer, "fcall");
        var loadsBefore = Wire.Calls(redis.AdminServer, "function|load");

        for (var i = 0; i < 5; i++) await layer.PublishAsync("t", $"m{i}");
        Assert.Equal(evalBefore, Wire.Calls(redis.AdminServer, "eval"));
        if (TestBackend.IsFunctions)
            Assert.Equal((evalshaBefore, fcallBefore + 5), (Wire.Calls(redis.AdminServer, "evalsha"), Wire.Calls(redis.AdminServer, "fcall")));
        else
            Assert.Equal(evalshaBefore + 5, Wire.Calls(redis.AdminServer, "evalsha"));

        await redis.AdminServer.ScriptFlushAsync();
        Assert.Equal(1, await layer.PublishAsync("t", "healed"));
        if (TestBackend.IsFunctions)
        {
            // Functions: SCRIPT FLUSH leaves the library alone: nothing to heal, nothing sent as a script or loaded.
            Assert.Equal(evalBefore, Wire.Calls(redis.AdminServer, "eval"));
            Assert.Equal(fcallBefore + 6, Wire.Calls(redis.AdminServer, "fcall"));
            Assert.Equal(loadsBefore, Wire.Calls(redis.AdminServer, "function|load"));
        }
        else
        {
            Assert.Equal(evalBefore + 1, Wire.Calls(redis.AdminServer, "eval"));
        }

        var texts = await Drain(layer, "a");
        Assert.Equal(new[] { "warm-up", "m0", "m1", "m2", "m3", "m4", "healed" }, texts);
    }
}
