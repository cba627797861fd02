/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "size.h"
#include "tests.h"

#define K UINT64_C(1024)
#define M (K * K)
#define G (M * K)
#define T (G * K)

static uint64_t size_ok(const char *s) {
        uint64_t v = 12345;
        int r = parse_size(s, &v);

        if (r != 0)
                CHECK_FAIL("parse_size(\"%s\") = %d, expected success", s, r);
        return v;
}

static void size_fails(const char *s, int expected) {
        uint64_t v = 12345;
        int r = parse_size(s, &v);

        if (r != expected)
                CHECK_FAIL("parse_size(\"%s\") = %d, expected %d", s, r, expected);
        /* ret_* untouched on failure */
        CHECK_U64(v, 12345);
}

TEST(parse_size_plain) {
        CHECK_U64(size_ok("0"), 0);
        CHECK_U64(size_ok("512"), 512);
        CHECK_U64(size_ok("512B"), 512);
        CHECK_U64(size_ok("  4096  "), 4096);
        CHECK_U64(size_ok("18446744073709551614"), UINT64_MAX - 1);
}

TEST(parse_size_iec_suffixes) {
        CHECK_U64(size_ok("512K"), 512 * K);
        CHECK_U64(size_ok("64M"), 64 * M);
        CHECK_U64(size_ok("1G"), G);
        CHECK_U64(size_ok("2T"), 2 * T);
        CHECK_U64(size_ok("1P"), T * K);
        CHECK_U64(size_ok("15E"), 15 * T * M);
        /* all spellings of one unit mean base 1024 */
        CHECK_U64(size_ok("1Ki"), K);
        CHECK_U64(size_ok("1KiB"), K);
        CHECK_U64(size_ok("1KB"), K);
        CHECK_U64(size_ok("16MiB"), 16 * M);
        CHECK_U64(size_ok("3 G"), 3 * G);
}

TEST(parse_size_fractions) {
        CHECK_U64(size_ok("1.5G"), G + G / 2);
        CHECK_U64(size_ok("0.5K"), 512);
        CHECK_U64(size_ok("1.25M"), M + M / 4);
        /* truncated to whole bytes, not rounded up */
        CHECK_U64(size_ok("0.001K"), 1);
        CHECK_U64(size_ok("0.0001K"), 0);
        /* many digits do not overflow the fraction */
        CHECK_U64(size_ok("1.99999999999999999999999999G"), 2 * G - 1);
}

TEST(parse_size_infinity) {
        CHECK_U64(size_ok("infinity"), SIZE_INFINITY);
        CHECK_U64(size_ok(" infinity "), SIZE_INFINITY);
        size_fails("Infinity", -EINVAL);
        size_fails("inf", -EINVAL);
        size_fails("infinityB", -EINVAL);
}

TEST(parse_size_rejects_junk) {
        size_fails("", -EINVAL);
        size_fails("   ", -EINVAL);
        size_fails("-1", -EINVAL);
        size_fails("-0", -EINVAL);
        size_fails("+1", -EINVAL);
        size_fails("1X", -EINVAL);
        size_fails("1k", -EINVAL);
        size_fails("1GG", -EINVAL);
        size_fails("1iB", -EINVAL);
        size_fails("0x10", -EINVAL);
        size_fails("1e3", -EINVAL);
        size_fails("1.", -EINVAL);
        size_fails(".5G", -EINVAL);
        size_fails("1.5", -EINVAL);
        size_fails("1.5B", -EINVAL);
        size_fails("1 2", -EINVAL);
        size_fails("1G foo", -EINVAL);
        size_fails("12\xff", -EINVAL);
        CHECK_INT(parse_size(NULL, &(uint64_t){ 0 }), -EINVAL);
}

TEST(parse_size_overflow) {
        size_fails("16E", -ERANGE);
        size_fails("16384P", -ERANGE);
        size_fails("18446744073709551616", -ERANGE);
        size_fails("99999999999999999999999", -ERANGE);
        size_fails("17179869184G", -ERANGE);
        /* a number must never come back as "infinity" */
        size_fails("18446744073709551615", -ERANGE);
        size_fails("16.0E", -ERANGE);
        /* the fraction keeps 18 digits: just below 16E, not infinity */
        CHECK_U64(size_ok("15.99999999999999999999E"), UINT64_MAX - 1);
}

static void bytes_is(uint64_t v, const char *want) {
        char buf[FORMAT_BYTES_MAX];

        CHECK_STR(format_bytes(buf, sizeof(buf), v), want);
}

