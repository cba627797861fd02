/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Periodic scan of what dead cgroups left behind, see manager-leftovers.h.
 * The scan reads two /proc files of 8 bytes per page frame each and walks
 * the cgroup tree: it blocks for a fraction of a second per 10 GiB of
 * memory, so it runs on a worker thread, one at a time, and the loop only
 * swaps in the result. */

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "kpagescan.h"
#include "log.h"
#include "manager-leftovers.h"
#include "timeutil.h"
#include "worker.h"

/* The first scan, a little after the daemon started: not in the middle of
 * the boot. */
#define FIRST_SCAN_DELAY_USEC (UINT64_C(30) * 1000000)
#define ACCURACY_USEC (UINT64_C(1) * 1000000)
/* Smaller reads than cgctl's: a quarter of the buffers, for a few percent
 * more time. */
#define DAEMON_CHUNK_FRAMES (KPAGE_SCAN_CHUNK_FRAMES / 4)

typedef struct LeftoversScan {
        sd_event_source *timer;
        bool busy; /* a scan runs on a worker thread */
        bool stopped; /* too costly or failing: no more scans until a reload sets the interval */
        bool freed; /* manager_leftovers_free() ran while a scan was busy: its done() frees us */
        Leftovers last;
        uint64_t last_realtime; /* when the last scan ended, 0: never */
} LeftoversScan;

typedef struct ScanJob {
        Manager *manager;
        LeftoversScan *owner;
        char *cgroup_root;
        Leftovers result;
        uint64_t cpu_usec, wall_usec;
        int error;
} ScanJob;

static LeftoversScan *get(Manager *m) {
        return m->leftovers;
}

static uint64_t interval(Manager *m) {
        return m->config ? m->config->daemon.leftovers_interval_usec : LEFTOVERS_INTERVAL_DEFAULT_USEC;
}

static bool interval_set(Manager *m) {
        return m->config && m->config->daemon.leftovers_interval_set;
}

static void scan_free(LeftoversScan *s) {
        if (!s)
                return;
        sd_event_source_disable_unref(s->timer);
        leftovers_done(&s->last);
        free(s);
}

static void scan_work(void *q) {
        ScanJob *j = q;
        KpageScan scan = {};
        uint64_t c0 = now_usec(CLOCK_THREAD_CPUTIME_ID), w0 = now_usec(CLOCK_MONOTONIC);

        CgroupFs *fs = NULL;

        /* Its own CgroupFs: the manager's may be gone before this ends. */
        j->error = cgroupfs_new(j->cgroup_root, &fs);
        if (j->error >= 0)
                j->error = kpage_scan("/proc", DAEMON_CHUNK_FRAMES, &scan);
        if (j->error >= 0)
                j->error = leftovers_read(fs, &scan, &j->result);
        kpage_scan_done(&scan);
        cgroupfs_free(fs);
        j->cpu_usec = now_usec(CLOCK_THREAD_CPUTIME_ID) - c0;
        j->wall_usec = now_usec(CLOCK_MONOTONIC) - w0;
}

static int arm(Manager *m, uint64_t delay);

static void log_stopped(const char *reason, const char *message, uint64_t cpu_usec) {
        log_struct(LOG_NOTICE, "MESSAGE_ID=" MESSAGE_ID_LEFTOVERS_SCAN_STOPPED, "CGPERSIST_REASON=%s",
                   reason, "CGPERSIST_USEC=%" PRIu64, cpu_usec, "MESSAGE=%s", message, NULL);
}

