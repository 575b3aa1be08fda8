/* A realistic program: a tokenizer and recursive-descent evaluator for
   arithmetic with variables, using structs, enums, switch and recursion. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_NUM, T_IDENT, T_OP, T_LPAREN, T_RPAREN, T_END } kind_t;

typedef struct {
    kind_t kind;
    long num;
    char text[16];
} token_t;

typedef struct {
    const char *src;
    int pos;
    token_t cur;
} lexer_t;

struct var { char name[16]; long value; };
static struct var vars[8];
static int nvars;

static void next(lexer_t *lx) {
    while (isspace((unsigned char)lx->src[lx->pos])) lx->pos++;
    char c = lx->src[lx->pos];
    token_t *t = &lx->cur;
    memset(t, 0, sizeof *t);
    if (c == '\0') {
        t->kind = T_END;
    } else if (isdigit((unsigned char)c)) {
        t->kind = T_NUM;
        while (isdigit((unsigned char)lx->src[lx->pos])) t->num = t->num * 10 + (lx->src[lx->pos++] - '0');
    } else if (isalpha((unsigned char)c)) {
        t->kind = T_IDENT;
        int n = 0;
        while (isalnum((unsigned char)lx->src[lx->pos]) && n < 15) t->text[n++] = lx->src[lx->pos++];
    } else {
        t->kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : T_OP;
        t->text[0] = c;
        lx->pos++;
    }
}

static long lookup(const char *name) {
    for (int i = 0; i < nvars; i++)
        if (strcmp(vars[i].name, name) == 0) return vars[i].value;
    return 0;
}

static long expr(lexer_t *lx);

static long primary(lexer_t *lx) {
    token_t t = lx->cur;
    switch (t.kind) {
    case T_NUM:
        next(lx);
        return t.num;
    case T_IDENT:
        next(lx);
        return lookup(t.text);
    case T_LPAREN: {
        next(lx);
        long v = expr(lx);
        next(lx);
        return v;
    }
    case T_OP:
        if (t.text[0] == '-') {
            next(lx);
            return -primary(lx);
        }
        /* fall through */
    default:
        return 0;
    }
}

static long term(lexer_t *lx) {
    long v = primary(lx);
    while (lx->cur.kind == T_OP && strchr("*/%", lx->cur.text[0])) {
        char op = lx->cur.text[0];
        next(lx);
        long r = primary(lx);
        v = op == '*' ? v * r : op == '/' ? (r ? v / r : 0) : (r ? v % r : 0);
    }
    return v;
}

static long expr(lexer_t *lx) {
    long v = term(lx);
    while (lx->cur.kind == T_OP && (lx->cur.text[0] == '+' || lx->cur.text[0] == '-')) {
        char op = lx->cur.text[0];
        next(lx);
        long r = term(lx);
        v = op == '+' ? v + r : v - r;
    }
    return v;
}

static long eval(const char *s) {
    lexer_t lx = {s, 0};
    next(&lx);
    return expr(&lx);
}

static void set(const char *name, long v) {
    strcpy(vars[nvars].name, name);
    vars[nvars++].value = v;
}

int main(void) {
    set("x", 6);
    set("y", 7);
    set("big", 1000000007);
    const char *tests[] = {
        "1 + 2 * 3", "(1 + 2) * 3", "x * y", "-x + -(-y)", "big * big % 1000",
        "100 / 7 / 2", "((((1))))", "2 * (x + y) - 10 % 4", "z + 1", "",
    };
    int n = sizeof tests / sizeof tests[0];
    for (int i = 0; i < n; i++) printf("%-22s = %ld\n", tests[i], eval(tests[i]));
    return 0;
}
