/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proactive reclaim of entity leftovers (memory.reclaim on the entity slice,
 * guarded by its memory.pressure), see manager-proactive.h. Measuring
 * (memory.current, memory.stat, memory.pressure) is a few cheap reads and
 * runs on the loop; the memory.reclaim write blocks and runs on a worker
 * thread, one at a time, so that the daemon never reclaims from two entities
 * at once. */

#include <inttypes.h>
#include <stdlib.h>

#include "fileio.h"
#include "log.h"
#include "manager-metrics.h"
#include "manager-proactive.h"
#include "psi.h"
#include "reclaim-job.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"

#define PROACTIVE_ACCURACY_USEC (UINT64_C(250000))
/* A step is small; the budget only guards against a kernel that takes its
 * time (the write cannot be interrupted once in the kernel). */
#define PROACTIVE_STEP_BUDGET_USEC (UINT64_C(1000000))

typedef struct ProactiveEntity {
        char *slice;
        ProactiveState st;
        bool swappiness_arg; /* the last step could use swappiness=0 */
        bool swap_guard; /* the last step held page cache back (old kernel, swap on) */
} ProactiveEntity;

struct Proactive {
        sd_event_source *timer;
        ProactiveParams params;
        ProactiveEntity *entities;
        size_t n_entities;
        char **round; /* slices still to visit in this round */
        size_t n_round, next;
        bool busy; /* a step runs on a worker thread */
        int swappiness_arg; /* the kernel takes "swappiness=0": 1, 0, -1 not probed yet */
};

static void round_clear(Proactive *p) {
        for (size_t i = 0; i < p->n_round; i++)
                free(p->round[i]);
        free(p->round);
        p->round = NULL;
        p->n_round = p->next = 0;
}

void manager_proactive_free(Manager *m) {
        Proactive *p = m->proactive;

        if (!p)
                return;
        sd_event_source_disable_unref(p->timer);
        round_clear(p);
        for (size_t i = 0; i < p->n_entities; i++)
                free(p->entities[i].slice);
        free(p->entities);
        free(p);
        m->proactive = NULL;
}

static ProactiveEntity *entity_find(Proactive *p, const char *slice) {
        for (size_t i = 0; i < p->n_entities; i++)
                if (streq(p->entities[i].slice, slice))
                        return &p->entities[i];
        return NULL;
}

static ProactiveEntity *entity_get(Proactive *p, const char *slice) {
        ProactiveEntity *e = entity_find(p, slice), *n;

        if (e)
                return e;
        n = realloc(p->entities, (p->n_entities + 1) * sizeof *n);
        if (!n)
                return NULL;
        p->entities = n;
        e = &n[p->n_entities];
        *e = (ProactiveEntity){ .slice = strdup(slice) };
        if (!e->slice)
                return NULL;
        p->n_entities++;
        return e;
}

const ProactiveState *manager_proactive_find(Manager *m, const char *slice, uint64_t *ret_backoff_realtime) {
        ProactiveEntity *e = m->proactive ? entity_find(m->proactive, slice) : NULL;

        if (!e)
                return NULL;
        if (ret_backoff_realtime) {
                uint64_t mono = now_usec(CLOCK_MONOTONIC), real = now_usec(CLOCK_REALTIME);

                *ret_backoff_realtime = e->st.backoff_usec == 0 ? 0
                        : mono > e->st.backoff_usec             ? real - MIN(real, mono - e->st.backoff_usec)
                                                                : real;
        }
        return &e->st;
}

static bool opted_in(const Desired *d) {
        return d->policy.proactive_reclaim;
}

static bool any_opted_in(Manager *m) {
        for (size_t i = 0; i < m->n_desired; i++)
                if (opted_in(&m->desired[i]))
                        return true;
        return false;
}

