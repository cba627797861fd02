/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Measuring entities, and /run/cgpersist/metrics.prom for node_exporter's
 * textfile collector. Memory moves without any event the daemon sees, so the
 * file is rewritten every [daemon] metrics_interval (15 s by default,
 * Prometheus' default scrape interval: a scrape never sees values older than
 * that), and also after a change of state, at most once per
 * METRICS_COALESCE_USEC (a burst of restarts writes it once). With
 * metrics_interval=0 only changes rewrite it. It carries the time it was
 * written (a file left by a daemon that was killed is seen to be stale) and
 * is removed when the daemon exits. Reads of memory.current and cgroup.stat
 * are cheap kernel calls that do not block, so they run on the loop.
 *
 * Measuring reads the same files of every entity at each call (cgctl status,
 * the metrics file): they are kept open (lib/cgfiles.c) and re-read with
 * pread(), which costs a fraction of an open() per file. A pass over every
 * entity closes the files of cgroups it no longer reads (stopped instances,
 * retired entities). */

#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "build-config.h"
#include "fileio.h"
#include "log.h"
#include "manager-leftovers.h"
#include "manager-metrics.h"
#include "manager-proactive.h"
#include "path.h"
#include "timeutil.h"
#include "unitname.h"

#define METRICS_COALESCE_USEC (UINT64_C(1000000))
/* Room for sd-event to fire the periodic rewrite together with another
 * wake-up of the daemon. */
#define METRICS_ACCURACY_USEC (UINT64_C(250000))
#define METRICS_FILE "metrics.prom"
/* Files kept open at most: two per entity and one per live instance fit
 * with thousands of entities; the rest of the descriptor limit stays for
 * everything else (main() raises the soft limit to the hard one). */
#define CGFILES_MAX_OPEN 32768
/* Directories watched at most: every cgroup below the entities' parent
 * (system.slice), entities, instances and other services alike. */
#define CGFILES_MAX_WATCHES 65536

static int on_cgroup_trees(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r;

        r = cgfiles_process_watch(m->cgfiles);
        if (r < 0) {
                log_warning_errno(
                        r,
                        "Failed to read what changed in the entities' cgroup trees, no longer watching: %m");
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        return 0;
}

/* NULL when it cannot be set up: then every read opens its file. */
static CgroupFiles *files(Manager *m) {
        struct rlimit rl;
        size_t max_open = 0;

        if (m->cgfiles)
                return m->cgfiles;
        if (getrlimit(RLIMIT_NOFILE, &rl) >= 0)
                max_open = rl.rlim_cur == RLIM_INFINITY ? CGFILES_MAX_OPEN
                                                        : MIN((size_t) rl.rlim_cur / 2, CGFILES_MAX_OPEN);
        if (cgfiles_new(m->cgfs, max_open, &m->cgfiles) < 0)
                return NULL;
        /* Without the watch, dying counts of none are re-read after
         * DYING_RECHECK_USEC: slower, as right. */
        int fd = cgfiles_watch(m->cgfiles, CGFILES_MAX_WATCHES), r;
        if (fd < 0)
                log_warning_errno(fd, "Failed to watch the entities' cgroup trees, ignoring: %m");
        else if ((r = sd_event_add_io(m->event, &m->cgroup_trees, fd, EPOLLIN, on_cgroup_trees, m)) < 0)
                log_warning_errno(r, "Failed to watch the entities' cgroup trees, ignoring: %m");
        else
                (void) sd_event_source_set_description(m->cgroup_trees, "cgroup-trees");
        return m->cgfiles;
}

int manager_read_u64(Manager *m, const char *cgpath, const char *file, uint64_t *ret) {
        CgroupFiles *c = files(m);

        return c ? cgfiles_read_u64(c, cgpath, file, ret) : cgroupfs_read_u64(m->cgfs, cgpath, file, ret);
}

static int read_cgroup_stat(Manager *m, const char *cgpath, CgroupStat *ret) {
        CgroupFiles *c = files(m);

        return c ? cgfiles_read_cgroup_stat(c, cgpath, ret)
                 : cgroupfs_read_cgroup_stat(m->cgfs, cgpath, ret);
}

/* In a pass over every entity: an entity that had no dying cgroup below at
 * its last read is read again only after a cgroup below it was removed (its
 * tree is watched, lib/cgwatch.c) or one of its instances stopped
 * (manager_dying_expire()); where its tree cannot be watched, also
 * DYING_RECHECK_USEC later. One that had some is read again only when its
 * parent's counts say something changed below (a removal, or a dying cgroup
 * freed, which nothing announces: cgfiles_dying_settled()). A thousand reads
 * of cgroup.stat (a line per controller on 6.12) were most of a
 * `cgctl status`. */
#define DYING_RECHECK_USEC (30 * UINT64_C(1000000))

static int read_dying(Manager *m, const char *cgpath, bool settled, CgroupStat *ret) {
        CgroupFiles *c = files(m);

        return c ? cgfiles_read_dying(c, cgpath, now_usec(CLOCK_MONOTONIC), DYING_RECHECK_USEC, settled, ret)
                 : cgroupfs_read_cgroup_stat(m->cgfs, cgpath, ret);
}

void manager_dying_expire(Manager *m, const EntityState *e) {
        if (m->cgfiles && e->cgpath)
                cgfiles_expire(m->cgfiles, e->cgpath);
}

static bool slice_is_retiring(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice))
                        return true;
        return false;
}

