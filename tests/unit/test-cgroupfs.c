/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroupfs.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

/* A fixture tree shaped like the layering of docs/design.md. */
static char *fixture(void) {
        char *t = test_tmpdir();

        test_write(t, "cgroup.stat", "nr_descendants 3\nnr_dying_descendants 0\n");
        test_write(t, "system.slice/system-web.slice/memory.current", "84000768\n");
        test_write(t, "system.slice/system-web.slice/memory.max", "max\n");
        test_write(t, "system.slice/system-web.slice/memory.peak", "90000000\n");
        test_write(t, "system.slice/system-web.slice/cgroup.procs", "");
        test_write(t, "system.slice/system-web.slice/cgroup.stat",
                   "nr_descendants 2\n"
                   "nr_dying_descendants 5\n"
                   "nr_subsys_memory 3\n"
                   "nr_dying_subsys_memory 4\n"
                   "nr_dying_subsys_cpu 0\n");
        test_write(
                t, "system.slice/system-web.slice/memory.stat",
                "anon 8388608\nfile 67108864\nkernel_stack 100\npagetables 200\nslab 300\nshmem 16777216\n");
        test_write(t, "system.slice/system-web.slice/web.service/cgroup.procs", "1234\n1240\n");
        test_write(t, "system.slice/system-web.slice/web.service/cgroup.stat",
                   "nr_descendants 0\nnr_dying_descendants 0\n");
        test_write(t, "system.slice/system-web.slice/web.service/memory.current", "8388608\n");
        test_write(t, "system.slice/system-web.slice/cgpersist-keeper@system-web.service/cgroup.procs",
                   "77\n");
        test_write(t, "system.slice/system-web.slice/zzz.service/cgroup.procs", "");
        test_write(t, "system.slice/system-web.slice/aaa.service/cgroup.procs", "");
        test_write(t, "system.slice/system-web.slice/bad/memory.current", "12abc\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.high", "\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.low", " 5\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.min", "5\n\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.peak", "99999999999999999999\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.swap.max", "MAX\n");
        test_write(t, "system.slice/system-web.slice/bad/memory.stat", "anon 1\nfile x\n");
        test_write(t, "system.slice/system-web.slice/bad/cgroup.stat", "nr_dying_descendants 1\n");
        test_write(t, "system.slice/system-web.slice/bad/cgroup.procs", "\n");
        return t;
}

static CgroupFs *fixture_fs(const char *root) {
        CgroupFs *fs = NULL;

        test_cgroup_mount(root);
        if (cgroupfs_new(root, &fs) < 0)
                CHECK_FAIL("cgroupfs_new failed");
        return fs;
}

TEST(new_and_root) {
        char *t = test_tmpdir(), *other = test_tmpdir(), *withslash;
        CgroupFs *fs = NULL;

        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new("relative", &fs), -EINVAL);
        CHECK(!fs);

        /* The root is libcgroup's mount, given or not. */
        CHECK_INT(cgroupfs_new(NULL, &fs), 0);
        CHECK_STR(cgroupfs_root(fs), t);
        CHECK(!cgroupfs_free(fs));
        CHECK(!cgroupfs_free(NULL));
        if (asprintf(&withslash, "%s///", t) < 0)
                CHECK_FAIL("asprintf");
        CHECK_INT(cgroupfs_new(withslash, &fs), 0);
        CHECK_STR(cgroupfs_root(fs), t);
        cgroupfs_free(fs);
        free(withslash);
        fs = NULL;

        /* Another directory is refused. */
        CHECK_INT(cgroupfs_new(other, &fs), -EXDEV);
        CHECK(!fs);
}

TEST(new_needs_memory) {
        /* A cgroup v2 tree without the memory controller: libcgroup has
         * no mount for it. */
        char *t = test_tmpdir();
        CgroupFs *fs = NULL;

        test_write(t, "cgroup.controllers", "cpu io pids\n");
        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new(NULL, &fs), -ENXIO);
        test_write(t, "cgroup.controllers", "nomemory memoryx\n");
        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new(NULL, &fs), -ENXIO);
        test_write(t, "cgroup.controllers", "cpu memory\n");
        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new(NULL, &fs), 0);
        cgroupfs_free(fs);
}

TEST(errors_told_to_administrators) {
        /* The errors of cgroupfs_new() each say what is wrong with the
         * host, the same in every program; the others are strerror(). */
        CHECK(strstr(cgroupfs_strerror(-ENXIO), "no mount of the memory controller"));
        CHECK(strstr(cgroupfs_strerror(-EMEDIUMTYPE), "not on cgroup v2"));
        CHECK(strstr(cgroupfs_strerror(-EXDEV), "not the mount libcgroup found"));
        CHECK_STR(cgroupfs_strerror(-ENOENT), strerror(ENOENT));
}

