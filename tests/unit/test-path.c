/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "macro.h"
#include "path.h"
#include "tests.h"

static void check_join(char *got, const char *want) {
        if (!got)
                CHECK_FAIL("path_join returned NULL, expected \"%s\"", want);
        if (!streq(got, want)) {
                printf("#   got \"%s\", expected \"%s\"\n", got, want);
                free(got);
                CHECK_FAIL("path_join mismatch");
        }
        free(got);
}

TEST(path_join_basic) {
        check_join(path_join("/sys/fs/cgroup", "system.slice", "memory.current"),
                   "/sys/fs/cgroup/system.slice/memory.current");
        check_join(path_join("a"), "a");
        check_join(path_join("/"), "/");
        check_join(path_join("/", "x"), "/x");
        check_join(path_join("a", "b"), "a/b");
}

TEST(path_join_slashes) {
        check_join(path_join("/a/", "/b"), "/a/b");
        check_join(path_join("/a//", "//b//", "c"), "/a/b/c");
        check_join(path_join("/", "/", "x"), "/x");
        check_join(path_join("a", "/"), "a");
        check_join(path_join("//", "x"), "/x");
        /* Inner duplicate slashes of a component are not ours to touch. */
        check_join(path_join("a//b", "c"), "a//b/c");
}

TEST(path_join_empty) {
        check_join(path_join("", "a"), "a");
        check_join(path_join("a", "", "b"), "a/b");
        check_join(path_join("/root", "", ""), "/root");
        check_join(path_join(""), "");
        check_join(path_join("", "/abs"), "/abs");
}

TEST(filename_safe) {
        CHECK(filename_is_safe("web.service"));
        CHECK(filename_is_safe("foo@a b.service"));
        CHECK(filename_is_safe("caf\xc3\xa9"));
        CHECK(filename_is_safe("..."));
        CHECK(!filename_is_safe(NULL));
        CHECK(!filename_is_safe(""));
        CHECK(!filename_is_safe("."));
        CHECK(!filename_is_safe(".."));
        CHECK(!filename_is_safe("a/b"));
        CHECK(!filename_is_safe("/"));
        CHECK(!filename_is_safe("a\nb"));
        CHECK(!filename_is_safe("\xff"));

        char buf[300];
        memset(buf, 'x', 255);
        buf[255] = 0;
        CHECK(filename_is_safe(buf));
        buf[255] = 'x';
        buf[256] = 0;
        CHECK(!filename_is_safe(buf));
}

TEST(utf8_valid) {
        CHECK(string_is_safe_utf8(""));
        CHECK(string_is_safe_utf8("plain ascii ~"));
        CHECK(string_is_safe_utf8("\xc2\xa0")); /* U+00A0 */
        CHECK(string_is_safe_utf8("\xe2\x82\xac")); /* U+20AC */
        CHECK(string_is_safe_utf8("\xed\x9f\xbf")); /* U+D7FF */
        CHECK(string_is_safe_utf8("\xee\x80\x80")); /* U+E000 */
        CHECK(string_is_safe_utf8("\xf0\x9f\x98\x80")); /* U+1F600 */
        CHECK(string_is_safe_utf8("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
}

TEST(utf8_overlong) {
        CHECK(!string_is_safe_utf8("\xc0\xaf")); /* '/' in 2 bytes */
        CHECK(!string_is_safe_utf8("\xc1\xbf"));
        CHECK(!string_is_safe_utf8("\xe0\x80\xaf")); /* '/' in 3 bytes */
        CHECK(!string_is_safe_utf8("\xe0\x9f\xbf")); /* U+07FF in 3 */
        CHECK(!string_is_safe_utf8("\xf0\x80\x80\xaf")); /* '/' in 4 bytes */
        CHECK(!string_is_safe_utf8("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 */
        CHECK(!string_is_safe_utf8("\xc0\x80")); /* modified-UTF-8 NUL */
}

TEST(utf8_surrogates_and_range) {
        CHECK(!string_is_safe_utf8("\xed\xa0\x80")); /* U+D800 */
        CHECK(!string_is_safe_utf8("\xed\xbf\xbf")); /* U+DFFF */
        CHECK(!string_is_safe_utf8("\xf4\x90\x80\x80")); /* U+110000 */
        CHECK(!string_is_safe_utf8("\xf8\x88\x80\x80\x80")); /* 5-byte form */
        CHECK(!string_is_safe_utf8("\xfe"));
        CHECK(!string_is_safe_utf8("\x80")); /* lone continuation */
}

TEST(utf8_truncated) {
        CHECK(!string_is_safe_utf8("\xc3"));
        CHECK(!string_is_safe_utf8("a\xe2\x82"));
        CHECK(!string_is_safe_utf8("\xf0\x9f\x98"));
        CHECK(!string_is_safe_utf8("\xe2"
                                   "a"
                                   "\xac"));
}

TEST(utf8_control) {
        CHECK(!string_is_safe_utf8("a\tb"));
        CHECK(!string_is_safe_utf8("\n"));
        CHECK(!string_is_safe_utf8("\x1b[31m"));
        CHECK(!string_is_safe_utf8("\x7f"));
        CHECK(!string_is_safe_utf8("\xc2\x85")); /* U+0085 NEL */
        CHECK(!string_is_safe_utf8("\xc2\x9b")); /* U+009B CSI */
        CHECK(!string_is_safe_utf8(NULL));
}

TEST(escape_control) {
        _cleanup_free_ char *a = string_escape_control("/srv/a\nb\\c\x7f\x1b[2Jé");

        CHECK_STR(a, "/srv/a\\x0ab\\x5cc\\x7f\\x1b[2Jé");
}
