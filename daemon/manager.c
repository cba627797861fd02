/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "lastgood.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "path.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"

static void tracked_done(Tracked *t) {
        free(t->unit);
        free(t->slice);
        free(t->invocation_id);
        free(t->cgroup);
}

static void desired_clear(Manager *m) {
        for (size_t i = 0; i < m->n_desired; i++) {
                free(m->desired[i].slice);
                free(m->desired[i].service);
        }
        free(m->desired);
        m->desired = NULL;
        m->n_desired = 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_bus_slot_unref(m->match_props);
        sd_bus_slot_unref(m->match_removed);
        sd_bus_slot_unref(m->match_reloading);
        sd_event_source_unref(m->sigterm);
        sd_event_source_unref(m->sigint);
        sd_event_source_unref(m->sighup);
        sd_event_source_unref(m->stops_watch);
        sd_event_source_unref(m->reconcile_defer);
        sd_event_source_unref(m->metrics_timer);
        sd_event_source_unref(m->save_defer);
        sd_bus_slot_unref(m->bus_vtable);
        sd_bus_slot_unref(m->bus_fallback);
        systemd_async_drop(m);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        for (size_t i = 0; i < m->n_tracked; i++)
                tracked_done(&m->tracked[i]);
        free(m->tracked);
        desired_clear(m);
        config_free(m->config);
        state_free(m->state);
        cgroupfs_free(m->cgfs);
        for (size_t i = 0; i < m->n_applied; i++)
                free(m->applied[i].slice);
        free(m->applied);
        for (size_t i = 0; i < m->n_retiring; i++)
                free(m->retiring[i]);
        free(m->retiring);
        free(m->root);
        free(m->state_dir);
        free(m->run_dir);
        free(m->stops_dir);
        free(m);
        return NULL;
}

int manager_new(const ManagerOptions *opts, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->root = strdup(opts->root);
        m->state_dir = strdup(opts->state_dir);
        m->run_dir = strdup(opts->run_dir);
        m->stops_dir = path_join(opts->run_dir, "stops");
        if (!m->root || !m->state_dir || !m->run_dir || !m->stops_dir)
                return -ENOMEM;

        r = cgroupfs_new(opts->cgroup_root, true, &m->cgfs);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Tracked *manager_find_tracked(Manager *m, const char *unit) {
        for (size_t i = 0; i < m->n_tracked; i++)
                if (streq(m->tracked[i].unit, unit))
                        return &m->tracked[i];
        return NULL;
}

const Desired *manager_find_desired(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_desired; i++)
                if (streq(m->desired[i].slice, slice))
                        return &m->desired[i];
        return NULL;
}

void manager_save_state(Manager *m) {
        int r;

        if (!m->state)
                return;
        r = state_save(m->state, m->state_dir);
        if (r < 0)
                log_error_errno(r, "Failed to save state to %s, keeping it in memory: %m", m->state_dir);
        else
                m->state_dirty = false;
        /* Every change of state is a change of the metrics. */
        manager_update_metrics(m);
}

static int on_save(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->save_defer = sd_event_source_unref(m->save_defer);
        log_debug("Saving state.");
        if (m->state_dirty)
                manager_save_state(m);
        /* Idle priority: a burst (signals of a thousand units) is over. Give
         * the heap it grew back, or RSS stays at the burst's peak. */
        (void) malloc_trim(0);
        return 0;
}

/* A burst of changes (a reconcile picking up a thousand instances, a storm
 * of stops) is written once, at the end of the loop iteration: the record is
 * on disk within the same wake-up, without one fsync per change. */
void manager_queue_save(Manager *m) {
        int r;

        m->state_dirty = true;
        if (m->save_defer)
                return;
        r = sd_event_add_defer(m->event, &m->save_defer, on_save, m);
        if (r < 0) {
                manager_save_state(m);
                return;
        }
        (void) sd_event_source_set_priority(m->save_defer, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_description(m->save_defer, "save-state");
}

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

static void save_last_good(Manager *m, const Config *c) {
        _cleanup_free_ char *text = NULL;
        const char *dirs[] = { m->run_dir, m->state_dir, NULL };
        int r;

        r = lastgood_render(c, &text);
        if (r >= 0)
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
        log_warning("Using the last good configuration from %s until the files are fixed.", path);
        return 0;
}

int manager_reload_config(Manager *m) {
        ConfigDiags diags = {};
        Config *c = NULL;
        int r;

        r = config_load(m->root, &c, &diags);
        log_diags(&diags, r == -EINVAL);
        config_diags_clear(&diags);
        if (r < 0) {
                if (r != -EINVAL)
                        log_error_errno(
                                r, "Failed to read the configuration below %s, keeping the previous one: %m",
                                m->root);
                if (!m->config)
                        (void) load_last_good(m);
                return r;
        }
        save_last_good(m, c);

        if (c->daemon.log_level) {
                int l = log_level_from_string(c->daemon.log_level);
                if (l >= 0)
                        log_set_max_level(l);
        }

        /* Desired entities hold pointers into the old config: drop them
         * before it goes; the next reconcile recomputes them. */
        desired_clear(m);
        config_free(m->config);
        m->config = c;
        m->config_good = true;
        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_CONFIG_LOADED,
                   "MESSAGE=Configuration loaded: %zu service section(s) from %zu file(s).", c->n_services,
                   c->n_files, NULL);
        return 0;
}

