-- Adds `by` to the number at `key`; a `by` that is no number fails on line 4.
local function bump(key, by)
  local n = tonumber(by)
  if n == nil then return nil + 1 end
  return redis.call('INCRBY', key, n)
end
