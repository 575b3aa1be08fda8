-- Tables, closures, metatables, integers and floats, the table library.
local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

local t = {10, 20, 30, x = 1, y = "two", [3.5] = "float key"}
for i, v in ipairs(t) do print("ipairs", i, v) end
for _, k in ipairs(sorted_keys(t)) do print("key", k, t[k]) end
print("length", #t, select("#", 1, nil, 3))

table.insert(t, 40); table.insert(t, 1, 5)
print(table.concat(t, ","), table.remove(t), table.remove(t, 1), table.concat(t, ","))
print(table.unpack({1, 2, 3}))
local packed = table.pack(1, nil, 3)
print(packed.n, packed[1], packed[2], packed[3])
print(table.concat(table.move({1, 2, 3}, 1, 3, 2), " "))

local words = {"pear", "apple", "fig", "banana", "cherry", "date"}
table.sort(words)
print(table.concat(words, " "))
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(words, " "))

-- closures and upvalues
local function counter()
  local n = 0
  return function(k) n = n + (k or 1); return n end
end
local c1, c2 = counter(), counter()
print(c1(), c1(), c1(10), c2())
local fns = {}
for i = 1, 3 do fns[i] = function() return i * i end end
print(fns[1](), fns[2](), fns[3]())

-- varargs
local function va(...)
  local a, b = ...
  return select("#", ...), a, b, select(2, ...)
end
print(va(1, 2, 3, 4))

-- metatables
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__tostring = function(v) return "(" .. v.x .. ", " .. v.y .. ")" end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__len = function(v) return 2 end
V.__call = function(v, k) return v.x * k end
V.__concat = function(a, b) return tostring(a) .. tostring(b) end
function V.new(x, y) return setmetatable({x = x, y = y}, V) end
function V:norm2() return self.x * self.x + self.y * self.y end
local a, b = V.new(1, 2), V.new(3, 4)
print(tostring(a + b), a == V.new(1, 2), a < b, b <= a, #a, a(7), a .. b, (a + b):norm2())
local proxy = setmetatable({}, {__index = function(_, k) return k .. "!" end,
                                __newindex = function(t, k, v) rawset(t, k, v * 2) end})
proxy.z = 21
print(proxy.hello, proxy.z, rawget(proxy, "hello"))

-- numbers
print(7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 / 2, 2^10, 7.0 // 2, 1e300 * 1e10, -(0/0) ~= -(0/0))
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(3 & 5, 3 | 5, 3 ~ 5, ~0, 1 << 62, 256 >> 4, "10" + 5, "3" * "4", 10 .. 20)
print(math.type(1), math.type(1.0), math.type("1"), math.tointeger(3.0), math.tointeger(3.5))
print(1/3, 100.0, -0.0, 1e15, 1e16, 2^53, 123456789012, 0.1 + 0.2, 3.14159265358979)
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.max(1, 9, 3), math.min(2.5, -1))
print(math.sqrt(2), math.sin(1), math.exp(1), math.log(100, 10), math.log(8, 2), math.fmod(7, -3))
print(math.huge, -math.huge, math.pi, math.ult(1, -1), tostring(1e100))
print(tonumber("0x1p4"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("ff", 16), tonumber("abc"))
print(string.format("%.17g", 0.1), 2^63, math.tointeger(2^53))
math.randomseed(42)
local r1 = {} for i = 1, 5 do r1[i] = math.random(1, 100) end
math.randomseed(42)
local same = true for i = 1, 5 do same = same and r1[i] == math.random(1, 100) end
print("random repeats", same, math.random() < 1)

-- goto and nested loops
for i = 1, 3 do
  for j = 1, 3 do
    if j == 2 then goto continue end
    io.write(i, ":", j, " ")
    ::continue::
  end
end
print()
local n, steps = 27, 0
while n ~= 1 do n = n % 2 == 0 and n // 2 or 3 * n + 1; steps = steps + 1 end
repeat steps = steps - 100 until steps < 0
print("collatz", steps)

-- a bigger table: a sieve, and the garbage collector
local sieve, primes = {}, 0
for i = 2, 10000 do
  if not sieve[i] then primes = primes + 1; for j = i * i, 10000, i do sieve[j] = true end end
end
print("primes", primes)
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1
collectgarbage()
print("weak entries", next(weak) == nil, collectgarbage("count") > 0)
