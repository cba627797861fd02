/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "memstat.h"

/* Proactive reclaim of an entity's leftovers, in the spirit of senpai
 * (Facebook's TMO): small memory.reclaim steps on the entity, one per
 * interval, sized as a fraction of what its dead instances left behind, and
 * an exponential back-off as soon as the entity's own memory.pressure shows
 * stalls. This file only decides; the daemon measures, sends the request
 * (reclaim_cgroup() in RECLAIM_FILE mode, off its event loop: the same swap
 * rule as the drain) and reports back what it achieved.
 *
 * Why the entity's PSI is the right signal: the reclaiming thread belongs to
 * cgpersistd, so its own work stalls cgpersistd's cgroup, not the entity's.
 * What stalls the entity is its live instances waiting for memory: refaults
 * of pages that proactive reclaim (or anything else) took from them. That is
 * the sign to stop, before they slow down further.
 *
 * Leftovers = the entity's memory.current minus its live instances' (the
 * "persistent" usage). A step never asks for more than the leftovers above
 * the floor, nor for more page cache than the entity holds. */

#define PROACTIVE_INTERVAL_DEFAULT_USEC (UINT64_C(30) * 1000000)
#define PROACTIVE_INTERVAL_MIN_USEC (UINT64_C(1) * 1000000)
#define PROACTIVE_INTERVAL_MAX_USEC (UINT64_C(24) * 3600 * 1000000)

typedef struct ProactiveParams {
        uint64_t floor_bytes; /* leftovers at or below: nothing asked */
        unsigned step_shift; /* a step is (leftovers - floor) >> step_shift ... */
        uint64_t step_min_bytes; /* ... but at least this ... */
        uint64_t step_max_bytes; /* ... and at most this */
        uint64_t page_bytes; /* the kernel reclaims whole pages */
        /* Back off when the entity's PSI "some" stall time grew by more than
         * pressure_ppm of the wall time since the last look, or its avg10 is
         * above avg10_centi (hundredths of a percent). */
        uint64_t pressure_ppm;
        unsigned avg10_centi;
        unsigned backoff_max; /* the longest back-off is 2^backoff_max intervals */
} ProactiveParams;

/* The defaults the daemon uses: 8 MiB floor, steps of an eighth of the rest
 * (1 MiB to 64 MiB), back off above 0.1 % stall time (1 ms per second) or an
 * avg10 above 0.10 %, at most 64 intervals. */
void proactive_params_default(ProactiveParams *ret);

typedef enum ProactiveVerdict {
        PROACTIVE_STEP, /* ask for request bytes */
        PROACTIVE_FLOOR, /* leftovers at or below the floor */
        PROACTIVE_NOTHING, /* no page cache left to ask for */
        PROACTIVE_PRESSURE, /* the entity stalls: back off now */
        PROACTIVE_WAITING, /* sitting out an earlier back-off */
        _PROACTIVE_VERDICT_MAX,
} ProactiveVerdict;

const char *proactive_verdict_to_string(ProactiveVerdict v);

/* Why the last back-off began. */
typedef enum ProactiveBackoffReason {
        PROACTIVE_BACKOFF_NONE,
        PROACTIVE_BACKOFF_PRESSURE, /* PSI above the threshold */
        PROACTIVE_BACKOFF_NO_PROGRESS, /* a step reclaimed nothing */
        PROACTIVE_BACKOFF_SWAP, /* held back: swap in use, no swappiness=0 */
        _PROACTIVE_BACKOFF_REASON_MAX,
} ProactiveBackoffReason;

const char *proactive_backoff_reason_to_string(ProactiveBackoffReason r);

/* Per entity, kept by the caller between intervals; zero-initialized at
 * first. */
typedef struct ProactiveState {
        unsigned level; /* back-off doublings in force; 0: not backing off */
        unsigned skip; /* intervals still to sit out */
        bool psi_known; /* psi_total/psi_usec hold the last look */
        uint64_t psi_total; /* PSI some total (usec) at the last look */
        uint64_t psi_usec; /* when (CLOCK_MONOTONIC) */
        uint64_t pressure_ppm; /* stall share measured at the last look */
        ProactiveBackoffReason reason; /* of the last back-off */
        uint64_t backoff_usec; /* when the last back-off began, 0: never */
        uint64_t steps; /* requests made */
        uint64_t reclaimed; /* bytes they reclaimed, in total */
        uint64_t last_request, last_reclaimed;
} ProactiveState;

typedef struct ProactiveInput {
        uint64_t now_usec; /* CLOCK_MONOTONIC */
        uint64_t entity_current; /* memory.current of the entity */
        uint64_t instances_current; /* of its live instances, summed */
        MemStat stat; /* memory.stat of the entity */
        bool psi_known; /* memory.pressure could be read */
        uint64_t psi_some_total;
        unsigned psi_some_avg10; /* hundredths of a percent */
} ProactiveInput;

typedef struct ProactiveDecision {
        ProactiveVerdict verdict;
        uint64_t request; /* bytes to ask for (PROACTIVE_STEP), else 0 */
        uint64_t leftovers; /* entity minus live instances */
        bool backoff_started; /* level went from 0 to 1: tell the operator */
        bool backoff_ended; /* level went back to 0 (a quiet interval with nothing to do) */
} ProactiveDecision;

/* The decision for this interval; updates s. -EINVAL on NULL arguments. */
int proactive_decide(const ProactiveParams *p, ProactiveState *s, const ProactiveInput *in,
                     ProactiveDecision *ret);

/* Reports that a PROACTIVE_STEP was not sent: the kernel lacks
 * "swappiness=0" (before 6.11), swap is usable and the entity holds anon or
 * shmem pages. The drain may still send bounded plain requests there (the
 * swap guard of reclaim.h, once per stop, on a dead cgroup); proactive
 * reclaim would do it every interval with live instances' anon memory in
 * the entity, and the guard only narrows the risk (a reclaim pass right
 * after refaults scans anon too), so it holds back and backs off like for
 * pressure. */
void proactive_held_back(const ProactiveParams *p, ProactiveState *s, uint64_t now_usec,
                         bool *ret_backoff_started);

/* Reports what a PROACTIVE_STEP achieved (reclaimed: memory.current before
 * minus after, 0 if it grew). A step that reclaimed nothing backs off like
 * pressure does, so that an entity whose page cache is all in use is not
 * asked again every interval; one that reclaimed something takes one
 * doubling off the back-off. Sets *ret_backoff_started or
 * *ret_backoff_ended (each may be NULL) when this began or ended a back-off. */
void proactive_record(const ProactiveParams *p, ProactiveState *s, uint64_t now_usec, uint64_t requested,
                      uint64_t reclaimed, bool *ret_backoff_started, bool *ret_backoff_ended);
