/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "manager.h"
#include "reclaim.h"

/* One reclaim of an entity on a worker thread, the same for every request
 * the daemon makes: a drain on request (cgctl drain), a retirement's last
 * drain, a proactive step, a second drain after writeback. What differs is
 * the options, chosen by the caller (for drains from the service's policy,
 * reclaim_job_drain_options()), and what done() does with the result.
 *
 * On the worker: swap is looked up (/proc/swaps: without active swap the
 * swap guard of old kernels holds nothing back), the cgroup is reclaimed
 * with a CgroupFs of the job's own (libcgroup's state is not shared across
 * threads), and memory.current is read once more. Nothing there touches the
 * Manager. */

typedef struct ReclaimJob ReclaimJob;

/* Called on the event loop; the job is freed after it returns. */
typedef void (*reclaim_job_done_fn)(ReclaimJob *j, void *userdata);

struct ReclaimJob {
        char *slice, *cgpath; /* the entity and its cgroup */
        ReclaimOptions opts;
        /* Proactive steps: on a kernel without "swappiness=" (probed when
         * swappiness_arg is -1), send nothing if a plain request could push
         * anon or shmem to swap; held_back says so. */
        bool hold_back_if_swap;
        int swappiness_arg; /* in: 1/0 known, -1 probe; out: as probed */

        /* out */
        ReclaimResult result;
        uint64_t current_after; /* memory.current after, UINT64_MAX unknown */
        bool held_back;
        int error; /* reclaim_cgroup()'s, or the setup's */

        char *root;
        reclaim_job_done_fn done;
        void *userdata;
};

/* A job for the entity slice with opts. -ENOMEM or another negative errno. */
int reclaim_job_new(const Manager *m, const char *slice, const ReclaimOptions *opts, ReclaimJob **ret);
ReclaimJob *reclaim_job_free(ReclaimJob *j);

/* Hands j to a worker; done(j, userdata) follows on the loop. Takes j over
 * in any case: on failure (negative errno) it is freed, done() not called,
 * and userdata still the caller's. */
int reclaim_job_start(Manager *m, ReclaimJob *j, const char *description, reclaim_job_done_fn done,
                      void *userdata);

/* The one rule for the drains the daemon makes of an entity (on request, at
 * retirement): the mode and budget of the service's drain= and
 * drain_budget= (page cache only unless drain=all; drain=none still drains
 * the page cache when asked), the defaults without a configuration.
 * *ret_policy, if given, gets the whole policy. */
void reclaim_job_drain_options(const Manager *m, const char *service, ReclaimOptions *ret,
                               ServicePolicy *ret_policy);

/* Bytes by which memory.current fell, never negative. */
static inline uint64_t reclaim_job_reclaimed(const ReclaimJob *j) {
        return j->result.before > j->result.after ? j->result.before - j->result.after : 0;
}
