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
/* A start that failed (PID 1 dropped off the bus with the calls in flight,
 * seen with a thousand entities started at once; a job that failed), or a
 * reconcile that could not list PID 1's units, is tried again by a reconcile
 * this long after, doubling up to the maximum while
 * starts keep failing: nothing else may ever reconcile on a quiet host. */
#define START_RETRY_MIN_USEC (UINT64_C(2) * 1000000)
#define START_RETRY_MAX_USEC (UINT64_C(300) * 1000000)

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

static int on_start_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->start_retry = sd_event_source_unref(m->start_retry);
        log_info("Asking systemd again for what failed (a reconcile, entity starts, memory limits).");
        manager_queue_reconcile(m);
        return 0;
}

/* One timer for every failed call: a reconcile asks again for all. */
void manager_retry_failed_calls(Manager *m) {
        int r;

        if (m->start_retry)
                return;
        m->start_retry_usec = m->start_retry_usec == 0 ? START_RETRY_MIN_USEC
                                                       : MIN(m->start_retry_usec * 2, START_RETRY_MAX_USEC);
        r = sd_event_add_time_relative(m->event, &m->start_retry, CLOCK_MONOTONIC, m->start_retry_usec,
                                       USEC_PER_SEC / 10, on_start_retry, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to arm a retry of failed calls to systemd: %m");
                return;
        }
        (void) sd_event_source_set_description(m->start_retry, "start-retry");
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
        if (streq(result, "done")) {
                m->start_retry_usec = 0;
                log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_STARTED, "CGPERSIST_ENTITY=%s", slice,
                           "CGPERSIST_SERVICE=%s", service, "MESSAGE=Started entity %s for %s.", slice,
                           service, NULL);
                return;
        }
        manager_retry_failed_calls(m);
        log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_ENTITY_START_FAILED, "CGPERSIST_ENTITY=%s", slice,
                   "CGPERSIST_SERVICE=%s", service, "CGPERSIST_RESULT=%s", result,
                   "MESSAGE=Failed to start entity %s for %s (%s); trying again in %" PRIu64 " s.", slice,
                   service, result, m->start_retry_usec / USEC_PER_SEC, NULL);
}

void manager_starts_free(Manager *m) {
        m->start_retry = sd_event_source_unref(m->start_retry);
        for (size_t i = 0; i < m->n_starting; i++)
                free(m->starting[i].slice);
        free(m->starting);
        m->starting = NULL;
        m->n_starting = 0;
}
