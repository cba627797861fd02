/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist.conf(5), read with inih.
 *
 * Debian's libinih (r55) is built with INI_HANDLER_LINENO=0, so its handler
 * never learns the line it is called for, and it keeps at most 50 bytes of a
 * section name and does not call the handler for a section header. So
 * ini_parse_stream() reads through our own reader, which hands inih one line
 * per call, counts lines, checks each line (UTF-8, length, syntax) and takes
 * the section headers itself: inih only ever sees "key = value" lines,
 * comments and blank lines. The handler then knows file, line and section
 * from the reader's state in the user pointer. Nothing here is global. */
#include <ini.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config.h"
#include "fileio.h"
#include "leftovers.h"
#include "macro.h"
#include "memstat.h"
#include "path.h"
#include "proactive.h"
#include "size.h"
#include "state.h"
#include "unitname.h"

#define BLANKS " \t"
#define MESSAGE_NAME_MAX 64

static const char *const drain_mode_table[_DRAIN_MODE_MAX] = {
        [DRAIN_NONE] = "none",
        [DRAIN_FILE] = "file",
        [DRAIN_ALL] = "all",
};

const char *drain_mode_to_string(DrainMode m) {
        if (m < 0 || m >= _DRAIN_MODE_MAX)
                return NULL;
        return drain_mode_table[m];
}

DrainMode drain_mode_from_string(const char *s) {
        if (!s)
                return _DRAIN_MODE_INVALID;
        for (size_t i = 0; i < ELEMENTSOF(drain_mode_table); i++)
                if (streq(s, drain_mode_table[i]))
                        return (DrainMode) i;
        return _DRAIN_MODE_INVALID;
}

typedef enum SectionKind {
        SECTION_NONE, /* before the first header */
        SECTION_DAEMON,
        SECTION_DEFAULTS,
        SECTION_SERVICE,
        SECTION_IGNORED, /* unknown (warned) or invalid (error given) */
} SectionKind;

typedef struct ParseState {
        Config *config;
        ConfigDiags *diags;
        const char *filename;

        /* The reader's position in the file's text. */
        const char *text;
        size_t size;
        size_t pos;
        unsigned line;

        SectionKind kind;
        size_t service; /* index into config->services for SECTION_SERVICE */

        int fatal; /* -ENOMEM: stop trusting anything */
} ParseState;

static void policy_init_defaults(ServicePolicy *p) {
        *p = (ServicePolicy){
                .memory_low = SIZE_INFINITY,
                .memory_high = SIZE_INFINITY,
                .memory_max = SIZE_INFINITY,
                .retire_residual_max = POLICY_DEFAULT_RETIRE_RESIDUAL_MAX,
                .drain = POLICY_DEFAULT_DRAIN,
                .drain_budget_usec = POLICY_DEFAULT_DRAIN_BUDGET_USEC,
                .proactive_reclaim = false,
                .enabled = true,
        };
}

static void tmpfs_spec_done(TmpfsSpec *t) {
        free(t->path);
        free(t->owner);
        *t = (TmpfsSpec){};
}

static void policy_tmpfs_clear(ServicePolicy *p) {
        for (size_t i = 0; i < p->n_tmpfs; i++)
                tmpfs_spec_done(&p->tmpfs[i]);
        free(p->tmpfs);
        p->tmpfs = NULL;
        p->n_tmpfs = 0;
}

static void policy_done(ServicePolicy *p) {
        free(p->entity);
        p->entity = NULL;
        policy_tmpfs_clear(p);
}

static void section_done(ServiceSection *s) {
        free(s->pattern);
        free(s->file);
        policy_done(&s->policy);
}

static Config *config_new(void) {
        Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        policy_init_defaults(&c->defaults.policy);
        c->daemon.proactive_interval_usec = PROACTIVE_INTERVAL_DEFAULT_USEC;
        c->daemon.metrics_interval_usec = METRICS_INTERVAL_DEFAULT_USEC;
        c->daemon.leftovers_interval_usec = LEFTOVERS_INTERVAL_DEFAULT_USEC;
        c->daemon.history_max = STATE_HISTORY_DEFAULT;
        return c;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;

        free(c->daemon.log_level);
        section_done(&c->defaults);
        for (size_t i = 0; i < c->n_services; i++)
                section_done(&c->services[i]);
        free(c->services);
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i]);
        free(c->files);
        free(c);
        return NULL;
}

void config_diags_clear(ConfigDiags *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (ConfigDiags){};
}

/* Names from a configuration file are hostile: they go into messages that an
 * operator reads on a terminal or in the journal. Printable ASCII is kept,
 * everything else becomes \xNN, and the result is cut short. */
