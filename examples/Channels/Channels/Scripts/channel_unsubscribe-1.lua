--! description: channel layer: leave a group
-- KEYS[1] the group. ARGV: channel. Returns 1 when it was a member, else 0.
return redis.call('ZREM', KEYS[1], ARGV[1])
