/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Reads a whole (small) file; NUL-terminated; size in ret_size if non-NULL.
 * Refuses files larger than max_size with -EFBIG, also for procfs/sysfs files
 * whose st_size is meaningless. -EISDIR for a directory. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Writes data to path atomically: temp file ".#<name>XXXXXX" in the same
 * directory, fsync, fchmod to mode (umask does not apply), rename, fsync of
 * the directory. Readers see the old or the new file, and after a crash,
 * either one too. On failure the temp file is removed. The directory must
 * exist. */
int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);

/* Creates a directory and its parents (mode, minus umask, for those it
 * creates). 0 if it already exists; -ENOTDIR if a component is no directory. */
int mkdir_p(const char *path, unsigned mode);
