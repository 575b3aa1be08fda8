-- A benchmark-sized mix for Lua under pivm against gcc -O2: recursive
-- calls, numeric loops, table inserts and lookups, string building and
-- patterns. About a second under the gcc build; scale with arg[1].
local scale = tonumber(arg and arg[1]) or 1

local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end

local function loops(n)
  local s = 0.0
  for i = 1, n do s = s + (i % 7) * 0.5 - (i // 3) % 5 end
  return s
end

local function tables(n)
  local t = {}
  for i = 1, n do t[i] = i * 2 end
  local h = {}
  for i = 1, n do h["k" .. (i % 5000)] = (h["k" .. (i % 5000)] or 0) + t[i] end
  local sum = 0
  for _, v in pairs(h) do sum = sum + v end
  table.sort(t, function(a, b) return a > b end)
  return sum + t[1]
end

local function strings(n)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = string.format("%d:%s", i, ("x"):rep(i % 10)) end
  local s = table.concat(parts, ",")
  local count = 0
  for a, b in s:gmatch("(%d+):(x*)") do count = count + #b + (tonumber(a) % 3) end
  return count, #s:gsub("x+", "y")
end

for _ = 1, scale do
  print("fib", fib(31))
  print("loops", loops(5000000))
  print("tables", tables(200000))
  print("strings", strings(100000))
end
