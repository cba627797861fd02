/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "cgwatch.h"
#include "macro.h"
#include "tests.h"

/* What cgwatch_process() reported, as "root" or "root!" (gone), joined by
 * spaces. */
typedef struct Seen {
        char text[512];
} Seen;

static void on_changed(const char *root, bool gone, void *userdata) {
        Seen *s = userdata;
        size_t len = strlen(s->text);

        snprintf(s->text + len, sizeof s->text - len, "%s%s%s", len ? " " : "", root ?: "*",
                 gone ? "!" : "");
}

static const char *process(CgroupWatch *w, Seen *s) {
        *s = (Seen){};
        CHECK(cgwatch_process(w, on_changed, s) >= 0);
        return s->text;
}

static CgroupFs *fixture_fs(const char *root) {
        CgroupFs *fs = NULL;

        test_cgroup_mount(root);
        if (cgroupfs_new(root, &fs) < 0)
                CHECK_FAIL("cgroupfs_new failed");
        return fs;
}

TEST(made_and_removed_below) {
        char *t = test_tmpdir();
        CgroupFs *fs = fixture_fs(t);
        CgroupWatch *w = NULL;
        Seen s;

        test_mkdir(t, "a");
        test_mkdir(t, "a/x");
        test_mkdir(t, "b");
        test_write(t, "a/memory.current", "0\n");
        CHECK_INT(cgwatch_new(fs, 100, &w), 0);
        CHECK(cgwatch_fd(w) >= 0);
        CHECK_INT(cgwatch_add(w, "a"), 0);
        CHECK_INT(cgwatch_add(w, "b"), 0);
        CHECK_INT(cgwatch_n_watches(w), 3);
        CHECK_STR(process(w, &s), "");

        /* Made below a root, then below that: watched, not reported (a
         * cgroup made changes no dying count). Files are not cgroups. */
        test_mkdir(t, "a/y");
        CHECK_STR(process(w, &s), "");
        test_mkdir(t, "a/y/z");
        test_write(t, "a/y/memory.current", "0\n");
        CHECK_STR(process(w, &s), "");
        CHECK_INT(cgwatch_n_watches(w), 5);
        /* Removed, deep or not; the other root is not told. */
        test_remove(t, "a/y/z");
        CHECK_STR(process(w, &s), "a");
        CHECK_INT(cgwatch_n_watches(w), 4);
        test_remove(t, "a/x");
        CHECK_STR(process(w, &s), "a");
        test_mkdir(t, "b/q");
        CHECK_STR(process(w, &s), "");

        /* Adding again starts afresh, with no duplicate watches. */
        CHECK_INT(cgwatch_add(w, "a"), 0);
        CHECK_INT(cgwatch_n_watches(w), 4);
        CHECK_STR(process(w, &s), "");

        /* Not watched any more: not reported. */
        cgwatch_remove(w, "b");
        CHECK_INT(cgwatch_n_watches(w), 2);
        test_remove(t, "b/q");
        CHECK_STR(process(w, &s), "");

        /* The root itself removed: gone, and nothing left of it. */
        test_remove(t, "a/y");
        test_remove(t, "a");
        CHECK_STR(process(w, &s), "a a!");
        CHECK_INT(cgwatch_n_watches(w), 0);

        cgwatch_free(w);
        cgroupfs_free(fs);
}

