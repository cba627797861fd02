/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* The second, bounded drain of an entity after writeback: page cache that
 * the stop hook could not drop because it was dirty or under writeback at
 * the stop (a service that wrote without fsync(2), or whose writes were
 * still being written back) keeps the dead instance's cgroup dying once it
 * is clean, and nothing else would reclaim it. Once such pages are written
 * back (vm.dirty_expire_centisecs plus vm.dirty_writeback_centisecs plus
 * 2 s, 35 s by default, between REDRAIN_DELAY_MIN_USEC and
 * REDRAIN_DELAY_MAX_USEC) after an instance of an entity whose drain= is
 * not none stopped, the daemon looks
 * at the page cache of the entity's dead cgroups (the slice's memory.stat
 * minus its live children's) and, when some is clean, asks memory.reclaim on
 * the slice for that much, page cache only, on a worker thread; the kernel
 * scans dead cgroups first at such small requests (it scans at least 32
 * pages of each offline cgroup where a live one of the same size would be
 * skipped). While dirty page cache remains, it looks again, at most
 * REDRAIN_TRIES times. */

#define REDRAIN_DELAY_MIN_USEC (UINT64_C(5) * 1000000)
#define REDRAIN_DELAY_MAX_USEC (UINT64_C(300) * 1000000)
#define REDRAIN_TRIES 3
#define REDRAIN_BUDGET_USEC (UINT64_C(1) * 1000000)

/* An instance of slice stopped (its stop hook ran). */
void manager_redrain_instance_stopped(Manager *m, const char *slice);
void manager_redrain_free(Manager *m);