static char *escape_for_message(const char *s, size_t n) {
        char *buf, *t;
        size_t shown = MIN(n, (size_t) MESSAGE_NAME_MAX);

        buf = malloc(shown * 4 + 4);
        if (!buf)
                return NULL;

        t = buf;
        for (size_t i = 0; i < shown; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c >= 0x20 && c < 0x7f && c != '\\')
                        *t++ = (char) c;
                else
                        t += sprintf(t, "\\x%02x", c);
        }
        if (shown < n)
                t = stpcpy(t, "...");
        *t = 0;
        return buf;
}

_printf_(5, 0) static int diag_addv(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
                                    const char *format, va_list ap) {
        _cleanup_free_ char *f = NULL, *m = NULL;
        ConfigDiag *n;

        f = strdup(file ?: "<string>");
        if (!f || vasprintf(&m, format, ap) < 0) {
                m = NULL;
                return -ENOMEM;
        }

        n = realloc(d->items, (d->n + 1) * sizeof(ConfigDiag));
        if (!n)
                return -ENOMEM;
        d->items = n;
        d->items[d->n++] = (ConfigDiag){
                .level = level,
                .file = TAKE_PTR(f),
                .line = line,
                .message = TAKE_PTR(m),
        };
        if (level == DIAG_ERROR)
                d->n_errors++;
        return 0;
}

_printf_(5, 6) static int diag_add(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
                                   const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = diag_addv(d, level, file, line, format, ap);
        va_end(ap);
        return r;
}

/* Diagnostics at the reader's current line. A failure to record one is
 * fatal: a configuration with an error nobody was told about must not pass
 * for a good one, so the error count is raised even then. */
_printf_(3, 4) static void state_diag(ParseState *s, DiagLevel level, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = diag_addv(s->diags, level, s->filename, s->line, format, ap);
        va_end(ap);
        if (r < 0) {
                s->fatal = r;
                if (level == DIAG_ERROR)
                        s->diags->n_errors++;
        }
}
#define state_error(s, ...) state_diag((s), DIAG_ERROR, __VA_ARGS__)
#define state_warning(s, ...) state_diag((s), DIAG_WARNING, __VA_ARGS__)

/* ---- values ---------------------------------------------------------- */

static int parse_boolean(const char *v) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(v, yes[i]))
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(v, no[i]))
                        return 0;
        return -EINVAL;
}

static bool log_level_is_valid(const char *v) {
        static const char *const names[] = {
                "emerg", "alert", "crit", "err", "error", "warning", "notice", "info", "debug",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(v, names[i]))
                        return true;
        return false;
}

/* An absolute, normalized path: no "//", no "." or ".." component, no
 * trailing slash, not "/" itself, printable UTF-8. It is where the keeper
 * mounts a tmpfs as root, so there is no room for surprises. */
static bool tmpfs_path_is_valid(const char *p) {
        if (!p || p[0] != '/' || p[1] == 0)
                return false;
        if (strlen(p) >= 4096 || !string_is_safe_utf8(p))
                return false;
        if (strchr(p, ' ') || strchr(p, '\\'))
                return false;

        for (const char *c = p; *c;) {
                size_t n;

                c++; /* the slash */
                n = strcspn(c, "/");
                if (n == 0)
                        return false; /* "//" or a trailing "/" */
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c += n;
        }
        return true;
}

/* A user or group name as useradd(8) takes it, or a numeric id. */
static bool user_name_is_valid(const char *s, size_t n) {
        if (n == 0 || n > 32)
                return false;
        if (s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || (c == '$' && i == n - 1)))
                        return false;
        }
        /* "." and ".." would be read as paths by some tools. */
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        return true;
}

static bool owner_is_valid(const char *v) {
        const char *colon = strchr(v, ':');

        if (!colon)
                return user_name_is_valid(v, strlen(v));
        return user_name_is_valid(v, (size_t) (colon - v)) &&
                user_name_is_valid(colon + 1, strlen(colon + 1));
}

