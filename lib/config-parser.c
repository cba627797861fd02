/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist.conf(5): one file's text read with inih.
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

#include "config-private.h"
#include "leftovers.h"
#include "path.h"
#include "proactive.h"
#include "size.h"
#include "state.h"
#include "unitname.h"

#define BLANKS " \t"

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
                                            "entity=: \"%s\" is not a valid slice name below another slice "
                                            "(e.g. system-web.slice), nor in user.slice or machine.slice",
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

int parse_text(Config *c, const char *text, size_t size, const char *filename, ConfigDiags *diags) {
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