TEST(format_bytes_values) {
        bytes_is(0, "0B");
        bytes_is(1, "1B");
        bytes_is(512, "512B");
        bytes_is(1023, "1023B");
        bytes_is(K, "1.0K");
        bytes_is(K + 512, "1.5K");
        bytes_is(80 * M, "80.0M");
        bytes_is(G + G / 2, "1.5G");
        /* truncated: 1.99G is shown as 1.9G, never as 2.0G */
        bytes_is(2 * G - 1, "1.9G");
        bytes_is(1023 * M + M - 1, "1023.9M");
        bytes_is(2 * T, "2.0T");
        bytes_is(UINT64_MAX - 1, "15.9E");
        bytes_is(SIZE_INFINITY, "infinity");
}

TEST(format_bytes_small_buffer) {
        char buf[4];

        /* never overflows, always terminated */
        CHECK_STR(format_bytes(buf, sizeof(buf), 80 * M), "80.");
        CHECK(format_bytes(NULL, 0, 1) == NULL);
}

TEST(format_u64_values) {
        char buf[24], small[3];

        CHECK_STR(format_u64(buf, sizeof buf, 0), "0");
        CHECK_STR(format_u64(buf, sizeof buf, 42), "42");
        CHECK_STR(format_u64(buf, sizeof buf, UINT64_MAX), "18446744073709551615");
        /* cut as snprintf() would */
        CHECK_STR(format_u64(small, sizeof small, 12345), "12");
        CHECK(format_u64(NULL, 0, 1) == NULL);
}

TEST(format_parse_roundtrip) {
        static const uint64_t values[] = { 0, 1, 1000, K, 3 * M, 7 * G, 2 * T };
        char buf[FORMAT_BYTES_MAX];

        /* what cgctl shows can be pasted into cgpersist.conf */
        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                CHECK_U64(size_ok(format_bytes(buf, sizeof(buf), values[i])), values[i]);
}

static uint64_t duration_ok(const char *s) {
        uint64_t v = 777;
        int r = parse_duration_usec(s, &v);

        if (r != 0)
                CHECK_FAIL("parse_duration_usec(\"%s\") = %d, expected success", s, r);
        return v;
}

static void duration_fails(const char *s, int expected) {
        uint64_t v = 777;
        int r = parse_duration_usec(s, &v);

        if (r != expected)
                CHECK_FAIL("parse_duration_usec(\"%s\") = %d, expected %d", s, r, expected);
        CHECK_U64(v, 777);
}

TEST(parse_duration_units) {
        CHECK_U64(duration_ok("30"), 30000000);
        CHECK_U64(duration_ok("0"), 0);
        CHECK_U64(duration_ok("500ms"), 500000);
        CHECK_U64(duration_ok("2s"), 2000000);
        CHECK_U64(duration_ok("2 s"), 2000000);
        CHECK_U64(duration_ok("1min"), 60000000);
        CHECK_U64(duration_ok("1m"), 60000000);
        CHECK_U64(duration_ok("1h"), UINT64_C(3600000000));
        CHECK_U64(duration_ok("1d"), UINT64_C(86400000000));
        CHECK_U64(duration_ok("250us"), 250);
        CHECK_U64(duration_ok("250usec"), 250);
        CHECK_U64(duration_ok("3msec"), 3000);
        CHECK_U64(duration_ok("5sec"), 5000000);
        CHECK_U64(duration_ok("2minutes"), 120000000);
        CHECK_U64(duration_ok("1.5s"), 1500000);
        CHECK_U64(duration_ok("1.5"), 1500000);
        CHECK_U64(duration_ok("1min 30s"), 90000000);
        CHECK_U64(duration_ok("1min30s"), 90000000);
        CHECK_U64(duration_ok(" 2s "), 2000000);
}

TEST(parse_duration_rejects) {
        duration_fails("", -EINVAL);
        duration_fails("s", -EINVAL);
        duration_fails("-1s", -EINVAL);
        duration_fails("2x", -EINVAL);
        duration_fails("2sx", -EINVAL);
        duration_fails("1 2", -EINVAL);
        duration_fails("1s 2", -EINVAL);
        duration_fails("infinity", -EINVAL);
        duration_fails("2S", -EINVAL);
        duration_fails("99999999999999999999s", -ERANGE);
        duration_fails("300000000d", -ERANGE);
        duration_fails("200000000d 200000000d", -ERANGE);
}

TEST(format_duration_roundtrip) {
        static const struct {
                uint64_t usec;
                const char *text;
        } cases[] = {
                { 0, "0" },
                { 1, "1us" },
                { 1500, "1500us" },
                { 500000, "500ms" },
                { 1500000, "1500ms" },
                { 2000000, "2s" },
                { 90000000, "90s" },
                { 120000000, "2min" },
                { UINT64_C(7200000000), "2h" },
                { UINT64_C(172800000000), "2d" },
        };
        char buf[FORMAT_DURATION_MAX];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CHECK_STR(format_duration(buf, sizeof(buf), cases[i].usec), cases[i].text);
                CHECK_U64(duration_ok(buf), cases[i].usec);
        }
}
