/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Reads a whole (small) file; NUL-terminated; size in ret_size if non-NULL.
 * Refuses files larger than max_size with -EFBIG. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. Readers see the old or the new file, and
 * after a crash, either one too. */
int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);

/* Creates a directory and its parents (mode for those it creates). */
int mkdir_p(const char *path, unsigned mode);
