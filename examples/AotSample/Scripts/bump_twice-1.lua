--! description: Adds ARGV[1] to KEYS[1] twice, through an included helper.
--- @include "helpers/bump"
bump(KEYS[1], ARGV[1])
return bump(KEYS[1], ARGV[1])
