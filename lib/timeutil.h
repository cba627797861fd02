/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC UINT64_C(1000000)

/* CLOCK_REALTIME for records people read (history, file names), and
 * CLOCK_MONOTONIC for budgets and durations. 0 if the clock cannot be read. */
static inline uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* -ETIME once deadline_usec (CLOCK_MONOTONIC; 0: none) has passed, else 0. */
static inline int deadline_check(uint64_t deadline_usec) {
        if (deadline_usec != 0 && now_usec(CLOCK_MONOTONIC) >= deadline_usec)
                return -ETIME;
        return 0;
}