TEST(limits_and_errors) {
        char *t = test_tmpdir();
        CgroupFs *fs = fixture_fs(t);
        CgroupWatch *w = NULL;
        Seen s;

        test_mkdir(t, "a");
        test_mkdir(t, "a/x");
        test_mkdir(t, "a/x/y");
        CHECK_INT(cgwatch_new(fs, 2, &w), 0);
        /* Three directories, room for two: none of them watched. */
        CHECK_INT(cgwatch_add(w, "a"), -ENOSPC);
        CHECK_INT(cgwatch_n_watches(w), 0);
        CHECK_INT(cgwatch_add(w, "a/x"), 0);
        CHECK_INT(cgwatch_n_watches(w), 2);
        /* A directory made where there is no room: the root is given up
         * and said to be gone. */
        test_mkdir(t, "a/x/y2");
        CHECK_STR(process(w, &s), "a/x!");
        CHECK_INT(cgwatch_n_watches(w), 0);

        CHECK_INT(cgwatch_add(w, "missing"), -ENOENT);
        test_write(t, "file", "x\n");
        CHECK_INT(cgwatch_add(w, "file"), -ENOENT);
        CHECK(cgwatch_add(w, "../etc") < 0);
        CHECK_INT(cgwatch_add(NULL, "a"), -EINVAL);
        CHECK_INT(cgwatch_process(w, NULL, NULL), -EINVAL);
        CHECK_INT(cgwatch_n_watches(w), 0);
        cgwatch_free(w);
        cgroupfs_free(fs);
}

/* Entity slices may nest (system-a.slice/system-a-b.slice): each root is
 * told of what happens in its tree, and each keeps its watches when the
 * other goes. */
TEST(nested_roots) {
        char *t = test_tmpdir();
        CgroupFs *fs = fixture_fs(t);
        CgroupWatch *w = NULL;
        Seen s;

        test_mkdir(t, "a");
        test_mkdir(t, "a/b");
        test_mkdir(t, "a/b/x");
        CHECK_INT(cgwatch_new(fs, 100, &w), 0);
        CHECK_INT(cgwatch_add(w, "a"), 0);
        CHECK_INT(cgwatch_add(w, "a/b"), 0);
        CHECK_INT(cgwatch_n_watches(w), 3);
        test_mkdir(t, "a/b/y");
        test_mkdir(t, "a/b/y/deep");
        test_mkdir(t, "a/z");
        CHECK_STR(process(w, &s), "");
        test_remove(t, "a/b/y/deep");
        CHECK_STR(process(w, &s), "a a/b");

        /* Without the outer root, the inner one still sees its tree. */
        cgwatch_remove(w, "a");
        CHECK_INT(cgwatch_n_watches(w), 3); /* a/b, a/b/x, a/b/y */
        test_remove(t, "a/b/x");
        CHECK_STR(process(w, &s), "a/b");
        test_remove(t, "a/z");
        CHECK_STR(process(w, &s), "");

        /* And the other way round. */
        CHECK_INT(cgwatch_add(w, "a"), 0);
        cgwatch_remove(w, "a/b");
        CHECK_INT(cgwatch_n_watches(w), 3); /* a, a/b, a/b/y */
        test_remove(t, "a/b/y");
        CHECK_STR(process(w, &s), "a");
        test_remove(t, "a/b");
        CHECK_STR(process(w, &s), "a");
        CHECK_INT(cgwatch_n_watches(w), 1);
        cgwatch_free(w);
        cgroupfs_free(fs);
}

