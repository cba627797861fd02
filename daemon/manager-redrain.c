/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The second drain after writeback, see manager-redrain.h. Looking is a few
 * reads of memory.stat and cgroup.stat on the loop; memory.reclaim blocks
 * and runs on a worker thread, one entity at a time. */

#include <inttypes.h>
#include <stdlib.h>

#include "fileio.h"
#include "leftovers.h"
#include "log.h"
#include "path.h"
#include "manager-redrain.h"
#include "reclaim-job.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"

#define ACCURACY_USEC (UINT64_C(1) * 1000000)

typedef struct Pending {
        char *slice;
        uint64_t due_usec; /* CLOCK_MONOTONIC */
        unsigned tries;
        unsigned passes; /* reclaims made since the stop */
} Pending;

struct Redrain {
        sd_event_source *timer;
        Pending *v;
        size_t n;
        bool busy;
        bool freed; /* manager_redrain_free() ran while busy: done() frees us */
};

/* What the second drain of one entity needs back on the loop. */
typedef struct RedrainCall {
        Manager *manager;
        Redrain *owner;
        uint64_t dying_before;
        unsigned passes; /* this one included */
} RedrainCall;

/* A reclaim on the entity takes from its live instances too, in proportion:
 * what the dead left may not all be gone after one. Another look follows
 * soon, up to this many reclaims after a stop. */
#define REDRAIN_PASSES 4
#define REDRAIN_AGAIN_USEC (UINT64_C(1) * 1000000)

static void redrain_free(Redrain *d) {
        if (!d)
                return;
        sd_event_source_disable_unref(d->timer);
        for (size_t i = 0; i < d->n; i++)
                free(d->v[i].slice);
        free(d->v);
        free(d);
}

void manager_redrain_free(Manager *m) {
        Redrain *d = m->redrain;

        if (!d)
                return;
        m->redrain = NULL;
        if (d->busy) {
                d->freed = true;
                d->timer = sd_event_source_disable_unref(d->timer);
                return;
        }
        redrain_free(d);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* The timer at the earliest due entry, off when none. */
static void rearm(Manager *m) {
        Redrain *d = m->redrain;
        uint64_t when = UINT64_MAX;
        int r;

        for (size_t i = 0; i < d->n; i++)
                when = MIN(when, d->v[i].due_usec);
        if (when == UINT64_MAX || d->busy) {
                if (d->timer)
                        (void) sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
                return;
        }
        if (!d->timer) {
                r = sd_event_add_time(m->event, &d->timer, CLOCK_MONOTONIC, when, ACCURACY_USEC, on_timer,
                                      m);
                if (r >= 0)
                        (void) sd_event_source_set_description(d->timer, "redrain");
        } else {
                r = sd_event_source_set_time(d->timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to schedule the second drain, ignoring: %m");
}

/* When pages dirtied now are written back: the flusher writes pages older
 * than dirty_expire every dirty_writeback (Documentation/admin-guide/sysctl/vm.rst). */
static uint64_t redrain_delay(void) {
        static const char *const files[] = { "/proc/sys/vm/dirty_expire_centisecs",
                                             "/proc/sys/vm/dirty_writeback_centisecs" };
        static const uint64_t defaults[] = { 3000, 500 };
        uint64_t usec = UINT64_C(2) * 1000000;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                uint64_t v = defaults[i];

                if (read_full_file(files[i], 64, &text, NULL) >= 0 && cgroupfs_parse_u64(text, &v) < 0)
                        v = defaults[i];
                usec += MIN(v, REDRAIN_DELAY_MAX_USEC / 10000) * 10000;
        }
        return MIN(MAX(usec, REDRAIN_DELAY_MIN_USEC), REDRAIN_DELAY_MAX_USEC);
}

static void drop(Redrain *d, size_t i) {
        free(d->v[i].slice);
        d->v[i] = d->v[--d->n];
}

/* A new entry, one per configured entity at most. */
static void pending_add(Manager *m, const char *slice, uint64_t due, unsigned passes) {
        Redrain *d = m->redrain;
        Pending *v;
        char *s;

        if (d->n >= m->n_desired)
                return;
        s = strdup(slice);
        v = s ? realloc(d->v, (d->n + 1) * sizeof *v) : NULL;
        if (!v) {
                free(s);
                log_oom();
                return;
        }
        d->v = v;
        v[d->n++] = (Pending){ .slice = s, .due_usec = due, .passes = passes };
}

void manager_redrain_instance_stopped(Manager *m, const char *slice) {
        const Desired *des = manager_find_desired(m, slice);
        Redrain *d = m->redrain;

        if (!des || des->policy.drain == DRAIN_NONE)
                return;
        if (!d) {
                d = calloc(1, sizeof *d);
                if (!d) {
                        log_oom();
                        return;
                }
                m->redrain = d;
        }
        /* Entities taken out of the configuration since their instances
         * stopped have nothing more to wait for here, and must not fill the
         * places of configured ones. */
        for (size_t i = 0; i < d->n;)
                if (!manager_find_desired(m, d->v[i].slice))
                        drop(d, i);
                else
                        i++;
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->v[i].slice, slice)) {
                        /* Another stop: start over from this one. */
                        d->v[i].due_usec = now_usec(CLOCK_MONOTONIC) + redrain_delay();
                        d->v[i].tries = 0;
                        d->v[i].passes = 0;
                        rearm(m);
                        return;
                }
        pending_add(m, slice, now_usec(CLOCK_MONOTONIC) + redrain_delay(), 0);
        rearm(m);
}

