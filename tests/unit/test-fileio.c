/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

static size_t count_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return (size_t) -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

TEST(read_small) {
        char *t = test_tmpdir(), *p, *buf = NULL;
        size_t sz = 99;

        test_write(t, "f", "hello\n");
        p = path_join(t, "f");
        CHECK_INT(read_full_file(p, 100, &buf, &sz), 0);
        CHECK_STR(buf, "hello\n");
        CHECK_INT(sz, 6);
        free(buf);

        /* Exactly at the cap is fine; one byte under is not. */
        buf = NULL;
        CHECK_INT(read_full_file(p, 6, &buf, NULL), 0);
        CHECK_STR(buf, "hello\n");
        free(buf);
        buf = (char *) "untouched";
        sz = 42;
        CHECK_INT(read_full_file(p, 5, &buf, &sz), -EFBIG);
        CHECK_STR(buf, "untouched");
        CHECK_INT(sz, 42);
        free(p);
}

TEST(read_empty_and_missing) {
        char *t = test_tmpdir(), *p, *buf = NULL;
        size_t sz = 99;

        test_write(t, "empty", "");
        p = path_join(t, "empty");
        CHECK_INT(read_full_file(p, 10, &buf, &sz), 0);
        CHECK_STR(buf, "");
        CHECK_INT(sz, 0);
        free(buf);
        free(p);

        p = path_join(t, "missing");
        CHECK_INT(read_full_file(p, 10, &buf, &sz), -ENOENT);
        free(p);

        CHECK_INT(read_full_file(t, 10, &buf, &sz), -EISDIR);
}

TEST(read_large) {
        char *t = test_tmpdir(), *p, *buf = NULL, *big;
        size_t sz;

        big = malloc(100001);
        CHECK(big);
        memset(big, 'a', 100000);
        big[100000] = 0;
        test_write(t, "big", big);
        p = path_join(t, "big");
        CHECK_INT(read_full_file(p, 1 << 20, &buf, &sz), 0);
        CHECK_INT(sz, 100000);
        CHECK(memcmp(buf, big, 100000) == 0);
        free(buf);
        CHECK_INT(read_full_file(p, 99999, &buf, &sz), -EFBIG);
        free(big);
        free(p);
}

TEST(read_procfs_cap) {
        /* /proc files report st_size 0: the cap must hold while reading. */
        char *buf = NULL;
        size_t sz;

        CHECK_INT(read_full_file("/proc/self/status", 1 << 20, &buf, &sz), 0);
        CHECK(sz > 10);
        CHECK(strstr(buf, "Name:"));
        free(buf);
        CHECK_INT(read_full_file("/proc/self/status", 10, &buf, &sz), -EFBIG);
}

TEST(atomic_write_basic) {
        char *t = test_tmpdir(), *p, *buf = NULL;
        struct stat st;

        p = path_join(t, "state");
        CHECK_INT(write_file_atomic(p, "one\n", 4, 0640), 0);
        CHECK_INT(read_full_file(p, 100, &buf, NULL), 0);
        CHECK_STR(buf, "one\n");
        free(buf);
        CHECK_INT(stat(p, &st), 0);
        CHECK_INT(st.st_mode & 07777, 0640);

        /* Replacing keeps exactly one file: no temp file left behind. */
        CHECK_INT(write_file_atomic(p, "two", 3, 0600), 0);
        CHECK_INT(read_full_file(p, 100, &buf, NULL), 0);
        CHECK_STR(buf, "two");
        free(buf);
        CHECK_INT(stat(p, &st), 0);
        CHECK_INT(st.st_mode & 07777, 0600);
        CHECK_INT(count_entries(t), 1);

        CHECK_INT(write_file_atomic(p, NULL, 0, 0644), 0);
        CHECK_INT(read_full_file(p, 100, &buf, NULL), 0);
        CHECK_STR(buf, "");
        free(buf);
        CHECK_INT(count_entries(t), 1);
        free(p);
}

TEST(atomic_write_failure_leaves_nothing) {
        char *t = test_tmpdir(), *p, *sub;

        /* The target is a non-empty directory: rename() fails after the temp
         * file was written, which must then be removed. */
        test_write(t, "target/inner", "x");
        p = path_join(t, "target");
        CHECK(write_file_atomic(p, "data", 4, 0644) < 0);
        CHECK_INT(count_entries(t), 1);
        free(p);

        /* Missing directory: nothing to create, clean error. */
        sub = path_join(t, "nope", "file");
        CHECK_INT(write_file_atomic(sub, "data", 4, 0644), -ENOENT);
        free(sub);

        CHECK_INT(write_file_atomic("", "x", 1, 0644), -EINVAL);
}

TEST(mkdir_p_nested) {
        char *t = test_tmpdir(), *p, *f;
        struct stat st;

        p = path_join(t, "a", "b", "c");
        CHECK_INT(mkdir_p(p, 0755), 0);
        CHECK_INT(stat(p, &st), 0);
        CHECK(S_ISDIR(st.st_mode));
        /* Idempotent, also with trailing and doubled slashes. */
        CHECK_INT(mkdir_p(p, 0755), 0);
        free(p);
        if (asprintf(&p, "%s//a//b/c/d//", t) < 0)
                CHECK_FAIL("asprintf");
        CHECK_INT(mkdir_p(p, 0700), 0);
        free(p);
        p = path_join(t, "a", "b", "c", "d");
        CHECK_INT(stat(p, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0700);
        free(p);

        CHECK_INT(mkdir_p("/", 0755), 0);

        test_write(t, "file", "x");
        f = path_join(t, "file", "sub");
        CHECK_INT(mkdir_p(f, 0755), -ENOTDIR);
        free(f);
        f = path_join(t, "file");
        CHECK_INT(mkdir_p(f, 0755), -ENOTDIR);
        free(f);
}
