-- Coroutines, pcall/error, and a little of everything over many steps
-- (the snapshot test stops this script in its middle).
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i, i * i) end
    return "done"
  end)
end
local g = gen(3)
print(g()); print(g()); print(g()); print(g())

local co = coroutine.create(function(a, b)
  print("start", a, b, coroutine.isyieldable(), coroutine.running() ~= nil)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return d + e, "end"
end)
print(coroutine.status(co), coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
print(coroutine.isyieldable(), select("#", coroutine.running()))

-- errors inside coroutines, and closing them
local bad = coroutine.create(function() local x = nil; return x.field end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
local closing = coroutine.create(function() coroutine.yield(1) end)
coroutine.resume(closing)
print(coroutine.close(closing), coroutine.status(closing))
print(pcall(coroutine.wrap(function() error("in wrap") end)))

-- pcall, error, xpcall
print(pcall(error, "plain"))
print(select(2, pcall(error, {code = 42})).code)
print(tostring(select(2, pcall(error, setmetatable({}, {__tostring = function() return "custom" end})))))
print(pcall(error, "level 2", 2))
print(pcall(function() error("no position", 0) end))
print(pcall(function() local t = {} ; t.x.y = 1 end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #nil end))
print(pcall(function() return ("x"):bad() end))
print(pcall(function() return nil .. "x" end))
print(pcall(function() return 1 < "2" end))
print(pcall(function() return math.floor("a") end))
print(pcall(string.rep))
print(pcall(setmetatable, 1, {}))
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end), 1 // 0.0, -1 % math.huge)
print(select("#", pcall(function() return 1, 2, 3 end)), pcall(function() return 1, 2, 3 end))
print(xpcall(function() error("handled") end, function(m) return "handler: " .. m end))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
local ok, tb = xpcall(function() local function inner() error("deep") end inner() end, debug.traceback)
print(ok, (tb:gsub("\n.*", "")))
print(pcall(assert, false, "assert message"), pcall(assert, nil), pcall(assert, 1, 2))
print(pcall(function() local a <const> = 1; local t <close> = setmetatable({}, {__close = function() print("closed") end}); error("with close") end))
print(tostring(nil), tostring(true), tonumber(nil ~= false), rawequal("a", "a"), rawlen({1, 2}), type(print))

-- nested pcall and errors rethrown through coroutines
local function risky(n)
  if n == 0 then error({depth = "bottom"}) end
  local ok, e = pcall(risky, n - 1)
  if not ok then error(e) end
end
local ok2, e2 = pcall(risky, 5)
print(ok2, type(e2), e2.depth)

-- a longer run: a producer/consumer pipeline over many steps
local function producer(n)
  return coroutine.create(function()
    for i = 1, n do coroutine.yield(string.format("item%04d", i)) end
  end)
end
local function filter(p)
  return coroutine.create(function()
    while true do
      local ok, v = coroutine.resume(p)
      if not v then return end
      if tonumber(v:sub(5)) % 3 == 0 then coroutine.yield(v:upper()) end
    end
  end)
end
local f = filter(producer(3000))
local count, last, sum = 0, nil, 0
while true do
  local ok, v = coroutine.resume(f)
  if not v then break end
  count = count + 1; last = v
  sum = (sum + #v * count) % 1000003
  if count % 100 == 0 then print("pipeline", count, last, sum) end
end
print("pipeline done", count, last, sum)

-- string building and a memoized fib across many calls
local memo = {}
local function fib(n)
  if n < 2 then return n end
  if memo[n] then return memo[n] end
  local v = fib(n - 1) + fib(n - 2)
  memo[n] = v
  return v
end
local function slowfib(n) if n < 2 then return n end return slowfib(n - 1) + slowfib(n - 2) end
for i = 10, 80, 10 do print("fib", i, fib(i)) end
for i = 15, 22 do print("slowfib", i, slowfib(i)) end
local parts = {}
for i = 1, 2000 do parts[#parts + 1] = string.format("%d:%x", i, i * 7) end
local joined = table.concat(parts, ",")
print(#joined, joined:sub(1, 40), select(2, joined:gsub(",", ",")))
