--! description: channel layer: delete a queue and leave groups, atomically
-- Dynamic key count. KEYS[1] the channel's queue; KEYS[2..] the groups to leave. ARGV: channel.
-- Deletes the queue and leaves every group, atomically. Returns {queue deleted (1/0), how many
-- groups it left}.
local deleted = redis.call('DEL', KEYS[1])
local left = 0
for i = 2, #KEYS do left = left + redis.call('ZREM', KEYS[i], ARGV[1]) end
return {deleted, left}
