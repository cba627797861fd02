/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Instances: each start and stop of a tracked service, and the records the
 * stop hook (cgpersist-drain) leaves in /run/cgpersist/stops/. */

#include <inttypes.h>
#include <sys/inotify.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "manager-metrics.h"
#include "manager-redrain.h"
#include "manager.h"
#include "path.h"
#include "size.h"
#include "stoprecord.h"
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
        EntityState *e;
        InstanceRecord r = {
                .unit = t->unit,
                .invocation_id = (char *) inv,
                .start_usec = now_usec(CLOCK_REALTIME),
                .peak = UINT64_MAX,
                .charge_at_stop = UINT64_MAX,
                .residual = UINT64_MAX,
        };

        /* Records of instances that ran while the daemon did not watch
         * first, so that the history stays in order. */
        (void) manager_process_stop_records(m);
        e = state_find(m->state, t->slice);

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
        /* An earlier instance of the unit still open stopped unseen and
         * left no record (its hook failed or refused): it ended by now. */
        for (size_t i = 0; i < e->n_history; i++) {
                InstanceRecord *h = &e->history[i];

                if (h->stop_usec == 0 && streq(h->unit, t->unit) && !streq_ptr(h->invocation_id, inv)) {
                        h->stop_usec = r.start_usec;
                        m->state_dirty = true;
                }
        }
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
                manager_emit_instance_stopped(m, t->slice, r);
        }
        /* Its cgroup is gone, perhaps as a dying one below the entity. */
        if (e)
                manager_dying_expire(m, e);
        if (t->slice)
                manager_redrain_instance_stopped(m, t->slice);
        /* Kept to tell a late report of it (see manager_unit_state()). */
        free(t->stopped_invocation_id);
        t->stopped_invocation_id = TAKE_PTR(t->invocation_id);
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
                /* The instance that just stopped, reported once more as
                 * "activating" while Restart= waits to start the next one
                 * (which gets an invocation ID of its own): not a start. */
                if (t->stopped_invocation_id && streq(t->stopped_invocation_id, inv))
                        return;
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

/* The entity a record belongs to: the tracked unit's, if the record's
 * cgroup is in it, else the one whose cgroup is the record cgroup's parent. */
static EntityState *record_entity(Manager *m, const StopRecord *rec) {
        Tracked *t = manager_find_tracked(m, rec->unit);
        EntityState *e = t ? state_find(m->state, t->slice) : NULL;

        if (e && (!rec->cgroup || cgroup_in_slice(rec->cgroup, e->slice)))
                return e;
        for (size_t i = 0; rec->cgroup && i < m->state->n_entities; i++)
                if (cgroup_in_slice(rec->cgroup, m->state->entities[i].slice))
                        return &m->state->entities[i];
        return NULL;
}

static uint64_t record_time(const InstanceRecord *h) {
        return h->start_usec ?: h->stop_usec;
}

/* A record of an instance the daemon never saw start (it was stopped, or
 * starting): added to the history in its place by time, with its start
 * from the record (the hook asks PID 1), never dropped. */
static InstanceRecord *adopt(Manager *m, EntityState *e, const StopRecord *rec) {
        InstanceRecord r = {
                .unit = rec->unit,
                .invocation_id = rec->invocation_id,
                .cgroup_id = rec->cgroup_id,
                .start_usec = rec->start_usec,
                .stop_usec = rec->stop_usec,
                .peak = UINT64_MAX,
                .charge_at_stop = UINT64_MAX,
                .residual = UINT64_MAX,
        };
        InstanceRecord tmp;
        uint64_t when = record_time(&r);
        size_t i;

        if (entity_add_instance(e, &r) < 0)
                return NULL;
        /* Appended last: move it back past the newer ones. */
        i = e->n_history - 1;
        while (i > 0 && record_time(&e->history[i - 1]) > when) {
                tmp = e->history[i - 1];
                e->history[i - 1] = e->history[i];
                e->history[i] = tmp;
                i--;
        }
        e->restarts++;
        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_INSTANCE_ADOPTED, "CGPERSIST_SERVICE=%s", rec->unit,
                   "CGPERSIST_ENTITY=%s", e->slice, "CGPERSIST_INSTANCE=%s", rec->invocation_id,
                   "MESSAGE=Instance %s of %s started and stopped while cgpersistd did not watch; taken "
                   "into the history from its stop record.",
                   rec->invocation_id, rec->unit, NULL);
        return &e->history[i];
}

/* One record file (lib/stoprecord.c parses it). 1: applied, 0: of an
 * instance of no entity (yet), negative: malformed. */
static int apply_stop_record(Manager *m, const char *name, const char *path) {
        _cleanup_(stop_record_done) StopRecord rec = STOP_RECORD_INIT;
        InstanceRecord *h = NULL;
        EntityState *e = NULL;
        int r;

        r = stop_record_read(path, &rec);
        if (r < 0)
                return r;
        if (!streq(name, rec.invocation_id))
                return -EBADMSG; /* the hook names the file after it */

        for (size_t i = 0; !h && i < m->state->n_entities; i++) {
                e = &m->state->entities[i];
                h = entity_find_instance(e, rec.invocation_id);
        }
        if (!h) {
                e = record_entity(m, &rec);
                if (!e)
                        return 0;
                h = adopt(m, e, &rec);
                if (!h)
                        return log_oom();
        }
        h->charge_at_stop = rec.charge;
        h->peak = rec.peak;
        h->drained = rec.drained;
        h->residual = rec.residual;
        if (!h->stop_usec)
                h->stop_usec = rec.stop_usec;
        if (!h->start_usec)
                h->start_usec = rec.start_usec;
        if (!h->cgroup_id)
                h->cgroup_id = rec.cgroup_id;
        if (rec.result && !h->result)
                h->result = strdup(rec.result);
        e->drained_total += rec.drained;
        m->state_dirty = true;
        log_debug("Stop record of %s (%s): %" PRIu64 " ms in the drain, swappiness argument %s.",
                  rec.invocation_id, rec.unit, rec.elapsed_usec / 1000,
                  rec.swappiness_arg ? "passed" : "not passed");
        return 1;
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
                r = apply_stop_record(m, de->d_name, p);
                if (r == -ENOMEM)
                        return r; /* keep it for the next pass */
                if (r < 0)
                        log_warning_errno(r, "Ignoring malformed stop record %s: %m", p);
                /* Applied or malformed: dealt with. A record of an instance
                 * of no entity stays for the reconcile that creates it;
                 * records are small and /run is cleared at boot. */
                if (r != 0)
                        (void) unlink(p);
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
