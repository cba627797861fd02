/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Retiring an entity: its service is gone from the system or from the
 * configuration. Drain what is left (off the loop: memory.reclaim blocks),
 * measure the residual against retire_residual_max, stop the slice, forget
 * it. An entity with live processes below it waits until they are gone. */

#include <inttypes.h>

#include "bus-api.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "manager-metrics.h"
#include "reclaim-job.h"
#include "size.h"
#include "unitname.h"

/* What the retirement of one entity needs back on the loop. */
typedef struct RetireCall {
        Manager *manager;
        char *service;
        char *why;
        uint64_t residual_max; /* the service's retire_residual_max */
} RetireCall;

static void retire_call_free(RetireCall *c) {
        if (!c)
                return;
        free(c->service);
        free(c->why);
        free(c);
}

/* Retire jobs under way, by slice, so a reconcile does not start another. */
static bool slice_retiring(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice))
                        return true;
        return false;
}

static int retiring_add(Manager *m, const char *slice) {
        char **l = realloc(m->retiring, (m->n_retiring + 1) * sizeof(char *));
        if (!l)
                return -ENOMEM;
        m->retiring = l;
        l[m->n_retiring] = strdup(slice);
        if (!l[m->n_retiring])
                return -ENOMEM;
        m->n_retiring++;
        return 0;
}

static void retiring_remove(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice)) {
                        free(m->retiring[i]);
                        m->retiring[i] = m->retiring[--m->n_retiring];
                        return;
                }
}

/* A caller of manager_retire_request() waiting for the retirement. */
typedef struct RetireWaiter {
        char *slice;
        bool recreated;
        manager_retire_done_fn done;
        void *userdata;
} RetireWaiter;

/* Tells the waiters for slice, and forgets them. */
static void waiters_done(Manager *m, const char *slice, const char *service, uint64_t residual, int error) {
        for (size_t i = 0; i < m->n_retire_waiters;) {
                RetireWaiter w = m->retire_waiters[i];

                if (!streq(w.slice, slice)) {
                        i++;
                        continue;
                }
                m->retire_waiters[i] = m->retire_waiters[--m->n_retire_waiters];
                w.done(m, slice, service, residual, w.recreated, error, w.userdata);
                free(w.slice);
        }
}

void manager_retire_waiters_free(Manager *m) {
        while (m->n_retire_waiters > 0) {
                RetireWaiter w = m->retire_waiters[--m->n_retire_waiters];

                w.done(m, w.slice, NULL, UINT64_MAX, w.recreated, -ECANCELED, w.userdata);
                free(w.slice);
        }
        free(m->retire_waiters);
        m->retire_waiters = NULL;
}

static void retire_done(ReclaimJob *j, void *userdata) {
        RetireCall *c = userdata;
        Manager *m = c->manager;
        char res[FORMAT_BYTES_MAX], max[FORMAT_BYTES_MAX];
        uint64_t residual = j->current_after != UINT64_MAX ? j->current_after : j->result.after;
        bool over;
        int r;

        retiring_remove(m, j->slice);
        if (j->error < 0 && j->error != -EOPNOTSUPP)
                log_warning_errno(j->error, "Failed to drain %s before retiring it, retiring anyway: %m",
                                  j->slice);

        r = systemd_stop_unit(m, j->slice);
        if (r < 0) {
                log_error_errno(r, "Failed to stop the slice of retired entity %s, keeping it: %m",
                                j->slice);
                waiters_done(m, j->slice, c->service, UINT64_MAX, r);
                retire_call_free(c);
                return;
        }

        over = residual > c->residual_max;
        log_struct(over ? LOG_WARNING : LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_RETIRED,
                   "CGPERSIST_ENTITY=%s", j->slice, "CGPERSIST_SERVICE=%s", c->service,
                   "CGPERSIST_BYTES=%" PRIu64, residual, "CGPERSIST_DRAINED=%" PRIu64,
                   reclaim_job_reclaimed(j), "MESSAGE=Retired entity %s of %s (%s): residual %s%s%s.",
                   j->slice, c->service, c->why, format_bytes(res, sizeof res, residual),
                   over ? ", above retire_residual_max " : "",
                   over ? format_bytes(max, sizeof max, c->residual_max) : "", NULL);

        manager_emit_entity_retired(m, j->slice, c->service, residual);
        waiters_done(m, j->slice, c->service, residual, 0);
        (void) state_remove(m->state, j->slice);
        manager_save_state(m);
        retire_call_free(c);
}

