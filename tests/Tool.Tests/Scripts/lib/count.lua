-- shared helper
local function count(key)
  return redis.call("SCARD", key)
end
