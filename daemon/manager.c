/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "coverage.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "manager-leftovers.h"
#include "manager-proactive.h"
#include "manager-redrain.h"
#include "memory.h"
#include "path.h"
#include "size.h"
#include "sorted.h"
#include "timeutil.h"
#include "unitfiles.h"
#include "unitname.h"

static void tracked_done(Tracked *t) {
        free(t->unit);
        free(t->slice);
        free(t->invocation_id);
        free(t->stopped_invocation_id);
        free(t->cgroup);
}

void manager_desired_clear(Manager *m) {
        for (size_t i = 0; i < m->n_desired; i++) {
                free(m->desired[i].slice);
                free(m->desired[i].service);
        }
        free(m->desired);
        m->desired = NULL;
        m->n_desired = m->n_desired_allocated = 0;
        coverage_done(&m->coverage); /* points into the same configuration */
}

void manager_emit_instance_stopped(Manager *m, const char *slice, const InstanceRecord *r) {
        if (m->events && m->events->instance_stopped)
                m->events->instance_stopped(m, slice, r);
}

void manager_emit_entity_retired(Manager *m, const char *slice, const char *service, uint64_t residual) {
        if (m->events && m->events->entity_retired)
                m->events->entity_retired(m, slice, service, residual);
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        sd_bus_slot_unref(m->match_props);
        sd_bus_slot_unref(m->match_removed);
        sd_bus_slot_unref(m->match_reloading);
        sd_bus_slot_unref(m->match_disconnected);
        sd_bus_slot_unref(m->match_job_removed);
        sd_bus_slot_unref(m->match_pid1_owner);
        manager_starts_free(m);
        sd_event_source_unref(m->sigterm);
        sd_event_source_unref(m->sigint);
        sd_event_source_unref(m->sighup);
        sd_event_source_unref(m->stops_watch);
        sd_event_source_unref(m->reconcile_defer);
        sd_event_source_unref(m->metrics_timer);
        sd_event_source_unref(m->cgroup_trees);
        sd_event_source_unref(m->pid1_retry);
        manager_proactive_free(m);
        manager_leftovers_free(m);
        manager_redrain_free(m);
        sd_event_source_unref(m->save_defer);
        sd_event_source_disable_unref(m->save_retry);
        manager_retire_waiters_free(m); /* their calls may still be answered */
        manager_private_free(m); /* its connections use bus_vtable's state */
        sd_bus_slot_unref(m->bus_vtable);
        sd_bus_slot_unref(m->bus_fallback);
        systemd_async_drop(m);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        for (size_t i = 0; i < m->n_tracked; i++)
                tracked_done(&m->tracked[i]);
        free(m->tracked);
        manager_desired_clear(m);
        config_free(m->config);
        config_diags_clear(&m->refused_diags);
        free(m->config_text);
        state_free(m->state);
        cgfiles_free(m->cgfiles);
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
        free(m->unsaved_dir);
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
        m->unsaved_dir = path_join(opts->run_dir, "unsaved");
        if (!m->root || !m->state_dir || !m->run_dir || !m->stops_dir || !m->unsaved_dir)
                return -ENOMEM;

        r = cgroupfs_new(opts->cgroup_root, &m->cgfs);
        if (r < 0)
                return log_error_errno(r, "Failed to open the cgroup v2 tree: %s.", cgroupfs_strerror(r));

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

/* Tracked units are kept sorted by unit name and desired entities by slice:
 * every signal of PID 1 looks its unit up, and a reconcile of a thousand
 * services looks up each of them. Returns the index where key is or would
 * go; *found says which. */
static size_t tracked_search(Manager *m, const char *unit, bool *found) {
        return sorted_search_str(m->tracked, m->n_tracked, sizeof(Tracked), offsetof(Tracked, unit), unit,
                                 found);
}

static size_t desired_search(Manager *m, const char *slice, bool *found) {
        return sorted_search_str(m->desired, m->n_desired, sizeof(*m->desired), offsetof(Desired, slice),
                                 slice, found);
}

Tracked *manager_find_tracked(Manager *m, const char *unit) {
        bool found;
        size_t i = tracked_search(m, unit, &found);

        return found ? &m->tracked[i] : NULL;
}

const Desired *manager_find_desired(Manager *m, const char *slice) {
        bool found;
        size_t i = desired_search(m, slice, &found);

        return found ? &m->desired[i] : NULL;
}

/* Grows an array geometrically: a reconcile adds a thousand entries one by
 * one. */
static int grow(void **items, size_t *allocated, size_t need, size_t size) {
        void *x;
        size_t a;

        if (need <= *allocated)
                return 0;
        a = MAX(need, *allocated * 2);
        x = realloc(*items, a * size);
        if (!x)
                return -ENOMEM;
        *items = x;
        *allocated = a;
        return 0;
}

static int desired_add(Manager *m, const char *slice, const char *service, const ServicePolicy *p) {
        bool found;
        size_t i = desired_search(m, slice, &found);
        Desired d;

        if (found)
                return 0; /* a template family, or several units sharing an entity */
        if (grow((void **) &m->desired, &m->n_desired_allocated, m->n_desired + 1, sizeof d) < 0)
                return -ENOMEM;
        d = (Desired){ .slice = strdup(slice), .service = strdup(service), .policy = *p };
        if (!d.slice || !d.service) {
                free(d.slice);
                free(d.service);
                return -ENOMEM;
        }
        memmove(&m->desired[i + 1], &m->desired[i], (m->n_desired - i) * sizeof d);
        m->desired[i] = d;
        m->n_desired++;
        return 1;
}

static int tracked_add(Manager *m, const char *unit, const char *slice) {
        bool found;
        size_t i = tracked_search(m, unit, &found);
        Tracked t;

        if (found) {
                Tracked *e = &m->tracked[i];
                e->seen = true;
                if (!streq(e->slice, slice)) {
                        char *x = strdup(slice);
                        if (!x)
                                return -ENOMEM;
                        free(e->slice);
                        e->slice = x;
                }
                return 0;
        }
        if (grow((void **) &m->tracked, &m->n_tracked_allocated, m->n_tracked + 1, sizeof t) < 0)
                return -ENOMEM;
        t = (Tracked){ .unit = strdup(unit), .slice = strdup(slice), .seen = true };
        if (!t.unit || !t.slice) {
                tracked_done(&t);
                return -ENOMEM;
        }
        memmove(&m->tracked[i + 1], &m->tracked[i], (m->n_tracked - i) * sizeof t);
        m->tracked[i] = t;
        m->n_tracked++;
        return 1;
}

/* One covered unit or template that exists on the system: it contributes
 * its entity. Templates contribute the family's entity; their loaded
 * instances are tracked one by one. */
static int consider_unit(Manager *m, const CoverageUnit *u, bool track) {
        _cleanup_free_ char *service = NULL;
        int r;

        /* The entity belongs to the configured family: for an instance,
         * its template. */
        r = unit_name_template_of(u->unit, &service);
        if (r < 0)
                return r;
        r = desired_add(m, u->entity, service, &u->policy);
        if (r < 0)
                return r;
        if (track && !unit_name_is_template(u->unit))
                return tracked_add(m, u->unit, u->entity);
        return 0;
}

/* What a reconcile knows of the system: the units PID 1 has loaded (one
 * call) and the unit files on disk (read here, no D-Bus). Neither is kept
 * after the reconcile. */
typedef struct Survey {
        LoadedUnits loaded;
        UnitFiles files;
} Survey;

static void survey_done(Survey *s) {
        loaded_units_done(&s->loaded);
        unit_files_done(&s->files);
}

static int survey(Manager *m, Survey *ret) {
        _cleanup_(survey_done) Survey s = {};
        int r;

        r = systemd_list_loaded(m, &s.loaded);
        if (r < 0)
                return log_warning_errno(r, "Failed to list the units systemd has loaded: %m");
        /* An unreadable unit directory: the units from the others still
         * count, and one whose file is there but unread is only missed if
         * PID 1 has not loaded it either. */
        r = unit_files_scan(m->root, &s.files);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                log_warning_errno(r, "Failed to read a unit directory below %s, ignoring: %m", m->root);
        *ret = s;
        s = (Survey){};
        return 0;
}

/* A unit PID 1 has loaded: its word counts (a unit whose file is gone but
 * which still runs stays "not-found" and active: keep it until it stops).
 * Otherwise the unit files say whether it could be loaded. */
static bool unit_exists(const Survey *sv, const char *unit) {
        const LoadedUnit *u = loaded_units_find(&sv->loaded, unit);

        if (u)
                return streq(u->load, "loaded") || !streq(u->active, "inactive");
        return unit_files_exist(&sv->files, unit);
}

static bool active_is_running(const char *active) {
        return !streq(active, "inactive") && !streq(active, "failed");
}

/* A unit only a glob takes gets an entity when it runs or is enabled, or
 * has one already (kept across its stops, as for a named one): not every
 * installed unit file, most of which never run. */
static bool glob_unit_in_use(Manager *m, const Survey *sv, const CoverageUnit *u) {
        const LoadedUnit *l = loaded_units_find(&sv->loaded, u->unit);

        if (l && active_is_running(l->active))
                return true;
        return unit_files_is_wanted(&sv->files, u->unit) || state_find(m->state, u->entity);
}

/* A unit of the coverage: if covered, existing and, for one only a glob
 * takes, in use, it gets its entity. Whether it exists: from PID 1 if
 * loaded, from the unit files if not. */
static int consider_covered(Manager *m, const Survey *sv, const CoverageUnit *u) {
        if (u->reason != COVERAGE_COVERED || !unit_exists(sv, u->unit))
                return 0;
        if (u->by_glob && !glob_unit_in_use(m, sv, u))
                return 0;
        return consider_unit(m, u, !unit_name_is_template(u->unit));
}

static int collect_desired(Manager *m, const Survey *sv) {
        _cleanup_free_ char **loaded = NULL;
        size_t n_loaded = 0;
        int r;

        manager_desired_clear(m);
        for (size_t i = 0; i < m->n_tracked; i++)
                m->tracked[i].seen = false;

        if (!m->config)
                return 0;

        /* What the configuration covers (lib/coverage, as the generator
         * decides it): its names, the units PID 1 has loaded (instances of
         * templates, units a glob matches) and the unit files a glob
         * matches. */
        if (sv->loaded.n > 0) {
                loaded = calloc(sv->loaded.n, sizeof *loaded);
                if (!loaded)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < sv->loaded.n; i++)
                if (unit_name_is_valid_service(sv->loaded.units[i].name))
                        loaded[n_loaded++] = (char *) sv->loaded.units[i].name;
        r = coverage_collect(m->config, &sv->files, loaded, n_loaded, &m->coverage);
        if (r < 0)
                return r;

        /* The names of the configuration first, in its order: an entity
         * several services share (entity=) belongs to the first one named. */
        for (size_t i = 0; i < m->config->n_services; i++) {
                const CoverageUnit *u = coverage_find(&m->coverage, m->config->services[i].pattern);

                if (u && !unit_pattern_is_glob(u->unit)) {
                        r = consider_covered(m, sv, u);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < m->coverage.n; i++) {
                r = consider_covered(m, sv, &m->coverage.units[i]);
                if (r < 0)
                        return r;
        }

        /* Units no longer covered are forgotten (their entity may retire).
         * Compacted in place: the array stays sorted. */
        size_t k = 0;
        for (size_t i = 0; i < m->n_tracked; i++) {
                if (!m->tracked[i].seen) {
                        tracked_done(&m->tracked[i]);
                        continue;
                }
                m->tracked[k++] = m->tracked[i];
        }
        m->n_tracked = k;
        return 0;
}

/* Sorted by slice, like the desired entities it is looked up for. */
static size_t applied_search(Manager *m, const char *slice, bool *found) {
        size_t lo = 0, hi = m->n_applied;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(m->applied[mid].slice, slice);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static struct Applied *applied_find(Manager *m, const char *slice) {
        bool found;
        size_t i = applied_search(m, slice, &found);

        return found ? &m->applied[i] : NULL;
}

/* A new entry with no limits recorded yet, or NULL (out of memory). */
static struct Applied *applied_add(Manager *m, const char *slice) {
        bool found;
        size_t i = applied_search(m, slice, &found);
        char *s;

        if (found)
                return &m->applied[i];
        if (grow((void **) &m->applied, &m->n_applied_allocated, m->n_applied + 1, sizeof *m->applied) < 0)
                return NULL;
        s = strdup(slice);
        if (!s)
                return NULL;
        memmove(&m->applied[i + 1], &m->applied[i], (m->n_applied - i) * sizeof *m->applied);
        m->applied[i] = (struct Applied){ .slice = s };
        m->n_applied++;
        return &m->applied[i];
}

/* A SetUnitProperties call that failed after it was recorded as applied
 * (PID 1 dropped off the bus with the call in flight): forgotten, so that
 * the reconcile that follows sends it again. */
void manager_limits_failed(Manager *m, const char *slice) {
        bool found;
        size_t i = applied_search(m, slice, &found);

        if (!found)
                return;
        free(m->applied[i].slice);
        memmove(&m->applied[i], &m->applied[i + 1], (m->n_applied - i - 1) * sizeof *m->applied);
        m->n_applied--;
        m->applied_dirty = true;
        manager_retry_failed_calls(m);
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
                n = applied_add(m, slice);
                if (!n)
                        return;
                n->low = low;
                n->high = high;
                n->max = max;
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
                a = applied_add(m, d->slice);
                if (!a)
                        return;
        }
        a->low = p->memory_low;
        a->high = p->memory_high;
        a->max = p->memory_max;
}

static int ensure_entities(Manager *m, const Survey *sv) {
        int r;

        for (size_t i = 0; i < m->n_desired; i++) {
                const Desired *d = &m->desired[i];
                const LoadedUnit *u;

                if (!state_find(m->state, d->slice)) {
                        r = state_add(m->state, d->slice, d->service, now_usec(CLOCK_REALTIME), NULL);
                        if (r < 0)
                                return r;
                        m->state_dirty = true;
                }
                u = loaded_units_find(&sv->loaded, d->slice);
                if (u && (streq(u->active, "active") || streq(u->active, "activating")))
                        continue;
                /* A reconcile before the job of the last one finished: the
                 * start is asked for once. */
                if (manager_entity_starting(m, d->slice))
                        continue;
                r = manager_start_entity(m, d);
                if (r < 0)
                        log_error_errno(r, "Failed to start entity %s of %s: %m", d->slice, d->service);
        }

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

static void refresh_instances(Manager *m, const Survey *sv) {
        for (size_t i = 0; i < m->n_tracked; i++) {
                Tracked *t = &m->tracked[i];
                const LoadedUnit *u = loaded_units_find(&sv->loaded, t->unit);
                bool running = u && active_is_running(u->active);

                /* Running with an instance we follow already: signals keep
                 * it current. Otherwise read it in full, from PID 1 if it
                 * has the unit loaded; a unit it has not loaded is not
                 * running, and asking would load it. */
                if (running && !t->invocation_id)
                        manager_unit_changed(m, t->unit);
                else if (!running && unit_has_open_instance(m, t)) {
                        if (u)
                                manager_unit_changed(m, t->unit);
                        else
                                manager_unit_state(m, t, "inactive", NULL, NULL);
                }
        }
}

int manager_reconcile(Manager *m) {
        _cleanup_(survey_done) Survey sv = {};
        uint64_t t0 = now_usec(CLOCK_MONOTONIC), t1, t2, t3;
        int r;

        r = survey(m, &sv);
        if (r < 0) {
                /* PID 1 too slow to list its units: nothing else may ever
                 * ask again on a quiet host. */
                manager_retry_failed_calls(m);
                return r;
        }
        r = collect_desired(m, &sv);
        if (r < 0)
                return log_error_errno(r, "Failed to work out the configured entities: %m");
        t1 = now_usec(CLOCK_MONOTONIC);

        (void) ensure_entities(m, &sv);
        t2 = now_usec(CLOCK_MONOTONIC);

        /* Instances: pick up what runs now (start-up, new units). */
        refresh_instances(m, &sv);
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
        manager_proactive_update(m);
        manager_leftovers_update(m);

        m->reconcile_usec[0] = t1 - t0;
        m->reconcile_usec[1] = t2 - t1;
        m->reconcile_usec[2] = t3 - t2;
        m->reconcile_usec[3] = now_usec(CLOCK_MONOTONIC) - t3;
        log_debug("Reconcile: configured units %" PRIu64 " ms, entities %" PRIu64 " ms, instances %" PRIu64
                  " ms, retire %" PRIu64 " ms.",
                  m->reconcile_usec[0] / 1000, m->reconcile_usec[1] / 1000, m->reconcile_usec[2] / 1000,
                  m->reconcile_usec[3] / 1000);
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

/* The broker went away (a restart of dbus.service): the name, the matches
 * and PID 1's Subscribe() went with it, and signals of units stop coming.
 * Starting afresh is the one way to get all of them back and to learn what
 * happened meanwhile (a reconcile): exit with a failure, and systemd starts
 * the daemon again (Restart=on-failure). */
static int on_bus_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_BUS_LOST,
                   "MESSAGE=Lost the connection to the system bus; exiting, to be started again and read "
                   "everything afresh.",
                   NULL);
        return sd_event_exit(m->event, -ECONNRESET);
}

int manager_start(Manager *m) {
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

        r = manager_load_state(m);
        if (r < 0)
                return r;

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
        r = systemd_bus_setup(m);
        if (r < 0)
                return r;
        /* Local: sent by sd-bus itself, no AddMatch goes out. */
        r = sd_bus_match_signal(m->bus, &m->match_disconnected, "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local", "Disconnected",
                                on_bus_disconnected, m);
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
        log_info("Reconciled %zu entities and %zu units in %" PRIu64 " ms (configured units %" PRIu64
                 " ms, entities %" PRIu64 " ms, instances %" PRIu64 " ms, retire %" PRIu64 " ms).",
                 m->n_desired, m->n_tracked, (now_usec(CLOCK_MONOTONIC) - t0) / 1000,
                 m->reconcile_usec[0] / 1000, m->reconcile_usec[1] / 1000, m->reconcile_usec[2] / 1000,
                 m->reconcile_usec[3] / 1000);
        /* Start-up touched every unit once; give the peak back. */
        (void) malloc_trim(0);

        manager_update_metrics(m);
        return 0;
}
