-- the greeting the hosting tests expect
local function greeting() return "hello from the assembly" end
