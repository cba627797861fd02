/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The data extents of an open regular file, by lseek(SEEK_DATA/SEEK_HOLE),
 * with a deadline: a sparse file may claim 2^63-1 bytes on a 1 MiB tmpfs,
 * and anything that walks a file page by page walks only these.
 *
 *     DataExtents it;
 *     uint64_t off, len;
 *     data_extents_init(&it, fd, deadline);
 *     while ((r = data_extents_next(&it, &off, &len)) > 0)
 *             ...bytes [off, off+len) hold data...
 *
 * The size is taken at init (fstat) and the walk stops there, so a file that
 * grows meanwhile adds nothing. Only the lseek() calls are made: nothing is
 * read, no page is faulted in. */

typedef struct DataExtents {
        int fd;
        uint64_t pos;
        uint64_t end; /* file size at init */
        uint64_t deadline_usec; /* CLOCK_MONOTONIC; 0: none */
} DataExtents;

/* 0, -EISDIR for a directory, -EINVAL for a file that is not regular (or a
 * bad fd), or the error of fstat(). */
int data_extents_init(DataExtents *it, int fd, uint64_t deadline_usec);

/* 1 and the next extent of data (offset, length > 0), 0 when there is no
 * more, -ETIME once the deadline passed (checked before every lseek()),
 * another negative errno from lseek(). A file system without SEEK_DATA
 * reports the whole file as one extent of data (the kernel's generic
 * answer), so does a file the kernel reports EINVAL for. */
int data_extents_next(DataExtents *it, uint64_t *ret_offset, uint64_t *ret_length);