/* "PATH size=SIZE [mode=OCTAL] [owner=USER[:GROUP]]" */
static int parse_tmpfs(ParseState *s, const char *value, TmpfsSpec *ret) {
        _cleanup_free_ char *copy = NULL, *shown = NULL;
        TmpfsSpec t = { .mode = TMPFS_DEFAULT_MODE, .size = 0 };
        bool have_size = false, have_mode = false;
        char *p, *word;
        int r = 0;

        copy = strdup(value);
        if (!copy)
                return -ENOMEM;

        p = copy;
        word = strsep(&p, BLANKS);
        if (!tmpfs_path_is_valid(word)) {
                shown = escape_for_message(word, strlen(word));
                state_error(s, "tmpfs=: \"%s\" is not a normalized absolute path", strna(shown));
                return -EINVAL;
        }
        t.path = strdup(word);
        if (!t.path)
                return -ENOMEM;

        while (p) {
                char *eq;

                word = strsep(&p, BLANKS);
                if (isempty(word))
                        continue;

                eq = strchr(word, '=');
                if (eq)
                        *eq++ = 0;

                if (eq && streq(word, "size") && !have_size) {
                        if (parse_size(eq, &t.size) < 0 || t.size == 0 || t.size == SIZE_INFINITY) {
                                state_error(s,
                                            "tmpfs=: invalid size \"%s\" (a size such as 64M is required)",
                                            eq);
                                r = -EINVAL;
                                break;
                        }
                        have_size = true;
                } else if (eq && streq(word, "mode") && !have_mode) {
                        char *end;
                        unsigned long m;

                        errno = 0;
                        m = strtoul(eq, &end, 8);
                        if (errno != 0 || end == eq || *end || eq[0] == '-' || eq[0] == '+' || m > 07777) {
                                state_error(s, "tmpfs=: invalid mode \"%s\" (octal, such as 0750)", eq);
                                r = -EINVAL;
                                break;
                        }
                        t.mode = (unsigned) m;
                        have_mode = true;
                } else if (eq && streq(word, "owner") && !t.owner) {
                        if (!owner_is_valid(eq)) {
                                shown = escape_for_message(eq, strlen(eq));
                                state_error(s, "tmpfs=: invalid owner \"%s\" (USER or USER:GROUP)",
                                            strna(shown));
                                r = -EINVAL;
                                break;
                        }
                        t.owner = strdup(eq);
                        if (!t.owner) {
                                r = -ENOMEM;
                                break;
                        }
                } else {
                        shown = escape_for_message(word, strlen(word));
                        if (eq && (streq(word, "size") || streq(word, "mode") || streq(word, "owner")))
                                state_error(s, "tmpfs=: option %s= given twice", word);
                        else
                                state_error(s, "tmpfs=: unknown option \"%s\" (size=, mode=, owner=)",
                                            strna(shown));
                        r = -EINVAL;
                        break;
                }
        }

        if (r == 0 && !have_size) {
                state_error(s, "tmpfs=: size= is required, e.g. \"tmpfs = %s size=64M\"", t.path);
                r = -EINVAL;
        }
        if (r < 0) {
                tmpfs_spec_done(&t);
                return r;
        }

        *ret = t;
        return 0;
}

static ServicePolicy *section_policy(ParseState *s, uint64_t **ret_mask) {
        ServiceSection *sec;

        if (s->kind == SECTION_DEFAULTS)
                sec = &s->config->defaults;
        else
                sec = &s->config->services[s->service];
        *ret_mask = &sec->set_mask;
        return &sec->policy;
}

