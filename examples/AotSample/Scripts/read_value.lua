--! keys: 1
--! readonly
--! description: Reads a value.
return redis.call('GET', KEYS[1])
