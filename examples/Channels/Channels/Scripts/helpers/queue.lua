-- Shared by the commands that read or write a queue: a queue is a list of entries
-- "<sent-ms>|<payload>", oldest first. An entry has expired when its age has reached the expiry
-- (both in ms, the time given by the caller, never the server's clock).
local function expired(entry, now, expiry)
    local bar = string.find(entry, '|', 1, true)
    if not bar then return true end
    local sent = tonumber(string.sub(entry, 1, bar - 1))
    return sent == nil or now - sent >= expiry
end
-- Drops the expired entries at the head of a queue.
local function trim(queue, now, expiry)
    while true do
        local head = redis.call('LINDEX', queue, 0)
        if not head or not expired(head, now, expiry) then return end
        redis.call('LPOP', queue)
    end
end
