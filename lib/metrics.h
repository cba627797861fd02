/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The daemon's metrics as text, per entity, for Prometheus:
 *
 *  - METRICS_OPENMETRICS: OpenMetrics 1.0 text (what `cgctl metrics` and the
 *    GetMetrics() D-Bus call return): a counter family is named without its
 *    "_total" suffix, which only its samples carry; UNIT lines; "# EOF".
 *
 *  - METRICS_PROMETHEUS: the Prometheus text exposition format 0.0.4, which
 *    node_exporter's textfile collector parses (its parser types a sample by
 *    its exact name, so a counter's TYPE line must name "..._total"); the
 *    same samples, no UNIT lines, no "# EOF".
 *
 * Both name and order the samples the same way; values are identical. */

typedef enum MetricsFormat {
        METRICS_OPENMETRICS,
        METRICS_PROMETHEUS,
} MetricsFormat;

/* UINT64_MAX in a gauge: unknown (the entity's cgroup is missing), or for a
 * limit, no limit; the sample is left out rather than reported as a number
 * that is not true. Each field is one family of lib/metrics.c's table: a new
 * per-entity metric is a field here and a line there. */
typedef struct MetricsEntity {
        const char *entity; /* label entity="system-web.slice" */
        const char *service; /* label service="web.service" */
        uint64_t memory_bytes; /* memory.current of the entity */
        uint64_t persistent_bytes; /* entity minus its live instances */
        uint64_t instances; /* live instances */
        uint64_t restarts; /* counter */
        uint64_t dying_descendants; /* cgroup.stat nr_dying_descendants */
        uint64_t drained_bytes; /* counter */
        uint64_t proactive_reclaimed_bytes; /* counter, since the daemon started */
        uint64_t dying_memcgs; /* cgroup.stat nr_dying_subsys_memory (6.12+) */
        uint64_t memory_peak_bytes; /* memory.peak of the entity (5.19+) */
        uint64_t memory_max_bytes; /* memory.max, UINT64_MAX: "max" */
        uint64_t memory_high_bytes; /* memory.high, UINT64_MAX: "max" */
        uint64_t memory_low_bytes; /* memory.low */
        /* What dead instances left in the entity slice at the daemon's last
         * scan (leftovers_interval), by kind; UINT64_MAX before one. */
        uint64_t left_file_bytes;
        uint64_t left_shmem_bytes;
        uint64_t left_anon_bytes;
        uint64_t left_kernel_bytes;
} MetricsEntity;

/* What the daemon says about itself, before the entities. */
typedef struct MetricsDaemon {
        const char *version; /* cgpersist_build_info{version=...} 1 */
        bool config_good; /* the last configuration read was accepted */
        uint64_t updated_usec; /* CLOCK_REALTIME of the measurement */
        uint64_t interval_usec; /* how often the file is rewritten, 0: on change only */
} MetricsDaemon;

/* Renders the daemon's own metrics, cgpersist_entities (the count) and every
 * family over the n entities (sorted as given). Returns 0, -EINVAL or
 * -ENOMEM; *ret is a NUL-terminated text ending in a newline. */
int metrics_render(const MetricsDaemon *daemon, const MetricsEntity *entities, size_t n,
                   MetricsFormat format, char **ret);