TEST(path_too_long_for_libcgroup) {
        /* libcgroup cuts paths at FILENAME_MAX: refused before that. */
        char *t = test_tmpdir();
        CgroupFs *fs = NULL;
        char *longp = malloc(5000);
        uint64_t v;

        CHECK(longp);
        for (size_t i = 0; i < 4999; i++)
                longp[i] = i % 200 == 199 ? '/' : 'a';
        longp[4999] = 0;
        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new(NULL, &fs), 0);
        CHECK_INT(cgroupfs_read_u64(fs, longp, "memory.current", &v), -ENAMETOOLONG);
        cgroupfs_free(fs);
        free(longp);
}

TEST(path_building) {
        char *t = fixture(), *p = NULL, *want;
        CgroupFs *fs = fixture_fs(t);

        want = path_join(t, "system.slice", "web.service", "memory.current");
        CHECK_INT(cgroupfs_path(fs, "system.slice/web.service", "memory.current", &p), 0);
        CHECK_STR(p, want);
        free(p);
        CHECK_INT(cgroupfs_path(fs, "/system.slice/web.service", "memory.current", &p), 0);
        CHECK_STR(p, want);
        free(p);
        CHECK_INT(cgroupfs_path(fs, "//system.slice//./web.service/", "memory.current", &p), 0);
        CHECK_STR(p, want);
        free(p);
        free(want);

        CHECK_INT(cgroupfs_path(fs, "/", "cgroup.stat", &p), 0);
        want = path_join(t, "cgroup.stat");
        CHECK_STR(p, want);
        free(p);
        free(want);

        CHECK_INT(cgroupfs_path(fs, "", NULL, &p), 0);
        CHECK_STR(p, t);
        free(p);
        CHECK_INT(cgroupfs_path(fs, NULL, "", &p), 0);
        CHECK_STR(p, t);
        free(p);

        /* Names with odd bytes are fine: systemd escapes, we do not judge. */
        CHECK_INT(cgroupfs_path(fs, "system.slice/a\\x2db.service", NULL, &p), 0);
        free(p);
        cgroupfs_free(fs);
}

TEST(path_escape) {
        char *t = fixture(), *p = (char *) "untouched";
        CgroupFs *fs = fixture_fs(t);

        CHECK_INT(cgroupfs_path(fs, "../../etc", "passwd", &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "/../../etc", NULL, &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice/../../..", NULL, &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice/..", NULL, &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "..", NULL, &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "a/../b", NULL, &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice", "../../etc/passwd", &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice", "..", &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice", ".", &p), -EINVAL);
        CHECK_INT(cgroupfs_path(fs, "system.slice", "a/b", &p), -EINVAL);
        CHECK_STR(p, "untouched");

        /* "..." and "..x" are names, not parents. */
        CHECK_INT(cgroupfs_path(fs, "system.slice/...", NULL, &p), 0);
        free(p);
        CHECK_INT(cgroupfs_path(fs, "..x/x..", NULL, &p), 0);
        free(p);

        /* Every reading entry point refuses, too. */
        uint64_t v;
        MemStat m;
        CgroupStat cs;
        char **l;
        CHECK_INT(cgroupfs_read_u64(fs, "../../etc", "passwd", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_memstat(fs, "../..", &m), -EINVAL);
        CHECK_INT(cgroupfs_read_cgroup_stat(fs, "..", &cs), -EINVAL);
        CHECK_INT(cgroupfs_children(fs, "../", &l), -EINVAL);
        CHECK_INT(cgroupfs_id(fs, "..", &v), -EINVAL);
        CHECK_INT(cgroupfs_is_empty(fs, "../x"), -EINVAL);
        CHECK(!cgroupfs_exists(fs, ".."));
        cgroupfs_free(fs);
}

TEST(path_too_long) {
        char *t = fixture(), *p = NULL, *longname;
        CgroupFs *fs = fixture_fs(t);

        longname = malloc(300);
        CHECK(longname);
        memset(longname, 'a', 256);
        longname[256] = 0;
        CHECK_INT(cgroupfs_path(fs, longname, NULL, &p), -ENAMETOOLONG);
        free(longname);
        cgroupfs_free(fs);
}

TEST(exists_and_id) {
        char *t = fixture(), *dir;
        CgroupFs *fs = fixture_fs(t);
        struct stat st;
        uint64_t id = 42;

        CHECK(cgroupfs_exists(fs, "system.slice/system-web.slice"));
        CHECK(cgroupfs_exists(fs, "/"));
        CHECK(!cgroupfs_exists(fs, "system.slice/nope.slice"));
        /* A file is not a cgroup. */
        CHECK(!cgroupfs_exists(fs, "system.slice/system-web.slice/memory.current"));

        CHECK_INT(cgroupfs_id(fs, "system.slice/system-web.slice/web.service", &id), 0);
        dir = path_join(t, "system.slice/system-web.slice/web.service");
        CHECK_INT(stat(dir, &st), 0);
        CHECK_U64(id, st.st_ino);
        free(dir);

        id = 42;
        CHECK_INT(cgroupfs_id(fs, "system.slice/gone.service", &id), -ENOENT);
        CHECK_INT(cgroupfs_id(fs, "system.slice/system-web.slice/memory.current", &id), -ENOTDIR);
        CHECK_U64(id, 42);
        cgroupfs_free(fs);
}

TEST(read_u64) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        const char *web = "system.slice/system-web.slice";
        const char *bad = "system.slice/system-web.slice/bad";
        uint64_t v = 0;

        CHECK_INT(cgroupfs_read_u64(fs, web, "memory.current", &v), 0);
        CHECK_U64(v, 84000768);
        CHECK_INT(cgroupfs_read_u64(fs, web, "memory.max", &v), 0);
        CHECK_U64(v, UINT64_MAX);
        CHECK_INT(cgroupfs_read_u64(fs, "/system.slice/system-web.slice/web.service", "memory.current", &v),
                  0);
        CHECK_U64(v, 8388608);

        v = 4242;
        CHECK_INT(cgroupfs_read_u64(fs, web, "memory.swap.current", &v), -ENOENT);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.current", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.high", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.low", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.min", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.peak", &v), -ERANGE);
        CHECK_INT(cgroupfs_read_u64(fs, bad, "memory.swap.max", &v), -EINVAL);
        CHECK_INT(cgroupfs_read_u64(fs, web, NULL, &v), -EINVAL);
        CHECK_U64(v, 4242);
        cgroupfs_free(fs);
}

TEST(read_memstat) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        MemStat m = {};

        CHECK_INT(cgroupfs_read_memstat(fs, "system.slice/system-web.slice", &m), 0);
        CHECK_U64(m.anon, 8388608);
        CHECK_U64(m.file, 67108864);
        CHECK_U64(m.shmem, 16777216);
        CHECK_U64(m.kernel, 600); /* no "kernel" key: derived */

        m.anon = 1;
        CHECK_INT(cgroupfs_read_memstat(fs, "system.slice/system-web.slice/bad", &m), -EINVAL);
        CHECK_INT(cgroupfs_read_memstat(fs, "system.slice/system-web.slice/web.service", &m), -ENOENT);
        CHECK_U64(m.anon, 1);
        cgroupfs_free(fs);
}

TEST(read_cgroup_stat) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupStat s;

        /* 6.12-style: nr_dying_subsys_memory present. */
        CHECK_INT(cgroupfs_read_cgroup_stat(fs, "system.slice/system-web.slice", &s), 0);
        CHECK_U64(s.nr_descendants, 2);
        CHECK_U64(s.nr_dying_descendants, 5);
        CHECK_U64(s.nr_dying_subsys_memory, 4);

        /* 6.1-style: absent, reported as UINT64_MAX. */
        CHECK_INT(cgroupfs_read_cgroup_stat(fs, "/", &s), 0);
        CHECK_U64(s.nr_descendants, 3);
        CHECK_U64(s.nr_dying_descendants, 0);
        CHECK_U64(s.nr_dying_subsys_memory, UINT64_MAX);

        s.nr_descendants = 99;
        CHECK_INT(cgroupfs_read_cgroup_stat(fs, "system.slice/system-web.slice/bad", &s), -EINVAL);
        CHECK_INT(cgroupfs_read_cgroup_stat(fs, "system.slice/nope", &s), -ENOENT);
        CHECK_U64(s.nr_descendants, 99);
        cgroupfs_free(fs);
}