static bool tracked_is_live(const Tracked *t) {
        return t->invocation_id != NULL;
}

/* cgroup.stat counts dying cgroups over a whole subtree: where a parent has
 * none below it, none of its children has any. Every entity's parent is
 * system.slice, so on a host without dying cgroups one read stands for a
 * thousand, of the costliest file the daemon measures (6.12 formats a line
 * per controller). Where the parent has some, each entity is read. */
#define PARENTS_MAX 4

typedef struct Parent {
        char *cgpath;
        bool none_dying; /* no dying cgroup and no dying memcg below */
        bool settled; /* no count below changed since they were read (cgfiles_dying_settled()) */
        uint64_t dying_memcgs; /* then 0, or UINT64_MAX if the kernel does not count them */
} Parent;

typedef struct Parents {
        Parent p[PARENTS_MAX];
        size_t n;
} Parents;

static void parents_done(Parents *ps) {
        for (size_t i = 0; i < ps->n; i++)
                free(ps->p[i].cgpath);
}

/* The parent of cgpath, read once per pass; NULL when not known. */
static const Parent *parent_of(Manager *m, Parents *ps, const char *cgpath) {
        const char *slash = strrchr(cgpath, '/');
        size_t len = slash ? (size_t) (slash - cgpath) : 0;
        CgroupStat st;
        Parent *p;

        if (len == 0)
                return NULL;
        for (size_t i = 0; i < ps->n; i++)
                if (strlen(ps->p[i].cgpath) == len && strncmp(ps->p[i].cgpath, cgpath, len) == 0)
                        return &ps->p[i];
        if (ps->n >= PARENTS_MAX)
                return NULL;
        p = &ps->p[ps->n];
        *p = (Parent){ .cgpath = strndup(cgpath, len) };
        if (!p->cgpath)
                return NULL;
        ps->n++;
        CgroupFiles *c = files(m);
        if ((c ? cgfiles_dying_settled(c, p->cgpath, &st, &p->settled)
               : read_cgroup_stat(m, p->cgpath, &st)) >= 0 &&
            cgroup_stat_none_dying(&st)) {
                p->none_dying = true;
                p->dying_memcgs = st.nr_dying_subsys_memory;
        }
        return p;
}

/* memory.peak and the limits as the kernel has them: the truth, whoever set
 * them. A file that cannot be read stays unknown (UINT64_MAX), as does a
 * limit of "max". */
static void read_limits(Manager *m, const char *cgpath, EntityUsage *u) {
        static const char *const names[] = { "memory.peak", "memory.max", "memory.high", "memory.low" };
        uint64_t *v[] = { &u->memory_peak, &u->memory_max, &u->memory_high, &u->memory_low };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (manager_read_u64(m, cgpath, names[i], v[i]) < 0)
                        *v[i] = UINT64_MAX;
}