static uint64_t read_dying(Manager *m, const char *cgpath) {
        CgroupStat st;

        if (cgroupfs_read_cgroup_stat(m->cgfs, cgpath, &st) < 0)
                return 0;
        return st.nr_dying_descendants;
}

/* Looks at slice again in REDRAIN_AGAIN_USEC, after its passes-th reclaim. */
static void look_again(Manager *m, const char *slice, unsigned passes) {
        Redrain *d = m->redrain;
        uint64_t due = now_usec(CLOCK_MONOTONIC) + REDRAIN_AGAIN_USEC;

        for (size_t i = 0; i < d->n; i++)
                if (streq(d->v[i].slice, slice)) {
                        d->v[i].due_usec = MIN(d->v[i].due_usec, due);
                        d->v[i].passes = passes;
                        return;
                }
        if (manager_find_desired(m, slice))
                pending_add(m, slice, due, passes);
}

static void redrain_done(ReclaimJob *j, void *userdata) {
        _cleanup_free_ RedrainCall *c = userdata;
        Redrain *d = c->owner;
        Manager *m = c->manager;
        char b1[FORMAT_BYTES_MAX], b2[FORMAT_BYTES_MAX];
        uint64_t freed, after;

        d->busy = false;
        if (d->freed) {
                redrain_free(d);
                return;
        }
        if (j->error < 0)
                log_warning_errno(j->error, "Second drain of %s failed, ignoring: %m", j->slice);
        else {
                after = read_dying(m, j->cgpath);
                freed = reclaim_job_reclaimed(j);
                log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_REDRAINED, "CGPERSIST_ENTITY=%s",
                           j->slice, "CGPERSIST_BYTES=%" PRIu64, freed, "CGPERSIST_LEFT_BYTES=%" PRIu64,
                           j->opts.step_bytes, "CGPERSIST_DYING_BEFORE=%" PRIu64, c->dying_before,
                           "CGPERSIST_DYING_AFTER=%" PRIu64, after,
                           "MESSAGE=Second drain of %s after writeback: its dead instances held %s of "
                           "clean page cache, %s reclaimed from the entity, dying cgroups %" PRIu64
                           " -> %" PRIu64 ".",
                           j->slice, format_bytes(b2, sizeof b2, j->opts.step_bytes),
                           format_bytes(b1, sizeof b1, freed), c->dying_before, after, NULL);
                if (freed > 0 && after > 0 && c->passes < REDRAIN_PASSES)
                        look_again(m, j->slice, c->passes);
        }
        rearm(m);
}

