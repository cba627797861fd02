/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Pressure stall information (Linux 4.20+, per cgroup on v2): the text of
 * memory.pressure, cpu.pressure, io.pressure or /proc/pressure/\*:
 *
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *
 * avgN are percentages of wall time over the last N seconds (two decimals),
 * total is the cumulated stall time in microseconds. "full" is missing from
 * cpu.pressure before 5.13. Unknown keys on a line are ignored, so that a
 * later kernel may add some. */

typedef struct PsiLine {
        unsigned avg10, avg60, avg300; /* hundredths of a percent: "1.25" = 125 */
        uint64_t total; /* microseconds */
} PsiLine;

typedef struct Psi {
        PsiLine some, full;
        bool has_full;
} Psi;

/* -EINVAL on a malformed line or a missing "some" line (or total= in it). */
int psi_parse(const char *text, Psi *ret);