static int slice_populated(Manager *m, const char *cgpath) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        int r;

        r = cgroupfs_path(m->cgfs, cgpath, "cgroup.events", &p);
        if (r < 0)
                return r;
        r = read_full_file(p, 4096, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return strstr(text, "populated 1") != NULL;
}

int manager_retire(Manager *m, const char *slice, const char *why) {
        _cleanup_free_ char *cgpath = NULL;
        EntityState *e = state_find(m->state, slice);
        ServicePolicy policy;
        ReclaimOptions opts;
        RetireCall *c;
        ReclaimJob *j;
        int r;

        if (!e || slice_retiring(m, slice))
                return 0;
        r = slice_cgroup_path(slice, &cgpath);
        if (r < 0)
                return r;

        r = slice_populated(m, cgpath);
        if (r > 0) {
                log_debug("Entity %s still has processes below it; retiring it once they are gone.", slice);
                return 0;
        }

        /* The service's own drain= and retire_residual_max=, or the
         * [defaults] when it is no longer configured. */
        reclaim_job_drain_options(m, e->service, &opts, &policy);
        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        *c = (RetireCall){
                .manager = m,
                .service = strdup(e->service),
                .why = strdup(why),
                .residual_max = policy.retire_residual_max,
        };
        if (!c->service || !c->why) {
                retire_call_free(c);
                return log_oom();
        }
        r = reclaim_job_new(m, slice, &opts, &j);
        if (r < 0) {
                retire_call_free(c);
                return log_error_errno(r, "Failed to start retiring %s: %m", slice);
        }
        r = retiring_add(m, slice);
        if (r < 0) {
                reclaim_job_free(j);
                retire_call_free(c);
                return log_oom();
        }
        r = reclaim_job_start(m, j, "retire", retire_done, c);
        if (r < 0) {
                retiring_remove(m, slice);
                retire_call_free(c);
                return log_error_errno(r, "Failed to start retiring %s: %m", slice);
        }
        return 0;
}

int manager_retire_request(Manager *m, const EntityState *e, bool force, manager_retire_done_fn done,
                           void *userdata, sd_bus_error *error) {
        _cleanup_free_ Tracked **live = NULL;
        _cleanup_free_ char *slice = NULL;
        RetireWaiter *x;
        size_t n_live = 0;
        bool configured;
        int r;

        if (!m || !e || !done)
                return -EINVAL;
        slice = strdup(e->slice);
        if (!slice)
                return -ENOMEM;
        if (slice_retiring(m, slice))
                return sd_bus_error_setf(error, CGPERSIST_ERROR_BUSY, "%s is being retired already.", slice);

        configured = manager_find_desired(m, slice) != NULL;
        if (configured && !force)
                return sd_bus_error_setf(
                        error, CGPERSIST_ERROR_STILL_CONFIGURED,
                        "%s is still configured for %s: disable it first (cgctl disable %s), or "
                        "force it, and it will be started again at the next reconcile.",
                        slice, e->service, e->service);

        r = manager_live_instances(m, slice, &live, &n_live);
        if (r < 0)
                return r;
        if (n_live > 0)
                return sd_bus_error_setf(error, CGPERSIST_ERROR_BUSY,
                                         "%s still runs in %s%s: stop it first.", live[0]->unit, slice,
                                         n_live > 1 ? " (with other instances)" : "");

        r = manager_retire(m, slice, force && configured ? "retired by cgctl, forced" : "retired by cgctl");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to retire %s: %m", slice);
        if (!slice_retiring(m, slice))
                return sd_bus_error_setf(
                        error, CGPERSIST_ERROR_BUSY,
                        "Processes still run below %s (see systemctl status %s): stop them first.", slice,
                        slice);

        x = realloc(m->retire_waiters, (m->n_retire_waiters + 1) * sizeof *x);
        if (!x)
                return -ENOMEM;
        m->retire_waiters = x;
        x[m->n_retire_waiters++] = (RetireWaiter){
                .slice = TAKE_PTR(slice),
                .recreated = configured,
                .done = done,
                .userdata = userdata,
        };
        return 1;
}
