/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's configuration: read (and refused whole on an error, the last
 * good one kept, also across restarts), its diagnostics logged and kept for
 * the callers that must report them. */

#include "lastgood.h"
#include "log.h"
#include "manager.h"
#include "manager-metrics.h"

#define CONFIG_ERRORS_MAX 100

static void log_diags(const ConfigDiags *d, bool rejected) {
        for (size_t i = 0; i < d->n; i++) {
                const ConfigDiag *g = &d->items[i];
                if (g->level == DIAG_ERROR)
                        log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_CONFIG_REJECTED,
                                   "CGPERSIST_CONFIG_FILE=%s", g->file, "CGPERSIST_CONFIG_LINE=%u", g->line,
                                   "MESSAGE=%s:%u: %s%s", g->file, g->line, g->message,
                                   rejected ? " (configuration rejected, the previous one stays in force)"
                                            : "",
                                   NULL);
                else
                        log_warning("%s:%u: %s", g->file, g->line, g->message);
        }
}

static void save_last_good(Manager *m, const char *text) {
        const char *dirs[] = { m->run_dir, m->state_dir, NULL };
        int r;

        r = lastgood_save(text, dirs);
        if (r < 0)
                log_warning_errno(r, "Failed to keep a copy of the good configuration, ignoring: %m");
}

/* Start-up with a configuration that does not parse: the one in force before
 * (the snapshot) is still the operator's last word. */
static int load_last_good(Manager *m) {
        _cleanup_free_ char *path = NULL;
        const char *dirs[] = { m->run_dir, m->state_dir, NULL };
        Config *c = NULL;
        int r;

        r = lastgood_load(dirs, &c, &path);
        if (r < 0)
                return r;
        config_free(m->config);
        m->config = c;
        m->config_good = true;
        free(m->config_text); /* the files' text is not this */
        m->config_text = NULL;
        log_warning("Using the last good configuration from %s until the files are fixed.", path);
        return 0;
}

int manager_reload_config(Manager *m) {
        _cleanup_free_ char *text = NULL;
        ConfigDiags diags = {};
        Config *c = NULL;
        int r;

        r = config_load(m->root, &c, &diags);
        log_diags(&diags, r == -EINVAL);
        /* What was wrong stays for the callers that must say it (Reload,
         * Enable), until a good read. */
        config_diags_clear(&m->refused_diags);
        if (r < 0)
                m->refused_diags = diags;
        else
                config_diags_clear(&diags);
        diags = (ConfigDiags){};
        m->config_refused = r < 0;
        /* cgpersist_config_good follows at once. */
        manager_update_metrics(m);
        if (r < 0) {
                if (r != -EINVAL)
                        log_error_errno(
                                r, "Failed to read the configuration below %s, keeping the previous one: %m",
                                m->root);
                if (!m->config)
                        (void) load_last_good(m);
                /* The next good one is news, even if it is the old one. */
                free(m->config_text);
                m->config_text = NULL;
                return r;
        }

        /* The same files with the same text: nothing to say (a daemon-reload
         * of PID 1 reads it each time), nothing to write. */
        r = lastgood_render(c, &text);
        if (r < 0)
                log_warning_errno(r, "Failed to keep a copy of the good configuration, ignoring: %m");
        else if (m->config && m->config_good && m->config_text && streq(m->config_text, text)) {
                log_debug("Configuration unchanged.");
                config_free(c);
                return 0;
        } else
                save_last_good(m, text);
        free(m->config_text);
        m->config_text = TAKE_PTR(text);

        if (c->daemon.log_level) {
                int l = log_level_from_string(c->daemon.log_level);
                if (l >= 0)
                        log_set_max_level(l);
        }

        /* Desired entities hold pointers into the old config: drop them
         * before it goes; the next reconcile recomputes them. */
        manager_desired_clear(m);
        config_free(m->config);
        m->config = c;
        m->config_good = true;
        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_CONFIG_LOADED,
                   "MESSAGE=Configuration loaded: %zu service section(s) from %zu file(s).", c->n_services,
                   c->n_files, NULL);
        return 0;
}

int manager_config_errors(const Manager *m, int error, char **ret) {
        _cleanup_free_ char *text = NULL;
        const ConfigDiags *d = &m->refused_diags;
        size_t len = 0, shown = 0;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        fputs("Configuration rejected, the previous one stays in force:", f);
        for (size_t i = 0; i < d->n; i++) {
                if (d->items[i].level != DIAG_ERROR)
                        continue;
                if (shown++ == CONFIG_ERRORS_MAX) {
                        fprintf(f, "\n... and %zu more error(s), see the journal.",
                                d->n_errors - CONFIG_ERRORS_MAX);
                        break;
                }
                fprintf(f, "\n%s:%u: %s", d->items[i].file, d->items[i].line, d->items[i].message);
        }
        if (shown == 0)
                /* An I/O error without a diagnostic. */
                fprintf(f, "\n%s", strerror(error < 0 ? -error : EIO));
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
