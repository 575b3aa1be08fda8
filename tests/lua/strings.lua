-- String patterns, string.format, string.pack, utf8.
local s = "The quick brown fox jumps over the lazy dog"
print(s:len(), s:upper(), s:lower():sub(5, 9), s:sub(-3), s:sub(-100, 3), s:rep(2, "|"):len())
print(s:find("o"), s:find("o", 20), s:find("fox", 1, true), s:find("%s(%a+)%s"), s:find("^The"), s:find("cat"))
print(s:match("(%a+) (%a+)$"), s:match("q(%a*)"), s:match("()ow()"), ("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
for w in s:gmatch("%a%a%a%a%a") do io.write(w, ";") end
print()
for k, v in ("a=1, b=22, c=333"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, " ") end
print()
print(s:gsub("o", "0"))
print(s:gsub("(%a+)", "<%1>", 3))
print(("hello world"):gsub("%w+", function(w) return w:upper() end))
print(("$name is $age"):gsub("%$(%w+)", {name = "Ana", age = 41}))
print(("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+", 5), ("  trim me  "):match("^%s*(.-)%s*$"))
print(("x = 10, y = -3.5e2"):gsub("[+-]?%d+%.?%d*[eE]?[+-]?%d*", "N"))
print(("a,b,,c"):gsub(",", ";"), ("abc"):gsub("", "-"), ("hello"):byte(1, -1))
print(string.char(72, 105), ("%d"):rep(3, ","), ("abc"):reverse(), #"\0\1\2", ("\65\x42\u{43}"))
print(("CamelCaseString"):gsub("(%u)", " %1"), ("2024-01-15"):match("(%d+)-(%d+)-(%d+)"))

-- string.format
print(string.format("%d|%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%c", 42, 42, 42, 42, 42, 255, 255, 255, 8, 65))
print(string.format("%g|%g|%g|%g|%g|%.3g|%10.4g", 1e20, 0.1, 100000, 1000000, 1e-5, math.pi, 2/3))
print(string.format("%5.2f|%-8.3f|%08.2f|%.0f|%.10f|%e|%.2E", 3.14159, 2.5, -1.5, 2.5, 1/3, 12345.678, 0.000123))
print(string.format("%s|%10s|%-10s|%.2s|%s|%s", "str", "right", "left", "trunc", 12, 1.5))
print(string.format("%q", 'a "quoted"\n\tstring\0with\1zero\200'))
print(string.format("%q|%q|%q|%q", 42, 1.5, math.mininteger, 1/0))
print(string.format("%a|%a", 1.0, 0.1), string.format("%i|%u", -7, 7), string.format("%%|%5s%%", "x"))
print(string.format("%-20s|", string.format("%x", 3735928559)), ("%d items"):format(3))

-- tostring / tonumber round trips
for _, v in ipairs({0.1, 1/3, 1e-300, 123.456, -2.5e-10, 2^63, 5e-324}) do
  io.write(string.format("%.14g", v), " ", tostring(tonumber(tostring(v)) == v), " ")
end
print()

-- string.pack / unpack
local p = string.pack("<i4 i8 d s1 z", -2, 1 << 40, 2.5, "hi", "zero")
print(#p, string.unpack("<i4 i8 d s1 z", p))
print(string.packsize("i4 i8 d"), string.unpack(">I2", "\1\2"), string.pack(">I3", 0x010203):byte(1, -1))

-- utf8
local u = "héllo wörld ✓ 😀"
print(utf8.len(u), #u, utf8.char(72, 233, 0x2713, 0x1F600), utf8.codepoint(u, 1, 3))
for p, c in utf8.codes("aé✓") do io.write(p, ":", c, " ") end
print()
print(utf8.offset(u, 3), utf8.offset(u, -1), utf8.len("\xff"), utf8.charpattern)
for ch in u:gmatch(utf8.charpattern) do io.write("[", ch, "]") end
print()
