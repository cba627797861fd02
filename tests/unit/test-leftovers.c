/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kpagescan.h"
#include "leftovers.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

#define LRU_FILE ((UINT64_C(1) << 5) | (UINT64_C(1) << 3))
#define SHMEM (LRU_FILE | (UINT64_C(1) << 14))
#define ANON (SHMEM | (UINT64_C(1) << 12))

static void stat_file(const char *root, const char *dir, unsigned dying) {
        char text[128], *p = path_join(dir, "cgroup.stat");

        snprintf(text, sizeof text, "nr_descendants 3\nnr_dying_descendants %u\n", dying);
        test_write(root, p, text);
        free(p);
}

/* The layering of an entity beside stock services and another slice. */
static char *tree(void) {
        char *t = test_tmpdir();

        test_write(t, "cgroup.procs", "2\n");
        stat_file(t, ".", 6);
        test_write(t, "system.slice/cgroup.procs", "");
        stat_file(t, "system.slice", 4);
        test_write(t, "system.slice/system-web.slice/cgroup.procs", "");
        stat_file(t, "system.slice/system-web.slice", 3);
        test_write(t, "system.slice/system-web.slice/web.service/cgroup.procs", "12\n");
        stat_file(t, "system.slice/system-web.slice/web.service", 0);
        test_write(t, "system.slice/system-web.slice/cgpersist-keeper@system-web.service/cgroup.procs",
                   "13\n");
        stat_file(t, "system.slice/system-web.slice/cgpersist-keeper@system-web.service", 0);
        test_write(t, "system.slice/dbus.service/cgroup.procs", "14\n");
        stat_file(t, "system.slice/dbus.service", 0);
        test_write(t, "user.slice/cgroup.procs", "\n");
        stat_file(t, "user.slice", 1);
        /* A service with processes and dead cgroups of its own (Delegate=yes). */
        test_write(t, "system.slice/delegated.service/cgroup.procs", "15\n");
        stat_file(t, "system.slice/delegated.service", 1);
        return t;
}

/* The fixture tree as libcgroup's cgroup v2 mount. */
static CgroupFs *mounted(const char *root) {
        CgroupFs *fs = NULL;

        test_cgroup_mount(root);
        CHECK_INT(cgroupfs_new(NULL, &fs), 0);
        return fs;
}

TEST(attribution) {
        char *cg = tree(), *proc = test_tmpdir();
        uint64_t web = test_ino(cg, "system.slice/system-web.slice"), sys = test_ino(cg, "system.slice"),
                 live = test_ino(cg, "system.slice/system-web.slice/web.service");
        uint64_t ids[] = { web, web, web, web, live, live, sys, 987654321, 0 };
        uint64_t flags[] = { LRU_FILE, LRU_FILE, LRU_FILE, SHMEM, ANON, ANON, LRU_FILE, LRU_FILE, 0 };
        KpageScan s = {};
        Leftovers l = {};
        const Leftover *x;

        test_write_u64s(proc, "kpagecgroup", ids, ELEMENTSOF(ids));
        test_write_u64s(proc, "kpageflags", flags, ELEMENTSOF(flags));
        CHECK_INT(kpage_scan(proc, 4, &s), 0);
        _cleanup_(cgroupfs_freep) CgroupFs *fs = mounted(cg);

        CHECK_INT(leftovers_read(fs, &s, &l), 0);

        CHECK_U64(l.cgroups, 8);
        CHECK_U64(l.dying_total, 6);
        CHECK_U64(l.frames, 9);
        CHECK_U64(l.not_charged, 1);

        x = leftovers_find(&l, "system.slice/system-web.slice");
        CHECK(x);
        CHECK(x->inner);
        CHECK_U64(x->cgroup_id, web);
        CHECK_U64(x->dying, 3);
        CHECK_U64(x->kinds.pages, 4);
        CHECK_U64(x->kinds.file, 3);
        CHECK_U64(x->kinds.shmem, 1);

        /* Its own dying: 4 below it minus the entity's 3 and delegated's 1. */
        x = leftovers_find(&l, "system.slice");
        CHECK(x);
        CHECK_U64(x->dying, 0);
        CHECK_U64(x->kinds.file, 1);

        /* Dead cgroups and no page: kept, with nothing charged. */
        x = leftovers_find(&l, "user.slice");
        CHECK(x);
        CHECK_U64(x->dying, 1);
        CHECK_U64(x->kinds.pages, 0);

        /* Processes of its own: dying counted, its pages are its own. */
        x = leftovers_find(&l, "system.slice/delegated.service");
        CHECK(x);
        CHECK(!x->inner);
        CHECK_U64(x->dying, 1);

        /* Live services with nothing dead below are not kept. */
        CHECK(!leftovers_find(&l, "system.slice/system-web.slice/web.service"));
        CHECK(!leftovers_find(&l, "system.slice/dbus.service"));
        /* The root holds kernel threads: never inner; 6 - 4 - 1 = 1 own. */
        x = leftovers_find(&l, "");
        CHECK(x);
        CHECK(!x->inner);
        CHECK_U64(x->dying, 1);

        CHECK_U64(l.live.anon, 2);
        CHECK_U64(l.unknown.pages, 1);
        CHECK_U64(l.n, 5);

        leftovers_done(&l);
        kpage_scan_done(&s);
}