static uint64_t interval(Manager *m) {
        return m->config ? m->config->daemon.proactive_interval_usec : PROACTIVE_INTERVAL_DEFAULT_USEC;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Fires at now + interval, or earlier if it already would. */
static int arm(Manager *m) {
        Proactive *p = m->proactive;
        int enabled = SD_EVENT_OFF, r;
        uint64_t now, when, cur;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        when = now + interval(m);
        if (!p->timer) {
                r = sd_event_add_time(m->event, &p->timer, CLOCK_MONOTONIC, when, PROACTIVE_ACCURACY_USEC,
                                      on_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(p->timer, "proactive-reclaim");
                return 0;
        }
        (void) sd_event_source_get_enabled(p->timer, &enabled);
        if (enabled != SD_EVENT_OFF && sd_event_source_get_time(p->timer, &cur) >= 0 && cur <= when)
                return 0;
        r = sd_event_source_set_time(p->timer, when);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

void manager_proactive_update(Manager *m) {
        Proactive *p = m->proactive;
        int r;

        if (!m->event || sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                return;

        if (!any_opted_in(m)) {
                /* Nothing to do: no timer, no memory of entities. A step
                 * under way finishes and finds nothing to go on with. */
                if (p && !p->busy)
                        manager_proactive_free(m);
                else if (p) {
                        round_clear(p);
                        if (p->timer)
                                (void) sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
                }
                return;
        }

        if (!p) {
                p = calloc(1, sizeof *p);
                if (!p) {
                        log_oom();
                        return;
                }
                proactive_params_default(&p->params);
                p->swappiness_arg = -1;
                m->proactive = p;
        }

        /* Forget entities that are gone or no longer opted in. */
        for (size_t i = 0; i < p->n_entities;) {
                const Desired *d = manager_find_desired(m, p->entities[i].slice);

                if (d && opted_in(d)) {
                        i++;
                        continue;
                }
                free(p->entities[i].slice);
                p->entities[i] = p->entities[--p->n_entities];
        }

        /* Mid-round, the round re-arms the timer when it ends. */
        if (p->busy || p->next < p->n_round)
                return;
        r = arm(m);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule proactive reclaim, ignoring: %m");
}

static void round_continue(Manager *m);

static void log_backoff_started(Manager *m, const ProactiveEntity *e, const char *service) {
        char b[FORMAT_BYTES_MAX], why[128];

        switch (e->st.reason) {
        case PROACTIVE_BACKOFF_PRESSURE:
                (void) snprintf(why, sizeof why, "memory pressure, %" PRIu64 ".%02" PRIu64 " %% stalled",
                                e->st.pressure_ppm / 10000, e->st.pressure_ppm / 100 % 100);
                break;
        case PROACTIVE_BACKOFF_SWAP:
                (void) snprintf(why, sizeof why,
                                "swap in use, anon or shmem charged, and the kernel lacks swappiness=0");
                break;
        default:
                (void) snprintf(why, sizeof why, "a step reclaimed nothing");
        }
        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_PROACTIVE_BACKOFF, "CGPERSIST_ENTITY=%s", e->slice,
                   "CGPERSIST_SERVICE=%s", strna(service), "CGPERSIST_REASON=%s",
                   proactive_backoff_reason_to_string(e->st.reason), "CGPERSIST_PRESSURE_PPM=%" PRIu64,
                   e->st.pressure_ppm, "CGPERSIST_BYTES=%" PRIu64, e->st.reclaimed,
                   "MESSAGE=Proactive reclaim of %s backs off (%s); %s reclaimed so far.", e->slice, why,
                   format_bytes(b, sizeof b, e->st.reclaimed), NULL);
}

static void log_backoff_ended(Manager *m, const ProactiveEntity *e, const char *service, uint64_t now) {
        char b[FORMAT_BYTES_MAX];

        log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_PROACTIVE_RESUMED, "CGPERSIST_ENTITY=%s", e->slice,
                   "CGPERSIST_SERVICE=%s", strna(service), "CGPERSIST_BYTES=%" PRIu64, e->st.reclaimed,
                   "CGPERSIST_USEC=%" PRIu64, now > e->st.backoff_usec ? now - e->st.backoff_usec : 0,
                   "MESSAGE=Proactive reclaim of %s stops backing off after %" PRIu64
                   " s; %s reclaimed so far.",
                   e->slice, (now > e->st.backoff_usec ? now - e->st.backoff_usec : 0) / 1000000,
                   format_bytes(b, sizeof b, e->st.reclaimed), NULL);
}

static void step_done(ReclaimJob *j, void *userdata) {
        Manager *m = userdata;
        Proactive *p = m->proactive;
        ProactiveEntity *e = p ? entity_find(p, j->slice) : NULL;
        const EntityState *es = state_find(m->state, j->slice);
        uint64_t reclaimed = 0;
        bool started = false, ended = false;

        if (p) {
                p->busy = false;
                if (j->swappiness_arg >= 0)
                        p->swappiness_arg = j->swappiness_arg;
        }
        if (e && j->held_back) {
                proactive_held_back(&p->params, &e->st, now_usec(CLOCK_MONOTONIC), &started);
                e->swappiness_arg = false;
                e->swap_guard = true;
                log_debug("Proactive reclaim of %s held back: swap in use, anon or shmem charged, and "
                          "the kernel lacks swappiness=0.",
                          j->slice);
                if (started)
                        log_backoff_started(m, e, es ? es->service : NULL);
        } else if (e) {
                if (j->error < 0)
                        log_debug_errno(j->error, "Proactive reclaim step on %s failed, ignoring: %m",
                                        j->slice);
                else
                        reclaimed = reclaim_job_reclaimed(j);
                e->swappiness_arg = j->result.swappiness_arg;
                e->swap_guard = j->result.swap_guard;
                proactive_record(&p->params, &e->st, now_usec(CLOCK_MONOTONIC), j->opts.step_bytes,
                                 reclaimed, &started, &ended);
                log_debug("Proactive reclaim of %s: asked %" PRIu64 ", reclaimed %" PRIu64 " in %" PRIu64
                          " us%s%s.",
                          j->slice, j->opts.step_bytes, reclaimed, j->result.elapsed_usec,
                          j->result.swappiness_arg ? ", swappiness=0" : "",
                          j->result.swap_guard ? ", page cache held back (swap in use)" : "");
                if (started)
                        log_backoff_started(m, e, es ? es->service : NULL);
                if (ended)
                        log_backoff_ended(m, e, es ? es->service : NULL, now_usec(CLOCK_MONOTONIC));
                if (reclaimed > 0)
                        manager_update_metrics(m);
        }
        if (m->proactive)
                round_continue(m);
}

/* Looks at one entity; returns 1 if a step went to the worker. */
static int visit(Manager *m, const char *slice) {
        Proactive *p = m->proactive;
        _cleanup_free_ char *cgpath = NULL, *ppath = NULL, *text = NULL;
        const Desired *d = manager_find_desired(m, slice);
        EntityState *es = state_find(m->state, slice);
        ProactiveEntity *e;
        ProactiveInput in = {};
        ProactiveDecision dec;
        EntityUsage u;
        ReclaimOptions opts;
        ReclaimJob *j;
        Psi psi;
        int r;

        if (!d || !opted_in(d) || !es)
                return 0;
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice))
                        return 0;
        e = entity_get(p, slice);
        if (!e)
                return log_oom();

        manager_measure_entity(m, es, &u);
        if (u.memory_current == UINT64_MAX)
                return 0; /* the slice is not there (yet) */
        r = slice_cgroup_path(slice, &cgpath);
        if (r < 0)
                return r;
        r = cgroupfs_read_memstat(m->cgfs, cgpath, &in.stat);
        if (r < 0)
                return log_debug_errno(r, "Failed to read memory.stat of %s, skipping: %m", slice);

        in.now_usec = now_usec(CLOCK_MONOTONIC);
        in.entity_current = u.memory_current;
        in.instances_current = u.instances_current;
        /* Without PSI (CONFIG_PSI off, or psi=0 on the command line) there is
         * no guard: proactive_decide() then only takes small steps. */
        if (cgroupfs_path(m->cgfs, cgpath, "memory.pressure", &ppath) >= 0 &&
            read_full_file(ppath, 4096, &text, NULL) >= 0 && psi_parse(text, &psi) >= 0) {
                in.psi_known = true;
                in.psi_some_total = psi.some.total;
                in.psi_some_avg10 = psi.some.avg10;
        }

        r = proactive_decide(&p->params, &e->st, &in, &dec);
        if (r < 0)
                return r;
        if (dec.backoff_started)
                log_backoff_started(m, e, es->service);
        if (dec.backoff_ended)
                log_backoff_ended(m, e, es->service, in.now_usec);
        log_debug("Proactive reclaim of %s: leftovers %" PRIu64 ", %s %" PRIu64 " (pressure %" PRIu64
                  " ppm, back-off level %u).",
                  slice, dec.leftovers, proactive_verdict_to_string(dec.verdict), dec.request,
                  e->st.pressure_ppm, e->st.level);
        if (dec.verdict != PROACTIVE_STEP)
                return 0;

        /* The drain's rule: page cache only, never anon or shmem to swap; no
         * allowance, the anon charged here belongs to live instances. At
         * most the probe of swappiness=0, then the step. */
        opts = (ReclaimOptions){
                .mode = RECLAIM_FILE,
                .budget_usec = PROACTIVE_STEP_BUDGET_USEC,
                .step_bytes = dec.request,
                .target_bytes = u.memory_current - dec.request,
                .max_steps = 3,
        };
        r = reclaim_job_new(m, slice, &opts, &j);
        if (r < 0)
                return log_warning_errno(r, "Failed to start a proactive reclaim step on %s: %m", slice);
        j->hold_back_if_swap = true;
        j->swappiness_arg = p->swappiness_arg;
        r = reclaim_job_start(m, j, "proactive-reclaim", step_done, m);
        if (r < 0)
                return log_warning_errno(r, "Failed to start a proactive reclaim step on %s: %m", slice);
        p->busy = true;
        return 1;
}

static void round_continue(Manager *m) {
        Proactive *p = m->proactive;
        int r;

        while (p->next < p->n_round) {
                const char *slice = p->round[p->next++];

                if (visit(m, slice) > 0)
                        return; /* step_done() goes on */
        }
        round_clear(p);
        /* Nobody opted in (or the desired entities are being recomputed
         * after a reload): the next reconcile decides, in
         * manager_proactive_update(). */
        if (!any_opted_in(m))
                return;
        r = arm(m);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule proactive reclaim, ignoring: %m");
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        Proactive *p = m->proactive;

        if (!p || p->busy)
                return 0;
        round_clear(p);
        for (size_t i = 0; i < m->n_desired; i++) {
                char **l, *x;

                if (!opted_in(&m->desired[i]))
                        continue;
                x = strdup(m->desired[i].slice);
                l = x ? realloc(p->round, (p->n_round + 1) * sizeof *l) : NULL;
                if (!l) {
                        free(x);
                        log_oom();
                        break;
                }
                p->round = l;
                l[p->n_round++] = x;
        }
        round_continue(m);
        return 0;
}
