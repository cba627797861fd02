/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small streaming JSON writer (RFC 8259) for cgctl --json. Values are
 * appended in document order; the writer inserts commas, checks nesting and
 * escapes strings. Errors (out of memory, a value where a key is due, an
 * unbalanced end) are sticky: every later call does nothing and
 * json_writer_finish() returns the first error, so callers check once.
 *
 * Strings are written as valid UTF-8 whatever they hold: '"', '\' and control
 * characters are escaped, and a byte that is not part of valid UTF-8 becomes
 * U+FFFD, so hostile names never make the output unparsable. */

typedef struct JsonWriter JsonWriter;

typedef enum JsonFlags {
        JSON_PRETTY = 1 << 0, /* newlines and 2-space indentation */
} JsonFlags;

int json_writer_new(JsonFlags flags, JsonWriter **ret);
JsonWriter *json_writer_free(JsonWriter *w);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);

/* Inside an object, every value is preceded by a key. */
void json_key(JsonWriter *w, const char *key);

void json_string(JsonWriter *w, const char *s); /* NULL writes null */
void json_string_len(JsonWriter *w, const char *s, size_t len);
void json_u64(JsonWriter *w, uint64_t v);
void json_i64(JsonWriter *w, int64_t v);
void json_double(JsonWriter *w, double v); /* non-finite writes null */
void json_bool(JsonWriter *w, bool b);
void json_null(JsonWriter *w);

/* Returns the document (one top-level value, a trailing newline when
 * JSON_PRETTY) or the first error: -ENOMEM, or -EINVAL for a misuse
 * (missing key, unbalanced nesting, no value or more than one). */
int json_writer_finish(JsonWriter *w, char **ret);