/* Below a cgroup with no dying descendant, cgroup.stat is not read: a
 * count there (here a made-up one) cannot be anything but 0. */
TEST(none_dying_below) {
        char *cg = tree(), *proc = test_tmpdir();
        uint64_t ids[] = { 0 }, flags[] = { 0 };
        KpageScan s = {};
        Leftovers l = {};

        test_write(cg, "system.slice/dbus.service/sub/cgroup.procs", "");
        stat_file(cg, "system.slice/dbus.service/sub", 2);
        test_write_u64s(proc, "kpagecgroup", ids, ELEMENTSOF(ids));
        test_write_u64s(proc, "kpageflags", flags, ELEMENTSOF(flags));
        CHECK_INT(kpage_scan(proc, 4, &s), 0);
        _cleanup_(cgroupfs_freep) CgroupFs *fs = mounted(cg);

        CHECK_INT(leftovers_read(fs, &s, &l), 0);
        CHECK_U64(l.cgroups, 9);
        CHECK(!leftovers_find(&l, "system.slice/dbus.service/sub"));
        CHECK(leftovers_find(&l, "user.slice"));
        leftovers_done(&l);
        kpage_scan_done(&s);
}

/* A tree that is no cgroup tree: no cgroup.stat anywhere, nothing dying,
 * nothing kept; a missing root fails. */
TEST(plain_tree) {
        char *t = test_tmpdir(), *proc = test_tmpdir();
        uint64_t ids[] = { 1 }, flags[] = { LRU_FILE };
        KpageScan s = {};
        Leftovers l = { .n = 42 };

        test_write(t, "a/b/c", "");
        test_write_u64s(proc, "kpagecgroup", ids, 1);
        test_write_u64s(proc, "kpageflags", flags, 1);
        CHECK_INT(kpage_scan(proc, 4, &s), 0);

        CHECK_INT(leftovers_read(NULL, &s, &l), -EINVAL);
        CHECK_U64(l.n, 42);
        _cleanup_(cgroupfs_freep) CgroupFs *fs = mounted(t);
        CHECK_INT(leftovers_read(fs, &s, &l), 0);
        CHECK_U64(l.n, 0);
        CHECK_U64(l.unknown.pages, 1);
        leftovers_done(&l);
        kpage_scan_done(&s);
}

/* 1 % of one CPU: 6 s of CPU every 10 minutes. */
TEST(affordable) {
        CHECK(leftovers_scan_affordable(400000, LEFTOVERS_INTERVAL_DEFAULT_USEC));
        CHECK(leftovers_scan_affordable(6000000, LEFTOVERS_INTERVAL_DEFAULT_USEC));
        CHECK(!leftovers_scan_affordable(6001000, LEFTOVERS_INTERVAL_DEFAULT_USEC));
        CHECK(!leftovers_scan_affordable(17000000, LEFTOVERS_INTERVAL_DEFAULT_USEC));
        CHECK(!leftovers_scan_affordable(0, 0));
        CHECK(leftovers_scan_affordable(1000000, UINT64_MAX)); /* no overflow */
        CHECK(!leftovers_scan_affordable(UINT64_MAX, UINT64_MAX));
}

TEST(file_from_memstat) {
        MemStat slice = { .active_file = 10 << 20,
                          .inactive_file = 20 << 20,
                          .file_dirty = 3 << 20,
                          .file_writeback = 1 << 20 };
        MemStat live[2] = {
                { .active_file = 10 << 20, .inactive_file = 4 << 20, .file_dirty = 2 << 20 },
                { .inactive_file = 2 << 20 },
        };
        uint64_t clean, dirty;

        /* 30 - 4 = 26 clean in all; live: 12 and 2 clean; dirty 4 - 2. */
        leftovers_file_from_memstat(&slice, live, 2, &clean, &dirty);
        CHECK_U64(clean, 12 << 20);
        CHECK_U64(dirty, 2 << 20);
        leftovers_file_from_memstat(&slice, NULL, 0, &clean, &dirty);
        CHECK_U64(clean, 26 << 20);
        CHECK_U64(dirty, 4 << 20);
        /* Read at different moments: live more than the slice. */
        live[0].active_file = 100 << 20;
        leftovers_file_from_memstat(&slice, live, 1, &clean, &dirty);
        CHECK_U64(clean, 0);
}
