/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Instances: each start and stop of a tracked service, and the records the
 * stop hook (cgpersist-drain) leaves in /run/cgpersist/stops/. */

#include <inttypes.h>
#include <sys/inotify.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "manager-metrics.h"
#include "manager.h"
#include "path.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"

static bool state_is_running(const char *s) {
        return streq(s, "active") || streq(s, "activating") || streq(s, "reloading") ||
                streq(s, "deactivating") || streq(s, "refreshing");
}

/* Is the cgroup ("/system.slice/system-web.slice/web.service") below the
 * entity's slice? */
static bool cgroup_in_slice(const char *cgroup, const char *slice) {
        _cleanup_free_ char *sp = NULL;
        size_t n;

        if (!cgroup || slice_cgroup_path(slice, &sp) < 0)
                return false;
        cgroup += strspn(cgroup, "/");
        n = strlen(sp);
        return strneq(cgroup, sp, n) && cgroup[n] == '/';
}

static void instance_started(Manager *m, Tracked *t, const char *inv, const char *cgroup) {
        EntityState *e = state_find(m->state, t->slice);
        InstanceRecord r = {
                .unit = t->unit,
                .invocation_id = (char *) inv,
                .start_usec = now_usec(CLOCK_REALTIME),
                .peak = UINT64_MAX,
                .charge_at_stop = UINT64_MAX,
                .residual = UINT64_MAX,
        };

        free(t->invocation_id);
        free(t->cgroup);
        t->invocation_id = strdup(inv);
        t->cgroup = cgroup ? strdup(cgroup) : NULL;

        bool pending = !cgroup_in_slice(cgroup, t->slice);
        if (pending && !t->pending)
                log_struct(
                        LOG_NOTICE, "MESSAGE_ID=" MESSAGE_ID_PLACEMENT_PENDING, "CGPERSIST_SERVICE=%s",
                        t->unit, "CGPERSIST_ENTITY=%s", t->slice,
                        "MESSAGE=%s runs in %s, outside its entity %s; it moves there at its next restart.",
                        t->unit, strna(cgroup), t->slice, NULL);
        t->pending = pending;

        if (!e)
                return;
        if (entity_find_instance(e, inv))
                return; /* known already (daemon restart) */
        if (cgroup)
                (void) cgroupfs_id(m->cgfs, cgroup, &r.cgroup_id);
        if (entity_add_instance(e, &r) < 0) {
                log_oom();
                return;
        }
        e->restarts++;
        m->state_dirty = true;
        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_INSTANCE_STARTED, "CGPERSIST_SERVICE=%s", t->unit,
                   "CGPERSIST_ENTITY=%s", t->slice, "CGPERSIST_INSTANCE=%s", inv,
                   "CGPERSIST_CGROUP_ID=%" PRIu64, r.cgroup_id, "MESSAGE=Instance %s of %s started in %s%s.",
                   inv, t->unit, strna(cgroup), pending ? " (outside its entity until restarted)" : "",
                   NULL);
}

static void instance_stopped(Manager *m, Tracked *t, const char *result) {
        _cleanup_free_ char *asked = NULL;
        EntityState *e;
        InstanceRecord *r;
        char charge[FORMAT_BYTES_MAX];

        /* The stop hook ran before the unit went inactive: take its record
         * (charge, peak, drained) first, so the stop event carries it. */
        (void) manager_process_stop_records(m);
        e = state_find(m->state, t->slice);
        r = e ? entity_find_instance(e, t->invocation_id) : NULL;

        if (r) {
                /* The stop hook's record may have landed first and set the
                 * stop time already; this is still the one stop event. */
                if (r->stop_usec == 0)
                        r->stop_usec = now_usec(CLOCK_REALTIME);
                /* The result the history shows: the stop hook's, else
                 * PID 1's. */
                if (!result && !r->result && systemd_get_instance(m, t->unit, NULL, NULL, NULL, &asked) >= 0)
                        result = asked;
                if (result && !r->result)
                        r->result = strdup(result);
                m->state_dirty = true;
                log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_INSTANCE_STOPPED, "CGPERSIST_SERVICE=%s",
                           t->unit, "CGPERSIST_ENTITY=%s", t->slice, "CGPERSIST_INSTANCE=%s",
                           t->invocation_id, "CGPERSIST_BYTES=%" PRIu64,
                           r->charge_at_stop == UINT64_MAX ? 0 : r->charge_at_stop,
                           "MESSAGE=Instance %s of %s stopped (%s), charge at stop %s.", t->invocation_id,
                           t->unit, strna(r->result ?: result),
                           r->charge_at_stop == UINT64_MAX
                                   ? "unknown"
                                   : format_bytes(charge, sizeof charge, r->charge_at_stop),
                           NULL);
                manager_bus_emit_instance_stopped(m, t->slice, r);
        }
        /* Its cgroup is gone, perhaps as a dying one below the entity. */
        if (e)
                manager_dying_expire(m, e);
        t->invocation_id = (free(t->invocation_id), NULL);
        t->cgroup = (free(t->cgroup), NULL);
        t->pending = false;
}

/* The state machine of one tracked unit, fed by signals (active state and
 * invocation id from PropertiesChanged) or by a full read at reconcile. The
 * cgroup is read from PID 1 only when a new instance starts. */
