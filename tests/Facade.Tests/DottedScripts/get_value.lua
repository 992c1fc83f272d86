--! keys: 1
--! readonly
--! description: Reads a value.
--! install
return redis.call('GET', KEYS[1])
