/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stop record: what the stop hook (cgpersist-drain) leaves in
 * /run/cgpersist/stops/<invocation id> for cgpersistd, which need not be
 * running then. One "key=value" line per field, each ending in "\n":
 *
 *     unit=web.service                          required
 *     invocation_id=<32 hex digits>             required, also the file name
 *     cgroup=/system.slice/system-web.slice/web.service
 *     cgroup_id=1234                            0 or absent: unknown
 *     start_usec=1700000000000000               0 or absent: unknown
 *     stop_usec=1700000001000000                required
 *     charge=... peak=... residual=...          absent: unknown
 *     drained=... elapsed_usec=...              absent: 0
 *     result=success                            absent: unknown
 *     swappiness_arg=0|1
 *
 * The file is written by root into a directory only root writes, but the
 * reader treats it as hostile all the same: bounded size, decimal numbers
 * checked for overflow, every value validated, a key given twice or a line
 * without "=" or its "\n" refuses the whole record. Keys this version does
 * not know are skipped, so that a newer hook's records still read. */

#define STOP_RECORD_MAX 4096

typedef struct StopRecord {
        char *unit;
        char *invocation_id;
        char *cgroup; /* NULL: unknown */
        char *result; /* NULL: unknown */
        uint64_t cgroup_id; /* 0: unknown */
        uint64_t start_usec; /* CLOCK_REALTIME, 0: unknown */
        uint64_t stop_usec; /* CLOCK_REALTIME */
        uint64_t charge, peak, residual; /* UINT64_MAX: unknown */
        uint64_t drained;
        uint64_t elapsed_usec;
        bool swappiness_arg;
} StopRecord;

#define STOP_RECORD_INIT \
        { .charge = UINT64_MAX, .peak = UINT64_MAX, .residual = UINT64_MAX }

void stop_record_done(StopRecord *r);

/* systemd's invocation id: 32 hex digits (128 bits). It names the file, so
 * nothing else gets through. */
bool invocation_id_is_valid(const char *s);
/* A result as systemd's $SERVICE_RESULT spells it: 1-63 of [a-z0-9-]. */
bool stop_result_is_valid(const char *s);

/* -EINVAL if a field is invalid (unit, invocation id, cgroup, result). */
int stop_record_format(const StopRecord *r, char **ret, size_t *ret_len);
/* data need not be NUL-terminated. -EBADMSG for anything but a valid record
 * (ret untouched), -ENOMEM. */
int stop_record_parse(const char *data, size_t len, StopRecord *ret);

/* dir/<invocation id>, atomically (cgpersistd watches the directory and must
 * see a whole record or none); the directory is created if missing. */
int stop_record_write(const char *dir, const StopRecord *r);
/* -EFBIG past STOP_RECORD_MAX, -EBADMSG for a malformed one. */
int stop_record_read(const char *path, StopRecord *ret);
