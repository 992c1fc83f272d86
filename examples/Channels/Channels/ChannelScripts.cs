namespace LuaScripts.Channels;

/// <summary>
/// The Lua bodies of the layer's commands. Every key a script touches arrives in KEYS; the time,
/// the limits and the names arrive in ARGV, so no script reads the server's clock or builds a key.
/// A queue is a list of entries "&lt;sent-ms&gt;|&lt;payload&gt;", oldest first.
/// </summary>
internal static class ChannelScripts
{
    /// <summary>Shared helpers: the expiry test of an entry and the trimming of a queue's expired head.</summary>
    private const string Helpers = """
        local function expired(entry, now, expiry)
            local bar = string.find(entry, '|', 1, true)
            if not bar then return true end
            local sent = tonumber(string.sub(entry, 1, bar - 1))
            return sent == nil or now - sent >= expiry
        end
        local function trim(queue, now, expiry)
            while true do
                local head = redis.call('LINDEX', queue, 0)
                if not head or not expired(head, now, expiry) then return end
                redis.call('LPOP', queue)
            end
        end

        """;

    /// <summary>
    /// channel_send. KEYS[1] queue. ARGV: now-ms, expiry-ms, capacity, payload.
    /// Returns 1 when stored, 0 when the queue is full (nothing stored).
    /// </summary>
    public const string Send = Helpers + """
        local now, expiry, capacity = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local queue = KEYS[1]
        trim(queue, now, expiry)
        if redis.call('LLEN', queue) >= capacity then return 0 end
        redis.call('RPUSH', queue, ARGV[1] .. '|' .. ARGV[4])
        redis.call('PEXPIRE', queue, ARGV[2])
        return 1
        """;

    /// <summary>
    /// channel_publish, dynamic key count. KEYS[1] the group; KEYS[2..n+1] the queues of n candidate
    /// members. ARGV: now-ms, expiry-ms, capacity, membership cutoff-ms (a member whose join time is
    /// at or below it has expired), strict (1/0), exclude ('' for none), payload, then the n candidate
    /// names in KEYS order.
    /// Drops expired memberships, then reads the live members. Strict, when a live member (other
    /// than exclude) has no queue key among KEYS, it writes no message and returns the array of those
    /// members, so the caller can call again with them. Otherwise it pushes to the queue of every
    /// live member that has one, skipping exclude and full queues, and returns how many received it.
    /// Candidates that are no longer members are ignored.
    /// </summary>
    public const string Publish = Helpers + """
        local group = KEYS[1]
        local now, expiry, capacity = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local strict, exclude, payload = ARGV[5] == '1', ARGV[6], ARGV[7]
        redis.call('ZREMRANGEBYSCORE', group, '-inf', ARGV[4])
        local members = redis.call('ZRANGE', group, 0, -1)
        local queueOf = {}
        for i = 2, #KEYS do queueOf[ARGV[6 + i]] = KEYS[i] end
        if strict then
            local missing = {}
            for _, member in ipairs(members) do
                if member ~= exclude and not queueOf[member] then missing[#missing + 1] = member end
            end
            if #missing > 0 then return missing end
        end
        local entry = ARGV[1] .. '|' .. payload
        local delivered = 0
        for _, member in ipairs(members) do
            local queue = queueOf[member]
            if queue and member ~= exclude then
                trim(queue, now, expiry)
                if redis.call('LLEN', queue) < capacity then
                    redis.call('RPUSH', queue, entry)
                    redis.call('PEXPIRE', queue, ARGV[2])
                    delivered = delivered + 1
                end
            end
        end
        return delivered
        """;

    /// <summary>
    /// channel_poll. KEYS[1] queue. ARGV: now-ms, expiry-ms. Pops entries until a live one, which it
    /// returns ("sent-ms|payload"); expired ones are dropped. Returns nil when the queue is empty.
    /// </summary>
    public const string Poll = Helpers + """
        local now, expiry = tonumber(ARGV[1]), tonumber(ARGV[2])
        while true do
            local entry = redis.call('LPOP', KEYS[1])
            if not entry then return false end
            if not expired(entry, now, expiry) then return entry end
        end
        """;

    /// <summary>
    /// channel_subscribe. KEYS[1] group. ARGV: now-ms, group-expiry-ms, cutoff-ms, channel.
    /// Drops expired memberships, adds or renews the channel's (its score is the join time) and the
    /// group key's time to live. Returns 1 when the channel was not a member, 0 when renewed.
    /// </summary>
    public const string Subscribe = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
        local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return added
        """;

    /// <summary>channel_unsubscribe. KEYS[1] group. ARGV: channel. Returns 1 when it was a member, else 0.</summary>
    public const string Unsubscribe = """
        return redis.call('ZREM', KEYS[1], ARGV[1])
        """;

    /// <summary>
    /// channel_cleanup, dynamic key count. KEYS[1] the channel's queue; KEYS[2..] the groups to leave.
    /// ARGV: channel. Deletes the queue and leaves every group, atomically. Returns {queue deleted
    /// (1/0), how many groups it left}.
    /// </summary>
    public const string Cleanup = """
        local deleted = redis.call('DEL', KEYS[1])
        local left = 0
        for i = 2, #KEYS do left = left + redis.call('ZREM', KEYS[i], ARGV[1]) end
        return {deleted, left}
        """;
}