static int desired_add(Manager *m, const char *slice, const char *service, const ServicePolicy *p) {
        Desired *n;

        if (manager_find_desired(m, slice))
                return 0; /* a template family, or several units sharing an entity */
        n = realloc(m->desired, (m->n_desired + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        m->desired = n;
        n = &m->desired[m->n_desired];
        *n = (Desired){ .slice = strdup(slice), .service = strdup(service), .policy = *p };
        if (!n->slice || !n->service) {
                free(n->slice);
                free(n->service);
                return -ENOMEM;
        }
        m->n_desired++;
        return 1;
}

static int tracked_add(Manager *m, const char *unit, const char *slice) {
        Tracked *t = manager_find_tracked(m, unit);

        if (t) {
                t->seen = true;
                if (!streq(t->slice, slice)) {
                        char *s = strdup(slice);
                        if (!s)
                                return -ENOMEM;
                        free(t->slice);
                        t->slice = s;
                }
                return 0;
        }
        t = realloc(m->tracked, (m->n_tracked + 1) * sizeof *t);
        if (!t)
                return -ENOMEM;
        m->tracked = t;
        t = &m->tracked[m->n_tracked];
        *t = (Tracked){ .unit = strdup(unit), .slice = strdup(slice), .seen = true };
        if (!t->unit || !t->slice) {
                tracked_done(t);
                return -ENOMEM;
        }
        m->n_tracked++;
        return 1;
}

/* One concrete unit or template name that exists on the system: if the
 * configuration covers it, it contributes its entity. Templates contribute the
 * family's entity; their loaded instances are tracked one by one. */
static int consider_unit(Manager *m, const char *unit, bool track) {
        _cleanup_free_ char *derived = NULL;
        ServicePolicy p;
        const char *slice;
        int r;

        if (!unit_name_is_valid_service(unit))
                return 0;
        if (strneq(unit, "cgpersist", 9))
                return 0; /* never place our own units */
        r = config_policy_for(m->config, unit, &p);
        if (r <= 0)
                return r;

        if (p.entity)
                slice = p.entity;
        else {
                r = unit_name_entity_slice(unit, &derived);
                if (r < 0)
                        return r;
                slice = derived;
        }
        /* The entity belongs to the configured family: for an instance,
         * its template. */
        _cleanup_free_ char *service = NULL;
        r = unit_name_template_of(unit, &service);
        if (r < 0)
                return r;
        r = desired_add(m, slice, service, &p);
        if (r < 0)
                return r;
        if (track && !unit_name_is_template(unit))
                return tracked_add(m, unit, slice);
        return 0;
}

/* Services named exactly in the configuration, asked about in one call. */
static int collect_exact(Manager *m) {
        _cleanup_free_ char **names = NULL;
        UnitStatus *st = NULL;
        size_t n = 0, n_st = 0;
        int r;

        names = calloc(m->config->n_services + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < m->config->n_services; i++) {
                const char *pat = m->config->services[i].pattern;
                if (!unit_pattern_is_glob(pat) && !unit_name_is_template(pat))
                        names[n++] = m->config->services[i].pattern;
        }
        r = systemd_list_units_by_names(m, names, n, &st, &n_st);
        if (r < 0)
                return log_warning_errno(r, "Failed to look up the configured services: %m");
        for (size_t i = 0; i < n_st; i++) {
                /* A unit whose file is gone but which still runs stays
                 * "not-found" and active: keep it until it stops. */
                if (!streq(st[i].load, "loaded") && streq(st[i].active, "inactive"))
                        continue;
                r = consider_unit(m, st[i].name, true);
                if (r < 0)
                        break;
        }
        unit_status_free_many(st, n_st);
        return r < 0 ? r : 0;
}

static int collect_desired(Manager *m) {
        int r;

        desired_clear(m);
        for (size_t i = 0; i < m->n_tracked; i++)
                m->tracked[i].seen = false;

        if (!m->config)
                return 0;

        r = collect_exact(m);
        if (r < 0)
                return r;

        for (size_t i = 0; i < m->config->n_services; i++) {
                const char *pat = m->config->services[i].pattern;

                if (!unit_pattern_is_glob(pat) && !unit_name_is_template(pat))
                        continue; /* in one batch below */

                /* Templates and globs: the unit files that exist, plus the
                 * units systemd has loaded (instances). */
                _cleanup_free_ char *inst_pattern = NULL;
                const char *list_pattern = pat;
                if (unit_name_is_template(pat)) {
                        /* "foo@.service" -> "foo@*.service" */
                        const char *at = strchr(pat, '@');
                        if (asprintf(&inst_pattern, "%.*s@*.service", (int) (at - pat), pat) < 0)
                                return -ENOMEM;
                        list_pattern = inst_pattern;
                        r = systemd_unit_file_exists(m, pat);
                        if (r > 0) {
                                r = consider_unit(m, pat, false);
                                if (r < 0)
                                        return r;
                        }
                } else {
                        char **files = NULL;
                        r = systemd_list_unit_files(m, pat, &files);
                        if (r < 0)
                                log_warning_errno(r, "Failed to list unit files matching %s: %m", pat);
                        for (char **f = files; f && *f; f++) {
                                r = consider_unit(m, *f, !unit_name_is_template(*f));
                                if (r < 0) {
                                        strv_free(files);
                                        return r;
                                }
                        }
                        strv_free(files);
                }

                char **units = NULL;
                r = systemd_list_units(m, list_pattern, &units);
                if (r < 0)
                        log_warning_errno(r, "Failed to list units matching %s: %m", list_pattern);
                for (char **u = units; u && *u; u++) {
                        r = consider_unit(m, *u, true);
                        if (r < 0) {
                                strv_free(units);
                                return r;
                        }
                }
                strv_free(units);
        }

        /* Units no longer covered are forgotten (their entity may retire). */
        for (size_t i = 0; i < m->n_tracked;) {
                if (m->tracked[i].seen) {
                        i++;
                        continue;
                }
                tracked_done(&m->tracked[i]);
                m->tracked[i] = m->tracked[--m->n_tracked];
        }
        return 0;
}

static struct Applied *applied_find(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_applied; i++)
                if (streq(m->applied[i].slice, slice))
                        return &m->applied[i];
        return NULL;
}

/* What was sent is kept in /run/cgpersist/applied: runtime, like the
 * properties themselves (SetUnitProperties with runtime=true), so after a
 * reboot both are gone and everything is sent again, while a daemon restart
 * sends nothing that systemd already has. systemd writes four drop-ins per
 * call; for a thousand entities that is most of a start-up. */
static char *applied_path(Manager *m) {
        return path_join(m->run_dir, "applied");
}

static void applied_load(Manager *m) {
        _cleanup_free_ char *p = applied_path(m), *text = NULL;

        if (!p || read_full_file(p, 16 << 20, &text, NULL) < 0)
                return;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char slice[UNIT_NAME_MAX + 1];
                uint64_t low, high, max;
                struct Applied *n;

                if (sscanf(line, "%255s %" SCNu64 " %" SCNu64 " %" SCNu64, slice, &low, &high, &max) != 4 ||
                    !slice_name_is_valid(slice) || applied_find(m, slice))
                        continue;
                n = realloc(m->applied, (m->n_applied + 1) * sizeof *n);
                if (!n)
                        return;
                m->applied = n;
                n = &m->applied[m->n_applied];
                *n = (struct Applied){ .slice = strdup(slice), .low = low, .high = high, .max = max };
                if (!n->slice)
                        return;
                m->n_applied++;
        }
}

