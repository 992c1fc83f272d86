--! description: channel layer: join or renew a group membership
-- KEYS[1] the group. ARGV: now-ms, group-expiry-ms, cutoff-ms, channel.
-- Drops expired memberships, adds or renews the channel's (its score is the join time) and the
-- group key's time to live. Returns 1 when the channel was not a member, 0 when renewed.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return added
