/* A small Lua driver: a state with every standard library, one script
 * (a file, or a string after -e), its arguments in the global `arg`, and
 * errors on stderr with a traceback (exit status 1).
 *
 *   pivm run -I LUA examples/lua/onelua.c -- script.lua ARGS...
 *   pivm run -I LUA examples/lua/main.c LUA/l*.c -- -e 'print(1)'
 *
 * LUA is the lua-5.4 folder of the lua-src crate (without lua.c/luac.c). */
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

/* The message of an error, with the Lua traceback where it was raised. */
static int msghandler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "-e") == 0 && argc < 3)) {
        fprintf(stderr, "usage: %s SCRIPT.lua [ARGS...] | -e CODE [ARGS...]\n", argv[0]);
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "lua: cannot create a state: not enough memory\n");
        return 1;
    }
    luaL_openlibs(L);
    int first = strcmp(argv[1], "-e") == 0 ? 3 : 2;
    lua_createtable(L, argc - first, 1);
    lua_pushstring(L, first == 3 ? "-e" : argv[1]);
    lua_rawseti(L, -2, 0);
    for (int i = first; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - first + 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, msghandler);
    int status = first == 3 ? luaL_loadbuffer(L, argv[2], strlen(argv[2]), "=(command line)")
                            : luaL_loadfile(L, argv[1]);
    if (status == LUA_OK)
        status = lua_pcall(L, 0, 0, -2);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "lua: %s\n", msg ? msg : "(error object is not a string)");
    }
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
