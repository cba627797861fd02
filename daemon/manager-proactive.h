/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"
#include "proactive.h"

/* Proactive reclaim of leftovers for the entities whose service sets
 * proactive_reclaim=yes: one step per entity per [daemon]
 * proactive_interval, entities one after the other, each step on a worker
 * thread. The decisions are lib/proactive.c's. No timer runs while no
 * configured service has opted in. What was done lives in memory only: it
 * starts from zero when the daemon starts. */

/* Arms or disarms the round timer after the configuration or the set of
 * entities changed; forgets entities that left. */
void manager_proactive_update(Manager *m);
void manager_proactive_free(Manager *m);

/* What proactive reclaim did to slice, or NULL if it never looked at it.
 * ret_backoff_realtime: when the last back-off began (CLOCK_REALTIME), 0 if
 * never. */
const ProactiveState *manager_proactive_find(Manager *m, const char *slice, uint64_t *ret_backoff_realtime);
