/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Sizes as operators write them in cgpersist.conf and read them in cgctl:
 * IEC units (K, M, G, T with optional "i"/"iB"/"B", base 1024), plain bytes,
 * or "infinity" (returned as SIZE_INFINITY). */

#define SIZE_INFINITY UINT64_MAX

/* Returns 0, -EINVAL for malformed input, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *ret);

/* Formats as e.g. "0B", "512B", "80.0M", "1.5G" (systemd's style); "infinity"
 * for SIZE_INFINITY. Returns buf. buf must hold at least FORMAT_BYTES_MAX. */
#define FORMAT_BYTES_MAX 16
char *format_bytes(char *buf, size_t len, uint64_t v);

/* Durations: "500ms", "2s", "1min", "1h", or a plain number of seconds. */
int parse_duration_usec(const char *s, uint64_t *ret_usec);