static void parse_policy_key(ParseState *s, const char *key, const char *value) {
        bool defaults = s->kind == SECTION_DEFAULTS;
        uint64_t *mask, v;
        ServicePolicy *p;
        int r;

        p = section_policy(s, &mask);

        if (streq(key, "entity")) {
                char *e = NULL;

                /* One slice for every service would be one entity for all
                 * of them, which is what system.slice already is. */
                if (defaults) {
                        state_error(s, "entity= is only allowed in [service] sections");
                        return;
                }
                if (!isempty(value)) {
                        if (!slice_name_is_valid(value)) {
                                _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                                state_error(s,
                                            "entity=: \"%s\" is not a valid slice name below system.slice "
                                            "(e.g. system-web.slice)",
                                            strna(shown));
                                return;
                        }
                        e = strdup(value);
                        if (!e) {
                                s->fatal = -ENOMEM;
                                return;
                        }
                }
                /* Empty: back to the derived name, also over an earlier
                 * section's override. */
                free(p->entity);
                p->entity = e;
                *mask |= POLICY_ENTITY;

        } else if (streq(key, "memory_low") || streq(key, "memory_high") || streq(key, "memory_max") ||
                   streq(key, "retire_residual_max")) {
                r = parse_size(value, &v);
                if (r < 0) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s, "%s=: %s \"%s\" (a size such as 512M, 1.5G or infinity)", key,
                                    r == -ERANGE ? "size out of range" : "invalid size", strna(shown));
                        return;
                }
                if (streq(key, "memory_low")) {
                        p->memory_low = v;
                        *mask |= POLICY_MEMORY_LOW;
                } else if (streq(key, "memory_high")) {
                        p->memory_high = v;
                        *mask |= POLICY_MEMORY_HIGH;
                } else if (streq(key, "memory_max")) {
                        p->memory_max = v;
                        *mask |= POLICY_MEMORY_MAX;
                } else {
                        p->retire_residual_max = v;
                        *mask |= POLICY_RETIRE_RESIDUAL_MAX;
                }

        } else if (streq(key, "drain")) {
                DrainMode m = drain_mode_from_string(value);

                if (m < 0) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s, "drain=: invalid mode \"%s\" (none, file or all)", strna(shown));
                        return;
                }
                p->drain = m;
                *mask |= POLICY_DRAIN;

        } else if (streq(key, "drain_budget")) {
                r = parse_duration_usec(value, &v);
                if (r < 0 || v == 0 || v > POLICY_MAX_DRAIN_BUDGET_USEC) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s,
                                    "drain_budget=: invalid duration \"%s\" (more than 0, at most 5min; "
                                    "e.g. 2s)",
                                    strna(shown));
                        return;
                }
                p->drain_budget_usec = v;
                *mask |= POLICY_DRAIN_BUDGET;

        } else if (streq(key, "proactive_reclaim") || streq(key, "enable")) {
                r = parse_boolean(value);
                if (r < 0) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s, "%s=: invalid boolean \"%s\" (yes or no)", key, strna(shown));
                        return;
                }
                if (streq(key, "enable")) {
                        p->enabled = r;
                        *mask |= POLICY_ENABLED;
                } else {
                        p->proactive_reclaim = r;
                        *mask |= POLICY_PROACTIVE_RECLAIM;
                }

        } else if (streq(key, "tmpfs")) {
                TmpfsSpec t, *n;

                /* A persistent tmpfs belongs to one service; in [defaults] it
                 * would be one mount point claimed by every service. */
                if (defaults) {
                        state_error(s, "tmpfs= is only allowed in [service] sections");
                        return;
                }
                /* Empty: forget what was listed before, here and in earlier
                 * sections (systemd's convention for list settings). */
                if (isempty(value)) {
                        policy_tmpfs_clear(p);
                        *mask |= POLICY_TMPFS;
                        return;
                }

                r = parse_tmpfs(s, value, &t);
                if (r == -ENOMEM)
                        s->fatal = r;
                if (r < 0)
                        return;

                for (size_t i = 0; i < p->n_tmpfs; i++)
                        if (streq(p->tmpfs[i].path, t.path)) {
                                state_error(s, "tmpfs=: %s is listed twice in this section", t.path);
                                tmpfs_spec_done(&t);
                                return;
                        }

                n = realloc(p->tmpfs, (p->n_tmpfs + 1) * sizeof(TmpfsSpec));
                if (!n) {
                        tmpfs_spec_done(&t);
                        s->fatal = -ENOMEM;
                        return;
                }
                p->tmpfs = n;
                p->tmpfs[p->n_tmpfs++] = t;
                *mask |= POLICY_TMPFS;

        } else {
                _cleanup_free_ char *shown = escape_for_message(key, strlen(key));
                state_warning(s, "Unknown key \"%s\" in [%s], ignoring", strna(shown),
                              defaults ? "defaults" : "service");
        }
}

static void parse_daemon_key(ParseState *s, const char *key, const char *value) {
        DaemonSettings *d = &s->config->daemon;

        if (streq(key, "metrics_interval")) {
                uint64_t v;

                if (parse_duration_usec(value, &v) < 0 || (v > 0 && v < METRICS_INTERVAL_MIN_USEC)) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s,
                                    "metrics_interval=: invalid duration \"%s\" (e.g. 15s, at least 1s, "
                                    "or 0 for after a change only)",
                                    strna(shown));
                        return;
                }
                d->metrics_interval_usec = v;

        } else if (streq(key, "proactive_interval")) {
                uint64_t v;

                if (parse_duration_usec(value, &v) < 0 || v < PROACTIVE_INTERVAL_MIN_USEC ||
                    v > PROACTIVE_INTERVAL_MAX_USEC) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s,
                                    "proactive_interval=: invalid duration \"%s\" (at least 1s, at most "
                                    "24h; e.g. 30s)",
                                    strna(shown));
                        return;
                }
                d->proactive_interval_usec = v;

        } else if (streq(key, "leftovers_interval")) {
                uint64_t v;

                if (parse_duration_usec(value, &v) < 0 ||
                    (v != 0 && (v < LEFTOVERS_INTERVAL_MIN_USEC || v > LEFTOVERS_INTERVAL_MAX_USEC))) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s,
                                    "leftovers_interval=: invalid duration \"%s\" (0 for never, or at least "
                                    "10s and at most 24h; e.g. 10min)",
                                    strna(shown));
                        return;
                }
                d->leftovers_interval_usec = v;
                d->leftovers_interval_set = true;
        } else if (streq(key, "history_max")) {
                uint64_t v;

                if (safe_atou64_strict(value, &v) < 0 || v < 1 || v > STATE_HISTORY_MAX) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s, "history_max=: invalid number \"%s\" (1 to %d records per entity)",
                                    strna(shown), STATE_HISTORY_MAX);
                        return;
                }
                d->history_max = (size_t) v;

        } else if (streq(key, "log_level")) {
                char *l;

                if (!log_level_is_valid(value)) {
                        _cleanup_free_ char *shown = escape_for_message(value, strlen(value));
                        state_error(s,
                                    "log_level=: invalid level \"%s\" (emerg, alert, crit, err, warning, "
                                    "notice, info, debug)",
                                    strna(shown));
                        return;
                }
                l = strdup(value);
                if (!l) {
                        s->fatal = -ENOMEM;
                        return;
                }
                free(d->log_level);
                d->log_level = l;

        } else {
                _cleanup_free_ char *shown = escape_for_message(key, strlen(key));
                state_warning(s, "Unknown key \"%s\" in [daemon], ignoring", strna(shown));
        }
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value) {
        ParseState *s = user;

        /* inih's own idea of the section is never set: headers are taken by
         * the reader (see above), so it is always "". */
        (void) section;

        if (s->fatal < 0)
                return 1;

        if (isempty(name)) {
                state_error(s, "Missing key name before \"=\"");
                return 1;
        }

        switch (s->kind) {
        case SECTION_NONE:
                state_error(s,
                            "Assignment outside of any section; put it below [defaults], [daemon] or "
                            "[service NAME]");
                break;
        case SECTION_DAEMON:
                parse_daemon_key(s, name, value ?: "");
                break;
        case SECTION_DEFAULTS:
        case SECTION_SERVICE:
                parse_policy_key(s, name, value ?: "");
                break;
        case SECTION_IGNORED:
                break;
        }

        /* Always go on: every error in the file is reported, with its line,
         * rather than inih's "first error". */
        return 1;
}

