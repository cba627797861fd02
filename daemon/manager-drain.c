/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain on request (cgctl drain, the D-Bus Drain call): the entity's page
 * cache reclaimed by the service's drain= policy on a worker thread, counted
 * in its drained total and logged with an event of its own. */

#include <inttypes.h>
#include <stdlib.h>

#include "log.h"
#include "manager.h"
#include "reclaim-job.h"
#include "size.h"

typedef struct DrainCall {
        Manager *manager;
        manager_drain_done_fn done;
        void *userdata;
} DrainCall;

/* Its own event, not the stop hook's: no instance stopped, and the figures
 * are the entity's, before and after. CGPERSIST_BYTES is what was reclaimed,
 * as in every event that reclaims. */
static void log_manual_drain(const char *slice, const char *service, const ReclaimResult *res,
                             uint64_t drained) {
        char b[FORMAT_BYTES_MAX], a[FORMAT_BYTES_MAX], d[FORMAT_BYTES_MAX];

        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_DRAINED, "CGPERSIST_ENTITY=%s", slice,
                   "CGPERSIST_SERVICE=%s", strempty(service), "CGPERSIST_BYTES=%" PRIu64, drained,
                   "CGPERSIST_BEFORE=%" PRIu64, res->before, "CGPERSIST_AFTER=%" PRIu64, res->after,
                   "CGPERSIST_USEC=%" PRIu64, res->elapsed_usec,
                   "MESSAGE=Drained entity %s on request: %s reclaimed (%s \u2192 %s) in %" PRIu64 " ms%s.",
                   slice, format_bytes(d, sizeof d, drained), format_bytes(b, sizeof b, res->before),
                   format_bytes(a, sizeof a, res->after), res->elapsed_usec / 1000,
                   res->swap_guard ? " (page cache held back to keep anonymous memory off swap)"
                           : res->budget_exhausted ? " (time budget spent)"
                                                   : "",
                   NULL);
}

static void drain_done(ReclaimJob *j, void *userdata) {
        _cleanup_free_ DrainCall *c = userdata;
        Manager *m = c->manager;
        uint64_t drained = 0;
        EntityState *e;

        if (j->error >= 0) {
                drained = reclaim_job_reclaimed(j);
                e = state_find(m->state, j->slice);
                if (e && drained > 0) {
                        e->drained_total += drained;
                        m->state_dirty = true;
                        manager_save_state(m);
                }
                log_manual_drain(j->slice, e ? e->service : NULL, &j->result, drained);
        }
        c->done(j, drained, c->userdata);
}

int manager_drain(Manager *m, const EntityState *e, manager_drain_done_fn done, void *userdata) {
        ReclaimOptions opts;
        ReclaimJob *j;
        DrainCall *c;
        int r;

        if (!m || !e || !done)
                return -EINVAL;
        reclaim_job_drain_options(m, e->service, &opts, NULL);
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (DrainCall){ .manager = m, .done = done, .userdata = userdata };
        r = reclaim_job_new(m, e->slice, &opts, &j);
        if (r >= 0)
                r = reclaim_job_start(m, j, "drain", drain_done, c);
        if (r < 0)
                free(c);
        return r;
}
