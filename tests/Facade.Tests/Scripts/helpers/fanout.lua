-- Pushes a message onto each member's queue; "fail" fails on line 6.
local function fanout(group, message)
  local members = redis.call('SMEMBERS', group)
  if message == 'fail' then
    local missing = nil
    return missing + 1
  end
  for _, m in ipairs(members) do redis.call('RPUSH', group .. ':queue:' .. m, message) end
  return #members
end
