/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Retiring an entity: its service is gone from the system or from the
 * configuration. Drain what is left (off the loop: memory.reclaim blocks),
 * measure the residual against retire_residual_max, stop the slice, forget
 * it. An entity with live processes below it waits until they are gone. */

#include <inttypes.h>

#include "fileio.h"
#include "log.h"
#include "manager.h"
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
                manager_bus_retire_failed(m, j->slice, r);
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

        manager_bus_emit_entity_retired(m, j->slice, c->service, residual);
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
                reclaim_job_free(j);
                retire_call_free(c);
                return log_error_errno(r, "Failed to start retiring %s: %m", slice);
        }
        return 0;
}
