/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Retiring an entity: its service is gone from the system or from the
 * configuration. Drain what is left (off the loop: memory.reclaim blocks),
 * measure the residual against retire_residual_max, stop the slice, forget
 * it. An entity with live processes below it waits until they are gone. */

#include <inttypes.h>

#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "reclaim.h"
#include "size.h"
#include "unitname.h"
#include "worker.h"

typedef struct RetireJob {
        Manager *manager;
        char *root;
        char *cgpath;
        char *slice;
        char *service;
        char *why;
        ReclaimOptions opts;
        ReclaimResult result;
        uint64_t residual_max;
        int error;
} RetireJob;

static void retire_job_free(RetireJob *j) {
        if (!j)
                return;
        free(j->root);
        free(j->cgpath);
        free(j->slice);
        free(j->service);
        free(j->why);
        free(j);
}

/* Retire jobs under way, by slice, so a reconcile does not start another. */
static bool slice_retiring(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice))
                        return true;
        return false;
}

static int retiring_add(Manager *m, const char *slice) {
        char **l = realloc(m->retiring, (m->n_retiring + 1) * sizeof(char *));
        if (!l)
                return -ENOMEM;
        m->retiring = l;
        l[m->n_retiring] = strdup(slice);
        if (!l[m->n_retiring])
                return -ENOMEM;
        m->n_retiring++;
        return 0;
}

static void retiring_remove(Manager *m, const char *slice) {
        for (size_t i = 0; i < m->n_retiring; i++)
                if (streq(m->retiring[i], slice)) {
                        free(m->retiring[i]);
                        m->retiring[i] = m->retiring[--m->n_retiring];
                        return;
                }
}

/* On the worker thread: nothing here touches the Manager. */
static void retire_work(void *p) {
        RetireJob *j = p;
        CgroupFs *fs = NULL;

        /* A CgroupFs of its own with plain reads: libcgroup keeps global
         * state and is not shared across threads. */
        j->error = cgroupfs_new(j->root, false, &fs);
        if (j->error >= 0)
                j->error = reclaim_cgroup(fs, j->cgpath, &j->opts, &j->result);
        if (j->error >= 0 || j->error == -EOPNOTSUPP) {
                uint64_t cur;
                if (cgroupfs_read_u64(fs, j->cgpath, "memory.current", &cur) >= 0)
                        j->result.after = cur;
        }
        cgroupfs_free(fs);
}

static void retire_done(void *p, void *userdata) {
        RetireJob *j = p;
        Manager *m = j->manager;
        char res[FORMAT_BYTES_MAX], max[FORMAT_BYTES_MAX];
        bool over;
        int r;

        retiring_remove(m, j->slice);
        if (j->error < 0 && j->error != -EOPNOTSUPP)
                log_warning_errno(j->error, "Failed to drain %s before retiring it, retiring anyway: %m",
                                  j->slice);

        r = systemd_stop_unit(m, j->slice);
        if (r < 0) {
                log_error_errno(r, "Failed to stop the slice of retired entity %s, keeping it: %m",
                                j->slice);
                manager_bus_retire_failed(m, j->slice, r);
                retire_job_free(j);
                return;
        }

        over = j->result.after > j->residual_max;
        log_struct(over ? LOG_WARNING : LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_ENTITY_RETIRED,
                   "CGPERSIST_ENTITY=%s", j->slice, "CGPERSIST_SERVICE=%s", j->service,
                   "CGPERSIST_BYTES=%" PRIu64, j->result.after, "CGPERSIST_DRAINED=%" PRIu64,
                   j->result.before > j->result.after ? j->result.before - j->result.after : 0,
                   "MESSAGE=Retired entity %s of %s (%s): residual %s%s%s.", j->slice, j->service, j->why,
                   format_bytes(res, sizeof res, j->result.after),
                   over ? ", above retire_residual_max " : "",
                   over ? format_bytes(max, sizeof max, j->residual_max) : "", NULL);

        manager_bus_emit_entity_retired(m, j->slice, j->service, j->result.after);
        (void) state_remove(m->state, j->slice);
        manager_save_state(m);
        retire_job_free(j);
}

static int slice_populated(Manager *m, const char *cgpath) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        int r;

        r = cgroupfs_path(m->cgfs, cgpath, "cgroup.events", &p);
        if (r < 0)
                return r;
        r = read_full_file(p, 4096, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return strstr(text, "populated 1") != NULL;
}

int manager_retire(Manager *m, const char *slice, const char *why) {
        _cleanup_free_ char *cgpath = NULL;
        EntityState *e = state_find(m->state, slice);
        RetireJob *j;
        int r;

        if (!e || slice_retiring(m, slice))
                return 0;
        r = slice_cgroup_path(slice, &cgpath);
        if (r < 0)
                return r;

        r = slice_populated(m, cgpath);
        if (r > 0) {
                log_debug("Entity %s still has processes below it; retiring it once they are gone.", slice);
                return 0;
        }

        j = calloc(1, sizeof *j);
        if (!j)
                return log_oom();
        *j = (RetireJob) {
                .manager = m,
                .root = strdup(cgroupfs_root(m->cgfs)),
                .cgpath = TAKE_PTR(cgpath),
                .slice = strdup(slice),
                .service = strdup(e->service),
                .why = strdup(why),
                .opts = {
                        .mode = RECLAIM_FILE,
                        .budget_usec = m->config ? m->config->defaults.policy.drain_budget_usec : 2000000,
                },
                .residual_max = m->config ? m->config->defaults.policy.retire_residual_max : 16 << 20,
        };
        if (!j->root || !j->slice || !j->service || !j->why) {
                retire_job_free(j);
                return log_oom();
        }
        if (j->opts.budget_usec == 0)
                j->opts.budget_usec = 2000000;

        r = retiring_add(m, slice);
        if (r < 0) {
                retire_job_free(j);
                return log_oom();
        }
        r = worker_run(m->event, "retire", retire_work, retire_done, j, NULL);
        if (r < 0) {
                retiring_remove(m, slice);
                retire_job_free(j);
                return log_error_errno(r, "Failed to start retiring %s: %m", slice);
        }
        return 0;
}