static void applied_save(Manager *m) {
        _cleanup_free_ char *p = applied_path(m), *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (!p || !(f = open_memstream(&buf, &size)))
                return;
        for (size_t i = 0; i < m->n_applied; i++)
                fprintf(f, "%s %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", m->applied[i].slice,
                        m->applied[i].low, m->applied[i].high, m->applied[i].max);
        if (fclose(f) != 0)
                return;
        if (write_file_atomic(p, buf, size, 0644) < 0)
                log_debug("Failed to write %s, ignoring.", p);
}

static void apply_limits(Manager *m, const Desired *d) {
        struct Applied *a = applied_find(m, d->slice);
        const ServicePolicy *p = &d->policy;
        int r;

        if (a && a->low == p->memory_low && a->high == p->memory_high && a->max == p->memory_max)
                return;
        /* No limits asked and none set before: systemd's defaults are it. */
        if (!a && (p->memory_low == 0 || p->memory_low == SIZE_INFINITY) &&
            p->memory_high == SIZE_INFINITY && p->memory_max == SIZE_INFINITY)
                return;
        m->applied_dirty = true;
        r = systemd_set_memory_limits(m, d->slice, p);
        if (r < 0) {
                log_warning_errno(r, "Failed to set memory limits of %s, ignoring: %m", d->slice);
                return;
        }
        if (!a) {
                struct Applied *n = realloc(m->applied, (m->n_applied + 1) * sizeof *n);
                char *slice = strdup(d->slice);
                if (!n || !slice) {
                        free(slice);
                        if (n)
                                m->applied = n;
                        return;
                }
                m->applied = n;
                a = &m->applied[m->n_applied++];
                a->slice = slice;
        }
        a->low = p->memory_low;
        a->high = p->memory_high;
        a->max = p->memory_max;
}

