-- io on files beneath the preopened directory, and the os library.
local f = assert(io.open("lua_io_test.txt", "w"))
print(io.type(f), io.type(io.stdout), io.type(42))
f:write("line one\n", "line two\n", 42, " ", 3.5, "\n", "0x10 -7 1e2 nan\n", "last line without newline")
print(f:seek("cur"), f:seek("set", 5), f:seek("end"))
f:close()
print(io.type(f), tostring(f) == "file (closed)")

for line in io.lines("lua_io_test.txt") do io.write("[", line, "]") end
print()
for a, b in io.lines("lua_io_test.txt", 4, "l") do io.write("<", a, "|", tostring(b), ">") break end
print()
f = assert(io.open("lua_io_test.txt", "r"))
print(f:read("l"), f:read("L"), f:read("n", "n"), f:read("n", "n", "n"))
print(f:read(1), f:read("l"), f:read("a"), f:read("a"), f:read("l"), f:read(0))
f:seek("set", 0)
print(f:read(8), f:seek("cur"), #f:read("a"))
f:close()

f = assert(io.open("lua_io_test.txt", "a+"))
f:write("\nappended")
f:seek("set", 0)
local all = f:read("a")
f:close()
print(#all, select(2, all:gsub("\n", "")), all:sub(-8))

print(io.open("no/such/file.txt", "r"))
print(pcall(io.lines, "no_such_file.txt"))

local out = io.output()
io.output("lua_io_out.txt")
io.write("via io.write ", 1, " ", 2.0, "\n")
io.close()
io.output(out)
io.input("lua_io_out.txt")
print(io.read("a"))
io.input():close()

local t = io.tmpfile()
t:write("temporary ", 123)
t:seek("set")
print(t:read("a"))
t:close()

print(os.rename("lua_io_out.txt", "lua_io_renamed.txt"))
print(os.remove("lua_io_renamed.txt"), os.remove("lua_io_test.txt"))
print(select("#", os.remove("lua_io_renamed.txt")), (os.remove("lua_io_renamed.txt")))
print(type(os.tmpname()))

-- os: time, clock, date, getenv
local t0 = os.time({year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15})
print(t0, os.date("!%Y-%m-%d %H:%M:%S %A %B %j %p %y %%", t0))
print(os.date("!%c|%x|%X|%a %b %d", 0))
local d = os.date("!*t", t0)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
print(os.time({year = 2000, month = 1, day = 1, hour = 0}), os.time({year = 2024, month = 14, day = 40, hour = 0}))
print(os.difftime(t0, 0), type(os.time()), os.time() > 1.7e9, math.type(os.time()))
local c = os.clock()
local x = 0
for i = 1, 100000 do x = x + i end
print(x, type(c), os.clock() >= c, c >= 0)
print(os.getenv("PIVM_LUA_SURELY_UNSET"), os.getenv("HOME"))
print(pcall(os.date, "%Ez", 0))
