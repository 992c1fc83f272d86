--! description: Counts a set.
--- @include "lib/count"
return count(KEYS[1])