/* ---- the reader ------------------------------------------------------ */

static void enter_section(ParseState *s, const char *header, size_t n) {
        _cleanup_free_ char *kind = NULL, *arg = NULL, *shown = NULL;
        size_t k;

        /* [TYPE] or [TYPE ARGUMENT], blanks around both trimmed. */
        while (n > 0 && strchr(BLANKS, header[0])) {
                header++;
                n--;
        }
        while (n > 0 && strchr(BLANKS, header[n - 1]))
                n--;
        /* header is not terminated at n: stay within the line. */
        for (k = 0; k < n && !strchr(BLANKS, header[k]); k++)
                ;

        kind = strndup(header, k);
        if (!kind) {
                s->fatal = -ENOMEM;
                return;
        }
        header += k;
        n -= k;
        while (n > 0 && strchr(BLANKS, header[0])) {
                header++;
                n--;
        }
        arg = strndup(header, n);
        if (!arg) {
                s->fatal = -ENOMEM;
                return;
        }

        s->kind = SECTION_IGNORED;

        if (streq(kind, "daemon") || streq(kind, "defaults")) {
                if (!isempty(arg)) {
                        shown = escape_for_message(arg, strlen(arg));
                        state_error(s, "[%s] takes no name, got \"%s\"", kind, strna(shown));
                        return;
                }
                s->kind = streq(kind, "daemon") ? SECTION_DAEMON : SECTION_DEFAULTS;
                if (s->kind == SECTION_DEFAULTS && !s->config->defaults.file) {
                        s->config->defaults.file = strdup(s->filename);
                        s->config->defaults.line = s->line;
                        if (!s->config->defaults.file)
                                s->fatal = -ENOMEM;
                }
                return;
        }

        if (streq(kind, "service")) {
                ServiceSection *n_services;

                if (isempty(arg)) {
                        state_error(s,
                                    "[service] needs a unit name, template or glob: [service web.service]");
                        return;
                }
                /* The name is hostile until proven otherwise: it ends up in
                 * file names (drop-in directories), D-Bus calls and slice
                 * names. */
                if (!unit_pattern_is_valid(arg)) {
                        shown = escape_for_message(arg, strlen(arg));
                        state_error(
                                s, "[service %s]: not a valid service name, template (foo@.service) or glob",
                                strna(shown));
                        return;
                }

                n_services =
                        realloc(s->config->services, (s->config->n_services + 1) * sizeof(ServiceSection));
                if (!n_services) {
                        s->fatal = -ENOMEM;
                        return;
                }
                s->config->services = n_services;
                n_services[s->config->n_services] = (ServiceSection){
                        .pattern = TAKE_PTR(arg),
                        .file = strdup(s->filename),
                        .line = s->line,
                };
                policy_init_defaults(&n_services[s->config->n_services].policy);
                s->service = s->config->n_services++;
                s->kind = SECTION_SERVICE;
                if (!n_services[s->service].file)
                        s->fatal = -ENOMEM;
                return;
        }

        shown = escape_for_message(kind, strlen(kind));
        state_warning(s, "Unknown section [%s], ignoring its keys", strna(shown));
}

