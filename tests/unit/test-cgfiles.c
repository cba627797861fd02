/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>

#include "cgfiles.h"
#include "macro.h"
#include "tests.h"

#define WEB "system.slice/system-web.slice"

static char *fixture(void) {
        char *t = test_tmpdir();

        test_write(t, WEB "/memory.current", "84000768\n");
        test_write(t, WEB "/cgroup.stat",
                   "nr_descendants 2\nnr_dying_descendants 5\nnr_dying_subsys_memory 4\n");
        test_write(t, WEB "/web.service/memory.current", "8388608\n");
        test_write(t, WEB "/bad/memory.current", "12abc\n");
        test_write(t, WEB "/bad/cgroup.stat", "nr_dying_descendants 1\n");
        return t;
}

static CgroupFs *fixture_fs(const char *root) {
        CgroupFs *fs = NULL;

        test_cgroup_mount(root);
        if (cgroupfs_new(root, &fs) < 0)
                CHECK_FAIL("cgroupfs_new failed");
        return fs;
}

/* The descriptor the cache keeps for path (its kernel name, "... (deleted)"
 * once unlinked), or -1. */
static int find_fd(const char *path) {
        for (int fd = 3; fd < 1024; fd++) {
                char link[64], target[PATH_MAX];
                ssize_t n;

                snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof target - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                if (strncmp(target, path, strlen(path)) == 0)
                        return fd;
        }
        return -1;
}

/* Makes the kept descriptor of path fail its next read, as kernfs does for
 * the files of a removed cgroup (there with ENODEV, here EISDIR). */
static void poison(const char *root, const char *path) {
        int fd = find_fd(path), dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        CHECK(fd >= 0);
        CHECK(dir >= 0);
        CHECK(dup3(dir, fd, O_CLOEXEC) == fd);
        close(dir);
}

TEST(reads_and_rereads) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st;
        uint64_t v;

        CHECK_INT(cgfiles_new(fs, 16, &c), 0);
        CHECK_INT(cgfiles_read_u64(c, WEB, "memory.current", &v), 0);
        CHECK_U64(v, 84000768);
        CHECK_INT(cgfiles_n_open(c), 1);
        /* A leading "/", as systemd gives ControlGroup=: its own entry. */
        CHECK_INT(cgfiles_read_u64(c, "/" WEB "/web.service", "memory.current", &v), 0);
        CHECK_U64(v, 8388608);
        CHECK_INT(cgfiles_read_cgroup_stat(c, WEB, &st), 0);
        CHECK_U64(st.nr_descendants, 2);
        CHECK_U64(st.nr_dying_descendants, 5);
        CHECK_U64(st.nr_dying_subsys_memory, 4);
        CHECK_INT(cgfiles_n_open(c), 3);

        /* The value changes in the same file: read again, not remembered. */
        test_write(t, WEB "/memory.current", "max\n");
        CHECK_INT(cgfiles_read_u64(c, WEB, "memory.current", &v), 0);
        CHECK_U64(v, UINT64_MAX);
        CHECK_INT(cgfiles_n_open(c), 3);

        cgfiles_free(c);
        cgroupfs_free(fs);
}

TEST(errors) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st;
        uint64_t v;

        CHECK_INT(cgfiles_new(NULL, 16, &c), -EINVAL);
        CHECK_INT(cgfiles_new(fs, 16, &c), 0);
        CHECK_INT(cgfiles_read_u64(c, WEB "/gone.service", "memory.current", &v), -ENOENT);
        CHECK_INT(cgfiles_read_u64(c, WEB "/bad", "memory.current", &v), -EINVAL);
        CHECK_INT(cgfiles_read_cgroup_stat(c, WEB "/bad", &st), -EINVAL);
        CHECK_INT(cgfiles_read_u64(c, WEB "/../..", "memory.current", &v), -EINVAL);
        CHECK_INT(cgfiles_read_u64(c, WEB, "../memory.current", &v), -EINVAL);
        CHECK_INT(cgfiles_read_u64(c, WEB, "", &v), -EINVAL);
        cgfiles_free(c);
        cgroupfs_free(fs);
}

