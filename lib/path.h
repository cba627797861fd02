/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Joins components with single slashes; NULL-terminated argument list.
 * Returns a malloc'ed string or NULL on OOM. */
char *path_join_internal(const char *first, ...);
#define path_join(...) path_join_internal(__VA_ARGS__, (const char *) NULL)

/* A single file name: non-empty, not "." or "..", no "/", at most 255 bytes,
 * valid UTF-8, no control characters. */
bool filename_is_safe(const char *s);

/* Valid UTF-8 without control characters. */
bool string_is_safe_utf8(const char *s);