static bool line_is_safe(const char *l, size_t n) {
        _cleanup_free_ char *copy = NULL;

        /* string_is_safe_utf8() refuses all control characters; in a
         * configuration line a tab is fine and so is a CR before the LF. */
        if (memchr(l, 0, n))
                return false;
        copy = strndup(l, n);
        if (!copy)
                return false;
        if (n > 0 && copy[n - 1] == '\r')
                copy[n - 1] = 0;
        for (char *c = copy; *c; c++)
                if (*c == '\t')
                        *c = ' ';
        return string_is_safe_utf8(copy);
}

/* inih looks for '=' or ':' up to an inline comment (";" after a blank);
 * anything else on a line is a syntax error. */
static bool line_has_assignment(const char *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (l[i] == '=' || l[i] == ':')
                        return true;
                if (l[i] == ';' && i > 0 && strchr(BLANKS, l[i - 1]))
                        return false;
        }
        return false;
}

static char *config_reader(char *str, int num, void *stream) {
        ParseState *s = stream;
        const char *l, *nl;
        size_t n, full;

        if (num < 2 || s->pos >= s->size)
                return NULL;

        l = s->text + s->pos;
        nl = memchr(l, '\n', s->size - s->pos);
        full = nl ? (size_t) (nl - l) : s->size - s->pos;
        s->pos += full + (nl ? 1 : 0);
        s->line++;
        n = full;

        /* What inih gets when the line is not for it: an empty line. */
        str[0] = '\n';
        str[1] = 0;

        if (s->fatal < 0)
                return str;

        if (s->line == 1 && n >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
                l += 3;
                n -= 3;
        }

        if (!line_is_safe(l, n)) {
                state_error(s, "Line is not valid UTF-8 or contains control characters");
                return str;
        }

        /* Leading blanks go: inih would take an indented line for the
         * continuation of the previous value, which is never what an
         * indented "key = value" means. */
        while (n > 0 && strchr(BLANKS, l[0])) {
                l++;
                n--;
        }
        while (n > 0 && strchr(BLANKS "\r", l[n - 1]))
                n--;

        if (n == 0 || l[0] == '#' || l[0] == ';')
                return str;

        if (l[0] == '[') {
                const char *close = memchr(l, ']', n);
                size_t rest;

                if (!close) {
                        state_error(s, "Section header without \"]\"");
                        return str;
                }
                /* Only blanks or a comment may follow the "]". */
                rest = n - (size_t) (close + 1 - l);
                for (size_t i = 1; i <= rest; i++) {
                        if (strchr(BLANKS, close[i]))
                                continue;
                        if (close[i] != '#' && close[i] != ';') {
                                state_error(s, "Unexpected text after section header");
                                return str;
                        }
                        break;
                }
                if (memchr(l + 1, '[', (size_t) (close - l - 1))) {
                        state_error(s, "Unexpected \"[\" in section header");
                        return str;
                }
                enter_section(s, l + 1, (size_t) (close - l - 1));
                return str;
        }

        if (!line_has_assignment(l, n)) {
                state_error(s, "Expected \"key = value\", a [section] or a comment");
                return str;
        }

        /* inih reads into a buffer of num bytes (200 in Debian's build); a
         * longer line would reach it in pieces, each taken for a line. */
        if (n + 2 > (size_t) num) {
                state_error(s, "Line too long (at most %d bytes)", num - 2);
                return str;
        }

        memcpy(str, l, n);
        str[n] = '\n';
        str[n + 1] = 0;
        return str;
}

