/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroupfs.h"

/* Proactive reclaim through cgroup v2 memory.reclaim (Linux 5.19+).
 *
 * Kernel facts this relies on: writing a byte count asks the kernel to
 * reclaim that much from the cgroup and its descendants (dead ones too); the
 * write fails with EAGAIN when less than asked was reclaimed (even when all
 * that could be was), EINTR on a signal, EINVAL for an argument the kernel
 * does not know ("swappiness=0" before 6.11). No partial count is returned:
 * measure memory.current before and after. The write blocks: never call this
 * on an event loop. */

typedef enum ReclaimMode {
        RECLAIM_FILE,   /* page cache only: never push anon/shmem to swap */
        RECLAIM_ALL,    /* whatever the kernel will take, swap allowed */
} ReclaimMode;

typedef struct ReclaimOptions {
        ReclaimMode mode;
        uint64_t budget_usec;    /* stop after this much time */
        uint64_t step_bytes;     /* largest single request, 0 = default 16M */
        uint64_t target_bytes;   /* stop once memory.current <= this */
} ReclaimOptions;

typedef struct ReclaimResult {
        uint64_t before;         /* memory.current before */
        uint64_t after;          /* memory.current after */
        uint64_t file_before;    /* file pages (memory.stat) before */
        uint64_t file_after;
        uint64_t elapsed_usec;
        unsigned steps;
        bool swappiness_arg;     /* the kernel took "swappiness=0" */
        bool budget_exhausted;
} ReclaimResult;

/* Reclaims from cgpath per opts. Returns 0 when done (nothing reclaimable
 * left, target reached or budget spent), negative errno when memory.reclaim
 * is missing (-EOPNOTSUPP) or failed for a reason other than EAGAIN/EINTR. */
int reclaim_cgroup(const CgroupFs *fs, const char *cgpath, const ReclaimOptions *opts, ReclaimResult *ret);