static void scan_done(void *q, void *userdata) {
        ScanJob *j = q;
        LeftoversScan *s = j->owner;
        Manager *m = j->manager;
        char msg[512];

        (void) userdata;
        s->busy = false;
        if (s->freed) {
                leftovers_done(&j->result);
                scan_free(s);
                goto finish;
        }

        if (j->error < 0) {
                /* No kpagecgroup (a kernel without CONFIG_MEMCG or
                 * CONFIG_PROC_PAGE_MONITOR), no access (a sandbox): it will
                 * not get better by itself. */
                (void) snprintf(
                        msg, sizeof msg,
                        "Scanning what dead cgroups left behind failed (%s); no more scans until the "
                        "configuration is reloaded.",
                        strerror(-j->error));
                log_stopped("error", msg, j->cpu_usec);
                s->stopped = true;
                goto finish;
        }

        leftovers_done(&s->last);
        s->last = j->result;
        j->result = (Leftovers){};
        s->last_realtime = now_usec(CLOCK_REALTIME);
        log_debug("Scanned %" PRIu64 " page frames and %" PRIu64 " cgroups in %" PRIu64 " ms (%" PRIu64
                  " ms of CPU).",
                  s->last.frames, s->last.cgroups, j->wall_usec / 1000, j->cpu_usec / 1000);

        if (!interval_set(m) && !leftovers_scan_affordable(j->cpu_usec, interval(m))) {
                (void) snprintf(msg, sizeof msg,
                                "A scan of what dead cgroups left behind took %" PRIu64
                                " ms of CPU, more than %u.%02u %% of a CPU every %" PRIu64
                                " s; no more scans. Set leftovers_interval= in [daemon] to scan anyway.",
                                j->cpu_usec / 1000, LEFTOVERS_CPU_SHARE_MAX_PPM / 10000,
                                LEFTOVERS_CPU_SHARE_MAX_PPM / 100 % 100, interval(m) / 1000000);
                log_stopped("cost", msg, j->cpu_usec);
                s->stopped = true;
                goto finish;
        }
        (void) arm(m, interval(m));

finish:
        free(j->cgroup_root);
        free(j);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        LeftoversScan *s = get(m);
        ScanJob *j;
        int r;

        (void) src;
        (void) usec;
        if (!s || s->busy || s->stopped)
                return 0;
        j = calloc(1, sizeof *j);
        if (!j)
                return log_oom();
        *j = (ScanJob){ .manager = m, .owner = s, .cgroup_root = strdup(cgroupfs_root(m->cgfs)) };
        if (!j->cgroup_root) {
                free(j);
                return log_oom();
        }
        r = worker_run(m->event, "leftovers-scan", scan_work, scan_done, j, NULL);
        if (r < 0) {
                free(j->cgroup_root);
                free(j);
                log_warning_errno(r, "Failed to start a scan of leftovers, trying again later: %m");
                return arm(m, interval(m));
        }
        s->busy = true;
        return 0;
}

static int arm(Manager *m, uint64_t delay) {
        LeftoversScan *s = get(m);
        uint64_t now;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        if (!s->timer) {
                r = sd_event_add_time(m->event, &s->timer, CLOCK_MONOTONIC, now + delay, ACCURACY_USEC,
                                      on_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(s->timer, "leftovers-scan");
                return 0;
        }
        r = sd_event_source_set_time(s->timer, now + delay);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

void manager_leftovers_update(Manager *m) {
        LeftoversScan *s = get(m);
        uint64_t iv = interval(m), when = 0;
        int r;

        if (iv == 0) {
                manager_leftovers_free(m);
                return;
        }
        if (!s) {
                s = calloc(1, sizeof *s);
                if (!s) {
                        log_oom();
                        return;
                }
                m->leftovers = s;
                r = arm(m, MIN(FIRST_SCAN_DELAY_USEC, iv));
                goto check;
        }
        /* Set in a file: the operator asked, whatever it costs. */
        if (interval_set(m) && s->stopped) {
                s->stopped = false;
                if (!s->busy) {
                        r = arm(m, 0);
                        goto check;
                }
        }
        /* A shorter interval than the one in force takes effect now. */
        if (!s->busy && !s->stopped && s->timer && sd_event_source_get_time(s->timer, &when) >= 0) {
                uint64_t now;

                if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) >= 0 && when > now + iv) {
                        r = arm(m, iv);
                        goto check;
                }
        }
        return;
check:
        if (r < 0)
                log_warning_errno(r, "Failed to schedule the scan of leftovers, ignoring: %m");
}

void manager_leftovers_free(Manager *m) {
        LeftoversScan *s = get(m);

        if (!s)
                return;
        m->leftovers = NULL;
        if (s->busy) {
                /* The worker still holds the job; its done() frees us. */
                s->freed = true;
                s->timer = sd_event_source_disable_unref(s->timer);
                return;
        }
        scan_free(s);
}

const Leftover *manager_leftovers_find(Manager *m, const char *cgpath, uint64_t *ret_scanned_realtime) {
        LeftoversScan *s = get(m);

        if (ret_scanned_realtime)
                *ret_scanned_realtime = s ? s->last_realtime : 0;
        if (!s || s->last_realtime == 0)
                return NULL;
        return leftovers_find(&s->last, cgpath);
}