/* What the last scan found left below cgpath; UINT64_MAX before any scan,
 * 0 when it found nothing there. */
static uint64_t leftover_bytes(Manager *m, const char *cgpath) {
        uint64_t scanned = 0;
        const Leftover *l = cgpath ? manager_leftovers_find(m, cgpath, &scanned) : NULL;

        if (scanned == 0)
                return UINT64_MAX;
        return l ? l->kinds.pages * (uint64_t) sysconf(_SC_PAGESIZE) : 0;
}

/* live: the live tracked units of e->slice. parents: NULL to read the
 * entity's own cgroup.stat whatever its parent says. */
static void measure(Manager *m, const EntityState *e, Tracked *const *live, size_t n_live, bool configured,
                    Parents *parents, bool limits, EntityUsage *ret) {
        _cleanup_free_ char *made = NULL;
        const char *cgpath = e->cgpath;
        EntityUsage u = {
                .memory_current = UINT64_MAX,
                .instances_current = 0,
                .persistent = UINT64_MAX,
                .dying_descendants = UINT64_MAX,
                .dying_memcgs = UINT64_MAX,
                .n_instances = (unsigned) n_live,
                .configured = configured,
                .retiring = slice_is_retiring(m, e->slice),
                .memory_peak = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .memory_high = UINT64_MAX,
                .memory_low = UINT64_MAX,
        };
        const ProactiveState *ps = manager_proactive_find(m, e->slice, NULL);
        CgroupStat st;

        u.proactive_reclaimed = ps ? ps->reclaimed : 0;
        u.leftover_bytes = leftover_bytes(m, cgpath);
        for (size_t i = 0; i < n_live; i++) {
                uint64_t cur;

                if (live[i]->pending) {
                        /* Charged outside the entity: not part of it. */
                        u.pending = true;
                        continue;
                }
                if (live[i]->cgroup && manager_read_u64(m, live[i]->cgroup, "memory.current", &cur) >= 0)
                        u.instances_current += cur;
        }

        if (!cgpath && slice_cgroup_path(e->slice, &made) >= 0)
                cgpath = made;
        if (cgpath) {
                const Parent *p = NULL;

                if (manager_read_u64(m, cgpath, "memory.current", &u.memory_current) < 0)
                        u.memory_current = UINT64_MAX;
                else if (parents)
                        /* Only for a cgroup that exists: a missing one is unknown. */
                        p = parent_of(m, parents, cgpath);
                if (limits && u.memory_current != UINT64_MAX)
                        read_limits(m, cgpath, &u);
                if (p && p->none_dying) {
                        u.dying_descendants = 0;
                        u.dying_memcgs = p->dying_memcgs;
                } else if (p ? read_dying(m, cgpath, p->settled, &st) >= 0
                             : read_cgroup_stat(m, cgpath, &st) >= 0) {
                        u.dying_descendants = st.nr_dying_descendants;
                        u.dying_memcgs = st.nr_dying_subsys_memory;
                }
        }
        if (u.memory_current != UINT64_MAX)
                /* Instance and slice are read at slightly different times:
                 * never report a negative rest. */
                u.persistent =
                        u.memory_current > u.instances_current ? u.memory_current - u.instances_current : 0;

        *ret = u;
}

