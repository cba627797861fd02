/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The walk of the cgroup tree (cgroupfs_walk(), cgroupfs_id_to_path(),
 * cgroupfs_children()), through libcgroup on a fixture tree. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

/* The layering of docs/design.md, plus files whose inode must never match. */
static CgroupFs *fixture(char **ret_root) {
        char *t = test_tmpdir();
        CgroupFs *fs = NULL;

        test_write(t, "cgroup.procs", "");
        test_write(t, "system.slice/cgroup.procs", "");
        test_write(t, "system.slice/system-web.slice/web.service/cgroup.procs", "12\n");
        test_write(t, "system.slice/system-web.slice/cgpersist-keeper@system-web.service/cgroup.procs", "");
        test_write(t, "user.slice/user-1000.slice/session-1.scope/memory.current", "0\n");
        test_cgroup_mount(t);
        CHECK_INT(cgroupfs_new(NULL, &fs), 0);
        *ret_root = t;
        return fs;
}

TEST(id_to_path) {
        static const char *const dirs[] = {
                "system.slice",
                "system.slice/system-web.slice",
                "system.slice/system-web.slice/web.service",
                "system.slice/system-web.slice/cgpersist-keeper@system-web.service",
                "user.slice/user-1000.slice/session-1.scope",
        };
        char *t, *p = NULL;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                CHECK_INT(cgroupfs_id_to_path(fs, test_ino(t, dirs[i]), &p), 0);
                CHECK_STR(p, dirs[i]);
                free(p);
                p = NULL;
        }

        /* The root cgroup is "". */
        CHECK_INT(cgroupfs_id_to_path(fs, test_ino(t, "."), &p), 0);
        CHECK_STR(p, "");
        free(p);
}

TEST(id_not_found) {
        char *t, *p = (char *) "untouched";
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);

        /* A file's inode is no cgroup. */
        CHECK_INT(cgroupfs_id_to_path(fs, test_ino(t, "system.slice/cgroup.procs"), &p), -ENOENT);
        CHECK_INT(cgroupfs_id_to_path(fs, 0, &p), -ENOENT);
        CHECK_INT(cgroupfs_id_to_path(fs, UINT64_MAX, &p), -ENOENT);
        CHECK_STR(p, "untouched");
        CHECK_INT(cgroupfs_id_to_path(fs, 1, NULL), -EINVAL);
        CHECK_INT(cgroupfs_id_to_path(NULL, 1, &p), -EINVAL);
}

typedef struct Seen {
        char paths[16][128];
        unsigned depth[16];
        size_t n;
} Seen;

static int record(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        Seen *s = userdata;

        if (s->n >= ELEMENTSOF(s->paths))
                return -E2BIG;
        snprintf(s->paths[s->n], sizeof s->paths[0], "%s", path);
        s->depth[s->n++] = depth;
        return 0;
}

static bool seen(const Seen *s, const char *path, unsigned depth) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->paths[i], path))
                        return s->depth[i] == depth;
        return false;
}

TEST(walk_below) {
        char *t;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);
        Seen s = {};

        /* Parents first, depth counted from the start, files left out. */
        CHECK_INT(cgroupfs_walk(fs, "/system.slice", record, &s), 0);
        CHECK_INT(s.n, 4);
        CHECK_STR(s.paths[0], "system.slice");
        CHECK(seen(&s, "system.slice", 0));
        CHECK(seen(&s, "system.slice/system-web.slice", 1));
        CHECK(seen(&s, "system.slice/system-web.slice/web.service", 2));
        CHECK(seen(&s, "system.slice/system-web.slice/cgpersist-keeper@system-web.service", 2));

        CHECK_INT(cgroupfs_walk(fs, "nope", record, &s), -ENOENT);
        CHECK_INT(cgroupfs_walk(fs, "system.slice/cgroup.procs", record, &s), -ENOTDIR);
        CHECK_INT(cgroupfs_walk(fs, "../etc", record, &s), -EINVAL);
        CHECK_INT(cgroupfs_walk(fs, "", NULL, &s), -EINVAL);
}

static int stop_at_web(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        return strstr(path, "/web.service") ? 7 : 0;
}

TEST(walk_stops) {
        char *t;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);

        CHECK_INT(cgroupfs_walk(fs, "", stop_at_web, NULL), 7);
}

/* A symbolic link is no cgroup (a cgroup2 file system has none): neither it
 * nor what is below it is reported, although libcgroup's fts follows it. */
TEST(walk_symlink) {
        char *t, *outside = test_tmpdir(), *p = NULL;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);
        _cleanup_free_ char *loop = path_join(t, "system.slice", "loop");
        _cleanup_free_ char *away = path_join(t, "user.slice", "away");
        Seen s = {};

        test_write(outside, "inner.slice/cgroup.procs", "");
        CHECK_INT(symlink("..", loop), 0);
        CHECK_INT(symlink(outside, away), 0);
        CHECK_INT(cgroupfs_id_to_path(fs, test_ino(t, "user.slice"), &p), 0);
        CHECK_STR(p, "user.slice");
        free(p);
        CHECK_INT(cgroupfs_id_to_path(fs, test_ino(outside, "inner.slice"), &p), -ENOENT);

        CHECK_INT(cgroupfs_walk(fs, "user.slice", record, &s), 0);
        CHECK_INT(s.n, 3); /* user.slice, user-1000.slice, session-1.scope */
        CHECK(!seen(&s, "user.slice/away", 1));
}

TEST(children) {
        char *t;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = fixture(&t);
        char **l = NULL;

        CHECK_INT(cgroupfs_children(fs, "system.slice/system-web.slice", &l), 0);
        CHECK(l);
        CHECK_STR(l[0], "cgpersist-keeper@system-web.service");
        CHECK_STR(l[1], "web.service");
        CHECK(!l[2]);
        strv_free(l);
        CHECK_INT(cgroupfs_children(fs, "system.slice/system-web.slice/web.service", &l), 0);
        CHECK(!l[0]);
        strv_free(l);
        CHECK_INT(cgroupfs_children(fs, "gone.slice", &l), -ENOENT);
}
