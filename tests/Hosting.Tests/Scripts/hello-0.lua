--! description: Greets from an embedded script.
--- @include "helpers/name"
return greeting()
