--! description: Publishes a message to every member of a group.
local group = KEYS[1]
--- @include "helpers/fanout"
return fanout(group, ARGV[1])
