/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "manager.h"
#include "metrics.h"

/* What an entity uses now, measured from the cgroup tree; shared by the
 * metrics file and the D-Bus API so both tell the same story. UINT64_MAX:
 * unknown (the slice's cgroup is missing, e.g. not started yet). */
typedef struct EntityUsage {
        uint64_t memory_current; /* memory.current of the slice */
        uint64_t instances_current; /* sum over the live instances inside it */
        uint64_t persistent; /* memory_current - instances_current */
        uint64_t dying_descendants; /* cgroup.stat */
        uint64_t dying_memcgs; /* cgroup.stat nr_dying_subsys_memory (6.12+) */
        unsigned n_instances; /* live instances, pending ones included */
        bool pending; /* some live instance runs outside the slice */
        bool configured; /* the configuration still asks for it */
        bool retiring; /* a retire job is under way */
        uint64_t proactive_reclaimed; /* bytes, since the daemon started */
        /* Bytes that dead instances left below the entity at the last scan
         * of leftovers (manager-leftovers.h), UINT64_MAX if none ran. */
        uint64_t leftover_bytes;
        /* Read only for the metrics (manager_measure_all_limits()),
         * UINT64_MAX otherwise: memory.peak, and the limits, UINT64_MAX for
         * "max". */
        uint64_t memory_peak, memory_max, memory_high, memory_low;
} EntityUsage;

/* A number of a cgroup file, through the kept-open files. */
int manager_read_u64(Manager *m, const char *cgpath, const char *file, uint64_t *ret);

/* Something below the entity's cgroup was removed (an instance stopped):
 * its dying cgroups are read afresh at the next pass. */
void manager_dying_expire(Manager *m, const EntityState *e);

/* Measures one entity. */
void manager_measure_entity(Manager *m, const EntityState *e, EntityUsage *ret);
/* Measures every entity of the state at once (one pass over the tracked
 * units, however many entities): an array parallel to m->state->entities. */
int manager_measure_all(Manager *m, EntityUsage **ret);
/* The same, with memory.peak and the limits of every entity. */
int manager_measure_all_limits(Manager *m, EntityUsage **ret);

/* The metrics text, as written to the file (METRICS_PROMETHEUS) or served to
 * cgctl (METRICS_OPENMETRICS). */
int manager_render_metrics(Manager *m, MetricsFormat format, char **ret);

/* The live tracked units of a slice (pointers into m->tracked, valid until
 * the next reconcile), for listing instances. */
int manager_live_instances(Manager *m, const char *slice, Tracked ***ret, size_t *ret_n);