static int parse_text(Config *c, const char *text, size_t size, const char *filename, ConfigDiags *diags) {
        ParseState s = {
                .config = c,
                .diags = diags,
                .filename = filename ?: "<string>",
                .text = text,
                .size = size,
                .kind = SECTION_NONE,
        };
        size_t errors_before = diags->n_errors;
        int r;

        r = ini_parse_stream(config_reader, &s, ini_handler_cb, &s);
        if (s.fatal < 0)
                return s.fatal;
        if (r == -2)
                return -ENOMEM;
        /* Every line inih sees was checked by the reader, and the handler
         * never fails; if inih still finds an error, do not let the file
         * pass silently. */
        if (r != 0 && diags->n_errors == errors_before) {
                unsigned line = r > 0 ? (unsigned) r : 0;
                r = diag_add(diags, DIAG_ERROR, s.filename, line, "Syntax error");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int config_add_file(Config *c, const char *path) {
        char **n, *p;

        p = strdup(path);
        if (!p)
                return -ENOMEM;
        n = realloc(c->files, (c->n_files + 1) * sizeof(char *));
        if (!n) {
                free(p);
                return -ENOMEM;
        }
        c->files = n;
        c->files[c->n_files++] = p;
        return 0;
}

int config_parse_string(const char *text, const char *filename, Config **ret, ConfigDiags *diags) {
        _cleanup_(config_freep) Config *c = NULL;
        ConfigDiags local = {};
        ConfigDiags *d = diags ?: &local;
        int r;

        if (!text)
                return -EINVAL;

        c = config_new();
        if (!c)
                return -ENOMEM;

        r = parse_text(c, text, strlen(text), filename, d);
        if (r >= 0)
                r = config_add_file(c, filename ?: "<string>");
        if (r >= 0 && d->n_errors > 0)
                r = -EINVAL;
        config_diags_clear(&local);
        if (r < 0)
                return r;

        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}

/* ---- files ----------------------------------------------------------- */

/* systemd's order for *.conf.d: the administrator's /etc over the runtime
 * /run over the vendor's /usr/lib. */
enum {
        DROPIN_PRIO_VENDOR,
        DROPIN_PRIO_RUNTIME,
        DROPIN_PRIO_ADMIN,
};

static const struct {
        const char *dir; /* below the root */
        int prio;
} dropin_dirs[] = {
        { "etc/cgpersist/conf.d", DROPIN_PRIO_ADMIN },
        { "run/cgpersist/conf.d", DROPIN_PRIO_RUNTIME },
        { "usr/lib/cgpersist/conf.d", DROPIN_PRIO_VENDOR },
};

typedef struct DropinFile {
        char *name;
        char *path;
        int prio; /* DROPIN_PRIO_*: of files with the same name, the highest wins */
} DropinFile;

static void dropin_files_free(DropinFile *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].name);
                free(f[i].path);
        }
        free(f);
}

static int dropin_file_cmp(const void *a, const void *b) {
        const DropinFile *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        return (x->prio > y->prio) - (x->prio < y->prio);
}

static bool name_is_conf(const char *name) {
        size_t l = strlen(name);

        /* Hidden files are editor and package manager leftovers
         * (".#foo.conf", ".foo.conf.dpkg-new" would not end in .conf, but a
         * temp file may). */
        return name[0] != '.' && l > 5 && streq(name + l - 5, ".conf");
}

static int collect_dropins(const char *dir, int prio, DropinFile **files, size_t *n_files,
                           ConfigDiags *diags) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d) {
                int r = negative_errno();

                if (r == -ENOENT)
                        return 0;
                if (diag_add(diags, DIAG_ERROR, dir, 0, "Failed to open directory: %s", strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }

        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *name = NULL;
                DropinFile *n;
                struct stat st;

                if (!name_is_conf(de->d_name))
                        continue;

                path = path_join(dir, de->d_name);
                if (!path)
                        return -ENOMEM;

                if (!filename_is_safe(de->d_name)) {
                        _cleanup_free_ char *shown = escape_for_message(de->d_name, strlen(de->d_name));
                        if (diag_add(diags, DIAG_WARNING, dir, 0, "Ignoring file with unsafe name \"%s\"",
                                     strna(shown)) < 0)
                                return -ENOMEM;
                        continue;
                }

                /* Follow symlinks: a link to /dev/null masks a file of the
                 * same name, as in systemd's directories. */
                if (stat(path, &st) < 0) {
                        if (errno == ENOENT) /* dangling link, or gone */
                                continue;
                        return negative_errno();
                }
                if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
                        if (diag_add(diags, DIAG_WARNING, path, 0, "Not a regular file, ignoring") < 0)
                                return -ENOMEM;
                        continue;
                }

                name = strdup(de->d_name);
                if (!name)
                        return -ENOMEM;
                n = realloc(*files, (*n_files + 1) * sizeof(DropinFile));
                if (!n)
                        return -ENOMEM;
                *files = n;
                n[(*n_files)++] = (DropinFile){
                        .name = TAKE_PTR(name),
                        .path = TAKE_PTR(path),
                        .prio = prio,
                };
        }
        if (errno != 0)
                return negative_errno();

        return 0;
}

/* A file that is gone is no error, unless it was named (required). */
static int load_file(Config *c, const char *path, bool required, ConfigDiags *diags) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, CONFIG_FILE_MAX, &text, &size);
        if (r == -ENOENT && !required)
                return 0;
        if (r == -EFBIG) {
                if (diag_add(diags, DIAG_ERROR, path, 0, "File larger than %u bytes",
                             (unsigned) CONFIG_FILE_MAX) < 0)
                        return -ENOMEM;
                return 0;
        }
        if (r < 0) {
                if (diag_add(diags, DIAG_ERROR, path, 0, "Failed to read: %s", strerror(-r)) < 0)
                        return -ENOMEM;
                return required ? 0 : r;
        }

        r = parse_text(c, text, size, path, diags);
        if (r < 0)
                return r;
        return config_add_file(c, path);
}

