/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "macro.h"
#include "mountinfo.h"
#include "tests.h"

/* As 6.1 writes it; 30 is stacked on 29 on 28, all at /srv/a b. */
static const char text[] = "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
                           "25 22 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
                           "28 22 0:40 / /srv/a\\040b rw,relatime shared:20 - tmpfs tmpfs rw,size=1024k\n"
                           "29 28 0:41 / /srv/a\\040b rw,relatime shared:21 - tmpfs tmpfs rw,size=1024k\n"
                           "30 29 0:42 /sub /srv/a\\040b rw,relatime - tmpfs my\\134src rw\n"
                           "31 30 0:43 / /srv/a\\040b/c rw - tmpfs tmpfs rw\n"
                           "garbage line\n"
                           "40 40 0:44 / /loop rw - tmpfs tmpfs rw\n";

TEST(parse_line) {
        MountInfo m = {};

        CHECK_INT(mountinfo_parse_line("30 29 0:42 /sub /srv/a\\040b rw,relatime - tmpfs my\\134src rw", &m),
                  0);
        CHECK_U64(m.id, 30);
        CHECK_U64(m.parent_id, 29);
        CHECK_INT(m.major, 0);
        CHECK_INT(m.minor, 42);
        CHECK_STR(m.root, "/sub");
        CHECK_STR(m.mount_point, "/srv/a b");
        CHECK_STR(m.fstype, "tmpfs");
        CHECK_STR(m.source, "my\\src");
        mount_info_done(&m);
        CHECK(!m.root);

        /* Optional fields before the "-". */
        CHECK_INT(mountinfo_parse_line("1 0 8:1 / / rw shared:1 master:2 - ext4 /dev/sda1 rw", &m), 0);
        CHECK_STR(m.fstype, "ext4");
        CHECK_STR(m.source, "/dev/sda1");
        mount_info_done(&m);
}

TEST(parse_line_refuses) {
        MountInfo m = { .id = 77 };
        static const char *const bad[] = {
                "",
                "30",
                "x 29 0:42 / /a rw - tmpfs t rw",
                "30 29 042 / /a rw - tmpfs t rw",
                "30 29 0:42 / /a rw tmpfs t rw", /* no "-" */
                "30 29 0:42 / /a rw -", /* nothing after it */
                "30 29 0:42 / /a rw - tmpfs",
                "30 29 0:4294967296 / /a rw - tmpfs t rw",
                "99999999999999999999999 1 0:1 / /a rw - tmpfs t rw",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK_INT(mountinfo_parse_line(bad[i], &m), -EINVAL);
        CHECK_U64(m.id, 77);
        CHECK_INT(mountinfo_parse_line(NULL, &m), -EINVAL);
}

TEST(find_and_stack) {
        MountInfo m = {};

        CHECK_INT(mountinfo_find(text, 25, &m), 1);
        CHECK_STR(m.mount_point, "/proc");
        mount_info_done(&m);
        CHECK_INT(mountinfo_find(text, 99, &m), 0);

        CHECK_INT(mountinfo_stack_depth(text, 30), 3);
        CHECK_INT(mountinfo_stack_depth(text, 29), 2);
        CHECK_INT(mountinfo_stack_depth(text, 28), 1);
        CHECK_INT(mountinfo_stack_depth(text, 31), 1);
        CHECK_INT(mountinfo_stack_depth(text, 22), 1);
        CHECK_INT(mountinfo_stack_depth(text, 40), 1); /* its own parent */
        CHECK_INT(mountinfo_stack_depth(text, 99), 0);
}

TEST(stack_is_bounded) {
        /* A cycle between two lines on the same mount point. */
        const char cycle[] = "1 2 0:1 / /x rw - tmpfs t rw\n2 1 0:2 / /x rw - tmpfs t rw\n";

        CHECK_INT(mountinfo_stack_depth(cycle, 1), MOUNTINFO_STACK_MAX);
}
