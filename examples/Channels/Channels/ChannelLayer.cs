using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace LuaScripts.Channels;

/// <summary>The names under which a <see cref="ChannelLayer"/> defines its script commands.</summary>
public static class ChannelCommands
{
    /// <summary>Point-to-point send: capacity check, push. One key.</summary>
    public const string Send = "channel_send";

    /// <summary>Fan-out to a group's members: dynamic key count (the group, then the member queues).</summary>
    public const string Publish = "channel_publish";

    /// <summary>Non-blocking receive: pops the oldest live message. One key.</summary>
    public const string Poll = "channel_poll";

    /// <summary>Joins or renews a group membership. One key.</summary>
    public const string Subscribe = "channel_subscribe";

    /// <summary>Leaves a group. One key.</summary>
    public const string Unsubscribe = "channel_unsubscribe";

    /// <summary>Disconnect: deletes a queue and leaves groups, atomically. Dynamic key count.</summary>
    public const string Cleanup = "channel_cleanup";

    /// <summary>Every name above.</summary>
    public static IReadOnlyList<string> All { get; } = new[] { Send, Publish, Poll, Subscribe, Unsubscribe, Cleanup };
}

/// <summary>What <see cref="ChannelLayer.CleanupAsync"/> removed.</summary>
/// <param name="QueueDeleted">Whether the channel had a queue (waiting messages), now deleted.</param>
/// <param name="TopicsLeft">How many of the given topics the channel was a member of, and has left.</param>
public readonly record struct CleanupResult(bool QueueDeleted, int TopicsLeft);

/// <summary>
/// A channel layer in the style of Django Channels: named channels that each hold a bounded queue
/// of messages (point to point), and topics (groups) whose members each get a copy of a published
/// message. Every operation that changes state is one LuaScripts command run with EVALSHA; the
/// layer keeps no state of its own and is thread-safe.
/// <para>
/// Keys: <c>{prefix}:q:&lt;channel&gt;</c> is a channel's queue, a list of
/// <c>"&lt;sent-ms&gt;|&lt;payload&gt;"</c> entries, oldest first; <c>{prefix}:g:&lt;topic&gt;</c> is a
/// topic's members, a sorted set scored by join time. The hash tag <c>{prefix}</c> puts all of a
/// layer's keys in one Redis Cluster slot, and every key a script touches is passed in KEYS.
/// </para>
/// <para>
/// Time: every script gets the time from <see cref="ChannelLayerOptions.Clock"/> in ARGV and judges
/// message and membership expiry by it. Keys also get a time to live on the server (a queue lives
/// <see cref="ChannelLayerOptions.MessageExpiry"/> after its last push, a group
/// <see cref="ChannelLayerOptions.GroupExpiry"/> after its last subscribe) so abandoned keys vanish.
/// </para>
/// </summary>
public sealed class ChannelLayer
{
    /// <summary>Where the layer's scripts are embedded (LuaScriptResourcePrefix in the project).</summary>
    private const string ScriptResourcePrefix = "LuaScripts.Channels/";

    private readonly ScriptClient client;
    private readonly string tag;
    private readonly RedisValue expiryMs;
    private readonly RedisValue capacity;

    /// <summary>
    /// Creates a layer over a script client and defines its commands there (see
    /// <see cref="ChannelCommands"/>; defining them again, as a second layer over the same client
    /// does, is harmless: the bodies are the same). Nothing is sent to the server.
    /// </summary>
    /// <param name="client">The script client; shared, not owned.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="InvalidChannelNameException">The prefix is not a valid name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range.</exception>
    public ChannelLayer(ScriptClient client, ChannelLayerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        Options = options ?? new ChannelLayerOptions();
        Options.Validate();
        this.client = client;
        tag = "{" + Options.Prefix + "}";
        expiryMs = Milliseconds(Options.MessageExpiry);
        capacity = Options.Capacity;

        // The commands are the .lua files of Scripts/ (embedded by the LuaScript item): see Scripts/.
        client.DefineCommandsFromAssembly(typeof(ChannelLayer).Assembly, ScriptResourcePrefix);
    }

    /// <summary>The script client the layer runs on.</summary>
    public ScriptClient Client => client;

    /// <summary>The settings.</summary>
    public ChannelLayerOptions Options { get; }

    /// <summary>The key of a channel's queue: <c>{prefix}:q:&lt;channel&gt;</c>.</summary>
    /// <param name="channel">A valid channel name.</param>
    /// <exception cref="InvalidChannelNameException">The name is not valid.</exception>
    public RedisKey QueueKey(string channel) => Queue(ChannelNames.Check("channel", channel));