int manager_live_instances(Manager *m, const char *slice, Tracked ***ret, size_t *ret_n) {
        Tracked **l = NULL;
        size_t n = 0;

        for (size_t i = 0; i < m->n_tracked; i++) {
                Tracked *t = &m->tracked[i];

                if (!tracked_is_live(t) || !streq(t->slice, slice))
                        continue;
                Tracked **x = realloc(l, (n + 1) * sizeof *l);
                if (!x) {
                        free(l);
                        return -ENOMEM;
                }
                l = x;
                l[n++] = t;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

void manager_measure_entity(Manager *m, const EntityState *e, EntityUsage *ret) {
        _cleanup_free_ Tracked **live = NULL;
        size_t n = 0;

        if (manager_live_instances(m, e->slice, &live, &n) < 0)
                n = 0; /* measured without instances: persistent overstated */
        measure(m, e, live, n, manager_find_desired(m, e->slice) != NULL, NULL, false, ret);
}

static int cmp_tracked_slice(const void *a, const void *b) {
        const Tracked *x = *(Tracked *const *) a, *y = *(Tracked *const *) b;

        return strcmp(x->slice, y->slice);
}

/* limits: also memory.peak and the limits. */
static int measure_all(Manager *m, bool limits, EntityUsage **ret) {
        _cleanup_free_ Tracked **live = NULL;
        EntityUsage *u;
        size_t n = 0, d = 0, l = 0;

        /* Entities (lib/state.c) and desired slices are kept sorted by
         * slice, and the live units are sorted here: one walk along all
         * three, a string compare or two per entity, not a search each
         * (with a thousand entities, thousands of compares a call). */
        if (m->n_tracked > 0) {
                live = calloc(m->n_tracked, sizeof *live);
                if (!live)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_tracked; i++)
                if (tracked_is_live(&m->tracked[i]))
                        live[n++] = &m->tracked[i];
        if (n > 1)
                qsort(live, n, sizeof *live, cmp_tracked_slice);

        u = calloc(MAX(m->state->n_entities, (size_t) 1), sizeof *u);
        if (!u)
                return -ENOMEM;
        cgfiles_pass_begin(files(m));
        _cleanup_(parents_done) Parents parents = {};
        for (size_t i = 0; i < m->state->n_entities; i++) {
                const EntityState *e = &m->state->entities[i];
                bool configured = false;
                size_t lo;

                while (d < m->n_desired && strcmp(m->desired[d].slice, e->slice) < 0)
                        d++;
                configured = d < m->n_desired && streq(m->desired[d].slice, e->slice);
                while (l < n && strcmp(live[l]->slice, e->slice) < 0)
                        l++;
                for (lo = l; l < n && streq(live[l]->slice, e->slice); l++)
                        ;
                measure(m, e, live ? live + lo : NULL, l - lo, configured, &parents, limits, &u[i]);
        }
        /* Every entity and live instance was read: close the rest. Only in
         * a metrics pass, which reads what any pass reads and more, and
         * follows every change of state: a cgctl status between two would
         * close the limits' files that the next one opens again (4000 with
         * 1000 entities). */
        if (limits)
                cgfiles_sweep(m->cgfiles);
        *ret = u;
        return 0;
}

int manager_measure_all(Manager *m, EntityUsage **ret) {
        return measure_all(m, false, ret);
}

int manager_measure_all_limits(Manager *m, EntityUsage **ret) {
        return measure_all(m, true, ret);
}

static uint64_t metrics_interval(Manager *m) {
        return m->config ? m->config->daemon.metrics_interval_usec : METRICS_INTERVAL_DEFAULT_USEC;
}

int manager_render_metrics(Manager *m, MetricsFormat format, char **ret) {
        _cleanup_free_ EntityUsage *u = NULL;
        _cleanup_free_ MetricsEntity *me = NULL;
        size_t n = m->state ? m->state->n_entities : 0;
        MetricsDaemon d = {
                .version = PACKAGE_VERSION,
                .config_good = m->config && !m->config_refused,
                .updated_usec = now_usec(CLOCK_REALTIME),
                .interval_usec = metrics_interval(m),
        };
        int r;

        if (n > 0) {
                r = manager_measure_all_limits(m, &u);
                if (r < 0)
                        return r;
                me = calloc(n, sizeof *me);
                if (!me)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const EntityState *e = &m->state->entities[i];
                _cleanup_free_ char *cgpath = NULL;
                uint64_t scanned = 0, ps = (uint64_t) sysconf(_SC_PAGESIZE);
                const Leftover *l = slice_cgroup_path(e->slice, &cgpath) >= 0
                        ? manager_leftovers_find(m, cgpath, &scanned)
                        : NULL;
                /* Scanned and not found: nothing left there. */
                const PageKinds *k = l ? &l->kinds : &(PageKinds){};

                me[i] = (MetricsEntity){
                        .entity = e->slice,
                        .service = e->service,
                        .memory_bytes = u[i].memory_current,
                        .persistent_bytes = u[i].persistent,
                        .instances = u[i].n_instances,
                        .restarts = e->restarts,
                        .dying_descendants = u[i].dying_descendants,
                        .drained_bytes = e->drained_total,
                        .proactive_reclaimed_bytes = u[i].proactive_reclaimed,
                        .dying_memcgs = u[i].dying_memcgs,
                        .memory_peak_bytes = u[i].memory_peak,
                        .memory_max_bytes = u[i].memory_max,
                        .memory_high_bytes = u[i].memory_high,
                        .memory_low_bytes = u[i].memory_low,
                        .left_file_bytes = scanned ? k->file * ps : UINT64_MAX,
                        .left_shmem_bytes = scanned ? k->shmem * ps : UINT64_MAX,
                        .left_anon_bytes = scanned ? k->anon * ps : UINT64_MAX,
                        .left_kernel_bytes = scanned ? k->kernel * ps : UINT64_MAX,
                };
        }
        return metrics_render(&d, me, n, format, ret);
}

static int write_metrics(Manager *m) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        int r;

        r = manager_render_metrics(m, METRICS_PROMETHEUS, &text);
        if (r < 0)
                return r;
        path = path_join(m->run_dir, METRICS_FILE);
        if (!path)
                return -ENOMEM;
        r = mkdir_p(m->run_dir, 0755);
        if (r < 0)
                return r;
        /* Atomic: node_exporter may read at any moment and must never see a
         * half-written file. */
        return write_file_atomic(path, text, strlen(text), 0644);
}

static int arm(Manager *m, uint64_t when);
static void add_exit_remove(Manager *m);

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t interval = metrics_interval(m);
        int r;

        if (!m->state)
                return 0;
        r = write_metrics(m);
        if (r < 0)
                log_warning_errno(r, "Failed to write %s/" METRICS_FILE ", ignoring: %m", m->run_dir);
        if (interval > 0)
                (void) arm(m, usec + interval);
        return 0;
}

