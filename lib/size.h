/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Sizes as operators write them in cgpersist.conf and read them in cgctl:
 * IEC units (K, M, G, T, P, E with optional "i"/"iB"/"B", base 1024), plain
 * bytes with an optional "B", or "infinity" (returned as SIZE_INFINITY).
 * A fraction needs a unit ("1.5G"); it is truncated to whole bytes. */

#define SIZE_INFINITY UINT64_MAX

/* Returns 0, -EINVAL for malformed input (also negative numbers), -ERANGE on
 * overflow. A number that would equal SIZE_INFINITY is -ERANGE too, so only
 * the word "infinity" ever means infinity. */
int parse_size(const char *s, uint64_t *ret);

/* Formats as e.g. "0B", "512B", "80.0M", "1.5G" (systemd's style: one
 * decimal, truncated, so a size is never overstated); "infinity" for
 * SIZE_INFINITY. Returns buf. buf must hold at least FORMAT_BYTES_MAX. */
#define FORMAT_BYTES_MAX 16
char *format_bytes(char *buf, size_t len, uint64_t v);
/* v in decimal, as snprintf("%" PRIu64) would (cut to len - 1). Returns buf. */
char *format_u64(char *buf, size_t len, uint64_t v);

/* Durations: "500ms", "2s", "1min", "1h", "1.5s", "1min 30s", or a plain
 * number of seconds. Units: us/usec, ms/msec, s/sec/second(s),
 * m/min/minute(s), h/hr/hour(s), d/day(s). Returns 0, -EINVAL, -ERANGE. */
int parse_duration_usec(const char *s, uint64_t *ret_usec);

/* The shortest exact form that parse_duration_usec() reads back: "2s",
 * "500ms", "1500us", "0". Returns buf. */
#define FORMAT_DURATION_MAX 32
char *format_duration(char *buf, size_t len, uint64_t usec);
