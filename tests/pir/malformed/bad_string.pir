; error: bad_string.pir:2
global @s: [4 x i8] = { bytes "abc
