/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* From a cgroup id (as /proc/kpagecgroup and bpf report it: the inode number
 * of the cgroup2 directory) back to the cgroup, and the walk of a whole
 * cgroup tree that finds it. */

/* Called by cgroup_walk() for root and every directory below it, parents
 * before their children: dfd is the directory (open, O_DIRECTORY; the
 * walk closes it), path relative to root ("" for root itself), id its inode
 * number, depth 0 for root. 0 goes on, a positive value ends the walk and is
 * returned, a negative errno ends it as a failure. */
typedef int (*cgroup_visit_t)(int dfd, const char *path, uint64_t id, unsigned depth, void *userdata);

/* Walks the directories below root (a cgroup2 mount, or a fixture tree) in
 * directory order, without following symlinks or crossing into other file
 * systems, at most CGROUP_WALK_DEPTH_MAX deep (-ELOOP beyond). A directory
 * that goes away meanwhile is skipped. 0 when all were visited. */
#define CGROUP_WALK_DEPTH_MAX 64
int cgroup_walk(const char *root, cgroup_visit_t visit, void *userdata);

/* Walks the directories below root for the one whose inode number is id.
 * ret: its path relative to root, "" for root itself. -ENOENT if no
 * directory has that inode (a cgroup removed since). */
int cgroup_id_to_path(const char *root, uint64_t id, char **ret);
