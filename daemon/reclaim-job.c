/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One reclaim job for every request the daemon makes, see reclaim-job.h. */

#include <stdlib.h>

#include "log.h"
#include "reclaim-job.h"
#include "unitname.h"
#include "worker.h"

int reclaim_job_new(const Manager *m, const char *slice, const ReclaimOptions *opts, ReclaimJob **ret) {
        ReclaimJob *j;
        int r;

        if (!m || !slice || !opts || !ret)
                return -EINVAL;
        j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        *j = (ReclaimJob){
                .opts = *opts,
                .swappiness_arg = -1,
                .current_after = UINT64_MAX,
                .root = strdup(cgroupfs_root(m->cgfs)),
                .slice = strdup(slice),
        };
        if (!j->root || !j->slice) {
                reclaim_job_free(j);
                return -ENOMEM;
        }
        r = slice_cgroup_path(slice, &j->cgpath);
        if (r < 0) {
                reclaim_job_free(j);
                return r;
        }
        *ret = j;
        return 0;
}

ReclaimJob *reclaim_job_free(ReclaimJob *j) {
        if (!j)
                return NULL;
        free(j->root);
        free(j->cgpath);
        free(j->slice);
        free(j);
        return NULL;
}

/* On the worker thread. */
static void job_work(void *q) {
        ReclaimJob *j = q;
        CgroupFs *fs = NULL;
        uint64_t cur;

        j->opts.no_swap = j->opts.no_swap || reclaim_swap_active("/proc") == 0;
        j->error = cgroupfs_new(j->root, &fs);
        if (j->error < 0)
                return;
        if (j->hold_back_if_swap) {
                if (j->swappiness_arg < 0) {
                        int r = reclaim_probe_swappiness_arg(fs, j->cgpath);
                        if (r >= 0)
                                j->swappiness_arg = r;
                }
                if (j->swappiness_arg == 0 && reclaim_swap_at_stake(fs, j->cgpath, j->opts.no_swap))
                        j->held_back = true;
        }
        if (!j->held_back)
                j->error = reclaim_cgroup(fs, j->cgpath, &j->opts, &j->result);
        if (cgroupfs_read_u64(fs, j->cgpath, "memory.current", &cur) >= 0)
                j->current_after = cur;
        cgroupfs_free(fs);
}

static void job_done(void *q, void *userdata) {
        ReclaimJob *j = q;

        (void) userdata;
        j->done(j, j->userdata);
        reclaim_job_free(j);
}

int reclaim_job_start(Manager *m, ReclaimJob *j, const char *description, reclaim_job_done_fn done,
                      void *userdata) {
        int r;

        if (!m || !j || !done) {
                reclaim_job_free(j);
                return -EINVAL;
        }
        j->done = done;
        j->userdata = userdata;
        r = worker_run(m->event, description, job_work, job_done, j, NULL);
        if (r < 0)
                reclaim_job_free(j);
        return r;
}

void reclaim_job_drain_options(const Manager *m, const char *service, ReclaimOptions *ret,
                               ServicePolicy *ret_policy) {
        ServicePolicy p = {
                .drain = POLICY_DEFAULT_DRAIN,
                .drain_budget_usec = POLICY_DEFAULT_DRAIN_BUDGET_USEC,
                .retire_residual_max = POLICY_DEFAULT_RETIRE_RESIDUAL_MAX,
        }, q;

        /* A service no longer configured (retired for it) drains by the
         * [defaults]. */
        if (m->config) {
                if (service && config_policy_for(m->config, service, &q) > 0)
                        p = q;
                else
                        p = m->config->defaults.policy;
        }
        *ret = (ReclaimOptions){
                .mode = reclaim_mode_for_drain(p.drain),
                .budget_usec =
                        p.drain_budget_usec > 0 ? p.drain_budget_usec : POLICY_DEFAULT_DRAIN_BUDGET_USEC,
        };
        if (ret_policy)
                *ret_policy = p;
}