/* Looks at one entity: 1 when a reclaim went to a worker, 0 when done with
 * it for now, negative errno. */
static int visit(Manager *m, Pending *p) {
        _cleanup_free_ char *cgpath = NULL;
        MemStat slice = {}, *live = NULL;
        char **children = NULL;
        size_t n_live = 0;
        uint64_t dying, clean, dirty, current;
        ReclaimOptions opts;
        RedrainCall *call;
        ReclaimJob *j;
        int r;

        r = slice_cgroup_path(p->slice, &cgpath);
        if (r < 0)
                return r;
        dying = read_dying(m, cgpath);
        if (dying == 0)
                return 0;
        if (cgroupfs_read_memstat(m->cgfs, cgpath, &slice) < 0 ||
            cgroupfs_read_u64(m->cgfs, cgpath, "memory.current", &current) < 0)
                return 0; /* the slice went away */
        r = cgroupfs_children(m->cgfs, cgpath, &children);
        if (r < 0)
                return r;
        for (char **c = children; *c; c++)
                n_live++;
        live = calloc(MAX(n_live, (size_t) 1), sizeof(MemStat));
        if (!live) {
                strv_free(children);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_live; i++) {
                _cleanup_free_ char *child = path_join(cgpath, children[i]);

                if (!child || cgroupfs_read_memstat(m->cgfs, child, &live[i]) < 0)
                        live[i] = (MemStat){};
        }
        strv_free(children);
        leftovers_file_from_memstat(&slice, live, n_live, &clean, &dirty);
        free(live);
        log_debug("Second drain of %s: %" PRIu64 " dying, page cache of dead cgroups %" PRIu64
                  " clean, %" PRIu64 " dirty or under writeback.",
                  p->slice, dying, clean, dirty);

        if (dirty > 0 && ++p->tries < REDRAIN_TRIES) {
                /* Look again once that is written back too. */
                p->due_usec = now_usec(CLOCK_MONOTONIC) + redrain_delay();
                if (clean == 0)
                        return 2;
        }
        if (clean == 0)
                return 0;

        /* The drain's rule: page cache only, never anon or shmem to swap;
         * no allowance, the anon charged here belongs to live instances. */
        opts = (ReclaimOptions){
                .mode = RECLAIM_FILE,
                .budget_usec = REDRAIN_BUDGET_USEC,
                .step_bytes = clean,
                .target_bytes = current > clean ? current - clean : 0,
                .max_steps = 3,
        };
        call = calloc(1, sizeof *call);
        if (!call)
                return -ENOMEM;
        *call = (RedrainCall){
                .manager = m, .owner = m->redrain, .dying_before = dying, .passes = p->passes + 1
        };
        r = reclaim_job_new(m, p->slice, &opts, &j);
        if (r >= 0)
                r = reclaim_job_start(m, j, "redrain", redrain_done, call);
        if (r < 0) {
                free(call);
                return r;
        }
        m->redrain->busy = true;
        return 1;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        Redrain *d = m->redrain;
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        (void) s;
        (void) usec;
        if (!d || d->busy)
                return 0;
        for (size_t i = 0; i < d->n;) {
                Pending *p = &d->v[i];
                int r;

                if (p->due_usec > now) {
                        i++;
                        continue;
                }
                r = visit(m, p);
                if (r < 0)
                        log_warning_errno(r, "Second drain of %s failed, ignoring: %m", p->slice);
                if (r == 2) {
                        i++;
                        continue;
                }
                /* Done with it, unless dirty pages are still to come back for. */
                if (p->due_usec <= now || r != 1)
                        drop(d, i);
                else
                        i++;
                if (r == 1)
                        return 0; /* redrain_done() rearms */
        }
        rearm(m);
        return 0;
}
