/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "json.h"
#include "macro.h"
#include "tests.h"

static JsonWriter *new_writer(JsonFlags flags) {
        JsonWriter *w = NULL;

        CHECK_INT(json_writer_new(flags, &w), 0);
        CHECK(w);
        return w;
}

/* Finishes w, compares with want, frees everything. */
static void check_doc(JsonWriter *w, const char *want) {
        char *got = NULL;
        int r = json_writer_finish(w, &got);

        json_writer_free(w);
        if (r < 0)
                CHECK_FAIL("json_writer_finish() failed: %s", strerror(-r));
        if (!streq(got, want)) {
                printf("#   got      %s\n#   expected %s\n", got, want);
                free(got);
                CHECK_FAIL("document mismatch");
        }
        free(got);
}

static void check_string(const char *in, size_t len, const char *want) {
        JsonWriter *w = new_writer(0);

        json_string_len(w, in, len);
        check_doc(w, want);
}

static void check_error(JsonWriter *w, int want) {
        char *got = NULL;

        CHECK_INT(json_writer_finish(w, &got), want);
        CHECK(!got);
        json_writer_free(w);
}

TEST(json_scalars) {
        JsonWriter *w;

        w = new_writer(0);
        json_u64(w, UINT64_MAX);
        check_doc(w, "18446744073709551615");

        w = new_writer(0);
        json_i64(w, INT64_MIN);
        check_doc(w, "-9223372036854775808");

        w = new_writer(0);
        json_bool(w, true);
        check_doc(w, "true");

        w = new_writer(0);
        json_null(w);
        check_doc(w, "null");

        w = new_writer(0);
        json_string(w, NULL);
        check_doc(w, "null");

        w = new_writer(0);
        json_double(w, 0.5);
        check_doc(w, "0.5");

        w = new_writer(0);
        json_double(w, NAN);
        check_doc(w, "null");

        w = new_writer(0);
        json_double(w, INFINITY);
        check_doc(w, "null");
}

TEST(json_string_escapes) {
        check_string("", 0, "\"\"");
        check_string("web.service", 11, "\"web.service\"");
        check_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
        check_string("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
        check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
        /* An embedded NUL is data, not the end. */
        check_string("a\0b", 3, "\"a\\u0000b\"");
        /* A systemd escape is just a backslash to JSON. */
        check_string("system-my\\x2dapp.slice", 22, "\"system-my\\\\x2dapp.slice\"");
        /* "/" needs no escape. */
        check_string("a/b", 3, "\"a/b\"");
}

TEST(json_string_utf8) {
        /* Valid multi-byte sequences pass as they are. */
        check_string("\xc3\xa9", 2, "\"\xc3\xa9\""); /* é */
        check_string("\xe2\x82\xac", 3, "\"\xe2\x82\xac\""); /* € */
        check_string("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""); /* U+1F600 */
        /* Line and paragraph separators: escaped for JavaScript. */
        check_string("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
}

TEST(json_string_invalid_utf8) {
        /* Every byte that is not part of valid UTF-8 is one U+FFFD. */
        check_string("\xff", 1, "\"\\ufffd\"");
        check_string("a\376b", 3, "\"a\\ufffdb\"");
        /* Truncated sequence at the end. */
        check_string("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
        /* Overlong "/" (C0 AF) must not come out as "/". */
        check_string("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
        /* UTF-16 surrogate encoded in UTF-8 (CESU). */
        check_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
        /* Past U+10FFFF. */
        check_string("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        /* A stray continuation byte between valid characters. */
        check_string("\xc3\xa9\x80\xc3\xa9", 5, "\"\xc3\xa9\\ufffd\xc3\xa9\"");
}

TEST(json_object_array) {
        JsonWriter *w = new_writer(0);

        json_begin_object(w);
        json_key(w, "entities");
        json_begin_array(w);
        json_begin_object(w);
        json_key(w, "slice");
        json_string(w, "system-web.slice");
        json_key(w, "memory_current");
        json_u64(w, 92274688);
        json_key(w, "pending");
        json_bool(w, false);
        json_end_object(w);
        json_begin_object(w);
        json_end_object(w);
        json_end_array(w);
        json_key(w, "empty");
        json_begin_array(w);
        json_end_array(w);
        json_key(w, "k\"ey");
        json_null(w);
        json_end_object(w);
        check_doc(w,
                  "{\"entities\":[{\"slice\":\"system-web.slice\",\"memory_current\":92274688,"
                  "\"pending\":false},{}],\"empty\":[],\"k\\\"ey\":null}");
}

TEST(json_pretty) {
        JsonWriter *w = new_writer(JSON_PRETTY);

        json_begin_object(w);
        json_key(w, "a");
        json_begin_array(w);
        json_u64(w, 1);
        json_u64(w, 2);
        json_end_array(w);
        json_key(w, "b");
        json_begin_object(w);
        json_end_object(w);
        json_end_object(w);
        check_doc(w, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}\n");
}

TEST(json_misuse) {
        JsonWriter *w;

        /* Value without a key in an object. */
        w = new_writer(0);
        json_begin_object(w);
        json_u64(w, 1);
        json_end_object(w);
        check_error(w, -EINVAL);

        /* Key in an array. */
        w = new_writer(0);
        json_begin_array(w);
        json_key(w, "x");
        json_end_array(w);
        check_error(w, -EINVAL);

        /* Key without value. */
        w = new_writer(0);
        json_begin_object(w);
        json_key(w, "x");
        json_end_object(w);
        check_error(w, -EINVAL);

        /* Unbalanced: not closed, closed twice, wrong closer. */
        w = new_writer(0);
        json_begin_array(w);
        check_error(w, -EINVAL);

        w = new_writer(0);
        json_begin_array(w);
        json_end_array(w);
        json_end_array(w);
        check_error(w, -EINVAL);

        w = new_writer(0);
        json_begin_array(w);
        json_end_object(w);
        check_error(w, -EINVAL);

        /* Two top-level values; none at all. */
        w = new_writer(0);
        json_u64(w, 1);
        json_u64(w, 2);
        check_error(w, -EINVAL);

        w = new_writer(0);
        check_error(w, -EINVAL);

        /* The first error sticks: later correct calls do not clear it. */
        w = new_writer(0);
        json_key(w, "x");
        json_begin_object(w);
        json_end_object(w);
        check_error(w, -EINVAL);
}

TEST(json_depth_limit) {
        JsonWriter *w = new_writer(0);

        for (unsigned i = 0; i < 100; i++)
                json_begin_array(w);
        for (unsigned i = 0; i < 100; i++)
                json_end_array(w);
        check_error(w, -EINVAL);
}

TEST(json_large) {
        /* Growth of the buffer: a long string and many elements. */
        JsonWriter *w = new_writer(0);
        char *big = malloc(100001), *got = NULL;
        size_t n = 0;

        CHECK(big);
        memset(big, 'x', 100000);
        big[100000] = 0;
        json_begin_array(w);
        json_string(w, big);
        for (unsigned i = 0; i < 10000; i++)
                json_u64(w, i);
        json_end_array(w);
        CHECK_INT(json_writer_finish(w, &got), 0);
        json_writer_free(w);
        free(big);
        n = strlen(got);
        CHECK(n > 100000 + 10000);
        CHECK(got[0] == '[' && got[n - 1] == ']');
        CHECK(strstr(got, ",9999]"));
        free(got);
}

TEST(json_free_null) {
        CHECK(json_writer_free(NULL) == NULL);
        CHECK_INT(json_writer_new(0, NULL), -EINVAL);
}