TEST(failed_read_looks_again) {
        char *t = fixture(), path[PATH_MAX];
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        uint64_t v;

        snprintf(path, sizeof path, "%s/%s/web.service/memory.current", t, WEB);
        CHECK_INT(cgfiles_new(fs, 16, &c), 0);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), 0);
        CHECK_U64(v, 8388608);

        /* The cgroup is removed and created again: the kept file fails,
         * the new one is read. */
        CHECK(unlink(path) == 0);
        test_write(t, WEB "/web.service/memory.current", "4096\n");
        poison(t, path);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), 0);
        CHECK_U64(v, 4096);
        CHECK_INT(cgfiles_n_open(c), 1);

        /* Removed for good: missing, never the last value. */
        CHECK(unlink(path) == 0);
        poison(t, path);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), -ENOENT);
        CHECK_INT(cgfiles_n_open(c), 0);

        cgfiles_free(c);
        cgroupfs_free(fs);
}

TEST(bounded_and_swept) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        uint64_t v;

        /* One file kept at most: the others are opened and closed. */
        CHECK_INT(cgfiles_new(fs, 1, &c), 0);
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_u64(c, WEB, "memory.current", &v), 0);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), 0);
        CHECK_U64(v, 8388608);
        CHECK_INT(cgfiles_n_open(c), 1);
        cgfiles_sweep(c);
        CHECK_INT(cgfiles_n_open(c), 1);

        /* The next pass reads only the instance: the slice's file goes. */
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), 0);
        cgfiles_sweep(c);
        CHECK_INT(cgfiles_n_open(c), 0);
        CHECK_INT(cgfiles_read_u64(c, WEB "/web.service", "memory.current", &v), 0);
        CHECK_INT(cgfiles_n_open(c), 1);
        cgfiles_free(c);

        /* Many cgroups: the table grows, every value stays right. */
        CHECK_INT(cgfiles_new(fs, 1000, &c), 0);
        for (unsigned i = 0; i < 300; i++) {
                char rel[64], text[32];

                snprintf(rel, sizeof rel, "many/c%u/memory.current", i);
                snprintf(text, sizeof text, "%u\n", i * 7);
                test_write(t, rel, text);
        }
        for (unsigned round = 0; round < 2; round++) {
                cgfiles_pass_begin(c);
                for (unsigned i = 0; i < 300; i++) {
                        char cg[32];

                        snprintf(cg, sizeof cg, "many/c%u", i);
                        CHECK_INT(cgfiles_read_u64(c, cg, "memory.current", &v), 0);
                        CHECK_U64(v, i * 7);
                }
                cgfiles_sweep(c);
                CHECK_INT(cgfiles_n_open(c), 300);
        }
        cgfiles_pass_begin(c);
        cgfiles_sweep(c);
        CHECK_INT(cgfiles_n_open(c), 0);
        cgfiles_free(c);
        cgroupfs_free(fs);
}