    /// <summary>The key of a topic's member set: <c>{prefix}:g:&lt;topic&gt;</c>.</summary>
    /// <param name="topic">A valid topic name.</param>
    /// <exception cref="InvalidChannelNameException">The name is not valid.</exception>
    public RedisKey GroupKey(string topic) => Group(ChannelNames.Check("topic", topic));

    private RedisKey Queue(string channel) => tag + ":q:" + channel;

    private RedisKey Group(string topic) => tag + ":g:" + topic;

    private long Now() => Options.Clock().ToUnixTimeMilliseconds();

    private static RedisValue Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private RedisValue Cutoff(long now) => now - (long)Math.Ceiling(Options.GroupExpiry.TotalMilliseconds);

    private RedisValue Payload(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Each char is at most 3 UTF-8 bytes (a surrogate pair is 4 for 2 chars): count only when it may be over.
        if ((long)message.Length * 3 > Options.MaxMessageBytes)
        {
            var size = Encoding.UTF8.GetByteCount(message);
            if (size > Options.MaxMessageBytes) throw new MessageTooLargeException(size, Options.MaxMessageBytes);
        }
        return message;
    }

    private RedisValue Payload(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length > Options.MaxMessageBytes) throw new MessageTooLargeException(message.Length, Options.MaxMessageBytes);
        return message;
    }

    // ---- groups ------------------------------------------------------------------------------

    /// <summary>
    /// Adds a channel to a topic's group, or renews its membership: a membership expires
    /// <see cref="ChannelLayerOptions.GroupExpiry"/> after the last subscribe. Idempotent.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns><see langword="true"/> when the channel joined, <see langword="false"/> when it was a member and was renewed.</returns>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was sent.</exception>
    public async Task<bool> SubscribeAsync(string topic, string channel, CancellationToken cancellationToken = default)
    {
        var group = GroupKey(topic);
        ChannelNames.Check("channel", channel);
        var now = Now();
        var reply = await client.RunScriptAsync(ChannelCommands.Subscribe, new[] { group },
            new RedisValue[] { now, Milliseconds(Options.GroupExpiry), Cutoff(now), channel },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    /// <summary>Removes a channel from a topic's group.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>Whether the channel was a member.</returns>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was sent.</exception>
    public async Task<bool> UnsubscribeAsync(string topic, string channel, CancellationToken cancellationToken = default)
    {
        var group = GroupKey(topic);
        ChannelNames.Check("channel", channel);
        var reply = await client.RunScriptAsync(ChannelCommands.Unsubscribe, new[] { group }, new RedisValue[] { channel },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    /// <summary>The live members of a topic (memberships not yet expired by the layer's clock), in name order.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <exception cref="InvalidChannelNameException">The name is not valid; nothing was sent.</exception>
    public async Task<IReadOnlyList<string>> MembersAsync(string topic, CancellationToken cancellationToken = default)
    {
        var members = await ReadMembersAsync(GroupKey(topic), Now(), cancellationToken).ConfigureAwait(false);
        return members.OrderBy(m => m, StringComparer.Ordinal).ToList();
    }

    private async Task<List<string>> ReadMembersAsync(RedisKey group, long now, CancellationToken cancellationToken)
    {
        var read = client.Database.SortedSetRangeByScoreAsync(group, (double)Cutoff(now), double.PositiveInfinity, Exclude.Start);
        var members = await (cancellationToken.CanBeCanceled ? read.WaitAsync(cancellationToken) : read).ConfigureAwait(false);
        return members.Select(m => (string)m!).ToList();
    }

    // ---- sending -----------------------------------------------------------------------------

    /// <summary>Sends a text message (UTF-8) to one channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a send already made still lands.</param>
    /// <exception cref="InvalidChannelNameException">The name is not valid; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was sent.</exception>
    /// <exception cref="ChannelFullException">The channel is at its capacity; nothing was stored.</exception>
    public Task SendAsync(string channel, string message, CancellationToken cancellationToken = default) =>
        SendCoreAsync(channel, () => Payload(message), cancellationToken);

    /// <summary>Sends a binary message to one channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting for the reply; a send already made still lands.</param>
    /// <exception cref="InvalidChannelNameException">The name is not valid; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was sent.</exception>
    /// <exception cref="ChannelFullException">The channel is at its capacity; nothing was stored.</exception>
    public Task SendAsync(string channel, byte[] message, CancellationToken cancellationToken = default) =>
        SendCoreAsync(channel, () => Payload(message), cancellationToken);

    private async Task SendCoreAsync(string channel, Func<RedisValue> payload, CancellationToken cancellationToken)
    {
        var queue = QueueKey(channel);
        var body = payload();
        var reply = await client.RunScriptAsync(ChannelCommands.Send, new[] { queue },
            new RedisValue[] { Now(), expiryMs, capacity, body }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if ((long)reply == 0) throw new ChannelFullException(channel, Options.Capacity);
    }

    /// <summary>
    /// Publishes a text message (UTF-8) to every member of a topic but <paramref name="exclude"/>, in
    /// one script call; full members are skipped silently. Reads the members first, then runs the
    /// script with their queue keys; the script delivers to exactly the members live when it runs
    /// (should one have joined since the read, it writes nothing and the layer retries with it).
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The message.</param>
    /// <param name="exclude">A channel that does not get it (typically the sender's own), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>How many members received it.</returns>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was sent.</exception>
    public Task<int> PublishAsync(string topic, string message, string? exclude = null, CancellationToken cancellationToken = default) =>
        PublishCoreAsync(topic, () => Payload(message), exclude, cancellationToken);

    /// <summary>Publishes a binary message; see <see cref="PublishAsync(string, string, string?, CancellationToken)"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The message.</param>
    /// <param name="exclude">A channel that does not get it, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>How many members received it.</returns>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was sent.</exception>
    public Task<int> PublishAsync(string topic, byte[] message, string? exclude = null, CancellationToken cancellationToken = default) =>
        PublishCoreAsync(topic, () => Payload(message), exclude, cancellationToken);

    private async Task<int> PublishCoreAsync(string topic, Func<RedisValue> payload, string? exclude, CancellationToken cancellationToken)
    {
        var group = GroupKey(topic);
        if (exclude is not null) ChannelNames.Check("channel", exclude);
        var body = payload();
        var candidates = await ReadMembersAsync(group, Now(), cancellationToken).ConfigureAwait(false);
        var known = new HashSet<string>(candidates, StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var strict = attempt < Options.PublishAttempts;
            var (keys, args) = PublishArguments(group, candidates, body, exclude, strict);
            var reply = await client.RunScriptAsync(ChannelCommands.Publish, keys, args, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (reply.Resp2Type != ResultType.Array) return (int)(long)reply;
            // Members joined between the read and the script: nothing was written; run again with them.
            foreach (var joined in (RedisResult[])reply!)
                if (known.Add((string)joined!)) candidates.Add((string)joined!);
        }
    }

    private (RedisKey[] Keys, RedisValue[] Args) PublishArguments(RedisKey group, List<string> candidates, RedisValue body,
        string? exclude, bool strict)
    {
        var targets = exclude is null ? candidates : candidates.Where(c => c != exclude).ToList();
        var now = Now();
        var keys = new RedisKey[1 + targets.Count];
        var args = new RedisValue[7 + targets.Count];
        keys[0] = group;
        args[0] = now;
        args[1] = expiryMs;
        args[2] = capacity;
        args[3] = Cutoff(now);
        args[4] = strict ? 1 : 0;
        args[5] = exclude ?? "";
        args[6] = body;
        for (var i = 0; i < targets.Count; i++)
        {
            keys[1 + i] = Queue(targets[i]);
            args[7 + i] = targets[i];
        }
        return (keys, args);
    }

    /// <summary>
    /// Queues a publish of a text message on a pipeline or transaction, to be sent with its other
    /// commands by <see cref="ScriptPipeline.ExecuteAsync"/>; its reply there is how many members
    /// received it (an integer). The members are read now (one round trip) and their queue keys
    /// queued with the call; when the pipeline runs, the script delivers to those of them that are
    /// still members. A channel that joins between this call and the pipeline's execution does not
    /// get the message, as if it had joined just after it.
    /// </summary>
    /// <param name="pipeline">A pipeline or transaction of this layer's <see cref="Client"/>.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The message.</param>
    /// <param name="exclude">A channel that does not get it, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the membership read.</param>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was queued.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was queued.</exception>
    public Task QueuePublishAsync(ScriptPipeline pipeline, string topic, string message, string? exclude = null,
        CancellationToken cancellationToken = default) =>
        QueuePublishCoreAsync(pipeline, topic, () => Payload(message), exclude, cancellationToken);

    /// <summary>Queues a publish of a binary message; see <see cref="QueuePublishAsync(ScriptPipeline, string, string, string?, CancellationToken)"/>.</summary>
    /// <param name="pipeline">A pipeline or transaction of this layer's <see cref="Client"/>.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The message.</param>
    /// <param name="exclude">A channel that does not get it, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the membership read.</param>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was queued.</exception>
    /// <exception cref="MessageTooLargeException">The message is over the limit; nothing was queued.</exception>
    public Task QueuePublishAsync(ScriptPipeline pipeline, string topic, byte[] message, string? exclude = null,
        CancellationToken cancellationToken = default) =>
        QueuePublishCoreAsync(pipeline, topic, () => Payload(message), exclude, cancellationToken);

    private async Task QueuePublishCoreAsync(ScriptPipeline pipeline, string topic, Func<RedisValue> payload, string? exclude,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var group = GroupKey(topic);
        if (exclude is not null) ChannelNames.Check("channel", exclude);
        var body = payload();
        var candidates = await ReadMembersAsync(group, Now(), cancellationToken).ConfigureAwait(false);
        var (keys, args) = PublishArguments(group, candidates, body, exclude, strict: false);
        pipeline.RunScript(ChannelCommands.Publish, keys, args);
    }

    // ---- receiving ---------------------------------------------------------------------------

    /// <summary>
    /// Takes the oldest live message of a channel without waiting; expired messages met on the way
    /// are dropped.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (a message the server already popped is then lost).</param>
    /// <returns>The message, or <see langword="null"/> when the channel holds none.</returns>
    /// <exception cref="InvalidChannelNameException">The name is not valid; nothing was sent.</exception>
    public async Task<ChannelMessage?> PollAsync(string channel, CancellationToken cancellationToken = default)
    {
        var queue = QueueKey(channel);
        var reply = await client.RunScriptAsync(ChannelCommands.Poll, new[] { queue }, new RedisValue[] { Now(), expiryMs },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return reply.IsNull ? null : Parse(channel, (byte[])reply!);
    }

    private static ChannelMessage Parse(string channel, byte[] entry)
    {
        var bar = Array.IndexOf(entry, (byte)'|');
        if (bar < 0 || !Utf8Parser.TryParse(entry.AsSpan(0, bar), out long sentMs, out var consumed) || consumed != bar)
            throw new InvalidOperationException($"The queue of channel '{channel}' holds an entry that is not 'sent-ms|payload'.");
        return new ChannelMessage(channel, entry[(bar + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(sentMs));
    }

    /// <summary>
    /// Waits for a message. Redis cannot block inside a script, and a blocking command (BLPOP) would
    /// stall the multiplexed connection for every other caller, so this polls: at once, then after
    /// 1, 2, 4... ms, up to <see cref="ChannelLayerOptions.MaxPollDelay"/> between polls. The timeout
    /// is measured on the machine's monotonic clock, not the layer's <see cref="ChannelLayerOptions.Clock"/>.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled; zero polls once.</param>
    /// <param name="cancellationToken">Stops waiting. It only cuts the pauses between polls, never a poll in flight,
    /// so cancelling never loses a message.</param>
    /// <returns>The message, or <see langword="null"/> when none came within the timeout.</returns>
    /// <exception cref="InvalidChannelNameException">The name is not valid; nothing was sent.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task<ChannelMessage?> ReceiveAsync(string channel, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ChannelNames.Check("channel", channel);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or infinite.");
        var watch = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The poll itself is not cancelled: a message the server pops is always handed back.
            var message = await PollAsync(channel, CancellationToken.None).ConfigureAwait(false);
            if (message is not null) return message;
            var wait = delay;
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                var remaining = timeout - watch.Elapsed;
                if (remaining <= TimeSpan.Zero) return null;
                if (remaining < wait) wait = remaining;
            }
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < Options.MaxPollDelay ? delay * 2 : Options.MaxPollDelay;
        }
    }

    // ---- disconnect --------------------------------------------------------------------------

    /// <summary>
    /// On disconnect: deletes the channel's queue and removes it from the given topics, in one
    /// script call (atomic: no other command sees half of it).
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="topics">The topics it had joined.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>Whether a queue was deleted and how many topics it left.</returns>
    /// <exception cref="InvalidChannelNameException">A name is not valid; nothing was sent.</exception>
    public async Task<CleanupResult> CleanupAsync(string channel, IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var keys = new List<RedisKey> { QueueKey(channel) };
        foreach (var topic in topics.Distinct(StringComparer.Ordinal)) keys.Add(GroupKey(topic));
        var reply = (RedisResult[])(await client.RunScriptAsync(ChannelCommands.Cleanup, keys.ToArray(), new RedisValue[] { channel },
            cancellationToken: cancellationToken).ConfigureAwait(false))!;
        return new CleanupResult((long)reply[0] == 1, (int)(long)reply[1]);
    }
}
