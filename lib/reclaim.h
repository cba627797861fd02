/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "config.h"
#include "memstat.h"

/* Proactive reclaim through cgroup v2 memory.reclaim (Linux 5.19+).
 *
 * Kernel facts this relies on: writing a byte count asks the kernel to
 * reclaim that much from the cgroup and its descendants (dead ones too); the
 * write fails with EAGAIN when less than asked was reclaimed (even when all
 * that could be was), EINTR on a signal, EINVAL for an argument the kernel
 * does not know ("swappiness=0" before 6.11). No partial count is returned:
 * measure memory.current before and after. The write blocks: never call this
 * on an event loop.
 *
 * RECLAIM_FILE must never push anon or shmem pages to swap behind a service's
 * back. How that is achieved depends on the kernel, which is probed (the
 * first request carries " swappiness=0"), never guessed from its version:
 *
 *  - 6.11+ takes "swappiness=0": the kernel then scans the file LRUs only, so
 *    requests go out in steps of step_bytes until one brings no progress.
 *
 *  - Older kernels (6.1 in Debian bookworm) reject it with EINVAL. A plain
 *    request there may reclaim anon and shmem to swap as well: the kernel
 *    balances its scan between the file and anon LRUs by vm.swappiness, and
 *    scans anon harder once file pages run out. This cannot be made safe in
 *    general, only less likely. Requests are bounded by the page cache that
 *    memory.stat reports on the file LRUs (active_file + inactive_file minus
 *    dirty and writeback pages, which reclaim cannot drop cheaply), and:
 *      * when no swap can be used (opts->no_swap, or memory.swap.max is 0)
 *        or nothing swap-backed is charged (shmem == 0 and anon within
 *        opts->anon_allowance), nothing can go to swap that anyone minds,
 *        and the file bound only avoids pointless requests;
 *      * otherwise (the "swap guard") requests stay within what the kernel
 *        takes from the inactive file list alone: it trims the cache without
 *        scanning anon while the inactive file list holds at least
 *        2^DEF_PRIORITY (4096) pages and is not low against the active one.
 *        So nothing is asked for when inactive file is low against active
 *        file, and each request leaves those 4096 pages (16 MiB on 4 KiB
 *        pages) in place. Page cache left behind keeps pinning the dead
 *        cgroup: that is the price of not swapping on these kernels.
 *        The guard narrows the risk, it does not remove it: the kernel also
 *        leaves cache-trim mode for one pass when file refaults were seen
 *        since the cgroup was last reclaimed, and the multi-gen LRU
 *        (/sys/kernel/mm/lru_gen/enabled) balances by its own feedback.
 *    memory.stat is flushed lazily and may lag by a few hundred KiB per CPU;
 *    the floor absorbs that, and progress is always measured on
 *    memory.current, which is exact.
 *
 * RECLAIM_ALL sends plain requests and lets the kernel take what it will. */

typedef enum ReclaimMode {
        RECLAIM_FILE, /* page cache only: never push anon/shmem to swap */
        RECLAIM_ALL, /* whatever the kernel will take, swap allowed */
} ReclaimMode;

#define RECLAIM_STEP_DEFAULT (UINT64_C(16) << 20)
#define RECLAIM_BUDGET_DEFAULT_USEC (UINT64_C(2) * 1000000)
#define RECLAIM_MAX_STEPS_DEFAULT 1024U

typedef struct ReclaimOptions {
        ReclaimMode mode;
        uint64_t budget_usec; /* stop after this much time, 0 = default 2s */
        uint64_t step_bytes; /* largest single request, 0 = default 16M */
        uint64_t target_bytes; /* stop once memory.current <= this */
        unsigned max_steps; /* most writes to memory.reclaim, 0 = default 1024 */
        bool no_swap; /* the caller knows no swap is active (/proc/swaps) */
        uint64_t anon_allowance; /* anon bytes that may go to swap all the same: a
                                  * stop hook's own, running in the cgroup of a
                                  * service whose processes are gone */
} ReclaimOptions;

typedef struct ReclaimResult {
        uint64_t before; /* memory.current before */
        uint64_t after; /* memory.current after */
        uint64_t file_before; /* page cache on the file LRUs (memory.stat
                                  * active_file + inactive_file; shmem, which
                                  * lives on the anon LRUs, excluded) before */
        uint64_t file_after;
        uint64_t elapsed_usec;
        unsigned steps; /* writes to memory.reclaim, a rejected probe included */
        bool swappiness_arg; /* the kernel took "swappiness=0" */
        bool budget_exhausted;
        bool swap_guard; /* old kernel, swap usable: held page cache back (see above) */
} ReclaimResult;

/* Reclaims from cgpath per opts. Returns 0 when done (nothing reclaimable
 * left, target reached, budget or steps spent), -ENOENT when memory.current is
 * missing (no such cgroup, or no memory controller on it), -EOPNOTSUPP when
 * memory.reclaim is missing (kernel before 5.19), other negative errno when
 * memory.reclaim failed for a reason other than EAGAIN/EINTR. A step may run
 * past the budget: the kernel cannot be interrupted in the middle of one. */
int reclaim_cgroup(const CgroupFs *fs, const char *cgpath, const ReclaimOptions *opts, ReclaimResult *ret);

/* The seam under reclaim_cgroup(): where the requests go and where the
 * measurements come from, so that tests can run the algorithm against a
 * simulated memcg. All return 0 or negative errno. */
typedef struct ReclaimOps {
        /* Writes request ("16777216" or "16777216 swappiness=0") to
         * memory.reclaim in a single write(); the kernel's error as is. */
        int (*write_reclaim)(void *userdata, const char *request);
        int (*read_current)(void *userdata, uint64_t *ret);
        int (*read_memstat)(void *userdata, MemStat *ret);
        /* Optional: memory.swap.max (UINT64_MAX for "max"). NULL or an error
         * means unknown, and swap is assumed usable. */
        int (*read_swap_max)(void *userdata, uint64_t *ret);
        uint64_t (*now_usec)(void *userdata); /* CLOCK_MONOTONIC */
} ReclaimOps;

int reclaim_cgroup_with_ops(const ReclaimOps *ops, void *userdata, const ReclaimOptions *opts,
                            ReclaimResult *ret);

/* Page cache that reclaim can drop without writeback: active_file +
 * inactive_file - file_dirty - file_writeback, never negative. */
uint64_t reclaim_file_bytes(const MemStat *m);

/* Whether <proc_root>/swaps lists any swap area: 1 yes, 0 no, negative
 * errno. */
int reclaim_swap_active(const char *proc_root);

/* The reclaim mode of a drain= policy: page cache only, unless it says all
 * (none is the caller's to skip). */
ReclaimMode reclaim_mode_for_drain(DrainMode mode);

/* Whether the kernel takes "swappiness=" in memory.reclaim (6.11+), asked
 * without reclaiming: a request for 0 bytes with the argument does nothing
 * where it is known and is rejected with EINVAL where it is not. 1, 0, or
 * negative errno. */
int reclaim_probe_swappiness_arg(const CgroupFs *fs, const char *cgpath);

/* For kernels without "swappiness=": whether a plain request on cgpath could
 * push anon or shmem to swap (swap active, allowed by memory.swap.max, and
 * such pages charged). Not knowing counts as yes. */
bool reclaim_swap_at_stake(const CgroupFs *fs, const char *cgpath, bool no_swap);
