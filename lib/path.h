/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Joins components with single slashes; NULL-terminated argument list.
 * Empty ("") components are skipped, slashes at the joins collapse to one,
 * the first component's leading "/" is kept and trailing slashes go:
 * path_join("/a/", "", "/b/") is "/a/b". No other normalization (no ".."
 * handling: check names first). Returns a malloc'ed string or NULL on OOM. */
char *path_join_internal(const char *first, ...);
#define path_join(...) path_join_internal(__VA_ARGS__, (const char *) NULL)

/* A single file name: non-empty, not "." or "..", no "/", at most 255 bytes,
 * valid UTF-8, no control characters. */
bool filename_is_safe(const char *s);

/* Valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) without control characters (C0, DEL, C1). false for NULL. */
bool string_is_safe_utf8(const char *s);

/* A copy of s for a log line: control characters, DEL and backslashes as
 * \xNN, so that a name cannot forge a line or a terminal sequence. NULL on
 * OOM. */
char *string_escape_control(const char *s);