/* Sets the one-shot timer to fire at when (CLOCK_MONOTONIC), unless it is
 * already set to fire earlier. */
static int arm(Manager *m, uint64_t when) {
        int enabled = SD_EVENT_OFF, r;
        uint64_t cur;

        if (!m->metrics_timer) {
                r = sd_event_add_time(m->event, &m->metrics_timer, CLOCK_MONOTONIC, when,
                                      METRICS_ACCURACY_USEC, on_metrics_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(m->metrics_timer, "metrics");
                add_exit_remove(m);
                return 0;
        }
        (void) sd_event_source_get_enabled(m->metrics_timer, &enabled);
        if (enabled != SD_EVENT_OFF && sd_event_source_get_time(m->metrics_timer, &cur) >= 0 && cur <= when)
                return 0;
        r = sd_event_source_set_time(m->metrics_timer, when);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->metrics_timer, SD_EVENT_ONESHOT);
}

static void remove_metrics(Manager *m) {
        _cleanup_free_ char *path = path_join(m->run_dir, METRICS_FILE);

        if (!path)
                return;
        if (unlink(path) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to remove %s, ignoring: %m", path);
}

static int on_exit_remove(sd_event_source *s, void *userdata) {
        remove_metrics(userdata);
        return 0;
}

/* At exit, nothing may serve values that no longer change: the file goes.
 * Floating: the loop owns the source and runs it as it exits. */
static void add_exit_remove(Manager *m) {
        sd_event_source *s = NULL;
        int r;

        r = sd_event_add_exit(m->event, &s, on_exit_remove, m);
        if (r >= 0) {
                (void) sd_event_source_set_description(s, "metrics-remove");
                r = sd_event_source_set_floating(s, true);
                sd_event_source_unref(s);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arrange for the metrics file to go at exit, ignoring: %m");
}

void manager_update_metrics(Manager *m) {
        uint64_t now;
        int r;

        if (!m->event || sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                return;
        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return;
        r = arm(m, now + METRICS_COALESCE_USEC);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule a metrics update, ignoring: %m");
}