void manager_unit_state(Manager *m, Tracked *t, const char *active, const char *inv,
                        const char *cgroup_hint) {
        if (state_is_running(active) && inv) {
                if (t->invocation_id && streq(t->invocation_id, inv))
                        return; /* the same instance: nothing to record */
                if (t->invocation_id)
                        instance_stopped(m, t, NULL);
                _cleanup_free_ char *cgroup = NULL;
                if (!cgroup_hint)
                        (void) systemd_get_instance(m, t->unit, NULL, NULL, &cgroup, NULL);
                instance_started(m, t, inv, cgroup_hint ?: cgroup);
        } else if (!state_is_running(active)) {
                if (t->invocation_id)
                        instance_stopped(m, t, NULL);
                else {
                        /* The daemon was down while it stopped: close the
                         * open record of the last instance, if any. */
                        EntityState *e = state_find(m->state, t->slice);
                        for (size_t i = e ? e->n_history : 0; i > 0; i--) {
                                InstanceRecord *h = &e->history[i - 1];
                                if (!streq(h->unit, t->unit))
                                        continue;
                                if (h->stop_usec == 0 && h->invocation_id) {
                                        t->invocation_id = strdup(h->invocation_id);
                                        instance_stopped(m, t, NULL);
                                }
                                break;
                        }
                }
        }
        if (m->state_dirty)
                manager_queue_save(m);
}

void manager_unit_changed(Manager *m, const char *unit) {
        _cleanup_free_ char *active = NULL, *inv = NULL, *cgroup = NULL;
        Tracked *t = manager_find_tracked(m, unit);
        int r;

        if (!t)
                return;
        r = systemd_get_instance(m, unit, &active, &inv, &cgroup, NULL);
        if (r < 0) {
                log_debug_errno(r, "Failed to read the state of %s: %m", unit);
                return;
        }
        manager_unit_state(m, t, active, inv, cgroup);
}

/* A record file: "key=value" lines written atomically by cgpersist-drain. */
static int apply_stop_record(Manager *m, const char *path) {
        _cleanup_free_ char *text = NULL;
        char *unit = NULL, *inv = NULL, *result = NULL;
        uint64_t charge = UINT64_MAX, peak = UINT64_MAX, drained = 0, residual = UINT64_MAX, stop = 0;
        int r;

        r = read_full_file(path, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq++ = 0;
                if (streq(line, "unit"))
                        unit = eq;
                else if (streq(line, "invocation_id"))
                        inv = eq;
                else if (streq(line, "result"))
                        result = eq;
                else if (streq(line, "charge"))
                        charge = strtoull(eq, NULL, 10);
                else if (streq(line, "peak"))
                        peak = strtoull(eq, NULL, 10);
                else if (streq(line, "drained"))
                        drained = strtoull(eq, NULL, 10);
                else if (streq(line, "residual"))
                        residual = strtoull(eq, NULL, 10);
                else if (streq(line, "stop_usec"))
                        stop = strtoull(eq, NULL, 10);
        }
        if (!unit || !inv || !unit_name_is_valid_service(unit))
                return -EBADMSG;

        /* Find the entity the instance belongs to, whichever unit it is. */
        for (size_t i = 0; i < m->state->n_entities; i++) {
                EntityState *e = &m->state->entities[i];
                InstanceRecord *h = entity_find_instance(e, inv);
                if (!h)
                        continue;
                h->charge_at_stop = charge;
                h->peak = peak;
                h->drained = drained;
                h->residual = residual;
                if (stop && !h->stop_usec)
                        h->stop_usec = stop;
                if (result && !h->result)
                        h->result = strdup(result);
                e->drained_total += drained;
                m->state_dirty = true;
                return 1;
        }
        return 0;
}

int manager_process_stop_records(Manager *m) {
        _cleanup_closedir_ DIR *d = opendir(m->stops_dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                int r;

                if (de->d_name[0] == '.' || strchr(de->d_name, '~'))
                        continue; /* hidden and temp files of an atomic write */
                p = path_join(m->stops_dir, de->d_name);
                if (!p)
                        return log_oom();
                r = apply_stop_record(m, p);
                if (r < 0)
                        log_warning_errno(r, "Ignoring malformed stop record %s: %m", p);
                if (r != 0 || de->d_type == DT_REG) {
                        /* Applied, malformed, or of an instance we never saw:
                         * either way it has been dealt with. Records of
                         * unknown instances stay a while for a late start
                         * event; they are small and /run is cleared at boot. */
                        if (r != 0)
                                (void) unlink(p);
                }
                if (r > 0)
                        n++;
        }
        if (m->state_dirty)
                manager_queue_save(m);
        return n;
}

static int on_stops(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;

        (void) manager_process_stop_records(m);
        return 0;
}

int manager_watch_stops(Manager *m) {
        int r;

        r = mkdir_p(m->stops_dir, 0755);
        if (r < 0)
                return r;
        r = sd_event_add_inotify(m->event, &m->stops_watch, m->stops_dir, IN_MOVED_TO | IN_CLOSE_WRITE,
                                 on_stops, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->stops_watch, "stop-records");
        return 0;
}
