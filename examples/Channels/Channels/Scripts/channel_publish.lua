--! description: channel layer: deliver to every live member of a group (group key, then member queue keys)
-- Dynamic key count. KEYS[1] the group; KEYS[2..n+1] the queues of n candidate members.
-- ARGV: now-ms, expiry-ms, capacity, membership cutoff-ms (a member whose join time is at or below
-- it has expired), strict (1/0), exclude ('' for none), payload, then the n candidate names in
-- KEYS order.
-- Drops expired memberships, then reads the live members. Strict, when a live member (other than
-- exclude) has no queue key among KEYS, it writes no message and returns the array of those
-- members, so the caller can call again with them. Otherwise it pushes to the queue of every live
-- member that has one, skipping exclude and full queues, and returns how many received it.
-- Candidates that are no longer members are ignored.
--- @include "helpers/queue"
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