static int ensure_entities(Manager *m) {
        _cleanup_free_ char **slices = NULL;
        UnitStatus *st = NULL;
        size_t n_st = 0;
        int r;

        slices = calloc(m->n_desired + 1, sizeof(char *));
        if (!slices)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_desired; i++) {
                const Desired *d = &m->desired[i];
                if (!state_find(m->state, d->slice)) {
                        r = state_add(m->state, d->slice, d->service, now_usec(CLOCK_REALTIME), NULL);
                        if (r < 0)
                                return r;
                        m->state_dirty = true;
                }
                slices[i] = d->slice;
        }

        r = systemd_list_units_by_names(m, slices, m->n_desired, &st, &n_st);
        if (r < 0)
                return log_error_errno(r, "Failed to look up the entity slices: %m");
        for (size_t i = 0; i < n_st; i++) {
                const Desired *d = manager_find_desired(m, st[i].name);
                if (!d || streq(st[i].active, "active") || streq(st[i].active, "activating"))
                        continue;
                r = systemd_start_unit_async(m, d->slice);
                if (r < 0) {
                        log_error_errno(r, "Failed to start entity %s of %s: %m", d->slice, d->service);
                        continue;
                }
                log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_STARTED, "CGPERSIST_ENTITY=%s",
                           d->slice, "CGPERSIST_SERVICE=%s", d->service, "MESSAGE=Started entity %s for %s.",
                           d->slice, d->service, NULL);
        }
        unit_status_free_many(st, n_st);

        for (size_t i = 0; i < m->n_desired; i++)
                apply_limits(m, &m->desired[i]);
        if (m->applied_dirty) {
                applied_save(m);
                m->applied_dirty = false;
        }
        return 0;
}

/* Instances: ask for the details (invocation, cgroup) only of units that run
 * or that have an instance still open in our records. */
static bool unit_has_open_instance(Manager *m, const Tracked *t) {
        EntityState *e = state_find(m->state, t->slice);

        if (t->invocation_id)
                return true;
        for (size_t i = e ? e->n_history : 0; i > 0; i--)
                if (streq(e->history[i - 1].unit, t->unit))
                        return e->history[i - 1].stop_usec == 0;
        return false;
}

static void refresh_instances(Manager *m) {
        _cleanup_free_ char **units = NULL;
        UnitStatus *st = NULL;
        size_t n_st = 0;

        units = calloc(m->n_tracked + 1, sizeof(char *));
        if (!units)
                return (void) log_oom();
        for (size_t i = 0; i < m->n_tracked; i++)
                units[i] = m->tracked[i].unit;
        if (systemd_list_units_by_names(m, units, m->n_tracked, &st, &n_st) < 0) {
                for (size_t i = 0; i < m->n_tracked; i++)
                        manager_unit_changed(m, m->tracked[i].unit);
                return;
        }
        for (size_t i = 0; i < n_st; i++) {
                Tracked *t = manager_find_tracked(m, st[i].name);
                if (!t)
                        continue;
                /* Running with an instance we follow already: signals keep
                 * it current. Otherwise read it in full. */
                bool running = !streq(st[i].active, "inactive") && !streq(st[i].active, "failed");
                if ((running && !t->invocation_id) || (!running && unit_has_open_instance(m, t)))
                        manager_unit_changed(m, t->unit);
        }
        unit_status_free_many(st, n_st);
}

