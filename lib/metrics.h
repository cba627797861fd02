/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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

/* UINT64_MAX in a gauge: unknown (the entity's cgroup is missing); the sample
 * is left out rather than reported as a number that is not true. */
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
} MetricsEntity;

/* Renders every family over the n entities (sorted as given), plus
 * cgpersist_entities (the count). Returns 0 or -ENOMEM; *ret is a NUL-terminated
 * text ending in a newline. */
int metrics_render(const MetricsEntity *entities, size_t n, MetricsFormat format, char **ret);