int config_load(const char *root, Config **ret, ConfigDiags *diags) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *main_path = NULL;
        ConfigDiags local = {};
        ConfigDiags *d = diags ?: &local;
        DropinFile *files = NULL;
        size_t n_files = 0, errors_before = d->n_errors;
        int r;

        if (isempty(root))
                root = "/";

        c = config_new();
        main_path = path_join(root, "etc/cgpersist/cgpersist.conf");
        if (!c || !main_path) {
                r = -ENOMEM;
                goto finish;
        }

        r = load_file(c, main_path, false, d);
        if (r < 0)
                goto finish;

        for (size_t i = 0; i < ELEMENTSOF(dropin_dirs); i++) {
                _cleanup_free_ char *dir = path_join(root, dropin_dirs[i].dir);

                if (!dir) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = collect_dropins(dir, dropin_dirs[i].prio, &files, &n_files, d);
                if (r < 0)
                        goto finish;
        }

        /* One order across the directories, by file name; of the files with
         * one name, the one of the highest priority sorts last and is the
         * one read. */
        if (n_files > 0)
                qsort(files, n_files, sizeof(DropinFile), dropin_file_cmp);
        for (size_t i = 0; i < n_files; i++) {
                if (i + 1 < n_files && streq(files[i].name, files[i + 1].name))
                        continue;
                r = load_file(c, files[i].path, false, d);
                if (r < 0)
                        goto finish;
        }

        r = d->n_errors > errors_before ? -EINVAL : 0;

finish:
        dropin_files_free(files, n_files);
        config_diags_clear(&local);
        if (r < 0)
                return r;
        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}

int config_load_files(char *const *paths, size_t n, Config **ret, ConfigDiags *diags) {
        _cleanup_(config_freep) Config *c = NULL;
        ConfigDiags local = {};
        ConfigDiags *d = diags ?: &local;
        size_t errors_before = d->n_errors;
        int r = 0;

        c = config_new();
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = load_file(c, paths[i], true, d);
        if (r >= 0 && d->n_errors > errors_before)
                r = -EINVAL;
        config_diags_clear(&local);
        if (r < 0)
                return r;
        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}

/* ---- policy ---------------------------------------------------------- */

static void policy_overlay(ServicePolicy *p, const ServicePolicy *o, uint64_t mask) {
        if (mask & POLICY_ENTITY)
                p->entity = o->entity;
        if (mask & POLICY_MEMORY_LOW)
                p->memory_low = o->memory_low;
        if (mask & POLICY_MEMORY_HIGH)
                p->memory_high = o->memory_high;
        if (mask & POLICY_MEMORY_MAX)
                p->memory_max = o->memory_max;
        if (mask & POLICY_RETIRE_RESIDUAL_MAX)
                p->retire_residual_max = o->retire_residual_max;
        if (mask & POLICY_DRAIN)
                p->drain = o->drain;
        if (mask & POLICY_DRAIN_BUDGET)
                p->drain_budget_usec = o->drain_budget_usec;
        if (mask & POLICY_PROACTIVE_RECLAIM)
                p->proactive_reclaim = o->proactive_reclaim;
        if (mask & POLICY_TMPFS) {
                /* A section's list replaces the inherited one whole: the
                 * mounts of a family are not the sum of every glob. */
                p->tmpfs = o->tmpfs;
                p->n_tmpfs = o->n_tmpfs;
        }
        if (mask & POLICY_ENABLED)
                p->enabled = o->enabled;
        p->set_mask |= mask;
}

int config_policy_for(const Config *c, const char *unit, ServicePolicy *ret) {
        ServicePolicy p;
        bool matched = false;

        if (!c || !ret)
                return -EINVAL;

        /* Hostile or own names are simply not configured: callers that test
         * for "> 0" must never act on them. */
        if (!unit_name_is_valid_service(unit) || unit_name_is_cgpersist_own(unit))
                return 0;

        policy_init_defaults(&p);
        policy_overlay(&p, &c->defaults.policy, c->defaults.set_mask);

        /* Called for every unit systemd tells the daemon about, against every
         * section: patterns were validated when parsed, and most name one
         * unit, so compare those directly and keep the full match (name
         * checks, fnmatch, template split) for templates and globs. */
        for (size_t i = 0; i < c->n_services; i++) {
                const ServiceSection *s = &c->services[i];

                if (strpbrk(s->pattern, "@*?[")) {
                        if (!unit_pattern_match(s->pattern, unit))
                                continue;
                } else if (!streq(s->pattern, unit))
                        continue;
                policy_overlay(&p, &s->policy, s->set_mask);
                matched = true;
        }

        if (!matched || !p.enabled)
                return 0;

        *ret = p;
        return 1;
}

bool config_has_globs(const Config *c) {
        if (!c)
                return false;
        for (size_t i = 0; i < c->n_services; i++)
                if (unit_pattern_is_glob(c->services[i].pattern))
                        return true;
        return false;
}
