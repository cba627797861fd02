/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist.conf(5): the model (sections, policies, defaults), its
 * diagnostics and the effective policy of a unit. Parsing is in
 * config-parser.c, finding and reading the files in config-files.c. Nothing
 * here is global. */
#include <stdarg.h>

#include "cgroupfs.h"
#include "config-private.h"
#include "leftovers.h"
#include "proactive.h"
#include "size.h"
#include "state.h"
#include "unitname.h"

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

void policy_init_defaults(ServicePolicy *p) {
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

void tmpfs_spec_done(TmpfsSpec *t) {
        free(t->path);
        free(t->owner);
        *t = (TmpfsSpec){};
}

void policy_tmpfs_clear(ServicePolicy *p) {
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

Config *config_new(void) {
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
char *escape_for_message(const char *s, size_t n) {
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

_printf_(5, 0) int diag_addv(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
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

_printf_(5, 6) int diag_add(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
                            const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = diag_addv(d, level, file, line, format, ap);
        va_end(ap);
        return r;
}
int config_add_file(Config *c, const char *path) {
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

bool config_section_applies(const ServiceSection *s, const char *unit) {
        /* Called for every unit systemd tells the daemon about, against every
         * section: patterns were validated when parsed, and most name one
         * unit, so compare those directly and keep the full match (name
         * checks, fnmatch, template split) for templates and globs. */
        if (strpbrk(s->pattern, "@*?["))
                return unit_pattern_match(s->pattern, unit);
        return streq(s->pattern, unit);
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

        for (size_t i = 0; i < c->n_services; i++) {
                const ServiceSection *s = &c->services[i];

                if (!config_section_applies(s, unit))
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
