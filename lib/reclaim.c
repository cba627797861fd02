/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Draining a cgroup through memory.reclaim (Linux 5.19+; "swappiness=" since
 * 6.11). The kernel interface and what the two kernel generations do with a
 * request are described in reclaim.h; this file keeps the requests bounded
 * and measures what each one achieved. */

#include <fcntl.h>
#include <inttypes.h>
#include <time.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "reclaim.h"
#include "timeutil.h"

/* mm/vmscan.c starts every reclaim pass at DEF_PRIORITY (12) and trims only
 * the page cache while the inactive file list holds at least
 * 2^priority pages. */
#define KERNEL_DEF_PRIORITY 12

static uint64_t sub_sat(uint64_t a, uint64_t b) {
        return a > b ? a - b : 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t isqrt_u64(uint64_t v) {
        uint64_t r = 0, bit = UINT64_C(1) << 62;

        while (bit > v)
                bit >>= 2;
        while (bit != 0) {
                if (v >= r + bit) {
                        v -= r + bit;
                        r = (r >> 1) + bit;
                } else
                        r >>= 1;
                bit >>= 2;
        }
        return r;
}

static uint64_t page_size(void) {
        long p = sysconf(_SC_PAGESIZE);
        return p > 0 ? (uint64_t) p : 4096;
}

uint64_t reclaim_file_bytes(const MemStat *m) {
        if (!m)
                return 0;
        return sub_sat(add_sat(m->active_file, m->inactive_file), add_sat(m->file_dirty, m->file_writeback));
}

static uint64_t file_lru_bytes(const MemStat *m) {
        return add_sat(m->active_file, m->inactive_file);
}

/* The kernel's inactive_is_low() for the file LRUs: the inactive list is kept
 * at least 1/sqrt(10 * GiB) of the active one; below that, reclaim first
 * deactivates, and stops trimming cache only. */
static bool inactive_file_is_low(const MemStat *m) {
        uint64_t gib = file_lru_bytes(m) >> 30;
        uint64_t ratio = gib > 0 ? isqrt_u64(10 * gib) : 1;

        if (ratio > 0 && m->inactive_file > UINT64_MAX / ratio)
                return false;
        return m->inactive_file * ratio < m->active_file;
}

/* The most a plain request (no "swappiness=" argument) may ask for in
 * RECLAIM_FILE mode; see reclaim.h for why. Sets *ret_guarded when the swap
 * guard held back page cache that would otherwise have been asked for. */
static uint64_t fallback_bound(const MemStat *m, bool swap_usable, uint64_t anon_allowance, uint64_t psize,
                               bool *ret_guarded) {
        uint64_t cheap = reclaim_file_bytes(m), inactive, floor, bound;

        *ret_guarded = false;

        /* Anon and shmem are the only pages that go to swap. Without swap, or
         * without such pages, a request cannot push anything there. shmem
         * (tmpfs files, shm segments) outlives the processes; anon does not,
         * and what is left of it may be the caller's own. */
        if (!swap_usable || add_sat(sub_sat(m->anon, anon_allowance), m->shmem) == 0)
                return cheap;

        floor = psize << KERNEL_DEF_PRIORITY;
        inactive = sub_sat(m->inactive_file, add_sat(m->file_dirty, m->file_writeback));
        if (inactive_file_is_low(m) || inactive <= floor)
                bound = 0;
        else
                bound = MIN(inactive - floor, cheap);

        *ret_guarded = bound < cheap;
        return bound;
}

int reclaim_cgroup_with_ops(const ReclaimOps *ops, void *userdata, const ReclaimOptions *opts,
                            ReclaimResult *ret) {
        uint64_t step, budget, start, current, psize;
        unsigned max_steps;
        bool probing, with_arg_ok = false, swap_usable, fallback;
        ReclaimResult res = {};
        MemStat ms = {};
        int r, w;

        if (!ops || !ops->write_reclaim || !ops->read_current || !ops->read_memstat || !ops->now_usec ||
            !opts || !ret)
                return -EINVAL;
        if (opts->mode != RECLAIM_FILE && opts->mode != RECLAIM_ALL)
                return -EINVAL;

        psize = page_size();
        /* The kernel counts whole pages and rounds a request down: a request
         * below one page would do nothing and look like "no progress". */
        step = MAX(opts->step_bytes ?: RECLAIM_STEP_DEFAULT, psize);
        budget = opts->budget_usec ?: RECLAIM_BUDGET_DEFAULT_USEC;
        max_steps = opts->max_steps ?: RECLAIM_MAX_STEPS_DEFAULT;

        start = ops->now_usec(userdata);

        r = ops->read_current(userdata, &current);
        if (r < 0)
                return r;
        r = ops->read_memstat(userdata, &ms);
        if (r < 0)
                return r;
        res.before = current;
        res.file_before = file_lru_bytes(&ms);

        swap_usable = !opts->no_swap;
        if (swap_usable && ops->read_swap_max) {
                uint64_t v;

                /* memory.swap.max = 0 forbids swap for this cgroup whatever
                 * the system has; anything else (or not knowing) does not. */
                if (ops->read_swap_max(userdata, &v) >= 0 && v == 0)
                        swap_usable = false;
        }

        /* Only RECLAIM_FILE needs "swappiness=0"; the first request tells
         * whether the kernel knows it. */
        probing = opts->mode == RECLAIM_FILE;

        for (;;) {
                uint64_t want, after;
                bool with_arg, progress;
                char request[64];

                if (opts->target_bytes > 0 && current <= opts->target_bytes)
                        break;
                if (res.steps >= max_steps)
                        break;
                if (sub_sat(ops->now_usec(userdata), start) >= budget) {
                        res.budget_exhausted = true;
                        break;
                }

                want = step;
                if (opts->target_bytes > 0)
                        want = MIN(want, MAX(current - opts->target_bytes, psize));

                with_arg = opts->mode == RECLAIM_FILE && (probing || with_arg_ok);
                fallback = opts->mode == RECLAIM_FILE && !with_arg;
                if (fallback) {
                        bool guarded;
                        uint64_t bound =
                                fallback_bound(&ms, swap_usable, opts->anon_allowance, psize, &guarded);

                        if (guarded)
                                res.swap_guard = true;
                        want = MIN(want, bound);
                        /* Nothing cheap left to ask for (or nothing the guard
                         * allows): done. */
                        if (want < psize)
                                break;
                }

                (void) snprintf(request, sizeof request, "%" PRIu64 "%s", want,
                                with_arg ? " swappiness=0" : "");
                res.steps++;
                w = ops->write_reclaim(userdata, request);

                if (probing) {
                        probing = false;
                        if (w == -EINVAL)
                                /* Kernel before 6.11: it parsed the request and
                                 * rejected the argument, nothing was reclaimed.
                                 * Go on with file-bounded plain requests. */
                                continue;
                        /* Anything else came after the argument was parsed. */
                        with_arg_ok = true;
                }

                if (w == -ENOENT)
                        return -EOPNOTSUPP; /* memory.current is there: the kernel lacks memory.reclaim */
                if (w < 0 && w != -EAGAIN && w != -EINTR)
                        return w;

                /* The write returns no count: memory.current, a page counter
                 * and exact at any time, tells what the step achieved. */
                r = ops->read_current(userdata, &after);
                if (r < 0)
                        return r;
                progress = after < current;
                current = after;

                if (fallback) {
                        /* The next bound needs fresh page cache figures. */
                        r = ops->read_memstat(userdata, &ms);
                        if (r < 0)
                                return r;
                }

                /* EINTR: a signal cut the step short; try again while budget
                 * and steps last. EAGAIN or success without progress: the
                 * kernel found nothing more to take. */
                if (w == -EINTR)
                        continue;
                if (!progress)
                        break;
        }

        r = ops->read_memstat(userdata, &ms);
        if (r < 0)
                return r;

        res.after = current;
        res.file_after = file_lru_bytes(&ms);
        res.elapsed_usec = sub_sat(ops->now_usec(userdata), start);
        res.swappiness_arg = with_arg_ok;
        *ret = res;
        return 0;
}

/* The real thing: files under the CgroupFs root. */

typedef struct FsContext {
        const CgroupFs *fs;
        const char *cgpath;
        char *reclaim_path;
} FsContext;

static int fs_write_reclaim(void *userdata, const char *request) {
        FsContext *c = userdata;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(request);
        ssize_t n;

        /* One write() per request: the kernel acts on each write as a whole.
         * Never retried here on EINTR: the caller accounts for it. No O_CREAT,
         * so a kernel without memory.reclaim shows as ENOENT. */
        fd = open(c->reclaim_path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = write(fd, request, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

static int fs_read_current(void *userdata, uint64_t *ret) {
        FsContext *c = userdata;
        return cgroupfs_read_u64(c->fs, c->cgpath, "memory.current", ret);
}

static int fs_read_memstat(void *userdata, MemStat *ret) {
        FsContext *c = userdata;
        return cgroupfs_read_memstat(c->fs, c->cgpath, ret);
}

static int fs_read_swap_max(void *userdata, uint64_t *ret) {
        FsContext *c = userdata;
        return cgroupfs_read_u64(c->fs, c->cgpath, "memory.swap.max", ret);
}

static uint64_t fs_now_usec(void *userdata) {
        return now_usec(CLOCK_MONOTONIC);
}

int reclaim_cgroup(const CgroupFs *fs, const char *cgpath, const ReclaimOptions *opts, ReclaimResult *ret) {
        static const ReclaimOps ops = {
                .write_reclaim = fs_write_reclaim,
                .read_current = fs_read_current,
                .read_memstat = fs_read_memstat,
                .read_swap_max = fs_read_swap_max,
                .now_usec = fs_now_usec,
        };
        _cleanup_free_ char *p = NULL;
        FsContext c;
        int r;

        if (!fs || !cgpath || !opts || !ret)
                return -EINVAL;

        r = cgroupfs_path(fs, cgpath, "memory.reclaim", &p);
        if (r < 0)
                return r;

        c = (FsContext){ .fs = fs, .cgpath = cgpath, .reclaim_path = p };
        return reclaim_cgroup_with_ops(&ops, &c, opts, ret);
}

int reclaim_swap_active(const char *proc_root) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        const char *nl;
        int r;

        p = path_join(proc_root, "swaps");
        if (!p)
                return -ENOMEM;
        r = read_full_file(p, 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        /* A header line, then one line per swap area. */
        nl = strchr(text, '\n');
        return nl && nl[1] != 0;
}

ReclaimMode reclaim_mode_for_drain(DrainMode mode) {
        return mode == DRAIN_ALL ? RECLAIM_ALL : RECLAIM_FILE;
}

int reclaim_probe_swappiness_arg(const CgroupFs *fs, const char *cgpath) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        static const char req[] = "0 swappiness=0";
        int r;

        if (!fs || !cgpath)
                return -EINVAL;
        r = cgroupfs_path(fs, cgpath, "memory.reclaim", &p);
        if (r < 0)
                return r;
        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (write(fd, req, strlen(req)) >= 0)
                return 1;
        return errno == EINVAL ? 0 : -errno;
}

bool reclaim_swap_at_stake(const CgroupFs *fs, const char *cgpath, bool no_swap) {
        MemStat ms = {};
        uint64_t max;

        if (no_swap)
                return false;
        if (cgroupfs_read_u64(fs, cgpath, "memory.swap.max", &max) >= 0 && max == 0)
                return false;
        if (cgroupfs_read_memstat(fs, cgpath, &ms) < 0)
                return true; /* not knowing is no licence */
        return ms.anon > 0 || ms.shmem > 0;
}
