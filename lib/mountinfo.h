/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* /proc/PID/mountinfo (proc(5)): one mount per line,
 *
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
 *
 * with blanks, tabs, newlines and backslashes in paths escaped as \ooo. The
 * text is the kernel's, but mount points are named by whoever made them. */

typedef struct MountInfo {
        uint64_t id, parent_id;
        unsigned major, minor;
        char *root; /* unescaped; all malloc'ed */
        char *mount_point;
        char *fstype;
        char *source;
} MountInfo;

void mount_info_done(MountInfo *m);

/* One line (without its newline). 0 and *ret filled, -EINVAL for a line
 * that is not one of the above (ret untouched), -ENOMEM. */
int mountinfo_parse_line(const char *line, MountInfo *ret);

/* The mount with the given id in text (a whole mountinfo file): 1 and *ret,
 * 0 if there is none (malformed lines are skipped), -ENOMEM. */
int mountinfo_find(const char *text, uint64_t id, MountInfo *ret);

/* How many mounts are stacked at the mount point of the mount id, counting
 * it and the mounts below it on the same mount point (each the parent of
 * the one above): 1 for a mount on its own, 0 if id is not in text, at most
 * MOUNTINFO_STACK_MAX. */
#define MOUNTINFO_STACK_MAX 64u
unsigned mountinfo_stack_depth(const char *text, uint64_t id);
