--! description: channel layer: point-to-point send with capacity and expiry
-- KEYS[1] the queue. ARGV: now-ms, expiry-ms, capacity, payload.
-- Returns 1 when stored, 0 when the queue is full (nothing stored).
--- @include "helpers/queue"
local now, expiry, capacity = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local queue = KEYS[1]
trim(queue, now, expiry)
if redis.call('LLEN', queue) >= capacity then return 0 end
redis.call('RPUSH', queue, ARGV[1] .. '|' .. ARGV[4])
redis.call('PEXPIRE', queue, ARGV[2])
return 1
