--! description: channel layer: pop the oldest live message
-- KEYS[1] the queue. ARGV: now-ms, expiry-ms. Pops entries until a live one, which it returns
-- ("sent-ms|payload"); expired ones are dropped. Returns nil when the queue is empty.
--- @include "helpers/queue"
local now, expiry = tonumber(ARGV[1]), tonumber(ARGV[2])
while true do
    local entry = redis.call('LPOP', KEYS[1])
    if not entry then return false end
    if not expired(entry, now, expiry) then return entry end
end
