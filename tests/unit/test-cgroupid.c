/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <sys/stat.h>

#include "cgroupid.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

/* The layering of docs/design.md, plus files whose inode must never match. */
static char *fixture(void) {
        char *t = test_tmpdir();

        test_write(t, "cgroup.procs", "");
        test_write(t, "system.slice/cgroup.procs", "");
        test_write(t, "system.slice/system-web.slice/web.service/cgroup.procs", "12\n");
        test_write(t, "system.slice/system-web.slice/cgpersist-keeper@system-web.service/cgroup.procs", "");
        test_write(t, "user.slice/user-1000.slice/session-1.scope/memory.current", "0\n");
        return t;
}

TEST(id_to_path) {
        static const char *const dirs[] = {
                "system.slice",
                "system.slice/system-web.slice",
                "system.slice/system-web.slice/web.service",
                "system.slice/system-web.slice/cgpersist-keeper@system-web.service",
                "user.slice/user-1000.slice/session-1.scope",
        };
        char *t = fixture(), *p = NULL;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                CHECK_INT(cgroup_id_to_path(t, test_ino(t, dirs[i]), &p), 0);
                CHECK_STR(p, dirs[i]);
                free(p);
                p = NULL;
        }

        /* The root cgroup is "". */
        CHECK_INT(cgroup_id_to_path(t, test_ino(t, "."), &p), 0);
        CHECK_STR(p, "");
        free(p);
}

TEST(id_not_found) {
        char *t = fixture(), *p = (char *) "untouched";

        /* A file's inode is no cgroup. */
        CHECK_INT(cgroup_id_to_path(t, test_ino(t, "system.slice/cgroup.procs"), &p), -ENOENT);
        CHECK_INT(cgroup_id_to_path(t, 0, &p), -ENOENT);
        CHECK_INT(cgroup_id_to_path(t, UINT64_MAX, &p), -ENOENT);
        CHECK_STR(p, "untouched");
}

TEST(id_bad_args) {
        char *t = fixture(), *p = NULL, *missing = path_join(t, "nope");

        CHECK_INT(cgroup_id_to_path("", 1, &p), -EINVAL);
        CHECK_INT(cgroup_id_to_path(NULL, 1, &p), -EINVAL);
        CHECK_INT(cgroup_id_to_path(t, 1, NULL), -EINVAL);
        CHECK_INT(cgroup_id_to_path(missing, 1, &p), -ENOENT);
        test_write(t, "afile", "");
        free(missing);
        missing = path_join(t, "afile");
        CHECK_INT(cgroup_id_to_path(missing, 1, &p), -ENOTDIR);
        free(missing);
}

/* A symlink to a directory is not followed: it is no cgroup, and following
 * it could loop. */
TEST(id_symlink) {
        char *t = fixture(), *p = NULL, *link = path_join(t, "system.slice", "loop");

        CHECK_INT(symlink("..", link), 0);
        CHECK_INT(cgroup_id_to_path(t, test_ino(t, "user.slice"), &p), 0);
        CHECK_STR(p, "user.slice");
        free(p);
        free(link);
}
