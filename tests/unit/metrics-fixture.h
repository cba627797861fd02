/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "metrics.h"

/* Metrics of two entities, one running, one whose slice is not active: what
 * test-metrics checks line by line, and what metrics-sample prints for
 * promtool and for the check of the dashboard's queries. */

static const MetricsDaemon fixture_daemon = {
        .version = "1.2.3",
        .config_good = true,
        .updated_usec = UINT64_C(1764892800250000),
        .interval_usec = UINT64_C(15000000),
};

static const MetricsEntity two[] = {
        {
                .entity = "system-web.slice",
                .service = "web.service",
                .memory_bytes = 92274688,
                .persistent_bytes = 83886080,
                .instances = 1,
                .restarts = 6,
                .dying_descendants = 4,
                .drained_bytes = 125829120,
                .proactive_reclaimed_bytes = 58720256,
                .dying_memcgs = 3,
                .memory_peak_bytes = 100663296,
                .memory_max_bytes = 268435456,
                .memory_high_bytes = 201326592,
                .memory_low_bytes = 0,
                .left_file_bytes = 16777216,
                .left_shmem_bytes = 12582912,
                .left_anon_bytes = 0,
                .left_kernel_bytes = 0,
        },
        {
                /* Inactive slice: usage unknown, counters still reported. */
                .entity = "system-foo.slice",
                .service = "foo@.service",
                .memory_bytes = UINT64_MAX,
                .persistent_bytes = UINT64_MAX,
                .instances = 0,
                .restarts = 2,
                .dying_descendants = UINT64_MAX,
                .drained_bytes = 0,
                .dying_memcgs = UINT64_MAX,
                .memory_peak_bytes = UINT64_MAX,
                .memory_max_bytes = UINT64_MAX,
                .memory_high_bytes = UINT64_MAX,
                .memory_low_bytes = UINT64_MAX,
                /* No scan yet. */
                .left_file_bytes = UINT64_MAX,
                .left_shmem_bytes = UINT64_MAX,
                .left_anon_bytes = UINT64_MAX,
                .left_kernel_bytes = UINT64_MAX,
        },
};
