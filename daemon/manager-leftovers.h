/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "leftovers.h"
#include "manager.h"

/* What dead cgroups left in each entity, from a whole-memory scan
 * (lib/kpagescan.c, lib/leftovers.c) on a worker thread every [daemon]
 * leftovers_interval. Unless the interval was set in a file, scanning stops
 * for good (until a reload sets it) once one scan costs more than
 * LEFTOVERS_CPU_SHARE_MAX_PPM of a CPU over the interval. The results live
 * in memory only. */

/* Arms, re-arms or disarms the scan after the configuration changed. */
void manager_leftovers_update(Manager *m);
void manager_leftovers_free(Manager *m);

/* The last scan's row of the cgroup at cgpath (relative to the cgroup
 * root), NULL when there was no scan yet or nothing was found there (then
 * *ret_scanned_realtime still says when the last scan was, 0 for never). */
const Leftover *manager_leftovers_find(Manager *m, const char *cgpath, uint64_t *ret_scanned_realtime);