int manager_reconcile(Manager *m) {
        uint64_t t0 = now_usec(CLOCK_MONOTONIC), t1, t2, t3;
        int r;

        r = collect_desired(m);
        if (r < 0)
                return log_error_errno(r, "Failed to work out the configured entities: %m");
        t1 = now_usec(CLOCK_MONOTONIC);

        (void) ensure_entities(m);
        t2 = now_usec(CLOCK_MONOTONIC);

        /* Instances: pick up what runs now (start-up, new units). */
        refresh_instances(m);
        t3 = now_usec(CLOCK_MONOTONIC);

        /* Retire what is no longer wanted, but only on a configuration we
         * trust: a configuration that failed to load retires nothing. */
        if (m->config_good)
                for (size_t i = 0; i < m->state->n_entities;) {
                        const char *slice = m->state->entities[i].slice;
                        if (manager_find_desired(m, slice)) {
                                i++;
                                continue;
                        }
                        size_t before = m->state->n_entities;
                        (void) manager_retire(m, slice, "no longer configured or unit gone");
                        if (m->state->n_entities == before)
                                i++;
                }

        if (m->state_dirty)
                manager_queue_save(m);

        log_debug("Reconcile: configured units %" PRIu64 " ms, entities %" PRIu64 " ms, instances %" PRIu64
                  " ms, retire %" PRIu64 " ms.",
                  (t1 - t0) / 1000, (t2 - t1) / 1000, (t3 - t2) / 1000,
                  (now_usec(CLOCK_MONOTONIC) - t3) / 1000);
        (void) sd_notifyf(false, "STATUS=Watching %zu entities, %zu units.", m->state->n_entities,
                          m->n_tracked);
        return 0;
}

static int on_reconcile(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->reconcile_defer = sd_event_source_unref(m->reconcile_defer);
        log_debug("Reconciling (queued).");
        (void) manager_reconcile(m);
        return 0;
}

void manager_queue_reconcile(Manager *m) {
        int r;

        if (m->reconcile_defer)
                return;
        r = sd_event_add_defer(m->event, &m->reconcile_defer, on_reconcile, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to queue a reconcile, doing it now: %m");
                (void) manager_reconcile(m);
                return;
        }
        (void) sd_event_source_set_description(m->reconcile_defer, "reconcile");
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration.");
        log_info("Reloading configuration (SIGHUP).");
        if (manager_reload_config(m) >= 0)
                manager_queue_reconcile(m);
        (void) sd_notify(false, "READY=1");
        return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received %s, exiting. Entities stay active.", strsignal((int) si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_start(Manager *m) {
        unsigned line = 0;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_sigterm, m);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_sigterm, m);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, &m->sighup, SIGHUP, on_sighup, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->sigterm, "sigterm");
        (void) sd_event_source_set_description(m->sigint, "sigint");
        (void) sd_event_source_set_description(m->sighup, "sighup");
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        r = state_load(m->state_dir, &m->state, &line);
        if (r == -EBADMSG)
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_CORRUPT,
                           "MESSAGE=State file %s/state is corrupt (line %u); set aside as state.corrupt-*, "
                           "starting from what systemd shows.",
                           m->state_dir, line, NULL);
        else if (r == -EPROTONOSUPPORT) {
                return log_error_errno(
                        r, "State in %s was written by a newer cgpersist; refusing to touch it: %m",
                        m->state_dir);
        } else if (r < 0)
                return log_error_errno(r, "Failed to load state from %s: %m", m->state_dir);
        if (!m->state)
                return -ENOMEM;

        /* A broken configuration at start-up: run with none (retire nothing,
         * keep the entities from the state) and say so. */
        r = manager_reload_config(m);
        if (r < 0)
                log_error("Starting without a usable configuration: entities from the state are kept, none "
                          "are retired.");

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;

        r = systemd_subscribe(m);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");

        r = manager_watch_stops(m);
        if (r < 0)
                log_warning_errno(r, "Failed to watch %s, stop records are read at reconcile only: %m",
                                  m->stops_dir);

        applied_load(m);
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        r = manager_reconcile(m);
        if (r < 0)
                return r;
        (void) manager_process_stop_records(m);
        log_info("Reconciled %zu entities and %zu units in %" PRIu64 " ms.", m->n_desired, m->n_tracked,
                 (now_usec(CLOCK_MONOTONIC) - t0) / 1000);
        /* Start-up touched every unit once; give the peak back. */
        (void) malloc_trim(0);

        /* Serve cgctl only once the entities are in place, so the first
         * answer is a true one. */
        r = manager_bus_setup(m);
        if (r < 0)
                return log_error_errno(r, "Failed to publish org.cgpersist1 on the system bus: %m");
        manager_update_metrics(m);
        return 0;
}
