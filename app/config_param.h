/* config_param.h — the parameter table's row type, shared by config.c
 * (loading, CONFIG GET/SET, docs), config_table.c (the rows and the special
 * parameters) and config_rewrite.c. Not for use outside the config code.
 *
 * A row describes one Redis (or Slipstream) parameter the way Redis 7.0's
 * standardConfig does: name and alias, type, bounds, default, flags, and
 * where the value lives. The generic code parses, checks, formats and
 * rewrites every type; P_SPECIAL rows bring their own functions.
 */
#ifndef SS_CONFIG_PARAM_H
#define SS_CONFIG_PARAM_H

#include <stdbool.h>
#include <stddef.h>

enum ptype {
    P_BOOL,   /* int: yes/no */
    P_INT,    /* int */
    P_LL,     /* long long (or unsigned long long with N_UNSIGNED) */
    P_STR,    /* char[strsize] */
    P_ENUM,   /* int, one of enums[] (bit flags with PF_MULTI) */
    P_SPECIAL /* set/get/rewrite by hand */
};

/* How a number is written (Redis's MEMORY_CONFIG, PERCENT_CONFIG,
 * OCTAL_CONFIG, and its unsigned storage types). */
enum {
    N_MEM = 1,      /* 10mb, 1gb... (k = 1000, kb = 1024) */
    N_PERCENT = 2,  /* "N%" stored as -N */
    N_OCTAL = 4,    /* unixsocketperm */
    N_UNSIGNED = 8, /* bounds compared and values shown unsigned */
};

enum {
    PF_IMMUTABLE = 1 << 0,  /* start-up only: CONFIG SET refuses it */
    PF_SENSITIVE = 1 << 1,  /* value kept out of logs */
    PF_PROTECTED = 1 << 2,  /* CONFIG SET needs enable-protected-configs */
    PF_HIDDEN = 1 << 3,     /* CONFIG GET answers an exact name only */
    PF_MULTI = 1 << 4,      /* several arguments (Redis's MULTI_ARG_CONFIG) */
    PF_EMPTY_NULL = 1 << 5, /* string: "" means unset, and is not rewritten */
    PF_INERT = 1 << 6,      /* accepted, not yet effective */
    PF_OURS = 1 << 7,       /* Slipstream only */
    /* applied at start-up only, but CONFIG SET to the current value is
     * accepted (bind and port, which Redis applies at runtime; our own
     * start-up parameters, so "CONFIG GET *, then SET each back" works) */
    PF_NOLIVE = 1 << 8,
};

struct enum_val {
    const char *name;
    int val;
};

/* CONFIG REWRITE's lines for one parameter (Redis: rewriteConfigRewriteLine
 * called once per line). force[k]: the line is written even where the old
 * file has none (the value differs from the default). */
#define RW_MAXLINES 64 /* CFG_MAX_SAVE save lines */
#define RW_LINELEN  2200
struct rw_lines {
    int n;
    char line[RW_MAXLINES][RW_LINELEN];
    bool force[RW_MAXLINES];
};

struct param {
    const char *name, *alias;
    enum ptype type;
    unsigned flags; /* PF_* */
    unsigned num;   /* N_*, for P_INT / P_LL */
    void *ptr;
    long long min, max;
    /* the default, as a config-file argument (split like a config line for
     * PF_MULTI); NULL: none (an unset PF_EMPTY_NULL string; dir) */
    const char *deflt;
    const struct enum_val *enums;
    size_t strsize; /* P_STR: size of the char array */
    /* optional: a value's extra check (Redis's is_valid_fn): NULL if it is
     * acceptable, else the message. For strings `s` is the value; for
     * numbers, bools and enums `v`. */
    const char *(*check)(const char *s, long long v);
    /* optional: after a value is stored, at load (runtime = false) and on
     * CONFIG SET (Redis's apply functions, which here cannot fail; some
     * adjust the value, as Redis's do) */
    void (*applied)(bool runtime);
    /* P_SPECIAL: set() validates argv and stores only when `apply`, so
     * CONFIG SET can check every pair before it changes any */
    int (*set)(int argc, char **argv, bool apply, char *err, size_t errlen);
    void (*get)(char *buf, size_t len);
    /* optional: the lines CONFIG REWRITE writes (default: "name value",
     * forced when the value is not the default) */
    void (*rewrite)(const struct param *p, struct rw_lines *out);
    const char *doc; /* one line for docs/configuration.md */
};

extern struct param params[];
extern const size_t nparams;

/* A row by name or alias (case-insensitive); NULL if none. */
struct param *param_find(const char *name);
/* The value in CONFIG GET's form. */
void param_get(const struct param *p, char *buf, size_t len);
/* The default in CONFIG GET's form (computed once at start). */
const char *param_default(const struct param *p);

/* Split a config line into arguments as Redis's sdssplitargs() does
 * ("..." with \n \r \t \b \a \xHH escapes, '...' with \'; a closing quote
 * must be followed by a space or the end). Returns argc, or -1 on
 * unbalanced quotes or more than `max` arguments. The arguments are stored
 * NUL-terminated in `store` (at least strlen(line) + 1 bytes). */
int config_split_args(const char *line, char **argv, int max, char *store);

/* Memory values, as Redis's memtoull(). */
bool config_parse_mem(const char *v, long long *out);
/* Redis's rewriteConfigFormatMemory: the largest unit that divides exactly. */
void config_format_mem(char *buf, size_t len, long long v);
/* sdscatrepr: a double-quoted string with C escapes. */
void config_format_repr(char *buf, size_t len, const char *v);

/* The rewrite of the "dir" parameter needs the signature of a plain string
 * line; shared helper: "name <repr(value)>". */
void rw_string_line(struct rw_lines *out, const char *name, const char *value, bool force);

/* set by config.c while it reads the configuration (Redis's
 * reading_config_file): several "save" lines accumulate */
extern bool config_reading_file;
/* the process's umask, read once at start (CONFIG REWRITE's file mode) */
extern unsigned config_umask;

#endif