TEST(children) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        char **l = NULL;

        CHECK_INT(cgroupfs_children(fs, "system.slice/system-web.slice", &l), 0);
        CHECK(l);
        /* Sorted, directories only (no memory.current, cgroup.procs...). */
        CHECK_STR(l[0], "aaa.service");
        CHECK_STR(l[1], "bad");
        CHECK_STR(l[2], "cgpersist-keeper@system-web.service");
        CHECK_STR(l[3], "web.service");
        CHECK_STR(l[4], "zzz.service");
        CHECK(!l[5]);
        strv_free(l);

        CHECK_INT(cgroupfs_children(fs, "system.slice/system-web.slice/web.service", &l), 0);
        CHECK(l && !l[0]);
        strv_free(l);

        CHECK_INT(cgroupfs_children(fs, "/", &l), 0);
        CHECK_STR(l[0], "system.slice");
        CHECK(!l[1]);
        strv_free(l);

        l = (char **) 0x1;
        CHECK_INT(cgroupfs_children(fs, "nope.slice", &l), -ENOENT);
        CHECK_INT(cgroupfs_children(fs, "system.slice/system-web.slice/memory.current", &l), -ENOTDIR);
        CHECK(l == (char **) 0x1);
        strv_free(NULL);
        cgroupfs_free(fs);
}

TEST(is_empty) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);

        CHECK_INT(cgroupfs_is_empty(fs, "system.slice/system-web.slice"), 1);
        CHECK_INT(cgroupfs_is_empty(fs, "system.slice/system-web.slice/bad"), 1);
        CHECK_INT(cgroupfs_is_empty(fs, "system.slice/system-web.slice/web.service"), 0);
        CHECK_INT(cgroupfs_is_empty(fs, "system.slice/system-web.slice/cgpersist-keeper@system-web.service"),
                  0);
        CHECK_INT(cgroupfs_is_empty(fs, "system.slice/gone.service"), -ENOENT);
        cgroupfs_free(fs);
}
