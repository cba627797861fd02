/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entity starts in flight. StartUnit only queues a job; the entity has
 * started when PID 1 says the job is done (JobRemoved). Until then a reconcile
 * does not ask again, and the journal says "Started" once, when it is true. */

#include <inttypes.h>

#include "log.h"
#include "manager.h"
#include "timeutil.h"

/* A start whose JobRemoved never came (a signal lost with a reconnect of the
 * bus) is asked for again after this. */
#define START_STALE_USEC (UINT64_C(300) * 1000000)

static struct Starting *starting_find(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_starting; i++)
                if (streq(m->starting[i].slice, slice))
                        return &m->starting[i];
        return NULL;
}

static void starting_remove(Manager *m, struct Starting *s) {
        free(s->slice);
        *s = m->starting[--m->n_starting];
}

bool manager_entity_starting(Manager *m, const char *slice) {
        struct Starting *s = starting_find(m, slice);

        if (!s)
                return false;
        if (now_usec(CLOCK_MONOTONIC) - s->since_usec < START_STALE_USEC)
                return true;
        log_warning("No word from systemd on the start of %s, asking again.", slice);
        starting_remove(m, s);
        return false;
}

int manager_start_entity(Manager *m, const Desired *d) {
        struct Starting *x;
        char *slice;
        int r;

        /* Bounded by the configured entities: one entry each at most. */
        slice = strdup(d->slice);
        if (!slice)
                return -ENOMEM;
        x = realloc(m->starting, (m->n_starting + 1) * sizeof *x);
        if (!x) {
                free(slice);
                return -ENOMEM;
        }
        m->starting = x;
        m->starting[m->n_starting++] = (struct Starting){
                .slice = slice,
                .since_usec = now_usec(CLOCK_MONOTONIC),
        };
        r = systemd_start_unit_async(m, d->slice);
        if (r < 0) {
                /* Unless a refused call took it out already. */
                x = starting_find(m, d->slice);
                if (x)
                        starting_remove(m, x);
                return r;
        }
        log_debug("Asked systemd to start entity %s of %s.", d->slice, d->service);
        return 0;
}

void manager_entity_start_finished(Manager *m, const char *slice, const char *result) {
        struct Starting *s = starting_find(m, slice);
        const EntityState *e;
        const char *service;

        if (!s)
                return;
        starting_remove(m, s);
        e = state_find(m->state, slice);
        service = e ? e->service : "?";
        if (streq(result, "done"))
                log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_STARTED, "CGPERSIST_ENTITY=%s", slice,
                           "CGPERSIST_SERVICE=%s", service, "MESSAGE=Started entity %s for %s.", slice,
                           service, NULL);
        else
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_ENTITY_START_FAILED, "CGPERSIST_ENTITY=%s",
                           slice, "CGPERSIST_SERVICE=%s", service, "CGPERSIST_RESULT=%s", result,
                           "MESSAGE=Failed to start entity %s for %s (%s); trying again at the next "
                           "reconcile.",
                           slice, service, result, NULL);
}

void manager_starts_free(Manager *m) {
        for (size_t i = 0; i < m->n_starting; i++)
                free(m->starting[i].slice);
        free(m->starting);
        m->starting = NULL;
        m->n_starting = 0;
}
