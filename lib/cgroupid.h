/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* From a cgroup id (as /proc/kpagecgroup and bpf report it: the inode number
 * of the cgroup2 directory) back to the cgroup. */

/* Walks the directories below root (a cgroup2 mount, or a fixture tree),
 * without crossing into other file systems, for the one whose inode number
 * is id. ret: its path relative to root, "" for root itself. -ENOENT if no
 * directory has that inode (a cgroup removed since). */
int cgroup_id_to_path(const char *root, uint64_t id, char **ret);
