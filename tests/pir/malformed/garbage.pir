; error: garbage.pir:2
hello world, this is not pir