TEST(dying_reused_only_when_none) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st;

        CHECK_INT(cgfiles_new(fs, 100, &c), 0);

        /* Some dying: read every time, so a count that falls is seen. */
        CHECK_INT(cgfiles_read_dying(c, WEB, 1000, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 5);
        CHECK_U64(st.nr_descendants, 2);
        test_write(t, WEB "/cgroup.stat",
                   "nr_descendants 2\nnr_dying_descendants 0\nnr_dying_subsys_memory 0\n");
        CHECK_INT(cgfiles_read_dying(c, WEB, 1001, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 0);
        CHECK_U64(st.nr_descendants, 2);

        /* None: reused (nr_descendants unknown) while younger than the
         * limit, even if the file says otherwise... */
        test_write(t, WEB "/cgroup.stat",
                   "nr_descendants 1\nnr_dying_descendants 3\nnr_dying_subsys_memory 3\n");
        CHECK_INT(cgfiles_read_dying(c, WEB, 1050, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 0);
        CHECK_U64(st.nr_dying_subsys_memory, 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);
        /* ... and read again at the limit. */
        CHECK_INT(cgfiles_read_dying(c, WEB, 1051, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 3);
        CHECK_U64(st.nr_descendants, 1);

        /* Expired by the caller: read again at once. */
        test_write(t, WEB "/cgroup.stat", "nr_descendants 1\nnr_dying_descendants 0\n");
        CHECK_INT(cgfiles_read_dying(c, WEB, 2000, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_subsys_memory, UINT64_MAX);
        test_write(t, WEB "/cgroup.stat", "nr_descendants 0\nnr_dying_descendants 1\n");
        CHECK_INT(cgfiles_read_dying(c, WEB, 2001, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 0);
        CHECK_U64(st.nr_dying_subsys_memory, UINT64_MAX);
        cgfiles_expire(c, WEB);
        cgfiles_expire(c, "no/such/cgroup");
        CHECK_INT(cgfiles_read_dying(c, WEB, 2002, 50, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 1);

        /* A reused value counts as read in the pass: its file stays open. */
        test_write(t, WEB "/cgroup.stat", "nr_descendants 0\nnr_dying_descendants 0\n");
        CHECK_INT(cgfiles_read_dying(c, WEB, 3000, 50, false, &st), 0);
        CHECK_INT(cgfiles_n_open(c), 1);
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 3001, 50, false, &st), 0);
        cgfiles_sweep(c);
        CHECK_INT(cgfiles_n_open(c), 1);

        /* A clock that went back is no reason to reuse; errors are errors. */
        CHECK_INT(cgfiles_read_dying(c, WEB, 10, 50, false, &st), 0);
        CHECK_U64(st.nr_descendants, 0);
        CHECK(cgfiles_read_dying(c, "no/such", 10, 50, false, &st) < 0);
        CHECK_INT(cgfiles_read_dying(NULL, WEB, 10, 50, false, &st), -EINVAL);
        CHECK(cgfiles_read_dying(c, WEB "/bad", 10, 50, false, &st) < 0);

        cgfiles_free(c);
        cgroupfs_free(fs);
}

TEST(dying_reused_while_watched) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st;

        CHECK_INT(cgfiles_new(fs, 100, &c), 0);
        CHECK(cgfiles_watch(c, 100) >= 0);
        test_write(t, WEB "/cgroup.stat", "nr_descendants 1\nnr_dying_descendants 0\n");

        /* Watched: a value of none is reused however old (the age limit 1
         * here), as long as no cgroup is made or removed below. */
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1000, 1, false, &st), 0);
        CHECK_U64(st.nr_descendants, 1);
        CHECK_INT(cgfiles_n_watched(c), 3); /* the slice, web.service, bad */
        test_write(t, WEB "/cgroup.stat", "nr_descendants 1\nnr_dying_descendants 2\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 900000, 1, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);

        /* A cgroup removed below: the next pass reads. */
        test_remove(t, WEB "/bad");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 900001, 1, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 2);

        /* One made below: watched, the value still reused (a cgroup made
         * adds no dying one). */
        test_write(t, WEB "/cgroup.stat", "nr_descendants 1\nnr_dying_descendants 0\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 900002, 1, false, &st), 0);
        CHECK_U64(st.nr_descendants, 1);
        test_write(t, WEB "/cgroup.stat", "nr_descendants 2\nnr_dying_descendants 0\n");
        test_write(t, WEB "/new.service/memory.current", "0\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 900003, 1, false, &st), 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);
        CHECK_INT(cgfiles_n_watched(c), 3); /* the slice, web.service, new.service */

        /* A pass that no longer reads the slice stops watching it. */
        cgfiles_pass_begin(c);
        cgfiles_sweep(c);
        CHECK_INT(cgfiles_n_watched(c), 0);
        cgfiles_free(c);
        cgroupfs_free(fs);
}

/* Counts above zero, reused while the parent says nothing changed below. */
TEST(dying_settled_by_parent) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st, pst;
        bool settled = true;

        test_write(t, "system.slice/cgroup.stat", "nr_descendants 5\nnr_dying_descendants 5\n");
        CHECK_INT(cgfiles_new(fs, 100, &c), 0);
        CHECK(cgfiles_watch(c, 100) >= 0);

        /* The first look at the parent settles nothing. */
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_U64(pst.nr_dying_descendants, 5);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1, 1, settled, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 5);
        CHECK_U64(st.nr_descendants, 2);

        /* Parent as it was, nothing removed: the count of 5 is reused. */
        test_write(t, WEB "/cgroup.stat",
                   "nr_descendants 2\nnr_dying_descendants 4\nnr_dying_subsys_memory 4\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 2, 1, settled, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 5);
        CHECK_U64(st.nr_dying_subsys_memory, 4);
        CHECK_U64(st.nr_descendants, UINT64_MAX);
        /* Not without settled. */
        CHECK_INT(cgfiles_read_dying(c, WEB, 2, 1, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 4);

        /* One freed below: the parent's count falls, every count is read. */
        test_write(t, "system.slice/cgroup.stat", "nr_descendants 5\nnr_dying_descendants 4\n");
        test_write(t, WEB "/cgroup.stat", "nr_descendants 2\nnr_dying_descendants 3\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 3, 1, settled, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 3);
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 4, 1, settled, &st), 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);
        CHECK_U64(st.nr_dying_descendants, 3);

        /* One removed below, its count as it was (another freed at once):
         * not settled. */
        test_remove(t, WEB "/web.service");
        test_write(t, WEB "/cgroup.stat", "nr_descendants 1\nnr_dying_descendants 4\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 5, 1, settled, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 4);
        /* Removed after the parent was read but before the next pass: the
         * parent's look takes the event in. */
        cgfiles_pass_begin(c);
        test_remove(t, WEB "/bad");
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);

        CHECK_INT(cgfiles_dying_settled(c, "no/such", &pst, &settled), -ENOENT);
        CHECK_INT(cgfiles_dying_settled(NULL, "system.slice", &pst, &settled), -EINVAL);
        cgfiles_free(c);
        cgroupfs_free(fs);
}

/* A Delegate=yes instance with cgroups of its own: removals below those go
 * unseen (lib/cgwatch.c does not watch there), so neither a count of none
 * past the age limit nor a parent's settled word is trusted for the trees
 * that hold it, until it has none again. */
TEST(dying_below_delegated_unit) {
        char *t = fixture();
        CgroupFs *fs = fixture_fs(t);
        CgroupFiles *c = NULL;
        CgroupStat st, pst;
        bool settled = true;

        test_write(t, "system.slice/cgroup.stat", "nr_descendants 5\nnr_dying_descendants 3\n");
        test_write(t, WEB "/cgroup.stat", "nr_descendants 3\nnr_dying_descendants 0\n");
        test_mkdir(t, WEB "/web.service/payload");
        test_mkdir(t, WEB "/web.service/payload/deep");
        CHECK_INT(cgfiles_new(fs, 100, &c), 0);
        CHECK(cgfiles_watch(c, 100) >= 0);

        /* None, reused within the age limit only. */
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1000, 10, false, &st), 0);
        CHECK_U64(st.nr_descendants, 3);
        CHECK_INT(cgfiles_n_watched(c), 3); /* the slice, web.service, bad */
        test_write(t, WEB "/cgroup.stat", "nr_descendants 3\nnr_dying_descendants 1\n");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1005, 10, false, &st), 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1011, 10, false, &st), 0);
        CHECK_U64(st.nr_dying_descendants, 1);

        /* The parent never settles while it holds the delegated cgroups. */
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1012, 10, true, &st), 0);
        CHECK_U64(st.nr_descendants, 3); /* read, not reused */

        /* The delegated cgroups gone (the removal right below the unit is
         * seen): settled again from the next look on. */
        test_remove(t, WEB "/web.service/payload/deep");
        test_remove(t, WEB "/web.service/payload");
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(!settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1013, 10, settled, &st), 0);
        CHECK_U64(st.nr_descendants, 3);
        cgfiles_pass_begin(c);
        CHECK_INT(cgfiles_dying_settled(c, "system.slice", &pst, &settled), 0);
        CHECK(settled);
        CHECK_INT(cgfiles_read_dying(c, WEB, 1014, 10, settled, &st), 0);
        CHECK_U64(st.nr_descendants, UINT64_MAX);

        cgfiles_free(c);
        cgroupfs_free(fs);
}
