/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Enable and Disable: the configuration snippets cgctl writes
 * ("50-cgctl-web.service.conf" in /etc/cgpersist/conf.d, or /run with
 * --runtime), as one transaction: every file written or removed, the new
 * configuration read (refused: every file back as it was), then a
 * daemon-reload of PID 1, which runs cgpersist-generator for the Slice=
 * drop-ins. done() follows when PID 1 has answered. */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-api.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "namecheck.h"
#include "path.h"

#define SNIPPET_PREFIX "50-cgctl-"
#define SNIPPET_SUFFIX ".conf"
#define ETC_CONFD "etc/cgpersist/conf.d"
#define RUN_CONFD "run/cgpersist/conf.d"

typedef struct ConfigChange {
        Manager *manager;
        char **changed; /* the files created or removed */
        size_t n_changed;
        bool enable, runtime;
        manager_enable_done_fn done;
        void *userdata;
} ConfigChange;

static int snippet_path(Manager *m, const char *service, bool runtime, char **ret) {
        _cleanup_free_ char *name = NULL;
        char *p;

        if (asprintf(&name, SNIPPET_PREFIX "%s" SNIPPET_SUFFIX, service) < 0)
                return -ENOMEM;
        if (!filename_is_safe(name))
                return -EINVAL;
        p = path_join(m->root, runtime ? RUN_CONFD : ETC_CONFD, name);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static bool file_exists(const char *path) {
        struct stat st;
        return lstat(path, &st) >= 0;
}

static char *snippet_text(const char *service, bool runtime) {
        char *text;

        if (asprintf(&text, "# Written by cgctl enable%s; cgctl disable%s removes it.\n[service %s]\n",
                     runtime ? " --runtime" : "", runtime ? " --runtime" : "", service) < 0)
                return NULL;
        return text;
}

static void config_change_free(void *p) {
        ConfigChange *c = p;

        if (!c)
                return;
        for (size_t i = 0; i < c->n_changed; i++)
                free(c->changed[i]);
        free(c->changed);
        free(c);
}

static void finish(ConfigChange *c, const char *failure) {
        c->done(c->manager, c->changed, c->n_changed, failure, c->userdata);
}

static int on_systemd_reloaded(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ConfigChange *c = userdata;
        Manager *m = c->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        _cleanup_free_ char *failure = NULL;

        /* The generator has written (or removed) the Slice= drop-ins: bring
         * the entities in line now, so the answer tells the truth. */
        (void) manager_reconcile(m);
        manager_update_metrics(m);

        if (e) {
                log_warning("daemon-reload of systemd after %s failed: %s", c->enable ? "Enable" : "Disable",
                            e->message ?: e->name);
                if (asprintf(&failure,
                             "The configuration was changed and cgpersistd reloaded it, but systemd's "
                             "daemon-reload failed (%s): run 'systemctl daemon-reload' so that services are "
                             "placed in their entities.",
                             e->message ?: e->name) < 0)
                        failure = NULL;
                finish(c, failure ?: "systemd's daemon-reload failed");
        } else
                finish(c, NULL);
        return 0;
}

/* Undoes the file changes of c after the new configuration was rejected. */
static void config_change_undo(ConfigChange *c) {
        for (size_t i = 0; i < c->n_changed; i++) {
                if (c->enable)
                        (void) unlink(c->changed[i]);
                else {
                        /* The snippet said nothing but its section header; write it back. */
                        const char *base = strrchr(c->changed[i], '/');
                        _cleanup_free_ char *service = NULL, *text = NULL;
                        size_t l;

                        base = base ? base + 1 : c->changed[i];
                        l = strlen(base);
                        service = strndup(base + strlen(SNIPPET_PREFIX),
                                          l - strlen(SNIPPET_PREFIX) - strlen(SNIPPET_SUFFIX));
                        if (!service)
                                continue;
                        text = snippet_text(service, c->runtime);
                        if (text)
                                (void) write_file_atomic(c->changed[i], text, strlen(text), 0644);
                }
        }
}

static int change_add(ConfigChange *c, const char *path) {
        char **x = realloc(c->changed, (c->n_changed + 1) * sizeof *x);

        if (!x)
                return -ENOMEM;
        c->changed = x;
        x[c->n_changed] = strdup(path);
        if (!x[c->n_changed])
                return -ENOMEM;
        c->n_changed++;
        return 0;
}

/* Disable of a service that has no snippet: no-op when nothing configures
 * it, otherwise a clear error naming the files that do. */
static int check_not_configured_elsewhere(Manager *m, const char *service, bool runtime,
                                          sd_bus_error *error) {
        _cleanup_free_ char *other = NULL, *list = NULL;
        char **by = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = snippet_path(m, service, !runtime, &other);
        if (r < 0)
                return r;
        if (file_exists(other))
                return sd_bus_error_setf(error, CGPERSIST_ERROR_CONFIGURED_ELSEWHERE,
                                         "%s was enabled %s (%s): disable it %s.", service,
                                         runtime ? "persistently" : "at runtime only", other,
                                         runtime ? "without --runtime" : "with --runtime");
        r = m->config ? coverage_sections(m->config, service, &by) : 0;
        if (r <= 0) {
                strv_free(by);
                return r;
        }
        f = open_memstream(&list, &len);
        if (!f) {
                strv_free(by);
                return -ENOMEM;
        }
        for (char **b = by; *b; b++)
                fprintf(f, "%s%s", b == by ? "" : ", ", *b);
        strv_free(by);
        if (fclose(f) != 0)
                return -ENOMEM;
        return sd_bus_error_setf(error, CGPERSIST_ERROR_CONFIGURED_ELSEWHERE,
                                 "%s is configured in %s, which cgctl did not write: edit or remove that "
                                 "configuration by hand, then run 'cgctl reload'.",
                                 service, list);
}

/* The new configuration was refused: every file back as it was, the old
 * configuration read again, and the refusal named file by file. */
static int refused(ConfigChange *c, int error, sd_bus_error *ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        /* Said before the restored configuration is read, which clears it. */
        r = manager_config_errors(c->manager, error, &text);
        config_change_undo(c);
        (void) manager_reload_config(c->manager);
        if (r < 0)
                return r;
        return sd_bus_error_set(ret_error, CGPERSIST_ERROR_BAD_CONFIG, text);
}

int manager_enable(Manager *m, char *const *services, bool enable, bool runtime, manager_enable_done_fn done,
                   void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *dir = NULL;
        ConfigChange *c;
        int r;

        if (!m || !services || !done)
                return -EINVAL;
        /* Everything checked before anything is touched. */
        for (char *const *s = services; *s; s++) {
                _cleanup_free_ char *path = NULL;

                r = snippet_path(m, *s, runtime, &path);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Argument services: %s cannot be a file name.", *s);
                if (!enable && !file_exists(path)) {
                        r = check_not_configured_elsewhere(m, *s, runtime, error);
                        if (r < 0)
                                return r;
                }
        }

        dir = path_join(m->root, runtime ? RUN_CONFD : ETC_CONFD);
        if (!dir)
                return -ENOMEM;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (ConfigChange){
                .manager = m, .enable = enable, .runtime = runtime, .done = done, .userdata = userdata
        };

        for (char *const *s = services; *s; s++) {
                _cleanup_free_ char *path = NULL, *text = NULL;

                r = snippet_path(m, *s, runtime, &path);
                if (r < 0)
                        goto fail;
                if (enable == file_exists(path))
                        continue; /* already as asked */
                if (enable) {
                        r = mkdir_p(dir, 0755);
                        if (r < 0) {
                                sd_bus_error_set_errnof(error, r, "Failed to create %s: %m", dir);
                                goto fail;
                        }
                        text = snippet_text(*s, runtime);
                        if (!text) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        r = write_file_atomic(path, text, strlen(text), 0644);
                        if (r < 0) {
                                sd_bus_error_set_errnof(error, r, "Failed to write %s: %m", path);
                                goto fail;
                        }
                } else if (unlink(path) < 0 && errno != ENOENT) {
                        r = -errno;
                        sd_bus_error_set_errnof(error, r, "Failed to remove %s: %m", path);
                        goto fail;
                }
                r = change_add(c, path);
                if (r < 0)
                        goto fail;
                log_struct(LOG_INFO, "CGPERSIST_SERVICE=%s", *s, "MESSAGE=%s %s (%s).",
                           enable ? "Enabled" : "Disabled", *s, path, NULL);
        }

        if (c->n_changed == 0) {
                /* Nothing to do: no reload, answered now. */
                finish(c, NULL);
                config_change_free(c);
                return 1;
        }

        r = manager_reload_config(m);
        if (r < 0) {
                r = refused(c, r, error);
                config_change_free(c);
                return r;
        }

        r = systemd_reload_async(m, on_systemd_reloaded, c, config_change_free);
        if (r < 0) {
                _cleanup_free_ char *failure = NULL;

                log_warning_errno(r, "Failed to ask systemd for a daemon-reload: %m");
                (void) manager_reconcile(m);
                if (asprintf(&failure,
                             "The configuration was changed, but systemd could not be asked for a "
                             "daemon-reload (%s): run 'systemctl daemon-reload'.",
                             strerror(-r)) < 0)
                        failure = NULL;
                finish(c, failure ?: "systemd could not be asked for a daemon-reload");
                config_change_free(c);
        }
        return 1;

fail:
        config_change_undo(c);
        config_change_free(c);
        return r;
}
