-- An error nobody catches: the driver prints Lua's message and traceback
-- on stderr and exits with status 1, after the output so far.
print("before the error")
local function level3() local t = nil; return t.missing end
local function level2() return level3() + 1 end
function level1() level2() end
level1()
print("never printed")