/* Below a unit's cgroup (Delegate=yes): counted, never watched. */
TEST(units_not_walked_into) {
        char *t = test_tmpdir();
        CgroupFs *fs = fixture_fs(t);
        CgroupWatch *w = NULL;
        Seen s;

        test_mkdir(t, "p.slice");
        test_mkdir(t, "p.slice/e.slice");
        test_mkdir(t, "p.slice/e.slice/web.service");
        test_mkdir(t, "p.slice/box.service");
        test_mkdir(t, "p.slice/box.service/payload");
        test_mkdir(t, "p.slice/box.service/payload/deep");
        CHECK_INT(cgwatch_new(fs, 100, &w), 0);
        CHECK_INT(cgwatch_add(w, "p.slice"), 0);
        CHECK_INT(cgwatch_add(w, "p.slice/e.slice"), 0);
        /* p.slice, e.slice, web.service, box.service */
        CHECK_INT(cgwatch_n_watches(w), 4);
        CHECK(!cgwatch_complete(w, "p.slice"));
        CHECK(cgwatch_complete(w, "p.slice/e.slice"));
        CHECK(!cgwatch_complete(w, "p.slice/nope.slice"));

        /* A delegated unit makes cgroups: no watch more, and the trees
         * that hold it can no longer see every removal. */
        test_mkdir(t, "p.slice/e.slice/web.service/a");
        test_mkdir(t, "p.slice/e.slice/web.service/b");
        CHECK_STR(process(w, &s), "");
        for (int i = 0; i < 20; i++) {
                char name[64];

                snprintf(name, sizeof name, "p.slice/e.slice/web.service/a/x%d.slice", i);
                test_mkdir(t, name);
        }
        CHECK_STR(process(w, &s), "");
        CHECK_INT(cgwatch_n_watches(w), 4);
        CHECK(!cgwatch_complete(w, "p.slice/e.slice"));
        CHECK(!cgwatch_complete(w, "p.slice"));

        /* Right below the unit's cgroup a removal is seen; deeper, not. */
        test_remove(t, "p.slice/e.slice/web.service/a/x3.slice");
        CHECK_STR(process(w, &s), "");
        test_remove(t, "p.slice/e.slice/web.service/b");
        CHECK_STR(process(w, &s), "p.slice p.slice/e.slice");
        CHECK(!cgwatch_complete(w, "p.slice/e.slice"));

        /* The unit stops: its cgroup goes, and the tree is complete again. */
        for (int i = 0; i < 20; i++) {
                char name[64];

                snprintf(name, sizeof name, "p.slice/e.slice/web.service/a/x%d.slice", i);
                if (i != 3)
                        test_remove(t, name);
        }
        test_remove(t, "p.slice/e.slice/web.service/a");
        CHECK_STR(process(w, &s), "p.slice p.slice/e.slice");
        CHECK(cgwatch_complete(w, "p.slice/e.slice"));
        test_remove(t, "p.slice/e.slice/web.service");
        CHECK_STR(process(w, &s), "p.slice p.slice/e.slice");
        CHECK_INT(cgwatch_n_watches(w), 3);

        /* The other delegated unit, found at the start, goes too. */
        test_remove(t, "p.slice/box.service/payload/deep");
        test_remove(t, "p.slice/box.service/payload");
        CHECK_STR(process(w, &s), "p.slice");
        CHECK(cgwatch_complete(w, "p.slice"));
        test_mkdir(t, "p.slice/box.service/again");
        CHECK_STR(process(w, &s), "");
        CHECK(!cgwatch_complete(w, "p.slice"));
        cgwatch_remove(w, "p.slice");
        /* Not watched: not complete. */
        CHECK(!cgwatch_complete(w, "p.slice"));
        CHECK(cgwatch_complete(w, "p.slice/e.slice"));

        cgwatch_free(w);
        cgroupfs_free(fs);
}

/* A unit's cgroup given as a root is watched itself, never walked into: a
 * Delegate=yes service that makes thousands of cgroups costs one watch. */
TEST(unit_as_root) {
        char *t = test_tmpdir();
        CgroupFs *fs = fixture_fs(t);
        CgroupWatch *w = NULL;
        Seen s;

        test_mkdir(t, "e.slice");
        test_mkdir(t, "e.slice/deleg.service");
        test_mkdir(t, "e.slice/deleg.service/leaf");
        test_mkdir(t, "e.slice/deleg.service/leaf/deep");
        CHECK_INT(cgwatch_new(fs, 100, &w), 0);
        CHECK_INT(cgwatch_add(w, "e.slice/deleg.service"), 0);
        CHECK_INT(cgwatch_n_watches(w), 1);
        CHECK(!cgwatch_complete(w, "e.slice/deleg.service"));
        for (int i = 0; i < 50; i++) {
                char name[64];

                snprintf(name, sizeof name, "e.slice/deleg.service/sub%d", i);
                test_mkdir(t, name);
        }
        CHECK_STR(process(w, &s), "");
        CHECK_INT(cgwatch_n_watches(w), 1);
        /* Also when its slice is watched too. */
        CHECK_INT(cgwatch_add(w, "e.slice"), 0);
        CHECK_INT(cgwatch_n_watches(w), 2);
        cgwatch_free(w);
        cgroupfs_free(fs);
}
